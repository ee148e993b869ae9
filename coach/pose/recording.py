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

While a session runs, :class:`RecordingWriter` appends every frame to a journal next to the
final file, ``FILE.npz.part``, and writes the final ``.npz`` when the session ends (then deletes
the journal). The journal is append-only, so writing costs what it stores (about 1.9 kB per
frame) and a crash, kill or power cut loses at most the frame being written (the journal is
flushed to the OS every frame and to the disk every ``JOURNAL_SYNC_S``). Its layout:

    magic        8 bytes  b"FCJRNL1\n"
    header_len   uint32 little-endian, then that many bytes of JSON: format_version, fps,
                 image_size, meta
    records      one per frame, :data:`JOURNAL_RECORD` (packed little-endian): t, index,
                 has_pose, has_world, image_xy, world_xyz, visibility, presence, frame_size,
                 then crc32 of the record's other bytes

:func:`load_recording` reads both (by their first bytes, whatever the name) and checks every
value on load: times finite and increasing, coordinates finite, visibility and presence 0..1,
sizes and fps plausible; a journal cut mid-frame loads up to the last whole frame and says so
(``complete`` False, ``warnings``).
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from ..errors import RecordingError
from ..landmarks import N_LANDMARKS
from ..limits import MAX_NESTING, json_nesting
from ..types import Pose

FORMAT_VERSION = 1

JOURNAL_MAGIC = b"FCJRNL1\n"
# Seconds of session time between two fsyncs of the journal (each frame reaches the OS at once,
# so only a power cut can lose up to this much). Lower it for flaky power; each fsync costs a
# few ms of disk time.
JOURNAL_SYNC_S = 1.0
# Largest recording loaded, in bytes of frame data (about 9 hours at 30 fps): bounds memory
# against damaged or hostile files (a zip bomb). Raise it for longer sessions.
MAX_RECORDING_BYTES = 1 << 30
# Largest 'meta' JSON accepted, in bytes (it holds a few names and hashes).
MAX_META_BYTES = 1 << 20
# Largest plausible frame rate (frames per second) and image side (pixels) in a recording.
MAX_FPS = 1000.0
MAX_IMAGE_SIDE = 100_000

