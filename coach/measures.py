"""Geometry on landmarks (pure numpy): joint angles, inclinations, normalised distances,
ratios, relative positions and left-right differences.

The geometry functions take points as numpy arrays of shape (..., D) with D = 2 (pixels: x
right, y down) or D = 3 (world metres: x right, y down, z away from the camera). Angles are in
degrees. Never pass MediaPipe's normalised x/y here: on a non-square frame they distort angles.

Rule-file measures run every frame through :func:`compile_measure`: the same formulas on plain
floats (a frame's :class:`Landmarks`), equal to the numpy ones bit for bit
(tests/test_engine_identity.py), without numpy's per-call cost on two or three numbers.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from .landmarks import INDEX, resolve
from .types import Pose

NAN = float("nan")


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at vertex ``b`` between segments b->a and b->c, degrees in [0, 180].

    NaN when either segment has zero length.
    """
    u = np.asarray(a, float) - np.asarray(b, float)
    v = np.asarray(c, float) - np.asarray(b, float)
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _up(dim: int) -> np.ndarray:
    up = np.zeros(dim)
    up[1] = -1.0  # y points down in both pixel and world coordinates
    return up


def inclination(p_from: np.ndarray, p_to: np.ndarray, reference: str = "vertical") -> np.ndarray:
    """Lean of the segment from->to, degrees.

    reference "vertical": angle between the segment and straight up, [0, 180]
    (0 = ``to`` directly above ``from``, 90 = level, 180 = directly below).
    reference "horizontal": elevation above the horizontal, [-90, 90]
    (positive = ``to`` higher than ``from``).
    """
    d = np.asarray(p_to, float) - np.asarray(p_from, float)
    n = np.linalg.norm(d, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(d * _up(d.shape[-1]), axis=-1) / n
    return _from_reference(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), reference)


