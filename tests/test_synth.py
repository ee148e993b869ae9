"""Tests for the synthetic landmark generator (devkit.synth)."""
from __future__ import annotations

import numpy as np
import pytest

from coach.landmarks import INDEX
from coach.types import Pose
from devkit.synth import (
    DOFS,
    Body,
    Camera,
    Keyframe,
    Motion,
    grounded,
    pose_at,
    reps_motion,
    synthesize,
    world_landmarks,
)


def angle(world: np.ndarray, a: str, b: str, c: str) -> float:
    """Angle at landmark b in degrees."""
    u = world[INDEX[a]] - world[INDEX[b]]
    v = world[INDEX[c]] - world[INDEX[b]]
    cos = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def P(name: str) -> int:
    return INDEX[name]


# Arbitrary arm/trunk set-ups: the elbow angle must not depend on them.
ARM_CONTEXTS = [
    {},
    {"yaw": 35, "trunk_pitch": 30},
    {"{s}_shoulder_flexion": 90, "{s}_shoulder_rotation": 40},
    {"{s}_shoulder_abduction": 80, "{s}_shoulder_horizontal": 30, "spine_flexion": 25, "thoracic_rotation": -20},
    {"body_pitch": -90, "{s}_shoulder_flexion": 170, "yaw": 90},
]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("flexion", [0, 30, 90, 120, 145])
@pytest.mark.parametrize("ctx", range(len(ARM_CONTEXTS)))
def test_elbow_angle_matches_dof(side, flexion, ctx):
    posture = {k.replace("{s}", side): v for k, v in ARM_CONTEXTS[ctx].items()}
    posture[f"{side}_elbow_flexion"] = flexion
    w = world_landmarks(posture)
    assert angle(w, f"{side}_shoulder", f"{side}_elbow", f"{side}_wrist") == pytest.approx(180 - flexion, abs=0.5)
    assert np.linalg.norm(w[P(f"{side}_elbow")] - w[P(f"{side}_shoulder")]) == pytest.approx(0.29, abs=1e-9)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("knee,hip,extra", [
    (0, 0, {}), (45, 30, {}), (90, 90, {"trunk_pitch": 40}), (120, 100, {"yaw": -60}),
    (90, 0, {"trunk_pitch": 90}), (60, 45, {"body_pitch": -90, "{s}_hip_abduction": 20}),
])
def test_knee_angle_matches_dof(side, knee, hip, extra):
    posture = {k.replace("{s}", side): v for k, v in extra.items()}
    posture.update({f"{side}_knee_flexion": knee, f"{side}_hip_flexion": hip})
    w = world_landmarks(posture)
    assert angle(w, f"{side}_hip", f"{side}_knee", f"{side}_ankle") == pytest.approx(180 - knee, abs=0.5)


@pytest.mark.parametrize("trunk,hip", [(0, 0), (0, 90), (40, 60), (90, 0)])
def test_sagittal_hip_angle_is_180_minus_trunk_plus_hip(trunk, hip):
    w = world_landmarks({"trunk_pitch": trunk, "left_hip_flexion": hip})
    w[:, 0] = 0.0  # sagittal projection, as seen side-on
    assert angle(w, "left_shoulder", "left_hip", "left_knee") == pytest.approx(180 - trunk - hip, abs=0.5)


def test_facing_camera_left_shoulder_is_image_right():
    pose = pose_at({})
    assert pose.world_xyz[P("left_shoulder"), 0] > pose.world_xyz[P("right_shoulder"), 0]
    assert pose.image_xy[P("left_shoulder"), 0] > pose.image_xy[P("right_shoulder"), 0]
    assert pose.world_xyz[P("left_hip"), 0] > pose.world_xyz[P("right_hip"), 0]
    # origin at the hip centre, head up (smaller y), nose toward the camera (smaller z)
    assert np.allclose((pose.world_xyz[P("left_hip")] + pose.world_xyz[P("right_hip")]) / 2, 0.0)
    assert pose.world_xyz[P("nose"), 1] < pose.world_xyz[P("left_shoulder"), 1] < 0
    assert pose.world_xyz[P("nose"), 2] < 0
    assert pose.image_size == (640, 480)
    assert np.all(pose.visibility == 0.95) and np.all(pose.presence == 0.99)
    # the whole person is in the default frame
    assert np.all((pose.image_xy >= 0) & (pose.image_xy < [640, 480]))