JOURNAL_RECORD = np.dtype([
    ("t", "<f8"), ("index", "<i8"), ("has_pose", "u1"), ("has_world", "u1"),
    ("image_xy", "<f8", (N_LANDMARKS, 2)), ("world_xyz", "<f8", (N_LANDMARKS, 3)),
    ("visibility", "<f8", (N_LANDMARKS,)), ("presence", "<f8", (N_LANDMARKS,)),
    ("frame_size", "<i8", (2,)), ("crc", "<u4"),
])

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
    complete: False when the file was cut short (a journal whose last frame was being written).
    warnings: one-line notes about what was cut.
    """

    poses: tuple[Optional[Pose], ...]
    times: np.ndarray
    fps: float
    image_size: tuple[int, int]
    meta: dict
    indices: Optional[np.ndarray] = None
    complete: bool = True
    warnings: tuple[str, ...] = ()

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
        raise _write_error(f"cannot write recording '{path}': {exc.strerror or exc}") from None
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
            raise _write_error(f"cannot write recording '{path}': {exc.strerror or exc}") from None
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
        image_size = tuple(meta["image_size"])
    if image_size is None:
        first = next((p for p in poses if p is not None), None)
        image_size = first.image_size if first is not None else (0, 0)
    arrays = _pack(poses, times, indices, float(fps), image_size, meta)
    if not path.parent.is_dir():
        raise _write_error(f"cannot write recording '{path}': folder '{path.parent}' does not exist")
    _atomic_savez(path, arrays, compress)


_REQUIRED = (
    "t", "index", "has_pose", "image_xy", "world_xyz", "visibility", "presence", "image_size", "fps", "meta",
)


def _not_found(display: str, reason: str) -> RecordingError:
    e = RecordingError(f"cannot load recording '{display}': {reason}")
    e.exit_code = 1  # like a missing video: nothing to fix inside a file
    return e


def session_recording(path: _PathLike) -> Path:
    """A session's recording as it survived: the final .npz, or, when the session ended before
    writing it (kill -9, a full disk), its journal ``FILE.npz.part``, which loads the same way.
    The final name when neither exists (loading it then says "no such file")."""
    from ..outputs import partial_name
    path = Path(path)
    journal = partial_name(path)
    return journal if not path.exists() and journal.exists() else path


def load_recording(path: _PathLike) -> Recording:
    """Load a recording saved by :func:`save_recording` / :class:`RecordingWriter` (a final .npz
    or the journal of a session that was cut short), checking every value.

    Raises RecordingError (one line) if the file is missing or is not a valid recording.
    """
    path = Path(path)
    display = os.fspath(path)
    if not path.exists():
        raise _not_found(display, "no such file")

    def bad(reason: str) -> RecordingError:
        return RecordingError(f"cannot load recording '{display}': not a landmark recording ({reason})")

    try:
        if path.is_dir():
            raise _not_found(display, "is a folder")
        if not path.is_file():
            raise bad("not a regular file")
        with open(path, "rb") as f:
            head = f.read(len(JOURNAL_MAGIC))
    except OSError as exc:
        raise _not_found(display, exc.strerror or str(exc)) from None
    if head == JOURNAL_MAGIC:
        a, warnings = _read_journal(path, bad)
    else:
        a, warnings = _read_npz(path, bad), []
    return _build(a, bad, warnings)


def _read_npz(path: Path, bad) -> dict:
    try:
        npz = np.load(path, allow_pickle=False)
    except OSError as exc:
        if exc.errno is not None:  # permission denied, is a directory, ...
            raise _not_found(os.fspath(path), exc.strerror or str(exc)) from None
        raise bad("not an npz file") from None
    except Exception:  # ValueError (pickled/garbage), UnpicklingError, EOFError, ...
        raise bad("not an npz file") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise bad("a single .npy array, not an npz file")
    try:
        missing = [k for k in _REQUIRED if k not in npz.files]
        if missing:
            raise bad(f"missing {', '.join(missing)}")
        total = sum(info.file_size for info in npz.zip.infolist())  # sizes once unpacked: no zip bombs
        if total > MAX_RECORDING_BYTES:
            raise bad(f"{total / 1e9:.1f} GB of data, more than the {MAX_RECORDING_BYTES / 1e9:.1f} GB limit")
        a = {k: npz[k] for k in npz.files}
    except RecordingError:
        raise
    except Exception:  # BadZipFile, zlib.error, EOFError, ValueError on a damaged member
        raise bad("the file is damaged") from None
    finally:
        npz.close()
    return a


def _read_journal(path: Path, bad) -> tuple[dict, list[str]]:
    """A journal's header and every whole, intact record (RecordingWriter's in-progress file)."""
    warnings: list[str] = []
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            f.seek(len(JOURNAL_MAGIC))
            word = f.read(4)
            if len(word) < 4:
                raise bad("the journal header is cut short")
            (hlen,) = struct.unpack("<I", word)
            if hlen > MAX_META_BYTES:
                raise bad("the journal header is too large")
            header_bytes = f.read(hlen)
            if len(header_bytes) < hlen:
                raise bad("the journal header is cut short")
            body = size - len(JOURNAL_MAGIC) - 4 - hlen
            if body > MAX_RECORDING_BYTES:
                raise bad(f"{body / 1e9:.1f} GB of data, more than the {MAX_RECORDING_BYTES / 1e9:.1f} GB limit")
            data = f.read(body)
    except OSError as exc:
        raise _not_found(os.fspath(path), exc.strerror or str(exc)) from None
    header = _json_object(header_bytes, bad, "the journal header")
    n = len(data) // JOURNAL_RECORD.itemsize
    rec = np.frombuffer(data[: n * JOURNAL_RECORD.itemsize], dtype=JOURNAL_RECORD)
    raw = np.frombuffer(data[: n * JOURNAL_RECORD.itemsize], dtype=np.uint8).reshape(n, JOURNAL_RECORD.itemsize)
    good = n
    for i in range(n):
        if zlib.crc32(raw[i, :-4].tobytes()) != int(rec["crc"][i]):
            good = i
            break
    if good < n:
        warnings.append(f"recording '{path}' is damaged after frame {good}: the {n - good} frames after it "
                        "are ignored")
    elif len(data) % JOURNAL_RECORD.itemsize:
        warnings.append(f"recording '{path}' ends in the middle of frame {n}: it was cut short "
                        f"(the {n} whole frames are kept)")
    rec = rec[:good]
    try:
        fps = float(header["fps"])
        image_size = np.asarray(header["image_size"], dtype=np.int64).reshape(2)
        version = int(header.get("format_version", FORMAT_VERSION))
    except (KeyError, TypeError, ValueError, OverflowError):
        raise bad("the journal header lacks fps or image_size") from None
    meta = header.get("meta", {})
    a = {k: np.ascontiguousarray(rec[k]) for k in _FRAME_ARRAYS}
    a["has_pose"] = a["has_pose"].astype(bool)
    a["has_world"] = a["has_world"].astype(bool)
    a.update({"format_version": np.array(version), "fps": np.array(fps, np.float64), "image_size": image_size,
              "meta": np.array(json.dumps(meta if isinstance(meta, dict) else {}))})
    return a, warnings


def _json_object(data, bad, what: str) -> dict:
    if isinstance(data, bytes):
        if len(data) > MAX_META_BYTES:
            raise bad(f"{what} is larger than {MAX_META_BYTES // 1000} kB")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise bad(f"{what} is not UTF-8") from None
    if len(data) > MAX_META_BYTES:
        raise bad(f"{what} is larger than {MAX_META_BYTES // 1000} kB")
    deep = json_nesting(data)
    if deep is not None:
        raise bad(f"{what} is nested deeper than {MAX_NESTING} levels at character {deep + 1}")
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        raise bad(f"{what} is not JSON") from None
    if not isinstance(obj, dict):
        raise bad(f"{what} is not a JSON object")
    return obj


def _first_bad(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _build(a: dict, bad, warnings: list[str]) -> Recording:
    """Shapes, types and values of the per-frame arrays -> a Recording."""
    try:
        version = int(a["format_version"]) if "format_version" in a else FORMAT_VERSION
    except (TypeError, ValueError, OverflowError):
        raise bad("'format_version' is not a whole number") from None
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
    if "has_world" in a and a["has_world"].dtype != bool:
        raise bad(f"'has_world' is {a['has_world'].dtype}, expected bool")
    if a["meta"].dtype.kind not in "US" or a["meta"].shape != ():
        raise bad("'meta' is not a string")
    meta = _json_object(str(a["meta"]), bad, "'meta'")

    # values: what a real session can produce, nothing else
    fps = float(a["fps"])
    if not (math.isfinite(fps) and 0 < fps <= MAX_FPS):
        raise bad(f"fps {fps:g} is not a frame rate (0-{MAX_FPS:g})")
    size = a["image_size"]
    if not all(0 < int(v) <= MAX_IMAGE_SIDE for v in size):
        raise bad(f"image_size {tuple(int(v) for v in size)} is not an image size")
    t = a["t"].astype(np.float64)
    if n and not np.all(np.isfinite(t)):
        raise bad(f"frame {_first_bad(~np.isfinite(t))}: time is not a finite number")
    if n > 1 and not np.all(np.diff(t) > 0):
        i = _first_bad(~(np.diff(t) > 0)) + 1
        raise bad(f"frame {i}: time {t[i]:g} s does not come after {t[i - 1]:g} s")
    if n and np.any(a["index"] < 0):
        raise bad(f"frame {_first_bad(a['index'] < 0)}: negative frame number")
    has_pose = a["has_pose"]
    has_world = a["has_world"].astype(bool) if "has_world" in a else \
        has_pose & np.all(np.isfinite(a["world_xyz"]), axis=(1, 2))
    checks = (
        ("image_xy", has_pose, lambda v: np.isfinite(v).all(axis=(1, 2)), "pixel coordinates are not finite"),
        ("world_xyz", has_world & has_pose, lambda v: np.isfinite(v).all(axis=(1, 2)),
         "world coordinates are not finite"),
        ("visibility", has_pose, lambda v: ((v >= 0) & (v <= 1)).all(axis=1), "visibility outside 0-1"),
        ("presence", has_pose, lambda v: ((v >= 0) & (v <= 1)).all(axis=1), "presence outside 0-1"),
    )
    for key, rows, ok, what in checks:
        if n:
            wrong = rows & ~ok(a[key])
            if wrong.any():
                raise bad(f"frame {_first_bad(wrong)}: {what}")
    if "frame_size" in a and n:
        fs = a["frame_size"]
        wrong = (fs < 0).any(axis=1) | (fs > MAX_IMAGE_SIDE).any(axis=1)
        if wrong.any():
            raise bad(f"frame {_first_bad(wrong)}: frame_size is not an image size")

    image_size = (int(size[0]), int(size[1]))
    times = t
    indices = a["index"].astype(np.int64)
    poses: list[Optional[Pose]] = []
    for i in range(n):
        if not has_pose[i]:
            poses.append(None)
            continue
        fsize = image_size
        if "frame_size" in a and a["frame_size"][i].all():
            fsize = (int(a["frame_size"][i][0]), int(a["frame_size"][i][1]))
        poses.append(
            Pose(
                t=float(times[i]),
                index=int(indices[i]),
                image_xy=a["image_xy"][i].astype(np.float64),
                world_xyz=a["world_xyz"][i].astype(np.float64) if has_world[i] else None,
                visibility=a["visibility"][i].astype(np.float64),
                presence=a["presence"][i].astype(np.float64),
                image_size=fsize,
            )
        )
    times.setflags(write=False)
    indices.setflags(write=False)
    return Recording(poses=tuple(poses), times=times, fps=fps, image_size=image_size, meta=meta, indices=indices,
                     complete=not warnings, warnings=tuple(warnings))


class RecordingWriter:
    """Record a session's poses: appended to a journal frame by frame, written as one .npz at the end.

    path: the .npz to write; fps: frames per second of the source; image_size: (width, height)
    pixels; meta: JSON-serialisable dict (source, model name/hash, coach version, created time).

    ``append`` writes the frame to the journal ``FILE.npz.part`` at once (one write of
    JOURNAL_RECORD.itemsize bytes; fsync every JOURNAL_SYNC_S of session time), so a crash loses
    at most the frame being written, and writing costs what it stores. ``close`` writes the
    final compressed .npz atomically (temp file + rename, fsynced) and deletes the journal; if
    that fails (a full disk) the journal is kept, and it loads like the final file. Write
    errors raise RecordingError naming the file and the cause (exit 1), the frames before kept.
    """

    def __init__(self, path: _PathLike, fps: float, image_size: tuple[int, int], meta: Mapping[str, Any]) -> None:
        from ..outputs import partial_name
        self.path = Path(path)
        self.journal = partial_name(self.path)
        self.fps = float(fps)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.meta = dict(meta)
        header = json.dumps({"format_version": FORMAT_VERSION, "fps": self.fps, "image_size": list(self.image_size),
                             "meta": self.meta}, ensure_ascii=False, sort_keys=True)  # TypeError if not JSON
        if not self.path.parent.is_dir():
            raise _write_error(f"cannot write recording '{self.path}': folder '{self.path.parent}' does not exist")
        self._n = 0
        self._closed = False
        self._failed = False
        self._synced_t: Optional[float] = None
        self._buf = np.zeros(1, dtype=JOURNAL_RECORD)
        try:
            self._fd = os.open(str(self.journal), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                               0o600)
        except OSError as exc:
            raise _write_error(f"cannot write recording '{self.journal}': {exc.strerror or exc}") from None
        hb = header.encode("utf-8")
        self._size = 0
        self._write(JOURNAL_MAGIC + struct.pack("<I", len(hb)) + hb)
        self._sync()

    def __len__(self) -> int:
        return self._n

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                k = os.write(self._fd, view)
                view = view[k:]
        except OSError as exc:
            self._failed = True
            try:  # drop the torn frame, so the journal ends on a whole one
                os.ftruncate(self._fd, self._size)
            except OSError:
                pass
            raise _write_error(f"cannot write recording '{self.journal}': {exc.strerror or exc}; the {self._n} "
                               f"frames before are kept in it ('coach analyze {self.journal}' replays them)") from None
        self._size += len(data)

    def _sync(self) -> None:
        try:
            os.fsync(self._fd)
        except OSError:
            pass

    def append(self, t: float, index: int, pose: Optional[Pose]) -> None:
        """Add one frame: t seconds, index frame number, pose or None."""
        if self._closed:
            raise RuntimeError("RecordingWriter is closed")
        if self._failed:
            raise _write_error(f"cannot write recording '{self.journal}': an earlier write failed")
        r = self._buf
        r.fill(0)
        arrays = {k: r[k] for k in _FRAME_ARRAYS}
        for k, (_shape, _dtype, fill) in _FRAME_ARRAYS.items():
            arrays[k][...] = fill
        r["t"], r["index"] = float(t), int(index)
        if pose is not None:
            r["has_pose"] = 1
            r["image_xy"][0] = pose.image_xy
            r["visibility"][0] = pose.visibility
            r["presence"][0] = pose.presence
            r["frame_size"][0] = pose.image_size
            if pose.world_xyz is not None:
                r["has_world"] = 1
                r["world_xyz"][0] = pose.world_xyz
        body = r.tobytes()[:-4]
        self._write(body + struct.pack("<I", zlib.crc32(body)))
        self._n += 1
        if self._synced_t is None or not (t - self._synced_t < JOURNAL_SYNC_S):
            self._sync()
            self._synced_t = t

    def flush(self) -> None:
        """Push everything to the disk now (each frame already reached the OS when appended)."""
        if not self._closed:
            self._sync()

    def close(self) -> None:
        """Write the final, compressed .npz and delete the journal. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._sync()
        os.close(self._fd)
        if self._failed:  # the disk refused a frame: the journal is the recording (already said)
            return
        try:
            def bad(reason: str) -> RecordingError:
                return RecordingError(f"cannot read back the journal '{self.journal}': {reason}")
            a, _warnings = _read_journal(self.journal, bad)
            arrays = {k: a[k] for k in _FRAME_ARRAYS}
            arrays.update(_header(self.fps, self.image_size, self.meta))
            _atomic_savez(self.path, arrays, compress=True, durable=True)
        except RecordingError as exc:
            raise _write_error(f"{exc}; the {self._n} frames recorded are kept in '{self.journal}' "
                               f"('coach analyze {self.journal}' replays them)") from None
        try:
            os.unlink(self.journal)
        except OSError:
            pass

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _write_error(message: str) -> RecordingError:
    e = RecordingError(message)
    e.exit_code = 1  # an output that could not be written: a runtime failure, not a bad input
    return e
