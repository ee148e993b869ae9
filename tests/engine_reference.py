"""The engine's per-frame front half as it was before it was made lean (git 2e9028d), kept as
the reference the lean code must equal bit for bit (tests/test_engine_identity.py): the
One-Euro filter with boolean indexing, two filters per pose, the numpy measures, the numpy
side score and body yaw, the view majority counted afresh every frame, the display lookup.

``reference_coach`` makes a Coach whose stages are these; everything after the measures (rep
counters, checks, feedback) is the engine's own, so the comparison is about the front half."""
from __future__ import annotations

import math
import types
from collections import deque
from dataclasses import replace
from typing import Optional

import numpy as np

from coach import measures as M
from coach.config import PipelineConfig
from coach.engine import Coach
from coach.landmarks import INDEX, SIDES, resolve
from coach.rules.schema import DERIVED_KINDS, Exercise
from coach.types import Pose

NAN = float("nan")


def _alpha(cutoff_hz, dt):
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, float))
    return 1.0 / (1.0 + tau / dt)


class RefOneEuroFilter:
    def __init__(self, params):
        self.p = params
        self._x = None
        self._dx = None
        self._t = None

    def __call__(self, t, x, valid=None):
        x = np.asarray(x, float)
        valid = np.isfinite(x) if valid is None else (np.asarray(valid, bool) & np.isfinite(x))
        last_t = self._t
        if last_t is None or self._x is None or self._x.shape != x.shape:
            fresh = np.ones_like(valid)
        else:
            dt = t - last_t
            fresh = np.isnan(self._x) if 0 < dt <= self.p.max_gap_s else np.ones_like(valid)
        out = x.copy()
        prev_x, prev_dx = self._x, self._dx
        if prev_x is None or prev_dx is None or prev_x.shape != x.shape:
            prev_x = self._x = np.full_like(x, np.nan)
            prev_dx = self._dx = np.zeros_like(x)
        upd = valid & ~fresh
        if np.any(upd):
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


class RefPoseSmoother:
    def __init__(self, params, min_visibility=0.5):
        self.min_visibility = min_visibility
        self._px = RefOneEuroFilter(params)
        self._w = RefOneEuroFilter(params)

    def __call__(self, pose, t):
        if pose is None:
            return None
        ok = pose.visibility >= self.min_visibility
        h = float(pose.image_size[1]) or 1.0
        xy = self._px(t, pose.image_xy / h, np.repeat(ok[:, None], 2, axis=1)) * h
        w = pose.world_xyz
        if w is not None:
            w = self._w(t, w, np.repeat(ok[:, None], 3, axis=1))
        return replace(pose, image_xy=xy, world_xyz=w)


def ref_evaluate(spec, pose: Optional[Pose], side, min_visibility: float) -> float:
    if pose is None or spec.kind in ("left_right", "speed"):
        return NAN
    names = tuple(resolve(n, side) for n in spec.landmarks)
    norm_names, norm_fn = M.NORMALISERS[spec.normalize]
    if not M.known(pose, names + norm_names, spec.min_visibility or min_visibility):
        return NAN
    pts = M.points(pose, spec.space)
    if pts is None:
        return NAN
    p = [pts[INDEX[n]] for n in names]
    if spec.kind == "joint":
        value = ref_joint_angle(p[0].tolist(), p[1].tolist(), p[2].tolist())
    elif spec.kind == "inclination":
        value = float(M.inclination(p[0], p[1], spec.reference))
    elif spec.kind == "distance":
        value = float(M.distance(p[0], p[1]))
    elif spec.kind == "ratio":
        den = float(M.distance(p[2], p[3]))
        value = float(M.distance(p[0], p[1])) / den if den > 1e-9 else NAN
    elif spec.kind == "offset":
        value = M.offset(p[0], p[1], spec.axis)
    else:
        raise ValueError(spec.kind)
    if spec.kind in ("distance", "offset"):
        scale = norm_fn(pts)
        value = value / scale if scale > 1e-9 else NAN
    return value if math.isfinite(value) else NAN


def _ref_values(self, pose, side):
    ex = self.ex
    out = {}
    for name, spec in ex.measures.items():
        if spec.kind not in DERIVED_KINDS:
            s = side if name in self.sided else None
            out[name] = ref_evaluate(spec, pose, s or "left", ex.min_visibility)
    return out


