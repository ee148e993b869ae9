"""Synthetic MediaPipe-style pose landmarks from a kinematic body model (pure numpy).

Used by the tests (landmark sequences with known reps, tempo, range and injected faults, plus
noise and dropouts) and by ``coach demo`` (an avatar drawn from the landmarks).

A *posture* maps degrees of freedom (DOFs) to values; every DOF defaults to 0 = standing upright,
arms hanging, facing the camera. Unknown DOF names raise ``ValueError``. ``{s}`` is ``left`` or
``right``; "the person's left" is anatomical.

=========================  ====  ============================================================  ==========
DOF                        unit  meaning, sign (0 = standing default)                          range
=========================  ====  ============================================================  ==========
yaw                        deg   turn about vertical: 0 faces the camera, +90 person's LEFT    -180..180
                                 side toward the camera, -90 right side, 180 back to camera
pelvis_x, _y, _z           m     scene offset of the hip centre (x image right, y down, z      about +-1
                                 away); moves pixels only, world landmarks stay hip-centred
body_pitch                 deg   whole body (torso AND legs) about the hips: + forward/face    -90..90
                                 down (prone 90), - backward (supine lying -90)
trunk_pitch                deg   torso lean at the hips relative to the legs: + forward, 90    -30..110
                                 torso horizontal face down (bent-over, quadruped), - back
trunk_roll                 deg   side bend of the torso, + shoulders toward the person's left  -45..45
spine_flexion              deg   upper-back rounding (thoracic arc), + flexion/cat,            -30..60
                                 - extension/cow; carries shoulders, head and arms
thoracic_rotation          deg   twist of the upper trunk about the spine, + chest turns       -60..60
                                 toward the person's left
shoulder_elevation         m     shrug: both shoulders up along the torso axis (- depress)    -0.03..0.08
{s}_shoulder_elevation     m     per-side shrug, added to shoulder_elevation                   -0.03..0.08
scapular_retraction        m     shoulders move back AND medially by this much (width shrinks  -0.04..0.05
                                 by 2x), - protraction (rounded shoulders)
neck_flexion               deg   head nods forward/down about the shoulder centre, - looks up  -50..60
head_protraction           m     head moves forward of the shoulders (chin poke), - chin tuck  -0.05..0.08
{s}_shoulder_flexion       deg   arm forward in the sagittal plane: 90 forward horizontal,     -60..180
                                 180 overhead, - extension behind
{s}_shoulder_abduction     deg   arm sideways in the frontal plane: 90 T-pose, 180 overhead,   -30..180
                                 - across the front of the body
{s}_shoulder_horizontal    deg   about the trunk vertical, after flexion: + opens out to the   -45..120
                                 side (reverse fly when flexion is 90), - across the chest
{s}_shoulder_rotation      deg   about the upper-arm axis: + external (forearm outward when    -90..90
                                 the elbow is bent 90), - internal
{s}_elbow_flexion          deg   0 straight, 145 fully bent; elbow angle = 180 - value        0..150
{s}_wrist_flexion          deg   + toward the palm (palm faces forward at rest), - extension   -70..80
{s}_hip_flexion            deg   thigh forward/up relative to the LEGS' frame (body_pitch),    -30..130
                                 not the torso, - extension
{s}_hip_abduction          deg   thigh out to the side, - adduction                            -20..60
{s}_knee_flexion           deg   shin bends backward; knee angle = 180 - value                0..150
{s}_ankle_flexion          deg   + dorsiflexion (toes toward the shin), - plantarflexion       -50..30
=========================  ====  ============================================================  ==========

Frames and rotation order (all rotations about the parent's axes, composed right to left):
world <- yaw <- body_pitch = *leg frame* (hips and legs) <- trunk_pitch <- trunk_roll = *torso
frame* <- spine_flexion <- thoracic_rotation = *upper frame* (shoulders, arms, neck).
Arm: upper frame <- horizontal <- flexion <- abduction <- rotation <- [elbow flexion <- wrist
flexion]; the arm hangs along "down" before any rotation. Leg: leg frame <- hip flexion <- hip
abduction <- [knee flexion <- ankle flexion]. Right limbs are mirror images of left limbs, so
every sign above reads the same on both sides. Because the anatomical hip angle is measured
from the torso, the shoulder-hip-knee angle is 180 - (trunk_pitch + hip_flexion) in the sagittal
plane (a squat with a 40 deg forward lean: trunk_pitch=40, hip_flexion=90, knee_flexion=110).

Approximations: spine_flexion bends only the upper half of the torso as a circular arc, so the
hip->shoulder chord leans forward by ~phi/2 and barely shortens, while the shoulder line, head
and arms pitch by the full phi. neck_flexion pivots the head about the shoulder centre (the neck
is one rigid link). There is no pelvis tilt, hip rotation, forearm pronation or finger motion.
Visibility is a heuristic (facing the camera 0.95, far side when side-on ~0.6, face turned away
~0.25, outside the image 0.1); occlusion by other limbs is not modelled. ``grounded`` sets
pelvis_y so that the lowest landmark touches the standing floor, e.g. for the demo's squats.

Coordinates: world landmarks are MediaPipe's (metres, origin at the hip centre, x image right,
y down, z away from the camera); pixels come from a pinhole ``Camera`` (x right, y down).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np

from coach.landmarks import INDEX, N_LANDMARKS, NAMES
from coach.types import Pose

_ARM = ("shoulder_flexion", "shoulder_abduction", "shoulder_horizontal", "shoulder_rotation",
        "elbow_flexion", "wrist_flexion", "shoulder_elevation")
_LEG = ("hip_flexion", "hip_abduction", "knee_flexion", "ankle_flexion")
DOFS: tuple[str, ...] = (
    "yaw", "pelvis_x", "pelvis_y", "pelvis_z", "body_pitch", "trunk_pitch", "trunk_roll",
    "spine_flexion", "thoracic_rotation", "shoulder_elevation", "scapular_retraction",
    "neck_flexion", "head_protraction",
) + tuple(f"{s}_{d}" for s in ("left", "right") for d in _ARM + _LEG)
_DOF_SET = frozenset(DOFS)

DOWN, UP = np.array([0.0, 1.0, 0.0]), np.array([0.0, -1.0, 0.0])
LEFT, FWD, BACK = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, -1.0]), np.array([0.0, 0.0, 1.0])
_MIRROR = np.diag([-1.0, 1.0, 1.0])
_EYE3 = np.eye(3)

# Body-local offsets for a person facing the camera, x = person's LEFT, y down, z back.
# Face, in head radii from the head centre (left-side points; right ones are mirrored).
_FACE = {"nose": (0.0, 0.05, -1.05), "eye_inner": (0.15, -0.3, -0.92), "eye": (0.32, -0.3, -0.88),
         "eye_outer": (0.48, -0.3, -0.8), "ear": (0.76, -0.1, 0.0), "mouth": (0.25, 0.42, -0.88)}
# Hand, in hand lengths from the wrist, hand hanging down with the palm forward, thumb lateral.
_HAND = {"index": (0.22, 1.0, 0.0), "pinky": (-0.3, 0.85, 0.0), "thumb": (0.45, 0.55, -0.25)}


def check_posture(posture: Mapping[str, float]) -> None:
    """Raise ValueError on DOF names this module does not know (typos would silently be 0)."""
    bad = [k for k in posture if k not in _DOF_SET]
    if bad:
        raise ValueError(f"unknown posture DOF(s) {bad}; known: {', '.join(DOFS)}")


@dataclass(frozen=True)
class Body:
    """Adult segment lengths in metres, all multiplied by ``scale``."""

    shoulder_width: float = 0.36
    hip_width: float = 0.26
    torso: float = 0.50        # hip centre to shoulder centre
    neck: float = 0.25         # shoulder centre to head centre
    head_radius: float = 0.10
    upper_arm: float = 0.29
    forearm: float = 0.26
    hand: float = 0.09
    thigh: float = 0.43
    shin: float = 0.42
    foot: float = 0.20         # heel to toe
    ankle_height: float = 0.07
    heel_back: float = 0.05    # heel behind the ankle
    scale: float = 1.0

    def __getitem__(self, name: str) -> float:
        return getattr(self, name) * self.scale


@dataclass(frozen=True)
class Camera:
    """Pinhole camera level with the standing hip centre, looking along +z at the person.

    width/height: image size in px. vfov_deg: vertical field of view. distance: metres from the
    camera to the hip centre along z. cam_height: metres above the hip centre. pitch_deg: tilt,
    + looks down.
    """

    width: int = 640
    height: int = 480
    vfov_deg: float = 55.0
    distance: float = 2.8
    cam_height: float = 0.0
    pitch_deg: float = 0.0

    @property
    def focal_px(self) -> float:
        return 0.5 * self.height / math.tan(math.radians(self.vfov_deg) / 2)

    def project(self, scene_xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N,3) scene metres -> ((N,2) pixels, (N,) bool inside the image and in front)."""
        p = scene_xyz - np.array([0.0, -self.cam_height, -self.distance])
        c, s = math.cos(math.radians(self.pitch_deg)), math.sin(math.radians(self.pitch_deg))
        yc, zc = p[:, 1] * c - p[:, 2] * s, p[:, 1] * s + p[:, 2] * c
        zs = np.maximum(zc, 0.05)
        f = self.focal_px
        uv = np.stack([self.width / 2 + f * p[:, 0] / zs, self.height / 2 + f * yc / zs], axis=1)
        inside = ((zc > 0.05) & (uv[:, 0] >= 0) & (uv[:, 0] < self.width)
                  & (uv[:, 1] >= 0) & (uv[:, 1] < self.height))
        return uv, inside


