"""The coach's pure core: one Pose (or None) at time t -> one FrameResult.

pose -> smoothing -> side selection -> measures (per unit) -> view -> rep counters -> checks ->
feedback -> cue policy. Each stage is a small part (coach.smoothing, coach.sides,
coach.measurebank, coach.monitor, coach.attempts / coach.reps, coach.checks,
coach.feedback.reps, coach.feedback.policy); ``Coach.step`` composes them.
No I/O, no clock: a recorded session replays to exactly the same results.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional, Sequence

from .attempts import AttemptCounter, Personal
from .checks import CheckRunner
from .config import PipelineConfig
from .feedback.policy import Candidate, CuePolicy
from .feedback.reps import RepFeedback
from .landmarks import INDEX, SIDES, resolve
from .measurebank import MeasureBank
from .monitor import SetupMonitor
from .reps import RepCounter
from .rules.schema import Exercise
from .sides import SideSelector
from .smoothing import PoseSmoother
from .types import Finding, FrameResult, Measures, Pose, RepEvent, Side

NAN = float("nan")


class _Unit:
    """A rep counter with its checks, for one side (or for the whole exercise)."""

    def __init__(self, ex: Exercise, side: Optional[Side], personal: Optional[Personal] = None):
        self.side = side
        self.counter: AttemptCounter | RepCounter = (AttemptCounter(ex.rep, side, personal) if ex.rep.range is not None
                        else RepCounter(ex.rep, side))
        self.checks = CheckRunner(ex.checks, side)


class Coach:
    def __init__(self, exercise: Exercise, params: PipelineConfig, lang: str = "en",
                 personal: Optional[Personal] = None):
        """params: every stage's settings (coach.config; from calibration/pipeline.toml).
        personal: the member's rest and range for this exercise's [rep.range] measure (from
        a profile); without it the counter calibrates itself from the first counted reps."""
        self.params = params
        self.personal = personal
        self.lang = lang
        self.smoother = PoseSmoother(params.smoothing, min_visibility=exercise.min_visibility)
        self.sides = SideSelector(params.side)
        self.monitor = SetupMonitor(exercise, params.view, params.setup, params.feedback.system_cooldown_s)
        self.feedback = RepFeedback()
        self.policy = CuePolicy(lang=lang, display_s=params.feedback.display_s, min_gap_s=params.feedback.min_gap_s)
        self._last_moved: Side = "left"  # alternate: the side that last changed phase (shown on screen)
        self.count_offset: dict[Optional[Side], int] = {}
        self.notice: Optional[str] = None  # set by the runner, e.g. an invalid rule-file edit
        self.load(exercise)

    def calibration(self) -> Optional[tuple[str, float, float, int]]:
        """(measure, rest, range, counted reps) learnt from this session's counted attempts, in
        the measure's unit; None when the exercise has no [rep.range] or nothing counted."""
        best = None
        for c in self._attempt_counters():
            if c.learnt_reps and (best is None or c.learnt_reps > best[3]):
                best = (c.measure, c.learnt_rest, c.learnt_range, c.learnt_reps)
        return best

    # ------------------------------------------------------------------ set-up
    def load(self, exercise: Exercise) -> None:
        """Start using (possibly edited) rules; reps already counted are kept."""
        old: dict[Optional[Side], _Unit] = getattr(self, "units", {})
        for key, u in old.items():
            self.count_offset[key] = self.count_offset.get(key, 0) + u.counter.count
        self.ex = exercise
        self.units: dict[Optional[Side], _Unit] = (
            {s: _Unit(exercise, s, self.personal) for s in SIDES} if exercise.side == "alternate"
            else {None: _Unit(exercise, None, self.personal)})
        if exercise.side == "alternate" and exercise.rep.range is not None:
            left, right = self.units["left"].counter, self.units["right"].counter
            # [rep.range] always builds AttemptCounters (see _Unit)
            assert isinstance(left, AttemptCounter) and isinstance(right, AttemptCounter)
            left.peer = right
            right.peer = left
        self.bank = MeasureBank(exercise)
        self.monitor.ex = exercise

    @property
    def auto_side(self) -> Optional[Side]:
        """side = "auto": the side watched now (None before a pose was seen)."""
        return self.sides.side

    def _watched(self) -> Side:
        """The side measured when the exercise watches one side."""
        mode = self.ex.side
        return mode if mode in SIDES else self.sides.side or "left"

    # ------------------------------------------------------------------ one frame
    def step(self, pose: Optional[Pose], t: float, index: int) -> FrameResult:
        ex = self.ex
        pose = self.smoother(pose, t)
        if ex.side == "auto":
            self.sides.update(pose, t, self.bank.side_landmarks, self.units[None].counter.in_rep)
        values = self.bank.measure(pose, t, self._watched())
        view, view_ok, view_wrong = self.monitor.view(pose, t)

        events: list[RepEvent] = []
        findings: list[Finding] = []
        for key, unit in self.units.items():
            vals = values[key]
            if isinstance(unit.counter, AttemptCounter):
                unit.counter.view = view  # by_view measures follow the camera view
            evs = unit.counter.step(t, vals)
            if key is not None and any(e.kind in ("phase", "rep") for e in evs):
                self._last_moved = key
            findings.extend(unit.checks.step(t, unit.counter.phase_name, unit.counter.in_rep, vals, evs,
                                             active=pose is not None and view_ok is not False, view=view))
            # a counted rep's cycle carries the faults its checks saw: one list for praise,
            # the summary and reports
            events.extend(replace(e, faults=tuple(sorted(unit.checks.last_rep_faults)))
                          if e.kind == "cycle" and e.reason is None else e for e in evs)
        candidates = self.feedback.candidates(ex, events, sum(c.dropped for c in self._attempt_counters()))
        candidates += [Candidate(f.check_id, f.severity, dict(f.message), f.voice, f.cooldown_s) for f in findings]
        candidates += self.monitor.candidates(pose, t, view_wrong, self._cannot_count(t),
                                              None if ex.side in ("both", "alternate") else self._watched())
        # order: severity first (policy), then rule-file order: findings keep check order
        new_cue = self.policy.step(t, candidates)

        active_key = self._active_unit_key()
        counter = self.units[active_key].counter
        hold_target = counter.hold_target
        return FrameResult(
            t=t, index=index, pose=pose, measures=Measures(t, _flatten(values)),
            events=tuple(events), findings=tuple(findings), new_cue=new_cue, current_cue=self.policy.active(t),
            reps=self.total_reps, reps_by_side=self.reps_by_side, phase=counter.phase_name,
            hold_elapsed_s=counter.hold_elapsed if hold_target and counter.phase == counter.hold_idx else None,
            hold_target_s=hold_target, view=view, view_ok=view_ok, side=active_key or self.auto_side or
            (ex.side if ex.side in SIDES else None),
            display_measure=self._display(pose, values[active_key], active_key), notice=self.notice,
            progress=counter.progress() if pose is not None and isinstance(counter, AttemptCounter) else None)

    def finish(self, t: float, index: int, stopped: bool = False) -> FrameResult:
        """The stream ended: close reps that were on their way back to the start. ``stopped``:
        the session was stopped (the member, a routine's target, a signal) rather than the
        source running out (see AttemptCounter.finish)."""
        events: list[RepEvent] = []
        for unit in self.units.values():
            evs = unit.counter.finish(t, stopped)
            unit.checks.step(t, unit.counter.phase_name, unit.counter.in_rep, {}, evs, active=False)
            events.extend(evs)
        key = self._active_unit_key()
        return FrameResult(t=t, index=index, pose=None, measures=Measures(t, {}), events=tuple(events),
                           reps=self.total_reps, reps_by_side=self.reps_by_side,
                           phase=self.units[key].counter.phase_name)

    def _active_unit_key(self) -> Optional[Side]:
        if None in self.units:
            return None
        in_rep = [s for s, u in self.units.items() if u.counter.in_rep]
        return self._last_moved if not in_rep or self._last_moved in in_rep else in_rep[0]

    def _cannot_count(self, t: float) -> bool:
        """Every counter's gate has been false for the view's wrong_for_s: nothing can count here."""
        since = [c.gated_since for c in self._attempt_counters()]
        return bool(since) and all(s is not None and t - s >= self.monitor.wrong_for_s for s in since)

    def _attempt_counters(self) -> list[AttemptCounter]:
        """The [rep.range] counters (rule files without it count with coach.reps.RepCounter)."""
        return [u.counter for u in self.units.values() if isinstance(u.counter, AttemptCounter)]

    def _display(self, pose: Optional[Pose], vals: dict[str, float],
                 side: Optional[Side]) -> Optional[tuple[str, float, tuple[float, float], str]]:
        """(measure name, value in its unit, pixel xy of its joint, unit) for the screen, or None."""
        name = self.ex.display
        spec = self.ex.measures.get(name)
        if pose is None or spec is None or math.isnan(vals.get(name, NAN)) or not spec.landmarks:
            return None
        mode = self.ex.side
        s = side or self.auto_side or (mode if mode in SIDES else "left")
        lm = spec.landmarks[1] if spec.kind == "joint" else spec.landmarks[0]
        xy = pose.image_xy[INDEX[resolve(lm, s)]]
        return (name, float(vals[name]), (float(xy[0]), float(xy[1])), spec.unit)

    # ------------------------------------------------------------------ totals
    @property
    def reps_by_side(self) -> dict[str, int]:
        if None in self.units:
            return {}
        return {s: u.counter.count + self.count_offset.get(s, 0) for s, u in self.units.items() if s is not None}

    @property
    def total_reps(self) -> int:
        return sum(u.counter.count + self.count_offset.get(k, 0) for k, u in self.units.items())


