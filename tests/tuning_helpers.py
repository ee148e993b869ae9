"""Helpers for the tuning-loop tests: synthetic sessions run live and saved as recordings, and
rule files edited one threshold at a time (never touching exercises/)."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Optional

import numpy as np

from coach.library import exercises_dir, find_exercise, pipeline_params
from coach.pose.recording import RecordingWriter
from coach.runner import Item, Session
from devkit.motions import SCRIPTS, with_fault

FPS = 30.0


def script_poses(ex_id: str, reps: int = 5, fault: Optional[str] = None, only_reps=None, range_by_rep=None):
    """Noisy synthetic poses (with a tracking dropout) of one library exercise."""
    s = dataclasses.replace(SCRIPTS[ex_id], reps=reps)
    f = with_fault(s, fault) if fault else None
    if range_by_rep:
        return s.poses(f, only_reps=only_reps, range_by_rep=range_by_rep)
    return s.poses(f, only_reps=only_reps)


def live_session(ex_id: str, poses, path: Path, exercise=None):
    """Run the poses as a live session would (Session.run, frame by frame) while recording them
    with RecordingWriter, as `coach run --record` does. Returns (events, cues, summary): every
    RepEvent in order (end-of-stream verdicts included), every new cue, the summary dict."""
    ex = exercise or find_exercise(ex_id)
    session = Session(ex, pipeline_params(), fps=FPS, source_name="live")
    writer = RecordingWriter(path, FPS, (640, 480), {"source": "live", "exercise": ex.id})
    events, cues = [], []

    def sink(r, item):
        writer.append(item.t, item.index, item.pose)
        events.extend(r.events)
        if r.new_cue is not None:
            cues.append(r.new_cue)

    add = session.summary.add_events

    def add_final(r):
        events.extend(r.events)
        add(r)

    session.summary.add_events = add_final
    items = (Item(i / FPS, i, None, p) for i, p in enumerate(poses))
    summary = session.run(items, [sink], [writer.close])
    return events, cues, summary


def edited_rules(tmp: Path, ex_id: str, key: str, value: str, section: Optional[str] = None) -> Path:
    """A copy of exercises/<ex_id>.toml in tmp with the first `key = ...` (after the line
    `section`, when given) set to value; the rest of the line (its comment) is kept."""
    text = (exercises_dir() / f"{ex_id}.toml").read_text(encoding="utf-8")
    start = text.index(section) if section else 0
    head, tail = text[:start], text[start:]
    tail, n = re.subn(rf"(?m)^({re.escape(key)}\s*=\s*)[^#\n]*?(\s*(#.*)?)$", rf"\g<1>{value}\g<2>", tail, count=1)
    assert n == 1, f"{key} not found in {ex_id}.toml"
    out = tmp / f"{ex_id}.toml"
    out.write_text(head + tail, encoding="utf-8")
    return out


def line_of(path: Path, needle: str, after: Optional[str] = None) -> int:
    """1-based number of the first line containing needle (after the line containing `after`)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if after in ln) if after else 0
    return next(i + 1 for i, ln in enumerate(lines) if i >= start and needle in ln)


def photo_video(path: Path, frames: int = 6, mirror: bool = False) -> Path:
    """A short video of the public-domain astronaut photo (skimage), 512x512 at 10 fps: real
    pose inference finds a person in every frame."""
    import cv2
    from skimage import data
    img = np.ascontiguousarray(data.astronaut()[:, :, ::-1])
    if mirror:
        img = np.ascontiguousarray(img[:, ::-1])
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (512, 512))
    for _ in range(frames):
        out.write(img)
    out.release()
    return path