def _rot(axis: int, deg: float) -> np.ndarray:
    """Right-handed rotation about x (0), y (1) or z (2) of the x-right, y-down, z-away frame."""
    if deg == 0.0:
        return _EYE3
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    if axis == 0:
        return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])
    if axis == 1:
        return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def _pitch(deg: float) -> np.ndarray:
    """About the person's left-right axis: + turns UP toward FWD (and DOWN toward BACK)."""
    return _rot(0, deg)


def _flex(deg: float) -> np.ndarray:
    """Limb flexion: + turns DOWN toward FWD."""
    return _rot(0, -deg)


def _abduct(deg: float) -> np.ndarray:
    """Left-limb abduction: + turns DOWN toward the person's LEFT."""
    return _rot(2, -deg)


def _turn_left(deg: float) -> np.ndarray:
    """About the vertical: + turns FWD toward the person's LEFT."""
    return _rot(1, -deg)


def _frames(p: Mapping[str, float], b: Body) -> dict:
    """World landmarks (hip-centred) plus the frames used for visibility."""
    g = lambda k: float(p.get(k, 0.0))  # noqa: E731
    out = np.zeros((N_LANDMARKS, 3))
    legs = _rot(1, g("yaw")) @ _pitch(g("body_pitch"))
    torso = legs @ _pitch(g("trunk_pitch")) @ _rot(2, g("trunk_roll"))
    phi = math.radians(g("spine_flexion"))
    half = b["torso"] / 2
    arc = UP * (half + half * np.sinc(phi / math.pi)) + FWD * (half * phi / 2 * np.sinc(phi / (2 * math.pi)) ** 2)
    sc = torso @ arc
    upper = torso @ _pitch(g("spine_flexion")) @ _turn_left(g("thoracic_rotation"))
    head = upper @ _pitch(g("neck_flexion"))
    head_c = sc + head @ (UP * b["neck"]) + upper @ (FWD * g("head_protraction"))
    retr = g("scapular_retraction")
    for side, m in (("left", _EYE3), ("right", _MIRROR)):
        mu, ml, mh = upper @ m, legs @ m, head @ m
        # shoulder and arm
        elev = g("shoulder_elevation") + g(f"{side}_shoulder_elevation")
        sh = sc + mu @ (LEFT * (b["shoulder_width"] / 2 - retr) + UP * elev + BACK * retr)

        def a(k: str, side: str = side) -> float:  # this side's joint angle k
            return g(f"{side}_{k}")

        arm = (_turn_left(a("shoulder_horizontal")) @ _flex(a("shoulder_flexion"))
               @ _abduct(a("shoulder_abduction")) @ _turn_left(a("shoulder_rotation")))
        fore = arm @ _flex(a("elbow_flexion"))
        hand = mu @ fore @ _flex(a("wrist_flexion"))
        el = sh + mu @ arm @ (DOWN * b["upper_arm"])
        wr = el + mu @ fore @ (DOWN * b["forearm"])
        out[INDEX[f"{side}_shoulder"]], out[INDEX[f"{side}_elbow"]], out[INDEX[f"{side}_wrist"]] = sh, el, wr
        for k, v in _HAND.items():
            out[INDEX[f"{side}_{k}"]] = wr + hand @ (np.array(v) * b["hand"])
        # hip and leg
        hip = ml @ (LEFT * b["hip_width"] / 2)
        thigh = _flex(a("hip_flexion")) @ _abduct(a("hip_abduction"))
        shin = thigh @ _pitch(a("knee_flexion"))
        foot = ml @ shin @ _flex(a("ankle_flexion"))
        kn = hip + ml @ thigh @ (DOWN * b["thigh"])
        an = kn + ml @ shin @ (DOWN * b["shin"])
        out[INDEX[f"{side}_hip"]], out[INDEX[f"{side}_knee"]], out[INDEX[f"{side}_ankle"]] = hip, kn, an
        out[INDEX[f"{side}_heel"]] = an + foot @ (DOWN * b["ankle_height"] + BACK * b["heel_back"])
        out[INDEX[f"{side}_foot_index"]] = an + foot @ (DOWN * b["ankle_height"]
                                                        + FWD * (b["foot"] - b["heel_back"]))
        # face
        for k, v in _FACE.items():
            name = "nose" if k == "nose" else (f"mouth_{side}" if k == "mouth" else f"{side}_{k}")
            out[INDEX[name]] = head_c + mh @ (np.array(v) * b["head_radius"])
    return {"world": out, "legs": legs, "upper": upper, "head": head}


