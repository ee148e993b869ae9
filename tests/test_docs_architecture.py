"""docs/architecture.md stays true: every module and name it mentions exists."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _names() -> list[str]:
    return sorted(set(re.findall(r"`(coach(?:\.[A-Za-z_]+)+)`", DOC.read_text(encoding="utf-8"))))


def test_every_name_in_the_architecture_doc_exists():
    names = _names()
    assert len(names) >= 25, names  # the doc names the stages; the pattern must keep finding them
    missing = []
    for dotted in names:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                missing.append(dotted)
            break
        else:
            missing.append(dotted)
    assert missing == []
