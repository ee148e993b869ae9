"""Attempt segmentation relative to the member: every movement cycle of one measure is judged.

Used when a rule file has ``[rep.range]`` (coach.rules.schema.RangeSpec). The primary measure is
turned into *travel*: how far it has moved from rest toward the far end of the exercise, in the
measure's own unit (positive = away from rest, whatever the measure's sign). A zig-zag with
hysteresis cuts the travel signal into strokes:

    REST --(travel rises by `turn` above the lowest rest value)--> OUT
    OUT  --(reaches the count point)--> FAR          OUT --(turns back by `turn`)--> incomplete (short)
    FAR  --(turns back by `turn` from the peak)--> BACK
    BACK --(comes back `return_at` of the way to rest)--> rep (or incomplete: too quick / hold short)
    BACK --(turns out again by `turn` before that)--> incomplete (did not return) + a new attempt

``turn`` is relative to the movement's own size: the larger of ``noise`` and ``turn_share`` of the
member's range. The member's **rest** is the median start of their recent counted attempts (the
latest start until one counts) and their **range** the median travel of recent counted attempts,
or both come from a calibration profile. The count point is ``count_at`` of that range, never
less than ``min_travel`` nor more than ``max_travel`` (the therapist's bounds). Before any
attempt has counted the count point is ``min_travel``: the first cycles calibrate.

A partial attempt never merges into the next and is never counted as full. Unknown values
(NaN) never advance anything; only the max_rep_s timeout runs on time alone.

The counter speaks the same events as coach.reps.RepCounter (start, phase, rep, incomplete,
timeout, cycle), so checks, the summary and the sinks see one rep lifecycle. Stages map onto the
rule file's phase names: rest -> the first phase, out -> the second, far -> the hold phase (or
the one before last), back -> the last.
"""
from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Mapping, Optional

from .conditions import evaluate
from .reps import EPS_S
from .rules.schema import RepSpec
from .types import RepEvent

REST, OUT, FAR, BACK = "rest", "out", "far", "back"
# How many recent counted attempts the personal rest and range are the median of. Raise for a
# steadier estimate; lower to follow a member who warms up (range growing over a set) sooner.
HISTORY = 5


@dataclass(frozen=True)
class Personal:
    """A member's rest value and range for one measure (measure's unit), e.g. from a profile.
    rest: the measure's value at rest; range: how far a comfortable full rep travels (> 0)."""

    rest: float
    range: float