def world_landmarks(posture: Mapping[str, float], body: Body = Body()) -> np.ndarray:
    """(33,3) MediaPipe world landmarks (metres, hip-centred) for one posture."""
    check_posture(posture)
    return _frames(posture, body)["world"]


# Visibility groups: which frame's left axis decides whether a landmark faces the camera.
_SIDE = np.array([1.0 if n.startswith("left") or n == "mouth_left" else
                  -1.0 if n.startswith("right") or n == "mouth_right" else 0.0 for n in NAMES])
_LEGS_IDX = np.array([INDEX[f"{s}_{k}"] for s in ("left", "right")
                      for k in ("hip", "knee", "ankle", "heel", "foot_index")])
_FACE_IDX = np.arange(0, 11)
_FRONT_FACE_IDX = np.array([i for i in range(11) if "ear" not in NAMES[i]])


def _visibility(fr: dict, inside: np.ndarray) -> np.ndarray:
    near = _SIDE * -fr["upper"][2, 0]  # + on the camera side; upper[:, 0] is the person's left
    near[_LEGS_IDX] = _SIDE[_LEGS_IDX] * -fr["legs"][2, 0]
    near[_FACE_IDX] = _SIDE[_FACE_IDX] * -fr["head"][2, 0]
    vis = 0.95 - 0.35 * np.clip((-near - 0.3) / 0.7, 0.0, 1.0)
    facing = fr["head"][2, 2]  # 1 when the face looks at the camera, -1 when turned away
    face_vis = 0.95 - 0.7 * np.clip((0.2 - facing) / 1.2, 0.0, 1.0)
    vis[_FRONT_FACE_IDX] = np.minimum(vis[_FRONT_FACE_IDX], face_vis)
    vis[~inside] = 0.1
    return vis


