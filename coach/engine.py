"""The coach's pure core: one Pose (or None) at time t -> one FrameResult.

pose -> smoothing -> side selection -> measures (per unit) -> view -> rep counters -> checks ->
feedback -> cue policy. Each stage is a small part (coach.smoothing, coach.sides,
coach.measurebank, coach.monitor, coach.attempts / coach.reps, coach.checks,
coach.feedback.reps, coach.feedback.policy); ``Coach.step`` composes them.
No I/O, no clock: a recorded session replays to exactly the same results.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Any, Iterator, Optional, Sequence

from .attempts import AttemptCounter, Personal
from .checks import CheckRunner
from .config import PipelineConfig
from .feedback.policy import Candidate, CuePolicy
from .feedback.reps import RepFeedback
from .landmarks import INDEX, SIDES, resolve
from .lifecycle import Lifecycle
from .measurebank import MeasureBank, Values
from .measured import MeasuredStream
from .monitor import SetupMonitor
from .reps import RepCounter
from .rules.schema import Exercise
from .sides import SideSelector
from .smoothing import LandmarkSmoother, PoseSmoother
from .types import AttemptEnded, Finding, FrameResult, LifecycleEvent, Measures, Pose, RepEvent, Side, View
from .view import LANDMARKS as VIEW_LANDMARKS

NAN = float("nan")


class _Unit:
    """A rep counter with its checks, for one side (or for the whole exercise)."""

    def __init__(self, ex: Exercise, side: Optional[Side], personal: Optional[Personal] = None,
                 ids: Optional[Iterator[int]] = None):
        self.side = side
        self.counter: AttemptCounter | RepCounter = (AttemptCounter(ex.rep, side, personal) if ex.rep.range is not None
                        else RepCounter(ex.rep, side))
        self.checks = CheckRunner(ex.checks, side)
        self.lifecycle = Lifecycle(side, ids)
        self.attempts = isinstance(self.counter, AttemptCounter)

    def step(self, t: float, vals: dict[str, float], active: bool, view: Optional[View],
             final: bool = False, stopped: bool = False) -> tuple[list[RepEvent], list[LifecycleEvent], list[Finding]]:
        """One frame of this unit (``final``: the stream's end at ``t``, ``stopped``: by a stop
        rather than the source running out, see AttemptCounter.finish): the counter's events,
        the rep lifecycle (ended attempts carry the faults their checks saw) and the findings."""
        counter = self.counter
        evs = counter.finish(t, stopped) if final else counter.step(t, vals)
        in_rep = counter.in_rep
        life = self.lifecycle.step(evs, in_rep) if evs else []  # (no events: no lifecycle)
        findings = self.checks.step(t, counter.phase_name, in_rep, vals, life, active=active, view=view)
        if not life or not any(isinstance(a, AttemptEnded) and a.counted for a in life):
            return evs, life, findings
        # a counted rep's end carries the faults its checks saw: one list for praise, the summary
        # and reports (the counter's "cycle" event carries the same list)
        faults = tuple(sorted(self.checks.last_rep_faults))
        life = [replace(a, faults=faults) if isinstance(a, AttemptEnded) and a.counted else a for a in life]
        evs = [replace(e, faults=faults) if e.kind == "cycle" and e.reason is None else e for e in evs]
        return evs, life, findings


class Coach:
    def __init__(self, exercise: Exercise, params: PipelineConfig, lang: str = "en",
                 personal: Optional[Personal] = None, poses: bool = True):
        """params: every stage's settings (coach.config; from calibration/pipeline.toml).
        personal: the member's rest and range for this exercise's [rep.range] measure (from
        a profile); without it the counter calibrates itself from the first counted reps.
        poses: each FrameResult carries the smoothed pose, every landmark (what an overlay
        draws). False, for a replay that keeps only decisions: only the landmarks the rules
        read are smoothed (coach.smoothing.LandmarkSmoother: the same values, a fraction of
        the time) and FrameResult.pose is the pose as given; every decision is the same."""
        self.params = params
        self.poses = poses
        self.points: Optional[LandmarkSmoother] = None  # with poses=False, made by load()
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
        self._attempt_ids = itertools.count(1)  # attempt ids, unique within the session (coach.lifecycle)
        self._ahead: Optional[MeasuredStream] = None  # a prepared stream's front half (prepare)
        self._stepped = False  # a frame was stepped (prepare measures ahead only before)
        # (total_reps, reps_by_side) as last shown, for the units in _reps_of (see step)
        self._reps: tuple[int, dict[str, int]] = (0, {})
        self._reps_of: Optional[dict[Optional[Side], _Unit]] = None
        self.load(exercise)

    def calibration(self) -> Optional[tuple[str, float, float, int]]:
        """(measure, rest, range, counted reps) learnt from this session's counted attempts, in
        the measure's unit; None when the exercise has no [rep.range] or nothing counted."""
        best = None
        for c in self._attempts:
            if c.learnt_reps and (best is None or c.learnt_reps > best[3]):
                best = (c.measure, c.learnt_rest, c.learnt_range, c.learnt_reps)
        return best

    # ------------------------------------------------------------------ set-up
    def load(self, exercise: Exercise) -> None:
        """Start using (possibly edited) rules; reps already counted are kept."""
        if self._ahead is not None:  # the prepared measures are the old rules'
            self._leave_ahead()
        old: dict[Optional[Side], _Unit] = getattr(self, "units", {})
        for key, u in old.items():
            self.count_offset[key] = self.count_offset.get(key, 0) + u.counter.count
        self.ex = exercise
        self.units: dict[Optional[Side], _Unit] = (
            {s: _Unit(exercise, s, self.personal, self._attempt_ids) for s in SIDES} if exercise.side == "alternate"
            else {None: _Unit(exercise, None, self.personal, self._attempt_ids)})
        if exercise.side == "alternate" and exercise.rep.range is not None:
            left, right = self.units["left"].counter, self.units["right"].counter
            # [rep.range] always builds AttemptCounters (see _Unit)
            assert isinstance(left, AttemptCounter) and isinstance(right, AttemptCounter)
            left.peer = right
            right.peer = left
        self.bank = MeasureBank(exercise)
        if not self.poses:  # the coordinates the measures, the view and the display read
            pixel = self.bank.pixel_landmarks | self._display_landmarks()
            world = self.bank.world_landmarks | VIEW_LANDMARKS
            self.points = (LandmarkSmoother(self.params.smoothing, exercise.min_visibility, pixel, world)
                           if self.points is None else self.points.widen(pixel, world))
        self.monitor.ex = exercise
        # the [rep.range] counters (rule files without it count with coach.reps.RepCounter)
        self._attempts = [u.counter for u in self.units.values() if isinstance(u.counter, AttemptCounter)]
        self._display_at: dict[Optional[Side], Optional[tuple[int, str]]] = {}  # see _display

    def prepare(self, poses: Sequence[Optional[Pose]], times: Optional[Sequence[float]] = None) -> None:
        """The stream's poses (and their times, s), known up front: a recording being replayed.
        With poses=False, its front half (smoothing, measures, view) is worked out for the
        whole stream at once (coach.measured) when the times are given and no frame was
        stepped yet; each step given the next of these poses at its time then reads its
        results (the same values, a fraction of the time). Any other step (another pose or
        time, or new rules) goes back to the per-frame stages exactly where the stream was.
        Otherwise (no times, or a frame stepped already) the poses are only converted a block
        at a time (LandmarkSmoother.prepare). Nothing to do with poses=True."""
        if self.points is None:
            return
        self.points.prepare(poses)
        if times is not None and not self._stepped:
            self._ahead = MeasuredStream(self.points, self.bank, self.params.view, poses, times)

    def _leave_ahead(self) -> None:
        """Measure frame by frame from here on: the landmark smoother is brought to where the
        prepared stream is by filtering the frames handed out so far (the smoother was not
        used meanwhile)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and self.points is not None:
            for pose, t in zip(ahead.poses[:ahead.k], ahead.times[:ahead.k]):
                self.points(pose, t)

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
        self._stepped = True
        ahead = self._ahead
        k = None if ahead is None else ahead.next(pose, t)
        if ahead is not None and k is not None:  # measured ahead (prepare)
            values, view, view_ok, view_wrong, pixel = self._front_ahead(ahead, k, t)
        else:
            if ahead is not None:  # not the prepared stream's next frame
                self._leave_ahead()
            pose, values, view, view_ok, view_wrong, pixel = self._front(pose, t)
        watched = self._watched()

        events: list[RepEvent] = []
        lifecycle: list[LifecycleEvent] = []
        findings: list[Finding] = []
        active = pose is not None and view_ok is not False
        for key, unit in self.units.items():
            vals = values[key]
            if unit.attempts:
                unit.counter.view = view  # type: ignore[union-attr]  # by_view measures follow the camera view
            evs, life, found = unit.step(t, vals, active, view)
            if key is not None and evs and any(e.kind in ("phase", "rep") for e in evs):
                self._last_moved = key
            if found:
                findings.extend(found)
            if evs:
                events.extend(evs)
            if life:
                lifecycle.extend(life)
        dropped = 0
        for c in self._attempts:
            dropped += c.dropped
        candidates = self.feedback.candidates(ex, lifecycle, dropped)
        if findings:
            candidates += [Candidate(f.check_id, f.severity, dict(f.message), f.voice, f.cooldown_s)
                           for f in findings]
        # (whether anything can count here only matters in a wrong view)
        candidates += self.monitor.candidates(pose, t, view_wrong, view_wrong and self._cannot_count(t),
                                              None if ex.side in ("both", "alternate") else watched)
        # order: severity first (policy), then rule-file order: findings keep check order
        new_cue = self.policy.step(t, candidates) if candidates else None

        active_key = self._active_unit_key()
        counter = self.units[active_key].counter
        hold_target = counter.hold_target
        if events or self._reps_of is not self.units:  # counts change only with a counter's events (or load)
            self._reps, self._reps_of = (self.total_reps, self.reps_by_side), self.units
        reps, reps_by_side = self._reps
        return _frame_result(
            t=t, index=index, pose=pose, measures=_measures(t, _flatten(values)),
            events=tuple(events), findings=tuple(findings), new_cue=new_cue, current_cue=self.policy.active(t),
            reps=reps, reps_by_side=reps_by_side, phase=counter.phase_name,
            hold_elapsed_s=counter.hold_elapsed if hold_target and counter.phase == counter.hold_idx else None,
            hold_target_s=hold_target, view=view, view_ok=view_ok, side=active_key or self.auto_side or
            (ex.side if ex.side in SIDES else None),
            display_measure=self._display(pixel, values[active_key], active_key), notice=self.notice,
            progress=counter.progress() if pose is not None and isinstance(counter, AttemptCounter) else None,
            lifecycle=tuple(lifecycle))

    def _front(self, pose: Optional[Pose], t: float) -> tuple[
            Optional[Pose], Values, Optional[View], Optional[bool], bool, Any]:
        """The frame's front half, measured now: (the pose as the rest of the frame sees it:
        smoothed with poses=True, as given otherwise; the values per unit; view, view_ok,
        view_wrong (SetupMonitor.view); per landmark its pixel xy (an (33, 2) array or lists of
        floats), None without a person)."""
        points = self.points
        in_rep = self.units[None].counter.in_rep if self.ex.side == "auto" else False
        if points is None:
            pose = self.smoother(pose, t)
            if self.ex.side == "auto":
                self.sides.update(pose, t, self.bank.side_landmarks, in_rep)
            values = self.bank.measure(pose, t, self._watched())
            return (pose, values, *self.monitor.view(pose, t), None if pose is None else pose.image_xy)
        lm = points(pose, t)  # the pose stays as given: its visibilities are what is read
        if self.ex.side == "auto":
            self.sides.update_of(None if lm is None else lm.vis, t, self.bank.side_landmarks, in_rep)
        values = self.bank.measure_landmarks(lm, t, self._watched())
        return (pose, values, *self.monitor.view_of(lm, t), None if lm is None else lm.pixel)

    def _front_ahead(self, ahead: MeasuredStream, k: int, t: float) -> tuple[
            Values, Optional[View], Optional[bool], bool, Any]:
        """_front of frame k of the stream measured ahead (the pose stays as given)."""
        seen = ahead.present[k]
        if self.ex.side == "auto":
            self.sides.update_of(ahead.vis[k].tolist() if seen else None, t, self.bank.side_landmarks,
                                 self.units[None].counter.in_rep)
        values = self.bank.combine(lambda side: ahead.measures(k, side), t, self._watched())
        return (values, *self.monitor.view_classified(ahead.views[k], t), ahead.pixel[k] if seen else None)

    def finish(self, t: float, index: int, stopped: bool = False) -> FrameResult:
        """The stream ended: close reps that were on their way back to the start. ``stopped``:
        the session was stopped (the member, a routine's target, a signal) rather than the
        source running out (see AttemptCounter.finish)."""
        events: list[RepEvent] = []
        lifecycle: list[LifecycleEvent] = []
        for unit in self.units.values():
            evs, life, _ = unit.step(t, {}, active=False, view=None, final=True, stopped=stopped)
            events.extend(evs)
            lifecycle.extend(life)
        key = self._active_unit_key()
        return FrameResult(t=t, index=index, pose=None, measures=Measures(t, {}), events=tuple(events),
                           reps=self.total_reps, reps_by_side=self.reps_by_side,
                           phase=self.units[key].counter.phase_name, lifecycle=tuple(lifecycle))

    def _active_unit_key(self) -> Optional[Side]:
        """The unit shown: the only one; else (alternate) the side that last moved, unless it
        is at rest while the other is in a rep."""
        units = self.units
        if None in units:
            return None
        last = self._last_moved
        if units[last].counter.in_rep:
            return last
        for s, u in units.items():
            if u.counter.in_rep:
                return s
        return last

    def _cannot_count(self, t: float) -> bool:
        """Every counter's gate has been false for the view's wrong_for_s: nothing can count here."""
        counters = self._attempts
        if not counters:
            return False
        wrong_for_s = self.monitor.wrong_for_s
        for c in counters:
            if c.gated_since is None or not t - c.gated_since >= wrong_for_s:
                return False
        return True

    def _display(self, pixel: Any, vals: dict[str, float],
                 side: Optional[Side]) -> Optional[tuple[str, float, tuple[float, float], str]]:
        """(measure name, value in its unit, pixel xy of its joint, unit) for the screen, or None.
        pixel: the frame's pixel xy per landmark (a pose's image_xy, or the landmark smoother's
        floats); None without a person."""
        if pixel is None:
            return None
        at = self._display_joint(vals, side)
        if at is None:
            return None
        xy = pixel[at[0]]
        return (self.ex.display, float(vals[self.ex.display]), (float(xy[0]), float(xy[1])), at[1])

    def _display_landmarks(self) -> frozenset[int]:
        """The landmarks whose pixels _display reads, either side (indices)."""
        spec = self.ex.measures.get(self.ex.display)
        if spec is None or not spec.landmarks:
            return frozenset()
        return frozenset(INDEX[resolve(spec.landmarks[1] if spec.kind == "joint" else spec.landmarks[0], s)]
                         for s in SIDES)

    def _display_joint(self, vals: dict[str, float], side: Optional[Side]) -> Optional[tuple[int, str]]:
        """(landmark index, unit) of the displayed measure's joint, None when nothing is shown."""
        name = self.ex.display
        if math.isnan(vals.get(name, NAN)):
            return None
        mode = self.ex.side
        s = side or self.auto_side or (mode if mode in SIDES else "left")
        if s not in self._display_at:  # the joint's landmark index, looked up once per side
            spec = self.ex.measures.get(name)
            self._display_at[s] = None if spec is None or not spec.landmarks else (
                INDEX[resolve(spec.landmarks[1] if spec.kind == "joint" else spec.landmarks[0], s)], spec.unit)
        return self._display_at[s]

    # ------------------------------------------------------------------ totals
    @property
    def reps_by_side(self) -> dict[str, int]:
        if None in self.units:
            return {}
        return {s: u.counter.count + self.count_offset.get(s, 0) for s, u in self.units.items() if s is not None}

    @property
    def total_reps(self) -> int:
        total = 0
        for k, u in self.units.items():
            total += u.counter.count + self.count_offset.get(k, 0)
        return total


