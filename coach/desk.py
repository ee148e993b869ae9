"""Desk mode (`coach desk`): a slow look (1-2 frames a second) at the member working at the
laptop between sessions. It notices a long spell without a change of position and a head held
forward toward the screen for minutes, and suggests a one-minute break with two exercises from
the routine. Thresholds are data (calibration/desk.toml). Nothing is stored but counts.

:class:`DeskMonitor` is pure: one pose (or None) at time t in, events out; time is passed in.

Measures, relative to the member (front view, the laptop's camera):
- position: the mean place of the upper-body landmarks (nose, ears, shoulders) in shoulder
  widths; a move of more than ``move_threshold`` from where they settled starts the still clock
  again. Unknown (nobody there) is not stillness: an empty chair means they got up.
- head forward: how far the ears are ahead of the shoulders toward the camera (the screen), in
  metres from MediaPipe's world landmarks. More than ``head_forward_cm`` beyond the member's own
  upright value (learnt in the first ``baseline_minutes``, while they sit tall) marks a forward
  head; only minutes of it (``head_forward_minutes``, ``head_forward_share``) make a suggestion.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .landmarks import INDEX
from .types import Pose

UPPER = [INDEX[n] for n in ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder")]
MIN_VISIBILITY = 0.5  # 0-1: the landmarks desk mode reads must be at least this visible (as the exercises')
# Seconds without a person before the still clock restarts: they got up (a break of its own).
AWAY_S = 60.0


@dataclass(frozen=True)
class DeskEvent:
    """kind: "still" (no change of position for still_minutes) or "head_forward"; t: seconds;
    minutes: how long the spell had lasted."""

    kind: str
    t: float
    minutes: float


class DeskMonitor:
    def __init__(self, settings: dict):
        self.s = settings
        self._anchor: Optional[np.ndarray] = None  # where the upper body settled (shoulder widths)
        self._still_since: Optional[float] = None
        self._away_since: Optional[float] = None
        self._baseline: list[float] = []
        self._t0: Optional[float] = None
        self.upright: Optional[float] = None  # learnt ears-ahead-of-shoulders distance (metres)
        self._forward: deque = deque()  # (t, forward?) over head_forward_minutes
        self._last_said: dict[str, float] = {}
        self.counts = {"frames": 0, "frames_with_person": 0, "moves": 0, "still": 0, "head_forward": 0}

    @staticmethod
    def _measures(pose: Optional[Pose]) -> Optional[tuple[np.ndarray, float]]:
        """(upper-body place in shoulder widths, ears ahead of the shoulders in metres), or None."""
        if pose is None or pose.world_xyz is None or np.any(pose.visibility[UPPER] < MIN_VISIBILITY):
            return None
        xy = pose.image_xy
        ls, rs = xy[INDEX["left_shoulder"]], xy[INDEX["right_shoulder"]]
        width = float(np.linalg.norm(ls - rs))
        if not width > 1e-6:
            return None
        place = xy[UPPER].mean(axis=0) / width
        w = pose.world_xyz  # metres, z away from the camera: the screen is where the camera is
        ears_z = (w[INDEX["left_ear"], 2] + w[INDEX["right_ear"], 2]) / 2
        shoulders_z = (w[INDEX["left_shoulder"], 2] + w[INDEX["right_shoulder"], 2]) / 2
        return place, float(shoulders_z - ears_z)

    def _say(self, kind: str, t: float, since: float) -> list[DeskEvent]:
        last = self._last_said.get(kind)
        if last is not None and t - last < self.s["repeat_minutes"] * 60:
            return []
        self._last_said[kind] = t
        self.counts[kind] += 1
        return [DeskEvent(kind, t, round((t - since) / 60.0, 2))]

    def step(self, pose: Optional[Pose], t: float) -> list[DeskEvent]:
        s = self.s
        self.counts["frames"] += 1
        if self._t0 is None:
            self._t0 = t
        m = self._measures(pose)
        events: list[DeskEvent] = []
        if m is None:  # nobody (or not enough of them): unknown, never stillness or a forward head
            self._away_since = t if self._away_since is None else self._away_since
            if t - self._away_since >= AWAY_S:
                self._anchor, self._still_since = None, None
                self._forward.clear()
            return events
        self._away_since = None
        self.counts["frames_with_person"] += 1
        place, head = m
        if self._anchor is None or float(np.linalg.norm(place - self._anchor)) > s["move_threshold"]:
            if self._anchor is not None:
                self.counts["moves"] += 1
            self._anchor, self._still_since = place, t
        elif self._still_since is not None and t - self._still_since >= s["still_minutes"] * 60:
            events += self._say("still", t, self._still_since)
        if self.upright is None:
            self._baseline.append(head)
            if t - self._t0 >= s["baseline_minutes"] * 60 and len(self._baseline) >= 3:
                self.upright = float(np.median(self._baseline))
            return events
        forward = head > self.upright + s["head_forward_cm"] / 100.0
        span = s["head_forward_minutes"] * 60
        self._forward.append((t, forward))
        while self._forward and t - self._forward[0][0] > span:
            self._forward.popleft()
        first = self._forward[0][0]
        share = sum(f for _, f in self._forward) / len(self._forward)
        if t - first >= span * 0.95 and share >= s["head_forward_share"]:
            events += self._say("head_forward", t, first)
        return events


MESSAGES = {
    "still": {"en": "You have been still for {minutes:.0f} minutes. Take a one-minute break: stand up, then {a} "
                    "and {b}.",
              "es": "Llevas {minutes:.0f} minutos sin moverte. Tómate un minuto: ponte de pie y haz {a} y {b}."},
    "head_forward": {"en": "Your head has been forward toward the screen for {minutes:.0f} minutes. Sit tall; a "
                           "one-minute break: {a} and {b}.",
                     "es": "Llevas {minutes:.0f} minutos con la cabeza adelantada hacia la pantalla. Siéntate "
                           "erguido; un minuto de pausa: {a} y {b}."},
}


def suggestion(e: DeskEvent, lang: str, names: tuple[str, str]) -> str:
    table = MESSAGES[e.kind]
    return (table.get(lang) or table["en"]).format(minutes=max(1.0, e.minutes), a=names[0], b=names[1])


def run_desk(source, estimator, settings: dict, lang: str = "en", on_event=None, voice=None) -> dict:
    """Look at ``source`` (a coach.capture FrameSource) every 1/fps seconds of its own time
    (frames in between are passed over by the source itself, ``FrameSource.sample_every``,
    before any conversion or pose model: that is what keeps it cheap) and
    return the counts. ``on_event(event, text)`` is called for each suggestion (a sink)."""
    from .library import find_exercise
    from .rules.schema import text
    from .shutdown import SHUTDOWN
    found = [text(find_exercise(i).name, lang).lower() for i in settings["break_exercises"]]
    names = (found[0], found[1])  # parse_desk checks there are exactly two
    monitor = DeskMonitor(settings)
    period = 1.0 / settings["fps"]
    source.sample_every(period)  # frames in between are passed over by the source: not even converted
    next_t = -math.inf
    last_t = 0.0
    interrupted = False
    try:
        for frame in source:
            last_t = frame.t
            if frame.t < next_t:
                continue
            next_t = frame.t + period * 0.999
            for e in monitor.step(estimator.process(frame), frame.t):
                msg = suggestion(e, lang, names)
                if on_event is not None:
                    on_event(e, msg)
                if voice is not None:
                    voice.say(msg)
            if SHUTDOWN.requested:
                interrupted = True
                break
    except KeyboardInterrupt:
        interrupted = True
    out: dict[str, Any] = dict(monitor.counts)
    out["minutes"] = round(last_t / 60.0, 2)
    out["looked_at_fps"] = settings["fps"]
    if interrupted:
        out["interrupted"] = True
    return out
