"""The phase machine on synthetic measure sequences: tables of inputs and expected events."""
from __future__ import annotations

import math

import numpy as np
import pytest

from coach.reps import RepCounter
from coach.rules.loader import parse_text

RULES = """
schema = 1
[exercise]
id = "t"
name = "t"
version = "1"
views = ["side"]
[measures]
a = {{ joint = ["left_shoulder", "left_elbow", "left_wrist"] }}
[rep]
min_rep_s = 0.8
max_rep_s = 8.0
{extra}
[[rep.phases]]
name = "down"
enter = {{ measure = "a", above = 150 }}
hold_s = 0.1
[[rep.phases]]
name = "going"
enter = {{ measure = "a", below = 130 }}
hold_s = 0.1
[[rep.phases]]
name = "up"
enter = {{ measure = "a", below = 60 }}
hold_s = 0.1
[[rep.phases]]
name = "back"
enter = {{ measure = "a", above = 80 }}
hold_s = 0.1
"""

FPS = 30.0


def counter(extra: str = "") -> RepCounter:
    ex, problems = parse_text(RULES.format(extra=extra), "t.toml")
    assert not problems, problems
    return RepCounter(ex.rep)


def wave(reps: int, period_s: float = 2.0, lo: float = 40.0, hi: float = 170.0, lead_s: float = 1.0,
         depth: float = 1.0) -> np.ndarray:
    """Cosine reps: hi at rest, down to hi - depth*(hi-lo) at the middle of each rep."""
    t = np.arange(int((lead_s * 2 + reps * period_s) * FPS)) / FPS
    x = np.full_like(t, hi)
    inside = (t >= lead_s) & (t < lead_s + reps * period_s)
    phase = (t[inside] - lead_s) / period_s * 2 * math.pi
    x[inside] = hi - depth * (hi - lo) * (1 - np.cos(phase)) / 2
    return x


def run(c: RepCounter, xs) -> list:
    events = []
    for i, x in enumerate(xs):
        events += c.step(i / FPS, {"a": float(x)})
    events += c.finish(len(xs) / FPS)
    return events


def kinds(events, kind):
    return [e for e in events if e.kind == kind]


@pytest.mark.parametrize("reps,period", [(1, 2.0), (3, 2.0), (5, 1.2), (4, 4.0)])
def test_counts_clean_reps(reps, period):
    events = run(counter(), wave(reps, period))
    assert len(kinds(events, "rep")) == reps
    assert kinds(events, "incomplete") == []


@pytest.mark.parametrize("noise_deg", [2.0, 5.0, 8.0])
def test_noise_near_thresholds_does_not_add_reps(noise_deg):
    rng = np.random.default_rng(1)
    xs = wave(4) + rng.normal(0, noise_deg, len(wave(4)))
    assert len(kinds(run(counter(), xs), "rep")) == 4


def test_dropouts_never_advance_and_reps_still_count():
    xs = wave(3)
    xs[45:52] = np.nan      # dropout mid-way down in rep 1 (t = 1.5-1.73 s)
    xs[100:104] = np.nan    # dropout near the bottom of rep 2
    assert len(kinds(run(counter(), xs), "rep")) == 3


def test_unknown_only_never_counts():
    assert run(counter(), np.full(300, np.nan)) == []


def test_a_rep_made_only_of_unknown_at_the_bottom_does_not_count():
    xs = wave(1)
    xs[(xs < 130)] = np.nan   # nothing below 130 is ever seen
    assert kinds(run(counter(), xs), "rep") == []


@pytest.mark.parametrize("depth,expected_reps,expected_incomplete", [
    (1.0, 3, 0),      # full range
    (0.55, 0, 3),     # reaches "going" (below 130) but never "up" (below 60)
    (0.1, 0, 0),      # a twitch that never leaves "down": no attempt at all
])
def test_incomplete_reps(depth, expected_reps, expected_incomplete):
    events = run(counter(), wave(3, depth=depth))
    assert len(kinds(events, "rep")) == expected_reps
    inc = kinds(events, "incomplete")
    assert len(inc) == expected_incomplete
    assert all("did not reach 'up'" in e.reason for e in inc)


def test_too_fast_is_not_counted():
    events = run(counter(), wave(3, period_s=0.6))
    assert kinds(events, "rep") == []
    # the first bounce completes the cycle too quickly; the next ones are too quick even to
    # pass the phases' debounce and end as incomplete
    assert "quicker than 0.8 s" in kinds(events, "incomplete")[0].reason


def test_timeout_when_the_set_pauses_mid_rep():
    xs = np.concatenate([np.full(30, 170.0), np.linspace(170, 100, 15), np.full(int(10 * FPS), 100.0)])
    events = run(counter(), xs)
    assert [e.kind for e in events if e.kind in ("rep", "timeout")] == ["timeout"]


def test_rep_times_are_the_attempt_span():
    events = run(counter(), wave(2, period_s=2.0, lead_s=1.0))
    reps = kinds(events, "rep")
    # below 130 from 0.37 s into the rep; back above 150 at 1.74 s, plus the 0.1 s debounce
    assert reps[0].start_t == pytest.approx(1.0 + 0.37, abs=0.05)
    assert reps[0].t == pytest.approx(1.0 + 1.74 + 0.1, abs=0.05)


def test_stream_that_ends_on_the_way_back_counts_the_rep():
    xs = wave(2)
    cut = int((1.0 + 2.0 + 1.7) * FPS)  # in the second rep, after the bottom, below 150
    assert len(kinds(run(counter(), xs[:cut]), "rep")) == 2
    cut_early = int((1.0 + 2.0 + 0.9) * FPS)  # second rep still at the bottom: not counted
    assert len(kinds(run(counter(), xs[:cut_early]), "rep")) == 1


HOLD = """
[rep.hold]
phase = "up"
seconds = 2.0
message = "Hold it longer."
"""


def hold_wave(holds: list[float]) -> np.ndarray:
    xs = [np.full(30, 170.0)]
    for h in holds:
        xs += [np.linspace(170, 40, 15), np.full(int(h * FPS), 40.0), np.linspace(40, 170, 15), np.full(30, 170.0)]
    return np.concatenate(xs)


@pytest.mark.parametrize("holds,reps,short", [
    ([3.0, 3.0], 2, 0),
    ([3.0, 1.0, 3.0], 2, 1),
    ([0.5], 0, 1),
    ([40.0], 1, 0),    # one long hold is one rep (and no timeout after it counted)
])
def test_isometric_holds(holds, reps, short):
    # max_rep_s is 8 s in RULES: the 40 s hold outlasts it, and once counted it must not time out
    events = run(counter(HOLD), hold_wave(holds))
    assert len(kinds(events, "rep")) == reps
    inc = kinds(events, "incomplete")
    assert len(inc) == short
    assert all(e.message == {"en": "Hold it longer."} for e in inc)
    assert kinds(events, "timeout") == []


def test_hold_counts_when_reached_not_when_released():
    events = run(counter(HOLD), hold_wave([3.0]))
    rep = kinds(events, "rep")[0]
    assert rep.t == pytest.approx(1.0 + 0.5 + 2.0, abs=0.25)


def test_hold_timer_pauses_on_unknown():
    xs = hold_wave([3.0])
    xs[50:85] = np.nan     # 1.2 s of the 3 s hold unseen: only ~1.8 s of evidence
    events = run(counter(HOLD), xs)
    assert kinds(events, "rep") == []
