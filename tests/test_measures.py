"""Measures against hand-computed geometry."""
from __future__ import annotations

import math

import numpy as np
import pytest

from coach import measures as M
from coach.landmarks import INDEX
from coach.rules.schema import MeasureSpec
from coach.types import Pose


@pytest.mark.parametrize("a,b,c,expected", [
    ((1, 0), (0, 0), (0, 1), 90.0),
    ((1, 0), (0, 0), (1, 0), 0.0),
    ((1, 0), (0, 0), (-1, 0), 180.0),
    ((1, 0), (0, 0), (1, 1), 45.0),
    ((1, 0), (0, 0), (-1, math.sqrt(3)), 120.0),
    ((0, 0, 1), (0, 0, 0), (0, 1, 0), 90.0),
    ((2, 2, 2), (1, 1, 1), (2, 1, 1), math.degrees(math.acos(1 / math.sqrt(3)))),
])
def test_joint_angle(a, b, c, expected):
    angle = M.joint_angle(np.array(a, float), np.array(b, float), np.array(c, float))
    assert angle == pytest.approx(expected, abs=1e-9)


def test_joint_angle_degenerate_is_nan():
    assert math.isnan(M.joint_angle(np.zeros(2), np.zeros(2), np.ones(2)))


@pytest.mark.parametrize("p_from,p_to,reference,expected", [
    ((0, 10), (0, 0), "vertical", 0.0),       # to straight above from (y down)
    ((0, 0), (0, 10), "vertical", 180.0),     # straight below
    ((0, 0), (10, 0), "vertical", 90.0),
    ((0, 10), (10, 0), "vertical", 45.0),
    ((0, 10), (10, 0), "horizontal", 45.0),   # rising
    ((0, 0), (10, 10), "horizontal", -45.0),  # falling
    ((0, 0, 0), (0, -1, 1), "vertical", 45.0),  # world: leaning away from the camera
])
def test_inclination(p_from, p_to, reference, expected):
    assert M.inclination(np.array(p_from, float), np.array(p_to, float), reference) == pytest.approx(expected)


@pytest.mark.parametrize("a,b,axis,expected", [
    ((0, 0, 0), (0, 5, 0), "up", 5.0),     # a is 5 above b (y down)
    ((3, 0, 0), (1, 0, 0), "right", 2.0),
    ((0, 0, 1), (0, 0, 3), "toward_camera", 2.0),
])
def test_offset(a, b, axis, expected):
    assert M.offset(np.array(a, float), np.array(b, float), axis) == pytest.approx(expected)


def _pose(world: dict[str, tuple], vis: float = 0.9, low: tuple[str, ...] = ()) -> Pose:
    w = np.zeros((33, 3))
    for k, v in world.items():
        w[INDEX[k]] = v
    visibility = np.full(33, vis)
    for k in low:
        visibility[INDEX[k]] = 0.1
    px = w[:, :2] * 100 + 300  # a pixel image of the same figure, 100 px per metre
    return Pose(t=0.0, index=0, image_xy=px, world_xyz=w, visibility=visibility, presence=np.ones(33),
                image_size=(640, 480))


BODY = {"left_shoulder": (0.2, -0.5, 0), "right_shoulder": (-0.2, -0.5, 0), "left_hip": (0.1, 0, 0),
        "right_hip": (-0.1, 0, 0), "left_elbow": (0.2, -0.2, 0), "left_wrist": (0.5, -0.2, 0),
        "nose": (0, -0.75, 0)}


@pytest.mark.parametrize("spec,side,expected", [
    (MeasureSpec("elbow", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist")), "left", 90.0),
    (MeasureSpec("elbow", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist"), space="pixel"), "left", 90.0),
    (MeasureSpec("arm", "inclination", ("{side}_shoulder", "{side}_elbow")), "left", 180.0),
    (MeasureSpec("w", "distance", ("left_shoulder", "right_shoulder"), normalize="torso"), None,
     0.4 / math.hypot(0, 0.5)),
    (MeasureSpec("w", "distance", ("left_shoulder", "right_shoulder"), normalize="shoulder_width"), None, 1.0),
    (MeasureSpec("r", "ratio", ("left_shoulder", "right_shoulder", "left_hip", "right_hip")), None, 2.0),
    (MeasureSpec("n", "offset", ("nose", "left_shoulder"), axis="up"), None, 0.25 / 0.5),
    (MeasureSpec("n", "offset", ("nose", "left_shoulder"), axis="up", space="pixel"), None, 0.25 / 0.5),
])
def test_evaluate_specs(spec, side, expected):
    assert M.evaluate(spec, _pose(BODY), side or "left", 0.5) == pytest.approx(expected)


def test_low_visibility_is_unknown_not_a_number():
    spec = MeasureSpec("elbow", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist"))
    assert math.isnan(M.evaluate(spec, _pose(BODY, low=("left_wrist",)), "left", 0.5))
    assert math.isnan(M.evaluate(spec, None, "left", 0.5))
    # a normaliser's landmarks must be known too
    dist = MeasureSpec("w", "distance", ("left_elbow", "left_wrist"), normalize="torso")
    assert math.isnan(M.evaluate(dist, _pose(BODY, low=("right_hip",)), "left", 0.5))


def test_pixel_angles_are_not_distorted_by_frame_aspect():
    """A right angle drawn in pixels stays 90 deg whatever the frame's aspect ratio (the
    reason normalised x/y are never used)."""
    spec = MeasureSpec("elbow", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist"), space="pixel")
    pose = _pose(BODY)
    for size in [(640, 480), (1280, 720), (406, 720)]:
        p = Pose(t=0, index=0, image_xy=pose.image_xy, world_xyz=None, visibility=pose.visibility,
                 presence=pose.presence, image_size=size)
        assert M.evaluate(spec, p, "left", 0.5) == pytest.approx(90.0)
