"""`coach replay|explain SESSION`: a session of the store (built here in tmp_path by a real
`coach routine` run), replayed set by set against what the store recorded."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sessionkit
from clirun import coach
from tuning_helpers import edited_rules

from coach.cli import main
from coach.pose.recording import save_recording
from coach.store import Store, UnknownSession
from devkit.motions import SCRIPTS


def short_row_session(tmp_path: Path, capsys) -> tuple[dict, Path]:
    """The short routine with the 4th row pulled only 60 % of the way: not counted live
    (reached 111 deg, a rep counts at 103 deg with count_at 0.7), the other 13 attempts counted."""
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    srcs = sessionkit.set_recordings(folder, sets=sessionkit.SETS[:3])
    s = SCRIPTS["resisted_row"]
    poses = s.poses(seed=3, range_by_rep={3: 0.6})
    row = folder / "row.npz"
    save_recording(row, poses, times=[i / 30.0 for i in range(len(poses))], fps=30.0,
                   image_size=(s.camera.width, s.camera.height), meta={"source": "synthetic:resisted_row"})
    data = tmp_path / "data"
    args = ["routine", str(routine), "--data-dir", str(data), "--no-window", "--json", "--pain-before", "1",
            "--pain-after", "1"]
    for x in [*srcs, row]:
        args += ["--source", str(x)]
    assert main(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert [s["set"]["reps"] for s in res["sets"]] == [3, 2, 2, 3]
    return res, data


@pytest.fixture()
def session(tmp_path, capsys):
    return short_row_session(tmp_path, capsys)


def replay_json(capsys, *args: str) -> list[dict]:
    assert main(["replay", *args, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_unchanged_rules_reproduce_the_stored_outcome_of_every_set(session, capsys):
    res, data = session
    for ref in (str(res["session"]), "latest", "last", res["uuid"][:8], "LATEST"):
        sets = replay_json(capsys, ref, "--data-dir", str(data))
        assert [(d["set"]["number"], d["set"]["exercise"], d["set"]["side"]) for d in sets] == [
            (1, "scapular_squeeze", None), (2, "thread_the_needle", "left"), (3, "thread_the_needle", "right"),
            (4, "resisted_row", None)]
        assert all(d["against"]["kind"] == "stored" and d["diff"]["unchanged"] for d in sets), ref
        # the replay is the live set: the run's own per-set summaries, attempt for attempt
        assert [d["after"]["reps_detail"] for d in sets] == [s["reps_detail"] for s in res["sets"]]
        assert [d["after"]["cues"] for d in sets] == [s["cues"] for s in res["sets"]]
        assert [len(d["before"]["reps_detail"]) for d in sets] == [3, 3, 4, 4]
    # and a date picks the one session of that day
    with Store(data) as st:
        day = st.find_session("last")["started_at"][:10]
    assert [d["set"]["number"] for d in replay_json(capsys, day, "--data-dir", str(data))] == [1, 2, 3, 4]
    assert main(["replay", "last", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert out.count("(no verdict and no cue changed)") == 4
    assert out.splitlines()[-1] == "4 sets: 0 changed (0 now counted, 0 no longer counted, 0 cues added, " \
                                   "0 cues removed)"
    assert "against the outcome stored with the session (resisted_row v1.1.0, rule file " in out


def test_one_edited_threshold_changes_exactly_the_one_attempt_and_its_cue(session, tmp_path, capsys):
    res, data = session
    edited = edited_rules(tmp_path, "resisted_row", "count_at", "0.55")  # travel 0.55 x range: counts at 117
    with Store(data) as st:
        rows = st.session_rows(res["session"])
    row_set = rows["sets"][3]["id"]
    stored_cue = [c for c in rows["cues"] if c["set_id"] == row_set and c["source"] == "rep"]
    assert len(stored_cue) == 1
    # a rule file replays only the sets of its exercise
    [d] = replay_json(capsys, str(res["session"]), "--data-dir", str(data), "--rules", str(edited))
    assert (d["set"]["number"], d["exercise"], d["against"]["kind"]) == (4, "resisted_row", "stored")
    diff = d["diff"]
    assert diff["reps"] == {"before": 3, "after": 4} and not diff["unchanged"]
    assert [a["status"] for a in diff["attempts"]] == ["still counted"] * 3 + ["now counted"]
    changed = [a for a in diff["attempts"] if a["changed"]]
    assert len(changed) == 1
    assert changed[0]["before"]["reason"] == "short: reached 111, counts at 103"
    assert (changed[0]["before"]["reached"], changed[0]["before"]["target"]) == (110.93, 102.715)
    assert changed[0]["after"]["counted"] and changed[0]["after"]["reached"] == 110.93
    assert changed[0]["after"]["target"] > 110.93  # the count point moved past what the member reached
    assert diff["cues_added"] == [] and diff["cues_kept"] == 1
    assert [(c["check"], c["t_s"], c["message"]) for c in diff["cues_removed"]] == [
        ("rep", stored_cue[0]["t"], stored_cue[0]["message"])]
    # a folder of rule files: the sets without a file there replay with the shipped rules, unchanged
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(edited, folder / "resisted_row.toml")
    assert main(["replay", "last", "--data-dir", str(data), "--rules", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("(no verdict and no cue changed)") == 3 and out.count("no resisted_row.toml") == 0
    assert out.count("no scapular_squeeze.toml in") == 1 and out.count("no thread_the_needle.toml in") == 2
    assert " *  4         81.13-  83.73 s  NOW COUNTED" in out
    assert "before: not counted (short: reached 111, counts at 103)" in out
    assert out.splitlines()[-1] == "4 sets: 1 changed (1 now counted, 0 no longer counted, 0 cues added, " \
                                   "1 cues removed)"
    # --exercise picks the sets, attempts numbered through the exercise's sets (thread the needle: 3 + 4)
    assert main(["replay", "last", "--data-dir", str(data), "--exercise", "thread_the_needle"]) == 0
    out = capsys.readouterr().out
    assert "set 2 of 4: thread_the_needle left" in out and "set 3 of 4: thread_the_needle right" in out
    assert "      7 right   62.17-  65.77 s  still counted" in out and "resisted_row" not in out


def test_a_set_the_store_did_not_close_is_compared_with_the_shipped_rules(session, capsys):
    res, data = session
    with Store(data) as st:  # as after a kill -9 during the last set: no end, no closing attempts
        sid = st.session_rows(res["session"])["sets"][3]["id"]
        st.db.execute("UPDATE sets SET ended_t = NULL, end_reason = NULL WHERE id = ?", (sid,))
    sets = replay_json(capsys, "last", "--data-dir", str(data))
    assert [d["against"]["kind"] for d in sets] == ["stored"] * 3 + ["shipped"]
    assert "the store has no complete outcome for this set" in sets[3]["against"]["label"]
    assert all(d["diff"]["unchanged"] for d in sets)


def test_explain_an_attempt_and_a_cue_of_a_session(session, tmp_path, capsys):
    res, data = session
    assert main(["explain", "last", "--data-dir", str(data), "--exercise", "resisted_row", "--rep", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"session {res['session']} ({res['uuid'][:8]}) set 4 of 4: resisted_row (set 1/1, ")
    assert out[0].endswith(": attempt 4 of the session's 4 resisted_row attempts")
    assert out[1] == "Attempt 4 of 4, 81.13-83.13 s (2.00 s): NOT COUNTED: short: reached 111, counts at 103"
    assert any(ln.startswith("  Reached 111 deg; the count point was 103 deg (or less): short by 8.22 deg")
               for ln in out)
    edited = edited_rules(tmp_path, "resisted_row", "count_at", "0.55")
    plot = tmp_path / "row4.png"
    assert main(["explain", str(res["session"]), "--data-dir", str(data), "--rules", str(edited), "--rep", "4",
                 "--plot", str(plot)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "Attempt 4 of 4, 81.13-83.73 s (2.60 s): COUNTED" and out[-1] == f"trace plot: {plot}"
    assert plot.stat().st_size > 10_000
    # attempt 5 of thread the needle is the 2nd of its second set (3 attempts in the first)
    assert main(["explain", "last", "--data-dir", str(data), "--exercise", "thread_the_needle", "--rep", "5",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["attempt"], d["of"], d["side"], d["start_s"]) == (2, 4, "right", 48.533)
    assert d["where"].endswith("attempt 5 of the session's 7 thread_the_needle attempts (attempt 2 of this set)")
    # a cue by its time on the session's clock: the row that did not count
    with Store(data) as st:
        t = next(c["t"] for c in st.session_rows(res["session"])["cues"] if c["source"] == "rep")
    assert main(["explain", "last", "--data-dir", str(data), "--cue", str(t)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "set 4 of 4: resisted_row" in out[0] and out[1].startswith(f"Cue at {t:.2f} s from rep (tip)")
    assert "Attempt 4 of 4, 81.13-83.13 s" in out[3]


def test_session_user_errors_are_one_line_with_the_documented_exit_code(session, tmp_path, capsys):
    res, data = session
    p = coach("replay", "99", "--data-dir", str(data))
    assert p.returncode == 2 and p.stderr.strip() == (
        f"coach: error: no session '99' in {data / 'coach.db'} ('coach sessions' lists them)")
    p = coach("explain", "zzz", "--rep", "1", "--data-dir", str(data))
    assert p.returncode == 2 and p.stderr.strip() == (
        f"coach: error: no session 'zzz' in {data / 'coach.db'} ('coach sessions' lists them)")
    p = coach("replay", "3", "--data-dir", str(tmp_path / "empty"))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "no session '3' (and no file of that name): there is no session store in" in p.stderr
    # several exercises and --rep without --exercise
    assert main(["explain", "last", "--data-dir", str(data), "--rep", "1"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"coach: error: which exercise? session {res['session']} has 3 (scapular_squeeze: set 1; thread_the_needle: "
        "sets 2, 3; resisted_row: set 4): give --exercise ID (attempts are numbered through its sets)")
    assert main(["replay", "last", "--data-dir", str(data), "--exercise", "squat"]) == 2
    assert "has no set of 'squat'" in capsys.readouterr().err
    assert main(["replay", "last", "--data-dir", str(data), "--outcome", "x.json"]) == 2
    assert "--outcome is for recordings" in capsys.readouterr().err
    # the session's recording is gone: one line naming it, exit 1
    with Store(data) as st:
        rec = data / st.find_session("last")["recording_path"]
    rec.unlink()
    p = coach("replay", "last", "--data-dir", str(data))
    assert p.returncode == 1 and p.stderr.strip() == (
        f"coach: error: session {res['session']} ({res['uuid'][:8]}): its landmark recording {rec} is missing")
    p = coach("explain", res["uuid"][:6], "--cue", "3", "--data-dir", str(data))
    assert p.returncode == 1 and str(rec) in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_digits_that_are_no_session_id_are_read_as_the_start_of_a_uuid(session):
    """A uuid may begin with digits only (6 of its first 6 characters are digits about 6 % of
    the time): typed as the uuid's start, it is that session, not "no session '882953'". A
    session id still comes first."""
    res, data = session
    with Store(data) as st:
        st.db.execute("UPDATE sessions SET uuid = ? WHERE id = ?",
                      ("88295302-d3cb-4729-bc5c-8623968d76bd", res["session"]))
        assert st.find_session("882953")["id"] == res["session"]
        assert st.find_session(str(res["session"]))["id"] == res["session"]
        with pytest.raises(UnknownSession, match="no session '99' in"):
            st.find_session("99")


def test_report_and_export_also_refuse_an_unknown_session_with_exit_2(session):
    _, data = session
    for cmd in (["report", "7"], ["export", "7", "-o", "x.zip"]):
        p = coach(*cmd, "--data-dir", str(data))
        assert p.returncode == 2 and p.stderr.strip().startswith("coach: error: no session '7' in "), cmd


def test_a_session_exported_by_the_member_replays_in_the_therapists_store(session, tmp_path, capsys):
    res, data = session
    bundle = tmp_path / "s.zip"
    assert main(["export", "last", "--data-dir", str(data), "-o", str(bundle)]) == 0
    clinic = tmp_path / "clinic"
    assert main(["import", str(bundle), "--data-dir", str(clinic)]) == 0
    capsys.readouterr()
    sets = replay_json(capsys, res["uuid"][:8], "--data-dir", str(clinic))
    assert len(sets) == 4 and all(d["against"]["kind"] == "stored" and d["diff"]["unchanged"] for d in sets)
    assert [d["after"]["reps_detail"] for d in sets] == [s["reps_detail"] for s in res["sets"]]


def test_help_says_what_a_session_is():
    for cmd in ("replay", "explain"):
        p = coach(cmd, "--help")
        text = " ".join(p.stdout.split())
        assert p.returncode == 0 and "RECORDING|SESSION" in text and "--data-dir DIR" in text, cmd
        assert "'coach sessions' lists them: its id, the first characters of its uuid, the date it started " \
               "(YYYY-MM-DD, when only one session started that day) or 'last' / 'latest'" in text, cmd
        assert "names no session ends with one line and exit code 2" in text, cmd
