"""Synthetic scripts for the upper-back programme (scapular squeeze, thread the needle, resisted
row, chin tuck, cat-cow, open book, wall angel): see coach.motions."""
from __future__ import annotations

from . import Fault, Script


def both(**dofs: float) -> dict[str, float]:
    """The same DOF values on both sides: both(elbow_flexion=90) -> left_/right_elbow_flexion."""
    return {f"{s}_{k}": v for s in ("left", "right") for k, v in dofs.items()}


def one(side: str, **dofs: float) -> dict[str, float]:
    """DOF values for one side: one("left", elbow_flexion=90) -> left_elbow_flexion."""
    return {f"{side}_{k}": v for k, v in dofs.items()}


# Sitting on a stool facing the camera (thighs toward the camera, shins vertical).
SEATED = both(hip_flexion=90, knee_flexion=90)

SCRIPTS: list[Script] = [
    # Seated, facing the camera, elbows bent at the sides; squeeze, hold 2.5 s, release.
    # 2.5 cm of retraction per side reads 0.72 -> 0.62 shoulder width, as on the real rear-view clip.
    Script(
        exercise="scapular_squeeze",
        base={**SEATED, **both(elbow_flexion=80)},
        start={},
        end={"scapular_retraction": 0.025, **both(shoulder_flexion=-12)},
        up_s=1.0, hold_s=2.5, down_s=1.0, rest_s=1.2, reps=3,
        ground=True,
        faults=(
            Fault("shrug", end={"shoulder_elevation": 0.05}),
            Fault("chin_poke", end={"head_protraction": 0.08, "neck_flexion": -5}),
            # one shoulder hikes (the mean of both sides also reads as a shrug)
            Fault("even_squeeze", end={"right_shoulder_elevation": 0.05}),
            # released before the 2 s hold: the hold message, nothing counted
            Fault("incomplete", timing={"hold_s": 0.4}, reps=0),
        ),
    ),
]
