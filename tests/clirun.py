"""Run the `coach` command as a member would: a subprocess of this Python, from the repository."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def coach(*args: str, timeout: float = 300, **kw: Any) -> subprocess.CompletedProcess:
    """`python -m coach ARGS...` (stdout and stderr captured as text); kw go to subprocess.run
    (env=..., input=...)."""
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, **kw)
