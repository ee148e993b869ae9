"""Routines: the file format (validated like rule files), `coach routine` end to end from
landmark recordings, one per set or one for the whole routine, and the session it stores."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import sessionkit
from clirun import coach

from coach.cli import main
from coach.routine import find_routine, plan
from coach.routine_run import replay_sets
from coach.store import Store

REPO = Path(__file__).resolve().parents[1]




# ------------------------------------------------------------------ the file format

def test_default_routine_is_the_upper_back_programme():
    r = find_routine()
    assert r.id == "upper_back" and len(r.sha256) == 64
    assert [(s.exercise, s.side) for s in r.steps] == [
        ("scapular_squeeze", None), ("thread_the_needle", "left"), ("thread_the_needle", "right"),
        ("resisted_row", None)]
    sets = plan(r)
    assert len(sets) == sum(s.sets for s in r.steps) == 8
    assert (sets[2].step_def.side, sets[2].number, sets[2].of) == ("left", 1, 2)


BAD = """schema = 1
[routine]
id = "bad"
name = "Bad"
version = "1"
per_week = 30

[[steps]]
exercise = "scapular_squeze"
reps = 5

[[steps]]
exercise = "resisted_row"
side = "left"
reps = 5
hold_s = 10

[[steps]]
exercise = "resisted_row"
rest = 5
"""


def test_routine_errors_point_at_the_line_all_at_once(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(BAD, encoding="utf-8")
    p = coach("check-rules", str(f))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines == [
        f"{f}:6:1: 'per_week' expects a value <= 21 (sessions/week), found 30",
        f"{f}:9:1: 'exercise': expected an exercise id (see 'coach list'), found \"scapular_squeze\" (did you mean 'scapular_squeeze'?)",  # noqa: E501
        f"{f}:12:3: a step needs exactly one target: 'reps' (counted reps per set) or 'hold_s' (seconds held per set), found both",  # noqa: E501
        f"{f}:14:1: 'side': resisted_row counts both sides together (side = \"auto\"); 'side' is only for exercises with side = \"alternate\"",  # noqa: E501
        f"{f}:18:3: a step needs exactly one target: 'reps' (counted reps per set) or 'hold_s' (seconds held per set), found neither",  # noqa: E501
        f"{f}:20:1: unknown key 'rest' in [steps]: expected one of exercise, side, sets, reps, hold_s, rest_s, how_to (did you mean 'rest_s'?)",  # noqa: E501
    ], p.stderr


def test_routine_file_errors_stop_coach_routine_with_exit_2(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(BAD, encoding="utf-8")
    p = coach("routine", str(f), "--source", "x.npz", "--data-dir", str(tmp_path / "d"), "--pain-before", "1")
    assert p.returncode == 2 and p.stderr.count(str(f)) == 6
    assert not (tmp_path / "d" / "coach.db").exists()  # nothing started


def test_check_rules_checks_the_shipped_routines_too():
    p = coach("check-rules")
    assert p.returncode == 0 and "OK" in p.stdout


def test_list_routines():
    p = coach("list", "--routines", "--json")
    rows = json.loads(p.stdout)
    assert [r["id"] for r in rows] == ["upper_back"]
    assert rows[0]["steps"][1] == {"exercise": "thread_the_needle", "side": "left", "sets": 2, "reps": 6,
                                   "hold_s": 0.0, "rest_s": 20.0}


def test_unknown_routine_is_a_usage_error():
    p = coach("routine", "upper_bak", "--data-dir", "/nonexistent/x")
    assert p.returncode == 2 and "did you mean 'upper_back'" in p.stderr


# ------------------------------------------------------------------ end to end

def run_short(tmp_path, capsys, *extra: str, **kw):
    return sessionkit.run_routine(tmp_path, capsys, *extra, **kw)


def test_routine_from_recordings_one_per_set_writes_its_session(tmp_path, capsys):
    res, err = run_short(tmp_path, capsys, "--pain-before", "2", "--pain-after", "3")
    assert res["end_reason"] == "completed"
    assert [s["set"]["reps"] for s in res["sets"]] == [3, 2, 2, 4]
    assert [s["set"]["end_reason"] for s in res["sets"]] == ["target"] * 4
    assert "Next: Thread the needle, left side - Set 1 of 1" in err
    assert "Rest: 2 s - Breathe in slowly" in err and "Check in with yourself" in err
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(res["session"])
    s = rows["session"]
    assert (s["routine_id"], s["end_reason"], s["profile"]) == ("short", "completed", "ana")
    assert s["ended_at"] and len(s["routine_sha256"]) == 64 and s["app_version"]
    import hashlib

    from coach.library import find_exercise
    assert {r["exercise_id"]: (r["version"], r["sha256"]) for r in rows["rule_files"]} == {
        ex: (find_exercise(ex).version, hashlib.sha256(Path(find_exercise(ex).path).read_bytes()).hexdigest())
        for ex in ("scapular_squeeze", "thread_the_needle", "resisted_row")}
    assert [(r["exercise_id"], r["side"], r["reps"], r["end_reason"]) for r in rows["sets"]] == [
        ("scapular_squeeze", None, 3, "target"), ("thread_the_needle", "left", 2, "target"),
        ("thread_the_needle", "right", 2, "target"), ("resisted_row", None, 4, "target")]
    # every attempt of every set's summary is a row, with the same numbers
    for set_row, summ in zip(rows["sets"], res["sets"]):
        stored = [a for a in rows["attempts"] if a["set_id"] == set_row["id"]]
        assert [(a["start_t"], a["end_t"], bool(a["counted"]), a["side"], a["reason"], a["reached"])
                for a in stored] == [(d["start_s"], d["end_s"], d["counted"], d.get("side"), d.get("reason"),
                                      d.get("reached")) for d in summ["reps_detail"]]
        assert [json.loads(a["faults"]) for a in stored if a["counted"]] == [
            d.get("faults", []) for d in summ["reps_detail"] if d["counted"]]
        assert len([c for c in rows["cues"] if c["set_id"] == set_row["id"]]) == len(summ["cues"])
    # range of motion and tempo are there for the personal-range exercises
    counted = [a for a in rows["attempts"] if a["counted"]]
    assert all(a["rom"] is not None and a["rom"] > 0 for a in counted[1:])
    assert all(a["tempo_s"] == pytest.approx(a["end_t"] - a["start_t"], abs=2e-3) for a in rows["attempts"])
    squeeze_holds = [a["hold_s"] for a in counted if a["set_id"] == rows["sets"][0]["id"]]
    assert len(squeeze_holds) == 3 and all(h >= 2.0 for h in squeeze_holds)  # the rule file's 2 s hold
    assert {(p["moment"], p["score"], p["how"]) for p in rows["pain"]} == {("before", 2, "flag"),
                                                                             ("after", 3, "flag")}
    kinds = [e["kind"] for e in rows["events"]]
    assert kinds[0] == "safety_screen" and kinds.count("rest_start") == 3 and "stop_suggested" not in kinds


def test_the_session_recording_replays_every_set_exactly(tmp_path, capsys):
    res, _ = run_short(tmp_path, capsys, "--pain-before", "2", "--pain-after", "2")
    with Store(tmp_path / "data") as st:
        replayed = replay_sets(st, res["session"])
        rec = st.data_dir / st.session_rows(res["session"])["session"]["recording_path"]
    assert [r.to_json()["reps_detail"] for r in replayed] == [s["reps_detail"] for s in res["sets"]]
    assert [r.to_json()["cues"] for r in replayed] == [s["cues"] for s in res["sets"]]
    assert stat.S_IMODE(rec.stat().st_mode) == 0o600 and stat.S_IMODE(rec.parent.stat().st_mode) == 0o700


def test_routine_from_one_continuous_recording_rests_on_stream_time(tmp_path, capsys):
    """One source for the whole routine (as a webcam gives): a set ends when its target is met,
    the rest runs on the stream's clock, and the next set starts on the frames after it."""
    from coach.pose.recording import save_recording
    from devkit.motions import SCRIPTS
    poses = []
    for ex in ("scapular_squeeze", "thread_the_needle", "thread_the_needle", "resisted_row"):
        p = SCRIPTS[ex].poses(seed=len(poses))
        poses += list(p) + [p[-1]] * 90  # 3 s still after each set: longer than the 2 s rest
    rec = tmp_path / "whole.npz"
    save_recording(rec, poses, times=[i / 30 for i in range(len(poses))], fps=30.0, image_size=(640, 480),
                   meta={"source": "synthetic"})
    routine = sessionkit.short_routine(tmp_path)
    code = main(["routine", str(routine), "--source", str(rec), "--data-dir", str(tmp_path / "data"),
                 "--no-window", "--json", "--pain-before", "1", "--pain-after", "1"])
    out = capsys.readouterr()
    assert code == 0, out.err
    res = json.loads(out.out)
    assert res["end_reason"] == "completed"
    assert [s["set"]["reps"] for s in res["sets"]] == [3, 2, 2, 4]
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(res["session"])
    rests = [e for e in rows["events"] if e["kind"] in ("rest_start", "rest_end")]
    for a, b in zip(rests[::2], rests[1::2]):
        assert json.loads(b["data"])["reason"] == "done" and b["t"] - a["t"] == pytest.approx(2.0, abs=0.04)
    assert [s["started_t"] for s in rows["sets"][1:]] == [round(e["t"], 3) for e in rests[1::2]]