def _pose_arrays(posture: Mapping[str, float], body: Body, camera: Camera):
    check_posture(posture)
    fr = _frames(posture, body)
    offset = np.array([posture.get("pelvis_x", 0.0), posture.get("pelvis_y", 0.0), posture.get("pelvis_z", 0.0)])
    uv, inside = camera.project(fr["world"] + offset)
    return fr["world"], uv, _visibility(fr, inside)


def pose_at(posture: Mapping[str, float], t: float = 0.0, index: int = 0,
            body: Body = Body(), camera: Camera = Camera()) -> Pose:
    """The noiseless Pose of one posture."""
    world, uv, vis = _pose_arrays(posture, body, camera)
    return Pose(t=float(t), index=int(index), image_xy=uv, world_xyz=world, visibility=vis,
                presence=np.full(N_LANDMARKS, 0.99), image_size=(camera.width, camera.height))


def grounded(posture: Mapping[str, float], body: Body = Body()) -> dict[str, float]:
    """A copy of ``posture`` with pelvis_y set so its lowest landmark is on the standing floor."""
    floor = world_landmarks({}, body)[:, 1].max()
    return {**posture, "pelvis_y": float(floor - world_landmarks(posture, body)[:, 1].max())}


@dataclass(frozen=True)
class Keyframe:
    t: float
    posture: Mapping[str, float]


