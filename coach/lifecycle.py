"""The rep lifecycle: one definition of when an attempt starts, is decided and ends.

Both counters (coach.reps.RepCounter, coach.attempts.AttemptCounter) speak RepEvents (start,
phase, rep, incomplete, timeout, cycle). ``Lifecycle`` turns one counter's events into the typed
lifecycle (coach.types) that the checks, the summary, praise and the session store consume,
so none of them re-derives it from event kinds:

    AttemptStarted    a phase past the first was entered and the counter is in a rep: the rep
                      checks start watching this attempt
    AttemptVerdict    the counter decided the attempt: a rep (counted), or incomplete/timeout
                      (not counted; the checks stop watching)
    AttemptEnded      the cycle closed (back at the first phase); for a counted attempt the
                      engine fills in ``faults``: what the checks saw during that rep
    AttemptAbandoned  back at the first phase with no verdict: the checks stop watching

A counted hold is decided (AttemptVerdict) when the hold reaches its target and ends
(AttemptEnded) when the member is back at the start; a moving rep gets both on the same frame.
Attempt ids are unique within a session (the engine hands every unit one shared counter).
"""
from __future__ import annotations

import itertools
from typing import Iterator, Optional, Sequence

from .types import AttemptAbandoned, AttemptEnded, AttemptStarted, AttemptVerdict, LifecycleEvent, RepEvent, Side


class Lifecycle:
    """The lifecycle of one counter's attempts (one side, or the whole exercise)."""

    def __init__(self, side: Optional[Side] = None, ids: Optional[Iterator[int]] = None):
        self.side = side
        self._ids = ids if ids is not None else itertools.count(1)
        self.watching: Optional[int] = None  # the attempt the checks are watching now
        self.awaiting: Optional[int] = None  # a counted attempt waiting for its cycle to close
        self.rejected: Optional[int] = None  # the last attempt decided not counted

    def step(self, events: Sequence[RepEvent], in_rep: bool) -> list[LifecycleEvent]:
        """This frame's counter events, in order; ``in_rep``: the counter is in a rep after them."""
        out: list[LifecycleEvent] = []
        for e in events:
            if e.kind == "phase":
                if in_rep and self.watching is None:
                    self.watching = next(self._ids)
                    out.append(AttemptStarted(self.watching, e.t, self.side))
                elif not in_rep and self.watching is not None:
                    out.append(AttemptAbandoned(self.watching, e.t, self.side))
                    self.watching = None
            elif e.kind in ("rep", "incomplete", "timeout"):
                attempt = self.watching if self.watching is not None else next(self._ids)
                out.append(AttemptVerdict(attempt, e))
                if e.kind == "rep":
                    self.awaiting = attempt
                else:
                    self.watching = None
                    self.rejected = attempt
            elif e.kind == "cycle":
                counted = e.reason is None
                ended: Optional[int] = self.awaiting if counted else self.watching
                if ended is None and not counted:
                    ended = self.rejected
                out.append(AttemptEnded(ended if ended is not None else next(self._ids), e.t, counted,
                                        self.side, watched=self.watching is not None))
                self.watching = None
                if counted:
                    self.awaiting = None
        return out