@pytest.mark.parametrize("yaw,near,far", [(90, "left", "right"), (-90, "right", "left")])
def test_side_on_narrow_shoulders_and_far_side_visibility(yaw, near, far):
    frontal = pose_at({})
    side = pose_at({"yaw": yaw})
    w0 = abs(frontal.image_xy[P("left_shoulder"), 0] - frontal.image_xy[P("right_shoulder"), 0])
    w1 = abs(side.image_xy[P("left_shoulder"), 0] - side.image_xy[P("right_shoulder"), 0])
    assert w1 < 0.25 * w0
    for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "ear"):
        assert side.visibility[P(f"{near}_{part}")] >= 0.9
        assert 0.55 <= side.visibility[P(f"{far}_{part}")] <= 0.7
    # the near side is closer to the camera (smaller z)
    assert side.world_xyz[P(f"{near}_shoulder"), 2] < side.world_xyz[P(f"{far}_shoulder"), 2]


def test_visibility_follows_each_body_part():
    # chest turned 80 deg to the left: the left shoulder faces away, the hips still face the camera
    pose = pose_at({"thoracic_rotation": 80})
    assert pose.visibility[P("left_shoulder")] < 0.7 and pose.visibility[P("right_shoulder")] >= 0.9
    assert pose.visibility[P("left_hip")] >= 0.9 and pose.visibility[P("right_hip")] >= 0.9


def test_back_to_camera_lowers_face_visibility():
    pose = pose_at({"yaw": 180})
    assert pose.visibility[P("nose")] < 0.5 and pose.visibility[P("left_eye")] < 0.5
    assert pose.visibility[P("left_shoulder")] >= 0.9
    # back to the camera: the person's left shoulder is now on the image left
    assert pose.image_xy[P("left_shoulder"), 0] < pose.image_xy[P("right_shoulder"), 0]


def test_outside_image_has_low_visibility():
    pose = pose_at({"pelvis_x": 2.0})
    assert pose.image_xy[P("left_wrist"), 0] >= 640
    assert pose.visibility[P("left_wrist")] == pytest.approx(0.1)


@pytest.mark.parametrize("side", ["left", "right"])
def test_shoulder_flexion_90_wrist_in_front_at_shoulder_height(side):
    w = world_landmarks({f"{side}_shoulder_flexion": 90})
    sh, wr = w[P(f"{side}_shoulder")], w[P(f"{side}_wrist")]
    assert wr[1] == pytest.approx(sh[1], abs=1e-6)
    assert wr[2] < sh[2] - 0.5
    assert wr[0] == pytest.approx(sh[0], abs=1e-6)


@pytest.mark.parametrize("dof,check", [
    ("shoulder_abduction", lambda sh, wr, s: wr[1] == pytest.approx(sh[1]) and s * (wr[0] - sh[0]) > 0.5),
    ("shoulder_flexion", lambda sh, wr, s: wr[1] < sh[1] - 0.5),  # 180 = overhead
])
@pytest.mark.parametrize("side,sign", [("left", 1), ("right", -1)])
def test_arm_raise_directions(dof, check, side, sign):
    value = 90 if dof == "shoulder_abduction" else 180
    w = world_landmarks({f"{side}_{dof}": value})
    assert check(w[P(f"{side}_shoulder")], w[P(f"{side}_wrist")], sign)


@pytest.mark.parametrize("side,sign", [("left", 1), ("right", -1)])
def test_horizontal_abduction_and_external_rotation_open_outward(side, sign):
    fly = world_landmarks({f"{side}_shoulder_flexion": 90, f"{side}_shoulder_horizontal": 90})
    assert sign * (fly[P(f"{side}_wrist"), 0] - fly[P(f"{side}_shoulder"), 0]) > 0.5
    rot = world_landmarks({f"{side}_elbow_flexion": 90, f"{side}_shoulder_rotation": 60})
    assert sign * (rot[P(f"{side}_wrist"), 0] - rot[P(f"{side}_elbow"), 0]) > 0.1


