"""`all_seen`: `all` judged on the parts that are seen, and bird dog counted on the limb in view.

Hand-made arm and thigh elevations (deg, 0 = level, -90 = hanging) at 30 fps through the real
exercises/bird_dog.toml; NaN = the limb is out of sight. Shapes from the phone clip
(bird_dog__phone-side-alternating): the far arm hidden behind the head for the whole reach while
its leg rises and comes back.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from coach.conditions import evaluate
from coach.library import find_exercise
from coach.reps import RepCounter
from coach.rules.loader import parse_text
from coach.rules.schema import Condition, Exercise

NAN = math.nan
FPS = 30.0
N = 210  # 7 s
REST = -85.0  # deg: a limb hanging on all fours


def _leaf(measure: str) -> Condition:
    return Condition(kind="threshold", measure=measure, above=0.0)


@pytest.mark.parametrize("a, b, all_seen, all_", [
    (1.0, 1.0, True, True),
    (1.0, -1.0, False, False),
    (1.0, NAN, True, None),    # the one part seen decides
    (-1.0, NAN, False, False),  # a part seen false is false either way
    (NAN, NAN, None, None),    # nothing seen: unknown, never true
])
def test_all_seen_leaves_out_the_unknown_parts(a, b, all_seen, all_):
    kids = (_leaf("a"), _leaf("b"))
    vals = {"a": a, "b": b}
    assert evaluate(Condition(kind="all_seen", children=kids), vals) is all_seen
    assert evaluate(Condition(kind="all", children=kids), vals) is all_


def _ramp(keys: list[tuple[float, float]]) -> np.ndarray:
    """Piecewise-linear signal through (t in s, value) keyframes, one sample per frame."""
    t = np.arange(N) / FPS
    return np.interp(t, [k[0] for k in keys], [k[1] for k in keys])


def _hidden(x: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """The same signal, NaN (out of sight) for t0 <= t < t1."""
    out = x.copy()
    t = np.arange(N) / FPS
    out[(t >= t0 - 1e-9) & (t < t1 - 1e-9)] = NAN
    return out


REACH = _ramp([(0, REST), (1, REST), (2, 0), (4, 0), (5, REST), (7, REST)])  # out 1-2 s, held, back 4-5 s
STILL = np.full(N, REST)


def _run(ex: Exercise, arm: np.ndarray, leg: np.ndarray) -> tuple[int, list[tuple[str, str | None, int]]]:
    c = RepCounter(ex.rep, "right")
    events = []
    for i in range(N):
        for e in c.step(i / FPS, {"arm_reach": float(arm[i]), "leg_reach": float(leg[i])}):
            events.append((e.kind, e.phase, round(e.t * FPS)))
    for e in c.finish(N / FPS):
        events.append((e.kind, e.phase, round(e.t * FPS)))
    return c.count, events


def _bird_dog(all_instead: bool = False) -> Exercise:
    ex = find_exercise("bird_dog")
    if not all_instead:
        return ex
    from coach.library import exercises_dir
    text = (exercises_dir() / "bird_dog.toml").read_text(encoding="utf-8")
    assert text.count("all_seen = [") == 3
    strict, problems = parse_text(text.replace("all_seen = [", "all = ["), "bird_dog.toml")
    assert not problems and strict is not None, problems
    return strict


# Frames (30 fps) of the diagonal REACH (-85 deg at 1 s to 0 at 2 s, back from 4 s to 5 s). Each phase
# is entered once its condition has held hold_s: 0.1 s (3 frames) out, 0.2 s (6 frames) back. Reaching:
# the leg is above -55 from frame 41 (entered at 44), the arm above -50 from frame 43 (46): with the arm
# seen, its later frame decides. Extended: both above -35 from frame 48 (51). Back: both below -60 from
# frame 142, so the rep counts at 148.


def full_rep(reaching: int) -> list[tuple[str, str | None, int]]:
    return [("start", "all_fours", 0), ("phase", "reaching", reaching), ("phase", "extended", 51),
            ("rep", "extended", 148), ("cycle", "all_fours", 148)]


def test_both_limbs_seen_count_the_diagonal():
    assert _run(_bird_dog(), REACH, REACH) == (1, full_rep(46))


def test_arm_hidden_behind_the_head_counts_on_the_leg():
    # the far arm: last seen hanging at 0.9 s, seen again hanging at 5.5 s; its leg is seen throughout
    arm = _hidden(STILL, 0.9, 5.5)
    assert _run(_bird_dog(), arm, REACH) == (1, full_rep(44))
    # `all` waits for the arm that never shows: the rep is lost (the phone clip counted 1 of 2)
    assert _run(_bird_dog(all_instead=True), arm, REACH) == (0, [("start", "all_fours", 0)])


def test_leg_out_of_the_picture_counts_on_the_arm():
    # a close camera: the lifted knee leaves the frame for the reach, the arm is seen throughout
    leg = _hidden(REACH, 1.3, 4.85)
    assert _run(_bird_dog(), REACH, leg) == (1, full_rep(46))


@pytest.mark.parametrize("arm, leg", [(STILL, REACH), (REACH, STILL)], ids=["leg only", "arm only"])
def test_one_limb_wobble_next_to_a_seen_still_limb_is_no_rep(arm, leg):
    assert _run(_bird_dog(), arm, leg) == (0, [("start", "all_fours", 0)])


def test_nothing_seen_advances_nothing():
    assert _run(_bird_dog(), np.full(N, NAN), np.full(N, NAN)) == (0, [])
    # both hidden for the whole reach: the rep is not seen, so it is not counted
    assert _run(_bird_dog(), _hidden(REACH, 0.9, 5.5), _hidden(REACH, 0.9, 5.5)) == (0, [("start", "all_fours", 0)])
