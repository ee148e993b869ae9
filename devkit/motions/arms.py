"""Synthetic scripts for arm exercises: see devkit.motions."""
from __future__ import annotations

from ..synth import Camera
from . import Fault, Script, both

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
    # Lateral raise, front view: arms hanging with soft elbows -> out to the sides at shoulder height.
    Script(
        exercise="lateral_raise",
        base={"yaw": 0},
        start=both(shoulder_abduction=10, elbow_flexion=15),
        end=both(shoulder_abduction=90, elbow_flexion=15),
        up_s=1.0, hold_s=0.3, down_s=1.5, rest_s=0.6,
        faults=(
            Fault("shrug", end={"shoulder_elevation": 0.07}),
            Fault("body_swing", end={"trunk_pitch": -20}),
            Fault("shoulder_height", end=both(shoulder_abduction=79)),  # counted (>= ~75 deg) but short of 85
            Fault("even_arms", end={"right_shoulder_abduction": 55}),   # the watched (left) arm goes all the way
            Fault("slow_lowering", timing={"down_s": 0.4}),
            Fault("incomplete", range=0.75, reps=0),                    # ~70 deg: past "raising", short of "raised"
        ),
    ),
    # Jumping jack, front view: arms at the sides, feet together -> hands overhead, feet wide (~1.2 s a rep).
    Script(
        exercise="jumping_jack",
        base={"yaw": 0},
        start=both(shoulder_abduction=5, hip_abduction=0),
        end=both(shoulder_abduction=170, hip_abduction=18),
        up_s=0.45, hold_s=0.1, down_s=0.45, rest_s=0.3,
        ground=True,
        faults=(
            Fault("hands_overhead", end=both(shoulder_abduction=146)),   # counted (< 45 deg from vertical), not < 30
            Fault("arms_down", start=both(shoulder_abduction=50)),       # arms only back to ~130 deg between reps
            Fault("feet_apart", end=both(hip_abduction=5)),              # arms only: feet ~1.6 hip widths
            # right hand 50 deg lower than the left: the mean of both arms is short of overhead too
            Fault("even_arms", end={"right_shoulder_abduction": 120}, implies=("hands_overhead",)),
            Fault("incomplete", range=0.65, reps=0),                     # arms to ~68 deg: "opening", never "open"
        ),
    ),
    # Shoulder press, front view, camera at shoulder height (a phone on a shelf): weights racked at shoulder
    # height, elbows a little below the shoulders, forearms vertical -> arms straight overhead.
    Script(
        exercise="shoulder_press",
        base={"yaw": 0},
        start=both(shoulder_abduction=70, elbow_flexion=95, shoulder_rotation=90),
        end=both(shoulder_abduction=175, elbow_flexion=5, shoulder_rotation=90),
        up_s=1.0, hold_s=0.3, down_s=1.5, rest_s=0.6,
        camera=Camera(cam_height=0.5),
        faults=(
            Fault("lean_back", base={"yaw": 90}, end={"trunk_pitch": -20}),     # seen from the side
            Fault("full_lockout", end=both(shoulder_abduction=165, elbow_flexion=40)),  # elbows stop at ~140 deg
            Fault("even_press", end={"right_shoulder_abduction": 110, "right_elbow_flexion": 70}),
            Fault("stacked_forearms", end=both(shoulder_abduction=145, elbow_flexion=0)),  # pressing out in a V
            Fault("slow_lowering", timing={"down_s": 0.25}),                    # dropping the weights
            Fault("incomplete", range=0.36, reps=0),                            # hands only ~0.7 torso up
        ),
    ),
]
