"""A real X display for window tests: Xvfb at 1280x800 and a polling wait. Tests that use it skip
without Xvfb and xdotool (.ci/run installs them)."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import Callable, Iterator, TypeVar

import pytest

T = TypeVar("T")

needs_x = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                             reason="needs Xvfb and xdotool (apt-get install xvfb xdotool; .ci/run installs them)")


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb server for one test; yields its DISPLAY name (":N")."""
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    num = b""
    while not num.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            break
        num += chunk
    os.close(r)
    try:
        yield f":{num.decode().strip()}"
    finally:
        proc.terminate()
        proc.wait(10)


def wait_for(check: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    """Poll ``check`` every 0.1 s until it returns something true; AssertionError after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def focus_window(env: dict, title: str = "Form Coach", timeout: float = 60.0) -> str:
    """Wait for the window named ``title`` on env["DISPLAY"], focus it, return its id."""
    win = wait_for(lambda: subprocess.run(["xdotool", "search", "--name", title], env=env, capture_output=True,
                                          text=True).stdout.split(), "the window", timeout)[0]
    subprocess.run(["xdotool", "windowfocus", win], env=env, timeout=10)
    return win


def press(env: dict, *keys: str, gap_s: float = 0.15) -> None:
    """Real key presses (xdotool) into the focused window, ``gap_s`` seconds apart."""
    for k in keys:
        subprocess.run(["xdotool", "key", k], env=env, check=True, timeout=10)
        time.sleep(gap_s)


def stop(proc: subprocess.Popen) -> None:
    """Kill a command a test left running (after a failed wait)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
