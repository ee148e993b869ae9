"""A synthetic squat session of any length, saved as a landmark recording (test helper): the
coach replays it without pose inference, so tests of stopping, disk and outputs run in seconds."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from coach.pose.recording import save_recording
from devkit.motions import SCRIPTS

FPS = 30.0


def squat_recording(path: Path, frames: int) -> Path:
    """``frames`` frames of squats (the synthetic script repeated), 640x480, 30 fps."""
    base = SCRIPTS["squat"].poses(seed=0)
    poses, times = [], []
    for i in range(frames):
        p = base[i % len(base)]
        t = i / FPS
        poses.append(None if p is None else replace(p, t=t, index=i))
        times.append(t)
    save_recording(path, poses, times, {"source": "synthetic squats"}, indices=list(range(frames)), fps=FPS,
                   image_size=(640, 480))
    return path
