"""coach.conditions.compile_condition (what evaluate and every per-frame reader of a condition
run) against the plain recursive evaluation it replaced, kept here as the reference: every
condition of every library rule file (phases, gates, `require`, checks), on values and
baselines drawn around its own thresholds, known and unknown, in frame and in rep scope."""
from __future__ import annotations

import math
import random
from typing import Callable, Mapping, Optional

from coach.conditions import compile_condition, evaluate
from coach.library import exercise_ids, find_exercise
from coach.rules.schema import GROUPS, Condition

Tri = Optional[bool]


def _threshold(v: float, above: Optional[float], below: Optional[float]) -> Tri:
    if v is None or math.isnan(v):
        return None
    if above is not None and not v > above:
        return False
    if below is not None and not v < below:
        return False
    return True


def reference(cond: Condition, values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
              rep_stat: Optional[Callable[[str, str], float]] = None,
              phase_duration: Optional[Callable[[str], float]] = None) -> Tri:
    """coach.conditions.evaluate as it was before conditions were compiled."""
    k = cond.kind
    if k in GROUPS:
        decisive = k == "any"
        unknown = known = False
        for c in cond.children:
            r = reference(c, values, baseline, rep_stat, phase_duration)
            if r is decisive:
                return decisive
            if r is None:
                unknown = True
            else:
                known = True
        if k == "all_seen":
            return True if known else None
        return None if unknown else not decisive
    if k == "threshold":
        return _threshold(values.get(cond.measure, math.nan), cond.above, cond.below)
    if k == "drift":
        if baseline is None:
            return None
        if rep_stat is not None:
            v = rep_stat(cond.measure, "drift")
        else:
            v = abs(values.get(cond.measure, math.nan) - baseline.get(cond.measure, math.nan))
        assert cond.max_drift is not None
        return _threshold(v, None, None) if math.isnan(v) else v <= cond.max_drift
    if k == "stat":
        if rep_stat is None:
            return None
        return _threshold(rep_stat(cond.measure, cond.stat), cond.above, cond.below)
    if k == "duration":
        if phase_duration is None:
            return None
        d = phase_duration(cond.phase)
        if cond.min_duration_s is not None and d < cond.min_duration_s:
            return False
        if cond.max_duration_s is not None and d > cond.max_duration_s:
            return False
        return True
    raise ValueError(k)


def _conditions() -> list[Condition]:
    out = []
    for ex_id in exercise_ids():
        ex = find_exercise(ex_id)
        out += [p.enter for p in ex.rep.phases] + [c.expect for c in ex.checks]
        if ex.rep.range is not None:
            out += [c for c in (ex.rep.range.gate, ex.rep.range.require) if c is not None]
    return out


def _numbers(cond: Condition) -> list[float]:
    """The condition's own thresholds, all the way down."""
    own = [x for x in (cond.above, cond.below, cond.max_drift, cond.min_duration_s, cond.max_duration_s)
           if x is not None]
    return own + [x for c in cond.children for x in _numbers(c)]


def _draw(rnd: random.Random, near: list[float]) -> float:
    """Unknown now and then; else a value on, just around or far from one of the thresholds."""
    if rnd.random() < 0.15:
        return math.nan
    x = rnd.choice(near) if near else 0.0
    return rnd.choice((x, x + 1e-9, x - 1e-9, x + rnd.uniform(-2, 2) * (abs(x) + 1), rnd.uniform(-400, 400)))


def _stats(stats: dict[str, float]) -> Callable[[str, str], float]:
    return lambda measure, stat: stats.get(measure, math.nan)


def _durations(seconds: float) -> Callable[[str], float]:
    return lambda phase: seconds


def test_compiled_conditions_decide_as_the_plain_evaluation():
    rnd = random.Random(20261130)
    conds = _conditions()
    assert len(conds) > 100  # the library's rule files, not an empty loop
    outcomes = set()
    for cond in conds:
        test = compile_condition(cond)
        names = sorted(cond.measures()) or ["x"]
        near = _numbers(cond)
        for _ in range(60):
            values = {n: _draw(rnd, near) for n in names}
            baseline = None if rnd.random() < 0.3 else {n: _draw(rnd, near) for n in names}
            rep_stat = _stats({n: _draw(rnd, near) for n in names})
            phase_duration = _durations(rnd.choice(near) if near and rnd.random() < 0.5 else rnd.uniform(0, 5))
            for scope in ((values, baseline, None, None), ({}, baseline, rep_stat, phase_duration)):
                want = reference(cond, *scope)
                assert test(*scope) is want, (cond, scope)
                assert evaluate(cond, scope[0], baseline=scope[1], rep_stat=scope[2], phase_duration=scope[3]) is want
                outcomes.add(want)
    assert outcomes == {True, False, None}