class Motion:
    """Postures over time: cosine-eased between keyframes, held before the first and after the last.

    Unspecified DOFs in a keyframe are 0 (the standing default). Keyframes at equal times make a
    step (the later one wins from that time on). ``rep_spans`` ((begin_t, end_t) per rep) is
    ground truth recorded by :func:`reps_motion`; ``top_spans`` the (reached, left) times of
    the end posture in each rep.
    """

    def __init__(self, keyframes: Sequence[Keyframe], rep_spans: Sequence[tuple[float, float]] = (),
                 top_spans: Sequence[tuple[float, float]] = ()):
        kfs = sorted(keyframes, key=lambda k: k.t)
        if not kfs:
            raise ValueError("Motion needs at least one keyframe")
        for k in kfs:
            check_posture(k.posture)
        self.keyframes = tuple(kfs)
        self.dofs = tuple(d for d in DOFS if any(d in k.posture for k in kfs))
        self._t = np.array([float(k.t) for k in kfs])
        self._v = np.array([[float(k.posture.get(d, 0.0)) for d in self.dofs] for k in kfs]).reshape(len(kfs), -1)
        self.rep_spans = tuple(rep_spans)
        self.top_spans = tuple(top_spans)

    @property
    def duration(self) -> float:
        """Time of the last keyframe (the motion is defined from t=0)."""
        return float(self._t[-1])

    def posture_at(self, t: float) -> dict[str, float]:
        j = int(np.searchsorted(self._t, t, side="right"))
        if j == 0:
            v = self._v[0]
        elif j == len(self._t):
            v = self._v[-1]
        else:
            s = (t - self._t[j - 1]) / (self._t[j] - self._t[j - 1])
            w = 0.5 - 0.5 * math.cos(math.pi * s)
            v = self._v[j - 1] + w * (self._v[j] - self._v[j - 1])
        return dict(zip(self.dofs, v.tolist()))


def reps_motion(start: Mapping[str, float], end: Mapping[str, float], reps: int, up_s: float,
                hold_s: float, down_s: float, rest_s: float, lead_in_s: float = 1.0,
                lead_out_s: float = 1.0,
                per_rep_overrides: Optional[Sequence[Mapping[str, float]]] = None) -> Motion:
    """``reps`` cycles start -> end (up_s) -> hold (hold_s) -> start (down_s) -> rest (rest_s).

    Timeline: hold ``start`` for lead_in_s, the reps (no rest after the last), hold ``start``
    for lead_out_s. ``per_rep_overrides[i]`` injects faults into rep i (0-based): plain keys
    are merged onto ``end``, ``"start:<dof>"`` keys onto ``start`` (rep i begins and returns
    there), and the special key ``"range"`` scales the rep's excursion (0.5 = half range,
    applied before the other keys). Returns a Motion with ``rep_spans`` and ``top_spans``.
    """
    overrides = list(per_rep_overrides or ())
    if len(overrides) > reps:
        raise ValueError(f"{len(overrides)} per-rep overrides for {reps} reps")
    overrides += [{}] * (reps - len(overrides))
    check_posture(start)
    check_posture(end)
    kfs = [Keyframe(0.0, dict(start))]
    t = lead_in_s
    spans, tops = [], []
    for i, ov in enumerate(overrides):
        ov = dict(ov)
        frac = float(ov.pop("range", 1.0))
        s_i = dict(start, **{k[6:]: v for k, v in ov.items() if k.startswith("start:")})
        keys = set(start) | set(end)
        e_i = {k: start.get(k, 0.0) + frac * (end.get(k, 0.0) - start.get(k, 0.0)) for k in keys}
        e_i.update({k: v for k, v in ov.items() if not k.startswith("start:")})
        check_posture(s_i)
        check_posture(e_i)
        kfs += [Keyframe(t, s_i), Keyframe(t + up_s, e_i)]
        if hold_s > 0:
            kfs.append(Keyframe(t + up_s + hold_s, e_i))
        t_end = t + up_s + hold_s + down_s
        kfs.append(Keyframe(t_end, s_i))
        spans.append((t, t_end))
        tops.append((t + up_s, t + up_s + hold_s))
        t = t_end + (rest_s if i < reps - 1 else 0.0)
    kfs.append(Keyframe(t + lead_out_s, dict(start)))
    return Motion(kfs, rep_spans=spans, top_spans=tops)


