"""Issue 11, desk mode: long stillness and a forward head held for minutes each give one break
suggestion (with two routine exercises), moving and sitting tall stay quiet, nobody in view is
unknown (never stillness), thresholds are checked data, and `coach desk` looks at 1 frame a
second of a video through the real pose model, keeping only counts."""
from __future__ import annotations

import json

import numpy as np
import pytest

from coach.capture import VideoWriter
from coach.cli import main
from coach.desk import DeskMonitor, suggestion
from coach.errors import RuleFileError
from coach.library import desk_settings
from coach.rules.pipeline import parse_desk
from devkit.synth import pose_at

SETTINGS = desk_settings()  # still 30 min, head forward 4 cm for 3 min (80 %), baseline 1 min, repeat 20 min


def run(postures, fps=1.0, noise=0.003, seed=0):
    """postures: one posture dict (or None: nobody) per second."""
    rng = np.random.default_rng(seed)
    m = DeskMonitor(SETTINGS)
    events = []
    for i, p in enumerate(postures):
        pose = None
        if p is not None:
            pose = pose_at({**p, "pelvis_x": p.get("pelvis_x", 0.0) + rng.normal(0, noise)}, t=i / fps, index=i)
        events += [(e.kind, e.t) for e in m.step(pose, i / fps)]
    return m, events


def test_still_for_thirty_minutes_gives_one_break():
    m, events = run([{}] * (35 * 60))
    assert events == [("still", 1800.0)]
    assert m.counts["still"] == 1 and m.counts["moves"] == 0 and m.counts["head_forward"] == 0


def test_moving_every_ten_minutes_stays_quiet():
    postures = [{"pelvis_x": 0.3 * ((i // 600) % 2)} for i in range(35 * 60)]  # shifts sideways every 10 min
    m, events = run(postures)
    assert events == [] and m.counts["moves"] == 3


def test_still_again_after_a_suggestion_waits_for_repeat_minutes():
    m, events = run([{}] * (55 * 60))
    assert events == [("still", 1800.0), ("still", 3000.0)]  # then every 20 minutes while still


def test_forward_head_held_for_minutes_is_noticed_once():
    postures = [{}] * 60 + [{"head_protraction": 0.07}] * (10 * 60)
    m, events = run(postures)
    assert events == [("head_forward", 232.0)]  # forward from 61 s; 95 % of 3 minutes later
    assert m.upright == pytest.approx(0.0, abs=1e-9)


def test_head_a_little_forward_or_briefly_forward_is_quiet():
    assert run([{}] * 60 + [{"head_protraction": 0.02}] * 600)[1] == []  # 2 cm: under 4 cm
    brief = [{}] * 60 + ([{"head_protraction": 0.07}] * 60 + [{}] * 60) * 5  # half the time
    assert run(brief)[1] == []


def test_nobody_there_is_never_stillness():
    m, events = run([None] * (40 * 60))
    assert events == [] and m.counts["frames_with_person"] == 0
    # a break away from the desk (over a minute) starts the still clock again
    postures = [{}] * (25 * 60) + [None] * 120 + [{}] * (25 * 60)
    assert run(postures)[1] == []


def test_suggestion_names_two_routine_exercises_in_both_languages():
    from coach.desk import DeskEvent
    e = DeskEvent("still", 1800.0, 30.0)
    assert suggestion(e, "en", ("chin tuck", "shoulder-blade squeeze")) == (
        "You have been still for 30 minutes. Take a one-minute break: stand up, then chin tuck and "
        "shoulder-blade squeeze.")
    assert suggestion(DeskEvent("head_forward", 232.0, 2.85), "es", ("a", "b")).startswith(
        "Llevas 3 minutos con la cabeza adelantada")


def test_desk_settings_are_checked_data():
    with pytest.raises(RuleFileError) as e:
        parse_desk('fps = 20.0\nstill_minutes = "long"\nbreak_exercises = ["chin_tuck"]\n', "desk.toml")
    problems = e.value.problems
    assert problems[0] == "desk.toml:1:1: 'fps' expects a value <= 5 (1/s), found 20"
    assert "desk.toml:2:1: 'still_minutes' expects a number (min), found the string \"long\"" in problems
    assert problems[-1] == "desk.toml:3:1: 'break_exercises' expects two exercise ids, found 1"
    assert any(p.startswith("desk.toml:1:1: the desk file is missing required key 'head_forward_cm'")
               for p in problems)
    assert len(problems) == 9  # every problem at once


def test_coach_desk_on_a_video_looks_once_a_second(tmp_path, capsys):
    from skimage import data as skimage_data
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])
    video = tmp_path / "desk.mp4"
    with VideoWriter(video, 30.0, (512, 512)) as vw:
        for _ in range(300):  # 10 s
            vw.write(img)
    assert main(["desk", "--source", str(video), "--json", "--no-voice"]) == 0
    c = json.loads(capsys.readouterr().out)
    assert c["frames"] == 10 and c["frames_with_person"] == 10  # 1 frame a second of 300
    assert c["still"] == 0 and c["head_forward"] == 0 and c["looked_at_fps"] == 1.0
    assert set(c) == {"frames", "frames_with_person", "moves", "still", "head_forward", "minutes", "looked_at_fps"}


def test_coach_desk_realtime_looks_once_a_second_as_a_camera_would(tmp_path, capsys):
    """--realtime: the file plays at its own speed; the frames between two looks are passed over
    by the file source itself (never converted nor paced), so exactly one a second is looked at."""
    from skimage import data as skimage_data
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])
    video = tmp_path / "desk.mp4"
    with VideoWriter(video, 30.0, (512, 512)) as vw:
        for _ in range(90):  # 3 s
            vw.write(img)
    assert main(["desk", "--source", str(video), "--realtime", "--json", "--no-voice"]) == 0
    c = json.loads(capsys.readouterr().out)
    assert c["frames"] == 3 and c["frames_with_person"] == 3 and c["minutes"] == round(2.0 / 60, 2)
