"""Landmark recordings: save the pose stream of a session so it can be replayed exactly.

One recording is one ``.npz`` file (``numpy.savez_compressed``) with N frames:

    format_version  ()        int     FORMAT_VERSION
    t               (N,)      float64 seconds, every frame (also frames without a pose)
    index           (N,)      int64   frame number in the source
    has_pose        (N,)      bool    a person was found
    has_world       (N,)      bool    world landmarks were available
    image_xy        (N,33,2)  float64 pixels (NaN where has_pose is False)
    world_xyz       (N,33,3)  float64 metres (NaN where has_world is False)
    visibility      (N,33)    float64 0..1 (NaN where has_pose is False)
    presence        (N,33)    float64 0..1 (NaN where has_pose is False)
    frame_size      (N,2)     int64   (width, height) in pixels of each pose's frame (0,0 if none)
    image_size      (2,)      int64   (width, height) in pixels of the source
    fps             ()        float64 frames per second of the source
    meta            ()        str     JSON object: source name, model name/hash, coach version,
                                      created time (all supplied by the caller)

Everything is float64, the dtype of :class:`coach.types.Pose`, so a load gives back poses equal
bit for bit to the ones saved. Files are written atomically (temp file in the same folder, then
``os.replace``): a reader never sees half a file. No mediapipe or cv2 here.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from ..errors import RecordingError
from ..landmarks import N_LANDMARKS
from ..types import Pose

FORMAT_VERSION = 1

_PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Recording:
    """A loaded recording.

    poses: one entry per frame, a Pose or None (no person found).
    times: (N,) float64 seconds of every frame.
    fps: frames per second of the source.
    image_size: (width, height) in pixels of the source.
    meta: the JSON metadata the recording was saved with.
    indices: (N,) int64 frame numbers in the source (None only for hand-built recordings).
    """

    poses: tuple[Optional[Pose], ...]
    times: np.ndarray
    fps: float
    image_size: tuple[int, int]
    meta: dict
    indices: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.poses)


_FRAME_ARRAYS = {  # name -> (per-frame shape, dtype, fill value for "no data")
    "t": ((), np.float64, np.nan),
    "index": ((), np.int64, 0),
    "has_pose": ((), bool, False),
    "has_world": ((), bool, False),
    "image_xy": ((N_LANDMARKS, 2), np.float64, np.nan),
    "world_xyz": ((N_LANDMARKS, 3), np.float64, np.nan),
    "visibility": ((N_LANDMARKS,), np.float64, np.nan),
    "presence": ((N_LANDMARKS,), np.float64, np.nan),
    "frame_size": ((2,), np.int64, 0),
}


def _empty_frames(n: int) -> dict[str, np.ndarray]:
    return {k: np.full((n,) + shape, fill, dtype=dtype) for k, (shape, dtype, fill) in _FRAME_ARRAYS.items()}


def _put(arrays: dict[str, np.ndarray], i: int, t: float, index: int, pose: Optional[Pose]) -> None:
    """Write frame i (t seconds, frame number, pose or None) into the per-frame arrays."""
    arrays["t"][i] = t
    arrays["index"][i] = index
    if pose is None:
        return
    arrays["has_pose"][i] = True
    arrays["image_xy"][i] = pose.image_xy
    arrays["visibility"][i] = pose.visibility
    arrays["presence"][i] = pose.presence
    arrays["frame_size"][i] = pose.image_size
    if pose.world_xyz is not None:
        arrays["has_world"][i] = True
        arrays["world_xyz"][i] = pose.world_xyz


def _header(fps: float, image_size: tuple[int, int], meta: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "image_size": np.asarray(image_size, dtype=np.int64).reshape(2),
        "fps": np.array(fps, dtype=np.float64),
        "meta": np.array(json.dumps(dict(meta), ensure_ascii=False, sort_keys=True)),
    }


def _pack(
    poses: Sequence[Optional[Pose]],
    times: Sequence[float],
    indices: Sequence[int],
    fps: float,
    image_size: tuple[int, int],
    meta: Mapping[str, Any],
) -> dict[str, np.ndarray]:
    n = len(poses)
    if len(times) != n or len(indices) != n:
        raise ValueError(f"poses ({n}), times ({len(times)}) and indices ({len(indices)}) differ in length")
    arrays = _empty_frames(n)
    for i, (t, index, pose) in enumerate(zip(times, indices, poses)):
        _put(arrays, i, float(t), int(index), pose)
    arrays.update(_header(fps, image_size, meta))
    return arrays


def _atomic_savez(path: Path, arrays: Mapping[str, np.ndarray], compress: bool, durable: bool = True) -> None:
    """Write an npz to ``path`` via a temp file in the same folder + os.replace.

    durable: fsync before the rename, so the file also survives a power cut. A process crash or
    Ctrl-C is survived either way (the OS has the bytes once write returns).
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise RecordingError(f"cannot write recording '{path}': {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            # A file object (not a name) so numpy does not append ".npz" to the name.
            (np.savez_compressed if compress else np.savez)(f, **arrays)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise RecordingError(f"cannot write recording '{path}': {exc.strerror or exc}") from None
        raise


def _default_indices(poses: Sequence[Optional[Pose]]) -> list[int]:
    """pose.index where there is a pose; previous index + 1 (or the position) where there is none."""
    out: list[int] = []
    for i, pose in enumerate(poses):
        if pose is not None:
            out.append(int(pose.index))
        else:
            out.append(out[-1] + 1 if out else i)
    return out


def save_recording(
    path: _PathLike,
    poses: Sequence[Optional[Pose]],
    times: Sequence[float],
    meta: Mapping[str, Any],
    *,
    indices: Optional[Sequence[int]] = None,
    fps: Optional[float] = None,
    image_size: Optional[tuple[int, int]] = None,
    compress: bool = True,
) -> None:
    """Save one recording atomically.

    poses: one Pose or None per frame; times: (N,) seconds of every frame (needed for frames
    without a pose). indices: frame numbers (default: pose.index, and previous + 1 for frames
    without a pose). fps / image_size: default to ``meta["fps"]`` / ``meta["image_size"]``, then
    to the median frame interval of ``times`` / the first pose's image_size.
    meta must be JSON-serialisable (TypeError otherwise).
    Raises RecordingError when the file cannot be written.
    """
    path = Path(path)
    if indices is None:
        indices = _default_indices(poses)
    if fps is None:
        fps = meta.get("fps") if isinstance(meta.get("fps"), (int, float)) else None
    if fps is None:
        t = np.asarray(times, dtype=np.float64)
        dt = np.diff(t[np.isfinite(t)])
        dt = dt[dt > 0]
        fps = float(1.0 / np.median(dt)) if dt.size else math.nan
    if image_size is None and meta.get("image_size") is not None:
        image_size = tuple(meta["image_size"])  # type: ignore[assignment]
    if image_size is None:
        first = next((p for p in poses if p is not None), None)
        image_size = first.image_size if first is not None else (0, 0)
    arrays = _pack(poses, times, indices, float(fps), image_size, meta)  # type: ignore[arg-type]
    if not path.parent.is_dir():
        raise RecordingError(f"cannot write recording '{path}': folder '{path.parent}' does not exist")
    _atomic_savez(path, arrays, compress)


_REQUIRED = (
    "t", "index", "has_pose", "image_xy", "world_xyz", "visibility", "presence", "image_size", "fps", "meta",
)


def load_recording(path: _PathLike) -> Recording:
    """Load a recording saved by :func:`save_recording` / :class:`RecordingWriter`.

    Raises RecordingError (one line) if the file is missing or is not a valid recording.
    """
    path = Path(path)
    display = os.fspath(path)
    if not path.exists():
        raise RecordingError(f"cannot load recording '{display}': no such file")

    def bad(reason: str) -> RecordingError:
        return RecordingError(f"cannot load recording '{display}': not a landmark recording ({reason})")

    try:
        npz = np.load(path, allow_pickle=False)
    except OSError as exc:
        if exc.errno is not None:  # permission denied, is a directory, ...
            raise RecordingError(f"cannot load recording '{display}': {exc.strerror or exc}") from None
        raise bad("not an npz file") from None
    except Exception:  # ValueError (pickled/garbage), UnpicklingError, EOFError, ...
        raise bad("not an npz file") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise bad("a single .npy array, not an npz file")
    try:
        missing = [k for k in _REQUIRED if k not in npz.files]
        if missing:
            raise bad(f"missing {', '.join(missing)}")
        a = {k: npz[k] for k in npz.files}
    except RecordingError:
        raise
    except Exception:  # BadZipFile, zlib.error, EOFError, ValueError on a damaged member
        raise bad("the file is damaged") from None
    finally:
        npz.close()

    version = int(a["format_version"]) if "format_version" in a else FORMAT_VERSION
    if version > FORMAT_VERSION:
        raise bad(f"format version {version} is newer than this program understands ({FORMAT_VERSION})")
    n = a["t"].shape[0] if a["t"].ndim == 1 else -1
    expect = {
        "t": (n,), "index": (n,), "has_pose": (n,),
        "image_xy": (n, N_LANDMARKS, 2), "world_xyz": (n, N_LANDMARKS, 3),
        "visibility": (n, N_LANDMARKS), "presence": (n, N_LANDMARKS),
        "image_size": (2,), "fps": (),
    }
    if "has_world" in a:
        expect["has_world"] = (n,)
    if "frame_size" in a:
        expect["frame_size"] = (n, 2)
    for key, shape in expect.items():
        if n < 0 or a[key].shape != shape:
            raise bad(f"'{key}' has shape {a[key].shape}, expected {shape}")
    for key in ("t", "image_xy", "world_xyz", "visibility", "presence", "fps"):
        if a[key].dtype.kind != "f":
            raise bad(f"'{key}' is {a[key].dtype}, expected floats")
    for key in ("index", "image_size") + (("frame_size",) if "frame_size" in a else ()):
        if a[key].dtype.kind not in "iu":
            raise bad(f"'{key}' is {a[key].dtype}, expected integers")
    if a["has_pose"].dtype != bool:
        raise bad(f"'has_pose' is {a['has_pose'].dtype}, expected bool")
    try:
        meta = json.loads(str(a["meta"]))
    except ValueError:
        raise bad("'meta' is not JSON") from None
    if not isinstance(meta, dict):
        raise bad("'meta' is not a JSON object")

    image_size = (int(a["image_size"][0]), int(a["image_size"][1]))
    has_world = a["has_world"].astype(bool) if "has_world" in a else np.all(np.isfinite(a["world_xyz"]), axis=(1, 2))
    times = a["t"].astype(np.float64)
    indices = a["index"].astype(np.int64)
    poses: list[Optional[Pose]] = []
    for i in range(n):
        if not a["has_pose"][i]:
            poses.append(None)
            continue
        size = image_size
        if "frame_size" in a and a["frame_size"][i].any():
            size = (int(a["frame_size"][i][0]), int(a["frame_size"][i][1]))
        poses.append(
            Pose(
                t=float(times[i]),
                index=int(indices[i]),
                image_xy=a["image_xy"][i].astype(np.float64),
                world_xyz=a["world_xyz"][i].astype(np.float64) if has_world[i] else None,
                visibility=a["visibility"][i].astype(np.float64),
                presence=a["presence"][i].astype(np.float64),
                image_size=size,
            )
        )
    times.setflags(write=False)
    indices.setflags(write=False)
    return Recording(
        poses=tuple(poses), times=times, fps=float(a["fps"]), image_size=image_size, meta=meta, indices=indices
    )


class RecordingWriter:
    """Collect a session's poses and write them as one recording.

    path: the .npz to write; fps: frames per second of the source; image_size: (width, height)
    pixels; meta: JSON-serialisable dict (source, model name/hash, coach version, created time).

    ``append`` packs the frame into in-memory arrays (no I/O). ``flush`` rewrites the whole file
    atomically with every frame so far, so a crash or Ctrl-C loses at most what came after the
    last flush: the caller flushes every few seconds and in ``finally``. ``close`` writes the
    final file (compressed, fsynced) and stops. Intermediate flushes are uncompressed and not
    fsynced (same format; np.load reads both) to keep them cheap during a live session:
    measured 0.15 s per flush for a 10-minute session (18 000 frames, 34 MB) on the dev machine.
    """

    # Initial capacity of the in-memory arrays, in frames (~1 min at 30 fps). It doubles when
    # full, so this only matters for memory use of very short sessions.
    _INITIAL_CAPACITY = 2048

    def __init__(self, path: _PathLike, fps: float, image_size: tuple[int, int], meta: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.meta = dict(meta)
        self._header = _header(self.fps, self.image_size, self.meta)  # TypeError now if meta is not JSON
        self._arrays = _empty_frames(self._INITIAL_CAPACITY)
        self._n = 0
        self._flushed = -1  # number of frames in the file on disk
        self._closed = False

    def __len__(self) -> int:
        return self._n

    def append(self, t: float, index: int, pose: Optional[Pose]) -> None:
        """Add one frame: t seconds, index frame number, pose or None."""
        if self._closed:
            raise RuntimeError("RecordingWriter is closed")
        if self._n == len(self._arrays["t"]):
            grown = _empty_frames(2 * self._n)
            for k, a in self._arrays.items():
                grown[k][: self._n] = a
            self._arrays = grown
        _put(self._arrays, self._n, float(t), int(index), pose)
        self._n += 1

    def _write(self, final: bool) -> None:
        if not self.path.parent.is_dir():
            raise RecordingError(f"cannot write recording '{self.path}': folder '{self.path.parent}' does not exist")
        arrays = {k: a[: self._n] for k, a in self._arrays.items()}
        arrays.update(self._header)
        _atomic_savez(self.path, arrays, compress=final, durable=final)
        self._flushed = self._n

    def flush(self) -> None:
        """Write everything so far (atomically). No-op if nothing was added since the last write."""
        if self._closed or self._flushed == self._n:
            return
        self._write(final=False)

    def close(self) -> None:
        """Write the final, compressed file. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._write(final=True)

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
