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
from typing import Callable, Mapping, Optional, Protocol

from .rules.schema import GROUPS, Condition

Tri = Optional[bool]
RepStat = Callable[[str, str], float]
PhaseDuration = Callable[[str], float]


class Test(Protocol):
    """A compiled condition (see compile_condition): called as evaluate is, its arguments positional."""

    def __call__(self, values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
                 rep_stat: Optional[RepStat] = None, phase_duration: Optional[PhaseDuration] = None) -> Tri: ...


def _threshold(v: float, above: Optional[float], below: Optional[float]) -> Tri:
    if v is None or math.isnan(v):
        return None
    if above is not None and not v > above:
        return False
    if below is not None and not v < below:
        return False
    return True


def evaluate(cond: Condition, values: Mapping[str, float], *,
             baseline: Optional[Mapping[str, float]] = None,
             rep_stat: Optional[RepStat] = None,
             phase_duration: Optional[PhaseDuration] = None) -> Tri:
    """Evaluate ``cond`` on the current ``values`` (name -> value, NaN unknown).

    baseline: measure values at rep start (for max_drift); None outside a rep -> unknown.
    rep_stat(measure, stat): the statistic over the rep (rep checks), NaN if unknown.
    phase_duration(phase): seconds spent in the phase during the rep (rep checks).
    What is evaluated every frame (phases, gates, frame checks) is compiled once instead
    (compile_condition: the same function).
    """
    return compile_condition(cond)(values, baseline, rep_stat, phase_duration)


def compile_condition(cond: Condition) -> Test:
    """``cond`` as one function of (values, baseline, rep_stat, phase_duration), each as
    evaluate takes them: its kinds are looked at once, here, rather than on every call (a rule
    file's phases, gates and frame checks are evaluated every frame, mostly a few thresholds
    in groups). Groups stop at the first child that decides them (evaluation has no side
    effects)."""
    k = cond.kind
    measure = cond.measure
    if k == "threshold":
        above, below = cond.above, cond.below

        def threshold(values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
                      rep_stat: Optional[RepStat] = None, phase_duration: Optional[PhaseDuration] = None) -> Tri:
            return _threshold(values.get(measure, math.nan), above, below)
        return threshold
    if k in GROUPS:
        # "all": False when a child is False, else unknown when one is, else True; "all_seen":
        # the same with the unknown children left out (unknown only when no child is known);
        # "any": the mirror of "all"
        children = tuple(compile_condition(c) for c in cond.children)
        decisive = k == "any"  # "all" and "all_seen": a False decides; "any": a True does
        seen_only = k == "all_seen"

        def group(values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
                  rep_stat: Optional[RepStat] = None, phase_duration: Optional[PhaseDuration] = None) -> Tri:
            unknown = known = False
            for child in children:
                r = child(values, baseline, rep_stat, phase_duration)
                if r is decisive:
                    return decisive
                if r is None:
                    unknown = True
                else:
                    known = True
            if seen_only:
                return True if known else None
            return None if unknown else not decisive
        return group
    if k == "drift":
        max_drift = cond.max_drift
        assert max_drift is not None, "the loader gives every drift condition a max_drift"

        def drift(values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
                  rep_stat: Optional[RepStat] = None, phase_duration: Optional[PhaseDuration] = None) -> Tri:
            if baseline is None:
                return None
            if rep_stat is not None:  # rep scope: the largest drift over the rep
                v = rep_stat(measure, "drift")
            else:
                v = abs(values.get(measure, math.nan) - baseline.get(measure, math.nan))
            return _threshold(v, None, None) if math.isnan(v) else v <= max_drift
        return drift
    if k == "stat":
        stat, above, below = cond.stat, cond.above, cond.below

        def statistic(values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
                      rep_stat: Optional[RepStat] = None, phase_duration: Optional[PhaseDuration] = None) -> Tri:
            if rep_stat is None:
                return None
            return _threshold(rep_stat(measure, stat), above, below)
        return statistic
    if k == "duration":
        phase, least, most = cond.phase, cond.min_duration_s, cond.max_duration_s

        def duration(values: Mapping[str, float], baseline: Optional[Mapping[str, float]] = None,
                     rep_stat: Optional[RepStat] = None, phase_duration: Optional[PhaseDuration] = None) -> Tri:
            if phase_duration is None:
                return None
            d = phase_duration(phase)
            if least is not None and d < least:
                return False
            if most is not None and d > most:
                return False
            return True
        return duration
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
