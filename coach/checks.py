"""Form checks -> findings. Frame checks watch continuously; rep checks judge a finished rep.

A finding is produced only from a definite False: unknown (NaN) values never fire a cue.
Frame checks are debounced: the fault must last ``for_s`` seconds. While a fault persists a
finding is produced every frame; the cue policy decides when to speak (cooldowns).
"""
from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import numpy as np

from .conditions import Test, compile_condition, failing_value
from .rules.schema import Check
from .types import AttemptAbandoned, AttemptEnded, AttemptStarted, AttemptVerdict, Finding, LifecycleEvent, Side

# A rep statistic is unknown unless at least this share of the rep's frames had the measure.
# Raise to demand more evidence before judging a rep; lower for measures that often drop out.
MIN_KNOWN_SHARE = 0.5
# Seconds of the start position kept before each rep (s): rep statistics include them (the
# full extension before a curl) and max_drift's baseline is their median. Raise if members
# pause long at the start and you want a steadier baseline; lower if they barely pause.
PRE_REP_S = 1.0


@dataclass
class _RepLog:
    """What happened during one attempt: per-frame times, phases and measure values."""

    baseline: dict[str, float] = field(default_factory=dict)
    t: list[float] = field(default_factory=list)
    phases: list[Optional[str]] = field(default_factory=list)
    values: list[Mapping[str, float]] = field(default_factory=list)
    faults: set[str] = field(default_factory=set)
    complete: bool = False  # every measure's baseline is known (nothing left to fill in)

    def stat(self, measure: str, stat: str) -> float:
        v = np.array([vals.get(measure, math.nan) for vals in self.values], float)
        ok = ~np.isnan(v)
        if len(v) == 0 or ok.sum() < max(3, MIN_KNOWN_SHARE * len(v)):
            return math.nan
        v = v[ok]
        if stat == "min":
            return float(v.min())
        if stat == "max":
            return float(v.max())
        if stat == "mean":
            return float(v.mean())
        if stat == "range":
            return float(v.max() - v.min())
        if stat == "drift":
            b = self.baseline.get(measure, math.nan)
            return float(np.max(np.abs(v - b))) if not math.isnan(b) else math.nan
        raise ValueError(stat)

    def phase_duration(self, phase: str) -> float:
        total = 0.0
        for k in range(1, len(self.t)):
            if self.phases[k - 1] == phase:
                total += self.t[k] - self.t[k - 1]
        return total