class AttemptCounter:
    """Drop-in for coach.reps.RepCounter when the rule file has [rep.range]."""

    def __init__(self, spec: RepSpec, side: Optional[str] = None, personal: Optional[Personal] = None):
        assert spec.range is not None
        self.spec = spec
        self.rng = spec.range
        self.side = side
        self.names = [p.name for p in spec.phases]
        n = len(self.names)
        self.hold_idx = self.names.index(spec.hold.phase) if spec.hold else None
        far = self.hold_idx if self.hold_idx is not None else (n - 2 if n >= 4 else n - 1)
        back = n - 1 if n >= 4 else far
        self._stage_phase = {REST: 0, OUT: 1, FAR: far, BACK: back}
        self.sign = 1.0 if self.rng.toward == "up" else -1.0
        self.count = 0
        self.stage: Optional[str] = None  # None = nothing known yet
        self.counted = False
        self.hold_elapsed = 0.0
        self.rep_start: Optional[float] = None
        self._last_t: Optional[float] = None
        self._low = math.inf  # lowest travel since resting / turning (the next attempt's start)
        self._low_t = 0.0
        self._start = 0.0  # travel at this attempt's start
        self._peak = -math.inf
        self._peak_t = 0.0
        self._starts: deque[float] = deque(maxlen=HISTORY)  # starts of counted attempts
        self._travels: deque[float] = deque(maxlen=HISTORY)  # travels of counted attempts
        self._last_start: Optional[float] = None
        self.personal = personal
        self.attempts = 0

    # ------------------------------------------------------------------ queries (RepCounter's)
    @property
    def phase(self) -> Optional[int]:
        return None if self.stage is None else self._stage_phase[self.stage]

    @property
    def phase_name(self) -> Optional[str]:
        return None if self.stage is None else self.names[self._stage_phase[self.stage]]

    @property
    def in_rep(self) -> bool:
        return self.stage in (OUT, FAR, BACK)

    @property
    def hold_target(self) -> Optional[float]:
        return self.spec.hold.seconds if self.spec.hold else None

    # ------------------------------------------------------------------ the member's own scale
    def to_value(self, travel: float) -> float:
        """A travel back in the measure's own values."""
        return self.sign * travel

    @property
    def rest(self) -> Optional[float]:
        """Rest, in travel units (sign * value)."""
        if self._starts:
            return statistics.median(self._starts)
        if self.personal is not None:
            return self.sign * self.personal.rest
        return self._last_start

    @property
    def range(self) -> Optional[float]:
        """The member's own range (measure's unit), None until known."""
        if self._travels:
            return statistics.median(self._travels)
        if self.personal is not None:
            return self.personal.range
        return None

    @property
    def required(self) -> float:
        """Travel from rest an attempt must reach to count (measure's unit), within the bounds."""
        r = self.rng
        need = r.min_travel if self.range is None else r.count_at * self.range
        if r.max_travel:
            need = min(need, r.max_travel)
        return max(need, r.min_travel)

    @property
    def turn(self) -> float:
        """The least reversal that ends a stroke (measure's unit): relative to the movement's own
        size, i.e. the member's range, or this attempt's travel so far when that is larger."""
        size = max(self.range or 0.0, self._peak - self._start if self.in_rep else 0.0)
        return max(self.rng.noise, self.rng.turn_share * size)

    def count_point(self) -> Optional[float]:
        """The measure value a rep must reach, in the measure's unit (None before any rest is known)."""
        rest = self.rest
        return None if rest is None else self.to_value(rest + self.required)

    # ------------------------------------------------------------------ stepping
    def _event(self, kind: str, t: float, **kw) -> RepEvent:
        return RepEvent(kind=kind, t=t, phase=self.phase_name, rep_index=self.count, side=self.side,
                        start_t=self.rep_start, **kw)

    def _go(self, stage: str, t: float, events: list[RepEvent]) -> None:
        before = self.phase
        self.stage = stage
        if self.phase != before:
            events.append(self._event("phase", t))

    def _rest_at(self, y: float, t: float) -> None:
        self._low, self._low_t = y, t
        self.rep_start = None
        self.counted = False
        self.hold_elapsed = 0.0

    def _begin(self, t: float, events: list[RepEvent]) -> None:
        self._start = self._low
        self._last_start = self._low
        self.rep_start = self._low_t
        self._peak, self._peak_t = self._low, self._low_t
        self.counted = False
        self.hold_elapsed = 0.0
        self.attempts += 1
        self._go(OUT, t, events)

    def _travel(self) -> float:
        """This attempt's travel from the member's rest (or its own start, if lower)."""
        rest = self.rest
        base = self._start if rest is None else min(rest, self._start)
        return self._peak - base

    def _numbers(self) -> dict:
        cp = self.count_point()
        return {"reached": self.to_value(self._peak), "target": cp}

    def _incomplete(self, t: float, reason: str, message, events: list[RepEvent]) -> None:
        if not self.counted:
            events.append(self._event("incomplete", t, reason=reason, message=message or None, **self._numbers()))

    def _learn(self) -> None:
        self._starts.append(self._start)
        self._travels.append(self._peak - self._start)

    def step(self, t: float, values: Mapping[str, float]) -> list[RepEvent]:
        """Advance to time ``t`` (seconds) with this frame's measure values (NaN = unknown)."""
        events: list[RepEvent] = []
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        r, spec = self.rng, self.spec
        if self.in_rep and self.rep_start is not None and t - self.rep_start > spec.max_rep_s:
            if not self.counted:
                events.append(self._event("timeout", t, reason=f"slower than {spec.max_rep_s:g} s: set paused",
                                          **self._numbers()))
            self._go(REST, t, events)
            self._rest_at(math.inf, t)
            return events
        if r.gate is not None and evaluate(r.gate, values) is False:
            if self.in_rep:  # turned away, stood up...: the attempt means nothing, say nothing
                self._go(REST, t, events)
            if self.stage is not None:
                self._rest_at(math.inf, t)
            return events
        v = values.get(r.measure, math.nan)
        if v is None or math.isnan(v):
            return events
        y = self.sign * v
        if self.stage is None:
            self._rest_at(y, t)
            self.stage = REST
            events.append(self._event("start", t))
            return events
        turn = self.turn
        if self.stage == REST:
            if y < self._low:
                self._low, self._low_t = y, t
            elif y > self._low + turn:
                self._begin(t, events)
                self._out(y, t, events)
            return events
        if self.stage == OUT:
            self._out(y, t, events)
            return events
        if self.stage == FAR:
            if y > self._peak:
                self._peak, self._peak_t = y, t
            if self.hold_idx is not None:
                self._hold(y, dt, t, events)
            if y < self._peak - turn:
                self._low, self._low_t = y, t
                self._go(BACK, t, events)
                self._back(y, t, events)
            return events
        self._back(y, t, events)
        return events

    def _out(self, y: float, t: float, events: list[RepEvent]) -> None:
        if y > self._peak:
            self._peak, self._peak_t = y, t
        rest = self.rest
        base = self._start if rest is None else min(rest, self._start)
        if y >= base + self.required:
            self._go(FAR, t, events)
            return
        if y < self._peak - self.turn:  # turned back before the count point
            msg = self.rng.short_message or self.spec.incomplete_message
            need = self.count_point()
            self._incomplete(t, f"short: reached {self.to_value(self._peak):.3g}, counts at "
                             f"{need:.3g}" if need is not None else "short", msg, events)
            self._go(REST, t, events)
            self._rest_at(y, t)

    def _hold(self, y: float, dt: float, t: float, events: list[RepEvent]) -> None:
        rest = self.rest
        base = self._start if rest is None else min(rest, self._start)
        if not self.counted and y >= base + self.required - self.rng.noise:
            self.hold_elapsed += dt
            if self.hold_elapsed >= self.spec.hold.seconds - EPS_S:
                self.counted = True
                self.count += 1
                self._learn()
                events.append(self._event("rep", t, **self._numbers()))

    def _back(self, y: float, t: float, events: list[RepEvent]) -> None:
        rest = self.rest
        home = self._start if rest is None else min(rest, self._start)
        if y < self._low:
            self._low, self._low_t = y, t
        if y <= self._peak - self.rng.return_at * (self._peak - home):
            self._close(t, events)
            self._go(REST, t, events)
            self._rest_at(y, t)
            return
        if y > self._low + self.turn:  # going out again without having come back
            if self.counted:  # a counted hold sagged and came back up: the same attempt goes on
                self._go(FAR, t, events)
                return
            msg = self.rng.return_message or self.spec.incomplete_message
            if not self.counted:
                back_to = self._peak - self.rng.return_at * (self._peak - home)
                events.append(self._event(
                    "incomplete", t, reason=f"did not return: came back to {self.to_value(self._low):.3g}, "
                    f"the next rep starts from {self.to_value(back_to):.3g}", message=msg or None,
                    reached=self.to_value(self._low), target=self.to_value(back_to)))
            self._go(REST, t, events)
            self._begin(t, events)
            self._out(y, t, events)

    def _close(self, t: float, events: list[RepEvent]) -> None:
        """Back at rest after reaching the far end: count, or say why not."""
        duration = t - (self.rep_start if self.rep_start is not None else t)
        hold = self.spec.hold
        if self.counted:
            pass
        elif hold is not None:
            events.append(self._event("incomplete", t, reason=f"held {self.hold_elapsed:.1f} s of {hold.seconds:g} s",
                                      message=hold.message or self.spec.incomplete_message or None,
                                      **self._numbers()))
        elif duration < self.spec.min_rep_s:
            events.append(self._event("incomplete", t, reason=f"quicker than {self.spec.min_rep_s:g} s "
                                      f"({duration:.2f} s)", **self._numbers()))
        else:
            self.counted = True
            self.count += 1
            self._learn()
            events.append(self._event("rep", t, **self._numbers()))
        events.append(self._event("cycle", t, reason=None if self.counted else "not counted"))

    def finish(self, t: float) -> list[RepEvent]:
        """The stream ended at ``t`` (the member stopped, or the clip was cut): an attempt that
        had already reached the count point counts, if it lasted min_rep_s. Holds count only
        when held (that is decided while they run)."""
        if self.stage not in (FAR, BACK) or self.counted or self.spec.hold is not None:
            return []
        events: list[RepEvent] = []
        self._close(t, events)
        self._go(REST, t, events)
        return events
