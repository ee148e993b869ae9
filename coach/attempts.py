"""Attempt segmentation relative to the member: every movement cycle of one measure is judged.

Used when a rule file has ``[rep.range]`` (coach.rules.schema.RangeSpec). The primary measure is
turned into *travel*: how far it has moved from rest toward the far end of the exercise, in the
measure's own unit (positive = away from rest, whatever the measure's sign). A zig-zag with
hysteresis cuts the travel signal into strokes:

    PRE  --(still for STILL_S)--> REST       PRE --(moving out)--> OUT, start unknown (see PRE below)
    PRE  --(still at the far phase, then a full rep's way back)--> rep (a rep under way at the start)
    REST --(travel a turn above the rest point for START_FRAMES)--> OUT (shown once big enough)
    OUT  --(reaches the count point)--> FAR          OUT --(turns back by `turn`)--> incomplete (short)
    FAR  --(turns back by `turn` from the peak)--> BACK
    BACK --(comes back `return_at` of the way to rest)--> rep, or incomplete (too quick, hold too
          short), then SETTLE until the member is home
    BACK --(turns out again by `turn` before that)--> incomplete (did not return) + a new attempt

``turn`` is relative to the movement's own size: the larger of ``noise`` and ``turn_share`` of the
member's range (or of this attempt's travel so far). The member's **rest** is the median start
of their recent counted attempts and their **range** the median travel, with a calibration
profile weighing as PRIOR_WEIGHT of those reps. The count point is ``count_at`` of that range,
never less than ``min_travel`` nor more than ``max_travel`` (the therapist's bounds). Before any
attempt has counted the count point is ``min_travel``: the first cycles calibrate.

A member unseen for LOST_S between attempts is like a stream starting: a stroke that leaves
as soon as they are seen again has no known start, and its way out counts as seen only from
where it was seen again.

A partial attempt never merges into the next and is never counted as full. Unknown values
(NaN) never advance anything and never decide a verdict (a way back out of view is not judged);
only the max_rep_s timeout runs on time alone. Strokes too small to be attempts, attempts the
``gate`` stops and strokes that fail ``require`` at their far end are dropped without a word.
Alternating sides (``peer``) take turns. ``by_view`` and ``fallback`` switch the primary measure
between attempts; the member's scale is then learnt again.

The counter speaks the same events as coach.reps.RepCounter (start, phase, rep, incomplete,
timeout, cycle), so checks, the summary and the sinks see one rep lifecycle. Stages map onto the
rule file's phase names: rest -> the first phase, out -> the second, far -> the hold phase (or,
with 4+ phases, the one before last; with 2-3, the last), back and settle -> the last.
"""
from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Mapping, Optional, TypedDict

from .conditions import compile_condition
from .reps import EPS_S, hold_short, too_quick
from .rules.schema import RepSpec
from .types import RepEvent, RepEventKind, Side, View

PRE, REST, OUT, FAR, BACK, SETTLE = "pre", "rest", "out", "far", "back", "settle"
# How many recent counted attempts the personal rest and range are the median of. Raise for a
# steadier estimate; lower to follow a member who warms up (range growing over a set) sooner.
HISTORY = 5
# A profile's rest and range count as this many of the member's recent reps: it steers the first
# reps and still weighs once the session's own reps come in (a tired or warming-up set moves the
# estimate, one odd rep does not). Raise to trust profiles more; lower to follow the session.
PRIOR_WEIGHT = 2
# Alternating exercises (a counter per side): a side's stroke must reach at least this share of
# the other side's range to count; below it, it is the supporting side moving along (the back
# hip in a lunge). Lower for members with a known one-sided restriction.
PEER_SHARE = 0.5
# The member's rest comes from their own counted attempts once this many have counted (before
# that each attempt is judged from its own start): one odd start, such as the first frames after
# the person is found, must not move it. Raise for a steadier rest; lower to personalise sooner.
MIN_STARTS = 3
# The stream's first moments (PRE). The first TRUST_S seconds after the person is found are
# followed, never used as a start (the pose settles: one clip's first frames read 0.86 for a
# 0.75 shoulder width). A stream that is then still for STILL_S is at rest wherever it is. One
# that starts moving out may be mid-rep: its first attempt has no known start and counts if
# either its way out or its way back is a full rep; so does one seen rising to a peak and then
# coming a full rep's way back, and one still for STILL_S where the rule file's own far phase
# holds (a reverse fly's arms already open when the elbows are first seen). A stream that starts
# on the way back, or in a hold (a bridge already up: neither the rise nor the start of the hold
# was seen), shows only the end of a rep done before it: not counted (as the clips' labellers
# judged).
# Raise TRUST_S if first frames jitter longer.
TRUST_S = 0.3
STILL_S = 0.5
# After a decided rep the last phase lasts until the member is back within `noise` of rest, or
# this long at most (s): checks of the way back (a rushed return) keep watching meanwhile.
SETTLE_MAX_S = 1.0
# Known frames in a row the measure must be a turn above rest before an attempt starts (debounce:
# one jittery sample is not a movement). Raise for very noisy measures; 2 costs one frame.
START_FRAMES = 2
# A stroke still (within `noise`) this long (s) on its way out, before its far stage, that then goes
# further out was a change of position (kneeling, then on all fours), not an attempt: the next
# stroke starts where the member settled. Lower it and a slow member's pause on the way down
# splits their rep; raise it and settling into position counts as the start of a rep.
POSITION_S = 2.0
# The stream's end: an attempt at the far stage whose measure still moved out over the last END_S
# seconds at more than GOING_SHARE of its mean speed out is still on its way out, not at its far
# end (a clip cut mid-pull), and is not counted; one that has slowed down to its far end is.
# Raise GOING_SHARE to count more such last attempts; END_S spans a few frames at 15 fps.
END_S = 0.2
GOING_SHARE = 0.5
_TRAIL_S = END_S + EPS_S  # how long the trail of known values is kept (s; see step)
# A gap of unknown values longer than this (s) on the way back means the return was not seen.
GAP_S = 0.3
# The measure unknown this long (s) between attempts: a whole rep fits in the gap, so where the
# member is when next seen is not known to be their rest. A stroke that leaves within STILL_S of
# being seen again has no known start (like a stream's first stroke): it counts if its way out or
# its way back is a full rep, and a short way out is not called short. Motivated by
# jumping_jack__webcam-overlay-front cropped: hands at the sides below the picture, the first
# sample after 2 s unseen was an arm already half raised, and the full jack from there "fell
# short" (a rep counts at -20 deg). Raise if brief dropouts of a member at rest hide short reps;
# lower toward GAP_S for fast exercises.
LOST_S = 1.0
# The primary measure must be unknown this long (s) before the fallback measure takes over, and
# known again this long before it takes back. Raise if the counter switches back and forth.
FALLBACK_S = 1.0
# When the fallback takes over, it is followed from the moment the primary was last known, at
# most this long back (s): the frames in between are replayed, so the switch's own debounce
# (FALLBACK_S) hides nothing: a squat whose ankles leave the picture on the way down is seen
# going down on the hip angle. Keep it above FALLBACK_S; raise it together with FALLBACK_S.
REPLAY_S = 2.0


