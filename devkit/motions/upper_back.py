"""Synthetic scripts for the upper-back programme (scapular squeeze, thread the needle, resisted
row, chin tuck, cat-cow, open book, wall angel): see devkit.motions."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Optional

import numpy as np

from coach.types import Pose

from ..synth import Camera, Keyframe, Motion, grounded
from . import Fault, Script, both, one


@dataclass(frozen=True)
class FromNeutral(Script):
    """A Script whose reps leave from and come back to a shared ``neutral`` posture:
    neutral -> start -> end (held) -> start -> neutral, ``settle_s`` for each neutral <-> start
    move. For side = "alternate" exercises each side has its own rep start (``start`` for the
    person's left, ``start_other`` for the right), e.g. thread the needle: all fours -> arm up
    -> arm threaded under -> arm up -> all fours, arms alternating. ``end``/``end_other`` are
    merged onto the side's start. Faults work as in Script: ``end`` overrides the top of each
    rep, ``start`` the rep start, ``base`` the whole session, ``timing`` the durations (also
    settle_s), ``range`` scales the start -> end excursion; posture overrides are written for
    the left side and mirrored (see ``mirror``) into the right side's reps."""

    neutral: Mapping[str, float] = field(default_factory=dict)
    start_other: Optional[Mapping[str, float]] = None
    settle_s: float = 0.8

    def motion(self, fault: Optional[Fault] = None, only_reps: Optional[set[int]] = None,
               range_by_rep: Optional[Mapping[int, float]] = None) -> Motion:
        f = fault or Fault(check="")
        base = {**self.base, **f.base}
        neutral = {**base, **self.neutral}
        tm = {"up_s": self.up_s, "hold_s": self.hold_s, "down_s": self.down_s, "rest_s": self.rest_s,
              "settle_s": self.settle_s, **f.timing}
        kfs = [Keyframe(0.0, neutral)]
        spans, tops = [], []
        t = 1.0  # lead-in, as in devkit.synth.reps_motion
        for i in range(self.reps):
            other = self.end_other is not None and i % 2 == 1
            s = {**neutral, **(self.start_other if other and self.start_other is not None else self.start)}
            e = {**s, **(self.end_other if other and self.end_other is not None else self.end)}
            share = range_by_rep.get(i, 1.0) if range_by_rep else 1.0
            if only_reps is None or i in only_reps:
                share *= f.range
            if share != 1.0:
                e = {k: s.get(k, 0.0) + share * (e.get(k, 0.0) - s.get(k, 0.0)) for k in set(s) | set(e)}
            if only_reps is None or i in only_reps:
                e.update(mirror(f.end) if other else f.end)
                s.update(mirror(f.start) if other else f.start)
            t_up = t + tm["settle_s"]
            t_top = t_up + tm["up_s"]
            t_back = t_top + tm["hold_s"] + tm["down_s"]
            kfs += [Keyframe(t, neutral), Keyframe(t_up, s), Keyframe(t_top, e)]
            if tm["hold_s"] > 0:
                kfs.append(Keyframe(t_top + tm["hold_s"], e))
            kfs += [Keyframe(t_back, s), Keyframe(t_back + tm["settle_s"], neutral)]
            spans.append((t_up, t_back))
            tops.append((t_top, t_top + tm["hold_s"]))
            t = t_back + tm["settle_s"] + (tm["rest_s"] if i < self.reps - 1 else 0.0)
        kfs.append(Keyframe(t + 1.0, neutral))
        if self.ground:
            kfs = [Keyframe(k.t, grounded(k.posture, self.body)) for k in kfs]
        return Motion(kfs, rep_spans=spans, top_spans=tops)


@dataclass(frozen=True)
class LyingOnSide(Script):
    """A Script for a member lying on the left side, facing the camera (devkit.synth has no
    whole-body roll): the postures are those of an upright body, and every synthesised pose is
    rolled 90 deg about the camera axis, head to the image right and the person's left side
    down. Joint angles and distances are unchanged by the roll; image and world "up" become the
    lying body's real up. Noise and dropouts are synthesised as in Script."""

    def poses(self, *args, **kwargs) -> list[Optional[Pose]]:
        out: list[Optional[Pose]] = []
        w, h = self.camera.width, self.camera.height
        centre = np.array([w / 2.0, h / 2.0])
        for p in super().poses(*args, **kwargs):
            if p is None:
                out.append(None)
                continue
            d = p.image_xy - centre
            xy = centre + np.stack([-d[:, 1], d[:, 0]], axis=1)
            world = None
            if p.world_xyz is not None:
                world = np.stack([-p.world_xyz[:, 1], p.world_xyz[:, 0], p.world_xyz[:, 2]], axis=1)
            out.append(replace(p, image_xy=xy, world_xyz=world))
        return out


def mirror(posture: Mapping[str, float]) -> dict[str, float]:
    """The same body posture for the other side: left_* <-> right_*, side bend and twist negated."""
    out = {}
    for k, v in posture.items():
        if k.startswith("left_"):
            k = "right_" + k[5:]
        elif k.startswith("right_"):
            k = "left_" + k[6:]
        elif k in ("trunk_roll", "thoracic_rotation"):
            v = -v
        out[k] = v
    return out


# Sitting on a stool facing the camera (thighs toward the camera, shins vertical).
SEATED = both(hip_flexion=90, knee_flexion=90)

# On all fours: torso 15 deg head-up, thighs and arms vertical, shins and hands flat on the floor.
QUADRUPED = {"trunk_pitch": 75, "neck_flexion": -20,
             **both(shoulder_flexion=75, wrist_flexion=-80, knee_flexion=90, ankle_flexion=-40)}
# Thread the needle, left arm working: chest turned 50 deg to the left with the arm to the ceiling,
# then 35 deg to the right with the arm reaching under the body; the right (supporting) arm
# turns against the chest so that it stays vertical.
TTN_OPEN = {"thoracic_rotation": 50, **one("left", shoulder_flexion=90, shoulder_horizontal=120),
            **one("right", shoulder_horizontal=50)}
TTN_THREADED = {"thoracic_rotation": -35, "trunk_pitch": 80,
                **one("left", shoulder_flexion=80, shoulder_horizontal=-40),
                **one("right", shoulder_horizontal=-35)}

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
            Fault("even_squeeze", end={"right_shoulder_elevation": 0.05}, implies=("shrug",)),
            # released before the 2 s hold: the hold message, nothing counted
            Fault("incomplete", timing={"hold_s": 0.4}, reps=0),
        ),
    ),
    # Side view (left side toward the camera), left arm then right arm, two reps each.
    FromNeutral(
        exercise="thread_the_needle",
        base={"yaw": 90},
        neutral=QUADRUPED,
        start=TTN_OPEN,
        end=TTN_THREADED,
        start_other=mirror(TTN_OPEN),
        end_other=mirror(TTN_THREADED),
        settle_s=0.9, up_s=1.5, hold_s=1.5, down_s=1.5, rest_s=0.5, reps=4,
        ground=True,
        faults=(
            # sitting back toward the heels while threaded: the thighs lean off vertical
            Fault("hip_drift", end=both(hip_flexion=25)),
            # the arm moves but the chest barely turns (so the threaded position, judged on the
            # chest's rotation, is barely reached and the pause there is short too)
            Fault("upper_back_rotation", start={"thoracic_rotation": 12, **one("right", shoulder_horizontal=12)},
                  end={"thoracic_rotation": -18, **one("right", shoulder_horizontal=-18)},
                  implies=("pause_under",)),
            # straight through without a pause under the body
            Fault("pause_under", timing={"up_s": 1.2, "hold_s": 0.0, "down_s": 1.2}),
        ),
    ),
    # Seated cable row on the floor (long sitting, knees soft), side view: arms forward ->
    # elbows drawn back past the ribs with a little retraction -> slow return.
    Script(
        exercise="resisted_row",
        base={"yaw": 90, **both(hip_flexion=90, knee_flexion=15, ankle_flexion=10)},
        start=both(shoulder_flexion=80, elbow_flexion=10),
        end={"scapular_retraction": 0.02, **both(shoulder_flexion=-35, elbow_flexion=105)},
        up_s=1.0, hold_s=0.5, down_s=2.0, rest_s=0.5, reps=4,
        ground=True,
        faults=(
            Fault("shrug", end={"shoulder_elevation": 0.05}),
            Fault("lean_back", end={"trunk_pitch": -20}),
            # elbows out toward shoulder height at the end of the pull
            Fault("elbow_flare", end=both(shoulder_abduction=60)),
            Fault("slow_return", timing={"down_s": 0.5}),
            Fault("incomplete", range=0.5, reps=0),
        ),
    ),
    # Seated chin tucks seen from the side, the phone at head height: from a forward head
    # (8 cm) the head glides back over the shoulders with a small nod, held 3.5 s.
    Script(
        exercise="chin_tuck",
        base={"yaw": 90, **SEATED, **both(elbow_flexion=70)},
        start={"head_protraction": 0.08},
        end={"head_protraction": -0.02, "neck_flexion": 8},
        up_s=1.0, hold_s=3.5, down_s=1.0, rest_s=1.0, reps=3,
        camera=Camera(cam_height=0.3),
        ground=True,
        faults=(
            Fault("nodding", end={"neck_flexion": 35}),
            Fault("lean_back", end={"trunk_pitch": -12}),
            Fault("shrug", end={"shoulder_elevation": 0.05}),
            # released after a second: the hold message, nothing counted
            Fault("incomplete", timing={"hold_s": 1.0}, reps=0),
        ),
    ),
    # Side view on all fours: cow (belly down, look up) -> cat (back rounded up, chin tucked),
    # cat held for a breath.
    Script(
        exercise="cat_cow",
        base={"yaw": 90, **QUADRUPED},
        start={"spine_flexion": -15, "neck_flexion": -25},
        end={"spine_flexion": 30, "neck_flexion": 30},
        up_s=2.0, hold_s=1.5, down_s=2.0, rest_s=1.0, reps=3,
        ground=True,
        faults=(
            # rocking back toward the heels in the cat
            Fault("hips_over_knees", end=both(hip_flexion=40)),
            Fault("straight_arms", end=both(elbow_flexion=45)),
            Fault("slow_breath", timing={"up_s": 1.5, "hold_s": 0.0, "down_s": 1.5}),
            Fault("incomplete", range=0.645, reps=0),
        ),
    ),
    # Lying on the left side facing the camera, hips and knees at 90 deg, hands together in front;
    # the right (top) arm opens over toward the floor behind while the chest turns 45 deg; the
    # bottom arm stays on the floor (it turns against the chest).
    LyingOnSide(
        exercise="open_book",
        base=both(hip_flexion=90, knee_flexion=90, shoulder_flexion=90),
        start=one("right", shoulder_horizontal=-30),
        end={"thoracic_rotation": -45, **one("right", shoulder_horizontal=120), **one("left", shoulder_horizontal=45)},
        up_s=2.0, hold_s=1.0, down_s=2.5, rest_s=0.8, reps=3,
        faults=(
            # the top knee lifts off the bottom one as the pelvis rolls open
            Fault("knees_together", end=one("right", hip_abduction=25)),
            Fault("full_opening", range=0.6),
            Fault("slow_return", timing={"down_s": 0.5}),
            Fault("incomplete", range=0.35, reps=0),
        ),
    ),
    # Standing with the back to a wall, facing the camera: goal-post arms (elbows at shoulder
    # height, forearms up against the wall) slide up to a "Y" and back down.
    Script(
        exercise="wall_angel",
        base=both(shoulder_rotation=90),
        start=both(shoulder_abduction=90, elbow_flexion=90),
        end=both(shoulder_abduction=150, elbow_flexion=30),
        up_s=1.5, hold_s=0.3, down_s=2.0, rest_s=0.5, reps=4,
        faults=(
            Fault("back_on_wall", end={"trunk_pitch": 10}),
            # forearms tip forward off the wall
            Fault("wrists_on_wall", start=both(shoulder_rotation=40), end=both(shoulder_rotation=40, elbow_flexion=60)),
            Fault("even_arms", end=one("right", shoulder_abduction=122)),
            Fault("slow_lowering", timing={"down_s": 0.5}),
            Fault("incomplete", range=0.6, reps=0),
        ),
    ),
]
