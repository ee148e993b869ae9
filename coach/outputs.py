"""Where outputs go, and what they may replace: nothing the coach did not make.

Rules (the README's "Outputs" section is the user's copy):

* An output (``--output`` video, ``--record`` recording) may never be one of the inputs (the
  video, image folder, recording or rule file being read), nor the same file as another output,
  whatever ``--force`` says.
* An existing file is replaced only when the coach made it: an annotated video the coach wrote
  (recognised by a small marker box at its end, :func:`mark_video`). Any other existing file,
  and any existing landmark recording (a recording is the one copy of a session), is refused
  with one line and exit 2 unless ``--force`` is given. A leftover ``FILE.npz.part`` (the frames
  of a recording that was cut short) is refused likewise: it holds recorded data.
* Outputs are written under a temporary name in the same folder and renamed when complete, so
  the final name never holds half a file (see capture.VideoWriter, pose.recording).
"""
from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Iterable, Optional, Sequence

from . import __version__
from .errors import UsageError

# The marker appended to every annotated video the coach writes: an ISO-BMFF 'free' box (players
# skip it) whose payload starts with this tag.
MARK_TAG = b"form-coach annotated video "
_MARK_READ = 256  # bytes read from the end of a file to look for the marker


def partial_name(path: Path, suffix_last: bool = False) -> Path:
    """The temporary name an output is written under until it is complete.

    suffix_last: keep the file's own suffix last (needed when a library picks the format from
    the name: ``.clip.mp4.1234.part.mp4``); hidden, since such a file is useless if left over.
    Otherwise ``FILE.part`` (a recording journal: visible on purpose, it can be replayed).
    """
    if suffix_last:
        return path.with_name(f".{path.name}.{os.getpid()}.part{path.suffix}")
    return path.with_name(path.name + ".part")


def mark_video(path: Path) -> None:
    """Append the coach's marker box to a finished mp4 (best effort: a full disk leaves the video
    as it was, only unmarked)."""
    payload = MARK_TAG + __version__.encode()
    box = struct.pack(">I4s", 8 + len(payload), b"free") + payload
    size = path.stat().st_size
    try:
        with open(path, "ab") as f:
            f.write(box)
            f.flush()
    except OSError:
        try:
            os.truncate(path, size)
        except OSError:
            pass


def is_coach_video(path: Path) -> bool:
    """True if ``path`` ends with the marker box :func:`mark_video` appends."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            n = f.tell()
            f.seek(max(0, n - _MARK_READ))
            tail = f.read(_MARK_READ)
    except OSError:
        return False
    i = tail.rfind(b"free" + MARK_TAG)
    if i < 4:
        return False
    (box_len,) = struct.unpack(">I", tail[i - 4:i])
    return i - 4 + box_len == len(tail)  # the box is the very last thing in the file


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def check_outputs(outputs: Sequence[tuple[str, Optional[str]]], inputs: Iterable[Optional[str]],
                  force: bool = False) -> None:
    """Refuse (UsageError, exit 2, before anything is opened) outputs that would destroy data.

    outputs: (kind, path) pairs, kind "video" or "recording"; None paths are skipped.
    inputs: paths the command reads (video, folder, recording, rule file); None and webcam
        indices are skipped.
    """
    ins = [Path(p) for p in inputs if p and not str(p).strip().isdigit()]
    seen: list[tuple[str, Path]] = []
    for kind, spec in outputs:
        if not spec:
            continue
        path = Path(spec).expanduser()
        flag = "--output" if kind == "video" else "--record"
        for src in ins:
            if _same(path, src) or (kind == "recording" and _same(partial_name(path), src)):
                raise UsageError(f"{flag} '{spec}' is the input being read: choose another file name "
                                 "(the input is never overwritten)")
        for other_kind, other in seen:
            if _same(path, other):
                raise UsageError(f"{flag} '{spec}' is also the {other_kind} output: give each output its own file")
        seen.append((kind, path))
        if path.is_dir():
            raise UsageError(f"{flag} '{spec}' is a folder: give a file name")
        if not path.parent.is_dir():
            raise UsageError(f"{flag} '{spec}': folder '{path.parent}' does not exist")
        if kind == "recording":
            part = partial_name(path)
            if part.exists() and not force:
                raise UsageError(f"--record '{spec}': '{part}' holds the frames of a recording that was cut "
                                 f"short (replay it with 'coach analyze {part}'); move it away or add --force")
        if not path.exists() and not path.is_symlink():
            continue
        if force:
            continue
        if kind == "video" and path.is_file() and is_coach_video(path):
            continue  # an annotated video the coach made earlier: replaced
        what = "a landmark recording: recordings are never replaced" if kind == "recording" else \
            "not a video the coach made"
        raise UsageError(f"{flag} '{spec}' already exists ({what}): choose another name or add --force "
                         "to replace it")
