"""Which way the person faces the camera: front, oblique, side or rear.

Estimated from the world landmarks' shoulder and hip lines (metres, camera-aligned axes):
the line from the right to the left shoulder points to the image right when the person faces
the camera, away/toward the camera when side-on, and to the image left from behind.
Debounced over a time window so one noisy frame does not change the verdict.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Optional

import numpy as np

from .config import ViewConfig
from .landmarks import INDEX
from .types import Pose, View

_PAIRS = (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))


def body_yaw(pose: Pose, min_visibility: float = 0.3) -> Optional[float]:
    """Body yaw in degrees: 0 = facing the camera, +90 = left side toward it, +-180 = back
    to it. None when the shoulders and hips are not known."""
    if pose.world_xyz is None:
        return None
    vec = np.zeros(3)
    for a, b in _PAIRS:
        ia, ib = INDEX[a], INDEX[b]
        if min(pose.visibility[ia], pose.visibility[ib]) < min_visibility:
            continue
        vec += pose.world_xyz[ia] - pose.world_xyz[ib]
    if not np.any(vec):
        return None
    return math.degrees(math.atan2(-vec[2], vec[0]))


def classify(yaw: Optional[float], bands: ViewConfig = ViewConfig()) -> Optional[View]:
    """Name the view for a yaw (degrees). Bands are in degrees of |yaw| (coach.config.ViewConfig)."""
    if yaw is None:
        return None
    a = abs(yaw)
    if a <= bands.front_max_deg:
        return "front"
    if bands.side_min_deg <= a <= bands.side_max_deg:
        return "side"
    if a >= bands.rear_min_deg:
        return "rear"
    return "oblique"


class ViewTracker:
    """Majority view over the last ``window_s`` seconds (time passed in)."""

    def __init__(self, config: ViewConfig = ViewConfig()):
        self.window_s = config.window_s
        self.config = config
        self._hist: deque[tuple[float, View]] = deque()

    def update(self, pose: Optional[Pose], t: float) -> Optional[View]:
        view = classify(body_yaw(pose), self.config) if pose is not None else None
        if view is not None:
            self._hist.append((t, view))
        while self._hist and t - self._hist[0][0] > self.window_s:
            self._hist.popleft()
        if not self._hist:
            return None
        counts: dict[View, int] = {}
        for _, v in self._hist:
            counts[v] = counts.get(v, 0) + 1
        return max(counts, key=lambda v: counts[v])  # max keeps the first seen on ties
