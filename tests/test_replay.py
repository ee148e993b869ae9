"""`coach replay`: a recorded session replays event for event; one edited threshold changes
exactly the attempts and cues it should, and the diff says so."""
from __future__ import annotations

import json

import pytest
from tuning_helpers import edited_rules, live_session, script_poses

from coach.cli import main
from coach.library import find_exercise, pipeline_params
from coach.pose.recording import load_recording
from coach.replay import diff_outcomes, event_key, replay
from coach.rules.loader import load_exercise

# (exercise, fault injected in rep 2 or None): range-based counting (both sides, one side,
# alternating sides with require) and fixed-threshold counting (bird_dog has no [rep.range])
SESSIONS = [("scapular_squeeze", "shrug"), ("bicep_curl", None), ("thread_the_needle", None), ("bird_dog", None),
            ("squat", None)]


@pytest.mark.parametrize("ex_id,fault", SESSIONS)
def test_unchanged_rules_reproduce_the_live_session_event_for_event(tmp_path, ex_id, fault):
    poses = script_poses(ex_id, reps=4, fault=fault, only_reps={1} if fault else None)
    events, cues, summary = live_session(ex_id, poses, tmp_path / "s.npz")
    assert summary.reps == 4  # the session is a real one: every rep counted live
    rec = load_recording(tmp_path / "s.npz")
    r = replay(rec, find_exercise(ex_id))
    assert [event_key(e) for e in r.events] == [event_key(e) for e in events]
    assert sum(e.kind == "rep" for e in r.events) == 4
    assert r.cues == tuple(cues)
    assert r.summary == summary
    assert diff_outcomes(summary, r.summary).unchanged
    # every frame replayed once (the replay measured them ahead, coach.measured)
    assert (r.frames, r.seconds) == (len(poses), float(rec.times[-1] - rec.times[0]))


def test_one_edited_count_at_lists_exactly_the_attempt_it_changes(tmp_path):
    # rep 4 (index 3) travels 70 % of the others: counted at count_at 0.7, short at 0.8
    poses = script_poses("bicep_curl", reps=5, range_by_rep={3: 0.7})
    _, _, live = live_session("bicep_curl", poses, tmp_path / "curl.npz")
    edited = edited_rules(tmp_path, "bicep_curl", "count_at", "0.8")
    after = replay(load_recording(tmp_path / "curl.npz"), load_exercise(edited)).summary
    d = diff_outcomes(live, after)
    assert (d.reps_before, d.reps_after) == (5, 4)
    assert [a.status for a in d.attempts] == ["still counted"] * 3 + ["no longer counted", "still counted"]
    changed = d.changed_attempts
    assert len(changed) == 1 and changed[0].after.reason.startswith("short: reached 78.7, counts at 72.4")
    assert changed[0].before.counted and changed[0].before.reached == changed[0].after.reached == 78.657
    # the only cue that changes is the coach saying why that attempt did not count
    assert [(c.check, c.t_s) for c in d.cues_added] == [("rep", changed[0].after.end_s)]
    assert d.cues_removed == () and d.cues_kept == 1


def test_one_edited_check_threshold_lists_exactly_the_cues_it_changes(tmp_path):
    # a shrug in rep 2 only: loosening the shrug check removes its cue, rep 2 becomes clean, so
    # praise (every 3 clean reps) comes after rep 3 instead of rep 5
    poses = script_poses("scapular_squeeze", reps=5, fault="shrug", only_reps={1})
    _, _, live = live_session("scapular_squeeze", poses, tmp_path / "sq.npz")
    assert [c.check for c in live.cues] == ["shrug", "praise"]
    edited = edited_rules(tmp_path, "scapular_squeeze", "expect", '{ measure = "neck_length", max_drift = 0.3 }',
                          section='id = "shrug"')
    after = replay(load_recording(tmp_path / "sq.npz"), load_exercise(edited)).summary
    d = diff_outcomes(live, after)
    assert (d.reps_before, d.reps_after) == (5, 5)
    assert [c.check for c in d.cues_removed] == ["shrug", "praise"]
    assert [c.check for c in d.cues_added] == ["praise"]
    assert d.cues_added[0].t_s < after.reps_detail[3].start_s  # said after rep 3 now
    changed = d.changed_attempts
    assert [(a.before.faults, a.after.faults) for a in changed] == [(("shrug",), ())]
    assert changed[0] is d.attempts[1]


