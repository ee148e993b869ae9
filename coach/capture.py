"""Frame sources (webcam, video file, image folder) and an mp4 writer: the OpenCV adapter.

``cv2`` is imported here (and in the rendering module) only. The webcam source is the one place
in the program that reads the clock (``time.monotonic``). A video file's frames get the container's
own timestamps (so variable-frame-rate phone videos keep their true timing; index / fps only
where the container gives none), an image folder ``t = index / fps``: analysing a file is
reproducible.

Every source yields :class:`coach.types.Frame` objects: ``image`` (H, W, 3) uint8 BGR exactly as
captured (never mirrored), ``t`` in seconds since the source started, ``index`` 0-based.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, Optional, Union

# FFmpeg (inside OpenCV) prints its own errors straight to stderr ("moov atom not found");
# we report problems in one line ourselves. Set OPENCV_FFMPEG_LOGLEVEL=16 to see them again.
# Must be set before OpenCV opens its first video, hence at import time.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from .ahead import Ahead
from .errors import CaptureError, OutputError
from .types import Frame

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")

# Frame rate assumed when a video container reports none (0 or NaN), in frames per second.
# 30 is the most common phone/webcam rate; lower it only if your files are typically 24/25 fps.
DEFAULT_FPS = 30.0
# Container frame rates above this (frames per second) are treated as bogus (some muxers write
# 1000 or 90000 as a timebase). Raise it only for genuine high-speed footage.
MAX_PLAUSIBLE_FPS = 480.0
# Webcam: consecutive failed reads before the camera is considered gone (count of reads,
# ~1 s at 30 fps). Raise it for flaky USB cameras that drop out briefly; lower it to notice an
# unplugged camera sooner.
WEBCAM_MAX_FAILED_READS = 30
# Webcam: seconds to wait for the capture thread to stop on close(). Raise it if a slow driver
# warns about releasing a camera that is still being read; lowering it makes Ctrl-C snappier.
WEBCAM_JOIN_TIMEOUT_S = 2.0
# A container timestamp within this many seconds of index / fps is taken as exactly index / fps
# (constant-frame-rate files then replay bit for bit as before). Timestamps are kept as they are
# beyond it. 1 ms is far below a frame period; raising it would blur real frame-rate changes.
CFR_SNAP_S = 0.001
# Image files larger than this (bytes) are skipped as unreadable rather than loaded: a video
# frame is a few MB at most. Raise it for huge scans; it bounds memory per frame.
MAX_IMAGE_BYTES = 64 * 1024 * 1024
# The annotated video stops (kept readable, the session ends with an error) when the disk that
# holds it has less free space than this (bytes): the mp4 index is written at the end and needs
# room, so a full disk would otherwise leave an unreadable file. Lower it for tiny SD cards;
# raise it if other programs fill the same disk quickly.
VIDEO_DISK_RESERVE_BYTES = 16_000_000
# Free space is checked every this many frames written (a statvfs call; cheap).
VIDEO_SPACE_CHECK_EVERY = 15
# Sampling (FrameSource.sample_every): a frame is taken when it is at least period * this after
# the last one taken (share, just under 1 so that a clock's jitter does not skip a whole period).
SAMPLE_SLACK = 0.999


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class FrameSource:
    """An iterable of :class:`~coach.types.Frame` (single pass).

    Attributes:
        name: short human-readable name ("camera 0", the file or folder name).
        fps: frames per second (the container's, the folder rate, or the camera's nominal rate).
        size: (width, height) in pixels of the first frame, or None until known.
        frame_count: number of frames if known in advance (container estimate for videos),
            else None (webcam).
        is_live: True for a webcam.
        warnings: one-line notes about things that were worked around (missing fps,
            unreadable images, early end of a video); the caller may show them.
        complete: False once frames were lost (a video that ended early or had undecodable
            frames, an unreadable image in a folder): results then cover less than the input.
        period: None (every frame), or seconds set by ``sample_every``: only frames at least
            that long apart on the source's own clock are handed out.
    """

    name: str
    fps: float
    size: Optional[tuple[int, int]]
    frame_count: Optional[int]
    is_live: bool

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.complete = True
        self._closed = False
        self.period: Optional[float] = None
        self._next_due = -math.inf

    def sample_every(self, period_s: float) -> None:
        """From now on hand out only the first frame and then each first frame at least
        ``period_s`` seconds (of the frames' own ``t``) after the last one handed out, for slow
        looks (desk mode: 1-2 a second). Frames in between are passed over as cheaply as the source
        allows: a video's are demuxed and decoded (``grab``) but never converted to pictures, a
        folder's images are not read, a camera's are taken from the driver but not converted.
        Indices and times stay those of the whole input."""
        if not (math.isfinite(period_s) and period_s > 0):
            raise ValueError(f"sampling period must be a positive number of seconds, got {period_s}")
        self.period = float(period_s)

    def _due(self, t: float) -> bool:
        """Whether the frame at ``t`` is handed out (always, unless sampling); marks it taken."""
        if self.period is None:
            return True
        if t < self._next_due:
            return False
        self._next_due = t + self.period * SAMPLE_SLACK
        return True

    def _frames(self) -> Iterator[Frame]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            return iter(())
        return self._frames()

    def close(self) -> None:
        """Release the device or file. Safe to call twice."""
        self._closed = True

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} fps={self.fps:g} size={self.size}>"


def _as_bgr(image: Optional[np.ndarray]) -> Optional[NDArray[np.uint8]]:
    """Coerce a decoded image to (H, W, 3) uint8 BGR; None if that is impossible."""
    if image is None or image.size == 0:
        return None
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        else:
            return None
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    elif image.ndim == 3 and image.shape[2] == 1:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim != 3 or image.shape[2] != 3:
        return None
    # dtype is uint8 here (checked above): states the type, never converts or copies on that account
    return np.ascontiguousarray(image, dtype=np.uint8)


class _QuietOpenCV:
    """Silence OpenCV's own WARN lines (e.g. 'can't open camera by index') while probing;
    we report the problem ourselves in one line."""

    # OpenCV log level 0 = silent; it also routes FFmpeg's messages ("moov atom not found").
    _SILENT = 0

    def __enter__(self):
        try:
            self._old = cv2.getLogLevel()
            cv2.setLogLevel(self._SILENT)
        except (AttributeError, cv2.error):  # builds without the logging API
            self._old = None
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            cv2.setLogLevel(self._old)


class VideoFileSource(FrameSource):
    """Frames of a video file, timed by the container's own timestamps (``CAP_PROP_POS_MSEC``);
    ``t = index / fps`` where the container gives none (or not increasing ones)."""

    is_live = False

    def __init__(self, path: Path, display: str) -> None:
        super().__init__()
        self.path = path
        self.name = path.name
        bad = CaptureError(f"cannot read video '{display}': not a video file or it is corrupt")
        with _QuietOpenCV():
            cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            raise bad
        ok, decoded = cap.read()
        first = _as_bgr(decoded) if ok else None
        if first is None:
            cap.release()
            raise bad
        self._cap: Optional[cv2.VideoCapture] = cap  # None once closed
        self._first: Optional[NDArray[np.uint8]] = first
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0.0 or fps > MAX_PLAUSIBLE_FPS:
            self.warnings.append(
                f"video '{display}' reports no usable frame rate ({fps:g}); assuming {DEFAULT_FPS:g} fps"
            )
            fps = DEFAULT_FPS
        self.fps = fps
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count = int(count) if count and math.isfinite(count) and count > 0 else None
        self.size = (int(first.shape[1]), int(first.shape[0]))
        self._display = display
        self._last_t: Optional[float] = None
        self._first_t = self._time(0)

    def _time(self, index: int) -> float:
        """Seconds of the frame just read: the container's timestamp when it has one that moves
        forward, else the previous frame's time + 1 / fps (index / fps from the start)."""
        assert self._cap is not None  # called only right after a read, before close()
        ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        t = ms / 1000.0 if isinstance(ms, float) and math.isfinite(ms) and ms >= 0 else None
        nominal = index / self.fps
        prev = self._last_t
        if t is None or (prev is not None and t <= prev) or (prev is None and index > 0):
            t = nominal if prev is None else prev + 1.0 / self.fps
        if abs(t - nominal) <= CFR_SNAP_S:
            t = nominal
        self._last_t = t
        return t

    def _frames(self) -> Iterator[Frame]:
        index = 0
        read = 0
        if self._first is not None:
            first, self._first = self._first, None
            self._due(self._first_t)
            yield Frame(image=first, t=self._first_t, index=index)
            index += 1
            read += 1
        while not self._closed:
            assert self._cap is not None  # only close() clears it, and the loop stops once closed
            t: Optional[float] = None
            if self.period is None:
                ok, decoded = self._cap.read()
                if not ok:
                    break
            else:  # sampling: each frame decoded (grab), converted to a picture only when taken
                if not self._cap.grab():
                    break
                t = self._time(index)
                if not self._due(t):
                    index += 1
                    read += 1
                    continue
                decoded = self._cap.retrieve()[1]
            image = _as_bgr(decoded)
            if image is None:
                self.warnings.append(f"video '{self._display}': skipped undecodable frame {index}")
                self.complete = False
                index += 1
                continue
            yield Frame(image=image, t=self._time(index) if t is None else t, index=index)
            index += 1
            read += 1
        if not self._closed and self.frame_count is not None and index < self.frame_count - 1:
            # Containers often over-count by one; a bigger gap means a truncated/corrupt file.
            self.complete = False
            self.warnings.append(
                f"video '{self._display}' ended after {read} of {self.frame_count} frames: the file may be truncated"
            )

    def close(self) -> None:
        super().close()
        cap, self._cap = getattr(self, "_cap", None), None
        if cap is not None:
            cap.release()