class CheckRunner:
    """Runs one exercise's checks for one side (None when not counting per side)."""

    def __init__(self, checks: tuple[Check, ...], side: Optional[Side] = None):
        self.frame_checks = [c for c in checks if c.scope == "frame"]
        self.rep_checks = [c for c in checks if c.scope == "rep"]
        # each check with its `expect` compiled (evaluated every frame, or at every rep's end)
        self._frame_tests = [(c, compile_condition(c.expect)) for c in self.frame_checks]
        self._rep_tests = [(c, compile_condition(c.expect)) for c in self.rep_checks]
        self.side = side
        self._bad_since: dict[str, float] = {}  # check id -> when its fault began (failing now)
        # (phase, view) -> the frame checks watching then (with their compiled expect), in
        # rule-file order, and their ids (see _watching)
        self._watch: dict[tuple[str, Optional[str]], tuple[tuple[tuple[Check, Test], ...], frozenset[str]]] = {}
        self._pre: deque[tuple[float, Optional[str], Mapping[str, float]]] = deque()
        self.log: Optional[_RepLog] = None
        self.last_rep_faults: set[str] = set()

    def _finding(self, c: Check, t: float, value: float) -> Finding:
        return Finding(check_id=c.id, severity=c.severity, t=t, value=value, message=c.message,
                       voice=c.voice or None, cooldown_s=c.cooldown_s, side=self.side)

    def step(self, t: float, phase: Optional[str], in_rep: bool, values: Mapping[str, float],
             lifecycle: Sequence[LifecycleEvent], active: bool = True, view: Optional[str] = None) -> list[Finding]:
        """One frame: ``phase`` and ``in_rep`` after this frame's events; ``lifecycle``: this
        frame's rep lifecycle (coach.lifecycle); ``active`` False (wrong view, person not in
        frame) suspends frame checks; ``view`` is the current camera view (None = unknown),
        which view-limited checks need to know. After an AttemptEnded, ``last_rep_faults``
        holds the check ids that failed during that attempt (empty if it was not watched)."""
        findings: list[Finding] = []
        for a in lifecycle:
            if isinstance(a, AttemptStarted):
                self.log = self._start_log(values)
            elif isinstance(a, AttemptEnded):
                if self.log is not None and a.counted and active:  # counted (and watchable): judge the rep
                    findings.extend(self._judge_rep(t, view))
                self.last_rep_faults = set(self.log.faults) if self.log is not None else set()
                self.log = None
            elif isinstance(a, AttemptAbandoned) or (isinstance(a, AttemptVerdict) and not a.counted):
                self.log = None
        if self.log is None and phase is not None and not in_rep:  # resting in the start position
            self._pre.append((t, phase, values))
            while self._pre and t - self._pre[0][0] > PRE_REP_S:
                self._pre.popleft()
        log = self.log
        if log is not None:
            log.t.append(t)
            log.phases.append(phase)
            log.values.append(values)
            if not log.complete:  # baseline fills in once a measure becomes known
                complete = True
                base = log.baseline
                for k, v in values.items():
                    if math.isnan(base.get(k, math.nan)):
                        if math.isnan(v):
                            complete = False
                        else:
                            base[k] = v
                log.complete = complete and bool(values)  # the same measures every frame
        watching, ids = self._watching(phase, view) if active and phase is not None else ((), frozenset())
        bad = self._bad_since
        if bad:  # a check not watching this frame is not failing: its for_s starts afresh
            for check_id in [i for i in bad if i not in ids]:
                del bad[check_id]
        baseline = log.baseline if log is not None else None
        for c, expect in watching:
            ok = expect(values, baseline)
            if ok is False:
                since = bad.setdefault(c.id, t)
                if t - since >= c.for_s - 1e-6:  # float frame times
                    findings.append(self._finding(c, t, failing_value(c.expect, values)))
                    if log is not None:
                        log.faults.add(c.id)
            elif bad:
                bad.pop(c.id, None)
        return findings

    def _watching(self, phase: str, view: Optional[str]) -> tuple[tuple[tuple[Check, Test], ...], frozenset[str]]:
        """The frame checks that watch ``phase`` in ``view`` (their ``during`` and ``views``), in
        rule-file order, each with its compiled expect, and their ids: worked out once per phase
        and view, not every frame."""
        watch = self._watch.get((phase, view))
        if watch is None:
            checks = tuple((c, expect) for c, expect in self._frame_tests
                           if (not c.during or phase in c.during) and (not c.views or view in c.views))
            watch = self._watch[(phase, view)] = (checks, frozenset(c.id for c, _ in checks))
        return watch

    def _start_log(self, values: Mapping[str, float]) -> _RepLog:
        """A new rep: its log starts with the recent rest frames; the drift baseline is their
        median (a lean that starts with the lift is then measured from the true rest)."""
        pre = list(self._pre) or [(math.nan, None, values)]
        self._pre.clear()
        baseline = {}
        for k in values:
            # the median of the known values: statistics.median gives exactly np.median's value
            # (the middle one sorted, or the mean of the middle two) without numpy's overhead per
            # call (a rep's start on lunge, 5 measures: ~140 us with numpy, ~25 us without)
            known = [v for v in (vals.get(k, math.nan) for _, _, vals in pre) if not math.isnan(v)]
            baseline[k] = statistics.median(known) if known else math.nan
        log = _RepLog(baseline=baseline)
        for t, ph, vals in pre:
            if not math.isnan(t):
                log.t.append(t)
                log.phases.append(ph)
                log.values.append(vals)
        return log

    def _judge_rep(self, t: float, view: Optional[str]) -> list[Finding]:
        log = self.log
        if log is None:  # only called while a rep is logged
            return []
        out = []
        for c, expect in self._rep_tests:
            if c.views and view not in c.views:
                continue
            ok = expect({}, log.baseline, log.stat, log.phase_duration)
            if ok is False:
                value = log.stat(c.expect.measure, c.expect.stat or "drift") if c.expect.measure else math.nan
                out.append(self._finding(c, t, value))
                log.faults.add(c.id)
        return out