def test_cli_replay_against_a_recorded_outcome_and_against_the_shipped_rules(tmp_path, capsys):
    poses = script_poses("bicep_curl", reps=5, range_by_rep={3: 0.7})
    _, _, live = live_session("bicep_curl", poses, tmp_path / "curl.npz")
    outcome = tmp_path / "outcome.json"
    outcome.write_text(json.dumps(live.to_json()))
    edited = edited_rules(tmp_path, "bicep_curl", "count_at", "0.8")
    rec = str(tmp_path / "curl.npz")
    assert main(["replay", rec, "--rules", str(edited), "--outcome", str(outcome), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["against"]["kind"] == "recorded" and d["rules"]["path"] == str(edited)
    assert (d["diff"]["reps"], d["diff"]["unchanged"]) == ({"before": 5, "after": 4}, False)
    assert [a["status"] for a in d["diff"]["attempts"] if a["changed"]] == ["no longer counted"]
    # the exercise comes from the recording's metadata; without --outcome: the shipped rules
    assert main(["replay", rec, "--rules", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "against the shipped rules" in out and "reps: 5 -> 4" in out
    assert " *  4 " in out and "NO LONGER COUNTED" in out and "after:  not counted (short: reached 78.7" in out
    assert "+   13.17 s  rep (tip)" in out
    assert main(["replay", rec]) == 0
    assert "reps: 5 -> 5   (no verdict and no cue changed)" in capsys.readouterr().out


def test_cli_replay_user_errors_are_one_line(tmp_path, capsys):
    poses = script_poses("bicep_curl", reps=2)
    live_session("bicep_curl", poses, tmp_path / "curl.npz")
    assert main(["replay", str(tmp_path / "missing.npz")]) == 1
    missing = tmp_path / "missing.npz"
    assert capsys.readouterr().err.strip() == f"coach: error: cannot load recording '{missing}': no such file"
    assert main(["replay", str(tmp_path / "curl.npz"), "--rules", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.strip().endswith(f"no such rule file or folder: {tmp_path / 'nope'}")
    bad = tmp_path / "bicep_curl.toml"
    bad.write_text((edited_rules(tmp_path, "bicep_curl", "count_at", "7")).read_text())
    assert main(["replay", str(tmp_path / "curl.npz"), "--rules", str(bad)]) == 2  # rule-file error
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bicep_curl.toml:" in err[0] and "count_at" in err[0]


def test_cli_replay_many_recordings_ends_with_one_line_for_the_clinic(tmp_path, capsys):
    live_session("bicep_curl", script_poses("bicep_curl", reps=5, range_by_rep={3: 0.7}), tmp_path / "a.npz")
    live_session("bicep_curl", script_poses("bicep_curl", reps=3), tmp_path / "b.npz")
    (tmp_path / "c.npz").write_bytes(b"damaged")
    edited = edited_rules(tmp_path, "bicep_curl", "count_at", "0.8")
    recs = [str(tmp_path / n) for n in ("a.npz", "b.npz", "c.npz")]
    assert main(["replay", *recs, "--rules", str(edited), "--exercise", "bicep_curl", "--changed",
                 "--workers", "2"]) == 1
    cap = capsys.readouterr()
    out = cap.out.splitlines()
    assert out[0].startswith(f"{recs[0]}: bicep_curl, ") and " *  4 " in cap.out
    assert out[-1] == ("3 recordings: 1 changed (0 now counted, 1 no longer counted, 1 cues added, 0 cues removed), "
                       "1 could not be replayed")
    assert f"{recs[2]}: cannot load recording '{recs[2]}': not a landmark recording (not an npz file)" in out
    assert cap.err.strip() == "coach: error: 1 of 3 recordings could not be replayed"


def test_cli_replay_against_an_earlier_replay_and_a_file_that_is_neither(tmp_path, capsys):
    live_session("bicep_curl", script_poses("bicep_curl", reps=5, range_by_rep={3: 0.7}), tmp_path / "a.npz")
    rec = str(tmp_path / "a.npz")
    edited = edited_rules(tmp_path, "bicep_curl", "count_at", "0.8")
    assert main(["replay", rec, "--rules", str(edited), "--json"]) == 0
    (tmp_path / "earlier.json").write_text(capsys.readouterr().out)
    # the earlier replay (4 reps with count_at 0.8) against the shipped rules now: one more rep
    assert main(["replay", rec, "--outcome", str(tmp_path / "earlier.json"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["diff"]["reps"], [a["status"] for a in d["diff"]["attempts"] if a["changed"]]) == (
        {"before": 4, "after": 5}, ["now counted"])
    (tmp_path / "x.json").write_text('{"reps": 3}')
    assert main(["replay", rec, "--outcome", str(tmp_path / "x.json")]) == 1
    assert capsys.readouterr().err.strip() == (f"coach: error: '{tmp_path / 'x.json'}' is not a session summary "
                                               "(coach analyze --json) or a replay (coach replay --json)")


def _bridge_cut_mid_hold():
    """Synthetic glute bridges, the stream cut inside the third top's hold: past the count point
    and held for a few frames, less than [rep.hold] seconds. (poses, hold target in s)"""
    from coach.engine import replay as engine_replay
    poses = script_poses("glute_bridge", reps=3)
    _, results = engine_replay(find_exercise("glute_bridge"), poses, fps=30.0)
    holding = [r.index for r in results[:-1] if r.hold_elapsed_s]
    starts = [i for i in holding if i - 1 not in holding]
    assert len(starts) == 3
    cut = starts[2] + 5  # 5 frames (0.17 s) into the third hold
    return poses[:cut], results[0].hold_target_s


def test_a_hold_cut_by_a_stop_replays_as_stopped_and_one_cut_by_the_source_as_run_out(tmp_path):
    from coach.cli import _record_sink
    from coach.runner import Item, Session
    poses, hold_s = _bridge_cut_mid_hold()
    assert hold_s == 1.0 and len(poses) > 0
    ex = find_exercise("glute_bridge")

    def run(path, stop_at_last):
        s = Session(ex, pipeline_params(), fps=30.0, source_name="live")
        closers = []
        record = _record_sink(path, 30.0, (640, 480), "live", closers, s)

        def stop(r, item):  # the member presses q on the last frame
            return False if stop_at_last and item.index == len(poses) - 1 else None
        items = (Item(i / 30.0, i, None, p) for i, p in enumerate(poses))
        return s.run(items, [record, stop], closers)

    ran_out = run(tmp_path / "ran_out.npz", stop_at_last=False)
    stopped = run(tmp_path / "stopped.npz", stop_at_last=True)
    # the source ran out still holding: the third rise counts; stopped there: it does not
    assert (ran_out.reps, stopped.reps) == (3, 2)
    recs = {n: load_recording(tmp_path / f"{n}.npz") for n in ("ran_out", "stopped")}
    assert (recs["ran_out"].meta["stopped"], recs["stopped"].meta["stopped"]) == (False, True)
    # each replays to its own outcome, not to whatever a replay's own ending would say
    assert replay(recs["ran_out"], ex).summary.reps == 3
    assert replay(recs["stopped"], ex).summary.reps == 2
    assert diff_outcomes(stopped, replay(recs["stopped"], ex).summary).unchanged
    # a recording that does not say how it ended (made by extract) is a source that ran out
    from dataclasses import replace as dc_replace
    bare = dc_replace(recs["stopped"], meta={k: v for k, v in recs["stopped"].meta.items() if k != "stopped"})
    assert replay(bare, ex).summary.reps == 3
