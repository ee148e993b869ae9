"""Which side of the body an exercise with ``side = "auto"`` watches: the side nearer the camera.

The score is the mean visibility of the side's measured landmarks; the difference between the
two sides is averaged over time (time constant ``switch_time_s``) and the watched side changes
only when the other leads by ``switch_margin`` (0-1 visibility), and never in the middle of a
rep. Time is passed in.
"""
from __future__ import annotations

import math
from typing import Mapping, Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from .config import SideConfig
from .types import Pose, Side


class SideSelector:
    def __init__(self, config: SideConfig = SideConfig()):
        self.config = config
        self.side: Optional[Side] = None  # None until a pose is seen
        self._ema = 0.0
        self._last_t: Optional[float] = None

    def update(self, pose: Optional[Pose], t: float, landmarks: Mapping[Side, Sequence[int]],
               in_rep: bool) -> Optional[Side]:
        """The watched side after this frame at ``t`` (s). landmarks: side -> landmark indices
        the exercise measures on that side; in_rep: a rep is under way (no switch then)."""
        return self.update_of(None if pose is None else pose.visibility, t, landmarks, in_rep)

    def update_of(self, vis: Optional[NDArray[np.float64] | Sequence[float]], t: float,
                  landmarks: Mapping[Side, Sequence[int]], in_rep: bool) -> Optional[Side]:
        """update() of a frame's 33 visibilities (an array, or coach.measures.Landmarks' list;
        None: no pose)."""
        last, self._last_t = self._last_t, t
        if vis is None or not any(landmarks.values()):
            return self.side
        d = _mean_of(vis, landmarks["left"]) - _mean_of(vis, landmarks["right"])
        if self.side is None:
            self._ema = d
            self.side = "left" if d >= 0 else "right"
            return self.side
        dt = 0.0 if last is None else max(0.0, t - last)
        tc = self.config.switch_time_s
        self._ema += (1.0 - math.exp(-dt / tc) if tc > 0 else 1.0) * (d - self._ema)
        if in_rep:
            return self.side  # never switch sides in the middle of a rep
        if self._ema > self.config.switch_margin:
            self.side = "left"
        elif self._ema < -self.config.switch_margin:
            self.side = "right"
        return self.side


def _mean_of(vis: NDArray[np.float64] | Sequence[float], idx: Sequence[int]) -> float:
    """np.mean(vis[idx]) of visibilities as an array or a list of floats, bit for bit: numpy
    adds fewer than 8 numbers left to right from 0.0 (more in blocks of 8: left to numpy then)."""
    n = len(idx)
    if n == 0:
        return math.nan  # as np.mean of nothing (without its warning)
    if n >= 8:
        return float(np.add.reduce(np.asarray(vis, np.float64)[list(idx)])) / n
    s = 0.0
    if isinstance(vis, list):
        for i in idx:
            s += vis[i]
    else:
        for i in idx:
            s += float(vis[i])
    return s / n
