"""Timestamp-driven One-Euro filter (Casiez, Roussel & Vogel, CHI 2012) for landmarks.

Missing stays missing: a coordinate whose landmark is below the visibility threshold is passed
through unfiltered (it is unknown to every later stage anyway) and its filter state is reset,
so a landmark that reappears starts fresh instead of being dragged from where it vanished.
A gap in time longer than ``max_gap_s`` resets everything.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import numpy as np

from .landmarks import N_LANDMARKS
from .measures import Landmarks
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


def _filter(p: OneEuroParams, dt: Optional[float], xs: list[float], valid: list[bool], prev_x: list[float],
            prev_ok: list[bool], prev_dx: list[float]) -> tuple[list[float], list[float]]:
    """_step on plain floats: (output, speed estimate) of numbers ``xs`` (``valid``: known)
    ``dt`` s after the state ``prev_*`` (None: a fresh start). Per number, the same IEEE
    operations in the same order as the whole-array version (so the same bits), and the same
    fresh starts and pass-throughs."""
    w = _speed_weight(p, dt)
    if w is None:  # a fresh start
        return xs, [0.0] * len(xs)
    dt, a_d, b_d = w
    beta, min_cutoff = p.beta, p.min_cutoff_hz
    out: list[float] = []
    dxs: list[float] = []
    for x, ok, px, pok, pdx in zip(xs, valid, prev_x, prev_ok, prev_dx):
        if ok and pok:  # known now and on the previous sample
            d = (x - px) / dt * a_d + b_d * pdx
            # cutoff > 0 (min_cutoff_hz > 0, beta >= 0, checked when made): no division by 0
            a = 1.0 / (1.0 / ((abs(d) * beta + min_cutoff) * _K) / dt + 1.0)
            out.append((1.0 - a) * px + a * x)
            dxs.append(d)
        else:  # unknown now (passed through), or known again (restarted)
            out.append(x)
            dxs.append(0.0)
    return out, dxs


def _speed_weight(p: OneEuroParams, dt: Optional[float]) -> Optional[tuple[float, float, float]]:
    """(dt, a_d, 1 - a_d) of the filter's speed estimate for a sample ``dt`` s after the last
    one, or None where the filter starts afresh (no last sample, or a gap outside (0,
    max_gap_s]): the same for every number filtered at that time."""
    if dt is None or not 0 < dt <= p.max_gap_s:
        return None
    a_d = 1.0 / (1.0 + (1.0 / (_K * p.d_cutoff_hz)) / dt)
    return dt, a_d, 1 - a_d


def _filter_series(p: OneEuroParams, weights: Sequence[Optional[tuple[float, float, float]]],
                   xs: Sequence[float], valid: Sequence[bool]) -> list[float]:
    """_filter of one number over a whole stream of samples: its outputs. ``weights``: each
    sample's _speed_weight (worked out once for every number of a block). The same IEEE
    operations in the same order as _filter's, per sample (so the same bits), run along time
    for one number instead of across the numbers for one time."""
    beta, min_cutoff = p.beta, p.min_cutoff_hz
    out: list[float] = []
    px, pok, pdx = math.nan, False, 0.0
    for x, ok, w in zip(xs, valid, weights):
        if ok and pok and w is not None:  # known now and before, no restart
            dt, a_d, b_d = w
            d = (x - px) / dt * a_d + b_d * pdx
            a = 1.0 / (1.0 / ((abs(d) * beta + min_cutoff) * _K) / dt + 1.0)
            px = (1.0 - a) * px + a * x
            pdx = d
        else:  # a fresh start, unknown now (passed through) or known again (restarted)
            px, pdx = x, 0.0
        pok = ok
        out.append(px)
    return out


@dataclass(frozen=True)
class SmoothedStream:
    """A whole stream through LandmarkSmoother, frame by frame as __call__ would have given it
    (coach.measured reads it). T frames; ``present``: (T,) a pose on that frame; ``vis``: (T, 33)
    the poses' own visibilities (NaN without a pose); ``pixel``: (T, 33, 2) smoothed pixel xy
    (px); ``world``: (T, 33, 3) smoothed world xyz (m), NaN on frames without world landmarks
    (``has_world`` (T,) False); landmarks not chosen are NaN."""

    present: np.ndarray
    vis: np.ndarray
    pixel: np.ndarray
    world: np.ndarray
    has_world: np.ndarray


# Poses a prepared stream converts at a time (LandmarkSmoother.prepare): larger blocks cost
# fewer numpy calls a frame but hold more converted numbers (~100 floats a pose). Raise for
# faster replays of long recordings, lower to hold less.
PREPARE_BLOCK = 256

# A pose's numbers for the landmark smoother: (visibilities (33), image height (px), the chosen
# numbers (pixel x/h, y/h then world x, y, z), whether each is known, whether it has world
# landmarks)
_Numbers = tuple[list[float], float, list[float], list[bool], bool]


class LandmarkSmoother:
    """PoseSmoother's filter on chosen landmarks only, in plain Python floats, giving the
    frame's :class:`coach.measures.Landmarks` (what the measures, the view and the display
    read) instead of a Pose.

    pixel / world: the landmarks (indices) whose pixel / world coordinates are read. The
    filter is element-wise, so those get exactly PoseSmoother's values, bit for bit
    (tests/test_engine_landmarks.py), with the same pixel / world timing (a pose without world
    landmarks leaves the world filter as it was). A replay's rule file reads a few landmarks
    in one space or two: filtering those 20-40 numbers in floats costs less than one pass of
    whole-array numpy over all 165 and the Pose made from it. Coordinates not chosen read as
    NaN (unknown); visibilities are the pose's own, all 33.

    The state is one list of numbers: x/h, y/h of each pixel landmark, then x, y, z (m) of
    each world landmark, in order, filtered in one pass while the two arrive together.
    """

    def __init__(self, params: OneEuroParams = OneEuroParams(), min_visibility: float = 0.5,
                 pixel: Iterable[int] = (), world: Iterable[int] = ()):
        if not (params.min_cutoff_hz > 0 and params.beta >= 0):  # as calibration/pipeline.toml's ranges
            raise ValueError("the landmark smoother needs min_cutoff_hz > 0 and beta >= 0")
        self.params = params
        self.min_visibility = min_visibility
        self.pixel: tuple[int, ...] = tuple(sorted(set(pixel)))
        self.world: tuple[int, ...] = tuple(sorted(set(world)))
        self._n_px = 2 * len(self.pixel)  # the pixel numbers come first in the state
        n = self._n_px + 3 * len(self.world)
        self._x: list[float] = [math.nan] * n  # last output
        self._ok: list[bool] = [False] * n  # where it was known
        self._dx: list[float] = [0.0] * n  # last speed estimate (0 where restarted)
        self._t_px: Optional[float] = None  # when the pixel / world numbers were last filtered (s)
        self._t_w: Optional[float] = None
        self._pixel_rows = np.array(self.pixel, np.intp)  # for numpy indexing (prepare)
        self._world_rows = np.array(self.world, np.intp)
        self._nan_px = [[math.nan] * 2] * N_LANDMARKS  # a landmark not chosen: unknown
        self._nan_w = [[math.nan] * 3] * N_LANDMARKS
        # a stream given up front (prepare): its poses, id(pose) -> place, one converted block
        self._stream: Sequence[Optional[Pose]] = ()
        self._where: dict[int, int] = {}
        self._block: tuple[int, list[Optional[_Numbers]]] = (-1, [])

    def prepare(self, poses: Sequence[Optional[Pose]]) -> None:
        """A stream whose poses are all known (a recording being replayed): their chosen
        numbers are then converted to floats PREPARE_BLOCK poses at a time, one numpy pass for
        them all, rather than the whole pose once a frame. The same numbers: __call__ uses them
        only for these very Pose objects, in any order; other poses are converted as they come.
        The poses' arrays must not be changed in place afterwards (a recording's never are)."""
        self._stream = poses
        self._where = {id(p): k for k, p in enumerate(poses) if p is not None}
        self._block = (-1, [])

    def _prepared(self, pose: Pose) -> Optional[_Numbers]:
        k = self._where.get(id(pose))
        if k is None or self._stream[k] is not pose:
            return None
        b, numbers = self._block
        if b != k // PREPARE_BLOCK:
            b = k // PREPARE_BLOCK
            numbers = self._convert(self._stream[b * PREPARE_BLOCK:(b + 1) * PREPARE_BLOCK])
            self._block = (b, numbers)
        return numbers[k - b * PREPARE_BLOCK]

    def _arrays(self, seen: Sequence[Pose]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[bool]]:
        """Of poses (none None), as __call__ reads them one by one: visibilities (n, 33), image
        heights (n,) px, the chosen numbers (n, k): pixel x/h, y/h then world x, y, z (0 for a
        pose without world landmarks), whether each is known (visible enough and finite), and
        whether each pose has world landmarks."""
        n = len(seen)
        vis = np.array([p.visibility for p in seen])
        h = np.array([float(p.image_size[1]) or 1.0 for p in seen])
        ok = vis >= self.min_visibility
        xs = np.array([p.image_xy for p in seen])[:, self._pixel_rows] / h[:, None, None]
        has_w = [p.world_xyz is not None for p in seen]
        zeros = np.zeros((N_LANDMARKS, 3))  # a pose without world landmarks: its numbers are cut off below
        w = np.array([zeros if p.world_xyz is None else p.world_xyz for p in seen])[:, self._world_rows]
        numbers = np.concatenate((xs.reshape(n, -1), w.reshape(n, -1)), axis=1)
        known = np.concatenate(((ok[:, self._pixel_rows, None] & np.isfinite(xs)).reshape(n, -1),
                                (ok[:, self._world_rows, None] & np.isfinite(w)).reshape(n, -1)), axis=1)
        return vis, h, numbers, known, has_w

    def _convert(self, poses: Sequence[Optional[Pose]]) -> list[Optional[_Numbers]]:
        """_Numbers of every pose (None for no pose), as __call__ would make them one by one:
        the pixels divided by the image height, known where visible enough and finite."""
        seen = [p for p in poses if p is not None]
        if not seen:
            return [None] * len(poses)
        vis, h, numbers, known, has_w = self._arrays(seen)
        n_px = self._n_px
        made = iter([(v, hh, x if hw else x[:n_px], k if hw else k[:n_px], hw) for v, hh, x, k, hw in
                     zip(vis.tolist(), h.tolist(), numbers.tolist(), known.tolist(), has_w)])
        return [None if p is None else next(made) for p in poses]

    def smooth_stream(self, poses: Sequence[Optional[Pose]], times: Sequence[float]) -> SmoothedStream:
        """What a fresh smoother returns for ``poses`` at ``times`` (s), one after the other,
        without the per-frame calls: each number filtered along the whole stream at once
        (_filter_series). Bit for bit __call__'s values (tests/test_measured.py); this smoother's
        own state is not touched."""
        n_frames = len(poses)
        present = np.array([p is not None for p in poses], bool)
        vis = np.full((n_frames, N_LANDMARKS), np.nan)
        pixel = np.full((n_frames, N_LANDMARKS, 2), np.nan)
        world = np.full((n_frames, N_LANDMARKS, 3), np.nan)
        has_world = np.zeros(n_frames, bool)
        seen = [p for p in poses if p is not None]
        if not seen:
            return SmoothedStream(present, vis, pixel, world, has_world)
        at = np.flatnonzero(present)
        v, h, numbers, known, has_w = self._arrays(seen)
        vis[at] = v
        ts = [float(times[k]) for k in at.tolist()]
        n_px = self._n_px
        # each block (pixel numbers: every pose; world: poses with world landmarks) on its own
        # clock, as the filter keeps one last time per block
        w_rows = np.flatnonzero(has_w)
        has_world[at[w_rows]] = True
        for is_pixel, rows, cols in ((True, np.arange(len(seen)), slice(0, n_px)),
                                     (False, w_rows, slice(n_px, numbers.shape[1]))):
            if not rows.size or cols.start == cols.stop:
                continue
            block_t = [ts[r] for r in rows.tolist()]
            dts = [None] + [b - a for a, b in zip(block_t, block_t[1:])]
            weights = [_speed_weight(self.params, dt) for dt in dts]
            xs, ok = numbers[rows, cols].T.tolist(), known[rows, cols].T.tolist()
            out = np.array([_filter_series(self.params, weights, x, o) for x, o in zip(xs, ok)]).T
            if is_pixel:
                pixel[at[:, None], self._pixel_rows] = out.reshape(len(rows), -1, 2) * h[:, None, None]
            else:
                world[at[rows][:, None], self._world_rows] = out.reshape(len(rows), -1, 3)
        return SmoothedStream(present, vis, pixel, world, has_world)

    def _numbers(self, pose: Pose) -> _Numbers:
        """(visibilities, image height, the chosen numbers, whether each is known, whether the
        pose has world landmarks) of one pose: pixel x/h, y/h then world x, y, z, in order."""
        vis: list[float] = pose.visibility.tolist()
        thr = self.min_visibility
        isfinite = math.isfinite
        h = float(pose.image_size[1]) or 1.0
        xs: list[float] = []
        valid: list[bool] = []
        if self.pixel:
            xy = pose.image_xy.tolist()
            for i in self.pixel:  # in image heights, as PoseSmoother filters them
                ok = vis[i] >= thr
                x, y = xy[i]
                x /= h
                y /= h
                xs += (x, y)
                valid += (ok and isfinite(x), ok and isfinite(y))
        world = pose.world_xyz
        has_world = world is not None
        if world is not None and self.world:
            w = world.tolist()
            for i in self.world:
                ok = vis[i] >= thr
                c = w[i]
                xs += c
                valid += (ok and isfinite(c[0]), ok and isfinite(c[1]), ok and isfinite(c[2]))
        return vis, h, xs, valid, has_world

    def _at(self) -> dict[tuple[str, int], int]:
        """(space, landmark) -> where its first number sits in the state."""
        at = {("pixel", i): 2 * k for k, i in enumerate(self.pixel)}
        at.update({("world", i): self._n_px + 3 * k for k, i in enumerate(self.world)})
        return at

    def widen(self, pixel: Iterable[int], world: Iterable[int]) -> LandmarkSmoother:
        """A smoother over these landmarks too (rules reloaded): the ones already chosen keep
        their state; the new ones start as if they had just come into view."""
        new = LandmarkSmoother(self.params, self.min_visibility, set(self.pixel) | set(pixel),
                               set(self.world) | set(world))
        new._t_px, new._t_w = self._t_px, self._t_w
        was = self._at()
        for key, k in new._at().items():
            if key in was:
                j, d = was[key], 2 if key[0] == "pixel" else 3
                new._x[k:k + d] = self._x[j:j + d]
                new._ok[k:k + d] = self._ok[j:j + d]
                new._dx[k:k + d] = self._dx[j:j + d]
        return new

    def __call__(self, pose: Optional[Pose], t: float) -> Optional[Landmarks]:
        if pose is None:
            return None  # missing stays missing; the time gap resets the state on return
        vis, h, xs, valid, has_world = self._prepared(pose) or self._numbers(pose)
        n_px = self._n_px
        p = self.params
        last = self._t_px
        if has_world and last == self._t_w:  # together: one pass, one time
            out, dx = _filter(p, None if last is None else t - last, xs, valid, self._x, self._ok, self._dx)
            self._x, self._ok, self._dx = out, valid, dx
            self._t_px = self._t_w = t
        else:  # apart (no world landmarks now, or the first with them again): each its own time
            x, ok, dx = self._x.copy(), self._ok.copy(), self._dx.copy()
            px_out, dx[:n_px] = _filter(p, None if last is None else t - last, xs[:n_px], valid[:n_px],
                                        x[:n_px], ok[:n_px], dx[:n_px])
            x[:n_px], ok[:n_px] = px_out, valid[:n_px]
            self._t_px = t
            if has_world:
                last = self._t_w
                w_out, dx[n_px:] = _filter(p, None if last is None else t - last, xs[n_px:], valid[n_px:],
                                           x[n_px:], ok[n_px:], dx[n_px:])
                x[n_px:], ok[n_px:] = w_out, valid[n_px:]
                self._t_w = t
            self._x, self._ok, self._dx = x, ok, dx
            out = x
        pixel = self._nan_px.copy()
        for k, i in enumerate(self.pixel):
            pixel[i] = [out[2 * k] * h, out[2 * k + 1] * h]
        if not has_world:
            return Landmarks(vis, pixel, None)
        world = self._nan_w.copy()
        k = n_px
        for i in self.world:
            world[i] = out[k:k + 3]
            k += 3
        return Landmarks(vis, pixel, world)
