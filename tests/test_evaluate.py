"""`coach eval LABELS.json`: the per-clip table and exact / within-one / mean |error| per
exercise and overall, over recordings (synthetic sessions here) and videos (real inference on a
public photo), the same on one process and on the local pool."""
from __future__ import annotations

import json
import re

import pytest
from tuning_helpers import live_session, script_poses

from coach import evaluate as E
from coach.cli import main
from coach.engines import LocalEngine


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Recordings of three synthetic sessions and labels for them (one label wrong by one rep,
    one not counted by hand, one for an exercise without a rule file, one without a recording)."""
    d = tmp_path_factory.mktemp("clips")
    (d / "rec").mkdir()
    for name, ex, reps in (("curl_a", "bicep_curl", 4), ("squeeze_b", "scapular_squeeze", 3), ("squat_c", "squat", 5)):
        live_session(ex, script_poses(ex, reps=reps), d / "rec" / f"{name}.npz")
    labels = [
        {"file": "curl_a.mp4", "exercise": "bicep_curl", "reps": 4, "view": "side"},
        {"file": "squeeze_b.mp4", "exercise": "scapular_squeeze", "reps": 3, "view": "front"},
        {"file": "squat_c.mp4", "exercise": "squat", "reps": 6, "view": "side"},  # counted 5: -1
        {"file": "curl_d.mp4", "exercise": "bicep_curl", "reps": None},
        {"file": "opener_e.mp4", "exercise": "chest_opener_hold", "reps": 1},
        {"file": "curl_f.mp4", "exercise": "bicep_curl", "reps": 2},
    ]
    (d / "labels.json").write_text(json.dumps(labels))
    return d


def test_plan_scores_what_it_can_and_says_why_not_for_the_rest(library):
    tasks, left = E.plan(library / "labels.json", recordings=str(library / "rec"))
    assert [(t.file, t.exercise, t.truth) for t in tasks] == [
        ("curl_a.mp4", "bicep_curl", 4), ("squeeze_b.mp4", "scapular_squeeze", 3), ("squat_c.mp4", "squat", 6)]
    assert [(r["clip"], r["skipped"]) for r in left] == [
        ("curl_d.mp4", "no hand count (reps is null)"), ("opener_e.mp4", "chest_opener_hold: no library exercise"),
        ("curl_f.mp4", f"no recording {library / 'rec' / 'curl_f.npz'}")]


def test_rows_are_the_same_in_one_process_and_on_the_pool(library):
    tasks, _ = E.plan(library / "labels.json", recordings=str(library / "rec"))
    one = [{k: v for k, v in r.items() if k != "wall_s"} for r in E.run(tasks, LocalEngine(1))]
    pool = [{k: v for k, v in r.items() if k != "wall_s"} for r in E.run(tasks, LocalEngine(2))]
    assert one == pool
    assert [(r["clip"], r["counted"], r["attempts"]) for r in one] == [
        ("curl_a.mp4", 4, 4), ("squeeze_b.mp4", 3, 3), ("squat_c.mp4", 5, 5)]
    assert E.stats(one) == (3, 2 / 3, 1.0, 1 / 3)


def test_cli_eval_prints_the_table(library, capsys):
    assert main(["eval", str(library / "labels.json"), "--recordings", str(library / "rec"), "--workers", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == E.HEADER
    assert out[1].split() == ["curl_a.mp4", "bicep_curl", "4", "4", "4", "+0"]
    assert out[3].split() == ["squat_c.mp4", "squat", "6", "5", "5", "-1"]
    assert out[6].split()[:5] == ["curl_f.mp4", "bicep_curl", "2", "-", "-"]
    table = out[out.index("") + 1:]
    assert table[0].split() == ["per", "exercise", "clips", "exact", "within1", "mean|err|"]
    assert table[1].split() == ["bicep_curl", "1", "100%", "100%", "0.00"]
    assert table[3].split() == ["squat", "1", "0%", "100%", "1.00"]
    assert table[4].split() == ["overall", "3", "67%", "100%", "0.33"]
    assert "3 clips scored: exact 67%, within one 100%, mean |error| 0.33 reps" in out
    assert "0 failed, 3 not scored (see their rows)" in out
    assert re.fullmatch(r"\(3 clips in \d+\.\d s on local pool of 2 processes\)", out[-1])


def test_cli_eval_json_and_other_rules(library, tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    from tuning_helpers import edited_rules
    edited_rules(rules, "bicep_curl", "noise", "150")  # no movement is bigger than the wobble now
    assert main(["eval", str(library / "labels.json"), "--recordings", str(library / "rec"), "--rules", str(rules),
                 "--workers", "1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [(r["clip"], r.get("counted"), r.get("skipped")) for r in d["rows"]][:3] == [
        ("curl_a.mp4", 0, None), ("squeeze_b.mp4", None, "no rule file scapular_squeeze.toml"),
        ("squat_c.mp4", None, "no rule file squat.toml")]
    assert d["overall"] == {"clips": 1, "exact": 0.0, "within_one": 0.0, "mean_abs_error": 4.0}
    assert d["engine"] == "this process"


def test_cli_eval_user_errors(tmp_path, capsys):
    assert main(["eval", str(tmp_path / "none.json")]) == 2
    assert capsys.readouterr().err.strip() == f"coach: error: no such labels file: {tmp_path / 'none.json'}"
    (tmp_path / "l.json").write_text('{"file": 1}')
    assert main(["eval", str(tmp_path / "l.json")]) == 2
    assert "must be a JSON list of objects" in capsys.readouterr().err
    (tmp_path / "l.json").write_text("[]")
    assert main(["eval", str(tmp_path / "l.json"), "--workers", "0"]) == 2
    assert capsys.readouterr().err.strip() == f"coach: error: nothing to score in {tmp_path / 'l.json'}"


def test_cli_eval_reports_every_rule_file_problem_before_any_work(library, tmp_path, capsys):
    from tuning_helpers import edited_rules, line_of
    bad = edited_rules(tmp_path, "bicep_curl", "min_travel", "179")  # above max_travel 100
    assert main(["eval", str(library / "labels.json"), "--recordings", str(library / "rec"),
                 "--rules", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (f"{bad}:{line_of(bad, 'max_travel =')}:1: max_travel (100) must be 0 (no bound) "
                                    f"or at least min_travel (179)")
