"""MediaPipe pose adapter: the ONLY module that imports ``mediapipe``.

Two jobs:

1. Build the pose model offline. MediaPipe's Tasks ``PoseLandmarker`` needs a ``.task`` bundle
   (a zip holding ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, the member
   names used by Google's official ``pose_landmarker_*.task`` files). The mediapipe wheel ships
   both networks as plain ``.tflite`` files; the landmark network lacks the input-normalisation
   metadata the Tasks API needs, so :func:`ensure_bundle` adds ``NormalizationOptions``
   (mean 0, std 255: pixels 0..255 -> 0..1) with mediapipe's own metadata writer and zips both.
   No network access is needed. The bundle is cached (see :func:`default_bundle_path`) with a
   ``.sha256`` sidecar; the hash is checked on every load and the bundle rebuilt when it is
   missing or corrupt. The build is deterministic (fixed zip timestamps), so the same mediapipe
   version always gives the same hash.

2. :class:`PoseEstimator`: one :class:`coach.types.Frame` in, one :class:`coach.types.Pose`
   (or ``None`` when nobody is found) out.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..capture import inference_rgb
from ..errors import PoseModelError
from ..landmarks import N_LANDMARKS
from ..types import Frame, Pose

try:
    import mediapipe as mp
    from mediapipe.tasks.python import vision as mp_vision
    from mediapipe.tasks.python.core.base_options import BaseOptions as _MpBaseOptions
except ImportError as _exc:  # pragma: no cover - depends on the installation
    mp = None  # type: ignore[assignment]
    _IMPORT_ERROR: Optional[BaseException] = _exc
else:
    _IMPORT_ERROR = None

# Member names inside a pose_landmarker .task bundle (as in Google's official bundles).
DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"

# Models inside the mediapipe wheel, relative to the mediapipe package directory.
_WHEEL_DETECTOR = Path("modules/pose_detection/pose_detection.tflite")
_WHEEL_LANDMARKS = Path("modules/pose_landmark/pose_landmark_full.tflite")

# Input normalisation of the landmark network: tensor = (pixel - mean) / std, pixels 0..255.
# The BlazePose GHUM landmark model expects inputs in [0, 1]. Never change these: they are a
# property of the network, not a tuning knob.
_LANDMARK_NORM_MEAN = 0.0  # pixel value units (0..255)
_LANDMARK_NORM_STD = 255.0  # pixel value units (0..255)

# Fixed timestamp for zip members so the bundle (and its hash) is reproducible.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# Alignment of uncompressed members in the bundle, in bytes: lets the runtime mmap them.
# 4 is what mediapipe's own model_asset_bundle_utils uses; there is no reason to change it.
_ZIP_ALIGNMENT = 4

BUNDLE_NAME = "pose_landmarker_full_offline"


def _mediapipe_version() -> str:
    return getattr(mp, "__version__", "unknown") if mp is not None else "missing"


def _require_mediapipe() -> None:
    if mp is None:
        raise PoseModelError(f"cannot load pose model: mediapipe is not installed ({_IMPORT_ERROR})")


def cache_dir() -> Path:
    """The user cache directory: ``$FORM_COACH_CACHE``, else ``$XDG_CACHE_HOME/form-coach``,
    else ``~/.cache/form-coach``. Not created here."""
    explicit = os.environ.get("FORM_COACH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "form-coach"
    return Path.home() / ".cache" / "form-coach"


def default_bundle_path() -> Path:
    """Where the offline-built bundle lives: ``<cache_dir>/pose_landmarker_full_offline-mp<version>.task``.

    The mediapipe version is part of the name so upgrading mediapipe builds a fresh bundle from
    the new wheel's networks instead of reusing the old one.
    """
    return cache_dir() / f"{BUNDLE_NAME}-mp{_mediapipe_version()}.task"


def sidecar_path(bundle: Path) -> Path:
    """``<bundle>.sha256``: one line ``<hex digest>  <file name>`` (``sha256sum`` format)."""
    return bundle.with_name(bundle.name + ".sha256")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_sidecar(bundle: Path) -> Optional[str]:
    try:
        text = sidecar_path(bundle).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    digest = text.split()[0].lower() if text else ""
    return digest if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest) else None


def bundle_is_valid(path: Path) -> bool:
    """True when ``path`` exists and its sha256 matches the sidecar."""
    expected = _read_sidecar(path)
    if expected is None or not path.is_file():
        return False
    try:
        return sha256_file(path) == expected
    except OSError:
        return False


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _add_landmark_metadata(model: bytes) -> bytes:
    """Return the landmark network with image-input metadata (RGB, mean 0, std 255)."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(
        "pose_landmark_full", "BlazePose GHUM 3D pose landmarks (full), from the mediapipe wheel"
    )
    writer.add_image_input(norm_mean=[_LANDMARK_NORM_MEAN], norm_std=[_LANDMARK_NORM_STD])
    with_metadata, _json = writer.populate()
    return bytes(with_metadata)


