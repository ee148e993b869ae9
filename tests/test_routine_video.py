"""`coach routine` from video files and image folders, through the real pose model: a still
public-domain photo as a 2 s video (always), and the labelled real clip of shoulder-blade
squeezes (when ../shared is present)."""
from __future__ import annotations

import json

import cv2
import numpy as np
from skimage import data as skimage_data

from coach.capture import VideoWriter
from coach.cli import main
from coach.routine_run import replay_sets
from coach.store import Store

ONE_SET = """schema = 1
[routine]
id = "one"
name = "One set"
version = "1"
[[steps]]
exercise = "scapular_squeeze"
sets = {sets}
reps = 3
rest_s = 0
"""


def test_a_routine_runs_from_a_video_and_an_image_folder_through_the_pose_model(tmp_path, capsys):
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])  # (512, 512, 3) BGR, a person
    video = tmp_path / "still.mp4"
    w = VideoWriter(video, 30.0, (512, 512))
    for _ in range(45):
        w.write(img)
    w.close()
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(10):
        cv2.imwrite(str(frames / f"{i:03d}.png"), img)
    routine = tmp_path / "one.toml"
    routine.write_text(ONE_SET.format(sets=2), encoding="utf-8")
    code = main(["routine", str(routine), "--source", str(video), "--source", str(frames), "--data-dir",
                 str(tmp_path / "data"), "--no-window", "--json", "--pain-before", "1", "--pain-after", "1"])
    out = capsys.readouterr()
    assert code == 0, out.err
    res = json.loads(out.out)
    # a still person does no squeeze: each set ends with its source
    assert [(s["set"]["end_reason"], s["frames"], s["reps"]) for s in res["sets"]] == [
        ("source ended", 45, 0), ("source ended", 10, 0)]
    assert all(s["frames_with_pose"] == s["frames"] for s in res["sets"])
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(res["session"])
        assert replay_sets(st, res["session"])[0].frames_with_pose == 45
    model = rows["session"]["model"]
    assert "sha256:" in model and "mediapipe 0.10.21" in model
    assert json.loads(rows["session"]["sources"]) == [str(video), str(frames)]
    assert [s["frames"] for s in rows["sets"]] == [45, 10]


def test_real_clip_of_shoulder_blade_squeezes_meets_its_set(clips_dir, tmp_path, capsys):
    """The labelled clip has 3 squeezes: a set of 3 ends on its target, with 3 counted attempts."""
    routine = tmp_path / "one.toml"
    routine.write_text(ONE_SET.format(sets=1), encoding="utf-8")
    code = main(["routine", str(routine), "--source", str(clips_dir / "scapular_squeeze__seated-rear-view.mp4"),
                 "--data-dir", str(tmp_path / "data"), "--no-window", "--json", "--pain-before", "1",
                 "--pain-after", "1"])
    out = capsys.readouterr()
    assert code == 0, out.err
    res = json.loads(out.out)
    assert res["end_reason"] == "completed"
    assert (res["sets"][0]["set"]["reps"], res["sets"][0]["set"]["end_reason"]) == (3, "target")
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(res["session"])
    assert sum(a["counted"] for a in rows["attempts"]) == 3
    assert all(a["hold_s"] >= 2.0 for a in rows["attempts"] if a["counted"])
