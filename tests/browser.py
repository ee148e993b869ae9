"""A real headless Chromium for HTML tests (Debian's `chromium`, installed by .ci/run)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Optional

import numpy as np

SKIP_REASON = "no chromium on PATH (apt-get install chromium; .ci/run installs it)"


def chromium() -> Optional[str]:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def screenshot(html: Path, png: Path, width: int = 1100, height: int = 4000) -> np.ndarray:
    """Render ``html`` in headless Chromium with the network off; returns the PNG as RGB pixels."""
    from PIL import Image
    exe = chromium()
    assert exe, SKIP_REASON
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
           f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=png.parent)
    assert png.exists(), p.stderr[-2000:]
    return np.asarray(Image.open(png).convert("RGB"))


def pixels_near(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> int:
    """How many pixels are within ``tol`` of ``rgb`` on every channel."""
    d = np.abs(img.astype(np.int16) - np.array(rgb, np.int16)).max(axis=2)
    return int((d <= tol).sum())
