"""Synthetic scripts for upper-back and shoulder exercises: see coach.motions."""
from __future__ import annotations

from . import Fault, Script


def both(**dofs: float) -> dict[str, float]:
    """The same DOF values on both sides: both(elbow_flexion=90) -> left_/right_elbow_flexion."""
    return {f"{s}_{k}": v for s in ("left", "right") for k, v in dofs.items()}


def one(side: str, **dofs: float) -> dict[str, float]:
    """DOF values for one side: one("left", elbow_flexion=90) -> left_elbow_flexion."""
    return {f"{side}_{k}": v for k, v in dofs.items()}


SCRIPTS: list[Script] = [
    # 90/90 external rotation, facing the camera, arms alternating (left rep, right rep, ...);
    # the resting arm waits in the 90/90 start position.
    Script(
        exercise="shoulder_external_rotation",
        base=both(shoulder_abduction=90, elbow_flexion=90),
        start={},
        end=one("left", shoulder_rotation=90),
        end_other=one("right", shoulder_rotation=90),
        up_s=1.2, hold_s=0.5, down_s=2.5, rest_s=0.8,
        faults=(
            Fault("elbow_drop", end=one("left", shoulder_abduction=65)),
            Fault("shrug", end=one("left", shoulder_elevation=0.05)),
            Fault("trunk_still", end={"trunk_roll": -15}),
            Fault("full_rotation", range=0.45),
            Fault("slow_return", timing={"down_s": 0.3}),
            # range faults scale the left (even) reps only; the right reps still count
            Fault("incomplete", range=0.3, reps=2),
        ),
    ),
]
