"""`coach export` / `coach import`: a session travels to a therapist's store intact."""
from __future__ import annotations

import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import sessionkit

from coach.cli import main
from coach.pose.recording import load_recording
from coach.report import report_data
from coach.store import Store

REPO = Path(__file__).resolve().parents[1]


def strip_ids(rows: dict) -> dict:
    out = {}
    for table, items in rows.items():
        items = items if isinstance(items, list) else [items]
        out[table] = [{k: v for k, v in r.items() if k not in ("id", "session_id", "set_id", "profile_id",
                                                                  "imported_from")} for r in items]
    return out


def test_export_then_import_gives_the_same_session(tmp_path, capsys):
    res, _ = sessionkit.run_routine(tmp_path, capsys, "--pain-before", "4", "--pain-after", "3")
    zip_path = tmp_path / "s.zip"
    assert main(["export", "last", "--data-dir", str(tmp_path / "data"), "-o", str(zip_path)]) == 0
    assert "exported session 1" in capsys.readouterr().out
    assert stat.S_IMODE(zip_path.stat().st_mode) == 0o600
    with zipfile.ZipFile(zip_path) as z:
        assert sorted(z.namelist()) == ["landmarks.npz", "report.html", "session.json"]
    other = tmp_path / "therapist"
    # the therapist's store already has a session: ids differ, the content does not
    sessionkit.run_routine(tmp_path, capsys, "--pain-before", "1", "--pain-after", "1", seed=5, data=other)
    capsys.readouterr()
    assert main(["import", str(zip_path), "--data-dir", str(other)]) == 0
    assert f"imported session {res['uuid'][:8]} as session 2" in capsys.readouterr().out
    with Store(tmp_path / "data") as a, Store(other) as b:
        ra, rb = a.session_rows(res["session"]), b.session_rows(2)
        assert rb["session"]["imported_from"] == "s.zip"
        sa, sb = strip_ids(ra), strip_ids(rb)
        sa["session"][0].pop("recording_path")
        rec_b = b.data_dir / sb["session"][0].pop("recording_path")
        assert sa == sb
        assert len(load_recording(rec_b)) == len(load_recording(a.data_dir / ra["session"]["recording_path"]))
        da, db = report_data(ra), report_data(rb)
    assert da["steps"] == db["steps"] and da["pain"] == db["pain"] == {"before": 4, "after": 3}
    # importing it again is refused in one line; nothing is duplicated
    p = subprocess.run([sys.executable, "-m", "coach", "import", str(zip_path), "--data-dir", str(other)],
                       capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 1 and "already in" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    with Store(other) as b:
        assert len(b.sessions()) == 2


def test_import_of_something_else_is_a_usage_error(tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip")
    p = subprocess.run([sys.executable, "-m", "coach", "import", str(bad), "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 2 and "not a readable session bundle" in p.stderr


def test_sessions_lists_them(tmp_path, capsys):
    res, _ = sessionkit.run_routine(tmp_path, capsys, "--pain-before", "4", "--pain-after", "3")
    assert main(["sessions", "--data-dir", str(tmp_path / "data"), "--json"]) == 0
    import json
    rows = json.loads(capsys.readouterr().out)
    assert [(r["uuid"], r["profile"], r["state"], r["reps"], r["pain_before"], r["pain_after"]) for r in rows] == [
        (res["uuid"], "ana", "completed", sum(len([d for d in s["reps_detail"] if d["counted"]]) for s in res["sets"]),
         4, 3)]
    assert main(["sessions", "--data-dir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert res["uuid"][:8] in out and "completed  pain 4->3" in out and out.strip().endswith("1 session")