def test_store_files_are_owner_only(tmp_path, capsys):
    run_short(tmp_path, capsys, "--pain-before", "0", "--pain-after", "0")
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for f in [data / "coach.db", *data.glob("coach.db-*")]:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert stat.S_IMODE((data / "sessions").stat().st_mode) == 0o700


def test_coach_home_chooses_the_data_folder(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    rec = sessionkit.recording(folder, "scapular_squeeze")
    env = {**os.environ, "COACH_HOME": str(tmp_path / "home")}
    p = coach("routine", str(routine), "--source", str(rec), "--no-window", "--pain-before", "1",
              "--pain-after", "1", env=env)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "home" / "coach.db").exists()
    assert "saved in " + str(tmp_path / "home" / "coach.db") in p.stdout
    # the first set's source ended after its target; the others had no source: the session says so
    with Store(tmp_path / "home") as st:
        s = st.sessions()[0]
    assert s["end_reason"] == "source ended"


def test_save_video_keeps_the_annotated_video_in_the_session_folder_owner_only(tmp_path, capsys):
    res, _ = run_short(tmp_path, capsys, "--pain-before", "1", "--pain-after", "1", "--save-video")
    with Store(tmp_path / "data") as st:
        s = st.session_rows(res["session"])["session"]
        video = st.data_dir / s["video_path"]
    assert s["video_path"] == f"sessions/{res['uuid']}/video.mp4"
    import cv2
    cap = cv2.VideoCapture(str(video))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    from coach.pose.recording import load_recording
    rec = load_recording(video.parent / "landmarks.npz")
    assert n == len(rec) > sum(s["frames"] for s in res["sets"])  # every frame of the sets and the rests
    assert stat.S_IMODE(video.stat().st_mode) == 0o600


