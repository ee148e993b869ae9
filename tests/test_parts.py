"""The engine's small parts on their own (coach.sides, coach.monitor, coach.feedback.reps)."""
from __future__ import annotations

import numpy as np

from coach.config import SetupConfig, SideConfig, ViewConfig
from coach.feedback.reps import DROPS_BEFORE_CUE, RepFeedback
from coach.library import find_exercise
from coach.monitor import SetupMonitor
from coach.sides import SideSelector
from coach.types import AttemptEnded, Pose

LM = {"left": [11, 13, 15], "right": [12, 14, 16]}


def pose(left_vis: float, right_vis: float) -> Pose:
    vis = np.full(33, 0.9)
    vis[LM["left"]] = left_vis
    vis[LM["right"]] = right_vis
    return Pose(image_xy=np.zeros((33, 2)), world_xyz=None, visibility=vis, presence=vis.copy(),
                image_size=(640, 480), t=0.0, index=0)


def test_side_selector_switches_only_past_the_margin_and_never_mid_rep():
    s = SideSelector(SideConfig(switch_margin=0.15, switch_time_s=0.5))
    assert s.update(pose(0.9, 0.5), 0.0, LM, in_rep=False) == "left"
    # the right side becomes clearly nearer: after a few time constants it is chosen...
    sides = [s.update(pose(0.4, 0.9), i / 30, LM, in_rep=False) for i in range(1, 61)]
    assert sides[0] == "left" and sides[-1] == "right"
    # ...but not while a rep is under way
    s2 = SideSelector(SideConfig(switch_margin=0.15, switch_time_s=0.5))
    s2.update(pose(0.9, 0.5), 0.0, LM, in_rep=False)
    assert {s2.update(pose(0.4, 0.9), i / 30, LM, in_rep=True) for i in range(1, 61)} == {"left"}
    # a lead smaller than the margin never switches
    s3 = SideSelector(SideConfig(switch_margin=0.15, switch_time_s=0.5))
    s3.update(pose(0.8, 0.8), 0.0, LM, in_rep=False)
    assert {s3.update(pose(0.75, 0.85), i / 30, LM, in_rep=False) for i in range(1, 91)} == {"left"}


def test_setup_monitor_asks_for_missing_landmarks_after_missing_for_s_only():
    ex = find_exercise("bicep_curl")
    m = SetupMonitor(ex, ViewConfig(), SetupConfig(missing_for_s=2.0), cooldown_s=12.0)
    hidden = pose(0.0, 0.0)  # the watched arm out of the picture
    said = [(round(i / 10, 1), c.source) for i in range(0, 31)
            for c in m.candidates(hidden, i / 10, view_wrong=False, cannot_count=False, watched="left")]
    assert said[0] == (2.0, "setup") and len(said) == 11  # from 2.0 s on (the policy paces repeats)
    assert m.candidates(None, 0.0, view_wrong=False, cannot_count=False, watched="left") == []


def test_setup_monitor_gives_the_view_hint_once_and_the_wrong_view_warning_every_time():
    m = SetupMonitor(find_exercise("bicep_curl"))
    first = m.candidates(pose(0.9, 0.9), 0.0, view_wrong=True, cannot_count=False, watched="left")
    again = m.candidates(pose(0.9, 0.9), 1.0, view_wrong=True, cannot_count=False, watched="left")
    assert [(c.source, c.severity) for c in first] == [("view", "tip")] and again == []
    warn = m.candidates(pose(0.9, 0.9), 2.0, view_wrong=True, cannot_count=True, watched="left")
    assert [(c.source, c.severity) for c in warn] == [("view", "warning")]


def test_rep_feedback_praises_a_clean_streak_and_answers_repeated_drops():
    ex = find_exercise("jumping_jack")
    fb = RepFeedback()
    every = ex.feedback.praise_every
    ended = AttemptEnded(attempt=1, t=0.0, counted=True)
    said = [c.source for i in range(every) for c in fb.candidates(ex, [ended], dropped=0)]
    assert said == ["praise"]
    assert fb.candidates(ex, [], dropped=DROPS_BEFORE_CUE - 1) == []
    cue = fb.candidates(ex, [], dropped=DROPS_BEFORE_CUE)
    assert [c.message["en"] for c in cue] == ["Jump your feet out as your arms go up."]
