"""Geometry on landmarks (pure numpy): joint angles, inclinations, normalised distances,
ratios, relative positions and left-right differences.

All functions take points as numpy arrays of shape (..., D) with D = 2 (pixels: x right, y down)
or D = 3 (world metres: x right, y down, z away from the camera). Angles are in degrees.
Never pass MediaPipe's normalised x/y here: on a non-square frame they distort angles.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

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
    from_vertical = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
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


def _joint_angle_scalar(a: list, b: list, c: list) -> float:
    """joint_angle for one triple of points given as lists (2 or 3 coordinates): the same
    formula in plain floats, ~10x faster than numpy on three points (it runs every frame for
    every joint measure). NaN when either segment has zero length."""
    u = [x - y for x, y in zip(a, b)]
    v = [x - y for x, y in zip(c, b)]
    nu = math.sqrt(sum(x * x for x in u))
    nv = math.sqrt(sum(x * x for x in v))
    if nu == 0.0 or nv == 0.0 or not (math.isfinite(nu) and math.isfinite(nv)):
        return NAN
    cos = sum(x * y for x, y in zip(u, v)) / (nu * nv)
    return math.degrees(math.acos(min(1.0, max(-1.0, cos))))


def evaluate(spec, pose: Optional[Pose], side: Optional[str], min_visibility: float) -> float:
    """Value of one rule-file measure (``coach.rules.schema.MeasureSpec``) on one pose, with
    ``{side}`` read as ``side``. Derived measures (left_right, speed) are combined by the caller.

    Returns NaN (unknown) when the pose is missing, a landmark is below ``min_visibility``,
    the coordinate space is unavailable, or the geometry is degenerate.
    """
    if pose is None or spec.kind in ("left_right", "speed"):
        return NAN
    names = tuple(resolve(n, side) for n in spec.landmarks)
    norm_names, norm_fn = NORMALISERS[spec.normalize]
    if not known(pose, names + norm_names, spec.min_visibility or min_visibility):
        return NAN
    pts = points(pose, spec.space)
    if pts is None:
        return NAN
    p = [pts[INDEX[n]] for n in names]
    if spec.kind == "joint":
        value = _joint_angle_scalar(p[0].tolist(), p[1].tolist(), p[2].tolist())
    elif spec.kind == "inclination":
        value = float(inclination(p[0], p[1], spec.reference))
    elif spec.kind == "distance":
        value = float(distance(p[0], p[1]))
    elif spec.kind == "ratio":
        den = float(distance(p[2], p[3]))
        value = float(distance(p[0], p[1])) / den if den > 1e-9 else NAN
    elif spec.kind == "offset":
        value = offset(p[0], p[1], spec.axis)
    else:  # pragma: no cover - the loader admits only the kinds above
        raise ValueError(spec.kind)
    if spec.kind in ("distance", "offset"):
        scale = norm_fn(pts)
        value = value / scale if scale > 1e-9 else NAN
    return value if math.isfinite(value) else NAN
