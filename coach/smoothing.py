"""Timestamp-driven One-Euro filter (Casiez, Roussel & Vogel, CHI 2012) for landmarks.

Missing stays missing: a coordinate whose landmark is below the visibility threshold is passed
through unfiltered (it is unknown to every later stage anyway) and its filter state is reset,
so a landmark that reappears starts fresh instead of being dragged from where it vanished.
A gap in time longer than ``max_gap_s`` resets everything.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from .types import Pose


def _alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, float))
    return 1.0 / (1.0 + tau / dt)


@dataclass(frozen=True)
class OneEuroParams:
    """Filter settings: the [smoothing] section of coach.config.PipelineConfig (these are the
    defaults; calibration/pipeline.toml restates them).

    min_cutoff_hz: cutoff when still. Lower = steadier but laggier at slow speeds.
    beta: how fast the cutoff rises with speed (per unit/s of the signal). Raise if fast
        movements lag, lower if fast movements look jittery.
    d_cutoff_hz: cutoff for the speed estimate itself.
    max_gap_s: a pause between samples longer than this restarts the filter.
    """

    min_cutoff_hz: float = 1.5
    beta: float = 1.0
    d_cutoff_hz: float = 1.0
    max_gap_s: float = 0.5


class OneEuroFilter:
    """Element-wise One-Euro filter over a fixed-shape float array; time is passed in."""

    def __init__(self, params: OneEuroParams = OneEuroParams()):
        self.p = params
        self._x: Optional[np.ndarray] = None
        self._dx: Optional[np.ndarray] = None
        self._t: Optional[float] = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, t: float, x: np.ndarray, valid: Optional[np.ndarray] = None) -> np.ndarray:
        """Filter sample ``x`` taken at ``t`` seconds. ``valid`` (same shape, bool) marks
        elements that are known; unknown ones are returned as given and their state reset."""
        x = np.asarray(x, float)
        valid = np.isfinite(x) if valid is None else (np.asarray(valid, bool) & np.isfinite(x))
        last_t = self._t
        if last_t is None or self._x is None or self._x.shape != x.shape:
            fresh = np.ones_like(valid)
        else:
            dt = t - last_t
            fresh = np.isnan(self._x) if 0 < dt <= self.p.max_gap_s else np.ones_like(valid)
        out = x.copy()
        prev_x, prev_dx = self._x, self._dx  # set and reset together
        if prev_x is None or prev_dx is None or prev_x.shape != x.shape:
            prev_x = self._x = np.full_like(x, np.nan)
            prev_dx = self._dx = np.zeros_like(x)
        upd = valid & ~fresh
        if np.any(upd):
            assert last_t is not None  # nothing is updated on a fresh start
            dt = t - last_t
            dx = (x[upd] - prev_x[upd]) / dt
            a_d = _alpha(self.p.d_cutoff_hz, dt)
            dx_hat = a_d * dx + (1 - a_d) * prev_dx[upd]
            cutoff = self.p.min_cutoff_hz + self.p.beta * np.abs(dx_hat)
            a = _alpha(cutoff, dt)
            out[upd] = a * x[upd] + (1 - a) * prev_x[upd]
            prev_dx[upd] = dx_hat
        start = valid & fresh
        prev_dx[start] = 0.0
        self._x = np.where(valid, out, np.nan)
        self._t = t
        return out


class PoseSmoother:
    """One-Euro filter over a Pose's pixel and world landmarks.

    Pixel coordinates are filtered in units of the image height so that one ``beta`` suits
    both pixels and metres (a body is ~1 unit tall in either).
    """

    def __init__(self, params: OneEuroParams = OneEuroParams(), min_visibility: float = 0.5):
        self.params = params
        self.min_visibility = min_visibility
        self._px = OneEuroFilter(params)
        self._w = OneEuroFilter(params)

    def reset(self) -> None:
        self._px.reset()
        self._w.reset()

    def __call__(self, pose: Optional[Pose], t: float) -> Optional[Pose]:
        if pose is None:
            return None  # missing stays missing; the time gap resets the state on return
        ok = pose.visibility >= self.min_visibility
        h = float(pose.image_size[1]) or 1.0
        xy = self._px(t, pose.image_xy / h, np.repeat(ok[:, None], 2, axis=1)) * h
        w = pose.world_xyz
        if w is not None:
            w = self._w(t, w, np.repeat(ok[:, None], 3, axis=1))
        return replace(pose, image_xy=xy, world_xyz=w)
