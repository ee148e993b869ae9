"""Frame sources and the mp4 writer (coach.capture), on synthetic files made here."""
from __future__ import annotations

import math
import time

import cv2
import numpy as np
import pytest

from coach import capture
from coach.capture import VideoWriter, display_available, open_source
from coach.errors import CaptureError
from coach.types import Frame

W, H = 160, 120


def level_image(level: int, w: int = W, h: int = H) -> np.ndarray:
    """A flat grey BGR image whose level survives lossy compression (read back +-8)."""
    return np.full((h, w, 3), level, np.uint8)


def video_level(i: int) -> int:
    """Grey level of synthetic video frame i (distinct for the first 30 frames)."""
    return 20 + 7 * (i % 30)


def write_video(path, n: int, fps: float, w: int = W, h: int = H) -> None:
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert out.isOpened()
    for i in range(n):
        out.write(level_image(video_level(i), w, h))
    out.release()


def mean_level(frame: Frame) -> float:
    return float(frame.image.mean())


@pytest.mark.parametrize("n, fps", [(12, 10.0), (7, 25.0), (30, 29.97)])
def test_video_file_frames_timestamps_and_size(tmp_path, n, fps):
    path = tmp_path / "clip.mp4"
    write_video(path, n, fps)
    with open_source(str(path)) as src:
        assert not src.is_live and src.name == "clip.mp4"
        assert src.size == (W, H)
        assert src.fps == pytest.approx(fps, rel=1e-3)
        assert src.frame_count == n
        frames = list(src)
        assert src.warnings == []
    assert [f.index for f in frames] == list(range(n))
    assert [f.t for f in frames] == [i / src.fps for i in range(n)]
    assert all(f.size == (W, H) and f.image.dtype == np.uint8 for f in frames)
    levels = [mean_level(f) for f in frames]
    assert levels == pytest.approx([video_level(i) for i in range(n)], abs=6)  # order kept


def test_video_without_frame_rate_assumes_30_and_warns(tmp_path, monkeypatch):
    """A container with neither a frame rate nor frame timestamps: t = index / 30."""
    path = tmp_path / "clip.mp4"
    write_video(path, 3, 12.0)
    real = cv2.VideoCapture

    class NoFps:
        def __init__(self, *a):
            self._cap = real(*a)

        def get(self, prop):
            if prop in (cv2.CAP_PROP_FPS, cv2.CAP_PROP_POS_MSEC):
                return float("nan")
            return self._cap.get(prop)

        def __getattr__(self, name):
            return getattr(self._cap, name)

    monkeypatch.setattr(capture.cv2, "VideoCapture", NoFps)
    with open_source(path) as src:
        assert src.fps == 30.0
        assert len(src.warnings) == 1 and "30" in src.warnings[0] and "\n" not in src.warnings[0]
        assert [f.t for f in src] == [0.0, 1 / 30, 2 / 30]


def write_images(folder, names_levels):
    folder.mkdir(exist_ok=True)
    for name, level in names_levels:
        assert cv2.imwrite(str(folder / name), level_image(level))


def test_image_folder_natural_order_and_timestamps(tmp_path):
    folder = tmp_path / "frames"
    # natural order: img1, img2, img10 (plain sort would put img10 before img2); mixed formats
    write_images(folder, [("img10.png", 200), ("img2.jpg", 100), ("img1.png", 50), ("IMG3.bmp", 150)])
    (folder / "notes.txt").write_text("not an image")
    with open_source(str(folder), folder_fps=5.0) as src:
        assert src.name == "frames" and src.fps == 5.0 and src.frame_count == 4 and src.size == (W, H)
        frames = list(src)
    assert [mean_level(f) for f in frames] == pytest.approx([50, 100, 150, 200], abs=4)
    assert [f.index for f in frames] == [0, 1, 2, 3]
    assert [f.t for f in frames] == [0.0, 0.2, 0.4, 0.6]


def test_image_folder_skips_unreadable_image_with_warning(tmp_path):
    folder = tmp_path / "frames"
    write_images(folder, [("a1.png", 10), ("a3.png", 30)])
    (folder / "a2.png").write_bytes(b"\x89PNG not really")
    (folder / "a0.jpg").write_bytes(b"")
    with open_source(folder) as src:
        frames = list(src)
        warnings = list(src.warnings)
    assert [f.index for f in frames] == [1, 3]  # position in the file list; times stay aligned
    assert [f.t for f in frames] == [1 / 30, 3 / 30]
    assert len(warnings) == 2 and all("\n" not in w for w in warnings)
    assert any("a2.png" in w for w in warnings) and any("a0.jpg" in w for w in warnings)


