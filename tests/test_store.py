"""The session store: SQLite in WAL mode, a schema version with migrations, every event visible
to another connection as soon as it is written, newer databases refused untouched."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coach.routine import find_routine
from coach.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError, _statements, default_data_dir

REPO = Path(__file__).resolve().parents[1]


def test_a_new_store_is_wal_at_the_current_schema_version(tmp_path):
    with Store(tmp_path / "d") as st:
        assert st.version == SCHEMA_VERSION == 2
        assert st.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert st.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        tables = {r[0] for r in st.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"profiles", "sessions", "rule_files", "sets", "attempts", "cues", "pain", "events"} <= tables


def test_a_version_1_store_migrates_and_keeps_its_rows(tmp_path):
    db = tmp_path / "coach.db"
    con = sqlite3.connect(db)
    for stmt in _statements(MIGRATIONS[0]):
        con.execute(stmt)
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO profiles (name, created_at) VALUES ('ana', '2026-01-01T00:00:00+00:00')")
    con.commit()
    con.close()
    with Store(tmp_path) as st:
        assert st.version == 2
        assert st.profile_id("ana") == 1
        idx = {r[0] for r in st.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"attempts_by_session", "sessions_by_profile"} <= idx


def test_a_newer_store_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "coach.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE future (x)")
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="schema version 99, newer than this coach understands"):
        Store(tmp_path)
    assert db.read_bytes() == before
    p = subprocess.run([sys.executable, "-m", "coach", "sessions", "--data-dir", str(tmp_path)], capture_output=True,
                       text=True, cwd=REPO)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "newer than this coach" in p.stderr


def test_every_event_is_visible_to_another_reader_as_soon_as_it_is_written(tmp_path):
    st = Store(tmp_path)
    sid, uid = st.start_session(profile="ana", routine=find_routine(), plan_json=[], lang="en", sources=["0"],
                                app_version="t", model="m")
    set_id = st.start_set(sid, set_index=0, step_index=0, number=1, of_sets=1, exercise_id="resisted_row",
                          side=None, target_reps=3, target_hold_s=0.0, started_t=0.0)
    st.add_attempt(sid, set_id, start_t=1.0, end_t=2.5, counted=1, side=None, reason=None, reached=100.0,
                   target=110.0, rest=170.0, rom=70.0, tempo_s=1.5, hold_s=None, faults=("shrug",))
    st.add_cue(sid, set_id, 2.0, "shrug", "warning", "Shoulders down.")
    st.add_pain(sid, "before", 4, "flag")
    reader = sqlite3.connect(f"file:{tmp_path / 'coach.db'}?mode=ro", uri=True)  # st is still open, mid-session
    assert reader.execute("SELECT counted, rom, faults FROM attempts").fetchall() == [(1, 70.0, '["shrug"]')]
    assert reader.execute("SELECT message FROM cues").fetchall() == [("Shoulders down.",)]
    assert reader.execute("SELECT score FROM pain").fetchall() == [(4,)]
    assert reader.execute("SELECT ended_at FROM sessions").fetchall() == [(None,)]
    reader.close()
    st.close()


def test_pain_outside_0_to_10_is_refused_by_the_database(tmp_path):
    with Store(tmp_path) as st:
        sid, _ = st.start_session(profile="ana", routine=find_routine(), plan_json=[], lang="en", sources=[],
                                  app_version="t", model="m")
        with pytest.raises(StoreError, match="CHECK constraint failed"):
            st.add_pain(sid, "before", 11, "flag")


def test_data_folder_order(tmp_path, monkeypatch):
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home"
    monkeypatch.delenv("COACH_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "form-coach"  # platformdirs honours XDG on Linux


def test_a_full_disk_mid_routine_is_one_line_and_keeps_what_was_saved(tmp_path):
    """Files may not grow past 1 MB (RLIMIT_FSIZE: a disk that fills up). The landmark recording,
    rewritten every few seconds, hits it first: the run stops with one line (exit 1), the
    session says 'failed', every event committed before stays readable, and the recording
    keeps the frames of its last good write."""
    import resource

    import sessionkit

    from coach.pose.recording import load_recording, session_recording
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    cmd = [sys.executable, "-m", "coach", "routine", str(routine), "--data-dir", str(tmp_path / "data"),
           "--no-window", "--pain-before", "2", "--pain-after", "2"]
    for p in sessionkit.set_recordings(folder):
        cmd += ["--source", str(p)]

    def limit():  # Python ignores SIGXFSZ: a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, preexec_fn=limit)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert lines[-1].startswith("coach: error: cannot write recording") and "File too large" in lines[-1]
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(1)
        rec = load_recording(session_recording(st.data_dir / rows["session"]["recording_path"]))
    assert rows["session"]["end_reason"] == "failed" and rows["session"]["ended_at"]
    printed = sum(1 for line in lines if "] rep " in line or "] not counted" in line)
    assert printed >= 3 and len(rows["attempts"]) == printed  # every attempt seen was committed
    assert rows["sets"][0]["end_reason"] == "target"
    assert 100 < len(rec) and rec.times[-1] <= rows["sets"][-1]["started_t"] + 60