def ref_measure(self, pose, t, watched):
    ex = self.ex
    mode = ex.side
    if not self.sided:
        base = _ref_values(self, pose, None)
        per_side = {"left": base, "right": base}
    elif self.needs_both_sides:
        per_side = {s: _ref_values(self, pose, s) for s in SIDES}
    else:
        per_side = {watched: _ref_values(self, pose, watched)}
    if mode == "alternate":
        out = {s: dict(per_side[s]) for s in SIDES}
    elif mode == "both":
        both = {}
        for name in per_side["left"]:
            pair = [per_side[s][name] for s in SIDES if not math.isnan(per_side[s][name])]
            both[name] = float(np.mean(pair)) if pair else NAN
        out = {None: both}
    else:
        out = {None: dict(per_side[watched])}
    for name, spec in ex.measures.items():
        if spec.kind == "left_right":
            diff = abs(per_side["left"].get(spec.of, NAN) - per_side["right"].get(spec.of, NAN))
            for vals in out.values():
                vals[name] = diff
    self._add_speeds(out, t)
    return out


def ref_sides_update(self, pose, t, landmarks, in_rep):
    last, self._last_t = self._last_t, t
    if pose is None or not any(landmarks.values()):
        return self.side
    score = {s: float(np.mean(pose.visibility[list(idx)])) for s, idx in landmarks.items()}
    d = score["left"] - score["right"]
    if self.side is None:
        self._ema = d
        self.side = "left" if d >= 0 else "right"
        return self.side
    dt = 0.0 if last is None else max(0.0, t - last)
    tc = self.config.switch_time_s
    self._ema += (1.0 - math.exp(-dt / tc) if tc > 0 else 1.0) * (d - self._ema)
    if in_rep:
        return self.side
    if self._ema > self.config.switch_margin:
        self.side = "left"
    elif self._ema < -self.config.switch_margin:
        self.side = "right"
    return self.side


_PAIRS = (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))


def ref_body_yaw(pose, min_visibility=0.3):
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


def ref_tracker_update(self, pose, t):
    from coach.view import classify
    view = classify(ref_body_yaw(pose), self.config) if pose is not None else None
    hist = self.__dict__.setdefault("_ref_hist", deque())
    if view is not None:
        hist.append((t, view))
    while hist and t - hist[0][0] > self.window_s:
        hist.popleft()
    if not hist:
        return None
    counts = {}
    for _, v in hist:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: counts[v])


def ref_joint_angle(a: list, b: list, c: list) -> float:
    """The old engine's joint angle of three points as lists (2 or 3 coordinates), in plain
    floats with sum(); NaN when either segment has zero length."""
    u = [x - y for x, y in zip(a, b)]
    v = [x - y for x, y in zip(c, b)]
    nu = math.sqrt(sum(x * x for x in u))
    nv = math.sqrt(sum(x * x for x in v))
    if nu == 0.0 or nv == 0.0 or not (math.isfinite(nu) and math.isfinite(nv)):
        return NAN
    cos = sum(x * y for x, y in zip(u, v)) / (nu * nv)
    return math.degrees(math.acos(min(1.0, max(-1.0, cos))))


def ref_display(self, pixel, vals, side):
    """The old display lookup; pixel: the frame's pose.image_xy (None without a person), as the
    engine's _display now takes it."""
    name = self.ex.display
    spec = self.ex.measures.get(name)
    if pixel is None or spec is None or math.isnan(vals.get(name, NAN)) or not spec.landmarks:
        return None
    mode = self.ex.side
    s = side or self.auto_side or (mode if mode in SIDES else "left")
    lm = spec.landmarks[1] if spec.kind == "joint" else spec.landmarks[0]
    xy = pixel[INDEX[resolve(lm, s)]]
    return (name, float(vals[name]), (float(xy[0]), float(xy[1])), spec.unit)


def make_reference(coach: Coach) -> Coach:
    """Swap the reference front half into ``coach`` (made, not yet stepped; no rule reloads)."""
    ex = coach.ex
    coach.smoother = RefPoseSmoother(coach.params.smoothing, min_visibility=ex.min_visibility)  # type: ignore
    coach.bank.measure = types.MethodType(ref_measure, coach.bank)  # type: ignore[method-assign]
    coach.sides.update = types.MethodType(ref_sides_update, coach.sides)  # type: ignore[method-assign]
    tracker = coach.monitor.tracker
    tracker.update = types.MethodType(ref_tracker_update, tracker)  # type: ignore[method-assign]
    coach._display = types.MethodType(ref_display, coach)  # type: ignore[method-assign]
    return coach


def reference_coach(exercise: Exercise, params: PipelineConfig) -> Coach:
    return make_reference(Coach(exercise, params))