class _Numbers(TypedDict):
    """What an attempt was judged against (RepEvent.reached / .target), in the measure's unit."""

    reached: Optional[float]
    target: Optional[float]


@dataclass(frozen=True)
class Personal:
    """A member's rest value and range for one measure (measure's unit), e.g. from a profile.
    rest: the measure's value at rest; range: how far a comfortable full rep travels (> 0)."""

    rest: float
    range: float


class AttemptCounter:
    """Drop-in for coach.reps.RepCounter when the rule file has [rep.range]."""

    def __init__(self, spec: RepSpec, side: Optional[Side] = None, personal: Optional[Personal] = None):
        assert spec.range is not None
        self.spec = spec
        self.rng = spec.range
        self.side = side
        self.names = [p.name for p in spec.phases]
        n = len(self.names)
        self.hold_idx = self.names.index(spec.hold.phase) if spec.hold else None
        far = self.hold_idx if self.hold_idx is not None else (n - 2 if n >= 4 else n - 1)
        back = n - 1 if n >= 4 else far
        # SETTLE: the rep is decided, the member is still finishing the way back (frame checks
        # of the last phase, such as a rushed return, keep watching until they are home)
        self._stage_phase = {PRE: 0, REST: 0, OUT: 1, FAR: far, BACK: back, SETTLE: back}
        self.sign = 1.0 if self.rng.toward == "up" else -1.0
        # the conditions read every frame, compiled: the gate, `require` and the far phase's own
        # `enter` (see _pre)
        self._gate = None if self.rng.gate is None else compile_condition(self.rng.gate)
        self._require = None if self.rng.require is None else compile_condition(self.rng.require)
        self._far_enter = compile_condition(spec.phases[far].enter)
        self.count = 0
        # stage and _confirmed change only through _set_stage / _set_confirmed (see _show)
        self.stage: Optional[str] = None  # None = nothing known yet
        self.counted = False
        self.hold_elapsed = 0.0
        self.rep_start: Optional[float] = None
        self._last_t: Optional[float] = None
        self._low = math.inf  # lowest travel since resting / turning (the next attempt's start)
        self._low_t = 0.0
        self._start = 0.0  # travel at this attempt's start
        self._peak = -math.inf
        self._starts: deque[float] = deque(maxlen=HISTORY)  # starts of counted attempts
        self._travels: deque[float] = deque(maxlen=HISTORY)  # travels of counted attempts
        self._still_y = 0.0  # PRE: where the member was when they last moved by a turn
        self._still_t = 0.0
        self._first_t = 0.0
        self._first_y = 0.0
        self._far_start = False  # PRE: the stream began still at the far end (see _pre)
        self._far_held = 0.0  # PRE: seconds the far phase's condition held since the stream began
        self._settle_home = 0.0
        self._known_t = -math.inf  # time of the last known value, and of the one before it
        self._prev_known_t = -math.inf
        self._unseen_back = False  # the way back of this attempt had a gap longer than GAP_S
        self._unseen_far = False  # the far stage (a hold) of this attempt had a gap longer than GAP_S
        self._seen_again_t: Optional[float] = None  # seen again after LOST_S unknown, between attempts
        self._seen_again_y = 0.0  # the travel then
        self._seen_from = 0.0  # travel where this attempt was first seen (its start, if anchored)
        self._y_now = -math.inf  # the last known travel, and the one before it
        self._y_prev = -math.inf
        self._values: Mapping[str, float] = {}
        self._gate_base: Mapping[str, float] = {}
        self._low_values: Mapping[str, float] = {}  # every measure at the rest point
        self._settle_t = 0.0
        self._anchored = True
        self._confirmed = False  # the stroke is big enough to be an attempt (see _too_small)
        self.phase: Optional[int] = None  # what the stage shows (see _show)
        self.phase_name: Optional[str] = None
        self.in_rep = False
        self._begun = False  # a stroke has started at least once (its start is known)
        self._above = 0  # REST: known frames in a row above the start threshold
        self._recent: deque[float] = deque(maxlen=3)  # the last known values (travel units)
        self._conf_n = 0  # OUT: known frames in a row the stroke has been big enough
        self._leave_t = 0.0
        self._mid_rep_peak: Optional[float] = None  # REST: peak of a stream's unanchored first stroke
        self._plateau_y = 0.0  # OUT: where the stroke last moved by more than `noise`, and when
        self._plateau_t = 0.0
        self._plateau_last = 0.0  # OUT: the last value within `noise` of it (where they settled)
        self.personal = personal
        self._rest: Optional[float] = None
        self._range: Optional[float] = None
        self._rescale()
        self.attempts = 0
        self.peer: Optional["AttemptCounter"] = None  # the other side's counter (alternate)
        self.gated_since: Optional[float] = None  # the gate has been definitely false since (s)
        self.dropped = 0  # strokes dropped for failing `require` (see _dropped)
        self.measure = self.rng.measure  # the primary measure in use (see by_view)
        self.view: Optional[View] = None  # the camera view, set by the engine before each step
        self._preferred = self.rng.measure  # the measure for the view (before any fallback)
        self._seen_t: dict[str, float] = {}  # measure -> last time it was known (fallback)
        self._known_since: dict[str, float] = {}  # measure -> known without a gap since
        self._required: Optional[bool] = None  # `require` this attempt: None never known, then ever true
        self._frames: deque[tuple[float, Mapping[str, float]]] = deque()  # recent (t, values), fallback only
        self._trail: deque[tuple[float, float]] = deque()  # known (t, travel) of the last END_S (finish)
        self._replaying = False

    # ------------------------------------------------------------------ queries (RepCounter's)
    def _set_stage(self, stage: Optional[str]) -> None:
        self.stage = stage
        self._show()

    def _set_confirmed(self, confirmed: bool) -> None:
        self._confirmed = confirmed
        self._show()

    def _show(self) -> None:
        """What the stage shows, worked out when it or _confirmed changes (_set_stage,
        _set_confirmed: the only writers of either), not each time it is read (several times a
        frame, by the engine, the checks, the lifecycle and this counter):
        phase: the rule file's phase index (None before anything is known); a stroke too small
        to be an attempt yet still reads rest. phase_name: its name. in_rep: in an attempt."""
        stage, confirmed = self.stage, self._confirmed
        self.phase = None if stage is None else 0 if stage == OUT and not confirmed else self._stage_phase[stage]
        self.phase_name = None if self.phase is None else self.names[self.phase]
        self.in_rep = stage in (FAR, BACK) or (stage == OUT and confirmed)

    @property
    def hold_target(self) -> Optional[float]:
        return self.spec.hold.seconds if self.spec.hold else None

    # ------------------------------------------------------------------ the member's own scale
    def to_value(self, travel: float) -> float:
        """A travel back in the measure's own values."""
        return self.sign * travel

    @property
    def rest(self) -> Optional[float]:
        """The member's rest in travel units (sign * value): the median start of their recent
        counted attempts, with a profile's rest weighing as PRIOR_WEIGHT of them; None while
        unknown (attempts then use their own start)."""
        return self._rest

    @property
    def range(self) -> Optional[float]:
        """The member's own range (measure's unit): the median travel of their recent counted
        attempts, with a profile's range weighing as PRIOR_WEIGHT of them; None until known."""
        return self._range

    def _rescale(self) -> None:
        """Recompute rest and range: after a counted rep, a profile or a change of measure
        (they are read several times a frame and change only then)."""
        starts, travels = list(self._starts), list(self._travels)
        if self.personal is not None:
            starts += [self.sign * self.personal.rest] * PRIOR_WEIGHT
            travels += [self.personal.range] * PRIOR_WEIGHT
        known = len(self._starts) >= MIN_STARTS or self.personal is not None
        self._rest = statistics.median(starts) if known else None
        self._range = statistics.median(travels) if travels else None

    @property
    def learnt_reps(self) -> int:
        """Counted reps this session (the learnt rest and range use the last HISTORY of them)."""
        return self.count if self._travels else 0

    @property
    def learnt_rest(self) -> float:
        """Median start of the counted attempts, in the measure's own values."""
        return self.to_value(statistics.median(self._starts))

    @property
    def learnt_range(self) -> float:
        return statistics.median(self._travels)

    @property
    def required(self) -> float:
        """Travel from rest an attempt must reach to count (measure's unit), within the bounds."""
        r = self.rng
        rng = self._range
        need = r.min_travel if rng is None else r.count_at * rng
        if self.peer is not None:
            need = max(need, PEER_SHARE * self.peer._size())
        if r.max_travel:
            need = min(need, r.max_travel)
        return max(need, r.min_travel)

    @property
    def turn(self) -> float:
        """The least reversal that ends a stroke (measure's unit): relative to the movement's own
        size, i.e. the member's range, or this attempt's travel so far when that is larger."""
        size = max(self._range or 0.0, self._peak - self._start if self.in_rep else 0.0)
        return max(self.rng.noise, self.rng.turn_share * size)

    def progress(self) -> Optional[float]:
        """How far the member is now toward the point where this attempt counts: 0 at their
        rest (or this attempt's start), 1 at the count point (clamped to 0..1); None while the
        measure or the starting point is unknown. For the overlay's bar: a fraction of the
        member's own target, never a raw measure value."""
        base = self._base()
        v = self._values.get(self.measure, math.nan)
        if base is None or v is None or math.isnan(v):
            return None
        need = self.required
        if not need > 0:
            return None
        fraction: float = min(1.0, max(0.0, (self.sign * v - base) / need))
        return fraction

    def count_point(self) -> Optional[float]:
        """The measure value a rep must reach, in the measure's unit (None before any attempt)."""
        base = self._base()
        return None if base is None else self.to_value(base + self.required)

    def _base(self) -> Optional[float]:
        """Where this attempt's travel is measured from: the member's rest, or the attempt's own
        start when that is nearer rest (or when the rest is not known yet)."""
        rest = self._rest
        if not self._begun:
            return rest
        if rest is None and self._starts:  # before MIN_STARTS: the most rest-ward counted start
            rest = min(self._starts)
        return self._start if rest is None else min(rest, self._start)

    def _home(self) -> float:
        """``_base()`` where an attempt has begun, so it is always known (the attempt's start)."""
        base = self._base()
        if base is None:  # before any stroke began with no rest known: no caller is there
            raise RuntimeError("attempt base asked for before any attempt began")
        return base

    # ------------------------------------------------------------------ stepping
    def _event(self, kind: RepEventKind, t: float, reason: Optional[str] = None,
               message: Optional[Mapping[str, str]] = None, reached: Optional[float] = None,
               target: Optional[float] = None) -> RepEvent:
        return RepEvent(kind=kind, t=t, phase=self.phase_name, rep_index=self.count, side=self.side,
                        start_t=self.rep_start, reason=reason, message=message, reached=reached, target=target)

    def _go(self, stage: str, t: float, events: list[RepEvent]) -> None:
        before = self.phase
        self._set_stage(stage)
        if stage in (FAR, BACK) and not self._confirmed:
            self._set_confirmed(True)
            self.attempts += 1
        if self.phase != before:
            events.append(self._event("phase", t))

    def _rest_at(self, y: float, t: float) -> None:
        self._mid_rep_peak = None
        self._above = 0
        self._recent.clear()  # the rest point's median starts afresh here
        self._low, self._low_t = y, t
        self._low_values = self._values
        self._leave_t = t
        self.rep_start = None
        self.counted = False
        self.hold_elapsed = 0.0

    def _begin(self, t: float, events: list[RepEvent]) -> None:
        self._mid_rep_peak = None
        self._start = self._low
        self._begun = True
        self._conf_n = 0
        self._plateau_y, self._plateau_t, self._plateau_last = self._low, t, self._low
        # when the member left rest (not when rest began): the last frame near the low point
        self.rep_start = max(self._leave_t, self._low_t)
        self._set_confirmed(False)
        self._peak = self._low
        self.counted = False
        self.hold_elapsed = 0.0
        self._required = None
        self._unseen_back = False
        self._unseen_far = False
        # seen again after a gap a rep fits in and left at once: the start was not seen (LOST_S)
        self._anchored = self._seen_again_t is None or self.rep_start - self._seen_again_t >= STILL_S - EPS_S
        self._seen_from = self._start if self._anchored or self._seen_again_t is None else self._seen_again_y
        self._seen_again_t = None
        self._gate_base = self._low_values  # max_drift in the gate is measured from the rest point
        self._go(OUT, t, events)

    def _numbers(self) -> _Numbers:
        cp = self.count_point()
        return {"reached": self.to_value(self._peak), "target": cp}

    def _incomplete(self, t: float, reason: str, message: Optional[Mapping[str, str]],
                    events: list[RepEvent]) -> None:
        if self._required is False:  # not this exercise's movement: no verdict (see _dropped)
            self._dropped()
        elif not self.counted:
            events.append(self._event("incomplete", t, reason=reason, message=message or None, **self._numbers()))

    def _dropped(self) -> None:
        """A stroke that failed `require` at its far end: no verdict of its own. A member doing
        only such strokes (arms raised without a jump) must still hear why nothing counts: the
        engine speaks once several in a row have been dropped (`dropped`)."""
        if self.peer is None:  # alternate: the resting side mirrors the working one, not a member's try
            self.dropped += 1

    def _far_level(self) -> float:
        """Travel where the far stage (the phase checks call e.g. "flexed") begins: the count
        point once the member's range is known; before that, for a moving exercise, the
        therapist's full-range bound, so that the stages keep their meaning on the first reps
        (an attempt that turns back short of it but past the count point still counts)."""
        need = self.required
        if self.range is None and self.hold_idx is None and self.rng.max_travel:
            return max(need, self.rng.count_at * self.rng.max_travel)
        return need

    @property
    def busy(self) -> bool:
        """In an attempt, or finishing one (alternate sides take turns; see step). An attempt
        whose `require` was seen false at its far end is no attempt and blocks nothing."""
        return (self.in_rep or self.stage == SETTLE) and self._required is not False

    def _size(self) -> float:
        """How big this side's movement is: its range, or the current attempt's travel."""
        return max(self._range or 0.0, self._peak - self._start if self.in_rep else 0.0)

    def _too_small(self, travel: float) -> bool:
        """A stroke below half of min_travel or 1.5 x noise, or (alternate) below PEER_SHARE of what the other
        side is doing, is not an attempt (the supporting leg of a lunge moving along)."""
        if travel < max(0.5 * self.rng.min_travel, 1.5 * self.rng.noise):
            return True  # rest jitter: a running minimum of a noisy signal is biased low
        return self.peer is not None and travel < PEER_SHARE * self.peer._size()

    def _require_met(self) -> bool:
        """Only a `require` seen and never true blocks a count: unknown is not false."""
        return self.rng.require is None or self._required is not False

    def _learn(self) -> None:
        base = self._base()
        self._starts.append(self._start)
        self._travels.append(self._peak - (self._start if base is None else base))
        self._rescale()

    def step(self, t: float, values: Mapping[str, float]) -> list[RepEvent]:
        """Advance to time ``t`` (seconds) with this frame's measure values (NaN = unknown)."""
        events: list[RepEvent] = []
        if self.rng.fallback and not self._replaying:
            self._frames.append((t, values))
            while self._frames and t - self._frames[0][0] > REPLAY_S + EPS_S:
                self._frames.popleft()
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
        if self._gate is not None and self._gate(values, self._gate_base if self.in_rep else None) is False:
            self.gated_since = t if self.gated_since is None else self.gated_since
            if self.in_rep:  # turned away, stood up...: the attempt means nothing, say nothing
                self._go(REST, t, events)
            if self.stage is not None:
                self._rest_at(math.inf, t)
            return events
        self.gated_since = None
        # (one measure only, without by_view or a fallback: nothing to pick)
        since = None if self._replaying or not (r.by_view or r.fallback) else self._pick_measure(t, values)
        if since is not None:  # a new measure: follow it from when the old one stopped telling
            self._replaying = True
            try:
                for tf, vf in list(self._frames):
                    if since - EPS_S <= tf < t - EPS_S:
                        events += self.step(tf, vf)
            finally:
                self._replaying = False
            dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
            self._last_t = t
        v = values.get(self.measure, math.nan)
        self._values = values
        if v is None or math.isnan(v):
            return events
        self._prev_known_t, self._known_t = self._known_t, t
        y = self.sign * v
        if t - self._prev_known_t >= LOST_S - EPS_S and self.stage not in (None, PRE) and not self.in_rep:
            self._seen_again_t, self._seen_again_y = t, y  # see LOST_S
        self._y_prev, self._y_now = self._y_now, y
        self._recent.append(y)
        trail = self._trail
        trail.append((t, y))
        while trail and t - trail[0][0] > _TRAIL_S:
            trail.popleft()
        require = self._require  # r.require, compiled (None without one)
        if (require is not None and self._required is not True and self.stage in (OUT, FAR, BACK)
                and y >= self._home() + self.required):
            # `require` is judged at the far end only (past the count point): the feet apart at
            # the top of a jumping jack, the arm under the body when threaded
            ok = require(values)
            if ok is not None:
                self._required = ok
        if self.peer is not None and self.peer.busy and self.stage in (PRE, REST, OUT) and not self.in_rep:
            # alternate: one side works at a time. While the other side is in an attempt (or still
            # settling after one), this side only follows: in thread the needle the resting side's
            # shoulder line mirrors the working side's, which would look like a rep of its own.
            if self.stage is None:
                events.append(self._event("start", t))
            self._set_stage(REST)
            self._rest_at(y, t)
            return events
        if self.stage is None:
            self._rest_at(y, t)
            self._peak = y
            self._still_y, self._still_t = y, t
            self._first_t, self._first_y = t, y
            self._set_stage(PRE)
            events.append(self._event("start", t))
            return events
        if self.stage == PRE:
            self._pre(y, t, dt, events)
            return events
        if self.stage == REST:
            if self._mid_rep_peak is not None and self._mid_rep_back(y, t, events):
                return events
            if y <= self._low + self.rng.noise:
                self._leave_t = t
            # the rest point follows the median of the last 3 values, not single samples: a
            # running minimum of a noisy signal sits on its lowest spike (a relaxed head angle
            # wandering +-5 deg made later strokes look 14 deg long); the middle one of the
            # three sorted is their median (statistics.median's value, at a fraction of its cost)
            y_rest = sorted(self._recent)[1] if len(self._recent) == 3 else y
            if y_rest < self._low:
                self._low, self._low_t = y_rest, t
                self._low_values = self._values
            self._above = self._above + 1 if y > self._low + self.turn else 0
            if self._above >= START_FRAMES:  # debounced: one jittery sample is not a start
                self._begin(t, events)
                self._out(y, t, events)
            return events
        if self.stage == OUT:
            self._out(y, t, events)
            return events
        if self.stage == FAR:
            turn = self.turn  # from the peak before this frame
            if t - self._prev_known_t > GAP_S:
                self._unseen_far = True
            if y > self._peak:
                self._peak = y
            if self.hold_idx is not None:
                self._hold(y, dt, t, events)
            if y < self._peak - turn:
                self._low, self._low_t = y, t
                self._go(BACK, t, events)
                self._back(y, t, events)
            return events
        if self.stage == SETTLE:
            self._settle(y, t, events)
            return events
        if self.hold_idx is not None:
            self._hold(y, dt, t, events)
        self._back(y, t, events)
        return events

    def _pick_measure(self, t: float, values: Mapping[str, float]) -> Optional[float]:
        """The rule file's measure for the current camera view (by_view), or its fallback while
        that one cannot be seen; switched only between attempts. A new measure has its own
        scale: the member's rest and range are learnt again (a profile, made for the main
        measure, no longer applies). Returns, on a switch to the fallback, the time from which
        the fallback is to be followed (see REPLAY_S); else None."""
        since = None
        if self.view:
            self._preferred = self.rng.by_view.get(self.view, self.rng.measure)
        want = self._preferred
        fb = self.rng.fallback
        if fb:
            for name in (want, fb):
                if math.isnan(values.get(name, math.nan)):
                    self._known_since.pop(name, None)
                else:
                    self._seen_t[name] = t
                    self._known_since.setdefault(name, t)
            self._seen_t.setdefault(want, t)  # never seen yet: lost FALLBACK_S from now
            lost = t - self._seen_t[want] >= FALLBACK_S - EPS_S
            fb_ok = fb in self._known_since
            back_for = t - self._known_since.get(want, t)
            if self.measure == fb and back_for < FALLBACK_S - EPS_S:
                want = fb  # the primary must be back for FALLBACK_S before it takes over again
            elif lost and fb_ok:
                want = fb
            if want == fb:
                # from when the primary was last seen: it has decided nothing since (unknown never
                # advances an attempt). Not on the way back, when the fallback has been counting.
                since = max(self._seen_t[self._preferred], t - REPLAY_S)
        if want == self.measure or self.in_rep:
            return None
        self.measure = want
        self._starts.clear()
        self._travels.clear()
        self.personal = None
        self._rescale()
        if self.stage is not None:
            self._set_stage(None)  # like a new stream: PRE again on the next known value
        return since

    def _pre(self, y: float, t: float, dt: float, events: list[RepEvent]) -> None:
        """The stream's first moments, before any rest has been seen (see TRUST_S, STILL_S)."""
        turn = self.turn
        if self._far_enter(self._values) is True:
            self._far_held += dt
        if t - self._first_t < TRUST_S - EPS_S:
            self._peak = y
            self._rest_at(y, t)
            self._still_y, self._still_t = y, t
            return
        if y > self._peak:
            self._peak = y
        if y < self._low:
            self._low, self._low_t = y, t
        if abs(y - self._still_y) > turn:
            self._still_y, self._still_t = y, t
        elif t - self._still_t >= STILL_S - EPS_S and not self._far_start:
            if self._far_enter(self._values) is True:
                # still where the rule file's own far phase holds (arms open wide, hips up): the
                # top of a rep under way when the stream began, not the member's rest
                self._far_start = True
            else:  # still from the start: that is the rest
                self._set_stage(REST)
                self._rest_at(y, t)
                return
        self._above = self._above + 1 if y > self._low + turn else 0
        if self._above >= START_FRAMES:  # moving out: an attempt whose true start may lie before the stream
            self._begin(t, events)
            self._anchored = False
            self._out(y, t, events)
        elif (self.spec.hold is not None and self._far_start and self._peak - self._first_y < turn
              and self._peak - y >= self.required):
            # began in the hold (the hips already up) and now a full rep's way down: neither the
            # rise nor the start of the hold was seen, so this is the end of a rep done before the
            # stream, not counted (glute_bridge__home-side-phone; counting it made the count hang
            # on the playback speed: the last top, cut by the end, then had to be dropped). Rest
            # is wherever the member comes down to.
            self._set_stage(REST)
            self._rest_at(y, t)
        elif (self._peak - y >= self.required and (self._peak - self._first_y >= turn or self._far_start)
              and (self.spec.hold is None or self._far_held >= self.spec.hold.seconds - EPS_S)):
            # seen rising to a peak, then a full rep's way back: the stream began mid-rep
            self._start, self._anchored, self._begun = self._low, False, True
            self._required = None
            self._set_confirmed(False)  # _go(BACK) confirms and counts the attempt
            self.rep_start = self._first_t
            self.hold_elapsed = self._far_held  # a hold counts if it was seen held long enough
            self._go(BACK, t, events)
            self._close(t, events)
            self._set_stage(SETTLE)
            self._settle_home, self._settle_t = y, t
            self._rest_at(y, t)

    def _mid_rep_back(self, y: float, t: float, events: list[RepEvent]) -> bool:
        """REST after a stream's unanchored first stroke too small to be an attempt: once the
        measure has come a full rep's way back from that stroke's peak, the stream began mid-rep
        and this is its rep (as PRE counts one); True if it was counted."""
        peak = self._mid_rep_peak
        if peak is None or peak - y < self.required:  # the caller checks it is not None
            return False
        self._peak, self._mid_rep_peak = peak, None
        self._start, self._anchored, self._begun = self._low, False, True
        self._required = None
        self._set_confirmed(False)  # _go(BACK) confirms and counts the attempt
        self.rep_start = self._first_t
        self._go(BACK, t, events)
        self._close(t, events)
        self._set_stage(SETTLE)
        self._settle_home, self._settle_t = y, t
        self._rest_at(y, t)
        return True

    def _settle(self, y: float, t: float, events: list[RepEvent]) -> None:
        """After a decided rep: at rest once within a turn of home, or when the next stroke starts."""
        if y < self._low:
            self._low, self._low_t = y, t
        if y <= self._settle_home + self.rng.noise or t - self._settle_t > SETTLE_MAX_S:
            self._go(REST, t, events)
        elif y > self._low + self.turn:
            self._go(REST, t, events)
            self._begin(t, events)
            self._out(y, t, events)

    def _out(self, y: float, t: float, events: list[RepEvent]) -> None:
        if abs(y - self._plateau_y) > self.rng.noise:
            if y > self._plateau_y and self._prev_known_t - self._plateau_t >= POSITION_S - EPS_S:
                # still for POSITION_S on the way out, and now further out: the member settled in
                # a new position there (kneeling, then on all fours); this stroke is not an
                # attempt, and the next starts from where they settled
                if self._confirmed:
                    self.attempts -= 1
                self._go(REST, t, events)
                self._set_confirmed(False)
                self._rest_at(self._plateau_last, self._prev_known_t)
                self._begin(t, events)
                self._out(y, t, events)
                return
            self._plateau_y, self._plateau_t = y, t
        self._plateau_last = y
        if y > self._peak:
            self._peak = y
        base = self._home()
        if not self._confirmed:  # debounced like the start: a single far sample is not a stroke
            # `require` seen false so far (the supporting arm of thread the needle, arms raised
            # without a jump): not an attempt yet
            eligible = not self._too_small(y - self._start)
            self._conf_n = self._conf_n + 1 if eligible else 0
            if self._conf_n >= START_FRAMES:
                self._set_confirmed(True)  # from here on it is an attempt: checks and the overlay see it
                self.attempts += 1
                events.append(self._event("phase", t))
        if y >= base + self._far_level() and self._confirmed:
            self._go(FAR, t, events)
            return
        if y < self._peak - self.turn and self._confirmed and (self._peak - base >= self.required
                                                               or not self._anchored):
            # turned back past the count point but before the far stage (first reps, before
            # the member's range is known): a full attempt on its way back
            self._low, self._low_t = y, t
            self._go(BACK, t, events)
            self._back(y, t, events)
            return
        if y < self._peak - self.turn:  # turned back before the count point
            if not self._confirmed:  # not an attempt: say nothing
                # ...but a stream that began mid-rep and showed only the end of its way out
                # (how much of it falls after TRUST_S depends on the member's speed) still counts
                # if its way back is a full rep, as in PRE (see _mid_rep_back)
                mid_rep = (self._peak if not self._anchored and self.hold_idx is None
                           and self._peak - self._first_y >= self.turn else None)
                self._go(REST, t, events)
                self._rest_at(y, t)
                self._mid_rep_peak = mid_rep
                return
            msg = self.rng.short_message or self.spec.incomplete_message
            need = self.count_point()
            self._incomplete(t, f"short: reached {self.to_value(self._peak):.3g}, counts at "
                             f"{need:.3g}" if need is not None else "short", msg, events)
            self._go(REST, t, events)
            self._rest_at(y, t)

    def _hold(self, y: float, dt: float, t: float, events: list[RepEvent]) -> None:
        # the hold clock runs while past the count point, with `noise` of hysteresis (a squeeze
        # held a hair short of its deepest point is still held)
        hold = self.spec.hold
        if hold is None:  # only called for exercises with a hold
            return
        if not self.counted and self._holding(y):
            self.hold_elapsed += dt
            if self.hold_elapsed >= hold.seconds - EPS_S:
                self.counted = True
                self.count += 1
                numbers = self._numbers()  # what this rep was judged against, before learning from it
                self._learn()
                events.append(self._event("rep", t, **numbers))

    def _holding(self, y: Optional[float] = None) -> bool:
        """At the hold: past the count point (less `noise`) with `require` not failed; ``y`` is
        the travel (default: the last known value)."""
        if y is None:
            if not self._trail:
                return False
            y = self._trail[-1][1]
        return self._require_met() and y >= self._home() + self.required - self.rng.noise

    def _back(self, y: float, t: float, events: list[RepEvent]) -> None:
        if t - self._prev_known_t > GAP_S:  # the measure was unknown for a while on the way back
            self._unseen_back = True
        home = self._home()
        if y < self._low:
            self._low, self._low_t = y, t
        back_to = self._peak - self.rng.return_at * (self._peak - home)
        need = self.required
        full_out = self._peak - home >= need
        # an attempt with a full way out must come back return_at of the way; one that began before
        # the stream with a short way out counts if its way back is a full rep
        # ...and one first seen after a gap (LOST_S) only near its far end counts on a full rep's
        # way back alone: its way out from the rest seen before the gap was not seen
        out_seen = full_out and (self._anchored or self._peak - self._seen_from >= need)
        if y <= back_to if out_seen else (not self._anchored and self._peak - y >= need):
            if not self.counted and self._unseen_where_it_matters(t):
                self._go(REST, t, events)
                self._rest_at(y, t)
                return
            self._close(t, events)
            self._set_stage(SETTLE)
            self._settle_home = home
            self._settle_t = t
            self._rest_at(y, t)
            self._settle(y, t, events)
            return
        if y > self._low + self.turn:  # going out again without having come back
            if self.counted or self.hold_idx is not None:  # a hold sagged and came back up: the same attempt goes on
                self._go(FAR, t, events)
                return
            msg = self.rng.return_message or self.spec.incomplete_message
            # Began before the stream and showed no full rep, or the way back was out of view
            # (from behind, a reverse fly's arms vanish in front of the body): nothing was seen
            # to judge, so nothing is said and nothing counts.
            if not self._anchored or self._unseen_back:
                self._go(REST, t, events)
                self._rest_at(self._low, self._low_t)
                self._begin(t, events)
                self._out(y, t, events)
                return
            if self._required is False:
                self._dropped()
            elif not self.counted:
                events.append(self._event(
                    "incomplete", t, reason=f"did not return: came back to {self.to_value(self._low):.3g}, "
                    f"the next rep starts from {self.to_value(back_to):.3g}", message=msg or None,
                    reached=self.to_value(self._low), target=self.to_value(back_to)))
            self._go(REST, t, events)
            self._begin(t, events)
            self._out(y, t, events)

    def _unseen_where_it_matters(self, t: float) -> bool:
        """Back home, but what the verdict rests on was not seen (unknown decides nothing, so the
        attempt gets none): last seen at the far end and next seen home, the whole way back out
        of view (lunge__barbell-split-squat-gym-rear rot+10: a walk-out step whose return fell in
        a 0.33-s gap counted as a rep); or a hold not seen held long enough that had a gap at the
        top or began before the stream: it may have been held unseen, so it is not "held 0.0 s
        of 1 s" (glute_bridge__home-side-phone cropped: the knee leaves the picture at each top;
        and the clip starts in the hold)."""
        if t - self._prev_known_t > GAP_S and self._y_prev > self._peak - self.turn:
            return True
        hold = self.spec.hold
        return (hold is not None and (self._unseen_far or not self._anchored)
                and self.hold_elapsed < hold.seconds - EPS_S)

    def _still_going_out(self) -> bool:
        """The measure still moves out over the last END_S at more than GOING_SHARE of this
        attempt's mean speed out (from its start to now): it has not reached its far end."""
        if self.rep_start is None or not self._trail:
            return False
        t1, y1 = self._trail[-1]
        t0, y0 = self._trail[0]
        base = self._base()
        if t1 - t0 < EPS_S or base is None or t1 - self.rep_start < EPS_S:
            return False
        return (y1 - y0) / (t1 - t0) > GOING_SHARE * (y1 - base) / (t1 - self.rep_start)

    def _close(self, t: float, events: list[RepEvent]) -> None:
        """Back at rest after reaching the far end: count, or say why not."""
        duration = t - (self.rep_start if self.rep_start is not None else t)
        hold = self.spec.hold
        if self.counted:
            pass
        elif hold is not None and self.hold_elapsed < hold.seconds - EPS_S:
            reason, message = hold_short(self.spec, self.hold_elapsed)
            events.append(self._event("incomplete", t, reason=reason, message=message, **self._numbers()))
        elif not self._require_met():
            # not this exercise's movement (arms raised without a jump, the resting side's shoulder
            # line mirroring the working side): not an attempt, no verdict of its own
            self.attempts -= 1
            self._dropped()
            return
        elif self._anchored and duration < self.spec.min_rep_s - EPS_S:
            events.append(self._event("incomplete", t, reason=too_quick(self.spec, duration), **self._numbers()))
        else:
            self.counted = True
            self.count += 1
            numbers = self._numbers()
            self._learn()
            events.append(self._event("rep", t, **numbers))
        events.append(self._event("cycle", t, reason=None if self.counted else "not counted"))

    def finish(self, t: float, stopped: bool = False) -> list[RepEvent]:
        """The stream ended at ``t`` (the member stopped, or the clip was cut): an attempt that
        had reached the far end counts: stopped there, or on its way back. The dev clips'
        labels mostly count such a last rep (3 clips) but not always (a curtsy lunge cut
        halfway back up). One still going out at its own pace (see GOING_SHARE) is cut on its way
        out: not a rep yet, nothing said (a clip ending mid-pull). A hold still held past the
        count point when the stream ends counts, however long it had lasted (its end was not
        seen; the labels count a bridge's last rise cut 0.3 s into its hold): so a stream that
        starts and ends in the hold counts its rises, at any playback speed. One coming down, or
        unknown for more than GAP_S before the end, does not; nor does one cut by a stop
        (``stopped``: the member quit, or a routine's hold set ended, mid-hold: not finished)."""
        if self.stage not in (FAR, BACK) or self.counted:
            return []
        events: list[RepEvent] = []
        if self.spec.hold is not None:
            if stopped or self.stage != FAR or t - self._known_t > GAP_S or not self._holding():
                return []
            # risen past the count point and still held when the stream ended: the hold's end
            # was not seen (as a moving rep stopped at its far end counts, so does this one)
            self.counted = True
            self.count += 1
            numbers = self._numbers()
            self._learn()
            events.append(self._event("rep", t, **numbers))
            events.append(self._event("cycle", t))
            self._go(REST, t, events)
            return events
        if self.stage == FAR and (self._still_going_out()
                                  or (not self._anchored and self._peak - self._seen_from < self.required)):
            # still going out; or, its start unseen, seen only at its far end (as a stream that
            # starts at the top shows only a rep's end, this shows only a rep's start)
            return []
        self._close(t, events)
        self._go(REST, t, events)
        return events
