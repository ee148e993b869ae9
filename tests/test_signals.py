"""Stopping (coach.shutdown): Ctrl-C, SIGTERM and SIGHUP stop every command the same way. The
annotated video plays, the recording has every processed frame, the summary is printed, and
the exit code is 128 + the signal, before or after the first frame. A second Ctrl-C while
the coach saves changes nothing and never prints a traceback."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from longsession import squat_recording

from coach import cli
from coach.pose.recording import JOURNAL_RECORD, load_recording
from coach.shutdown import SHUTDOWN

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def long_session(tmp_path_factory) -> Path:
    return squat_recording(tmp_path_factory.mktemp("long") / "long.npz", 6000)  # 200 s of squats


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "coach", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO)


def wait_for_frames(journal: Path, frames: int, p: subprocess.Popen, timeout: float = 120) -> None:
    """Until the recording journal holds ``frames`` frames (the session is well under way)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if journal.exists() and journal.stat().st_size > frames * JOURNAL_RECORD.itemsize:
            return
        assert p.poll() is None, p.communicate()
        time.sleep(0.05)
    raise AssertionError("the session did not start")


def video_frames(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:  # decoded, not the container's count: the video really plays
        n += 1
    cap.release()
    return n


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_mid_session_saves_everything_and_exits_128_plus_n(tmp_path, long_session, sig):
    out, rec = tmp_path / "out.mp4", tmp_path / "rec.npz"
    p = start("analyze", str(long_session), "--exercise", "squat", "--json", "--output", str(out),
              "--record", str(rec))
    wait_for_frames(Path(str(rec) + ".part"), 60, p)
    p.send_signal(sig)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 128 + sig, stderr
    assert "Traceback" not in stderr
    s = json.loads(stdout)
    assert s["interrupted"] is True and s["complete"] is False
    assert s["signal"] == signal.Signals(sig).name
    assert 60 <= s["frames"] < 6000
    assert len(load_recording(rec).poses) == s["frames"]      # every processed frame recorded
    assert video_frames(out) == s["frames"]                  # and drawn, in a video that plays
    assert sorted(f.name for f in tmp_path.iterdir()) == ["out.mp4", "rec.npz"]  # no temp or journal left


def test_run_prints_the_summary_when_stopped(tmp_path, long_session):
    rec = tmp_path / "rec.npz"
    p = start("run", "squat", "--source", str(long_session), "--no-window", "--record", str(rec))
    wait_for_frames(Path(str(rec) + ".part"), 60, p)
    p.send_signal(signal.SIGTERM)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 143 and "Traceback" not in stderr
    assert "Squat:" in stdout and "stopped early" in stdout


def test_second_ctrl_c_while_saving_is_ignored(tmp_path, long_session):
    out, rec = tmp_path / "out.mp4", tmp_path / "rec.npz"
    p = start("analyze", str(long_session), "--exercise", "squat", "--json", "--output", str(out),
              "--record", str(rec))
    wait_for_frames(Path(str(rec) + ".part"), 60, p)
    for _ in range(6):  # Ctrl-C, then more while the coach finishes the frame and saves
        p.send_signal(signal.SIGINT)
        time.sleep(0.03)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    s = json.loads(stdout)
    assert len(load_recording(rec).poses) == s["frames"] == video_frames(out)


def test_signal_before_the_first_frame_follows_the_same_rule(monkeypatch, capsys, tmp_path):
    """In process: the signal arrives while the input is being opened (before any frame)."""
    real_open = cli._open_pose_stream

    def opening(*a, **kw):
        os.kill(os.getpid(), signal.SIGTERM)
        return real_open(*a, **kw)

    monkeypatch.setattr(cli, "_open_pose_stream", opening)
    rec = squat_recording(tmp_path / "short.npz", 30)
    before = signal.getsignal(signal.SIGTERM)  # SIG_DFL, or what an earlier test left (Ray installs one)
    code = cli.main(["analyze", str(rec), "--exercise", "squat", "--json"])
    err = capsys.readouterr().err
    assert code == 143
    assert err.strip() == "coach: stopped"
    assert signal.getsignal(signal.SIGTERM) is before  # handlers given back after the command


def test_signal_between_frames_stops_after_the_frame_in_hand(monkeypatch, capsys, tmp_path):
    """In process, exact: a SIGHUP raised while frame 9 is being handled (inside a sink): frames
    0-9 are processed and recorded, frame 10 never is; exit 129."""
    from coach import runner
    rec_in = squat_recording(tmp_path / "in.npz", 300)
    real_console = runner.console_sink

    def console_that_signals(*a, **kw):
        inner = real_console(*a, **kw)

        def sink(r, item):
            if item.index == 9:
                os.kill(os.getpid(), signal.SIGHUP)
            return inner(r, item)
        return sink

    monkeypatch.setattr(runner, "console_sink", console_that_signals)
    out = tmp_path / "rec.npz"
    code = cli.main(["run", "squat", "--source", str(rec_in), "--no-window", "--record", str(out)])
    assert code == 129
    assert len(load_recording(out).poses) == 10
    assert "10 frames" in capsys.readouterr().out
    assert SHUTDOWN.signum is None and SHUTDOWN.phase == "idle"  # the next command starts afresh


def test_ctrl_c_during_saving_is_ignored_exactly(monkeypatch, capsys, tmp_path):
    """In process, exact: Ctrl-C at frame 19, then two more while the recording is being
    finished. The saving completes (all 20 frames, the final .npz), one "please wait" line, no
    traceback, exit 130."""
    from coach import runner
    from coach.pose import recording as rec_mod
    rec_in = squat_recording(tmp_path / "in.npz", 300)
    real_console, real_close = runner.console_sink, rec_mod.RecordingWriter.close

    def console_that_signals(*a, **kw):
        inner = real_console(*a, **kw)

        def sink(r, item):
            if item.index == 19:
                os.kill(os.getpid(), signal.SIGINT)
            return inner(r, item)
        return sink

    def close_under_fire(self):
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        return real_close(self)

    monkeypatch.setattr(runner, "console_sink", console_that_signals)
    monkeypatch.setattr(rec_mod.RecordingWriter, "close", close_under_fire)
    out = tmp_path / "rec.npz"
    code = cli.main(["run", "squat", "--source", str(rec_in), "--no-window", "--record", str(out)])
    err = capsys.readouterr().err
    assert code == 130
    assert len(load_recording(out).poses) == 20 and not (tmp_path / "rec.npz.part").exists()
    assert err.count("coach: saving, please wait") == 1 and "Traceback" not in err
