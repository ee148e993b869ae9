"""Cues about the member's attempts, from the rep lifecycle's events: why an attempt did not count
(with how far it got, for angles), praise after a streak of clean reps, and, so the coach is
never silent, why strokes keep being dropped (they fail the rule file's ``require``)."""
from __future__ import annotations

from typing import Sequence

from ..messages import message
from ..rules.schema import Exercise
from ..types import AttemptEnded, AttemptVerdict, LifecycleEvent, RepEvent
from .policy import Candidate

# Strokes in a row that fail the rule file's `require` (no rep, no other verdict between) before
# the coach says why nothing counts. Raise if members hear it while settling into position.
DROPS_BEFORE_CUE = 2
# Least time between two rep cues (s): a member missing every rep hears why, not a stream of it.
REP_CUE_COOLDOWN_S = 4.0


class RepFeedback:
    def __init__(self) -> None:
        self.clean_streak = 0  # counted reps in a row without a fault
        self._drops_heard = 0  # strokes failing `require` already answered

    def candidates(self, ex: Exercise, lifecycle: Sequence[LifecycleEvent], dropped: int) -> list[Candidate]:
        """This frame's rep cues, from its rep lifecycle (coach.lifecycle). dropped: strokes
        dropped so far for failing `require`."""
        out: list[Candidate] = []
        verdict = False  # a rep, or an attempt not counted that is not a paused set
        for a in lifecycle:
            if isinstance(a, AttemptVerdict) and a.event.kind != "timeout":
                verdict = True
                if not a.counted:
                    out.append(Candidate("rep", "tip", incomplete_text(ex, a.event), None, REP_CUE_COOLDOWN_S))
            if isinstance(a, AttemptEnded) and a.counted:  # a clean rep is one whose ended attempt has no fault
                self.clean_streak = 0 if a.faults else self.clean_streak + 1
                every = ex.feedback.praise_every
                if every and self.clean_streak and self.clean_streak % every == 0:
                    out.append(Candidate("praise", "info", ex.feedback.praise or _msg("praise"), None, 0.0))
        if verdict:
            self._drops_heard = dropped
        if dropped - self._drops_heard >= DROPS_BEFORE_CUE:
            self._drops_heard = dropped
            rng = ex.rep.range
            text = dict((rng.require_message if rng else None) or ex.rep.incomplete_message or _msg("incomplete"))
            out.append(Candidate("rep", "tip", text, None, REP_CUE_COOLDOWN_S))
        return out


def incomplete_text(ex: Exercise, e: RepEvent) -> dict[str, str]:
    """The cue for an attempt that did not count: the rule file's message, and for angles how far
    the member got against the target, so that a miss is never unexplained."""
    reason = e.reason or ""
    if reason.startswith("quicker"):
        return _msg("too_quick")
    base = dict(e.message) if e.message else _msg("incomplete")
    rng = ex.rep.range
    unit = ex.measures[rng.measure].unit if rng is not None else ""  # by_view measures share it
    key = "reached" if reason.startswith("short") else "came_back" if reason.startswith("did not return") else ""
    if not key or unit != "deg" or e.reached is None or e.target is None:
        return base
    return {lang: message(key, lang, message=text, reached=f"{e.reached:.0f}", target=f"{e.target:.0f}")
            for lang, text in base.items()}


def _msg(key: str) -> dict[str, str]:
    return {lang: message(key, lang) for lang in ("en", "es")}