@pytest.mark.parametrize("key", ["shoulder_elevation", "left_shoulder_elevation"])
def test_shrug_raises_shoulders(key):
    base, shrug = pose_at({}), pose_at({key: 0.05})
    for name in ("left_shoulder",) + (("right_shoulder",) if key == "shoulder_elevation" else ()):
        assert shrug.world_xyz[P(name), 1] == pytest.approx(base.world_xyz[P(name), 1] - 0.05)
        assert shrug.image_xy[P(name), 1] < base.image_xy[P(name), 1] - 3
    if key == "left_shoulder_elevation":
        assert shrug.world_xyz[P("right_shoulder"), 1] == pytest.approx(base.world_xyz[P("right_shoulder"), 1])


@pytest.mark.parametrize("r", [0.02, 0.04])
def test_scapular_retraction_narrows_and_moves_shoulders_back(r):
    base, ret = world_landmarks({}), world_landmarks({"scapular_retraction": r})
    width = lambda w: np.linalg.norm(w[P("left_shoulder")] - w[P("right_shoulder")])  # noqa: E731
    assert width(ret) == pytest.approx(width(base) - 2 * r, abs=1e-6)
    assert ret[P("left_shoulder"), 2] == pytest.approx(base[P("left_shoulder"), 2] + r)


def test_trunk_pitch_90_makes_torso_horizontal():
    w = world_landmarks({"trunk_pitch": 90})
    sc = (w[P("left_shoulder")] + w[P("right_shoulder")]) / 2
    hc = (w[P("left_hip")] + w[P("right_hip")]) / 2
    assert sc[1] == pytest.approx(hc[1], abs=1e-6)
    assert sc[2] < hc[2] - 0.4  # forward, toward the camera
    assert w[P("left_ankle"), 1] > 0.8  # legs still vertical


def test_body_pitch_minus_90_lies_supine():
    w = world_landmarks({"body_pitch": -90, "yaw": 90})
    sc = (w[P("left_shoulder")] + w[P("right_shoulder")]) / 2
    ac = (w[P("left_ankle")] + w[P("right_ankle")]) / 2
    assert abs(sc[1]) < 1e-6 and abs(ac[1]) < 1e-6  # body horizontal
    assert np.linalg.norm(sc - ac) > 1.2
    assert w[P("nose"), 1] < -0.05  # face up


def test_spine_flexion_moves_shoulders_and_head_forward():
    base, rounded = world_landmarks({}), world_landmarks({"spine_flexion": 40})
    for name in ("left_shoulder", "nose", "left_ear"):
        assert rounded[P(name), 2] < base[P(name), 2] - 0.02
        assert rounded[P(name), 1] > base[P(name), 1]  # lower
    cow = world_landmarks({"spine_flexion": -20})
    assert cow[P("left_shoulder"), 2] > base[P("left_shoulder"), 2]


@pytest.mark.parametrize("dof,value,landmark,axis,direction", [
    ("neck_flexion", 30, "nose", 1, +1),            # nods down
    ("head_protraction", 0.05, "nose", 2, -1),      # forward = toward the camera
    ("head_protraction", -0.03, "left_ear", 2, +1), # chin tuck
    ("trunk_roll", 20, "left_shoulder", 0, +1),     # bends to the person's left (image right)
    ("thoracic_rotation", 30, "left_shoulder", 2, +1),  # chest turns left: left shoulder goes back
    ("left_hip_flexion", 60, "left_knee", 2, -1),
    ("left_knee_flexion", 60, "left_ankle", 2, +1),
    ("left_ankle_flexion", 20, "left_foot_index", 1, -1),
    ("left_hip_abduction", 30, "left_ankle", 0, +1),
])
def test_dof_signs(dof, value, landmark, axis, direction):
    base, moved = world_landmarks({}), world_landmarks({dof: value})
    assert direction * (moved[P(landmark), axis] - base[P(landmark), axis]) > 0.01


def test_unknown_dof_rejected():
    with pytest.raises(ValueError):
        world_landmarks({"left_elbow_flex": 30})
    with pytest.raises(ValueError):
        Motion([Keyframe(0.0, {"hip_flexion": 10})])
    assert len(DOFS) == len(set(DOFS)) == 35