def _in_windows(t: np.ndarray, windows) -> np.ndarray:
    m = np.zeros(t.shape, bool)
    for w in windows:
        m |= (t >= w[0] - 1e-9) & (t < w[1] - 1e-9)
    return m


def synthesize(motion: Motion, *, fps: float = 30.0, duration: Optional[float] = None,
               body: Body = Body(), camera: Camera = Camera(), noise_px: float = 0.0,
               noise_world_m: float = 0.0, dropouts: Sequence[tuple[float, float]] = (),
               low_visibility: Sequence[tuple[float, float, Sequence[str]]] = (),
               seed: int = 0) -> list[Optional[Pose]]:
    """One Pose per frame at t = i/fps for i in range(round(duration * fps)).

    duration defaults to ``motion.duration``. Noise is Gaussian (std noise_px on pixels,
    noise_world_m on world metres), drawn from numpy Generators seeded by ``seed`` (independent
    streams for pixels, world and tracking jitter, so the result is deterministic). Windows are
    half-open [start, end) in seconds: a dropout frame is None; in a low_visibility window the
    named landmarks get visibility 0.1 and extra jitter (std 12 px, 0.04 m).
    """
    if duration is None:
        duration = motion.duration
    n = max(1, int(round(duration * fps)))
    ts = np.arange(n) / fps
    for w in low_visibility:
        bad = [x for x in w[2] if x not in INDEX]
        if bad:
            raise ValueError(f"unknown landmark name(s) {bad} in low_visibility")
    dropped = _in_windows(ts, dropouts)
    npx = np.random.default_rng([seed, 0]).normal(0.0, 1.0, (n, N_LANDMARKS, 2)) * noise_px
    nw = np.random.default_rng([seed, 1]).normal(0.0, 1.0, (n, N_LANDMARKS, 3)) * noise_world_m
    lost = np.zeros((n, N_LANDMARKS), bool)
    for t0, t1, names in low_visibility:
        lost[np.ix_(_in_windows(ts, [(t0, t1)]), np.array([INDEX[x] for x in names], dtype=np.intp))] = True
    if lost.any():
        jit = np.random.default_rng([seed, 2])
        npx = npx + lost[..., None] * jit.normal(0.0, 12.0, npx.shape)
        nw = nw + lost[..., None] * jit.normal(0.0, 0.04, nw.shape)
    presence = np.full(N_LANDMARKS, 0.99)
    poses: list[Optional[Pose]] = []
    for i, t in enumerate(ts.tolist()):
        if dropped[i]:
            poses.append(None)
            continue
        world, uv, vis = _pose_arrays(motion.posture_at(t), body, camera)
        vis[lost[i]] = 0.1
        poses.append(Pose(t=t, index=i, image_xy=uv + npx[i], world_xyz=world + nw[i], visibility=vis,
                          presence=presence.copy(), image_size=(camera.width, camera.height)))
    return poses
