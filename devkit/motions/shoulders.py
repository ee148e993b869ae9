"""Synthetic scripts for upper-back and shoulder exercises: see devkit.motions."""
from __future__ import annotations

from ..synth import Body
from . import Fault, Script, both, one

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
            # leaning sideways tilts the upper arm with the trunk: it drops below level in the picture
            Fault("trunk_still", end={"trunk_roll": -15}, implies=("elbow_drop",)),
            Fault("full_rotation", range=0.45),
            Fault("slow_return", timing={"down_s": 0.3}),
            # range faults scale the left (even) reps only; the right reps still count
            Fault("incomplete", range=0.3, reps=2),
        ),
    ),
    # Face pull, side view (left side toward the camera): arms forward at shoulder height ->
    # elbows out to the sides at shoulder height, forearms up, hands beside the ears.
    Script(
        exercise="face_pull",
        base={"yaw": 90, **both(shoulder_flexion=90)},
        start=both(elbow_flexion=10),
        end=both(shoulder_horizontal=80, elbow_flexion=125),
        up_s=1.0, hold_s=0.5, down_s=1.8, rest_s=0.6,
        faults=(
            Fault("elbows_high", end=both(shoulder_flexion=45)),
            Fault("shrug", end={"shoulder_elevation": 0.05}),
            Fault("lean_back", end={"trunk_pitch": -20}),
            Fault("full_pull", end=both(shoulder_horizontal=75, elbow_flexion=112)),
            Fault("pause_at_face", timing={"up_s": 0.9, "hold_s": 0.0, "down_s": 0.9}),
            Fault("incomplete", range=0.76, reps=0),
        ),
    ),
    # Bent-over reverse fly facing the camera: trunk hinged 60 deg, arms hanging (flexion 60
    # relative to the trunk) -> out to the sides at about shoulder height, elbows soft.
    Script(
        exercise="reverse_fly",
        base={"trunk_pitch": 60, **both(elbow_flexion=15)},
        start=both(shoulder_flexion=60),
        end=both(shoulder_flexion=90, shoulder_horizontal=85),
        up_s=1.0, hold_s=0.4, down_s=2.5, rest_s=0.6,
        faults=(
            Fault("fly_not_row", end=both(shoulder_flexion=90, shoulder_horizontal=85, elbow_flexion=90)),
            Fault("stay_hinged", end={"trunk_pitch": 40}),
            Fault("shrug", end={"shoulder_elevation": 0.05}),
            Fault("full_range", range=0.45),
            Fault("slow_lowering", timing={"down_s": 0.4}),
            Fault("incomplete", range=0.3, reps=0),
        ),
    ),
    # Scaption, facing the camera: arms hanging -> raised to shoulder height 30 deg forward of
    # the frontal plane (abduction 90 turned 30 deg forward), thumbs up.
    Script(
        exercise="scaption_raise",
        base=both(shoulder_horizontal=-30, shoulder_rotation=30, elbow_flexion=5),
        start=both(shoulder_abduction=5),
        end=both(shoulder_abduction=90),
        up_s=2.0, hold_s=0.4, down_s=2.0, rest_s=0.6,
        faults=(
            Fault("too_high", end=both(shoulder_abduction=140)),
            Fault("shrug", end={"shoulder_elevation": 0.08}),
            Fault("trunk_still", end={"trunk_pitch": -18}),
            Fault("full_range", end=both(shoulder_abduction=72)),
            Fault("slow_lowering", timing={"down_s": 0.5}),
            Fault("incomplete", range=0.62, reps=0),
        ),
    ),
    # Shrugs facing the camera with a 22 cm neck (ear gap at rest 0.46 torso lengths, mid-range of
    # the real members measured; the default 25 cm neck rests at 0.52, above all of them).
    Script(
        exercise="shoulder_shrug",
        base=both(elbow_flexion=5),
        start={},
        end={"shoulder_elevation": 0.07},
        up_s=0.8, hold_s=0.8, down_s=1.2, rest_s=0.8,
        body=Body(neck=0.22),
        faults=(
            # side view: a forward elbow bend is not seen from the front
            Fault("arms_long", base={"yaw": 90}, end={"shoulder_elevation": 0.07, **both(elbow_flexion=50)}),
            Fault("head_forward", base={"yaw": 90}, end={"shoulder_elevation": 0.07, "head_protraction": 0.06}),
            Fault("trunk_still", end={"shoulder_elevation": 0.07, "trunk_pitch": -14}),
            Fault("full_range", start={"shoulder_elevation": 0.025}, end={"shoulder_elevation": 0.07}),
            Fault("hold_top", timing={"hold_s": 0.0}),
            Fault("incomplete", range=0.75, reps=0),
        ),
    ),
    # Bent-over row, side view (left side toward the camera): trunk hinged 50 deg, arms hanging
    # (flexion 50 relative to the trunk) -> elbows pulled up and back past the ribs.
    Script(
        exercise="bent_over_row",
        base={"yaw": 90, "trunk_pitch": 50},
        start=both(shoulder_flexion=50, elbow_flexion=5),
        end=both(shoulder_flexion=-15, elbow_flexion=110),
        up_s=1.0, hold_s=0.4, down_s=2.0, rest_s=0.6,
        faults=(
            Fault("back_still", end={"trunk_pitch": 30, **both(shoulder_flexion=-35, elbow_flexion=110)}),
            Fault("hinge_depth", base={"trunk_pitch": 20}, start=both(shoulder_flexion=20, elbow_flexion=5),
                  end=both(shoulder_flexion=-45, elbow_flexion=110)),
            Fault("shrug", end={"shoulder_elevation": 0.05, **both(shoulder_flexion=-15, elbow_flexion=110)}),
            Fault("full_pull", end=both(shoulder_flexion=10, elbow_flexion=92)),
            Fault("slow_lowering", timing={"down_s": 0.35}),
            Fault("incomplete", range=0.55, reps=0),
        ),
    ),
    # Single-arm row on a bench, side view (left side toward the camera), back nearly level;
    # reps alternate left (near arm) and right (far arm) while the other arm hangs as support.
    Script(
        exercise="single_arm_row",
        base={"yaw": 90, "trunk_pitch": 75, **both(shoulder_flexion=75, elbow_flexion=5)},
        start={},
        end=one("left", shoulder_flexion=-10, elbow_flexion=110),
        end_other=one("right", shoulder_flexion=-10, elbow_flexion=110),
        up_s=1.0, hold_s=0.4, down_s=2.0, rest_s=0.6,
        faults=(
            Fault("no_twist", end={"thoracic_rotation": 20}),
            Fault("back_still", end={"trunk_pitch": 55}),
            # range faults scale the left (even) reps only; the right reps are clean
            Fault("full_pull", range=0.8),
            Fault("slow_lowering", timing={"down_s": 0.35}),
            Fault("incomplete", range=0.6, reps=2),
        ),
    ),
]
