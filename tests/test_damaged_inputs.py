"""Inputs that end early, are damaged or have variable frame timing (coach.capture): the coach
says so (warning, complete = false, exit 3) and times frames by the container's own clock.
Every damaged file is made here."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from clirun import coach
from PIL import Image

from coach import capture
from coach.capture import open_source
from coach.errors import EXIT_INCOMPLETE

REPO = Path(__file__).resolve().parents[1]




def noise(rng, w=160, h=120):
    return rng.integers(0, 255, (h, w, 3), dtype=np.uint8)


def write_avi(path: Path, n: int, fps: float = 30.0) -> None:
    """An MJPG AVI: its header states the frame count, and a cut file still decodes up to the cut."""
    rng = np.random.default_rng(0)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (160, 120))
    for _ in range(n):
        w.write(noise(rng))
    w.release()


def truncated_avi(tmp_path: Path) -> Path:
    full, cut = tmp_path / "full.avi", tmp_path / "cut.avi"
    write_avi(full, 98)
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) * 11 // 98])
    return cut


def test_truncated_video_is_incomplete_with_the_warning(tmp_path):
    cut = truncated_avi(tmp_path)
    with open_source(cut) as src:
        frames = list(src)
        assert len(frames) == 11 and src.complete is False
        assert src.warnings == [f"video '{cut}' ended after 11 of 98 frames: the file may be truncated"]


def test_whole_video_is_complete(tmp_path):
    write_avi(tmp_path / "full.avi", 20)
    with open_source(tmp_path / "full.avi") as src:
        assert len(list(src)) == 20 and src.complete is True and src.warnings == []


def test_unreadable_image_mid_folder_is_incomplete(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(6):
        cv2.imwrite(str(folder / f"f{i}.png"), np.full((40, 40, 3), 30 * i, np.uint8))
    (folder / "f3.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)  # a damaged png
    with open_source(folder) as src:
        frames = list(src)
    assert [f.index for f in frames] == [0, 1, 2, 4, 5]
    assert src.complete is False and src.warnings == ["skipped unreadable image 'f3.png' (4 of 6)"]


def test_analyze_truncated_video_warns_marks_json_and_exits_3(tmp_path):
    """The CLI: warning on stderr, complete false and the warning in the JSON, exit 3."""
    cut = truncated_avi(tmp_path)
    p = coach("analyze", str(cut), "--exercise", "squat", "--json")
    assert p.returncode == EXIT_INCOMPLETE == 3, p.stderr
    s = json.loads(p.stdout)
    assert s["complete"] is False and s["frames"] == 11
    assert s["warnings"] == [f"video '{cut}' ended after 11 of 98 frames: the file may be truncated"]
    assert "ended after 11 of 98 frames: the file may be truncated" in p.stderr and "Traceback" not in p.stderr


def test_analyze_whole_video_is_complete_exit_0(tmp_path):
    write_avi(tmp_path / "full.avi", 15)
    p = coach("analyze", str(tmp_path / "full.avi"), "--exercise", "squat", "--json")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["complete"] is True and s["warnings"] == [] and s["frames"] == 15


def test_analyze_folder_with_unreadable_image_exits_3(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(5):
        cv2.imwrite(str(folder / f"f{i}.png"), np.full((64, 64, 3), 40, np.uint8))
    (folder / "f2.png").write_bytes(b"not an image")
    p = coach("analyze", str(folder), "--exercise", "squat", "--json")
    assert p.returncode == 3, p.stderr
    s = json.loads(p.stdout)
    assert s["complete"] is False and s["frames"] == 4
    assert s["warnings"] == ["skipped unreadable image 'f2.png' (3 of 5)"]


# ------------------------------------------------------------------ variable frame rate

DURATIONS_MS = [40, 40, 40, 200, 200, 40, 100, 40, 300, 40]


def vfr_gif(path: Path) -> list[float]:
    """An animated GIF whose frames last DURATIONS_MS (a real variable-frame-rate container);
    returns each frame's start time in seconds."""
    frames = [Image.fromarray(np.full((64, 64, 3), 20 * i, np.uint8)) for i in range(len(DURATIONS_MS))]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=DURATIONS_MS, loop=0)
    return [sum(DURATIONS_MS[:i]) / 1000.0 for i in range(len(DURATIONS_MS))]