def _missing(tmp_path):
    return str(tmp_path / "nope.mp4"), r"^no such file: '.*nope\.mp4'$"


def _corrupt(tmp_path):
    p = tmp_path / "junk.mp4"
    p.write_bytes(np.random.default_rng(0).bytes(20000))
    return str(p), r"^cannot read video '.*junk\.mp4': not a video file or it is corrupt$"


def _text_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    return str(p), r"^cannot read video '.*notes\.txt': not a video file or it is corrupt$"


def _empty_mp4(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    return str(p), r"^cannot read video '.*empty\.mp4'"


def _empty_folder(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return str(d), r"^no images in folder '.*empty'"


def _folder_of_junk(tmp_path):
    d = tmp_path / "junk"
    d.mkdir()
    (d / "x.png").write_bytes(b"junk")
    return str(d), r"^no readable images in folder '.*junk'$"


def _webcam_99(tmp_path):
    return 99, r"^no camera at index 99 \(use --source PATH to analyse a video file\)$"


def _webcam_99_str(tmp_path):
    return "99", r"^no camera at index 99 \(use --source PATH to analyse a video file\)$"


@pytest.mark.parametrize("make", [_missing, _corrupt, _text_file, _empty_mp4, _empty_folder, _folder_of_junk,
                                  _webcam_99, _webcam_99_str])
def test_bad_sources_raise_one_line_capture_error(tmp_path, make, capfd):
    spec, pattern = make(tmp_path)
    with pytest.raises(CaptureError, match=pattern) as e:
        open_source(spec)
    assert "\n" not in str(e.value) and "Traceback" not in str(e.value)
    # OpenCV/FFmpeg must not spray their own warnings next to our one line.
    assert capfd.readouterr().err == ""


class FakeCamera:
    """Stands in for cv2.VideoCapture(index): `frames` good reads, then failures."""

    def __init__(self, frames: int, opened: bool = True, fps: float = 0.0):
        self.left, self.opened, self.fps, self.released = frames, opened, fps, False
        self.n = 0

    def __call__(self, index):
        return self

    def isOpened(self):
        return self.opened

    def set(self, prop, value):
        return True

    def get(self, prop):
        return self.fps if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self):
        if not self.grab():
            return False, None
        return self.retrieve()

    retrieved = 0  # frames converted to pictures (retrieve)

    def grab(self):  # a frame taken from the driver, not yet converted
        if self.left <= 0:
            return False
        self.left -= 1
        self.n += 1
        time.sleep(0.002)
        return True

    def retrieve(self):
        self.retrieved += 1
        return True, level_image(self.n % 250)

    def release(self):
        self.released = True


def test_webcam_frames_are_live_ordered_and_end_when_camera_stops(monkeypatch):
    cam = FakeCamera(frames=8, fps=0.0)
    monkeypatch.setattr(capture.cv2, "VideoCapture", cam)
    src = open_source(0)
    assert src.is_live and src.name == "camera 0" and src.size == (W, H) and src.frame_count is None
    assert src.fps == 30.0 and any("frame rate" in w for w in src.warnings)  # camera reported 0
    frames = list(src)  # the reader may drop frames when the consumer is slow, never repeat one
    assert 1 <= len(frames) <= 8
    assert [f.index for f in frames] == list(range(len(frames)))
    ts = [f.t for f in frames]
    assert all(b > a for a, b in zip(ts, ts[1:])) and ts[0] >= 0.0
    src.close()
    src.close()
    assert cam.released


def test_webcam_keeps_only_the_newest_frame(monkeypatch):
    cam = FakeCamera(frames=40)
    monkeypatch.setattr(capture.cv2, "VideoCapture", cam)
    with open_source("0") as src:
        it = iter(src)
        first = next(it)
        time.sleep(0.3)  # a slow consumer: the camera delivers ~all remaining frames meanwhile
        second = next(it)
    assert first.index == 0 and second.index == 1
    assert mean_level(second) > mean_level(first) + 5  # not the stale second frame of the camera


def test_webcam_that_opens_but_gives_no_frame(monkeypatch):
    cam = FakeCamera(frames=0)
    monkeypatch.setattr(capture.cv2, "VideoCapture", cam)
    with pytest.raises(CaptureError, match=r"^no camera at index 2 "):
        open_source(2)
    assert cam.released


@pytest.mark.parametrize("n, fps, size", [(10, 30.0, (W, H)), (5, 12.5, (64, 48)), (1, 24.0, (320, 240))])
def test_video_writer_round_trip(tmp_path, n, fps, size):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, fps, size) as out:
        for i in range(n):
            out.write(level_image(video_level(i), *size))
        assert out.frames_written == n
    out.close()  # idempotent
    with open_source(path) as src:
        frames = list(src)
        assert src.fps == pytest.approx(fps, rel=1e-3) and src.size == size
    assert len(frames) == n
    assert [mean_level(f) for f in frames] == pytest.approx([video_level(i) for i in range(n)], abs=6)


