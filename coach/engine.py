"""The coach's pure core: one Pose (or None) at time t -> one FrameResult.

pose -> smoothing -> measures (per side) -> view -> rep counters -> checks -> cue policy.
No I/O, no clock: a recorded session replays to exactly the same results.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from typing import Optional

import numpy as np

from . import measures as M
from .attempts import AttemptCounter, Personal
from .checks import CheckRunner
from .feedback.policy import Candidate, CuePolicy
from .landmarks import INDEX, SIDES, resolve
from .library import PipelineParams
from .messages import message, parts_text, views_text
from .reps import RepCounter
from .rules.schema import DERIVED_KINDS, Exercise
from .smoothing import OneEuroParams, PoseSmoother
from .types import Finding, FrameResult, Measures, Pose, RepEvent
from .view import ViewTracker

NAN = float("nan")
# Strokes in a row that fail the rule file's `require` (no rep, no other verdict between) before
# the coach says why nothing counts. Raise if members hear it while settling into position.
DROPS_BEFORE_CUE = 2


class _Unit:
    """A rep counter with its checks, for one side (or for the whole exercise)."""

    def __init__(self, ex: Exercise, side: Optional[str], personal: Optional[Personal] = None):
        self.side = side
        self.counter = (AttemptCounter(ex.rep, side, personal) if ex.rep.range is not None
                        else RepCounter(ex.rep, side))
        self.checks = CheckRunner(ex.checks, side)


class Coach:
    def __init__(self, exercise: Exercise, params: PipelineParams, lang: str = "en",
                 personal: Optional[Personal] = None):
        """personal: the member's rest and range for this exercise's [rep.range] measure (from
        a profile); without it the counter calibrates itself from the first counted reps."""
        self.params = params
        self.personal = personal
        self.lang = lang
        sm = params.section("smoothing")
        self.smoother = PoseSmoother(OneEuroParams(**sm), min_visibility=exercise.min_visibility)
        view = params.section("view")
        self.view_wrong_for_s = view.pop("wrong_for_s", 2.0)
        self.views = ViewTracker(**view)
        fb = params.section("feedback")
        self.system_cooldown_s = fb.pop("system_cooldown_s", 12.0)
        self.policy = CuePolicy(lang=lang, **fb)
        self.setup_missing_for_s = params.section("setup").get("missing_for_s", 2.0)
        side = params.section("side")
        self.switch_margin = side.get("switch_margin", 0.15)
        self.switch_time_s = side.get("switch_time_s", 1.0)
        self._wrong_view_since: Optional[float] = None
        self._view_hint_given = False
        self._drops_heard = 0  # strokes failing `require` already answered (never silent)
        self._missing_since: Optional[float] = None
        self._side_ema = 0.0
        self._last_t: Optional[float] = None
        self.auto_side: Optional[str] = None
        self._last_moved: str = "left"  # alternate: the side that last changed phase (shown on screen)
        self.clean_streak = 0
        self.count_offset: dict[Optional[str], int] = {}
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
        old = getattr(self, "units", {})
        for key, u in old.items():
            self.count_offset[key] = self.count_offset.get(key, 0) + u.counter.count
        self.ex = exercise
        self.units = ({s: _Unit(exercise, s, self.personal) for s in SIDES} if exercise.side == "alternate"
                      else {None: _Unit(exercise, None, self.personal)})
        if exercise.side == "alternate" and exercise.rep.range is not None:
            self.units["left"].counter.peer = self.units["right"].counter
            self.units["right"].counter.peer = self.units["left"].counter
        self._sided = {n for n, m in exercise.measures.items()
                       if m.kind not in DERIVED_KINDS and any("{" in l for l in m.landmarks)}
        self._history: dict[tuple, deque] = {}  # (unit key, measure) -> recent (t, value), for speeds
        self._needs_both_sides = exercise.side in ("both", "alternate") or any(
            m.kind == "left_right" for m in exercise.measures.values())
        self._side_landmarks = {s: sorted({INDEX[resolve(l, s)] for n in self._sided
                                           for l in exercise.measures[n].landmarks}) for s in SIDES}

    # ------------------------------------------------------------------ measures
    def _values(self, pose: Optional[Pose], side: Optional[str]) -> dict[str, float]:
        ex = self.ex
        out: dict[str, float] = {}
        for name, spec in ex.measures.items():
            if spec.kind not in DERIVED_KINDS:
                s = side if name in self._sided else None
                out[name] = M.evaluate(spec, pose, s or "left", ex.min_visibility)
        return out

    def _add_speeds(self, out: dict[Optional[str], dict[str, float]], t: float) -> None:
        """speed measures: |change| of their source over the last over_s seconds, per second.
        Unknown when the source is unknown now or was never known in the window."""
        for name, spec in self.ex.measures.items():
            if spec.kind != "speed":
                continue
            for key, vals in out.items():
                h = self._history.setdefault((key, name), deque())
                v = vals.get(spec.of, NAN)
                h.append((t, v))
                while h and t - h[0][0] > spec.over_s:
                    h.popleft()
                old = next(((t0, v0) for t0, v0 in h if not math.isnan(v0)), None)
                if math.isnan(v) or old is None or t - old[0] < spec.over_s / 2:
                    vals[name] = NAN
                else:
                    vals[name] = abs(v - old[1]) / (t - old[0])

    def _measure_all(self, pose: Optional[Pose], t: float) -> dict[Optional[str], dict[str, float]]:
        """Measure values per unit key (None, or "left"/"right" for alternate)."""
        ex = self.ex
        mode = ex.side
        chosen = mode if mode in SIDES else self.auto_side or "left"
        if not self._sided:
            base = self._values(pose, None)
            per_side = {"left": base, "right": base}
        elif self._needs_both_sides:
            per_side = {s: self._values(pose, s) for s in SIDES}
        else:  # one side watched: measure only that side (this runs every frame)
            per_side = {chosen: self._values(pose, chosen)}
        if mode == "alternate":
            out = {s: dict(per_side[s]) for s in SIDES}
        elif mode == "both":
            both = {}
            for name in per_side["left"]:
                pair = [per_side[s][name] for s in SIDES if not math.isnan(per_side[s][name])]
                both[name] = float(np.mean(pair)) if pair else NAN
            out = {None: both}
        else:
            out = {None: dict(per_side[chosen])}
        for name, spec in ex.measures.items():
            if spec.kind == "left_right":
                diff = abs(per_side["left"].get(spec.of, NAN) - per_side["right"].get(spec.of, NAN))
                for vals in out.values():
                    vals[name] = diff
        self._add_speeds(out, t)
        return out

    def _update_auto_side(self, pose: Optional[Pose], t: float) -> None:
        if self.ex.side != "auto" or pose is None or not self._sided:
            return
        score = {s: float(np.mean(pose.visibility[self._side_landmarks[s]])) for s in SIDES}
        d = score["left"] - score["right"]
        if self.auto_side is None:
            self._side_ema = d
            self.auto_side = "left" if d >= 0 else "right"
            return
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        a = 1.0 - math.exp(-dt / self.switch_time_s) if self.switch_time_s > 0 else 1.0
        self._side_ema += a * (d - self._side_ema)
        if self.units[None].counter.in_rep:
            return  # never switch sides in the middle of a rep
        if self._side_ema > self.switch_margin:
            self.auto_side = "left"
        elif self._side_ema < -self.switch_margin:
            self.auto_side = "right"

    # ------------------------------------------------------------------ one frame
    def step(self, pose: Optional[Pose], t: float, index: int) -> FrameResult:
        ex = self.ex
        pose = self.smoother(pose, t)
        self._update_auto_side(pose, t)
        self._last_t = t
        values = self._measure_all(pose, t)
        view = self.views.update(pose, t)
        view_ok = None if view is None else view in ex.views
        if view_ok is False:
            self._wrong_view_since = t if self._wrong_view_since is None else self._wrong_view_since
        else:
            self._wrong_view_since = None
        view_wrong = self._wrong_view_since is not None and t - self._wrong_view_since >= self.view_wrong_for_s

        events: list[RepEvent] = []
        findings: list[Finding] = []
        candidates: list[Candidate] = []
        for key, unit in self.units.items():
            vals = values[key]
            if isinstance(unit.counter, AttemptCounter):
                unit.counter.view = view  # by_view measures follow the camera view
            evs = unit.counter.step(t, vals)
            if key is not None and any(e.kind in ("phase", "rep") for e in evs):
                self._last_moved = key
            fs = unit.checks.step(t, unit.counter.phase_name, unit.counter.in_rep, vals, evs,
                                  active=pose is not None and view_ok is not False, view=view)
            findings.extend(fs)
            # a counted rep's cycle carries the faults its checks saw: one list for praise,
            # the summary and reports
            evs = [replace(e, faults=tuple(sorted(unit.checks.last_rep_faults)))
                   if e.kind == "cycle" and e.reason is None else e for e in evs]
            events.extend(evs)
            for e in evs:
                if e.kind == "incomplete":
                    candidates.append(Candidate("rep", "tip", self._incomplete_text(e), None, 4.0))
                if e.kind == "cycle" and e.reason is None:
                    self.clean_streak = 0 if e.faults else self.clean_streak + 1
                    every = ex.feedback.praise_every
                    if every and self.clean_streak and self.clean_streak % every == 0:
                        candidates.append(Candidate("praise", "info", ex.feedback.praise or _msg("praise"), None, 0.0))
        candidates.extend(self._dropped_candidates(events))
        for f in findings:
            candidates.append(Candidate(f.check_id, f.severity, dict(f.message), f.voice, f.cooldown_s))
        candidates.extend(self._system_candidates(pose, t, view_wrong))
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

    def finish(self, t: float, index: int) -> FrameResult:
        """The stream ended: close reps that were on their way back to the start."""
        events = []
        for unit in self.units.values():
            evs = unit.counter.finish(t)
            unit.checks.step(t, unit.counter.phase_name, unit.counter.in_rep, {}, evs, active=False)
            events.extend(evs)
        key = self._active_unit_key()
        return FrameResult(t=t, index=index, pose=None, measures=Measures(t, {}), events=tuple(events),
                           reps=self.total_reps, reps_by_side=self.reps_by_side,
                           phase=self.units[key].counter.phase_name)

    def _active_unit_key(self) -> Optional[str]:
        if None in self.units:
            return None
        in_rep = [s for s, u in self.units.items() if u.counter.in_rep]
        return self._last_moved if not in_rep or self._last_moved in in_rep else in_rep[0]

    def _system_candidates(self, pose: Optional[Pose], t: float, view_wrong: bool) -> list[Candidate]:
        ex = self.ex
        cd = self.system_cooldown_s
        views = lambda lang: {"views": views_text(ex.views, lang)}  # noqa: E731
        if view_wrong and self._cannot_count(t):
            # the rule file's gate says this view cannot be counted (a squeeze seen from the side)
            return [Candidate("view", "warning", _msgs("wrong_view", views), None, cd)]
        if view_wrong and not self._view_hint_given:
            # Counting goes on in every view; only the checks that need another view are paused.
            # Said once: repeating it every few seconds would drown the rep cues.
            self._view_hint_given = True
            return [Candidate("view", "tip", _msgs("view_counting", views), None, cd)]
        if ex.side in ("both", "alternate"):
            # either side fully in view is enough (a side view hides the far limbs)
            options = [sorted({resolve(l, s) for l in ex.landmarks}) for s in SIDES]
        else:
            side = ex.side if ex.side in SIDES else self.auto_side or "left"
            options = [sorted({resolve(l, side) for l in ex.landmarks})]

        def gone_in(names: list[str]) -> list[str]:
            return [n for n in names if pose is None or pose.visibility[INDEX[n]] < ex.min_visibility]

        gone = min((gone_in(o) for o in options), key=len)
        if pose is not None and not gone:
            self._missing_since = None
            return []
        self._missing_since = t if self._missing_since is None else self._missing_since
        if t - self._missing_since < self.setup_missing_for_s:
            return []
        if pose is None:
            return [Candidate("setup", "warning", _msgs("no_person", lambda lang: {}), None, cd)]
        return [Candidate("setup", "warning", _msgs("not_in_view", lambda lang: {"parts": parts_text(gone, lang)}),
                          None, cd)]

    def _dropped_candidates(self, events: list[RepEvent]) -> list[Candidate]:
        """Never silent: strokes that fail the rule file's `require` have no verdict of their own;
        when DROPS_BEFORE_CUE of them come with no rep or other verdict between, say why."""
        dropped = sum(c.dropped for c in self._attempt_counters())
        if any(e.kind in ("rep", "incomplete") for e in events):
            self._drops_heard = dropped
        if dropped - self._drops_heard < DROPS_BEFORE_CUE:
            return []
        self._drops_heard = dropped
        rng = self.ex.rep.range
        text = dict(rng.require_message or self.ex.rep.incomplete_message or _msg("incomplete"))
        return [Candidate("rep", "tip", text, None, 4.0)]

    def _cannot_count(self, t: float) -> bool:
        """Every counter's gate has been false for view_wrong_for_s: nothing can count here."""
        since = [c.gated_since for c in self._attempt_counters()]
        return bool(since) and all(s is not None and t - s >= self.view_wrong_for_s for s in since)

    def _attempt_counters(self) -> list[AttemptCounter]:
        """The [rep.range] counters (rule files without it count with coach.reps.RepCounter)."""
        return [u.counter for u in self.units.values() if isinstance(u.counter, AttemptCounter)]

    def _incomplete_text(self, e: RepEvent) -> dict[str, str]:
        """The cue for an attempt that did not count: the rule file's message, and for angles
        how far the member got against the target, so that a miss is never unexplained."""
        reason = e.reason or ""
        if reason.startswith("quicker"):
            return _msg("too_quick")
        base = dict(e.message) if e.message else _msg("incomplete")
        rng = self.ex.rep.range
        unit = self.ex.measures[rng.measure].unit if rng is not None else ""  # by_view measures share it
        key = "reached" if reason.startswith("short") else "came_back" if reason.startswith("did not return") else ""
        if not key or unit != "deg" or e.reached is None or e.target is None:
            return base
        return {lang: message(key, lang, message=text, reached=f"{e.reached:.0f}", target=f"{e.target:.0f}")
                for lang, text in base.items()}

    def _display(self, pose: Optional[Pose], vals: dict[str, float], side: Optional[str]):
        name = self.ex.display
        spec = self.ex.measures.get(name)
        if pose is None or spec is None or math.isnan(vals.get(name, NAN)) or not spec.landmarks:
            return None
        s = side or self.auto_side or (self.ex.side if self.ex.side in SIDES else "left")
        lm = spec.landmarks[1] if spec.kind == "joint" else spec.landmarks[0]
        xy = pose.image_xy[INDEX[resolve(lm, s)]]
        return (name, float(vals[name]), (float(xy[0]), float(xy[1])), spec.unit)

    # ------------------------------------------------------------------ totals
    @property
    def reps_by_side(self) -> dict[str, int]:
        if None in self.units:
            return {}
        return {s: u.counter.count + self.count_offset.get(s, 0) for s, u in self.units.items()}

    @property
    def total_reps(self) -> int:
        return sum(u.counter.count + self.count_offset.get(k, 0) for k, u in self.units.items())


def _msg(key: str) -> dict[str, str]:
    return {lang: message(key, lang) for lang in ("en", "es")}


def _msgs(key: str, fmt) -> dict[str, str]:
    return {lang: message(key, lang, **fmt(lang)) for lang in ("en", "es")}


def _flatten(values: dict[Optional[str], dict[str, float]]) -> dict[str, float]:
    if None in values:
        return dict(values[None])
    return {f"{k}@{s}": v for s, vals in values.items() for k, v in vals.items()}
