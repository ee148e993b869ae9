"""The command line as a user meets it: exit codes, one-line errors, JSON output, videos."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from clirun import coach

REPO = Path(__file__).resolve().parents[1]




def one_clear_line(p: subprocess.CompletedProcess) -> str:
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert "Traceback" not in p.stderr, p.stderr
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_missing_video_is_one_line_exit_1():
    p = coach("analyze", "/nonexistent.mp4", "--exercise", "bicep_curl", "--json")
    assert p.returncode == 1 and p.stdout == ""
    assert "no such file" in one_clear_line(p)


def test_corrupt_video_is_one_line_exit_1(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(np.random.default_rng(0).integers(0, 255, 20000, dtype=np.uint8).tobytes())
    p = coach("analyze", str(bad), "--exercise", "bicep_curl", "--json")
    assert p.returncode == 1
    assert "cannot read video" in one_clear_line(p)


def test_absent_camera_is_one_line_exit_1():
    p = coach("run", "bicep_curl", "--source", "9", "--no-window")
    assert p.returncode == 1
    assert "no camera at index 9" in one_clear_line(p)


@pytest.mark.parametrize("args,code,text", [
    (("analyze", "x.mp4", "--exercise", "bicep_curls"), 2, "did you mean 'bicep_curl'"),
    (("run",), 2, "the following arguments are required"),
    (("check-rules", "/nonexistent"), 2, "no such file or folder"),
])
def test_usage_errors_exit_2(args, code, text):
    p = coach(*args)
    assert p.returncode == code and text in p.stderr and "Traceback" not in p.stderr


def test_list_names_the_library():
    p = coach("list", "--json")
    rows = json.loads(p.stdout)
    ids = {r["id"] for r in rows}
    assert {"bicep_curl"} <= ids and all("error" not in r for r in rows)
    counts = {r["id"]: r["counts"] for r in rows}
    assert counts["resisted_row"] == "personal range" and counts["bird_dog"] == "fixed thresholds"


def test_schema_is_json():
    schema = json.loads(coach("schema").stdout)
    assert schema["title"] == "Form Coach exercise rule file"


def test_demo_counts_every_rep_catches_its_faults_and_writes_a_video(tmp_path):
    """The demo's three exercises: every scripted rep counted, the one injected fault cued on its
    rep and no other check firing (the clean reps stay quiet). Speed is `coach bench`'s job."""
    from devkit.motions import SCRIPTS
    out = tmp_path / "demo.mp4"
    p = coach("demo", "--output", str(out), "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert out.stat().st_size > 10000
    ids = [ex["exercise"] for ex in data["exercises"]]
    assert ids == ["scapular_squeeze", "thread_the_needle", "resisted_row"]
    for ex in data["exercises"]:
        assert ex["reps"] == SCRIPTS[ex["exercise"]].reps, ex["exercise"]
        fault = ex["injected_fault"]
        assert fault is not None, ex["exercise"]  # each demo exercise shows one fault
        assert {c["check"] for c in ex["cues"]} == {fault["check"]}, ex["cues"]
        with_faults = [i + 1 for i, d in enumerate(ex["reps_detail"]) if d.get("faults")]
        assert with_faults == [fault["rep"]], (ex["exercise"], ex["reps_detail"])
    import cv2
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) > 100
    cap.release()


# ------------------------------------------------------------------ real footage (skips without ../shared)
CLIP = "bicep_curl__barbell-front-whitebg.mp4"


def test_analyze_real_clip_json(clips_dir, tmp_path):
    rec = tmp_path / "session.npz"
    p = coach("analyze", str(clips_dir / CLIP), "--exercise", "bicep_curl", "--json", "--record", str(rec))
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    for key in ("exercise", "reps", "reps_detail", "cues", "frames", "frames_with_pose", "fps", "seconds"):
        assert key in s
    assert s["exercise"] == "bicep_curl" and isinstance(s["reps"], int)
    assert s["frames"] == 300 and s["frames_with_pose"] >= 290
    assert abs(s["reps"] - 3) <= 1
    for d in s["reps_detail"]:
        assert set(d) >= {"start_s", "end_s", "counted"} and (d["counted"] or "reason" in d)
    for c in s["cues"]:
        assert set(c) >= {"t_s", "check", "message"}
    # the landmark recording replays to exactly the same result
    p2 = coach("analyze", str(rec), "--exercise", "bicep_curl", "--json")
    s2 = json.loads(p2.stdout)
    assert (s2["reps"], s2["reps_detail"], s2["cues"]) == (s["reps"], s["reps_detail"], s["cues"])


def test_run_on_a_clip_writes_an_annotated_video(clips_dir, tmp_path):
    import cv2
    out = tmp_path / "out.mp4"
    src = clips_dir / "band_row__3d-avatar-oblique.mp4"
    p = coach("run", "bicep_curl", "--source", str(src), "--no-window", "--output", str(out))
    assert p.returncode == 0, p.stderr
    a, b = cv2.VideoCapture(str(src)), cv2.VideoCapture(str(out))
    n = int(a.get(cv2.CAP_PROP_FRAME_COUNT))
    assert int(b.get(cv2.CAP_PROP_FRAME_COUNT)) == n
    b.set(cv2.CAP_PROP_POS_FRAMES, n // 2)
    a.set(cv2.CAP_PROP_POS_FRAMES, n // 2)
    (_, fa), (_, fb) = a.read(), b.read()
    diff = np.abs(fa.astype(int) - fb.astype(int)).sum(axis=2) > 60
    h, w = diff.shape
    assert diff[: h // 4, : w // 3].mean() > 0.3       # the rep-count panel (top left)
    assert diff.mean() > 0.05                          # plus the skeleton


def test_ctrl_c_keeps_what_was_recorded(clips_dir, tmp_path):
    """Ctrl-C mid-session on real footage: exit 130 (the rule for every stop by a signal, see
    test_signals.py) with a summary; the annotated video and the landmark recording hold every
    frame processed so far and are readable."""
    import signal

    import cv2

    from coach.pose.recording import load_recording
    out, rec = tmp_path / "out.mp4", tmp_path / "rec.npz"
    p = subprocess.Popen([sys.executable, "-m", "coach", "run", "squat", "--source",
                          str(clips_dir / "squat__bodyweight-front-counter.mp4"), "--no-window",
                          "--output", str(out), "--record", str(rec)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    journal = tmp_path / "rec.npz.part"
    deadline = time.time() + 120
    while not journal.exists() and time.time() < deadline:   # the journal starts with the first frame
        time.sleep(0.2)
    time.sleep(3)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stderr
    assert "stopped early" in stdout and "Traceback" not in stderr
    frames = len(load_recording(rec).poses)
    video = int(cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT))
    assert 10 < frames < 1289
    assert video == frames   # the frame in hand when Ctrl-C came is finished in every output
