"""The coach needs no network: `analyze` (real pose inference, with the pose model built from
scratch into an empty cache) and `demo` run with every socket refused. Any attempt to open a
socket, resolve a name or connect is logged and fails the test."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]

BLOCKER = """
import os, runpy, socket, sys
LOG = os.environ["NO_NETWORK_LOG"]

def _refuse(what, *args):
    with open(LOG, "a") as f:
        f.write(f"{what} {args!r}\\n")
    raise OSError("network use blocked by the test")

class _NoSocket(socket.socket):
    def __init__(self, *a, **k):
        _refuse("socket", *a)

socket.socket = _NoSocket
socket.create_connection = lambda *a, **k: _refuse("create_connection", *a)
socket.getaddrinfo = lambda *a, **k: _refuse("getaddrinfo", *a)
socket.gethostbyname = lambda *a, **k: _refuse("gethostbyname", *a)
socket.socketpair = lambda *a, **k: _refuse("socketpair", *a)
sys.argv = ["coach"] + sys.argv[1:]
runpy.run_module("coach", run_name="__main__")
"""


def offline(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run the coach with Python-level sockets refused, and, where root can make one, inside a
    network namespace with no interface at all (`unshare -n`)."""
    log = tmp_path / "network.log"
    env = dict(os.environ, NO_NETWORK_LOG=str(log), FORM_COACH_CACHE=str(tmp_path / "cache"),
               COACH_HOME=str(tmp_path / "home"))
    cmd = [sys.executable, "-c", BLOCKER, *args]
    if shutil.which("unshare") and os.geteuid() == 0 and \
            subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        cmd = ["unshare", "-n", *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    return p, log.read_text() if log.exists() else ""


def test_analyze_needs_no_network(tmp_path):
    clip = tmp_path / "clip.mp4"
    w = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))
    rng = np.random.default_rng(0)
    for _ in range(15):
        w.write(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
    w.release()
    p, attempts = offline(tmp_path, "analyze", str(clip), "--exercise", "squat", "--json",
                          "--output", str(tmp_path / "out.mp4"), "--record", str(tmp_path / "rec.npz"))
    assert attempts == ""
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["frames"] == 15 and s["complete"] is True
    assert list((tmp_path / "cache").glob("*.task")), "the pose model was built offline, in the empty cache"


def test_demo_needs_no_network(tmp_path):
    p, attempts = offline(tmp_path, "demo", "--output", str(tmp_path / "demo.mp4"), "--json")
    assert attempts == ""
    assert p.returncode == 0, p.stderr
    assert [e["reps"] >= 3 for e in json.loads(p.stdout)["exercises"]] == [True, True, True]
