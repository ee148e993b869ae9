"""`coach explain`: why an attempt counted or not and why a cue fired, with the rule file's
line for each threshold, and a trace plot."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from tuning_helpers import edited_rules, line_of, live_session, script_poses

from coach.cli import main
from coach.explain import explain_cue, explain_rep
from coach.library import exercises_dir, find_exercise
from coach.pose.recording import load_recording
from coach.replay import replay
from coach.rules.loader import load_exercise


@pytest.fixture
def curl(tmp_path):
    """A 5-rep curl whose rep 4 travels 70 % of the others, and count_at edited to 0.8."""
    live_session("bicep_curl", script_poses("bicep_curl", reps=5, range_by_rep={3: 0.7}), tmp_path / "curl.npz")
    return tmp_path / "curl.npz", edited_rules(tmp_path, "bicep_curl", "count_at", "0.8")


def test_a_short_attempt_is_explained_with_the_lines_of_its_thresholds(curl, tmp_path):
    rec, rules = curl
    r = replay(load_recording(rec), load_exercise(rules), trace=True)
    e = explain_rep(r, 4)
    text = "\n".join(e.lines)
    assert e.lines[0] == "Attempt 4 of 5, 11.40-13.17 s (1.77 s): NOT COUNTED: short: reached 78.7, counts at 72.4"
    assert f"count_at 0.8 [{rules}:{line_of(rules, 'count_at =')}]" in text
    assert f"min_travel 40 deg [{rules}:{line_of(rules, 'min_travel =')}]" in text
    assert f"max_travel 100 deg [{rules}:{line_of(rules, 'max_travel =')}]" in text
    assert "Reached 78.7 deg; the count point was 72.4 deg (or less): short by 6.27 deg" in text
    assert f"elbow below 80 deg  [{rules}:{line_of(rules, 'below = 80')}]" in text  # the "flexed" phase
    # the advice is right: with that count_at the attempt counts, and nothing else changes
    assert e.data["count_at_to_count"] == 0.71
    fixed = replay(load_recording(rec), load_exercise(edited_rules(tmp_path, "bicep_curl", "count_at", "0.71")))
    assert [d.counted for d in fixed.summary.reps_detail] == [True] * 5


def test_a_counted_attempt_says_what_it_was_judged_against(curl):
    rec, _ = curl
    shipped = exercises_dir() / "bicep_curl.toml"
    r = replay(load_recording(rec), find_exercise("bicep_curl"), trace=True)
    e = explain_rep(r, 1)
    assert e.lines[0].endswith("COUNTED") and e.data["counted"]
    text = "\n".join(e.lines)
    assert "Your range: not known yet (no counted rep before this one)" in text
    assert f"min_rep_s 0.8 s [exercises/bicep_curl.toml:{line_of(shipped, 'min_rep_s =')}]" in text


def test_a_form_cue_is_explained_with_its_check_threshold_for_s_and_cooldown(tmp_path):
    rec = tmp_path / "sq.npz"
    live_session("scapular_squeeze", script_poses("scapular_squeeze", reps=4, fault="shrug", only_reps={1}), rec)
    shipped = exercises_dir() / "scapular_squeeze.toml"
    r = replay(load_recording(rec), find_exercise("scapular_squeeze"), trace=True)
    e = explain_cue(r, 7.5)
    text = "\n".join(e.lines)
    after = 'id = "shrug"'
    assert e.lines[0] == 'Cue at 7.67 s from shrug (warning): "Keep your shoulders down, away from your ears."'
    assert (f"neck_length stays within 0.06 ratio of its value at 6.9 s (0.561)  "
            f"[exercises/scapular_squeeze.toml:{line_of(shipped, 'max_drift = 0.06', after)}]") in text
    assert "measured a drift of up to 0.149" in text  # well past 0.06: the injected shrug
    assert f"for_s 0.4 s [exercises/scapular_squeeze.toml:{line_of(shipped, 'for_s', after)}]" in text
    assert f"Cooldown 8 s [exercises/scapular_squeeze.toml:{line_of(shipped, 'cooldown_s', after)}]: first" in text
    assert e.data["phase"] == "squeezed"


def test_cli_explain_prints_and_plots(curl, tmp_path, capsys):
    rec, rules = curl
    png = tmp_path / "trace.png"
    assert main(["explain", str(rec), "--rep", "4", "--rules", str(rules), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Attempt 4 of 5") and out.rstrip().endswith(f"trace plot: {png}")
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert img.shape == (462, 1100, 3)
    line = np.all(np.abs(img - (31, 78, 121)) < 12, axis=2).sum()   # the measure's curve
    count = np.all(np.abs(img - (197, 90, 17)) < 12, axis=2).sum()  # the count point
    assert line > 300 and count > 100
    assert main(["explain", str(rec), "--rep", "4", "--rules", str(rules), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["attempt"], d["counted"], d["reached"], d["target"]) == (4, False, 78.657, 72.388)


def test_cli_explain_user_errors(curl, capsys):
    rec, rules = curl
    assert main(["explain", str(rec), "--rep", "9", "--rules", str(rules)]) == 2
    assert capsys.readouterr().err.strip() == "coach: error: --rep 9: this replay has 5 attempts (1-5)"
    assert main(["explain", str(rec), "--cue", "100", "--rules", str(rules)]) == 2
    assert capsys.readouterr().err.strip() == ("coach: error: no cue within 2 s of 100 s; the nearest are at "
                                               "13.17, 10.13 s")


@pytest.mark.parametrize("ex_id", ["bird_dog", "thread_the_needle", "jumping_jack", "squat"])
def test_every_attempt_and_cue_is_explained_with_lines_that_hold_their_thresholds(ex_id, tmp_path):
    # fixed thresholds (bird_dog), alternating sides with `require` (thread_the_needle), `require`
    # on another measure (jumping_jack), one side with a fallback measure (squat)
    rec = tmp_path / "s.npz"
    live_session(ex_id, script_poses(ex_id, reps=4), rec)
    r = replay(load_recording(rec), find_exercise(ex_id), trace=True)
    text = (exercises_dir() / f"{ex_id}.toml").read_text(encoding="utf-8").splitlines()
    assert len(r.summary.reps_detail) == 4
    for n in range(1, 5):
        e = explain_rep(r, n)
        assert e.lines[0].startswith(f"Attempt {n} of 4") and e.lines[0].endswith("COUNTED")
        conds = ([c for p in e.data["phases"] for c in p["conditions"]] + e.data.get("require", [])
                 + e.data.get("gate", []))
        assert conds
        for c in conds:  # the line quoted holds that measure's threshold
            line = text[c["line"] - 1]
            assert c["key"] in line and c["measure"] in line, (c, line)
            assert c["true_s"] + c["false_s"] + c["unknown_s"] > 0
    for cue in r.summary.cues:
        assert explain_cue(r, cue.t_s).lines[0].startswith(f"Cue at {cue.t_s:.2f} s from {cue.check}")