def _from_reference(from_vertical: Any, reference: str) -> Any:
    """An inclination measured from straight up (degrees; a number or an array) as the rule
    file's ``reference`` reads it: "vertical" as it is, "horizontal" as the elevation."""
    if reference == "vertical":
        return from_vertical
    if reference == "horizontal":
        return 90.0 - from_vertical
    raise ValueError(f"unknown inclination reference {reference!r}")


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between points, in their unit (pixels or metres)."""
    return np.linalg.norm(np.asarray(a, float) - np.asarray(b, float), axis=-1)


def torso_length(pts: np.ndarray) -> float:
    """Distance from the shoulder midpoint to the hip midpoint of a (33, D) landmark array."""
    sh = (pts[INDEX["left_shoulder"]] + pts[INDEX["right_shoulder"]]) / 2
    hp = (pts[INDEX["left_hip"]] + pts[INDEX["right_hip"]]) / 2
    return float(distance(sh, hp))


def shoulder_width(pts: np.ndarray) -> float:
    return float(distance(pts[INDEX["left_shoulder"]], pts[INDEX["right_shoulder"]]))


NORMALISERS: dict[str, tuple[tuple[str, ...], Callable[[np.ndarray], float]]] = {
    # name -> (landmarks it needs, function of the (33, D) array)
    "torso": (("left_shoulder", "right_shoulder", "left_hip", "right_hip"), torso_length),
    "shoulder_width": (("left_shoulder", "right_shoulder"), shoulder_width),
    "none": ((), lambda pts: 1.0),
}

AXES = ("up", "right", "toward_camera")
NORMALISED = ("distance", "offset")  # the measure kinds divided by their normaliser


def offset(a: np.ndarray, b: np.ndarray, axis: str) -> float:
    """Position of ``a`` relative to ``b`` along an axis, in the points' unit.

    "up": positive when a is higher than b; "right": positive when a is further to the
    image's right (the camera's view, unmirrored); "toward_camera": positive when a is nearer
    the camera than b (world coordinates only).
    """
    if axis == "up":
        return float(b[1] - a[1])
    if axis == "right":
        return float(a[0] - b[0])
    if axis == "toward_camera":
        if len(a) < 3:
            raise ValueError("toward_camera needs world coordinates")
        return float(b[2] - a[2])
    raise ValueError(f"unknown axis {axis!r}")


# ---------------------------------------------------------------- measures from a Pose

def points(pose: Pose, space: str) -> Optional[np.ndarray]:
    """(33, D) landmark coordinates in ``space`` ("world" metres or "pixel"), None if absent."""
    if space == "pixel":
        return pose.image_xy
    return pose.world_xyz


def known(pose: Pose, names: tuple[str, ...], min_visibility: float) -> bool:
    """True when every named landmark is visible enough to be trusted."""
    vis = pose.visibility
    return all(vis[INDEX[n]] >= min_visibility for n in names)


def _joint_angle_scalar(a: list[float], b: list[float], c: list[float]) -> float:
    """joint_angle for one triple of points given as lists of 2 or 3 floats, written out (~10x
    faster than numpy on three points; it runs every frame for every joint measure). NaN when
    either segment has zero length. Sums add left to right from 0, as the reference formula's
    sum() does (tests/engine_reference.ref_joint_angle; tests/test_engine_landmarks.py checks
    them equal bit for bit)."""
    ux, uy, vx, vy = a[0] - b[0], a[1] - b[1], c[0] - b[0], c[1] - b[1]
    if len(b) == 3:
        uz, vz = a[2] - b[2], c[2] - b[2]
        nu = math.sqrt(0.0 + ux * ux + uy * uy + uz * uz)
        nv = math.sqrt(0.0 + vx * vx + vy * vy + vz * vz)
        dot = 0.0 + ux * vx + uy * vy + uz * vz
    else:
        nu = math.sqrt(0.0 + ux * ux + uy * uy)
        nv = math.sqrt(0.0 + vx * vx + vy * vy)
        dot = 0.0 + ux * vx + uy * vy
    if nu == 0.0 or nv == 0.0 or not (math.isfinite(nu) and math.isfinite(nv)):
        return NAN
    cos = dot / (nu * nv)
    cos = cos if cos > -1.0 else -1.0  # min(1.0, max(-1.0, cos)), NaN -> -1.0 as max() gives
    return math.degrees(math.acos(cos if cos < 1.0 else 1.0))


class Landmarks:
    """One pose's landmarks as plain Python floats, made once a frame for the measures (list
    indexing and float arithmetic cost a fraction of numpy's per-call overhead on 2-3 numbers).
    vis: 33 visibilities; pixel: 33 [x, y]; world: 33 [x, y, z] or None."""

    __slots__ = ("vis", "pixel", "world", "scales")

    def __init__(self, vis: list[float], pixel: list[list[float]], world: Optional[list[list[float]]]):
        self.vis = vis
        self.pixel = pixel
        self.world = world
        # (normaliser, world?) -> its length this frame: several measures divide by the torso
        self.scales: dict[tuple[str, bool], float] = {}

    @classmethod
    def of(cls, pose: Pose) -> Landmarks:
        """Every landmark of ``pose`` (coach.smoothing.LandmarkSmoother makes them for a few)."""
        return cls(pose.visibility.tolist(), pose.image_xy.tolist(),
                   None if pose.world_xyz is None else pose.world_xyz.tolist())


def _distance_scalar(a: list[float], b: list[float]) -> float:
    """distance() of two points of 2 or 3 coordinates, bit for bit (np.linalg.norm adds the
    squares of so few numbers left to right from 0)."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    if len(a) == 3:
        dz = a[2] - b[2]
        return math.sqrt(0.0 + dx * dx + dy * dy + dz * dz)
    return math.sqrt(0.0 + dx * dx + dy * dy)


def _inclination_scalar(p_from: list[float], p_to: list[float], reference: str) -> float:
    """inclination() on plain floats, bit for bit: the arc cosine stays numpy's (its SIMD
    arccos and the C library's acos differ in the last bit for about a third of inputs)."""
    dx, dy = p_to[0] - p_from[0], p_to[1] - p_from[1]
    if len(p_to) == 3:
        dz = p_to[2] - p_from[2]
        n = math.sqrt(0.0 + dx * dx + dy * dy + dz * dz)  # as _distance_scalar
    else:
        n = math.sqrt(0.0 + dx * dx + dy * dy)
    num = -dy  # d . up, up = (0, -1[, 0])
    if n == 0.0:
        cos = NAN if num == 0.0 or num != num else (1.0 if num > 0 else -1.0)
    elif n != n:
        cos = NAN
    else:
        cos = num / n
        cos = cos if cos > -1.0 else -1.0  # min(1.0, max(-1.0, cos)), NaN -> -1.0 as max() gives
        cos = cos if cos < 1.0 else 1.0
    return _from_reference(math.degrees(float(np.arccos(cos))), reference)


def _torso_scalar(pts: list[list[float]]) -> float:
    """torso_length() on plain floats, bit for bit."""
    sh = [(x + y) / 2 for x, y in zip(pts[INDEX["left_shoulder"]], pts[INDEX["right_shoulder"]])]
    hp = [(x + y) / 2 for x, y in zip(pts[INDEX["left_hip"]], pts[INDEX["right_hip"]])]
    return _distance_scalar(sh, hp)