def _zip_bundle(members: dict[str, bytes]) -> bytes:
    """Zip ``members`` uncompressed, 4-byte aligned, with fixed timestamps (reproducible)."""
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    buf = io.BytesIO()
    with model_asset_bundle_utils.AlignZipFile(buf, mode="w", alignment=_ZIP_ALIGNMENT) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def build_bundle_bytes() -> bytes:
    """Build the ``.task`` bundle from the networks in the installed mediapipe wheel."""
    _require_mediapipe()
    root = Path(mp.__file__).resolve().parent
    try:
        detector = (root / _WHEEL_DETECTOR).read_bytes()
        landmarks = (root / _WHEEL_LANDMARKS).read_bytes()
    except OSError as exc:
        raise PoseModelError(
            f"cannot build pose model: mediapipe {_mediapipe_version()} does not ship "
            f"'{exc.filename}' (pass an official pose_landmarker .task with --model)"
        ) from None
    try:
        landmarks = _add_landmark_metadata(landmarks)
    except Exception as exc:  # mediapipe raises assorted types here
        raise PoseModelError(f"cannot build pose model: adding metadata failed: {_one_line(exc)}") from None
    # The wheel's detector already carries its metadata (RGB, mean 127.5, std 127.5).
    return _zip_bundle({DETECTOR_MEMBER: detector, LANDMARKS_MEMBER: landmarks})


def ensure_bundle(path: Optional[Path] = None) -> Path:
    """Return a verified bundle at ``path`` (default :func:`default_bundle_path`), building it
    first if it is missing, corrupt or its sidecar is missing/wrong.

    Both the bundle and its ``.sha256`` sidecar are written atomically (temp file + os.replace),
    bundle first, so a crash never leaves a file that verifies but is incomplete.
    Raises PoseModelError if the bundle cannot be built or written.
    """
    path = Path(path) if path is not None else default_bundle_path()
    if bundle_is_valid(path):
        return path
    data = build_bundle_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write_bytes(path, data)
        _atomic_write_bytes(sidecar_path(path), f"{digest}  {path.name}\n".encode("ascii"))
    except OSError as exc:
        raise PoseModelError(
            f"cannot write pose model '{path}': {exc.strerror or exc} (set FORM_COACH_CACHE to a writable folder)"
        ) from None
    if not bundle_is_valid(path):  # e.g. another process replaced it with something else meanwhile
        raise PoseModelError(f"cannot build pose model '{path}': hash check failed after writing")
    return path


class _QuietNativeStderr:
    """Silence MediaPipe's C++ start-up chatter ("GPU support is not available", "Feedback
    manager requires...", "NORM_RECT without IMAGE_DIMENSIONS") by pointing file descriptor 2 at
    /dev/null while a graph is created and runs its first frame. absl logging ignores GLOG_*
    variables, so this is the only switch. Errors still reach the user: MediaPipe raises them as
    Python exceptions, which we turn into one-line PoseModelErrors. Set FORM_COACH_MEDIAPIPE_LOGS=1
    to see the native log.
    """

    def __enter__(self):
        self._saved = None
        if os.environ.get("FORM_COACH_MEDIAPIPE_LOGS"):
            return self
        try:
            sys.stderr.flush()
            self._saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except (OSError, AttributeError, ValueError):  # no real fd 2 (embedded, pytest capture)
            self._saved = None
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._saved = None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    line = text.splitlines()[0].strip()
    max_chars = 200  # keep the user-facing message to one readable line
    return line if len(line) <= max_chars else line[: max_chars - 3] + "..."