def test_motion_interpolates_and_holds():
    m = Motion([Keyframe(2.0, {"left_elbow_flexion": 100}), Keyframe(1.0, {"left_elbow_flexion": 0})])
    assert m.posture_at(0.0)["left_elbow_flexion"] == 0
    assert m.posture_at(1.5)["left_elbow_flexion"] == pytest.approx(50)
    assert m.posture_at(1.25)["left_elbow_flexion"] < 25  # eased, not linear
    assert m.posture_at(5.0)["left_elbow_flexion"] == 100
    assert m.duration == 2.0


CURL = dict(start={"left_elbow_flexion": 5}, end={"left_elbow_flexion": 140},
            up_s=1.0, hold_s=0.5, down_s=1.5, rest_s=0.5)


def elbow_series(poses):
    return np.array([angle(p.world_xyz, "left_shoulder", "left_elbow", "left_wrist") for p in poses])


def minima_runs(a: np.ndarray, fps: float, below: float) -> list[tuple[float, float]]:
    low = np.concatenate([[False], a < below, [False]])
    edges = np.flatnonzero(np.diff(low.astype(int)))
    return [(s / fps, (e - 1) / fps) for s, e in zip(edges[::2], edges[1::2])]


def test_reps_motion_three_minima_at_expected_times():
    fps = 30.0
    m = reps_motion(CURL["start"], CURL["end"], 3, CURL["up_s"], CURL["hold_s"], CURL["down_s"],
                    CURL["rest_s"], lead_in_s=1.0, lead_out_s=1.0)
    assert m.duration == pytest.approx(1.0 + 3 * 3.0 + 2 * 0.5 + 1.0)
    assert m.rep_spans == ((1.0, 4.0), (4.5, 7.5), (8.0, 11.0))
    a = elbow_series(synthesize(m, fps=fps))
    runs = minima_runs(a, fps, 40 + 1.0)
    assert len(runs) == 3
    for (t0, t1), expected in zip(runs, (2.25, 5.75, 9.25)):
        assert (t0 + t1) / 2 == pytest.approx(expected, abs=1.0 / fps)
    assert a.min() == pytest.approx(40, abs=0.5)
    assert a[0] == pytest.approx(175, abs=0.5) and a[-1] == pytest.approx(175, abs=0.5)


def test_per_rep_overrides_inject_faults():
    m = reps_motion(CURL["start"], CURL["end"], 3, CURL["up_s"], CURL["hold_s"], CURL["down_s"],
                    CURL["rest_s"], per_rep_overrides=[{}, {"range": 0.5, "shoulder_elevation": 0.04},
                                                       {"start:left_elbow_flexion": 40}])
    (b0, _), (b1, _), (b2, e2) = m.rep_spans
    tops = [t0 for t0, _ in m.top_spans]
    assert m.posture_at(tops[0])["left_elbow_flexion"] == pytest.approx(140)
    assert m.posture_at(tops[1])["left_elbow_flexion"] == pytest.approx(5 + 0.5 * 135)
    assert m.posture_at(tops[1])["shoulder_elevation"] == pytest.approx(0.04)
    assert m.posture_at(tops[0])["shoulder_elevation"] == 0
    assert m.posture_at(tops[2])["shoulder_elevation"] == 0
    assert m.posture_at(b2)["left_elbow_flexion"] == pytest.approx(40)
    assert m.posture_at(e2)["left_elbow_flexion"] == pytest.approx(40)
    assert m.posture_at(b1)["left_elbow_flexion"] == pytest.approx(5)
    assert m.posture_at(m.duration)["left_elbow_flexion"] == pytest.approx(5)
    with pytest.raises(ValueError):
        reps_motion({}, {}, 1, 1, 0, 1, 0, per_rep_overrides=[{}, {}])


def test_noise_is_deterministic_for_a_seed():
    m = reps_motion(CURL["start"], CURL["end"], 1, 1.0, 0.0, 1.0, 0.0)
    kw = dict(fps=15, noise_px=2.0, noise_world_m=0.01)
    a, b, c = synthesize(m, seed=7, **kw), synthesize(m, seed=7, **kw), synthesize(m, seed=8, **kw)
    clean = synthesize(m, fps=15)
    assert all(np.array_equal(x.image_xy, y.image_xy) and np.array_equal(x.world_xyz, y.world_xyz)
               for x, y in zip(a, b))
    assert not np.allclose(a[5].image_xy, c[5].image_xy)
    d = np.concatenate([x.image_xy - y.image_xy for x, y in zip(a, clean)])
    assert d.std() == pytest.approx(2.0, rel=0.15)
    dw = np.concatenate([x.world_xyz - y.world_xyz for x, y in zip(a, clean)])
    assert dw.std() == pytest.approx(0.01, rel=0.15)


