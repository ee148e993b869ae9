"""Outputs (coach.outputs, capture.VideoWriter, pose.recording): the input is never overwritten,
nothing the coach did not make is replaced without --force, a half-written file never sits
under the final name, and a full disk ends in one line with what was written kept readable."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from clirun import coach
from longsession import squat_recording

from coach import capture
from coach.capture import VideoWriter
from coach.errors import OutputError
from coach.outputs import is_coach_video
from coach.pose.recording import JOURNAL_RECORD, load_recording

REPO = Path(__file__).resolve().parents[1]




def one_line(p: subprocess.CompletedProcess) -> str:
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert "Traceback" not in p.stderr and len(lines) == 1, p.stderr
    return lines[0]


def snapshot(folder: Path) -> dict:
    return {f.name: (f.read_bytes(), f.stat().st_mtime_ns) for f in folder.iterdir()}


def write_video(path: Path, n: int = 20) -> None:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (160, 120))
    for i in range(n):
        w.write(np.full((120, 160, 3), 10 * i, np.uint8))
    w.release()


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    return squat_recording(tmp_path_factory.mktemp("in") / "in.npz", 90)


# ------------------------------------------------------------------ never the input, never others' files

@pytest.mark.parametrize("flag", ["--output", "--record"])
def test_output_naming_the_input_video_is_refused_and_nothing_touched(tmp_path, flag):
    clip = tmp_path / "clip.mp4"
    write_video(clip)
    before = snapshot(tmp_path)
    p = coach("analyze", str(clip), "--exercise", "squat", flag, str(clip), "--force")
    assert p.returncode == 2
    assert one_line(p) == (f"coach: error: {flag} '{clip}' is the input being read: choose another file name "
                           "(the input is never overwritten)")
    assert snapshot(tmp_path) == before


def test_record_naming_the_input_recording_is_refused(tmp_path, session):
    rec = tmp_path / "in.npz"
    shutil.copy(session, rec)
    before = snapshot(tmp_path)
    p = coach("analyze", str(rec), "--exercise", "squat", "--record", str(rec))
    assert p.returncode == 2 and "is the input being read" in one_line(p)
    assert snapshot(tmp_path) == before


def test_existing_file_the_coach_did_not_make_needs_force(tmp_path, session):
    mine = tmp_path / "holiday.mp4"
    write_video(mine)
    before = snapshot(tmp_path)
    p = coach("analyze", str(session), "--exercise", "squat", "--output", str(mine))
    assert p.returncode == 2
    assert one_line(p) == (f"coach: error: --output '{mine}' already exists (not a video the coach made): "
                           "choose another name or add --force to replace it")
    assert snapshot(tmp_path) == before
    p = coach("analyze", str(session), "--exercise", "squat", "--output", str(mine), "--force")
    assert p.returncode == 0, p.stderr
    assert is_coach_video(mine) and int(cv2.VideoCapture(str(mine)).get(cv2.CAP_PROP_FRAME_COUNT)) == 90


def test_a_video_the_coach_made_is_replaced_without_force(tmp_path, session):
    out = tmp_path / "out.mp4"
    assert coach("analyze", str(session), "--exercise", "squat", "--output", str(out)).returncode == 0
    assert is_coach_video(out)
    first = out.stat().st_mtime_ns
    time.sleep(0.01)
    p = coach("analyze", str(session), "--exercise", "squat", "--output", str(out))
    assert p.returncode == 0, p.stderr
    assert out.stat().st_mtime_ns > first


def test_an_existing_recording_is_never_replaced_without_force(tmp_path, session):
    rec = tmp_path / "rec.npz"
    assert coach("analyze", str(session), "--exercise", "squat", "--record", str(rec)).returncode == 0
    before = snapshot(tmp_path)
    p = coach("analyze", str(session), "--exercise", "squat", "--record", str(rec))
    assert p.returncode == 2
    assert one_line(p) == (f"coach: error: --record '{rec}' already exists (a landmark recording: recordings are "
                           "never replaced): choose another name or add --force to replace it")
    assert snapshot(tmp_path) == before
    assert coach("analyze", str(session), "--exercise", "squat", "--record", str(rec), "--force").returncode == 0


def test_a_cut_short_recording_journal_is_not_overwritten(tmp_path, session):
    part = tmp_path / "rec.npz.part"
    part.write_bytes(b"frames of a session that crashed")
    p = coach("analyze", str(session), "--exercise", "squat", "--record", str(tmp_path / "rec.npz"))
    assert p.returncode == 2 and "holds the frames of a recording that was cut short" in one_line(p)
    assert part.read_bytes() == b"frames of a session that crashed"


def test_output_and_record_on_the_same_file_is_refused(tmp_path, session):
    same = tmp_path / "x.mp4"
    p = coach("analyze", str(session), "--exercise", "squat", "--output", str(same), "--record", str(same))
    assert p.returncode == 2 and "give each output its own file" in one_line(p)
    assert not same.exists()


def test_demo_refuses_a_file_it_did_not_make(tmp_path):
    mine = tmp_path / "notes.mp4"
    mine.write_text("my notes")
    p = coach("demo", "--output", str(mine))
    assert p.returncode == 2 and "already exists" in one_line(p)
    assert mine.read_text() == "my notes"


# ------------------------------------------------------------------ never half a file under the final name

def test_writer_works_under_a_temporary_name_and_renames_at_the_end(tmp_path):
    out = tmp_path / "v.mp4"
    w = VideoWriter(out, 30.0, (160, 120))
    for i in range(10):
        w.write(np.full((120, 160, 3), 20 * i, np.uint8))
    assert not out.exists() and w.partial.exists() and w.partial.parent == tmp_path
    w.close()
    assert out.exists() and not w.partial.exists() and is_coach_video(out)
    assert int(cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT)) == 10


def test_a_killed_session_leaves_nothing_under_the_final_names(tmp_path):
    """SIGKILL (no cleanup possible): no half video or recording under the names asked for; the
    recording journal holds the frames up to the kill and replays."""
    src = squat_recording(tmp_path / "long.npz", 6000)
    work = tmp_path / "out"
    work.mkdir()
    out, rec = work / "out.mp4", work / "rec.npz"
    p = subprocess.Popen([sys.executable, "-m", "coach", "analyze", str(src), "--exercise", "squat",
                          "--output", str(out), "--record", str(rec)], cwd=REPO,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = work / "rec.npz.part"
    deadline = time.time() + 120
    while time.time() < deadline and not (journal.exists() and journal.stat().st_size > 60 * JOURNAL_RECORD.itemsize):
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    assert not out.exists() and not rec.exists()
    assert len(load_recording(journal).poses) >= 60


# ------------------------------------------------------------------ a full disk

def test_nearly_full_disk_stops_the_video_readable_in_process(tmp_path, monkeypatch):
    """Always runs (no root needed): free space as reported drops below the reserve after 30
    frames; write raises one line naming the file, and close keeps those 30 frames playable."""
    out = tmp_path / "v.mp4"
    free = {"bytes": 10 * capture.VIDEO_DISK_RESERVE_BYTES}
    real = shutil.disk_usage
    monkeypatch.setattr(capture.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=free["bytes"]))
    w = VideoWriter(out, 30.0, (160, 120))
    with pytest.raises(OutputError) as e:
        for i in range(100):
            if i == 30:
                free["bytes"] = 1_000_000
            w.write(np.full((120, 160, 3), 2 * i, np.uint8))
    assert str(e.value) == (f"cannot write video '{out}': the disk is nearly full (1.0 MB free, 16 MB needed); "
                            "the 30 frames written are kept")
    w.close()
    assert int(cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT)) == 30


@pytest.fixture
def small_disk(tmp_path):
    """A real filesystem that fills up: a tmpfs mounted here (needs root; skipped otherwise,
    where the in-process tests above and test_recording.py's fake ENOSPC still run)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()

    def mount(size: str) -> Path:
        if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a small tmpfs needs root")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True)
        if p.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {p.stderr.decode().strip()}")
        return mnt

    yield mount
    subprocess.run(["umount", str(mnt)], capture_output=True)


def fill(disk: Path, leave: int) -> None:
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_full_disk_while_recording_one_line_exit_1_frames_kept(small_disk, session, tmp_path):
    """A real ENOSPC: the journal fills the disk after ~50 frames."""
    disk = small_disk("2m")
    fill(disk, 100_000)
    rec = disk / "rec.npz"
    p = coach("analyze", str(session), "--exercise", "squat", "--record", str(rec), "--json")
    assert p.returncode == 1
    line = one_line(p)
    journal = disk / "rec.npz.part"
    kept = len(load_recording(journal).poses)
    assert 10 < kept < 90
    assert line == (f"coach: error: cannot write recording '{journal}': No space left on device; the {kept} frames "
                    f"before are kept in it ('coach analyze {journal}' replays them)")
    s = json.loads(p.stdout)
    assert s["complete"] is False and s["output_errors"] == [line.removeprefix("coach: error: ")]


def test_full_disk_while_writing_the_video_keeps_it_readable(small_disk, tmp_path):
    """A real small disk: the video stops at the reserve, playable, with the frames it says."""
    disk = small_disk(f"{capture.VIDEO_DISK_RESERVE_BYTES // 1024 + 1024}k")
    src = squat_recording(tmp_path / "long.npz", 3000)
    out = disk / "out.mp4"
    p = coach("analyze", str(src), "--exercise", "squat", "--output", str(out), "--json")
    assert p.returncode == 1
    line = one_line(p)
    assert line.startswith(f"coach: error: cannot write video '{out}': the disk is nearly full (")
    kept = int(line.split("the ")[-1].split(" frames")[0])
    assert 0 < kept < 3000
    cap = cv2.VideoCapture(str(out))
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == kept
    assert [f.name for f in disk.iterdir()] == ["out.mp4"]


def test_disk_filled_faster_than_the_reserve_check_loses_the_video_but_says_so(small_disk, monkeypatch):
    """The limit of what an mp4 allows: when the disk fills between two free-space checks (here
    the reserve is set to 0), the encoder cannot write the index and nothing playable exists.
    Then: one error naming the file and the cause, and no half file under the final name."""
    disk = small_disk("1m")
    monkeypatch.setattr(capture, "VIDEO_DISK_RESERVE_BYTES", 0)
    out = disk / "v.mp4"
    w = VideoWriter(out, 30.0, (320, 240))
    rng = np.random.default_rng(0)
    for _ in range(120):  # ~23 kB of noise per frame: far more than 1 MB
        w.write(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
    with pytest.raises(OutputError) as e:
        w.close()
    assert str(e.value) == f"cannot write video '{out}': no space left on device; the video was not saved"
    assert list(disk.iterdir()) == []