class PoseEstimator:
    """MediaPipe PoseLandmarker over :class:`~coach.types.Frame` objects.

    model_path: an official ``pose_landmarker_{lite,full,heavy}.task`` (or any PoseLandmarker
        bundle); ``None`` builds/uses the offline bundle from the mediapipe wheel (full model).
    live: True for a webcam (kept as ``self.live``). Live and file input both use MediaPipe's
        synchronous ``RunningMode.VIDEO`` with strictly increasing ms timestamps, because it
        gives the lowest end-to-end latency: ``process`` returns the landmarks of *this* frame
        as soon as inference finishes, so the overlay matches the picture it is drawn on.
        ``LIVE_STREAM`` runs the same graph but hands results to a callback on another thread;
        it accepts every frame (its queue grows when inference is slower than the camera) and
        the caller draws the newest result on a newer frame. Measured on the 2-core dev machine
        with a simulated 30 fps camera feeding coach.capture's newest-frame reader:
        640x360: VIDEO median 29 ms frame->landmarks (p90 70), 25.8 results/s, no mismatch;
        LIVE_STREAM median 158 ms (p90 681), skeleton ~96 ms of video behind the shown frame.
        1280x720: VIDEO median 47 ms (p90 70); LIVE_STREAM median 48 ms but p90 232 ms and
        every drawn skeleton belongs to an earlier frame. Capture already overlaps with
        inference (coach.capture reads the camera on its own thread, keeping only the newest
        frame), which is the one thing LIVE_STREAM would add.
    min_detection_confidence: (0..1 score) the person detector's threshold for starting to track.
        Raise it if the model "finds" people in empty rooms; lower it if a real person at the
        edge of the frame or in poor light is not picked up.
    min_presence_confidence: (0..1 score) the landmark model's threshold for "a person is still
        there". Raise it to drop shaky half-visible poses; lower it to keep partially visible people.
    min_tracking_confidence: (0..1 score) below this the tracker re-runs the detector on the next
        frame. Raise it for more robust re-detection (slower); lower it for speed in stable scenes.

    Raises PoseModelError("cannot load pose model '<path>': <reason>") for a missing or
    unloadable model.
    """

    def __init__(
        self,
        model_path: Union[str, Path, None] = None,
        *,
        live: bool = False,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        _require_mediapipe()
        self.live = bool(live)
        self._landmarker = None
        self._last_ts_ms: Optional[int] = None
        if model_path is None:
            path = ensure_bundle()
            self.model_name = BUNDLE_NAME
        else:
            path = Path(model_path).expanduser()
            if not path.exists():
                raise PoseModelError(f"cannot load pose model '{model_path}': no such file")
            if not path.is_file():
                raise PoseModelError(f"cannot load pose model '{model_path}': not a file")
            self.model_name = path.stem
        self.model_path = path
        try:
            self.model_sha256 = sha256_file(path)
        except OSError as exc:
            raise PoseModelError(f"cannot load pose model '{path}': {exc.strerror or exc}") from None
        for name, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_presence_confidence", min_presence_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not (0.0 <= float(value) <= 1.0):
                raise PoseModelError(f"cannot load pose model '{path}': {name} must be in 0..1, got {value}")
        self._options = mp_vision.PoseLandmarkerOptions(
            base_options=_MpBaseOptions(model_asset_path=str(path)),
            running_mode=mp_vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=float(min_detection_confidence),
            min_pose_presence_confidence=float(min_presence_confidence),
            min_tracking_confidence=float(min_tracking_confidence),
            output_segmentation_masks=False,
        )
        self._display_path = model_path or path
        self._last_size: Optional[tuple[int, int]] = None
        self._landmarker = self._create()

    def _create(self):
        self._quiet = True  # until the first pose: the first landmark pass logs a warning too
        try:
            with _QuietNativeStderr():
                return mp_vision.PoseLandmarker.create_from_options(self._options)
        except Exception as exc:  # mediapipe raises RuntimeError/ValueError with long texts
            raise PoseModelError(f"cannot load pose model '{self._display_path}': {_one_line(exc)}") from None

    def _timestamp_ms(self, t: float) -> int:
        """Integer ms for MediaPipe, strictly increasing: equal/decreasing/NaN t is bumped +1 ms."""
        ts = int(round(t * 1000.0)) if math.isfinite(t) else -1
        if self._last_ts_ms is None:
            ts = max(ts, 0)
        elif ts <= self._last_ts_ms:
            ts = self._last_ts_ms + 1
        self._last_ts_ms = ts
        return ts

    def process(self, frame: Frame) -> Optional[Pose]:
        """Landmarks of the (first) person in ``frame``, or None when nobody is found.

        Frames are tracked in order (MediaPipe VIDEO mode); a change of frame size resets tracking.

        frame.image: (H, W, 3) uint8 BGR. Returns a Pose with image_xy (33, 2) in pixels,
        world_xyz (33, 3) in metres (or None), visibility/presence (33,) in 0..1, and
        t/index copied from the frame.
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if self._last_size is not None and frame.size != self._last_size:
            # VIDEO-mode tracking carries the previous frame's region of interest over in
            # normalised coordinates; after a size change that region is wrong and the next pose
            # is badly off (measured: 65 px on a 512 px image). Start a fresh graph instead
            # (~0.3 s, only when the size changes, e.g. mixed image folders).
            self._landmarker.close()
            self._landmarker = None
            self._landmarker = self._create()
        self._last_size = frame.size
        # One colour conversion, by the fastest means: made on the reader thread when the frame
        # came through capture.prefetch, else here (cv2.cvtColor: ~0.5 ms at 720p, where the
        # ascontiguousarray(image[:, :, ::-1]) it replaces took ~7 ms).
        rgb = frame.rgb if frame.rgb is not None else inference_rgb(frame.image)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        ts_ms = self._timestamp_ms(float(frame.t))
        if self._quiet:
            with _QuietNativeStderr():
                result = self._landmarker.detect_for_video(image, ts_ms)
            self._quiet = not result.pose_landmarks
        else:
            result = self._landmarker.detect_for_video(image, ts_ms)
        if not result.pose_landmarks:
            return None
        landmarks = result.pose_landmarks[0]
        if len(landmarks) != N_LANDMARKS:
            return None
        w, h = frame.size
        xy = np.array([(lm.x, lm.y) for lm in landmarks], dtype=np.float64) * np.array([w, h], dtype=np.float64)
        vis = np.array([_score(lm.visibility) for lm in landmarks], dtype=np.float64)
        pres = np.array([_score(lm.presence) for lm in landmarks], dtype=np.float64)
        world = None
        if result.pose_world_landmarks and len(result.pose_world_landmarks[0]) == N_LANDMARKS:
            world = np.array([(lm.x, lm.y, lm.z) for lm in result.pose_world_landmarks[0]], dtype=np.float64)
        return Pose(
            t=float(frame.t),
            index=int(frame.index),
            image_xy=xy,
            world_xyz=world,
            visibility=vis,
            presence=pres,
            image_size=(w, h),
        )

    def close(self) -> None:
        """Release the MediaPipe graph. Safe to call twice."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            landmarker.close()

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # best effort; close() is the contract
        try:
            self.close()
        except Exception:
            pass


def _score(value: Optional[float]) -> float:
    """A landmark score in 0..1; a score the model did not set counts as 0 (no belief)."""
    if value is None or not math.isfinite(value):
        return 0.0
    return float(min(max(value, 0.0), 1.0))


def hobby_loop(video: Union[str, Path], model_path: Union[str, Path, None] = None,
               max_frames: Optional[int] = None, **confidences: float) -> dict:
    """The naive reference loop ``coach bench`` compares the coach with: read a frame with
    OpenCV, convert it to RGB, run the same pose model, compute one joint angle (left knee),
    all in series on one thread. Benchmark only: the one place outside coach.capture and
    coach.render that touches cv2, because the baseline is by definition the plain
    OpenCV + MediaPipe loop. Returns {"frames", "wall_s", "poses"}."""
    import time

    import cv2

    est = PoseEstimator(model_path, live=False, **confidences)
    landmarker = est._landmarker
    assert landmarker is not None  # made by PoseEstimator.__init__
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = poses = 0
    t0 = time.perf_counter()
    try:
        while max_frames is None or n < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                                 int(n * 1000 / fps))
            if result.pose_landmarks:
                lm = result.pose_landmarks[0]
                a, b, c = (np.array([lm[i].x, lm[i].y]) for i in (23, 25, 27))  # hip, knee, ankle
                u, v = a - b, c - b
                math.degrees(math.acos(float(np.clip(u @ v / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9), -1, 1))))
                poses += 1
            n += 1
    finally:
        wall = time.perf_counter() - t0
        cap.release()
        est.close()
    return {"frames": n, "wall_s": wall, "poses": poses}