def test_video_writer_resizes_mismatched_frames(tmp_path):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, 10.0, (W, H)) as out:
        out.write(level_image(100, 2 * W, 2 * H))
        out.write(level_image(100))
    with open_source(path) as src:
        assert len(list(src)) == 2


@pytest.mark.parametrize("make_path, fps, size", [
    (lambda d: d / "no_such_dir" / "out.mp4", 30.0, (W, H)),
    (lambda d: d / "out.mp4", 0.0, (W, H)),
    (lambda d: d / "out.mp4", math.nan, (W, H)),
    (lambda d: d / "out.mp4", 30.0, (0, H)),
])
def test_video_writer_errors_are_one_line(tmp_path, make_path, fps, size):
    path = make_path(tmp_path)
    with pytest.raises(CaptureError, match=r"^cannot write video '") as e:
        VideoWriter(path, fps, size)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {}, False),
    ("linux", {"DISPLAY": ":0"}, True),
    ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, True),
    ("linux", {"DISPLAY": ""}, False),
    ("darwin", {}, True),
    ("win32", {}, True),
])
def test_display_available(monkeypatch, platform, env, expected):
    monkeypatch.setattr(capture.sys, "platform", platform)
    for key in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert display_available() is expected


def test_a_sampled_video_hands_out_one_frame_a_period_with_its_own_index_and_time(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, 95, 30.0)
    with open_source(path) as src:
        src.sample_every(1.0)
        frames = list(src)
        assert src.complete and src.warnings == []
    assert [f.index for f in frames] == [0, 30, 60, 90]
    assert [f.t for f in frames] == [0.0, 1.0, 2.0, 3.0]
    assert [mean_level(f) for f in frames] == pytest.approx([video_level(i) for i in (0, 30, 60, 90)], abs=6)
    with open_source(path) as src:  # a period of 7.5 frames: each look a period after the last one taken
        src.sample_every(0.25)
        assert [f.index for f in src][:6] == [0, 8, 16, 24, 32, 40]
    with pytest.raises(ValueError):
        open_source(path).sample_every(0.0)


def test_a_sampled_folder_does_not_even_read_the_images_in_between(tmp_path):
    folder = tmp_path / "imgs"
    write_images(folder, [(f"{i:02d}.png", 10 * i) for i in range(10)])
    (folder / "03.png").write_bytes(b"not an image")  # between two looks: never read, no warning
    src = open_source(folder, folder_fps=2.0)
    src.sample_every(2.0)
    frames = list(src)
    assert [(f.index, f.t) for f in frames] == [(0, 0.0), (4, 2.0), (8, 4.0)]
    assert src.complete and src.warnings == []


def test_a_sampled_camera_converts_only_the_frames_it_hands_out(monkeypatch):
    cam = FakeCamera(frames=150)  # ~2 ms a frame: the camera is drained all along
    monkeypatch.setattr(capture.cv2, "VideoCapture", cam)
    with open_source(0) as src:
        src.sample_every(0.05)
        frames = list(src)
    assert cam.n == 150 and 3 <= len(frames) <= cam.retrieved <= 15  # of 150 grabbed
    assert all(b.t - a.t >= 0.05 * 0.999 for a, b in zip(frames[1:], frames[2:]))
