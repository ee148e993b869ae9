"""Counting that does not depend on the body, camera or variant the rules were written for
(issue: counting that holds on people, cameras and views the rules were never tuned on).

Synthetic sessions with exact ground truth (devkit.motions) changed the way real members differ:
a smaller range, a seated variant, a camera behind the member, a profile from calibration."""
from __future__ import annotations

import dataclasses

import pytest

from coach.attempts import Personal
from coach.engine import Coach, replay
from coach.library import find_exercise, pipeline_params
from devkit.motions import SCRIPTS
from devkit.motions.upper_back import SEATED

PARAMS = pipeline_params()


def run(ex_id: str, poses, personal=None, fps: float = 30.0):
    coach, results = replay(find_exercise(ex_id), poses, PARAMS, fps=fps, personal=personal)
    return coach, [e for r in results for e in r.events]


def test_seated_cat_cow_counts():
    """Cat-cow on a chair (one of the unseen clips counted nothing): trunk upright, knees bent."""
    script = dataclasses.replace(SCRIPTS["cat_cow"], base={"yaw": 90, **SEATED}, ground=False)
    coach, events = run("cat_cow", script.poses(seed=3))
    assert coach.total_reps == script.reps == 3
    # Known limit, kept visible: seated, the ear's height above the shoulder peaks at neutral
    # (0.49 torso) and is lower in the cow (0.37) than there, so the pause at neutral between
    # two synthetic reps reads as a short cat (2 "short" attempts). A signed neck-spine angle
    # would be the measure to try next.
    assert [e.reason.split(":")[0] for e in events if e.kind in ("incomplete", "timeout")] == ["short", "short"]


def test_standing_up_is_not_a_cat_cow():
    """The gate that lets seated cat-cow count must not count a standing member nodding."""
    script = dataclasses.replace(SCRIPTS["cat_cow"], base={"yaw": 90}, ground=True)
    coach, events = run("cat_cow", script.poses(seed=3))
    assert coach.total_reps == 0
    assert [e.kind for e in events if e.kind in ("rep", "incomplete", "timeout")] == []


from devkit.motions import Fault  # noqa: E402

# Scaling a whole synthetic rep to 60 % is a smaller member for every exercise but thread the
# needle: there it also stops the arm short of going under the body (156 deg, like a supporting
# arm), which is no longer the exercise. Its small member is the stiff back whose arm still
# threads: the upper_back_rotation fault in test_library_synthetic (a 30 deg turn: counted, cued).
RANGE_EXERCISES = sorted(ex for ex in SCRIPTS if find_exercise(ex).rep.range is not None
                         and ex != "thread_the_needle")


def _small_member(ex_id: str, share: float = 0.6, seed: int = 0):
    """The script's session done by a member whose every rep covers `share` of the textbook range."""
    return SCRIPTS[ex_id].poses(Fault(check="", range=share), seed=seed)


def _not_counted(events):
    return [e for e in events if e.kind in ("incomplete", "timeout")]


@pytest.mark.parametrize("ex_id", RANGE_EXERCISES)
def test_member_with_60_percent_range_counts_after_self_calibration(ex_id):
    script = SCRIPTS[ex_id]
    coach, events = run(ex_id, _small_member(ex_id))
    assert coach.total_reps == script.reps
    assert _not_counted(events) == []


@pytest.mark.parametrize("ex_id", RANGE_EXERCISES)
def test_member_with_60_percent_range_counts_with_a_profile(ex_id):
    """A calibration session (coach calibrate) gives the profile; the next session uses it from
    the first rep, and its count point sits inside the member's range."""
    script = SCRIPTS[ex_id]
    first, _ = run(ex_id, _small_member(ex_id, seed=1))
    measure, rest, rng, reps = first.calibration()
    assert measure == find_exercise(ex_id).rep.range.measure and reps >= 1
    personal = Personal(rest=rest, range=rng)
    coach, events = run(ex_id, _small_member(ex_id, seed=2), personal=personal)
    assert coach.total_reps == script.reps
    assert _not_counted(events) == []
    counter = next(iter(coach.units.values())).counter
    assert counter.personal == personal


@pytest.mark.parametrize("ex_id", RANGE_EXERCISES)
def test_personalisation_never_crosses_the_rule_file_bounds(ex_id):
    spec = find_exercise(ex_id).rep.range
    for rng in (spec.min_travel * 0.1, spec.min_travel * 50 + 100.0):
        coach = Coach(find_exercise(ex_id), PARAMS, personal=Personal(rest=0.0, range=rng))
        for unit in coach.units.values():
            need = unit.counter.required
            assert need >= spec.min_travel - 1e-9
            if spec.max_travel:
                assert need <= spec.max_travel + 1e-9


# Alternating scripts scale only the left side's reps (`end`), so their two sides differ in size
# and a 30 % left rep falls under half of the right side's range: that is a supporting side moving
# along (PEER_SHARE) and is ignored, not reported. The one-partial-rep case for them is covered by
# test_library_synthetic's "incomplete" faults.
@pytest.mark.parametrize("ex_id", [e for e in RANGE_EXERCISES if find_exercise(e).rep.hold is None
                                   and SCRIPTS[e].end_other is None])
def test_partial_rep_of_a_small_member_is_short(ex_id):
    """The 60 % member's last rep goes only half as far as their others (30 % of the textbook
    range): exactly that one is reported, as short, and it does not count."""
    script = SCRIPTS[ex_id]
    shares = {i: 0.6 for i in range(script.reps)}
    shares[script.reps - 1] = 0.3
    coach, events = run(ex_id, script.poses(range_by_rep=shares))
    assert [e.reason.split(":")[0] for e in _not_counted(events)] == ["short"]
    assert coach.total_reps == script.reps - 1


