"""`coach extract VIDEO... -o DIR`: videos to landmark recordings with real pose inference (a
public-domain photo as a short video), the same landmarks `coach analyze --record` saves, never
overwriting a recording, one line per failure, a progress bar on a terminal."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from tuning_helpers import photo_video

from coach.cli import main
from coach.pose.recording import load_recording

skimage_data = pytest.importorskip("skimage.data")
FRAMES = 6


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """astronaut.mp4 (the photo, FRAMES frames at 10 fps), astronaut2.mp4 (mirrored), broken.mp4."""
    d = tmp_path_factory.mktemp("videos")
    photo_video(d / "astronaut.mp4", FRAMES)
    photo_video(d / "astronaut2.mp4", FRAMES, mirror=True)
    (d / "broken.mp4").write_bytes(b"not a video at all")
    return d


def test_extract_writes_the_landmarks_analyze_records(videos, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["extract", str(videos / "astronaut.mp4"), "-o", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"written {out / 'astronaut.npz'}  ({FRAMES} frames, {FRAMES} with a person, ")
    rec = load_recording(out / "astronaut.npz")
    assert len(rec) == FRAMES and rec.fps == 10.0 and rec.image_size == (512, 512)
    assert rec.meta["source"] == "astronaut.mp4" and rec.meta["tool"] == "coach extract"
    # the same pose stream as a session recorded with `coach analyze --record`
    assert main(["analyze", str(videos / "astronaut.mp4"), "--exercise", "squat", "--record",
                 str(tmp_path / "analyzed.npz"), "--json"]) == 0
    capsys.readouterr()
    ref = load_recording(tmp_path / "analyzed.npz")
    assert np.array_equal(rec.times, ref.times)
    for a, b in zip(rec.poses, ref.poses):
        assert np.array_equal(a.image_xy, b.image_xy) and np.array_equal(a.world_xyz, b.world_xyz)
        assert np.array_equal(a.visibility, b.visibility)


def test_extract_never_overwrites_and_reports_each_failure_on_one_line(videos, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "astronaut.npz").write_bytes(b"an earlier recording")
    args = ["extract", str(videos / "astronaut.mp4"), str(videos / "broken.mp4"), str(videos / "astronaut2.mp4"),
            "-o", str(out), "--workers", "2", "--json"]
    assert main(args) == 1
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert [(r["video"], r["status"]) for r in rows] == [
        (str(videos / "astronaut.mp4"), "kept"), (str(videos / "broken.mp4"), "failed"),
        (str(videos / "astronaut2.mp4"), "written")]
    assert rows[1]["error"] == f"cannot read video '{videos / 'broken.mp4'}': not a video file or it is corrupt"
    assert (out / "astronaut.npz").read_bytes() == b"an earlier recording"
    assert not (out / "broken.npz").exists() and len(load_recording(out / "astronaut2.npz")) == FRAMES
    assert cap.err.strip() == "coach: error: 1 of 3 videos could not be extracted"
    assert sorted(p.name for p in out.iterdir()) == ["astronaut.npz", "astronaut2.npz"]  # no temp files left


def test_extract_usage_errors(videos, tmp_path, capsys):
    assert main(["extract", str(videos / "astronaut.mp4"), "-o", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip() == f"coach: error: output folder does not exist: {tmp_path / 'nope'}"
    assert main(["extract", str(videos / "astronaut.mp4"), str(videos / "astronaut.mp4"), "-o", str(tmp_path)]) == 2
    assert "would both be saved as" in capsys.readouterr().err


def test_progress_bar_on_a_terminal(videos, tmp_path, monkeypatch, capsys):
    class Tty(io.StringIO):
        def isatty(self):
            return True
    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["extract", str(videos / "astronaut.mp4"), "-o", str(tmp_path), "--workers", "1"]) == 0
    bar = err.getvalue()
    assert f"{FRAMES}/{FRAMES}" in bar and "frame" in bar  # tqdm's bar, frame by frame in this process
    assert capsys.readouterr().out.startswith("written ")
