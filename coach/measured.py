"""A recording measured ahead: what the coach's front half (smoothing, side visibilities,
landmark measures, view) gives on each of its frames, worked out for the whole stream at once.

A replay knows every pose and time before it starts, and the front half depends on nothing
else: the One-Euro filter runs along time for each number (coach.smoothing), the measures and
the view are whole-array operations over the stream (coach.measures.compile_measure_rows,
coach.view.views_of). ``Coach.prepare`` makes one; ``Coach.step`` then takes frame k's results
from it while it is given exactly the prepared poses at their times, in order, and otherwise
falls back to the per-frame stages from where the stream left off (coach.engine). Every value
is what the per-frame stages give, bit for bit (tests/test_measured.py). Units: times in s,
pixel coordinates in px, world in m; measure values in their own units, NaN unknown.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from numpy.typing import NDArray

from .config import ViewConfig
from .measurebank import MeasureBank
from .smoothing import LandmarkSmoother
from .types import Pose, Side, View
from .view import views_of


class MeasuredStream:
    """Per frame of ``poses`` at ``times`` (s): ``present`` (a pose), ``vis`` ((33,) its
    visibilities), ``measures(k, side)`` (the landmark measures on that side, as
    MeasureBank._values gives them), ``views`` (the frame's classified view, None unknown) and
    ``pixel`` ((33, 2) smoothed px, NaN for landmarks not smoothed). Held as arrays: about 1 kB
    a frame (a 10-minute recording at 30 fps: ~20 MB); ``next`` hands the frames out in order."""

    def __init__(self, points: LandmarkSmoother, bank: MeasureBank, view: ViewConfig,
                 poses: Sequence[Optional[Pose]], times: Sequence[float]):
        if len(poses) != len(times):
            raise ValueError(f"{len(poses)} poses but {len(times)} times")
        stream = points.smooth_stream(poses, times)
        self.poses = poses
        self.times = [float(t) for t in times]
        self.present: list[bool] = stream.present.tolist()
        self.vis: NDArray[np.float64] = stream.vis
        self.pixel: NDArray[np.float64] = stream.pixel
        self.views: list[Optional[View]] = views_of(stream.vis, stream.world, stream.has_world, view)
        self._tables = bank.tables(stream)
        self._names = bank.names
        self.k = 0  # the next frame to hand out

    def measures(self, k: int, side: Optional[Side]) -> dict[str, float]:
        """Frame k's landmark measures on ``side`` (None: the unsided set), a new dict."""
        return dict(zip(self._names, self._tables[side][k].tolist()))

    def next(self, pose: Optional[Pose], t: float) -> Optional[int]:
        """The frame ``pose`` at ``t`` is, when it is the next prepared one (the same object at
        the same time), and then the one after it is next; None otherwise (the caller falls
        back to measuring frame by frame, see Coach.step)."""
        k = self.k
        if k < len(self.times) and self.poses[k] is pose and self.times[k] == t:
            self.k = k + 1
            return k
        return None
