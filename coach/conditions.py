"""Three-valued evaluation of rule-file conditions: True, False, or None (unknown).

Unknown is not false: a NaN measure makes its condition unknown, and only a definite False
can fire a cue, only a definite True can advance a phase.

``all`` is unknown while any part is unknown; ``all_seen`` judges on the parts that are known
(every known part true, at least one known), so a compound movement is followed on whatever part
of it the camera sees: a bird dog's reaching arm hidden behind the head, its lifted leg in view.
A part seen false still makes it false.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Optional

from .rules.schema import GROUPS, Condition

Tri = Optional[bool]


def _threshold(v: float, above: Optional[float], below: Optional[float]) -> Tri:
    if v is None or math.isnan(v):
        return None
    if above is not None and not v > above:
        return False
    if below is not None and not v < below:
        return False
    return True


def _group(kind: str, children: tuple[Condition, ...], values: Mapping[str, float],
           baseline: Optional[Mapping[str, float]], rep_stat: Optional[Callable[[str, str], float]],
           phase_duration: Optional[Callable[[str], float]]) -> Tri:
    """"all": False when a child is False, else unknown when one is, else True; "all_seen": the
    same with the unknown children left out (unknown only when no child is known); "any": the
    mirror of "all". Stops at the first child that decides it (evaluation has no side effects)."""
    decisive = kind == "any"  # "all" and "all_seen": a False decides; "any": a True does
    unknown = known = False
    for c in children:
        # evaluate(c, ...), its two usual cases without the call: most children are thresholds
        # or groups (a phase that reads one set of measures or another)
        if c.kind == "threshold":
            r = _threshold(values.get(c.measure, math.nan), c.above, c.below)
        elif c.kind in GROUPS:
            r = _group(c.kind, c.children, values, baseline, rep_stat, phase_duration)
        else:
            r = evaluate(c, values, baseline=baseline, rep_stat=rep_stat, phase_duration=phase_duration)
        if r is decisive:
            return decisive
        if r is None:
            unknown = True
        else:
            known = True
    if kind == "all_seen":
        return True if known else None
    return None if unknown else not decisive


def evaluate(cond: Condition, values: Mapping[str, float], *,
             baseline: Optional[Mapping[str, float]] = None,
             rep_stat: Optional[Callable[[str, str], float]] = None,
             phase_duration: Optional[Callable[[str], float]] = None) -> Tri:
    """Evaluate ``cond`` on the current ``values`` (name -> value, NaN unknown).

    baseline: measure values at rep start (for max_drift); None outside a rep -> unknown.
    rep_stat(measure, stat): the statistic over the rep (rep checks), NaN if unknown.
    phase_duration(phase): seconds spent in the phase during the rep (rep checks).
    """
    k = cond.kind
    if k == "threshold":  # the usual kind first (a frame's phases and checks are mostly thresholds)
        return _threshold(values.get(cond.measure, math.nan), cond.above, cond.below)
    if k in GROUPS:
        return _group(k, cond.children, values, baseline, rep_stat, phase_duration)
    if k == "drift":
        if baseline is None:
            return None
        if rep_stat is not None:  # rep scope: the largest drift over the rep
            v = rep_stat(cond.measure, "drift")
        else:
            v = abs(values.get(cond.measure, math.nan) - baseline.get(cond.measure, math.nan))
        max_drift = cond.max_drift
        assert max_drift is not None, "the loader gives every drift condition a max_drift"
        return _threshold(v, None, None) if math.isnan(v) else v <= max_drift
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
    raise ValueError(f"unknown condition kind {k!r}")  # pragma: no cover


def failing_value(cond: Condition, values: Mapping[str, float]) -> float:
    """The value of the first measure in ``cond`` (for reporting a finding), NaN if none."""
    if cond.measure:
        return float(values.get(cond.measure, math.nan))
    for c in cond.children:
        v = failing_value(c, values)
        if not math.isnan(v):
            return v
    return math.nan
