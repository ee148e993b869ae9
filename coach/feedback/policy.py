"""Cue policy: from many findings to one short cue at a time.

- one cue on screen at a time, shown for ``display_s``; a higher-severity cue may replace it;
- highest severity first; ties go to the earliest-listed check;
- each source (check id, "view", "setup", ...) has its own cooldown;
- at least ``min_gap_s`` between two cues, except severity "stop";
- praise only when nothing else is pending.
Findings only exist for definite faults, so unknown data never produces a cue.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ..rules.schema import text
from ..types import Cue, Severity, severity_rank


@dataclass(frozen=True)
class Candidate:
    source: str
    severity: Severity
    message: Mapping[str, str]  # language -> text
    voice: Optional[Mapping[str, str]]  # language -> text
    cooldown_s: float


class CuePolicy:
    def __init__(self, lang: str = "en", display_s: float = 3.0, min_gap_s: float = 2.0):
        """display_s: how long a cue stays on screen (s); raise if members cannot finish reading.
        min_gap_s: quiet time between cues (s); raise if the coach feels naggy."""
        self.lang = lang
        self.display_s = display_s
        self.min_gap_s = min_gap_s
        self.current: Optional[Cue] = None
        self._last_by_source: dict[str, float] = {}
        self._last_t: Optional[float] = None

    def active(self, t: float) -> Optional[Cue]:
        if self.current is not None and t < self.current.until_t:
            return self.current
        return None

    def step(self, t: float, candidates: list[Candidate]) -> Optional[Cue]:
        """Pick at most one new cue at time ``t`` (seconds) from this frame's candidates."""
        ready = [c for c in candidates
                 if t - self._last_by_source.get(c.source, -1e9) >= c.cooldown_s]
        if not ready:
            return None
        best = max(ready, key=lambda c: severity_rank(c.severity))  # max keeps the first on ties
        cur = self.active(t)
        urgent = best.severity == "stop"
        if cur is not None and severity_rank(best.severity) <= severity_rank(cur.severity) and not urgent:
            return None
        if self._last_t is not None and t - self._last_t < self.min_gap_s and not urgent:
            return None
        msg = text(best.message, self.lang)
        cue = Cue(text=msg, voice=text(best.voice, self.lang) if best.voice else msg, severity=best.severity,
                  t=t, until_t=t + self.display_s, source=best.source)
        self.current = cue
        self._last_t = t
        self._last_by_source[best.source] = t
        return cue
