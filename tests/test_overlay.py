"""Issue 11, readable from two metres: the overlay at 1280x720 (rep count and set progress, the
rep's bar toward its target, the hold ring, the measured joint coloured by form, one cue banner
coloured by severity, no internal names), Spanish without replacement glyphs, and the engine's
``progress`` (a fraction of the member's own target, reaching 1 on every counted rep)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coach.engine import Coach
from coach.library import exercise_ids, find_exercise, pipeline_params
from coach.messages import MESSAGES, OVERLAY
from coach.render import BAR_FILL, FORM_COLOUR, GOOD, SEVERITY_BG, _font_path, draw_overlay, fit
from coach.rules.schema import text
from coach.types import Cue
from devkit.motions import SCRIPTS

PARAMS = pipeline_params()
GREY = 90  # canvas value: no overlay colour is this grey


def squat_results():
    coach = Coach(find_exercise("squat"), PARAMS)
    poses = SCRIPTS["squat"].poses(seed=0)
    return [coach.step(p, i / 30.0, i) for i, p in enumerate(poses)], poses


@pytest.fixture(scope="module")
def results():
    return squat_results()[0]


def test_progress_reaches_one_on_every_counted_rep_and_is_unknown_without_a_pose(results):
    best, reps_seen = 0.0, 0
    for r in results:
        if r.pose is None:
            assert r.progress is None
            continue
        if r.progress is not None:
            assert 0.0 <= r.progress <= 1.0
            best = max(best, r.progress)
        if r.reps > reps_seen:  # a rep was counted on this frame: its attempt reached the target
            assert best == 1.0, f"rep {r.reps}"
            reps_seen, best = r.reps, 0.0
    assert reps_seen == SCRIPTS["squat"].reps == 4
    # standing still before the first squat: no rest known yet, no bar
    assert [r.progress for r in results[:15]] == [None] * 15
    first = next(i for i, r in enumerate(results) if r.reps == 1)
    after = [r.progress for r in results[first:] if r.progress is not None]
    assert min(after) < 0.05  # back at rest between squats: an empty bar


def _canvas():
    return np.full((720, 1280, 3), GREY, np.uint8)


def _frame_result(results, **kw):
    r = next(r for r in results if r.display_measure is not None and r.progress is not None
             and 0.3 < r.progress < 0.7)
    return replace(r, **kw)


def test_internal_names_never_reach_the_screen(results):
    r = _frame_result(results, current_cue=None)
    plain = draw_overlay(_canvas(), replace(r, view=None, view_ok=None, phase=None), "Squat", set_target=10)
    shown = draw_overlay(_canvas(), replace(r, view="oblique", view_ok=False, phase="down"), "Squat", set_target=10)
    assert np.array_equal(plain, shown)


def test_measured_joint_is_ringed_in_the_colour_of_the_form(results):
    r = _frame_result(results)
    x, y = (int(v) for v in r.display_measure[2])
    good = draw_overlay(_canvas(), replace(r, current_cue=None))
    assert tuple(good[y, x + 30]) == GOOD  # on the ring (radius 30 px at 720p)
    cue = Cue("Knees out.", "Knees out.", "warning", r.t, r.t + 3, "knees_in")
    warned = draw_overlay(_canvas(), replace(r, current_cue=cue))
    assert tuple(warned[y, x + 30]) == FORM_COLOUR["warning"]
    praise = Cue("Good reps.", "Good reps.", "info", r.t, r.t + 3, "praise")  # not a form verdict
    assert tuple(draw_overlay(_canvas(), replace(r, current_cue=praise))[y, x + 30]) == GOOD


@pytest.mark.parametrize("severity", ["info", "tip", "warning", "stop"])
def test_one_cue_banner_coloured_by_severity(results, severity):
    r = _frame_result(results)
    cue = Cue("Move so the camera can see your ankles.", "x", severity, r.t, r.t + 3, "setup")
    img = draw_overlay(_canvas(), replace(r, current_cue=cue, pose=None, display_measure=None, progress=None))
    expected = (np.full(3, GREY, np.float64) * 0.15 + np.array(SEVERITY_BG[severity]) * 0.85).astype(np.uint8)
    assert tuple(img[715, 5]) == tuple(expected)  # the banner's corner, under no text
    assert tuple(img[600, 640]) == (GREY,) * 3  # the banner is one band at the bottom, not the picture


def test_rep_count_is_big_and_the_bar_shows_this_rep(results):
    r = _frame_result(results, current_cue=None)
    img = draw_overlay(_canvas(), replace(r, reps=7), "Squat", set_target=10)
    panel = img[:230, :280]
    rows = np.where((panel > 240).all(axis=2).any(axis=1))[0]
    assert rows.max() - rows.min() >= 100  # the digit alone (white) is over 100 px tall at 720p
    # the set: 7 of 10 segments lit
    seg_row = img[200:215, 20:260]
    lit = (seg_row == GOOD).all(axis=2).any(axis=0)
    runs = np.diff(np.concatenate([[0], lit.astype(int), [0]]))
    assert int((runs == 1).sum()) == 7
    # the rep bar (right edge): filled in proportion to progress, from the bottom
    col = img[:, 1280 - 57]
    filled = int((col == BAR_FILL).all(axis=1).sum())
    assert filled == pytest.approx(r.progress * (720 - 200 - 170), abs=2)


def test_hold_ring_fills_with_the_hold(results):
    r = _frame_result(results, current_cue=None, hold_target_s=4.0)
    half = draw_overlay(_canvas(), replace(r, hold_elapsed_s=2.0))
    full = draw_overlay(_canvas(), replace(r, hold_elapsed_s=4.0))
    cx, cy, rad = 640, 110, 78
    assert tuple(half[cy - rad, cx]) == GOOD  # the arc starts at 12 o'clock
    assert tuple(half[cy, cx + rad]) == GOOD  # a quarter
    assert tuple(half[cy, cx - rad]) != GOOD  # three quarters: not yet at half time
    assert tuple(full[cy, cx - rad]) == GOOD


def test_overlay_scales_with_the_window(results):
    r = _frame_result(results, current_cue=None)
    small, k, off = fit(np.full((360, 640, 3), GREY, np.uint8), (1920, 1080))
    assert small.shape == (1080, 1920, 3) and k == 3.0 and off == (0, 0)
    img = draw_overlay(small, replace(r, reps=3), "Squat", xy_scale=k)
    rows = np.where((img[:345, :420] > 240).all(axis=2).any(axis=1))[0]
    assert rows.max() - rows.min() >= 150  # 1.5x the 720p size
    letter, k2, off2 = fit(np.zeros((720, 406, 3), np.uint8), (1280, 720))  # a portrait phone video
    assert k2 == 1.0 and off2 == (437, 0) and letter[:, :437].max() == 25


def test_spanish_and_english_text_has_every_glyph():
    from matplotlib.ft2font import FT2Font
    charmap = FT2Font(_font_path()).get_charmap()
    texts = [t for table in (OVERLAY, MESSAGES) for d in table.values() for t in d.values()]
    for ex_id in exercise_ids():
        ex = find_exercise(ex_id)
        texts += [text(ex.name, lang) for lang in ("en", "es")]
        for c in ex.checks:
            texts += [text(c.message, lang) for lang in ("en", "es")]
    missing = sorted({ch for t in texts for ch in t if ch.strip() and ord(ch) not in charmap})
    assert missing == [] and any("ó" in t for t in texts) and any("°" in t for t in texts)
