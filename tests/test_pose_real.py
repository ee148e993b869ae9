"""Real MediaPipe inference (coach.pose.landmarker) on public images and an evaluation clip.

One PoseEstimator is shared by the module's tests (building a graph costs ~0.3 s). Its bundle
is built into a temporary cache, so the tests never touch the user's ~/.cache.
"""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from coach.capture import open_source
from coach.errors import PoseModelError
from coach.landmarks import INDEX
from coach.pose import landmarker
from coach.pose.landmarker import PoseEstimator, default_bundle_path, ensure_bundle
from coach.types import Frame, Pose

CURL_CLIP = "bicep_curl__gym-side.mp4"  # in the real clips folder (the clips_dir fixture, conftest.py)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORM_COACH_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield ensure_bundle()


@pytest.fixture(scope="module")
def estimator(bundle):
    with PoseEstimator(bundle) as est:
        yield est


@pytest.fixture(scope="module")
def astronaut_bgr():
    # scikit-image is in the test extra: a missing install is an error of these tests only, never
    # a silent skip of the whole module (28 adapter tests need no photo at all)
    from skimage import data as skimage_data
    rgb = skimage_data.astronaut()  # public domain NASA photo, (512, 512, 3) RGB
    return np.ascontiguousarray(rgb[:, :, ::-1])


@pytest.fixture(scope="module")
def astronaut_pose(estimator, astronaut_bgr):
    return estimator.process(Frame(astronaut_bgr, t=0.0, index=7))


def test_astronaut_pose_found_with_pixel_coordinates(astronaut_pose, astronaut_bgr):
    pose = astronaut_pose
    assert isinstance(pose, Pose)
    h, w = astronaut_bgr.shape[:2]
    assert pose.image_size == (w, h) and pose.index == 7 and pose.t == 0.0
    nose = pose.image_xy[INDEX["nose"]]
    ls, rs = pose.image_xy[INDEX["left_shoulder"]], pose.image_xy[INDEX["right_shoulder"]]
    assert nose[1] < ls[1] and nose[1] < rs[1]  # y grows downwards: nose above both shoulders
    for p in (nose, ls, rs):
        assert 0 <= p[0] < w and 0 <= p[1] < h  # pixels, not normalised 0..1
    assert abs(ls[0] - rs[0]) > 0.15 * w  # shoulders far apart in pixels (would fail for 0..1 values)
    assert pose.visibility.shape == (33,) and np.all((pose.visibility >= 0) & (pose.visibility <= 1))
    assert pose.presence.shape == (33,) and np.all((pose.presence >= 0) & (pose.presence <= 1))
    assert pose.visibility[INDEX["nose"]] > 0.9 and pose.presence[INDEX["nose"]] > 0.5


def test_astronaut_world_landmarks_in_metres(astronaut_pose):
    world = astronaut_pose.world_xyz
    assert world is not None and world.shape == (33, 3) and np.isfinite(world).all()
    width = np.linalg.norm(world[INDEX["left_shoulder"]] - world[INDEX["right_shoulder"]])
    assert 0.2 <= width <= 0.6


