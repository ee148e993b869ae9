"""Landmark recordings: exact round trips, crash-safe flushing, one-line errors."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from coach.errors import RecordingError
from coach.pose import recording as rec_mod
from coach.pose.recording import Recording, RecordingWriter, load_recording, save_recording
from coach.types import Pose

W, H = 640, 360
META = {"source": "clip.mp4", "model": "pose_landmarker_full", "model_sha256": "ab" * 32,
        "coach_version": "0.1.0", "created": "2024-01-02T03:04:05+00:00", "note": "ünïcode ✓"}


def make_pose(i: int, rng: np.random.Generator, world: bool = True, size=(W, H)) -> Pose:
    return Pose(
        t=i / 30.0,
        index=i,
        image_xy=rng.normal(300.0, 200.0, (33, 2)),  # may lie outside the frame
        world_xyz=rng.normal(0.0, 0.5, (33, 3)) if world else None,
        visibility=rng.random(33),
        presence=rng.random(33),
        image_size=size,
    )


def assert_same_pose(a: Pose | None, b: Pose | None) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    assert a.t == b.t and a.index == b.index and a.image_size == b.image_size
    assert a.image_xy.dtype == np.float64 and np.array_equal(a.image_xy, b.image_xy)
    assert np.array_equal(a.visibility, b.visibility) and np.array_equal(a.presence, b.presence)
    if a.world_xyz is None or b.world_xyz is None:
        assert a.world_xyz is None and b.world_xyz is None
    else:
        assert np.array_equal(a.world_xyz, b.world_xyz)


# pattern letters: P = pose with world landmarks, w = pose without world landmarks, . = no pose
PATTERNS = ["", "P", ".", "PPPP", "....", "P.wP..P", ".PwwP.", "w"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_save_load_round_trip_is_exact(tmp_path, pattern):
    rng = np.random.default_rng(len(pattern))
    poses = [None if c == "." else make_pose(i, rng, world=(c == "P")) for i, c in enumerate(pattern)]
    times = [i / 30.0 + 1e-9 * i for i in range(len(pattern))]
    indices = list(range(10, 10 + len(pattern)))
    poses = [p if p is None else Pose(times[i], indices[i], p.image_xy, p.world_xyz, p.visibility,
                                      p.presence, p.image_size) for i, p in enumerate(poses)]
    path = tmp_path / "session.npz"
    save_recording(path, poses, times, META, indices=indices, fps=29.97, image_size=(W, H))
    rec = load_recording(path)
    assert isinstance(rec, Recording)
    assert len(rec.poses) == len(pattern)
    for a, b in zip(poses, rec.poses):
        assert_same_pose(a, b)
    assert rec.times.dtype == np.float64 and np.array_equal(rec.times, np.array(times))
    assert np.array_equal(rec.indices, np.array(indices))
    assert rec.fps == 29.97 and rec.image_size == (W, H) and rec.meta == META


def test_npz_layout_matches_the_documented_format(tmp_path):
    rng = np.random.default_rng(1)
    poses = [make_pose(0, rng), None, make_pose(2, rng, world=False)]
    path = tmp_path / "r.npz"
    save_recording(path, poses, [0.0, 1 / 30, 2 / 30], META, fps=30.0, image_size=(W, H))
    with np.load(path, allow_pickle=False) as z:
        assert z["t"].shape == (3,) and z["index"].shape == (3,)
        assert z["has_pose"].tolist() == [True, False, True]
        assert z["image_xy"].shape == (3, 33, 2) and z["world_xyz"].shape == (3, 33, 3)
        assert z["visibility"].shape == (3, 33) and z["presence"].shape == (3, 33)
        assert np.isnan(z["image_xy"][1]).all() and np.isnan(z["world_xyz"][1]).all()
        assert np.isnan(z["world_xyz"][2]).all()  # pose without world landmarks
        assert z["image_size"].tolist() == [W, H] and float(z["fps"]) == 30.0
        assert json.loads(str(z["meta"])) == META
        assert z["index"].tolist() == [0, 1, 2]  # default: pose.index, previous + 1 for no pose


def test_save_exact_name_and_no_temp_files_left(tmp_path):
    path = tmp_path / "session.landmarks"  # numpy would append .npz to a plain file name
    save_recording(path, [None], [0.0], META, fps=30.0, image_size=(W, H))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.landmarks"]
    assert load_recording(path).poses == (None,)


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    path = tmp_path / "r.npz"
    save_recording(path, [make_pose(0, rng)], [0.0], META, fps=30.0, image_size=(W, H))
    before = path.read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing

    monkeypatch.setattr(rec_mod.np, "savez_compressed", boom)
    with pytest.raises(KeyboardInterrupt):
        save_recording(path, [None, None], [0.0, 0.1], META, fps=30.0, image_size=(W, H))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.npz"]


def test_save_into_missing_folder_is_one_line_error(tmp_path):
    with pytest.raises(RecordingError) as e:
        save_recording(tmp_path / "nope" / "r.npz", [None], [0.0], META, fps=30.0, image_size=(W, H))
    assert "\n" not in str(e.value) and "cannot write recording" in str(e.value)


def test_writer_flush_midway_leaves_loadable_file(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "live.npz"
    w = RecordingWriter(path, 30.0, (W, H), META)
    first = [make_pose(i, rng) if i % 3 else None for i in range(5)]
    for i, p in enumerate(first):
        w.append(i / 30.0, i, p)
    w.flush()
    rec = load_recording(path)
    assert len(rec.poses) == 5 and rec.meta == META and rec.fps == 30.0 and rec.image_size == (W, H)
    for a, b in zip(first, rec.poses):
        assert_same_pose(a, b)
    # More frames without a flush (then the process "dies"): the file still has the first 5.
    for i in range(5, 9):
        w.append(i / 30.0, i, make_pose(i, rng))
    assert len(load_recording(path).poses) == 5
    w.close()
    w.close()  # idempotent
    rec = load_recording(path)
    assert len(rec.poses) == 9 and rec.indices.tolist() == list(range(9))
    assert [p.name for p in tmp_path.iterdir()] == ["live.npz"]
    with pytest.raises(RuntimeError):
        w.append(1.0, 9, None)


def test_writer_grows_past_initial_capacity(tmp_path, monkeypatch):
    monkeypatch.setattr(RecordingWriter, "_INITIAL_CAPACITY", 4)
    rng = np.random.default_rng(4)
    poses = [make_pose(i, rng) if i % 4 else None for i in range(11)]
    with RecordingWriter(tmp_path / "g.npz", 30.0, (W, H), META) as w:
        for i, p in enumerate(poses):
            w.append(i / 30.0, i, p)
            if i == 6:
                w.flush()
    rec = load_recording(tmp_path / "g.npz")
    assert len(rec.poses) == 11
    for a, b in zip(poses, rec.poses):
        assert_same_pose(a, b)


def test_writer_rejects_meta_that_is_not_json():
    with pytest.raises(TypeError):
        RecordingWriter("x.npz", 30.0, (W, H), {"bad": object()})


def _npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _good_arrays(n=2):
    rng = np.random.default_rng(5)
    arrays = rec_mod._pack([make_pose(i, rng) for i in range(n)], [0.0, 0.1][:n], list(range(n)), 30.0, (W, H), META)
    return dict(arrays)


def _malformed(kind, path):
    if kind == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(3000))
    elif kind == "text":
        path.write_text("t,x,y\n0,1,2\n")
    elif kind == "empty file":
        path.write_bytes(b"")
    elif kind == "truncated npz":
        save_recording(path, [None] * 50, [i / 30 for i in range(50)], META, fps=30.0, image_size=(W, H))
        path.write_bytes(path.read_bytes()[:200])
    elif kind == "single npy":
        with open(path, "wb") as f:
            np.save(f, np.zeros(3))
    elif kind == "other npz":
        _npz(path, weights=np.zeros(3))
    elif kind == "wrong shape":
        a = _good_arrays()
        a["image_xy"] = np.zeros((2, 17, 2))
        _npz(path, **a)
    elif kind == "length mismatch":
        a = _good_arrays()
        a["t"] = np.zeros(3)
        _npz(path, **a)
    elif kind == "meta not json":
        a = _good_arrays()
        a["meta"] = np.array("{not json")
        _npz(path, **a)
    elif kind == "string coords":
        a = _good_arrays()
        a["image_xy"] = np.full((2, 33, 2), "x")
        _npz(path, **a)
    elif kind == "zip of junk":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("t.npy", b"junk")
    elif kind == "newer version":
        a = _good_arrays()
        a["format_version"] = np.array(99)
        _npz(path, **a)
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["random bytes", "text", "empty file", "truncated npz", "single npy",
                                  "other npz", "wrong shape", "length mismatch", "meta not json",
                                  "string coords", "zip of junk", "newer version"])
def test_malformed_file_is_one_line_recording_error(tmp_path, kind):
    path = tmp_path / "bad.npz"
    _malformed(kind, path)
    with pytest.raises(RecordingError) as e:
        load_recording(path)
    msg = str(e.value)
    assert msg.startswith(f"cannot load recording '{path}'")
    assert "\n" not in msg and "Traceback" not in msg


def test_missing_file_is_one_line_recording_error(tmp_path):
    with pytest.raises(RecordingError, match=r"^cannot load recording '.*nope\.npz': no such file$"):
        load_recording(tmp_path / "nope.npz")


def test_directory_is_recording_error(tmp_path):
    with pytest.raises(RecordingError):
        load_recording(tmp_path)
