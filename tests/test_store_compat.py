"""What the code before the typed summary wrote still reads: a session store (tests/data/*.sql) and
session summaries (`coach analyze --json`, `coach routine --json`), with the same numbers."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_report import step_numbers

from coach.cli import main
from coach.replay import diff_outcomes
from coach.runner import format_summary
from coach.summary import Attempt, Summary

DATA = Path(__file__).resolve().parent / "data"
OLD = json.loads((DATA / "summaries_before_typed_summary.json").read_text(encoding="utf-8"))
UUID = "b286616a-d57e-4d42-b5c7-b5a17a555138"


@pytest.fixture
def old_store(tmp_path) -> Path:
    """A data folder holding the store as the earlier code wrote it."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    con = sqlite3.connect(data / "coach.db")
    con.executescript((DATA / "store_v2_before_typed_summary.sql").read_text(encoding="utf-8"))
    con.close()
    return data


def test_an_old_store_reads_with_the_same_numbers(old_store, tmp_path, capsys):
    assert main(["sessions", "--data-dir", str(old_store), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["uuid"], r["state"], r["attempts"], r["reps"], r["pain_before"], r["pain_after"]) for r in rows] == [
        (UUID, "completed", 14, 14, 3, 6)]
    assert main(["history", "--data-dir", str(old_store), "-o", str(tmp_path / "h.html"), "--csv", "-"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert [line.split(",")[9:] for line in csv[1:4]] == [
        ["scapular_squeeze", "shoulder_width", "ratio", "3", "3", "0.19", "", "", "", "2.356", "2.0"],
        ["thread_the_needle", "rotation", "deg", "4", "4", "82.43", "82.662", "82.2", "0.6", "3.642", ""],
        ["resisted_row", "elbow_px", "deg", "4", "4", "99.171", "", "", "", "1.642", ""]]
    assert main(["report", "--data-dir", str(old_store), "-o", str(tmp_path / "r.html")]) == 0
    got = step_numbers((tmp_path / "r.html").read_text(encoding="utf-8"))
    # every squeeze had a shrug and every row a fast return: no clean rep there (faults as stored)
    assert [(s["exercise"], s["side"], s["attempts"], s["counted"], s["clean"], s["cue_count"]) for s in got] == [
        ("scapular_squeeze", None, ["3"], ["3"], ["0"], ["2"]),
        ("thread_the_needle", "left", ["2"], ["2"], ["2"], ["1"]),
        ("thread_the_needle", "right", ["2"], ["2"], ["2"], ["1"]),
        ("resisted_row", None, ["4"], ["4"], ["0"], ["1"])]


@pytest.mark.parametrize("old", OLD["analyze"] + OLD["routine_sets"],
                         ids=lambda d: f"{d['exercise']}-{(d.get('set') or {}).get('index', 'analyze')}")
def test_an_old_summary_reads_back_to_the_same_json(old):
    s = Summary.from_json(old)
    assert s.to_json() == old  # every key and value, in the same order
    assert list(s.to_json()) == list(old)
    assert diff_outcomes(s, Summary.from_json(old)).unchanged


def test_old_summaries_read_as_typed_attempts():
    lunge, jack = (Summary.from_json(d) for d in OLD["analyze"])
    assert lunge.reps_by_side == {"left": 1, "right": 3} and lunge.attempts == 6
    assert [(a.side, a.reason) for a in lunge.missed] == [(a["side"], a["reason"]) for a in OLD["analyze"][0]
                                                           ["reps_detail"] if not a["counted"]]
    assert all(isinstance(a, Attempt) and a.faults is None for a in lunge.missed)  # no faults key: not known
    assert jack.clean_reps == sum(1 for a in OLD["analyze"][1]["reps_detail"] if a["counted"] and not a.get("faults"))
    squeeze = Summary.from_json(OLD["routine_sets"][0])
    assert squeeze.set is not None and (squeeze.set.number, squeeze.set.end_reason) == (1, "target")
    assert [a.faults for a in squeeze.reps_detail] == [("shrug",)] * 3
    assert format_summary(squeeze).splitlines()[2] == "  clean reps: 0 of 3"