def _shoulder_width_scalar(pts: list[list[float]]) -> float:
    return _distance_scalar(pts[INDEX["left_shoulder"]], pts[INDEX["right_shoulder"]])


_SCALAR_NORMALISERS: dict[str, Callable[[list[list[float]]], float]] = {
    "torso": _torso_scalar, "shoulder_width": _shoulder_width_scalar, "none": lambda pts: 1.0}


def compile_measure(spec, side: Optional[str], min_visibility: float) -> Callable[[Landmarks], float]:
    """One rule-file measure (``coach.rules.schema.MeasureSpec``, not a derived one) with
    ``{side}`` read as ``side``, as a function of a frame's :class:`Landmarks`: the landmark
    names are looked up once here, not every frame. Same values as :func:`evaluate`."""
    names = tuple(resolve(n, side) for n in spec.landmarks)
    norm_names, _ = NORMALISERS[spec.normalize]
    need = tuple(INDEX[n] for n in names + norm_names)
    thr = spec.min_visibility or min_visibility
    idx = tuple(INDEX[n] for n in names)
    kind, world = spec.kind, spec.space != "pixel"
    norm = _SCALAR_NORMALISERS[spec.normalize] if kind in NORMALISED else None
    scale_key = (spec.normalize, world)
    reference, axis = spec.reference, spec.axis

    def value(lm: Landmarks) -> float:
        vis = lm.vis
        for i in need:
            if not vis[i] >= thr:  # NaN visibility is unknown too
                return NAN
        pts = lm.world if world else lm.pixel
        if pts is None:
            return NAN
        if kind == "joint":
            v = _joint_angle_scalar(pts[idx[0]], pts[idx[1]], pts[idx[2]])
        elif kind == "inclination":
            v = _inclination_scalar(pts[idx[0]], pts[idx[1]], reference)
        elif kind == "distance":
            v = _distance_scalar(pts[idx[0]], pts[idx[1]])
        elif kind == "ratio":
            den = _distance_scalar(pts[idx[2]], pts[idx[3]])
            v = _distance_scalar(pts[idx[0]], pts[idx[1]]) / den if den > 1e-9 else NAN
        elif kind == "offset":
            v = offset(pts[idx[0]], pts[idx[1]], axis)  # type: ignore[arg-type]  # indexes like an array
        else:  # pragma: no cover - the loader admits only the kinds above
            raise ValueError(kind)
        if norm is not None:
            scale = lm.scales.get(scale_key)  # once a frame: the same points give the same length
            if scale is None:
                scale = lm.scales[scale_key] = norm(pts)
            v = v / scale if scale > 1e-9 else NAN
        return v if math.isfinite(v) else NAN

    return value


def evaluate(spec, pose: Optional[Pose], side: Optional[str], min_visibility: float) -> float:
    """Value of one rule-file measure (``coach.rules.schema.MeasureSpec``) on one pose, with
    ``{side}`` read as ``side``. Derived measures (left_right, speed) are combined by the caller.

    Returns NaN (unknown) when the pose is missing, a landmark is below ``min_visibility``,
    the coordinate space is unavailable, or the geometry is degenerate. (The engine compiles
    its measures once, :func:`compile_measure`; this is the same computation for one call.)
    """
    if pose is None or spec.kind in ("left_right", "speed"):
        return NAN
    return compile_measure(spec, side, min_visibility)(Landmarks.of(pose))


# ---------------------------------------------------------------- a whole stream at once

_RAD_TO_DEG = 180.0 / math.pi  # what math.degrees multiplies by


def _length_rows(d: list[np.ndarray]) -> np.ndarray:
    """Per row, the length of the vector whose coordinates are ``d`` (2 or 3 arrays), summed as
    _distance_scalar sums (from 0, left to right)."""
    total = 0.0 + d[0] * d[0]
    for c in d[1:]:
        total = total + c * c
    return np.sqrt(total)


