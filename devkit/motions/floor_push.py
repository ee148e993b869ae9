"""Synthetic scripts for pushing exercises on the floor: see devkit.motions."""
from __future__ import annotations

from . import Fault, Script, both

SCRIPTS: list[Script] = [
    # Push-up, side view (left side toward the camera). The model is rooted at the hips, so the hands are
    # not pinned to the floor: the body pitches from 72 deg (top, arms vertical) to 86 deg (bottom) and the
    # shoulder flexion is chosen so the hands stay roughly under the shoulders (they slide ~12 cm).
    # reps_motion's "up" half goes start -> end, which for a push-up is the way DOWN: up_s is the descent.
    Script(
        exercise="push_up",
        base={"yaw": 90},
        start={"body_pitch": 72, **both(shoulder_flexion=72, elbow_flexion=0)},
        end={"body_pitch": 87, **both(shoulder_flexion=42, elbow_flexion=102)},
        up_s=1.6, hold_s=0.2, down_s=1.0, rest_s=0.6,
        ground=True,
        faults=(
            Fault("body_line", end={"trunk_pitch": -28}),             # hips sag at the bottom (~152 deg)
            Fault("depth", end=both(shoulder_flexion=50, elbow_flexion=82)),   # elbows only to ~98 deg
            Fault("head_neutral", base={"neck_flexion": 40}),         # head hanging toward the floor
            Fault("full_extension", start=both(elbow_flexion=30)),    # arms never straighter than ~150 deg
            Fault("slow_lowering", timing={"up_s": 0.35}),            # dropping down in a third of a second
            Fault("incomplete", range=0.5, reps=0),                   # elbows only to ~132 deg
        ),
    ),
]
