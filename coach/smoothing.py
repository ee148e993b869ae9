"""Timestamp-driven One-Euro filter (Casiez, Roussel & Vogel, CHI 2012) for landmarks.

Missing stays missing: a coordinate whose landmark is below the visibility threshold is passed
through unfiltered (it is unknown to every later stage anyway) and its filter state is reset,
so a landmark that reappears starts fresh instead of being dragged from where it vanished.
A gap in time longer than ``max_gap_s`` resets everything.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .landmarks import N_LANDMARKS
from .types import Pose


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


_K = 2.0 * math.pi  # cutoff (Hz) -> 1 / tau


def _step(p: OneEuroParams, t: float, x: np.ndarray, valid: np.ndarray, last_t: Optional[float],
          prev_x: Optional[np.ndarray], prev_ok: Optional[np.ndarray],
          prev_dx: Optional[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One sample of the element-wise filter: (output, speed estimate). ``valid``: the known
    elements (bool, ``x``'s shape); the state is the previous output, its ``valid`` (prev_ok) and
    speed estimate (0 where restarted). An element is filtered where it is known now and was
    known on the previous sample, restarted where it is known now only, passed through where
    unknown.

    It runs every frame of every live session and replay on 165 numbers, so it is a short,
    fixed run of whole-array numpy operations (no boolean indexing, no error-state switching);
    the arithmetic per element is the textbook filter's, in the same order as before it was
    made lean (replays give the same bits)."""
    dt = 0.0 if last_t is None else t - last_t
    if (prev_x is None or prev_ok is None or prev_dx is None or prev_x.shape != x.shape
            or not 0 < dt <= p.max_gap_s):
        return x.copy(), np.zeros_like(x)  # a fresh start
    upd = valid & prev_ok  # known now and on the previous sample
    beta, min_cutoff, k, one = _constants(p, x.shape)
    a_d = 1.0 / (1.0 + (1.0 / (_K * p.d_cutoff_hz)) / dt)
    # in place, with the constants as arrays (numpy costs more per call with a Python number):
    # dx_hat = a_d * ((x - prev_x) / dt) + (1 - a_d) * prev_dx
    dx_hat = x - prev_x
    dx_hat /= dt
    dx_hat *= a_d
    dx_hat += (1 - a_d) * prev_dx
    # a = 1 / (1 + tau / dt), tau = 1 / (2 pi cutoff), cutoff = min_cutoff + beta * |dx_hat|
    a = np.abs(dx_hat)
    a *= beta
    a += min_cutoff
    a *= k
    np.divide(one, a, out=a)
    a /= dt
    a += one
    np.divide(one, a, out=a)
    out = one - a  # out = a * x + (1 - a) * prev_x
    out *= prev_x
    out += a * x
    return np.where(upd, out, x), np.where(upd, dx_hat, 0.0)


_CONSTANTS: dict[tuple[OneEuroParams, tuple[int, ...]], tuple[np.ndarray, ...]] = {}