def _grow(img: np.ndarray, how: str) -> tuple[np.ndarray, float]:
    """(bigger image, factor from original pixels to new pixels)."""
    h, w = img.shape[:2]
    if how == "scale2":
        return np.ascontiguousarray(np.repeat(np.repeat(img, 2, axis=0), 2, axis=1)), 2.0
    if how == "pad_right":  # another aspect ratio: width and height must not be mixed up
        return np.ascontiguousarray(np.pad(img, ((0, 0), (0, w // 2), (0, 0)))), 1.0
    if how == "pad_bottom":
        return np.ascontiguousarray(np.pad(img, ((0, h // 2), (0, 0), (0, 0)))), 1.0
    raise AssertionError(how)


@pytest.fixture(scope="module")
def curl_frame(clips_dir):
    with open_source(clips_dir / CURL_CLIP) as src:
        return next(iter(src)).image


@pytest.mark.parametrize("image, how", [("astronaut", "scale2"), ("curl", "pad_right"), ("curl", "pad_bottom")])
def test_pixel_coordinates_follow_the_frame(request, estimator, image, how):
    """The same body in a bigger frame lands on the same pixels (x*width, y*height)."""
    img = request.getfixturevalue("astronaut_bgr" if image == "astronaut" else "curl_frame")
    big, factor = _grow(img, how)

    def settled(im, t0):  # the first frame (detector crop) is rough; tracking then refines it
        return [estimator.process(Frame(im, t=t0 + k, index=k)) for k in range(4)][-1]

    big_pose = settled(big, 200.0)
    small_pose = settled(img, 300.0)
    assert big_pose.image_size == (big.shape[1], big.shape[0])
    # Model jitter between the two inputs is a few px here (padding the astronaut, who is cut
    # off at the waist, changes the model's answer by 60 px, so she is only scaled). A unit bug
    # (normalised output, width/height mixed up) moves landmarks by 100s of px. The exact
    # conversion is checked in test_conversion_with_fake_model.
    tolerance_px = 0.03 * img.shape[0] * factor
    for name in ("nose", "left_shoulder", "right_shoulder", "left_eye", "right_ear"):
        i = INDEX[name]
        assert big_pose.image_xy[i] == pytest.approx(factor * small_pose.image_xy[i], abs=tolerance_px), name


class _LM:
    def __init__(self, x, y, z=0.0, visibility=None, presence=None):
        self.x, self.y, self.z, self.visibility, self.presence = x, y, z, visibility, presence


class _FakeResult:
    def __init__(self, landmarks, world):
        self.pose_landmarks = landmarks
        self.pose_world_landmarks = world


class _FakeLandmarker:
    """Stands in for the MediaPipe graph: returns canned landmarks, records its inputs."""

    def __init__(self, result):
        self.result, self.calls = result, []

    def detect_for_video(self, image, ts_ms):
        self.calls.append((image.numpy_view().copy(), ts_ms))
        return self.result

    def close(self):
        pass


def _canned(world=True):
    lms = [_LM(x=i / 40.0, y=1.0 - i / 50.0, visibility=i / 33.0, presence=None if i == 5 else 0.5) for i in range(33)]
    wl = [_LM(x=i * 0.01, y=-i * 0.02, z=i * 0.03) for i in range(33)]
    return _FakeResult([lms], [wl] if world else [])


@pytest.mark.parametrize("world", [True, False])
def test_conversion_with_fake_model(estimator, monkeypatch, world):
    fake = _FakeLandmarker(_canned(world))
    monkeypatch.setattr(estimator, "_landmarker", fake)
    monkeypatch.setattr(estimator, "_last_size", (320, 200))
    img = np.zeros((200, 320, 3), np.uint8)
    img[..., 0] = 10  # B
    img[..., 2] = 200  # R
    pose = estimator.process(Frame(img, t=1234.5, index=42))
    i = np.arange(33)
    assert np.array_equal(pose.image_xy[:, 0], (i / 40.0) * 320)  # x * width
    assert np.array_equal(pose.image_xy[:, 1], (1.0 - i / 50.0) * 200)  # y * height
    assert pose.visibility == pytest.approx(i / 33.0)
    assert pose.presence[5] == 0.0 and pose.presence[4] == 0.5  # unset score -> 0
    if world:
        assert np.array_equal(pose.world_xyz, np.stack([i * 0.01, -i * 0.02, i * 0.03], axis=1))
    else:
        assert pose.world_xyz is None
    assert (pose.t, pose.index, pose.image_size) == (1234.5, 42, (320, 200))
    sent, ts = fake.calls[0]
    assert sent[0, 0].tolist() == [200, 0, 10]  # RGB to MediaPipe
    assert ts >= 1234500
    fake.result = _FakeResult([], [])
    assert estimator.process(Frame(img, t=1234.6, index=43)) is None
    assert fake.calls[1][1] > ts


@pytest.mark.parametrize("times, expected_ms", [
    ([0.0, 0.0, 0.0], [0, 1, 2]),
    ([1.0, 0.5, 0.9, 2.0], [1000, 1001, 1002, 2000]),
    ([0.0104, 0.0101, 0.0109], [10, 11, 12]),
    ([-1.0, float("nan"), 0.003], [0, 1, 3]),
])
def test_timestamps_strictly_increase(bundle, times, expected_ms):
    with PoseEstimator(bundle) as est:
        assert [est._timestamp_ms(t) for t in times] == expected_ms


def test_blank_frame_has_no_pose(estimator):
    assert estimator.process(Frame(np.zeros((240, 320, 3), np.uint8), t=30.0, index=0)) is None


@pytest.mark.parametrize("times", [[40.0, 40.0, 40.0], [50.0, 49.0, 48.5], [60.0, 60.0004, 60.0001]])
def test_equal_or_decreasing_timestamps_are_accepted(estimator, astronaut_bgr, times):
    # MediaPipe VIDEO mode rejects non-increasing timestamps; the estimator bumps them by 1 ms.
    for i, t in enumerate(times):
        assert estimator.process(Frame(astronaut_bgr, t=t, index=i)) is not None


def test_bicep_curl_clip_has_pose_in_most_frames(estimator, clips_dir):
    n_frames = 60
    poses = []
    with open_source(clips_dir / CURL_CLIP) as src:
        for frame in src:
            poses.append(estimator.process(frame))
            if len(poses) == n_frames:
                break
    assert len(poses) == n_frames
    found = [p for p in poses if p is not None]
    assert len(found) >= 0.9 * n_frames
    assert all(p.image_size == (1280, 720) for p in found)


# ------------------------------------------------------------------------ bundle and model path


def test_bundle_build_corrupt_and_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("FORM_COACH_CACHE", str(tmp_path / "cache"))
    path = default_bundle_path()
    assert path.parent == tmp_path / "cache" and path.suffix == ".task"
    assert ensure_bundle() == path
    sidecar = landmarker.sidecar_path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sidecar.read_text().split()[0] == digest
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, sidecar.name])  # no temp files

    # Corrupt the bundle: ensure_bundle notices (hash) and rebuilds the same bytes.
    path.write_bytes(b"junk")
    assert not landmarker.bundle_is_valid(path)
    assert ensure_bundle() == path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert landmarker.bundle_is_valid(path)

    # Corrupt the sidecar / delete the bundle: both rebuilt.
    sidecar.write_text("not a hash\n")
    assert ensure_bundle() == path and landmarker.bundle_is_valid(path)
    path.unlink()
    assert ensure_bundle() == path and landmarker.bundle_is_valid(path)

    # A truncated bundle with a matching sidecar would be a bug in the writer; a truncated one with
    # the old sidecar must be caught.
    path.write_bytes(path.read_bytes()[:1000])
    assert ensure_bundle() == path and hashlib.sha256(path.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("env, expected", [
    ({"FORM_COACH_CACHE": "{tmp}/explicit"}, "{tmp}/explicit"),
    ({"XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/form-coach"),
    ({"HOME": "{tmp}/home"}, "{tmp}/home/.cache/form-coach"),
    ({"FORM_COACH_CACHE": "{tmp}/explicit", "XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/explicit"),
])
def test_cache_dir_precedence(tmp_path, monkeypatch, env, expected):
    for key in ("FORM_COACH_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(tmp=tmp_path))
    assert default_bundle_path().parent == Path(expected.format(tmp=tmp_path))


def test_unwritable_cache_is_pose_model_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("FORM_COACH_CACHE", str(blocker / "cache"))
    with pytest.raises(PoseModelError, match=r"^cannot write pose model") as e:
        ensure_bundle()
    assert "\n" not in str(e.value)


def _missing(tmp_path):
    return tmp_path / "pose_landmarker_heavy.task", "no such file"


def _junk(tmp_path):
    p = tmp_path / "junk.task"
    p.write_bytes(np.random.default_rng(0).bytes(5000))
    return p, ""


def _empty(tmp_path):
    p = tmp_path / "empty.task"
    p.write_bytes(b"")
    return p, ""


def _folder(tmp_path):
    return tmp_path, "not a file"


def _wrong_zip(tmp_path):
    p = tmp_path / "wrong.task"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hand_landmarks_detector.tflite", b"x" * 100)
        z.writestr("hand_detector.tflite", b"y" * 100)
    return p, ""


@pytest.mark.parametrize("make", [_missing, _junk, _empty, _folder, _wrong_zip])
def test_bad_model_path_is_one_line_pose_model_error(tmp_path, make):
    path, reason = make(tmp_path)
    with pytest.raises(PoseModelError) as e:
        PoseEstimator(path)
    msg = str(e.value)
    assert msg.startswith(f"cannot load pose model '{path}': ") and msg.endswith(reason)
    assert "\n" not in msg and "Traceback" not in msg


def test_estimator_accepts_bundle_path_as_str_and_closes(bundle, astronaut_bgr):
    est = PoseEstimator(str(bundle), live=True)
    assert est.live and est.model_sha256 == landmarker.sha256_file(bundle)
    assert est.process(Frame(astronaut_bgr, t=0.0, index=0)) is not None
    est.close()
    est.close()
    with pytest.raises(RuntimeError):
        est.process(Frame(astronaut_bgr, t=1.0, index=1))
