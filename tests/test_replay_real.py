"""Replay on real footage: a session analysed from a real clip (real MediaPipe inference, as a
member runs it, recording its landmarks) replays to the same outcome, event for event.

Uses ../shared/data/clips ($COACH_CLIPS_DIR) through tests/realclips.py; skipped, saying so in
the session's "real clips" summary, when the clips are absent."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import realclips

from coach.library import find_exercise
from coach.pose.recording import load_recording
from coach.replay import replay

# short clips: a counter with form cues, alternating sides, fixed thresholds (no [rep.range])
CLIPS = ["push_up__home-side.mp4", "thread_the_needle__quadruped-reach-side.mp4", "bird_dog__studio-side.mp4"]


@pytest.mark.parametrize("clip", CLIPS)
def test_a_real_session_replays_to_its_recorded_outcome(clips_dir, clip, tmp_path):
    lab = next(d for d in realclips.labels() if d["file"] == clip)
    ex = realclips.exercise_id(lab)
    rec = tmp_path / "session.npz"
    p = subprocess.run([sys.executable, "-m", "coach", "analyze", str(clips_dir / clip), "--exercise", ex,
                        "--record", str(rec), "--json"], capture_output=True, text=True, timeout=600,
                       cwd=realclips.REPO)
    assert p.returncode == 0, p.stderr[-1500:]
    recorded = json.loads(p.stdout)
    assert recorded["reps"] >= 1 and recorded["reps_detail"]
    (tmp_path / "outcome.json").write_text(p.stdout)
    # the library replay: the same summary, attempt for attempt and cue for cue (the command
    # adds what it alone knows: whether the whole input was read, and its warnings)
    assert (recorded.pop("complete"), recorded.pop("warnings")) == (True, [])
    again = replay(load_recording(rec), find_exercise(ex))
    assert again.summary.to_json() == recorded
    # and the command a therapist runs says so
    q = subprocess.run([sys.executable, "-m", "coach", "replay", str(rec), "--exercise", ex, "--outcome",
                        str(tmp_path / "outcome.json"), "--json"], capture_output=True, text=True, timeout=600,
                       cwd=realclips.REPO)
    assert q.returncode == 0, q.stderr[-1500:]
    d = json.loads(q.stdout)
    assert d["against"]["kind"] == "recorded" and d["diff"]["unchanged"] is True
    assert d["diff"]["cues_kept"] == len(recorded["cues"]) and d["diff"]["cues_added"] == []
    assert [a["status"] for a in d["diff"]["attempts"]] == [
        "still counted" if x["counted"] else "still not counted" for x in recorded["reps_detail"]]