def _natural_key(name: str) -> list:
    """Sort key so that 'img2.png' < 'img10.png' (case-insensitive)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


class ImageFolderSource(FrameSource):
    """The images (png/jpg/jpeg/bmp) in a folder in natural order; ``t = index / folder_fps``.

    ``index`` is the image's position in the sorted file list, so an unreadable image (skipped
    with a warning) leaves a gap in indices and times rather than shifting the later images.
    """

    is_live = False

    def __init__(self, path: Path, display: str, folder_fps: float) -> None:
        super().__init__()
        if not (math.isfinite(folder_fps) and folder_fps > 0):
            raise CaptureError(f"folder frame rate must be a positive number of frames per second, got {folder_fps}")
        self.path = path
        self.name = path.name or str(path)
        self.fps = float(folder_fps)
        try:
            files = [p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
        except OSError as exc:
            raise CaptureError(f"cannot read folder '{display}': {exc.strerror or exc}") from None
        if not files:
            raise CaptureError(
                f"no images in folder '{display}' (looking for {', '.join(IMAGE_SUFFIXES)} files)"
            )
        self._files = sorted(files, key=lambda p: _natural_key(p.name))
        self.frame_count = len(self._files)
        self._display = display
        # Read up to the first readable image now, so size is known and an all-junk folder fails early.
        self._first: Optional[tuple[int, NDArray[np.uint8]]] = None
        for i, file in enumerate(self._files):
            image = self._read(file)
            if image is not None:
                self._first = (i, image)
                break
        if self._first is None:
            raise CaptureError(f"no readable images in folder '{display}'")
        self.size = (int(self._first[1].shape[1]), int(self._first[1].shape[0]))

    def _read(self, file: Path) -> Optional[NDArray[np.uint8]]:
        decoded: Optional[np.ndarray] = None
        with _QuietOpenCV():
            try:
                if file.stat().st_size <= MAX_IMAGE_BYTES:
                    # np.fromfile + imdecode also handles non-ASCII paths on Windows.
                    data = np.fromfile(str(file), dtype=np.uint8)
                    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
            except (OSError, cv2.error, ValueError, MemoryError):
                decoded = None
        image = _as_bgr(decoded) if decoded is not None else None
        if image is None:
            self.complete = False
            n = self._files.index(file) + 1 if file in self._files else 0
            self.warnings.append(f"skipped unreadable image '{file.name}' ({n} of {len(self._files)})")
        return image

    def _frames(self) -> Iterator[Frame]:
        if self._first is None:
            return
        start, first = self._first
        self._first = None
        self._due(start / self.fps)
        yield Frame(image=first, t=start / self.fps, index=start)
        for index in range(start + 1, len(self._files)):
            if self._closed:
                return
            if not self._due(index / self.fps):  # sampling: not even read
                continue
            image = self._read(self._files[index])
            if image is None:
                continue
            yield Frame(image=image, t=index / self.fps, index=index)


class WebcamSource(FrameSource):
    """A live camera. ``t = time.monotonic() - t0`` when the frame was read (t0 = opening).

    A background thread reads the camera continuously and keeps only the NEWEST frame; the
    iterator hands that frame out. So when pose inference is slower than the camera, stale
    frames are dropped instead of queueing up in the driver's buffer (which would add several
    frame periods of lag). ``index`` counts the frames handed out (0, 1, 2, ...); frames the
    reader dropped are not counted.
    """

    is_live = True

    def __init__(self, index: int) -> None:
        super().__init__()
        self.name = f"camera {index}"
        self.camera_index = index
        self.frame_count = None
        missing = CaptureError(f"no camera at index {index} (use --source PATH to analyse a video file)")
        with _QuietOpenCV():
            cap = cv2.VideoCapture(index)
            opened = cap.isOpened()
            if opened:
                # Ask the driver for a 1-frame buffer: less lag. Not every backend honours it.
                cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
                t0 = time.monotonic()
                ok, decoded = cap.read()
                t_first = time.monotonic() - t0
        first = _as_bgr(decoded) if opened and ok else None
        if first is None:
            cap.release()
            raise missing
        self._cap: Optional[cv2.VideoCapture] = cap  # None once closed
        self._t0 = t0
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not math.isfinite(fps) or fps <= 0.0 or fps > MAX_PLAUSIBLE_FPS:
            self.warnings.append(f"camera {index} reports no frame rate; assuming {DEFAULT_FPS:g} fps")
            fps = DEFAULT_FPS
        self.fps = fps
        self.size = (int(first.shape[1]), int(first.shape[0]))
        self._cond = threading.Condition()
        self._latest: Optional[tuple[NDArray[np.uint8], float]] = (first, t_first)
        self._seq = 1  # number of frames the reader has produced
        self._ended = False
        self._stop = False
        self._thread = threading.Thread(target=self._reader, name=f"webcam-{index}", daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        failures = 0
        while True:
            with self._cond:
                if self._stop:
                    break
            assert self._cap is not None  # close() clears it after stopping and joining this thread
            # grab every frame (the driver's queue stays fresh), convert only those handed out
            ok = self._cap.grab()
            t = time.monotonic() - self._t0
            if ok and not self._due(t):
                failures = 0
                continue
            decoded = self._cap.retrieve()[1] if ok else None
            image = _as_bgr(decoded) if decoded is not None else None
            with self._cond:
                if image is None:
                    failures += 1
                    if failures >= WEBCAM_MAX_FAILED_READS:
                        self.warnings.append(f"{self.name} stopped delivering frames")
                        self._ended = True
                        self._cond.notify_all()
                        return
                    continue
                failures = 0
                self._latest = (image, t)
                self._seq += 1
                self._cond.notify_all()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def _frames(self) -> Iterator[Frame]:
        index = 0
        seen = 0
        while True:
            with self._cond:
                while self._seq == seen and not self._ended and not self._stop:
                    self._cond.wait()
                if self._stop or (self._seq == seen and self._ended):
                    return
                seen = self._seq
                image, t = self._latest  # type: ignore[misc]
            yield Frame(image=image, t=t, index=index, arrived=self._t0 + t)
            index += 1

    def close(self) -> None:
        super().close()
        cond = getattr(self, "_cond", None)
        if cond is not None:
            with cond:
                self._stop = True
                cond.notify_all()
            if self._thread.is_alive() and self._thread is not threading.current_thread():
                self._thread.join(WEBCAM_JOIN_TIMEOUT_S)
        cap, self._cap = getattr(self, "_cap", None), None
        if cap is not None:
            cap.release()


def open_source(spec: Union[str, int, os.PathLike], *, folder_fps: float = 30.0) -> FrameSource:
    """Open a frame source.

    spec: an int or a string of digits -> webcam index; an existing video file; or a folder of
        images (png/jpg/jpeg/bmp, natural sort order).
    folder_fps: frames per second assigned to an image folder (t = index / folder_fps).

    Raises CaptureError with one line: no camera at that index, no such file, unreadable/corrupt
    video, empty folder.
    """
    if isinstance(spec, bool):
        raise CaptureError(f"invalid source {spec!r}")
    if isinstance(spec, int):
        return WebcamSource(spec)
    display = os.fspath(spec)
    if isinstance(display, bytes):
        display = os.fsdecode(display)
    if display.strip().isdigit():
        return WebcamSource(int(display.strip()))
    path = Path(display).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, display, folder_fps)
    if not path.exists():
        raise CaptureError(f"no such file: '{display}'")
    if not os.access(path, os.R_OK):
        raise CaptureError(f"cannot read video '{display}': permission denied")
    if path.is_fifo() or path.is_socket():  # would block, or never end
        raise CaptureError(f"cannot read video '{display}': not a regular file")
    return VideoFileSource(path, display)


class VideoWriter:
    """Write BGR frames to an mp4 file ('mp4v' codec) that OpenCV can read back.

    path: the output file. Frames go to a hidden temporary file in the same folder
        (``outputs.partial_name``); ``close`` finishes it, checks that every frame written can
        be read back, marks it as made by the coach (``outputs.mark_video``) and renames it to
        ``path``, so ``path`` never holds half a video.
    fps: frames per second of the output.
    size: (width, height) in pixels; frames of another size are resized to it (OpenCV would
        otherwise drop them silently).
    Raises CaptureError("cannot write video '<path>'...") when the file cannot be opened, and
    OutputError from ``write`` when the disk is nearly full (VIDEO_DISK_RESERVE_BYTES): the
    frames written so far are then finished into a readable video by ``close``. ``close``
    raises OutputError when the video could not be completed (nothing is left under ``path``).
    """

    FOURCC = "mp4v"

    def __init__(self, path: Union[str, os.PathLike], fps: float, size: tuple[int, int]) -> None:
        from .outputs import partial_name
        self.path = Path(path)
        self.frames_written = 0
        self._writer = None
        self.display = display = os.fspath(path)
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
            raise CaptureError(f"cannot write video '{display}': frame rate must be positive, got {fps}")
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0:
            raise CaptureError(f"cannot write video '{display}': bad frame size {size}")
        if not self.path.parent.is_dir():
            raise CaptureError(f"cannot write video '{display}': folder '{self.path.parent}' does not exist")
        self.fps = float(fps)
        self.size = (w, h)
        self.partial = partial_name(self.path, suffix_last=True)
        self._check_space()
        with _QuietOpenCV():
            writer = cv2.VideoWriter(str(self.partial), cv2.VideoWriter.fourcc(*self.FOURCC), self.fps, self.size)
        if not writer.isOpened():
            writer.release()
            self._discard()
            raise CaptureError(f"cannot write video '{display}'")
        self._writer = writer

    def _free(self) -> Optional[int]:
        try:
            return shutil.disk_usage(str(self.path.parent)).free
        except OSError:
            return None

    def _check_space(self) -> None:
        free = self._free()
        if free is not None and free < VIDEO_DISK_RESERVE_BYTES:
            kept = (f"the {self.frames_written} frames written are kept" if self.frames_written
                    else "no frames were written")
            raise OutputError(f"cannot write video '{self.display}': the disk is nearly full "
                              f"({free / 1e6:.1f} MB free, {VIDEO_DISK_RESERVE_BYTES / 1e6:.0f} MB needed); {kept}")

    def _discard(self) -> None:
        try:
            self.partial.unlink()
        except OSError:
            pass

    def write(self, image_bgr: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 BGR frame; resized to ``size`` if it differs."""
        if self._writer is None:
            raise RuntimeError("VideoWriter is closed")
        image = _as_bgr(image_bgr)
        if image is None:
            raise ValueError(f"VideoWriter.write needs an (H,W,3) uint8 image, got {getattr(image_bgr, 'shape', None)}")
        if self.frames_written % VIDEO_SPACE_CHECK_EVERY == 0 and self.frames_written:
            self._check_space()
        out: np.ndarray = image
        if (image.shape[1], image.shape[0]) != self.size:
            out = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(out)
        self.frames_written += 1

    def _readable_frames(self) -> int:
        with _QuietOpenCV():
            cap = cv2.VideoCapture(str(self.partial))
            try:
                n = cap.get(cv2.CAP_PROP_FRAME_COUNT) if cap.isOpened() else 0
            finally:
                cap.release()
        return int(n) if n and math.isfinite(n) else 0

    def close(self) -> None:
        """Finish the file and give it its final name. Safe to call twice."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.release()
        from .outputs import mark_video
        readable = self._readable_frames() if self.frames_written else 0
        if self.frames_written and readable < self.frames_written:
            free = self._free()
            full = free is not None and free < max(VIDEO_DISK_RESERVE_BYTES, 1 << 20)
            cause = "no space left on device" if full else "the video encoder could not finish it"
            self._discard()
            raise OutputError(f"cannot write video '{self.display}': {cause}; the video was not saved")
        try:
            mark_video(self.partial)
            os.replace(self.partial, self.path)
        except OSError as exc:
            self._discard()
            raise OutputError(f"cannot write video '{self.display}': {exc.strerror or exc}") from None

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def display_available() -> bool:
    """True if a window can be shown, decided WITHOUT calling cv2.imshow (which aborts the
    process when there is no display). Linux/BSD need $DISPLAY or $WAYLAND_DISPLAY;
    macOS and Windows always have one."""
    if sys.platform == "darwin" or sys.platform.startswith("win"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))



# Frames whose longer side is larger than this (pixels) are downscaled for the pose model only
# (INTER_AREA). The model looks at 224x224 and 256x256 crops, so a 1080p or 4K frame only costs
# conversion and copying time; landmarks are normalised and scaled back with the full frame's
# size, so pixel-space measures keep their units. Lower it to save time on small machines; raise
# it if a person far from the camera (small in the frame) is missed.
INFERENCE_MAX_SIDE = 1280
# Frames decoded ahead of the pose model by the reader thread (count). 1-2 is enough to hide
# decoding behind inference; more only costs memory (a 720p frame and its RGB copy are ~5.5 MB).
PREFETCH_FRAMES = 2
# Seconds the consumer waits on the reader's queue between checks for a stop request; only
# bounds how quickly Ctrl-C is noticed while waiting for a frame.
PREFETCH_POLL_S = 0.1


def inference_rgb(image: np.ndarray, max_side: int = INFERENCE_MAX_SIDE) -> np.ndarray:
    """The picture for the pose model: ``image`` (H, W, 3) uint8 BGR as contiguous RGB, scaled
    down (aspect kept) when its longer side exceeds ``max_side`` pixels."""
    h, w = image.shape[:2]
    if max(h, w) > max_side:
        k = max_side / float(max(h, w))
        image = cv2.resize(image, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class Prefetch:
    """A file or folder source decoded ahead on its own thread (at most PREFETCH_FRAMES waiting;
    coach.ahead.Ahead), so decoding and the colour conversion overlap with inference (OpenCV
    releases the GIL while it decodes). Frames come out in order, none dropped, each with ``rgb``
    set; the source's ``warnings`` and ``complete`` are read through. ``decode_ms`` keeps each
    frame's read + conversion time (for coach bench). ``close`` stops the thread before the file
    is released."""

    def __init__(self, source: FrameSource, depth: int = PREFETCH_FRAMES):
        self.source = source
        self.decode_ms: list[float] = []
        self._ahead: Ahead[Frame] = Ahead(self._decoded(), depth, name="prefetch", poll_s=PREFETCH_POLL_S)

    def __getattr__(self, name):  # name, fps, size, warnings, complete, is_live... of the source
        return getattr(self.source, name)

    def _decoded(self) -> Iterator[Frame]:
        it = iter(self.source)
        while True:
            t0 = time.perf_counter()
            frame = next(it, None)
            if frame is None:
                return
            frame = Frame(frame.image, frame.t, frame.index, rgb=inference_rgb(frame.image), arrived=frame.arrived)
            self.decode_ms.append((time.perf_counter() - t0) * 1000.0)
            yield frame

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._ahead)

    def close(self) -> None:
        """Stop the reader, then release the source. Safe to call twice."""
        self._ahead.close()
        self.source.close()


def prefetch(source: FrameSource):
    """``source`` decoded ahead on a thread (Prefetch) for files and folders; a camera already
    reads on its own thread and is returned as it is."""
    return source if source.is_live else Prefetch(source)


class RealtimeSource(FrameSource):
    """A video file or image folder played at its own frame rate as if it were a camera
    (``--realtime``, for tests and demos of the live loop): a thread decodes each frame and
    hands it over when its timestamp comes due on the monotonic clock; like WebcamSource, only
    the NEWEST frame waits (never more than one), so when the consumer is slower frames are
    dropped, not queued. Frames keep the file's own ``t`` and ``index`` (results line up with
    the file) and carry ``arrived`` (monotonic seconds at hand-over) and ``rgb``.
    ``dropped`` counts frames replaced before anyone took them."""

    is_live = True

    def __init__(self, source: FrameSource, clock=time.monotonic) -> None:
        super().__init__()
        self.source = source
        self.name, self.fps, self.size, self.frame_count = source.name, source.fps, source.size, source.frame_count
        self.warnings = source.warnings
        self.dropped = 0
        self._clock = clock
        self._cond = threading.Condition()
        self._latest: Optional[Frame] = None
        self._ended = False
        self._stop = False
        self._error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None

    def sample_every(self, period_s: float) -> None:
        """Sampling happens in the file or folder (frames in between are never converted nor
        paced): the reader then wakes once a period, not once a frame."""
        super().sample_every(period_s)
        self.source.sample_every(period_s)

    @property  # type: ignore[override]
    def complete(self) -> bool:
        return self.source.complete

    @complete.setter
    def complete(self, value: bool) -> None:  # FrameSource.__init__ sets it
        pass

    def _reader(self) -> None:
        t0 = None
        try:
            for frame in self.source:
                rgb = inference_rgb(frame.image)
                now = self._clock()
                if t0 is None:
                    t0 = now - frame.t
                with self._cond:
                    while not self._stop:
                        wait = t0 + frame.t - self._clock()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    if self._stop:
                        break
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = Frame(frame.image, frame.t, frame.index, rgb=rgb, arrived=self._clock())
                    self._cond.notify_all()
        except BaseException as exc:
            self._error = exc
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def _frames(self) -> Iterator[Frame]:
        self._thread = threading.Thread(target=self._reader, name="realtime", daemon=True)
        self._thread.start()
        while True:
            with self._cond:
                while self._latest is None and not self._ended and not self._stop:
                    self._cond.wait(PREFETCH_POLL_S)
                if self._latest is None:
                    if self._error is not None:
                        raise self._error
                    return
                frame, self._latest = self._latest, None
            yield frame

    def close(self) -> None:
        super().close()
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(WEBCAM_JOIN_TIMEOUT_S)
        self.source.close()
