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


def test_writer_journal_holds_every_frame_as_it_is_appended(tmp_path):
    """Append-only: each frame is in the journal (FILE.npz.part) as soon as append returns, with
    no flush; the final .npz appears only at close, and the journal is then gone."""
    rng = np.random.default_rng(3)
    path = tmp_path / "live.npz"
    w = RecordingWriter(path, 30.0, (W, H), META)
    first = [make_pose(i, rng) if i % 3 else None for i in range(5)]
    for i, p in enumerate(first):
        w.append(i / 30.0, i, p)
    assert not path.exists() and w.journal == tmp_path / "live.npz.part"
    rec = load_recording(w.journal)   # what a crash right now would leave
    assert len(rec.poses) == 5 and rec.meta == META and rec.fps == 30.0 and rec.image_size == (W, H)
    assert rec.complete is True and rec.warnings == ()
    for a, b in zip(first, rec.poses):
        assert_same_pose(a, b)
    for i in range(5, 9):
        w.append(i / 30.0, i, make_pose(i, rng))
    assert len(load_recording(w.journal).poses) == 9
    w.close()
    w.close()  # idempotent
    rec = load_recording(path)
    assert len(rec.poses) == 9 and rec.indices.tolist() == list(range(9))
    assert [p.name for p in tmp_path.iterdir()] == ["live.npz"]
    with pytest.raises(RuntimeError):
        w.append(1.0, 9, None)


def test_writing_costs_what_it_stores(tmp_path):
    """The journal grows by exactly one record per frame: nothing is rewritten."""
    rng = np.random.default_rng(4)
    w = RecordingWriter(tmp_path / "g.npz", 30.0, (W, H), META)
    start = w.journal.stat().st_size
    for i in range(300):
        w.append(i / 30.0, i, make_pose(i, rng) if i % 4 else None)
        assert w.journal.stat().st_size == start + (i + 1) * rec_mod.JOURNAL_RECORD.itemsize
    assert rec_mod.JOURNAL_RECORD.itemsize == 1886  # bytes per frame: 33 landmarks x (2+3+1+1) floats + t, ids
    w.close()


def test_journal_cut_mid_frame_loads_the_whole_frames_and_says_so(tmp_path):
    rng = np.random.default_rng(5)
    w = RecordingWriter(tmp_path / "c.npz", 30.0, (W, H), META)
    for i in range(10):
        w.append(i / 30.0, i, make_pose(i, rng))
    data = w.journal.read_bytes()
    cut = tmp_path / "cut.npz.part"
    cut.write_bytes(data[: len(data) - 700])  # the process died while writing frame 9
    rec = load_recording(cut)
    assert len(rec.poses) == 9 and rec.complete is False
    assert rec.warnings == (f"recording '{cut}' ends in the middle of frame 9: it was cut short "
                            "(the 9 whole frames are kept)",)


def test_journal_with_a_flipped_byte_keeps_the_frames_before_it(tmp_path):
    rng = np.random.default_rng(6)
    w = RecordingWriter(tmp_path / "f.npz", 30.0, (W, H), META)
    for i in range(10):
        w.append(i / 30.0, i, make_pose(i, rng))
    data = bytearray(w.journal.read_bytes())
    header = len(data) - 10 * rec_mod.JOURNAL_RECORD.itemsize
    data[header + 6 * rec_mod.JOURNAL_RECORD.itemsize + 100] ^= 0xFF  # inside frame 6
    bad = tmp_path / "flip.npz.part"
    bad.write_bytes(bytes(data))
    rec = load_recording(bad)
    assert len(rec.poses) == 6 and rec.complete is False
    assert rec.warnings == (f"recording '{bad}' is damaged after frame 6: the 4 frames after it are ignored",)


def test_killed_writer_loses_nothing_appended(tmp_path):
    """A process killed (SIGKILL: no cleanup at all) after appending 40 frames: all 40 load."""
    import subprocess
    import sys
    path = tmp_path / "k.npz"
    code = (
        "import os, signal, numpy as np\n"
        "from coach.pose.recording import RecordingWriter\n"
        f"w = RecordingWriter({str(path)!r}, 30.0, (64, 48), {{'source': 'x'}})\n"
        "for i in range(40): w.append(i / 30.0, i, None)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert p.returncode == -9
    rec = load_recording(tmp_path / "k.npz.part")
    assert len(rec.poses) == 40 and rec.complete is True and rec.times[-1] == 39 / 30.0


def test_disk_full_while_recording_names_the_file_and_keeps_the_frames(tmp_path, monkeypatch):
    """A fake os.write that fails with ENOSPC on the 8th frame (the tmpfs version is in
    test_outputs.py): one line naming the journal and the cause; the 7 frames before load."""
    import errno
    import os as _os
    rng = np.random.default_rng(7)
    w = RecordingWriter(tmp_path / "d.npz", 30.0, (W, H), META)
    real_write, calls = _os.write, {"n": 0}

    def full(fd, data):
        if fd == w._fd:
            calls["n"] += 1
            if calls["n"] == 8:
                real_write(fd, bytes(data)[:500])  # a torn frame, as a real ENOSPC may leave
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(rec_mod.os, "write", full)
    for i in range(7):
        w.append(i / 30.0, i, make_pose(i, rng))
    with pytest.raises(RecordingError) as e:
        w.append(7 / 30.0, 7, make_pose(7, rng))
    assert str(e.value) == (f"cannot write recording '{w.journal}': No space left on device; the 7 frames "
                            f"before are kept in it ('coach analyze {w.journal}' replays them)")
    assert e.value.exit_code == 1
    w.close()  # the journal stays: it is the recording now
    rec = load_recording(w.journal)
    assert len(rec.poses) == 7 and rec.complete is True and not (tmp_path / "d.npz").exists()


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
