"""Synthetic scripts for leg and floor exercises (squat, lunge, sit-up, glute bridge, bird dog): see devkit.motions."""
from __future__ import annotations

from . import Fault, Script, both

# Squat bottom, side view: 35 deg forward lean, thighs just past parallel, knees a little out (over the toes);
# ankle_flexion = knee_flexion - hip_flexion keeps the feet flat on the floor.
_SQUAT_BOTTOM = {"trunk_pitch": 35, **both(hip_flexion=95, knee_flexion=110, ankle_flexion=15, hip_abduction=10)}

# Lunge bottom with the LEFT leg in front: front thigh near level, shin about vertical; back thigh behind the hip,
# back knee bent toward the floor, back heel up.
_LUNGE_BOTTOM = {"left_hip_flexion": 80, "left_knee_flexion": 90, "left_ankle_flexion": 10,
                 "right_hip_flexion": -15, "right_knee_flexion": 90, "right_ankle_flexion": -30}

# Floor exercises lying on the back, side view: body_pitch -90 = supine.
_SUPINE = {"yaw": 90, "body_pitch": -90}
# Sit-up: knees bent, feet down, hands behind the head (head resting on the hands: some neck flexion at rest).
_SIT_UP_LYING = {"neck_flexion": 30, **both(hip_flexion=45, knee_flexion=100, shoulder_flexion=160, elbow_flexion=140)}
# Glute bridge: lying ~125 deg at the hip; top: trunk and thighs in one straight line (shoulder-hip-knee ~180 deg).
_BRIDGE_DOWN = both(hip_flexion=55, knee_flexion=110, shoulder_flexion=10)
_BRIDGE_TOP = {"trunk_pitch": -25, **both(hip_flexion=25, knee_flexion=90, shoulder_flexion=10)}

# Bird dog: quadruped = torso horizontal (trunk_pitch 90), thighs vertical, knees bent 90, arms straight down.
_QUADRUPED = {"yaw": 90, "trunk_pitch": 90, **both(shoulder_flexion=90, knee_flexion=90)}

SCRIPTS: list[Script] = [
    Script(
        exercise="squat",
        base={"yaw": 90},  # side view; the knee-valgus fault turns to face the camera
        start={},
        end=_SQUAT_BOTTOM,
        up_s=1.5, hold_s=0.3, down_s=1.2, rest_s=0.8,
        ground=True,
        faults=(
            Fault("knee_valgus", base={"yaw": 0}, end=both(hip_abduction=-12)),
            Fault("trunk_lean", end={"trunk_pitch": 65}),
            Fault("heels_down", end=both(ankle_flexion=-15)),
            # knee ~108 deg (counts), hips well above the knees
            Fault("depth", range=0.65),
            Fault("incomplete", range=0.5, reps=0),
        ),
    ),
    Script(
        # A split squat: the left leg stays in front for every rep, so the right (back) leg, whose knee bends
        # just as much, must never count. Faults are injected on the front leg only (alternating reps would put
        # every per-leg fault on the wrong leg half of the time).
        exercise="lunge",
        base={"yaw": 90},
        start={},
        end=_LUNGE_BOTTOM,
        up_s=1.2, hold_s=0.3, down_s=1.2, rest_s=0.8,
        ground=True,
        faults=(
            Fault("trunk_upright", end={"trunk_pitch": 40}),
            # front knee far past the ankle: shin leans 40 deg
            Fault("knee_over_toes", end={"left_knee_flexion": 120, "left_ankle_flexion": 40}),
            # front knee only to ~112 deg (counts, but short of 90)
            Fault("depth", range=0.75),
            # back knee stays almost straight
            Fault("back_knee_down", end={"right_knee_flexion": 35, "right_ankle_flexion": 0}),
            Fault("incomplete", range=0.5, reps=0),
        ),
    ),
    Script(
        exercise="sit_up",
        base=_SUPINE,
        start=_SIT_UP_LYING,
        end={**_SIT_UP_LYING, "trunk_pitch": 80},
        up_s=1.2, hold_s=0.3, down_s=1.6, rest_s=0.6,
        faults=(
            # yanking the head: chin to chest with a rounded upper back
            Fault("neck_pull", end={"neck_flexion": 60, "spine_flexion": 30}),
            # legs swing up off the floor
            Fault("feet_down", end=both(hip_flexion=75)),
            # trunk only to ~64 deg (counts, short of upright)
            Fault("full_range", range=0.8),
            Fault("slow_lowering", timing={"down_s": 0.4}),
            Fault("incomplete", range=0.5, reps=0),
        ),
    ),
    Script(
        exercise="glute_bridge",
        base=_SUPINE,
        start=_BRIDGE_DOWN,
        end=_BRIDGE_TOP,
        up_s=1.0, hold_s=2.5, down_s=1.2, rest_s=0.8,
        faults=(
            # The hips reach the top, then sink to ~148 deg between the lifts instead of lowering to the floor:
            # one long sagging hold, so one rep.
            Fault("hips_sagging", start=both(hip_flexion=32), timing={"rest_s": 1.5}, reps=1),
            # the far (right) side of the pelvis sags: right hip angle ~15 deg smaller than the left
            Fault("hips_level", end={"right_hip_flexion": 40}),
            # the top reaches only ~165 deg
            Fault("full_extension", end=both(hip_flexion=40)),
            # short squeeze: counted (1 s above 160 deg) but the top lasts under 2 s
            Fault("hold_time", timing={"hold_s": 0.8, "down_s": 0.6}),
            Fault("incomplete", range=0.45, reps=0),
        ),
    ),
    Script(
        # Alternating: even reps left arm + right leg, odd reps right arm + left leg. A fault's `end` applies to
        # every rep, so a one-sided fault (e.g. the right leg too high) also moves that limb on the other side's
        # reps, where it is a supporting limb: unrealistic there, but it does not change the counts.
        exercise="bird_dog",
        base=_QUADRUPED,
        start={},
        end={"left_shoulder_flexion": 180, "right_hip_flexion": -90, "right_knee_flexion": 0},
        end_other={"right_shoulder_flexion": 180, "left_hip_flexion": -90, "left_knee_flexion": 0},
        up_s=1.0, hold_s=2.0, down_s=1.2, rest_s=0.8,
        faults=(
            Fault("trunk_rotation", end={"thoracic_rotation": 25}),
            Fault("leg_too_high", end={"right_hip_flexion": -125}),
            Fault("arm_height", end={"left_shoulder_flexion": 150}),
            Fault("leg_height", end={"right_hip_flexion": -70}),
            Fault("hold_time", timing={"hold_s": 0.0}),
            # `range` scales only the even (left-arm) reps: end_other is applied as is, so the right side still counts 2
            Fault("incomplete", range=0.5, reps=2),
        ),
    ),
]