def _constants(p: OneEuroParams, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """(beta, min_cutoff_hz, 2 pi, 1) as arrays of ``shape`` (made once, never written)."""
    c = _CONSTANTS.get((p, shape))
    if c is None:
        c = _CONSTANTS[(p, shape)] = tuple(np.full(shape, v) for v in (p.beta, p.min_cutoff_hz, _K, 1.0))
    return c


class OneEuroFilter:
    """Element-wise One-Euro filter over a fixed-shape float array; time is passed in."""

    def __init__(self, params: OneEuroParams = OneEuroParams()):
        self.p = params
        self._x: Optional[np.ndarray] = None  # last output
        self._ok: Optional[np.ndarray] = None  # where it was known
        self._dx: Optional[np.ndarray] = None  # last speed estimate (0 where restarted)
        self._t: Optional[float] = None

    def reset(self) -> None:
        self._x = self._ok = self._dx = self._t = None

    def __call__(self, t: float, x: np.ndarray, valid: Optional[np.ndarray] = None) -> np.ndarray:
        """Filter sample ``x`` taken at ``t`` seconds. ``valid`` (bool, ``x``'s shape or
        broadcastable to it) marks elements that are known; unknown ones are returned as given
        and their state reset."""
        x = np.asarray(x, float)
        finite = np.isfinite(x)
        valid = finite if valid is None else (np.asarray(valid, bool) & finite)
        out, self._dx = _step(self.p, t, x, valid, self._t, self._x, self._ok, self._dx)
        self._x, self._ok, self._t = out, valid, t
        return out


class PoseSmoother:
    """One-Euro filter over a Pose's pixel and world landmarks.

    Pixel coordinates are filtered in units of the image height so that one ``beta`` suits
    both pixels and metres (a body is ~1 unit tall in either). The two are filtered as one
    (33, 5) array (columns: x/h, y/h, world x, y, z) while they arrive together, which is
    always with MediaPipe; a pose without world landmarks filters the pixel columns alone and
    leaves the world columns' state (and time) as it was, as separate filters would.
    """

    def __init__(self, params: OneEuroParams = OneEuroParams(), min_visibility: float = 0.5):
        self.params = params
        self.min_visibility = min_visibility
        self.reset()

    def reset(self) -> None:
        self._x: Optional[np.ndarray] = None  # (33, 5) state: the last output
        self._ok: Optional[np.ndarray] = None  # (33, 5) bool: where it was known
        self._dx: Optional[np.ndarray] = None  # (33, 5) speed estimates
        self._t_px: Optional[float] = None  # when the pixel / world columns were last filtered
        self._t_w: Optional[float] = None

    def __call__(self, pose: Optional[Pose], t: float) -> Optional[Pose]:
        if pose is None:
            return None  # missing stays missing; the time gap resets the state on return
        ok = (pose.visibility >= self.min_visibility)[:, None]  # per landmark, for every coordinate
        h = float(pose.image_size[1]) or 1.0
        w = pose.world_xyz
        p = self.params
        if w is not None and self._t_px == self._t_w:  # together: one pass over both
            x = np.concatenate((pose.image_xy / h, w), axis=1)
            valid = ok & np.isfinite(x)
            out, self._dx = _step(p, t, x, valid, self._t_px, self._x, self._ok, self._dx)
            self._x, self._ok, self._t_px, self._t_w = out, valid, t, t
            return Pose(pose.t, pose.index, out[:, :2] * h, out[:, 2:], pose.visibility, pose.presence,
                        pose.image_size)
        # apart (a pose without world landmarks, or the first with them again): each block with
        # its own time, as two filters
        if self._x is None or self._ok is None or self._dx is None:
            state = (np.zeros((N_LANDMARKS, 5)), np.zeros((N_LANDMARKS, 5), bool), np.zeros((N_LANDMARKS, 5)))
        else:
            state = (self._x, self._ok, self._dx)
        new_x, new_ok, new_dx = (a.copy() for a in state)
        blocks = [(slice(0, 2), pose.image_xy / h, self._t_px)] + ([] if w is None else [(slice(2, 5), w, self._t_w)])
        outs = []
        for cols, x, last_t in blocks:
            valid = ok & np.isfinite(x)
            old = (None, None, None) if last_t is None else (state[0][:, cols], state[1][:, cols], state[2][:, cols])
            out, new_dx[:, cols] = _step(p, t, x, valid, last_t, *old)
            new_x[:, cols], new_ok[:, cols] = out, valid
            outs.append(out)
        self._x, self._ok, self._dx = new_x, new_ok, new_dx
        self._t_px = t
        if w is not None:
            self._t_w = t
        return Pose(pose.t, pose.index, outs[0] * h, outs[1] if w is not None else None, pose.visibility,
                    pose.presence, pose.image_size)
