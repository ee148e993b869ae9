"""Synthetic scripts for arm exercises: see coach.motions."""
from __future__ import annotations

from . import Fault, Script


def both(**dofs: float) -> dict[str, float]:
    """The same DOF values on both sides: both(elbow_flexion=90) -> left_/right_elbow_flexion."""
    return {f"{s}_{k}": v for s in ("left", "right") for k, v in dofs.items()}


SCRIPTS: list[Script] = [
    Script(
        exercise="bicep_curl",
        base={"yaw": 90},  # left side toward the camera
        start=both(elbow_flexion=10),
        end=both(elbow_flexion=140),
        up_s=1.0, hold_s=0.3, down_s=1.5,
        faults=(
            Fault("elbow_swing", end=both(shoulder_flexion=45, elbow_flexion=140)),
            Fault("body_swing", end={"trunk_pitch": -20}),
            Fault("full_extension", start=both(elbow_flexion=35)),
            Fault("slow_lowering", timing={"down_s": 0.3}),
            Fault("incomplete", range=0.45, reps=0),
        ),
    ),
]
