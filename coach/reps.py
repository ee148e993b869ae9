"""Rep counting: a phase state machine over measure values, driven by explicit timestamps.

Phases run in the order the rule file lists them and wrap around; coming back to the first
phase after the others closes one cycle. The machine only moves forward to the NEXT phase, so
the gap between neighbouring phases' thresholds is the hysteresis: jitter near one threshold
cannot flip the phase back. A phase is entered only after its ``enter`` condition has been
definitely true for ``hold_s`` (debounce); unknown values reset that timer and never advance.

Events (coach.types.RepEvent kinds):
  start      entered the first phase for the first time (or after a timeout)
  phase      entered another phase
  rep        a rep is counted (at the wrap, or when a hold reaches its target)
  incomplete an attempt that is not counted; ``reason`` and ``message`` say why
  timeout    the attempt took longer than max_rep_s; counting restarts at the first phase
  cycle      the cycle closed by returning to the first phase (rep checks run here)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from .conditions import compile_condition
from .rules.schema import RepSpec
from .types import RepEvent, RepEventKind, Side

EPS_S = 1e-6  # frame times are floats: 19.15 - 19.10 is 0.04999..., which must count as 0.05 s


# The verdicts both counters give (coach.reps for phase thresholds, coach.attempts for [rep.range]):
# one wording for the summary, the JSON and coach.runner.miss_kind.
def hold_short(spec: RepSpec, held_s: float) -> tuple[str, Optional[Mapping[str, str]]]:
    """(reason, message) for a hold released before [rep.hold].seconds."""
    assert spec.hold is not None
    return (f"held {held_s:.1f} s of {spec.hold.seconds:g} s",
            spec.hold.message or spec.incomplete_message or None)


def too_quick(spec: RepSpec, duration_s: float) -> str:
    """The reason for an attempt quicker than min_rep_s."""
    return f"quicker than {spec.min_rep_s:g} s ({duration_s:.2f} s)"


@dataclass
class _Timer:
    """How long a condition has been continuously true."""

    since: Optional[float] = None

    def update(self, ok: Optional[bool], t: float) -> float:
        if ok is True:
            if self.since is None:
                self.since = t
            return t - self.since
        self.since = None
        return -1.0


class RepCounter:
    def __init__(self, spec: RepSpec, side: Optional[Side] = None):
        self.spec = spec
        self.side = side
        self.names = [p.name for p in spec.phases]
        self._enters = [compile_condition(p.enter) for p in spec.phases]  # each phase's `enter`, compiled
        self.incomplete_idx = self.names.index(spec.incomplete_from) if spec.incomplete_from else 1
        self.hold_idx = self.names.index(spec.hold.phase) if spec.hold else None
        self.count = 0
        # None = waiting for the first phase; changed only through _set_phase, with phase_name
        # and in_rep (read several times a frame, worked out once per change)
        self.phase: Optional[int] = None
        self.phase_name: Optional[str] = None
        self.in_rep = False
        self.rep_start: Optional[float] = None  # left the first phase at this time
        self.reached = 0  # furthest phase index reached in this attempt
        self.counted = False  # this cycle's rep was already counted (holds)
        self.hold_elapsed = 0.0
        self._last_t: Optional[float] = None
        self._seen_known = False
        self._next = _Timer()
        self._back = _Timer()

    # ------------------------------------------------------------------ queries
    def _set_phase(self, idx: Optional[int]) -> None:
        self.phase = idx
        self.phase_name = None if idx is None else self.names[idx]
        self.in_rep = idx is not None and idx > 0

    @property
    def hold_target(self) -> Optional[float]:
        return self.spec.hold.seconds if self.spec.hold else None

    # ------------------------------------------------------------------ stepping
    def _event(self, kind: RepEventKind, t: float, reason: Optional[str] = None,
               message: Optional[Mapping[str, str]] = None) -> RepEvent:
        return RepEvent(kind=kind, t=t, phase=self.phase_name, rep_index=self.count, side=self.side,
                        start_t=self.rep_start, reason=reason, message=message)

    def _enter(self, idx: int, t: float) -> None:
        self._set_phase(idx)
        self.reached = max(self.reached, idx)
        self._next = _Timer()
        self._back = _Timer()

    def _reset_attempt(self) -> None:
        self.rep_start = None
        self.reached = 0
        self.counted = False
        self.hold_elapsed = 0.0

    def step(self, t: float, values: Mapping[str, float]) -> list[RepEvent]:
        """Advance to time ``t`` (seconds) with this frame's measure values (NaN = unknown)."""
        events: list[RepEvent] = []
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        phases = self.spec.phases
        n = len(phases)
        if self.phase is None:
            ok = self._enters[0](values)
            first = not self._seen_known and ok is not None
            self._seen_known = self._seen_known or ok is not None
            # The very first known frame has no earlier phase to flicker from, so it needs no
            # debounce: a video that starts at the start position starts counting at once.
            if self._next.update(ok, t) >= phases[0].hold_s - EPS_S or (first and ok):
                self._enter(0, t)
                events.append(self._event("start", t))
            return events

        i = self.phase
        # hold timer: counts only while the hold phase's own condition is definitely true
        hold = self.spec.hold  # not None when hold_idx is set
        if hold is not None and self.hold_idx is not None and i == self.hold_idx and not self.counted:
            if self._enters[i](values) is True:
                self.hold_elapsed += dt
            if self.hold_elapsed >= hold.seconds - EPS_S:
                self.counted = True
                self.count += 1
                events.append(self._event("rep", t))

        if i > 0 and self.rep_start is not None and t - self.rep_start > self.spec.max_rep_s:
            if not self.counted:
                events.append(self._event("timeout", t, reason=f"slower than {self.spec.max_rep_s:g} s: set paused"))
            self._set_phase(None)
            self._next = _Timer()
            self._reset_attempt()
            return events

        nxt = (i + 1) % n
        since = self._next.since
        if self._next.update(self._enters[nxt](values), t) >= phases[nxt].hold_s - EPS_S:
            start_of_change = since if since is not None else t
            if nxt == 0:
                events.extend(self._close(t))
            else:
                if i == 0:
                    self._reset_attempt()
                    self.rep_start = start_of_change
                self._enter(nxt, t)
                events.append(self._event("phase", t))
            return events

        if i > 0 and nxt != 0:  # fell back to the first phase without finishing?
            if self._back.update(self._enters[0](values), t) >= phases[0].hold_s - EPS_S:
                if self.reached >= self.incomplete_idx and not self.counted:
                    events.append(self._event("incomplete", t, reason=f"did not reach '{self.names[nxt]}'",
                                              message=self.spec.incomplete_message or None))
                self._enter(0, t)
                self._reset_attempt()
                events.append(self._event("phase", t))
        return events

    def finish(self, t: float, stopped: bool = False) -> list[RepEvent]:
        """The stream ended at ``t``. A rep already in its last phase (on its way back to
        the start) counts if it lasted long enough; anything earlier is left uncounted.
        ``stopped`` (stopped rather than the source running out) changes nothing here."""
        n = len(self.spec.phases)
        if self.phase is None or self.phase != n - 1 or self.counted or self.spec.hold is not None:
            return []
        return self._close(t)

    def _close(self, t: float) -> list[RepEvent]:
        """Wrap back to the first phase: count, reject, or close an already-counted hold."""
        events: list[RepEvent] = []
        duration = t - (self.rep_start if self.rep_start is not None else t)
        hold = self.spec.hold
        if self.counted:
            pass
        elif hold is not None:
            reason, message = hold_short(self.spec, self.hold_elapsed)
            events.append(self._event("incomplete", t, reason=reason, message=message))
        elif duration < self.spec.min_rep_s:
            events.append(self._event("incomplete", t, reason=too_quick(self.spec, duration)))
        else:
            self.counted = True
            self.count += 1
            events.append(self._event("rep", t))
        counted = self.counted
        self._enter(0, t)
        events.append(self._event("cycle", t, reason=None if counted else "not counted"))
        self._reset_attempt()
        return events