def test_dropouts_give_none_exactly_in_windows():
    m = Motion([Keyframe(0.0, {})])
    poses = synthesize(m, fps=30, duration=4.0, dropouts=[(1.0, 1.5), (3.0, 3.1)])
    assert len(poses) == 120
    expected_none = set(range(30, 45)) | set(range(90, 93))
    assert {i for i, p in enumerate(poses) if p is None} == expected_none
    for i, p in enumerate(poses):
        if p is not None:
            assert isinstance(p, Pose) and p.index == i and p.t == pytest.approx(i / 30)


def test_low_visibility_windows():
    m = Motion([Keyframe(0.0, {})])
    poses = synthesize(m, fps=10, duration=2.0, low_visibility=[(0.5, 1.0, ["left_wrist", "left_elbow"])])
    clean = pose_at({})
    for p in poses:
        lost = 0.5 <= p.t < 1.0
        for name in ("left_wrist", "left_elbow"):
            assert (p.visibility[P(name)] == pytest.approx(0.1)) == lost
            assert (not np.allclose(p.image_xy[P(name)], clean.image_xy[P(name)])) == lost
        assert p.visibility[P("right_wrist")] == pytest.approx(0.95)
        assert np.allclose(p.image_xy[P("right_wrist")], clean.image_xy[P("right_wrist")])
    with pytest.raises(ValueError):
        synthesize(m, duration=1.0, low_visibility=[(0, 1, ["left_hand"])])


def test_body_scale_and_camera():
    w = world_landmarks({}, Body(scale=1.1))
    assert np.linalg.norm(w[P("left_knee")] - w[P("left_hip")]) == pytest.approx(0.43 * 1.1)
    near, far = pose_at({}, camera=Camera(distance=2.0)), pose_at({}, camera=Camera(distance=4.0))
    span = lambda p: p.image_xy[P("left_ankle"), 1] - p.image_xy[P("nose"), 1]  # noqa: E731
    assert span(near) > 1.8 * span(far)
    hi = pose_at({}, camera=Camera(width=1280, height=720, cam_height=0.5, pitch_deg=10))
    assert hi.image_size == (1280, 720)
    assert hi.image_xy[P("left_hip"), 1] > 360  # looking down from above: hips below the centre


def test_grounded_keeps_feet_on_floor():
    squat = {"left_hip_flexion": 100, "right_hip_flexion": 100, "left_knee_flexion": 110,
             "right_knee_flexion": 110, "left_ankle_flexion": 10, "right_ankle_flexion": 10, "trunk_pitch": 40}
    g = grounded(squat)
    assert g["pelvis_y"] > 0.2
    floor = world_landmarks({})[P("left_heel"), 1]
    w = world_landmarks(g)
    for name in ("left_heel", "right_heel", "left_foot_index"):  # flat feet: ankle = knee - hip flexion
        assert w[P(name), 1] + g["pelvis_y"] == pytest.approx(floor, abs=1e-6)
    assert pose_at(g).image_xy[P("nose"), 1] > pose_at({}).image_xy[P("nose"), 1] + 50


def test_synthesis_frames_dropouts_and_low_visibility_are_where_asked():
    """10 s at 30 fps; the pose is missing exactly in [2.0, 2.5) s and the left knee hard to see
    exactly in [4.0, 5.0) s. (Speed is not asserted: wall clocks on a shared machine are noise.)"""
    m = reps_motion({"left_hip_flexion": 0}, {"left_hip_flexion": 90, "left_knee_flexion": 90, "trunk_pitch": 30},
                    3, 1.0, 0.5, 1.0, 0.5)
    poses = synthesize(m, fps=30.0, duration=10.0, noise_px=1.0, noise_world_m=0.005,
                       dropouts=[(2.0, 2.5)], low_visibility=[(4.0, 5.0, ["left_knee"])])
    assert len(poses) == 300
    assert [i for i, p in enumerate(poses) if p is None] == list(range(60, 75))
    knee = P("left_knee")
    assert [i for i, p in enumerate(poses) if p is not None and p.visibility[knee] < 0.5] == list(range(120, 150))
