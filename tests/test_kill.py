"""A routine killed mid-set (SIGINT, SIGTERM, kill -9) leaves a session that `coach report` reads,
with every event committed before the kill."""
from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sessionkit

from coach.pose.recording import load_recording, session_recording

REPO = Path(__file__).resolve().parents[1]


def committed(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT id, set_id, start_t, end_t, counted, reached"
                               " FROM attempts ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet
        return []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "kill-9"])
def test_a_run_killed_mid_set_leaves_a_readable_session(tmp_path, sig):
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    srcs = sessionkit.set_recordings(folder)
    data = tmp_path / "data"
    db = data / "coach.db"
    cmd = [sys.executable, "-m", "coach", "routine", str(routine), "--data-dir", str(data), "--no-window",
           "--pain-before", "2", "--realtime"]
    for s in srcs:
        cmd += ["--source", str(s)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(committed(db)) < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        before = committed(db)
        assert len(before) >= 1, proc.stderr.read() if proc.poll() is not None else "no attempt after 60 s"
        time.sleep(0.7)  # now mid-set: the first set needs 3 squeezes, about 6 s apart
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = committed(db)
    assert after[:len(before)] == before  # every event committed before the kill is still there
    printed = len(re.findall(r"\] (rep \d+|not counted)", err))
    assert len(after) >= printed  # each rep printed had been committed first
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    session = con.execute("SELECT id, ended_at, end_reason, recording_path FROM sessions").fetchone()
    sets = con.execute("SELECT set_index, end_reason, reps FROM sets").fetchall()
    con.close()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert session[1] is None and sets[0][1] is None  # it could not say goodbye
    else:
        assert proc.returncode == 130, err
        assert session[2] == "interrupted" and session[1] is not None
        assert sets == [(0, "interrupted", len(after))]  # killed in the first set, every counted squeeze counted
    # the landmarks so far are a valid recording (flushed every 2 s; atomically replaced)
    rec = load_recording(session_recording(data / session[3]))  # after kill -9: the journal
    assert len(rec) > 30
    # coach report reads it, and says so when the session did not end normally
    html = tmp_path / "r.html"
    p = subprocess.run([sys.executable, "-m", "coach", "report", "--data-dir", str(data), "-o", str(html)],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    page = html.read_text(encoding="utf-8")
    data_json = json.loads(re.search(r"<script type='application/json' id='report-data'>(.*?)</script>", page,
                                     re.S).group(1).replace("<\\/", "</"))
    assert data_json["steps"][0]["attempts"] == len(after)
    assert data_json["steps"][0]["counted"] == sum(a[4] for a in after)
    if sig == signal.SIGKILL:
        assert data_json["state"] == "ended abnormally" and "did not end normally" in page
    else:
        assert data_json["state"] == "interrupted"