def test_a_view_that_cannot_count_asks_to_turn_and_one_that_can_says_so_once():
    """Squeezes seen from the side (the shoulder width cannot show them): the coach keeps asking
    to turn. Rows seen from the front (counted there, checked from the side): one hint."""
    squeeze = dataclasses.replace(SCRIPTS["scapular_squeeze"], base={**SCRIPTS["scapular_squeeze"].base, "yaw": 90})
    coach = Coach(find_exercise("scapular_squeeze"), PARAMS)
    poses = squeeze.poses(seed=0)
    cues = [c for i, p in enumerate(poses) if (c := coach.step(p, i / 30, i).new_cue) is not None]
    assert coach.total_reps == 0
    assert {c.source for c in cues} == {"view"} and len(cues) >= 2
    assert all(c.severity == "warning" and "Turn so the camera" in c.text for c in cues)

    row = dataclasses.replace(SCRIPTS["resisted_row"], base={**SCRIPTS["resisted_row"].base, "yaw": 0})
    coach = Coach(find_exercise("resisted_row"), PARAMS)
    poses = row.poses(seed=0)
    cues = [c for i, p in enumerate(poses) if (c := coach.step(p, i / 30, i).new_cue) is not None]
    views = [c for c in cues if c.source == "view"]
    assert len(views) == 1 and views[0].severity == "tip" and views[0].text.startswith("Counting your reps")


@pytest.mark.parametrize("yaw", [0, 45, 90, 135, 180])
def test_rows_count_from_every_side_of_the_member(yaw):
    """The image elbow angle from the side and at an angle, the 3-D angle from the front and from
    behind (by_view), where the image angle barely changes (it counted 0 of 4 there)."""
    row = dataclasses.replace(SCRIPTS["resisted_row"], base={**SCRIPTS["resisted_row"].base, "yaw": yaw})
    coach, events = run("resisted_row", row.poses(seed=0))
    assert coach.total_reps == row.reps == 4
    assert _not_counted(events) == []
    assert coach.units[None].counter.measure == ("elbow" if yaw in (0, 180) else "elbow_px")


def _hide(poses, names):
    """The same poses with these landmarks out of the picture (visibility and presence 0)."""
    import numpy as np

    from coach.landmarks import INDEX
    idx = [INDEX[n] for n in names]
    out = []
    for p in poses:
        if p is None:
            out.append(None)
            continue
        vis, pres = p.visibility.copy(), p.presence.copy()
        vis[idx] = 0.0
        pres[idx] = 0.0
        out.append(dataclasses.replace(p, visibility=vis, presence=pres))
    assert np.all(out[len(out) // 2].visibility[idx] == 0.0)
    return out


FEET = [f"{s}_{p}" for s in ("left", "right") for p in ("ankle", "heel", "foot_index")]


def test_squat_counts_on_the_hips_when_the_ankles_are_out_of_the_picture():
    """A member close to the camera: the knee angle is unknown for the whole set, the fallback
    (the hip angle) counts, and the coach asks to show the ankles (never silent)."""
    script = SCRIPTS["squat"]
    coach = Coach(find_exercise("squat"), PARAMS)
    poses = _hide(script.poses(seed=0), FEET)
    results = [coach.step(p, i / 30, i) for i, p in enumerate(poses)]
    coach.finish(len(poses) / 30, len(poses))
    assert coach.total_reps == script.reps
    assert coach.units[None].counter.measure == "hip"
    assert any(r.new_cue is not None and r.new_cue.source == "setup" and "ankles" in r.new_cue.text
               for r in results)


def test_squat_keeps_the_knee_angle_when_the_ankles_are_seen():
    script = SCRIPTS["squat"]
    coach, events = run("squat", script.poses(seed=0))
    assert coach.total_reps == script.reps
    assert coach.units[None].counter.measure == "knee"


def test_arm_raises_without_a_jump_are_not_counted_but_are_answered():
    """Never silent: jumping jacks done without the jump fail `require` (feet apart at the top)
    and count nothing; after two such strokes the member hears why (the 4 s cooldown of rep
    cues holds the next one back over four quick strokes)."""
    from devkit.motions import both
    script = SCRIPTS["jumping_jack"]
    no_jump = dataclasses.replace(script, end={**script.end, **both(hip_abduction=0)})
    coach = Coach(find_exercise("jumping_jack"), PARAMS)
    poses = no_jump.poses(seed=0)
    cues = [c for i, p in enumerate(poses) if (c := coach.step(p, i / 30, i).new_cue) is not None]
    assert coach.total_reps == 0
    said = [c.text for c in cues if c.source == "rep"]
    assert said == ["Jump your feet out as your arms go up."]
    assert coach.units[None].counter.dropped == script.reps == 4


def test_the_resting_side_of_thread_the_needle_is_never_answered():
    """Its mirrored strokes fail `require` too, but they are not the member's tries: no cue."""
    script = SCRIPTS["thread_the_needle"]
    coach = Coach(find_exercise("thread_the_needle"), PARAMS)
    poses = script.poses(seed=0)
    cues = [c for i, p in enumerate(poses) if (c := coach.step(p, i / 30, i).new_cue) is not None]
    assert [c for c in cues if c.source == "rep"] == []
    assert coach.total_reps == script.reps