def test_variable_frame_rate_video_uses_container_timestamps(tmp_path):
    expected = vfr_gif(tmp_path / "vfr.gif")
    with open_source(tmp_path / "vfr.gif") as src:
        frames = list(src)
        mean_fps_times = [i / src.fps for i in range(len(frames))]
    assert [f.index for f in frames] == list(range(10))
    assert [f.t for f in frames] == pytest.approx(expected, abs=1e-9)
    assert max(abs(a - b) for a, b in zip(mean_fps_times, expected)) > 0.2  # index / mean fps would be wrong


class FakeCap:
    """A capture whose container timestamps are scripted (ms per frame; None = no timestamp)."""

    def __init__(self, stamps, fps=25.0):
        self.stamps, self.fps, self.i = list(stamps), fps, 0

    def isOpened(self):
        return True

    def read(self):
        if self.i >= len(self.stamps):
            return False, None
        self.i += 1
        return True, np.zeros((8, 8, 3), np.uint8)

    def get(self, prop):
        if prop == cv2.CAP_PROP_FPS:
            return self.fps
        if prop == cv2.CAP_PROP_FRAME_COUNT:
            return float(len(self.stamps))
        if prop == cv2.CAP_PROP_POS_MSEC:
            s = self.stamps[self.i - 1]
            return float("nan") if s is None else float(s)
        return 0.0

    def release(self):
        pass


@pytest.mark.parametrize("stamps, expected", [
    ([0, 40, 80, 120], [0.0, 0.04, 0.08, 0.12]),                 # constant rate: exactly index / fps
    ([0, 40, 240, 280], [0.0, 0.04, 0.24, 0.28]),                # a slow stretch keeps its real timing
    ([0, None, 80, 80, 100], [0.0, 0.04, 0.08, 0.12, 0.16]),     # missing / repeated: previous + 1 / fps
    ([0, 0, 0], [0.0, 0.04, 0.08]),                              # no timestamps at all (all 0): index / fps
])
def test_timestamp_logic_on_a_fake_capture(tmp_path, monkeypatch, stamps, expected):
    path = tmp_path / "x.mp4"
    path.write_bytes(b"x")
    monkeypatch.setattr(capture.cv2, "VideoCapture", lambda *_a: FakeCap(stamps))
    with open_source(path) as src:
        assert [f.t for f in src] == pytest.approx(expected, abs=1e-12)


def test_fifo_as_video_is_refused_not_waited_on(tmp_path):
    import os
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    p = coach("analyze", str(fifo), "--exercise", "squat", timeout=60)
    assert p.returncode == 1 and "not a regular file" in p.stderr and "Traceback" not in p.stderr


def test_analyze_records_the_container_timestamps_of_a_vfr_video(tmp_path):
    """End to end: the times the coach works with (and records) are the container's."""
    from coach.pose.recording import load_recording
    expected = vfr_gif(tmp_path / "vfr.gif")
    p = coach("analyze", str(tmp_path / "vfr.gif"), "--exercise", "squat", "--json", "--record",
              str(tmp_path / "r.npz"))
    assert p.returncode == 0, p.stderr
    assert load_recording(tmp_path / "r.npz").times.tolist() == pytest.approx(expected, abs=1e-9)


def test_oversized_image_in_a_folder_is_skipped_not_loaded(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"f{i}.png"), np.full((40, 40, 3), 50, np.uint8))
    with open(folder / "f1.png", "r+b") as f:
        f.truncate(capture.MAX_IMAGE_BYTES + 1)  # sparse: never read
    with open_source(folder) as src:
        assert [f.index for f in src] == [0, 2]
    assert src.complete is False and src.warnings == ["skipped unreadable image 'f1.png' (2 of 3)"]