_new = object.__new__


def _measures(t: float, values: dict[str, float]) -> Measures:
    """Measures(t, values), set at once as _frame_result does."""
    m = _new(Measures)
    m.__dict__.update(t=t, values=values)
    return m


def _frame_result(**fields: Any) -> FrameResult:
    """FrameResult(**fields), every field given: the same frozen object, its attributes set
    at once rather than one object.__setattr__ each as the dataclass's __init__ does (half
    the cost; it is made every frame)."""
    r = _new(FrameResult)
    r.__dict__.update(fields)
    return r


class _SidedNames(dict[str, str]):
    """measure -> "measure@side" for one side, each name made the first time it is asked for."""

    def __init__(self, side: Side):
        super().__init__()
        self.side = side

    def __missing__(self, name: str) -> str:
        sided = self[name] = f"{name}@{self.side}"
        return sided


_SIDED_NAMES = {s: _SidedNames(s) for s in SIDES}


def _flatten(values: dict[Optional[Side], dict[str, float]]) -> dict[str, float]:
    if None in values:
        return dict(values[None])
    out: dict[str, float] = {}
    for s, vals in values.items():
        if s is not None:  # each side's values under their sided names, in order
            names = _SIDED_NAMES[s]
            for k, v in vals.items():
                out[names[k]] = v
    return out


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
