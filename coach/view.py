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
_PAIR_INDEX = tuple((INDEX[a], INDEX[b]) for a, b in _PAIRS)
LANDMARKS = frozenset(i for pair in _PAIR_INDEX for i in pair)  # the landmarks the view reads


def body_yaw(pose: Pose, min_visibility: float = 0.3) -> Optional[float]:
    """Body yaw in degrees: 0 = facing the camera, +90 = left side toward it, +-180 = back
    to it. None when the shoulders and hips are not known."""
    w = pose.world_xyz
    if w is None:
        return None
    return yaw_of(pose.visibility, w, min_visibility)


def yaw_of(vis, world, min_visibility: float = 0.3) -> Optional[float]:
    """body_yaw of visibilities and world landmarks (33 each) as arrays or as lists of floats
    (coach.measures.Landmarks' vis and world; None: no world landmarks)."""
    if world is None:
        return None
    x = y = z = 0.0  # the sum of the known pairs' left - right vectors
    for ia, ib in _PAIR_INDEX:
        if min(vis[ia], vis[ib]) < min_visibility:
            continue
        a, b = world[ia], world[ib]
        if not isinstance(a, list):
            a, b = a.tolist(), b.tolist()
        x += a[0] - b[0]
        y += a[1] - b[1]
        z += a[2] - b[2]
    if not (x or y or z):
        return None
    return math.degrees(math.atan2(-z, x))


def views_of(vis: np.ndarray, world: np.ndarray, has_world: np.ndarray, bands: ViewConfig = ViewConfig(),
             min_visibility: float = 0.3) -> list[Optional[View]]:
    """classify(yaw_of(...)) of every frame of a stream at once, bit for bit: visibilities (T,
    33), world landmarks (T, 33, 3) m, has_world (T,) (False: None). The pairs' sums are
    whole-array operations in yaw_of's order; the arc tangent stays the C library's, per frame."""
    sums = []
    for axis in range(3):
        total = np.zeros(len(vis))
        for ia, ib in _PAIR_INDEX:
            a, b = vis[:, ia], vis[:, ib]
            skip = np.where(b < a, b, a) < min_visibility  # min(a, b) as Python's min gives it, NaN and all
            total = total + np.where(skip, 0.0, world[:, ia, axis] - world[:, ib, axis])
        sums.append(total.tolist())
    return [classify(math.degrees(math.atan2(-z, x)) if w and (x or y or z) else None, bands)
            for x, y, z, w in zip(*sums, has_world.tolist())]


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
        self._counts: dict[View, int] = {}  # view -> how often it is in _hist

    def update(self, pose: Optional[Pose], t: float) -> Optional[View]:
        return self.observe(classify(body_yaw(pose), self.config) if pose is not None else None, t)

    def observe(self, view: Optional[View], t: float) -> Optional[View]:
        """update() with this frame's view already classified (None: unknown)."""
        hist, counts = self._hist, self._counts
        if view is not None:
            hist.append((t, view))
            counts[view] = counts.get(view, 0) + 1
        while hist and t - hist[0][0] > self.window_s:
            counts[hist.popleft()[1]] -= 1
        if not hist:
            return None
        most = max(counts.values())
        leaders = [v for v, n in counts.items() if n == most]
        if len(leaders) == 1:
            return leaders[0]
        return next(v for _, v in hist if v in leaders)  # a tie: the first seen in the window wins