def test_no_video_is_stored_unless_asked(tmp_path, capsys):
    res, _ = run_short(tmp_path, capsys, "--pain-before", "1", "--pain-after", "1")
    with Store(tmp_path / "data") as st:
        assert st.session_rows(res["session"])["session"]["video_path"] is None
        assert sorted(p.name for p in (st.data_dir / "sessions" / res["uuid"]).iterdir()) == ["landmarks.npz"]


def test_a_hold_set_ends_when_the_seconds_held_add_up(tmp_path, capsys):
    """hold_s = 5 on 2-s squeeze holds: 2 + 2 + the first second of the third hold."""
    routine = tmp_path / "hold.toml"
    routine.write_text('schema = 1\n[routine]\nid = "hold"\nname = "Hold"\nversion = "1"\n'
                       '[[steps]]\nexercise = "scapular_squeeze"\nhold_s = 5\nrest_s = 0\n', encoding="utf-8")
    rec = sessionkit.recording(tmp_path, "scapular_squeeze")
    assert main(["routine", str(routine), "--source", str(rec), "--data-dir", str(tmp_path / "data"),
                 "--no-window", "--json", "--pain-before", "1", "--pain-after", "1"]) == 0
    res = json.loads(capsys.readouterr().out)
    with Store(tmp_path / "data") as st:
        s = st.session_rows(res["session"])["sets"][0]
    assert (s["end_reason"], s["held_s"], s["reps"], s["target_hold_s"]) == ("target", 5.0, 2, 5.0)
    # it ended 1 s into the third hold: before that squeeze's 2 s were up and it counted (15.2 s)
    assert 13.0 < s["ended_t"] < 15.0


def test_a_missing_source_is_one_line_exit_1_and_starts_no_session(tmp_path):
    p = coach("routine", "--source", str(tmp_path / "nope.mp4"), "--data-dir", str(tmp_path / "d"),
              "--pain-before", "1", "--no-window")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [f"coach: error: cannot open source '{tmp_path / 'nope.mp4'}': "
                                             "no such file or folder"]
    assert not (tmp_path / "d").exists()


def test_a_source_that_fails_mid_routine_ends_the_session_as_failed(tmp_path, capsys):
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    good = sessionkit.recording(folder, "scapular_squeeze")
    bad = folder / "broken.npz"
    bad.write_bytes(b"not a recording")
    code = main(["routine", str(routine), "--source", str(good), "--source", str(bad), "--data-dir",
                 str(tmp_path / "data"), "--no-window", "--pain-before", "1", "--pain-after", "1"])
    err = capsys.readouterr().err
    # a damaged recording is a bad input: exit 2 (README, exit codes), as for `coach analyze`
    assert code == 2 and "not a landmark recording" in err.strip().splitlines()[-1]
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(1)
    assert rows["session"]["end_reason"] == "failed" and rows["session"]["ended_at"]
    assert [(s["exercise_id"], s["reps"], s["end_reason"]) for s in rows["sets"]] == [
        ("scapular_squeeze", 3, "target")]
    assert [p["moment"] for p in rows["pain"]] == ["before"]  # not asked after a failure


def test_an_absent_camera_is_one_line_exit_1_and_starts_no_session(tmp_path):
    p = coach("routine", "--source", "9", "--data-dir", str(tmp_path / "d"), "--pain-before", "1", "--no-window")
    assert p.returncode == 1 and "no camera at index 9" in p.stderr and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()  # the safety screen (a title and a text), then one error line
    assert len(lines) == 3 and lines[0] == "Before you start" and lines[2].startswith("coach: error: no camera")
    with Store(tmp_path / "d") as st:
        assert st.sessions() == []