def _joint_angle_rows(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """_joint_angle_scalar of (T, D) points, row by row, bit for bit (its arc cosine is the C
    library's, taken per row)."""
    u = [a[:, i] - b[:, i] for i in range(b.shape[1])]
    v = [c[:, i] - b[:, i] for i in range(b.shape[1])]
    nu, nv = _length_rows(u), _length_rows(v)
    dot = 0.0 + u[0] * v[0]
    for x, y in zip(u[1:], v[1:]):
        dot = dot + x * y
    bad = (nu == 0.0) | (nv == 0.0) | ~(np.isfinite(nu) & np.isfinite(nv))
    cos = dot / (nu * nv)
    cos = np.where(cos > -1.0, cos, -1.0)  # NaN -> -1.0, as the scalar clamp
    cos = np.where(cos < 1.0, cos, 1.0)
    angle = np.array([math.acos(x) for x in cos.tolist()]) * _RAD_TO_DEG if len(cos) else np.zeros(0)
    return np.where(bad, NAN, angle)


def _inclination_rows(p_from: np.ndarray, p_to: np.ndarray, reference: str) -> np.ndarray:
    """_inclination_scalar of (T, D) points, row by row, bit for bit."""
    d = [p_to[:, i] - p_from[:, i] for i in range(p_to.shape[1])]
    n = _length_rows(d)
    num = -d[1]
    zero = np.where((num == 0.0) | (num != num), NAN, np.where(num > 0, 1.0, -1.0))
    cos = num / n
    cos = np.where(cos > -1.0, cos, -1.0)
    cos = np.where(cos < 1.0, cos, 1.0)
    cos = np.where(n == 0.0, zero, np.where(n != n, NAN, cos))
    return _from_reference(np.arccos(cos) * _RAD_TO_DEG, reference)


def _distance_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _length_rows([a[:, i] - b[:, i] for i in range(a.shape[1])])


def _torso_rows(pts: np.ndarray) -> np.ndarray:
    sh = (pts[:, INDEX["left_shoulder"]] + pts[:, INDEX["right_shoulder"]]) / 2
    hp = (pts[:, INDEX["left_hip"]] + pts[:, INDEX["right_hip"]]) / 2
    return _distance_rows(sh, hp)


def _shoulder_width_rows(pts: np.ndarray) -> np.ndarray:
    return _distance_rows(pts[:, INDEX["left_shoulder"]], pts[:, INDEX["right_shoulder"]])


_ROWS_NORMALISERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "torso": _torso_rows, "shoulder_width": _shoulder_width_rows, "none": lambda pts: np.ones(len(pts))}


# a measure of a whole stream: (vis, pixel, world, has_world) -> values (see compile_measure_rows)
RowsMeasure = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def compile_measure_rows(spec, side: Optional[str], min_visibility: float) -> RowsMeasure:
    """:func:`compile_measure` for a whole stream at once: a function of (vis (T, 33), pixel
    (T, 33, 2) px, world (T, 33, 3) m, has_world (T,)) giving the T values, each bit for bit
    what compile_measure's function gives on that frame's Landmarks (tests/test_measured.py).
    A replay measures a recording with it in a few dozen whole-array operations per measure
    instead of a Python call per frame (coach.measured)."""
    names = tuple(resolve(n, side) for n in spec.landmarks)
    norm_names, _ = NORMALISERS[spec.normalize]
    need = [INDEX[n] for n in names + norm_names]
    thr = spec.min_visibility or min_visibility
    idx = [INDEX[n] for n in names]
    kind, world_space = spec.kind, spec.space != "pixel"
    norm = _ROWS_NORMALISERS[spec.normalize] if kind in NORMALISED else None

    def values(vis: np.ndarray, pixel: np.ndarray, world: np.ndarray, has_world: np.ndarray) -> np.ndarray:
        known = (vis[:, need] >= thr).all(axis=1) if need else np.ones(len(vis), bool)  # NaN: unknown
        if world_space:
            known &= has_world
        pts = world if world_space else pixel
        p = [pts[:, i] for i in idx]
        with np.errstate(all="ignore"):
            if kind == "joint":
                v = _joint_angle_rows(p[0], p[1], p[2])
            elif kind == "inclination":
                v = _inclination_rows(p[0], p[1], spec.reference)
            elif kind == "distance":
                v = _distance_rows(p[0], p[1])
            elif kind == "ratio":
                den = _distance_rows(p[2], p[3])
                v = np.where(den > 1e-9, _distance_rows(p[0], p[1]) / den, NAN)
            elif kind == "offset":
                axis = spec.axis
                if axis == "up":
                    v = p[1][:, 1] - p[0][:, 1]
                elif axis == "right":
                    v = p[0][:, 0] - p[1][:, 0]
                elif axis == "toward_camera" and world_space:
                    v = p[1][:, 2] - p[0][:, 2]
                else:  # pragma: no cover - the loader admits only these
                    raise ValueError(f"unknown axis {axis!r} in {spec.space}")
            else:  # pragma: no cover - the loader admits only the kinds above
                raise ValueError(kind)
            if norm is not None:
                scale = norm(pts)
                v = np.where(scale > 1e-9, v / scale, NAN)
        return np.where(known & np.isfinite(v), v, NAN)

    return values