def _flatten(values: dict[Optional[Side], dict[str, float]]) -> dict[str, float]:
    if None in values:
        return dict(values[None])
    return {f"{k}@{s}": v for s, vals in values.items() if s is not None for k, v in vals.items()}


def replay(exercise: Exercise, poses: Sequence[Optional[Pose]], params: Optional[PipelineConfig] = None, *,
           fps: float = 30.0, times: Optional[Sequence[float]] = None, lang: str = "en",
           personal: Optional[Personal] = None) -> tuple[Coach, list[FrameResult]]:
    """Coach a whole pose stream: every pose at its time (``times`` in seconds, default index /
    ``fps``), then the end of the stream. Returns the coach (its counters and totals) and one
    FrameResult per pose plus the final one. ``params`` default to coach.config's defaults (the
    values calibration/pipeline.toml ships). The one loop tests, tools and the runner share."""
    coach = Coach(exercise, params if params is not None else PipelineConfig(), lang=lang, personal=personal)
    ts = list(times) if times is not None else [i / fps for i in range(len(poses))]
    results = [coach.step(p, t, i) for i, (p, t) in enumerate(zip(poses, ts))]
    end = ts[-1] + 1.0 / fps if ts else 0.0
    results.append(coach.finish(end, len(poses)))
    return coach, results
