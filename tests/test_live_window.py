"""Issue 11: `coach run` in a real OpenCV window on a virtual X display (Xvfb, a 1280x800 screen),
driven by real key presses (xdotool) and photographed: the window opens at 1280x720 without a
toolbar, m mutes, space pauses (the picture says so; paused frames are neither counted nor
recorded) and resumes, r relearns the range, q quits keeping the recording and the video.
Skips without Xvfb and xdotool (.ci/run installs them)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from xdisplay import focus_window, needs_x, press, stop, wait_for

from coach.capture import VideoWriter

REPO = Path(__file__).resolve().parents[1]
pytestmark = needs_x




def test_run_in_a_real_window_with_keys(tmp_path, display):
    from PIL import ImageGrab
    from skimage import data as skimage_data
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])
    video = tmp_path / "astronaut.mp4"
    with VideoWriter(video, 30.0, (512, 512)) as vw:
        for i in range(900):  # 30 s at 30 fps: the keys come long before the end
            vw.write(np.roll(img, i % 5, axis=1))
    env = {**os.environ, "DISPLAY": display, "PYTHONPATH": str(REPO)}
    err_path = tmp_path / "stderr.txt"
    cmd = [sys.executable, "-m", "coach", "run", "squat", "--source", str(video), "--realtime", "--json",
           "--record", str(tmp_path / "rec.npz"), "--output", str(tmp_path / "out.mp4")]
    with open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=err, text=True)

    def key(k: str) -> None:
        press(env, k, gap_s=0.3)

    def said(line: str):
        return line in err_path.read_text()

    try:
        win = focus_window(env)
        geom = subprocess.run(["xdotool", "getwindowgeometry", win], env=env, capture_output=True, text=True).stdout
        time.sleep(1.0)
        voiced = shutil.which("espeak-ng") is not None
        if voiced:
            key("m")
            wait_for(lambda: said("] voice off"), "mute")
        key("space")
        wait_for(lambda: said("] paused"), "pause")
        time.sleep(0.8)
        shot = ImageGrab.grab(xdisplay=display)
        shot.save(tmp_path / "paused.png")
        key("space")
        wait_for(lambda: said("] going on"), "resume")
        key("r")
        wait_for(lambda: said("] learning your range again"), "recalibrate")
        time.sleep(2.5)  # the setup cue is due 2 s in
        ImageGrab.grab(xdisplay=display).save(tmp_path / "running.png")
        key("q")
        out, _ = proc.communicate(timeout=60)
    finally:
        stop(proc)
    err = err_path.read_text()
    assert proc.returncode == 0, err
    assert "Geometry: 1280x720" in geom  # opened at the readable size, not 400x250
    s = json.loads(out)
    assert 0 < s["frames"] < 900 and s.get("interrupted") is None
    # q kept everything: the recording and the video hold every frame the coach saw
    from coach.pose.recording import load_recording
    rec = load_recording(tmp_path / "rec.npz")
    assert rec.complete and len(rec.poses) == s["frames"]
    import cv2
    cap = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == s["frames"]
    cap.release()
    # paused frames were neither counted nor recorded: the indices jump over the pause
    assert int(np.max(np.diff(rec.indices))) >= 10
    # the photograph of the paused window: the picture fills 1280x720 from the top left (no
    # toolbar above it), the rep panel is there, and the pause message in the middle
    a = np.asarray(shot.convert("RGB"))
    assert a.shape == (800, 1280, 3)
    assert (a[720:] == 0).all()  # below the window: the bare screen
    panel = a[0:215, 0:230]
    assert (panel == 255).all(axis=2).sum() > 1500  # the big white "0"
    middle = a[300:420, 200:1080]
    assert (middle == 255).all(axis=2).sum() > 3000  # "Paused: press space to go on"
    if voiced:
        assert ((a[60:95, 1000:1280] == 200).all(axis=2)).sum() > 100  # "voice off (m)"
    from PIL import Image
    run = np.asarray(Image.open(tmp_path / "running.png").convert("RGB"))
    assert (run[300:420, 200:1080] == 255).all(axis=2).sum() < 3000  # going on: no pause message
    keep = os.environ.get("COACH_SCREENSHOT_DIR")  # where to keep the photographs (docs/img)
    if keep:
        shutil.copy(tmp_path / "paused.png", Path(keep) / "window_paused.png")
        shutil.copy(tmp_path / "running.png", Path(keep) / "window_running.png")


def test_n_in_coach_run_ends_the_one_exercise_and_says_so(tmp_path, display):
    """`coach run` has one exercise: n ends its set as q does (everything kept) and the console
    says why; `coach routine` goes on to the next exercise (tests/test_window_xvfb.py)."""
    from skimage import data as skimage_data
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])
    video = tmp_path / "astronaut.mp4"
    with VideoWriter(video, 30.0, (512, 512)) as vw:
        for i in range(600):  # 20 s: n comes long before the end
            vw.write(np.roll(img, i % 5, axis=1))
    env = {**os.environ, "DISPLAY": display, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "coach", "run", "squat", "--source", str(video), "--realtime", "--json",
           "--no-voice", "--record", str(tmp_path / "rec.npz")]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        focus_window(env)
        time.sleep(1.0)
        press(env, "n")
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 0, err
    assert "] next exercise: coach run has only this one, so the set ends here (coach routine runs several)" in err
    s = json.loads(out)
    assert 0 < s["frames"] < 600 and s.get("interrupted") is None
    from coach.pose.recording import load_recording
    rec = load_recording(tmp_path / "rec.npz")
    assert rec.complete and len(rec.poses) == s["frames"]
