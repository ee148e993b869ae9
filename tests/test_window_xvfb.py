"""The routine in a real OpenCV window on a virtual X display (Xvfb), driven by real key presses
(xdotool): the safety card waits for space, pain is typed in the window, s skips a set, space
pauses and resumes, q quits, and the pain after is typed too. Skips without Xvfb and xdotool
(.ci/run installs them)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sessionkit
from xdisplay import focus_window, needs_x, press, stop, wait_for

REPO = Path(__file__).resolve().parents[1]
pytestmark = needs_x


def query(db: Path, sql: str) -> list:
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return []




def test_keys_in_a_real_window(tmp_path, display):
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    srcs = sessionkit.set_recordings(folder)[:2]
    db = tmp_path / "data" / "coach.db"
    env = {**os.environ, "DISPLAY": display}
    cmd = [sys.executable, "-m", "coach", "routine", str(routine), "--data-dir", str(tmp_path / "data"),
           "--realtime", "--source", str(srcs[0]), "--source", str(srcs[1])]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def key(*keys: str) -> None:
        press(env, *keys)

    try:
        focus_window(env)
        time.sleep(0.5)
        key("space")                         # the safety card
        key("1", "1", "Return")              # 11 is not on the scale: asked again
        key("6", "Return")
        wait_for(lambda: query(db, "SELECT score, how FROM pain WHERE moment = 'before'"), "pain before")
        wait_for(lambda: query(db, "SELECT id FROM attempts"), "a squeeze")
        key("s")                             # skip the rest of the first set
        wait_for(lambda: query(db, "SELECT 1 FROM sets WHERE set_index = 1"), "the second set")
        key("space")
        wait_for(lambda: query(db, "SELECT 1 FROM events WHERE kind = 'pause'"), "pause")
        key("space")
        wait_for(lambda: query(db, "SELECT 1 FROM events WHERE kind = 'resume'"), "resume")
        key("q")
        wait_for(lambda: query(db, "SELECT 1 FROM sets WHERE end_reason = 'quit'"), "quit")
        time.sleep(0.5)
        key("3", "Return")                   # pain after, in the window
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 0, err
    assert query(db, "SELECT moment, score, how FROM pain ORDER BY id") == [("before", 6, "window"),
                                                                          ("after", 3, "window")]
    assert query(db, "SELECT set_index, end_reason FROM sets ORDER BY set_index") == [(0, "skipped"), (1, "quit")]
    assert query(db, "SELECT end_reason FROM sessions") == [("quit",)]
    kinds = [k for (k,) in query(db, "SELECT kind FROM events ORDER BY id")]
    assert kinds[:2] == ["safety_screen", "skip"] and kinds.count("pause") == kinds.count("resume") == 1
    assert "pain: before 6/10, after 3/10" in out


def test_n_goes_on_to_the_next_exercise_in_a_real_window(tmp_path, display):
    """n during the first of two squeeze sets: that set ends (what it counted kept), the second is
    not run, and thread the needle starts after the rest; the printed summary shows it."""
    folder = tmp_path / "src"
    folder.mkdir()
    routine = folder / "two.toml"
    routine.write_text(sessionkit.SHORT.format(id="two", per_week=5).replace("reps = 3\n", "sets = 2\nreps = 3\n", 1),
                       encoding="utf-8")
    srcs = sessionkit.set_recordings(folder, sets=("scapular_squeeze",) + sessionkit.SETS)
    db = tmp_path / "data" / "coach.db"
    env = {**os.environ, "DISPLAY": display}
    cmd = [sys.executable, "-m", "coach", "routine", str(routine), "--data-dir", str(tmp_path / "data"),
           "--realtime", "--pain-before", "2", "--pain-after", "2"] + [a for s in srcs for a in ("--source", str(s))]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def key(k: str) -> None:
        press(env, k)

    try:
        focus_window(env)
        time.sleep(0.5)
        key("space")                         # the safety card
        wait_for(lambda: query(db, "SELECT id FROM attempts"), "a squeeze")
        key("n")
        wait_for(lambda: query(db, "SELECT 1 FROM sets WHERE exercise_id = 'thread_the_needle'"), "the next exercise")
        key("q")
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 0, err
    assert query(db, "SELECT set_index, exercise_id, end_reason FROM sets ORDER BY set_index") == [
        (0, "scapular_squeeze", "next exercise"), (2, "thread_the_needle", "quit")]
    assert query(db, "SELECT data FROM events WHERE kind = 'next_exercise'") == [
        ('{"set_index": 0, "in_rest": false, "skipped_sets": [1]}',)]
    assert query(db, "SELECT end_reason FROM sessions") == [("quit",)]
    lines = out.splitlines()
    assert lines[0].startswith("Shoulder-blade squeeze: ") and lines[0].endswith("[Set 1 of 2: next exercise]")
    assert any(ln.startswith("Thread the needle: ") and ln.endswith("[Set 1 of 1, left side: quit]") for ln in lines)
    assert "] n: Next: Thread the needle, left side" in err
