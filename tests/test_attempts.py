"""AttemptCounter ([rep.range]) on hand-made 1-D signals: exact expected events and values.

Signals are sampled at 30 fps on a frame grid; piecewise-linear knots sit on frames, so the
far ends and returns are sampled exactly and reached/target values can be compared exactly.
The rule numbers mirror exercises/bicep_curl.toml: elbow from 165 (straight) toward 45.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pytest

from coach.attempts import BACK, FAR, AttemptCounter, Personal
from coach.rules.schema import Condition, Hold, Phase, RangeSpec, RepSpec

FPS = 30.0
REST_DEG = 165.0
FAR_DEG = 45.0
FULL = REST_DEG - FAR_DEG  # 120 deg: a textbook curl

MIN_TRAVEL = 40.0
MAX_TRAVEL = 100.0
NOISE = 8.0
COUNT_AT = 0.7
RETURN_AT = 0.7
MAX_REP_S = 8.0

NAMES = ("extended", "curling", "flexed", "lowering")


def th(measure: str, above: Optional[float] = None, below: Optional[float] = None) -> Condition:
    return Condition("threshold", measure=measure, above=above, below=below)


# The phases' own conditions do not drive an AttemptCounter (they only name its stages), but
# they are what a rule file would have.
PHASES = (Phase("extended", th("elbow", above=140)), Phase("curling", th("elbow", below=125)),
          Phase("flexed", th("elbow", below=80)), Phase("lowering", th("elbow", above=100)))


def curl_spec(**range_kw) -> RepSpec:
    kw = dict(measure="elbow", toward="down", min_travel=MIN_TRAVEL, max_travel=MAX_TRAVEL, noise=NOISE,
              count_at=COUNT_AT, return_at=RETURN_AT)
    kw.update(range_kw)
    return RepSpec(phases=PHASES, min_rep_s=0.8, max_rep_s=MAX_REP_S,
                   incomplete_message={"en": "Curl all the way up."}, range=RangeSpec(**kw))


# ----------------------------------------------------------------------------- signals
def sampled(knots) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-linear signal through (time s, value) knots, sampled at FPS from 0 to the last knot."""
    ts = np.array([k[0] for k in knots], dtype=float)
    vs = np.array([k[1] for k in knots], dtype=float)
    t = np.arange(int(round(ts[-1] * FPS)) + 1) / FPS
    return t, np.interp(t, ts, vs)


def strokes(moves, hi: float = REST_DEG, lead_s: float = 1.0, leg_frames: int = 24, pause_frames: int = 15,
            tail_s: float = 1.0) -> list[tuple[float, float]]:
    """Knots: rest at ``hi`` for lead_s, then for each (far, back_to) a leg of leg_frames to ``far``, a
    leg to ``back_to``, a pause there; then tail_s more. Knots lie on frames."""
    k = [(0.0, hi), (lead_s, hi)]
    f = int(round(lead_s * FPS))
    for far, back in moves:
        f += leg_frames
        k.append((f / FPS, far))
        f += leg_frames
        k.append((f / FPS, back))
        f += pause_frames
        k.append((f / FPS, back))
    k.append((f / FPS + tail_s, k[-1][1]))
    return k


def full_reps(n: int, **kw) -> list[tuple[float, float]]:
    return strokes([(FAR_DEG, REST_DEG)] * n, **kw)


def cosine_reps(n: int, period_s: float, hi: float = REST_DEG, lo: float = FAR_DEG, lead_s: float = 1.0,
                pause_s: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Cosine reps: hi at rest, lo at the middle of each rep, pause_s at rest between reps."""
    total = lead_s + n * (period_s + pause_s) + 1.0
    t = np.arange(int(total * FPS)) / FPS
    x = np.full_like(t, hi)
    for i in range(n):
        t0 = lead_s + i * (period_s + pause_s)
        inside = (t >= t0) & (t < t0 + period_s)
        x[inside] = hi - (hi - lo) * (1 - np.cos((t[inside] - t0) / period_s * 2 * math.pi)) / 2
    return t, x


def run(counter: AttemptCounter, t, x, measure: str = "elbow", extra=None, trace=None) -> list:
    """Step every frame (extra: name -> per-frame array of other measures), then finish.
    trace, if a list, receives (t, stage, phase_name, count, in_rep) after every frame."""
    events = []
    for i, (ti, xi) in enumerate(zip(t, x)):
        values = {measure: float(xi)}
        for name, arr in (extra or {}).items():
            values[name] = float(arr[i])
        events += counter.step(float(ti), values)
        if trace is not None:
            trace.append((float(ti), counter.stage, counter.phase_name, counter.count, counter.in_rep))
    events += counter.finish(float(t[-1]) + 1 / FPS)
    return events


def kinds(events, *ks) -> list:
    return [e for e in events if e.kind in ks]


def outcome(events) -> list[str]:
    """The decisions only: rep / incomplete / timeout, in order."""
    return [e.kind for e in events if e.kind in ("rep", "incomplete", "timeout")]


# ----------------------------------------------------------------------------- 1. clean reps
@pytest.mark.parametrize("leg_frames,pause_frames", [(24, 15), (15, 6), (45, 30)])
def test_clean_full_reps_all_count(leg_frames, pause_frames):
    t, x = sampled(full_reps(5, leg_frames=leg_frames, pause_frames=pause_frames))
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 5
    assert c.count == 5
    assert c.attempts == 5
    reps = kinds(events, "rep")
    assert [e.rep_index for e in reps] == [1, 2, 3, 4, 5]
    assert all(e.reached == pytest.approx(FAR_DEG) for e in reps)
    # the member's own scale is learnt from the counted reps
    assert c.learnt_range == pytest.approx(FULL)
    assert c.learnt_rest == pytest.approx(REST_DEG)
    assert c.required == pytest.approx(COUNT_AT * FULL)          # 84 deg, within [40, 100]
    assert c.count_point() == pytest.approx(REST_DEG - COUNT_AT * FULL)  # 81 deg


@pytest.mark.parametrize("period_s", [1.2, 2.0, 4.0])
def test_clean_cosine_reps_all_count(period_s):
    t, x = cosine_reps(5, period_s)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 5
    assert c.learnt_range == pytest.approx(FULL, abs=0.5)  # the sampled minimum is within a frame of 45


def test_reps_count_when_the_far_end_is_reached_on_the_way_back():
    t, x = sampled(full_reps(3))
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    # return_at = 0.7 of the way back: 45 + 0.7 * 120 = 129 deg; the rep is decided there, not at 165
    for rep in kinds(events, "rep"):
        i = int(round(rep.t * FPS))
        assert x[i] >= FAR_DEG + RETURN_AT * FULL - 1e-9
        assert x[i - 1] < FAR_DEG + RETURN_AT * FULL


# ----------------------------------------------------------------------------- 2. self-calibration
def test_member_with_60_percent_of_the_textbook_range_counts_every_rep():
    small_far = REST_DEG - 72.0  # 93 deg: 60 % of the textbook 120
    t, x = sampled(strokes([(small_far, REST_DEG)] * 5))
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 5
    assert c.learnt_range == pytest.approx(72.0)
    assert c.required == pytest.approx(COUNT_AT * 72.0)  # 50.4: judged on the member's own range
    assert c.count_point() == pytest.approx(REST_DEG - COUNT_AT * 72.0)  # 114.6 deg


def test_personal_range_judges_the_first_rep():
    personal = Personal(rest=REST_DEG, range=72.0)
    c = AttemptCounter(curl_spec(), personal=personal)
    # before any frame: the profile's range is the member's range
    assert c.range == pytest.approx(72.0)
    assert c.required == pytest.approx(COUNT_AT * 72.0)  # 50.4, inside [40, 100]
    assert c.count_point() == pytest.approx(REST_DEG - COUNT_AT * 72.0)  # 114.6 deg
    t, x = sampled(strokes([(REST_DEG - 72.0, REST_DEG)] * 5))
    assert outcome(run(c, t, x)) == ["rep"] * 5


def test_personal_range_rejects_a_first_stroke_the_default_would_count():
    """A 45-deg first stroke (165 -> 120) passes min_travel (40) without a profile, but is short of
    the profile's count point 165 - 0.7 * 72 = 114.6."""
    t, x = sampled(strokes([(120.0, REST_DEG)]))
    plain = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(plain) == ["rep"]
    c = AttemptCounter(curl_spec(), personal=Personal(rest=REST_DEG, range=72.0))
    events = run(c, t, x)
    assert outcome(events) == ["incomplete"]
    inc = kinds(events, "incomplete")[0]
    assert inc.reason.startswith("short")
    assert inc.reached == pytest.approx(120.0)
    assert inc.target == pytest.approx(REST_DEG - COUNT_AT * 72.0)
    assert c.count == 0


# ----------------------------------------------------------------------------- 3. bounds
@pytest.mark.parametrize("personal_range,expected", [
    (72.0, COUNT_AT * 72.0),   # inside the bounds: count_at of the range
    (200.0, MAX_TRAVEL),       # 0.7 * 200 = 140 > max_travel: capped
    (1000.0, MAX_TRAVEL),
    (20.0, MIN_TRAVEL),        # 0.7 * 20 = 14 < min_travel: raised
    (1.0, MIN_TRAVEL),
])
def test_required_stays_within_the_therapists_bounds(personal_range, expected):
    c = AttemptCounter(curl_spec(), personal=Personal(rest=REST_DEG, range=personal_range))
    assert c.required == pytest.approx(expected)
    assert MIN_TRAVEL <= c.required <= MAX_TRAVEL


def test_required_stays_within_bounds_while_learning():
    """Learnt ranges are bounded the same way: 150-deg reps ask for 100, 50-deg reps for 40."""
    t, x = sampled(strokes([(15.0, REST_DEG)] * 3))   # 150 deg of travel
    big = AttemptCounter(curl_spec())
    assert outcome(run(big, t, x)) == ["rep"] * 3
    assert big.learnt_range == pytest.approx(150.0)
    assert big.required == pytest.approx(MAX_TRAVEL)
    t, x = sampled(strokes([(115.0, REST_DEG)] * 3))  # 50 deg: 0.7 * 50 = 35 < 40
    small = AttemptCounter(curl_spec())
    assert outcome(run(small, t, x)) == ["rep"] * 3
    assert small.required == pytest.approx(MIN_TRAVEL)


def test_huge_personal_range_still_counts_a_stroke_past_max_travel():
    # 110 deg of travel: short of 0.7 * 200 = 140, past the max_travel bound of 100
    t, x = sampled(strokes([(55.0, REST_DEG)] * 3))
    c = AttemptCounter(curl_spec(), personal=Personal(rest=REST_DEG, range=200.0))
    assert outcome(run(c, t, x)) == ["rep"] * 3


@pytest.mark.parametrize("personal", [None, Personal(rest=REST_DEG, range=20.0), Personal(rest=REST_DEG, range=35.0),
                                      Personal(rest=130.0, range=35.0)])
def test_a_stroke_below_min_travel_never_counts(personal):
    """35-deg strokes (165 -> 130) are below min_travel = 40 whatever the profile says."""
    t, x = sampled(strokes([(130.0, REST_DEG)] * 6))
    c = AttemptCounter(curl_spec(), personal=personal)
    events = run(c, t, x)
    assert c.count == 0
    assert kinds(events, "rep") == []
    incs = kinds(events, "incomplete")
    assert len(incs) == 6  # 35 deg is more than half of min_travel: each is a short attempt, said
    assert all(e.reason.startswith("short") for e in incs)
    assert all(e.reached == pytest.approx(130.0) for e in incs)


# ----------------------------------------------------------------------------- 4. partial rep
def test_partial_rep_among_full_reps_is_one_short_incomplete():
    half = REST_DEG - 0.5 * FULL  # 105 deg
    t, x = sampled(strokes([(FAR_DEG, REST_DEG)] * 4 + [(half, REST_DEG)]))
    c = AttemptCounter(curl_spec(short_message={"en": "All the way up."}))
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 4 + ["incomplete"]
    assert c.count == 4
    inc = kinds(events, "incomplete")[0]
    assert inc.reason.startswith("short")
    assert inc.reached == pytest.approx(half)                       # 105 deg, the measure's own unit
    assert inc.target == pytest.approx(REST_DEG - COUNT_AT * FULL)  # 165 - 0.7 * 120 = 81 deg
    assert inc.message == {"en": "All the way up."}
    assert inc.rep_index == 4
    # said when the stroke turns back (by the turn, max(8, 0.2 * 120) = 24 deg), not at rest
    i = int(round(inc.t * FPS))
    assert x[i] == pytest.approx(half + 0.2 * FULL, abs=5.0 + 1e-9)  # within a frame (5 deg)
    assert kinds(events, "cycle")[-1].t < inc.t  # no cycle for a short attempt


def test_partial_rep_uses_incomplete_message_without_short_message():
    t, x = sampled(strokes([(FAR_DEG, REST_DEG)] * 3 + [(105.0, REST_DEG)]))
    inc = kinds(run(AttemptCounter(curl_spec()), t, x), "incomplete")
    assert len(inc) == 1
    assert inc[0].message == {"en": "Curl all the way up."}


# ----------------------------------------------------------------------------- 5. not returning
def _not_returning(n_before: int, personal=None):
    """n_before full reps, then a rep that comes back only to 93 deg (40 % of the way) and goes out
    again into a full rep that returns home, then one more full rep."""
    back_to = FAR_DEG + 0.4 * FULL  # 93 deg
    moves = [(FAR_DEG, REST_DEG)] * n_before + [(FAR_DEG, back_to), (FAR_DEG, REST_DEG), (FAR_DEG, REST_DEG)]
    t, x = sampled(strokes(moves))
    c = AttemptCounter(curl_spec(return_message={"en": "Straighten fully."}), personal=personal)
    return c, run(c, t, x), t, x


@pytest.mark.parametrize("n_before,personal", [
    (3, None),
    (4, None),
    (1, Personal(rest=REST_DEG, range=FULL)),
    # before MIN_STARTS counted reps: the rep after the non-return is measured from the most
    # rest-ward counted start, not from the 93 deg it started at
    (1, None),
    (2, None),
])
def test_not_returning_is_incomplete_and_the_next_rep_still_counts(n_before, personal):
    c, events, t, x = _not_returning(n_before, personal)
    assert outcome(events) == ["rep"] * n_before + ["incomplete", "rep", "rep"]
    assert c.count == n_before + 2  # the partial is not counted, the one after it is
    inc = kinds(events, "incomplete")[0]
    assert inc.reason.startswith("did not return")
    assert inc.reached == pytest.approx(FAR_DEG + 0.4 * FULL)             # came back to 93 deg
    assert inc.target == pytest.approx(FAR_DEG + RETURN_AT * FULL)        # had to come back to 129 deg
    assert inc.message == {"en": "Straighten fully."}
    assert inc.rep_index == n_before
    # the rep after it is a new attempt: it starts after the partial's start, not merged with it
    nxt = kinds(events, "rep")[n_before]
    assert inc.start_t < nxt.start_t < inc.t
    assert x[int(round(nxt.start_t * FPS))] == pytest.approx(FAR_DEG + 0.4 * FULL)  # from the 93-deg low


def test_not_returning_twice_in_a_row_counts_neither():
    back_to = FAR_DEG + 0.4 * FULL
    moves = [(FAR_DEG, REST_DEG)] * 3 + [(FAR_DEG, back_to), (FAR_DEG, back_to), (FAR_DEG, REST_DEG)]
    t, x = sampled(strokes(moves))
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 3 + ["incomplete", "incomplete", "rep"]
    assert all(e.reason.startswith("did not return") for e in kinds(events, "incomplete"))
    assert c.count == 4


# ----------------------------------------------------------------------------- 6. unknown values
def _nan_times(t, x) -> set[float]:
    return {round(float(ti), 6) for ti, xi in zip(t, x) if math.isnan(xi)}


def test_far_end_unseen_is_not_counted_and_nan_frames_say_nothing():
    t, x = sampled(full_reps(4))
    x = x.copy()
    third = (t > 1.0 + 2 * 63 / FPS) & (t < 1.0 + 3 * 63 / FPS)  # the third rep's frames
    x[third & (x < 130.0)] = np.nan                             # nothing below 130 is seen
    trace: list = []
    c = AttemptCounter(curl_spec())
    events = run(c, t, x, trace=trace)
    nan_t = _nan_times(t, x)
    assert len(nan_t) > 20
    assert [e for e in events if round(e.t, 6) in nan_t] == []
    # nothing changes while unknown: stage, phase and count are those of the last known frame
    for (_, st0, ph0, n0, _), (t1, st1, ph1, n1, _) in zip(trace, trace[1:]):
        if round(t1, 6) in nan_t:
            assert (st1, ph1, n1) == (st0, ph0, n0), t1
    assert c.count == 3  # reps 1, 2 and 4; the third was seen only down to 130 deg
    reps = kinds(events, "rep")
    assert len(reps) == 3
    third_t = (1.0 + 2 * 63 / FPS, 1.0 + 3 * 63 / FPS)
    assert not any(third_t[0] <= e.t <= third_t[1] for e in reps)
    # whatever is said about it only uses what was seen
    for e in kinds(events, "incomplete"):
        assert e.reached >= 130.0 - 1e-9


def test_dropouts_mid_rep_do_not_stop_counting():
    t, x = sampled(full_reps(3))
    x = x.copy()
    x[38:44] = np.nan    # on the way out of rep 1
    x[110:118] = np.nan  # on the way back of rep 2
    events = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(events) == ["rep"] * 3
    nan_t = _nan_times(t, x)
    assert [e for e in events if round(e.t, 6) in nan_t] == []


def test_unknown_only_says_nothing():
    t = np.arange(300) / FPS
    c = AttemptCounter(curl_spec())
    assert run(c, t, np.full(300, np.nan)) == []
    assert c.stage is None and c.count == 0


def test_unknown_does_not_run_the_hold_clock():
    t, x = sampled(hold_strokes([3.0]))
    plain = kinds(run(AttemptCounter(hold_spec()), t, x, measure="hip"), "rep")
    x = x.copy()
    unseen = (t > 1.8) & (t < 3.3)  # 1.5 s of the hold unseen
    x[unseen] = np.nan
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    reps = kinds(events, "rep")
    assert len(plain) == 1 and len(reps) == 1
    assert reps[0].t - plain[0].t == pytest.approx(unseen.sum() / FPS, abs=1.5 / FPS)


# ----------------------------------------------------------------------------- 7. timeout
def test_attempt_that_stays_out_too_long_times_out():
    knots = [(0, REST_DEG), (1.0, REST_DEG), (1.8, FAR_DEG), (11.8, FAR_DEG), (12.6, REST_DEG), (13.6, REST_DEG)]
    t, x = sampled(knots)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["timeout"]
    to = kinds(events, "timeout")[0]
    assert to.reason.startswith(f"slower than {MAX_REP_S:g} s")
    assert to.reached == pytest.approx(FAR_DEG)
    # the movement began at 1.0 s; the attempt starts at the last frame within `noise` of rest
    # (one frame later at 150 deg/s): the timeout comes max_rep_s after that
    assert to.start_t == pytest.approx(1.0 + 1 / FPS)
    assert to.t <= to.start_t + MAX_REP_S + 1 / FPS + 1e-9
    assert to.t > MAX_REP_S
    assert c.count == 0
    assert c.phase_name == "extended"  # the set paused: back to the first phase
    assert not c.in_rep


def test_after_a_timeout_the_next_full_rep_counts():
    knots = [(0, REST_DEG), (1.0, REST_DEG), (1.8, FAR_DEG), (11.8, FAR_DEG), (12.6, REST_DEG), (13.6, REST_DEG)]
    knots += [(k[0] + 13.6, k[1]) for k in full_reps(2, lead_s=0.0)[1:]]
    t, x = sampled(knots)
    c = AttemptCounter(curl_spec())
    assert outcome(run(c, t, x)) == ["timeout", "rep", "rep"]
    assert c.count == 2


@pytest.mark.parametrize("where", ["before the first rep", "between reps"])
def test_timeout_clock_starts_when_the_attempt_starts(where):
    if where == "before the first rep":
        t, x = sampled(full_reps(2, lead_s=12.0))
        move_t = 12.0
    else:
        first = full_reps(2)
        end = first[-1][0]
        knots = first + [(end + 10.0, REST_DEG)] + [(k[0] + end + 10.0, k[1]) for k in full_reps(2, lead_s=0.0)[1:]]
        t, x = sampled(knots)
        move_t = end + 10.0
    events = run(AttemptCounter(curl_spec()), t, x)
    assert kinds(events, "timeout") == []
    assert outcome(events) == ["rep"] * (2 if where == "before the first rep" else 4)
    first_after = [e for e in kinds(events, "rep") if e.t > move_t][0]
    assert first_after.start_t >= move_t - 0.5


# ----------------------------------------------------------------------------- 8. holds
HOLD_MSG = {"en": "Hold it longer."}
HOLD_LO, HOLD_HI = 100.0, 140.0  # a hip opening 40 deg, toward "up"


def hold_spec() -> RepSpec:
    phases = (Phase("down", th("hip", below=110)), Phase("up", th("hip", above=125)))
    return RepSpec(phases=phases, min_rep_s=0.8, max_rep_s=20.0, hold=Hold(phase="up", seconds=2.0, message=HOLD_MSG),
                   range=RangeSpec(measure="hip", toward="up", min_travel=15.0, max_travel=40.0, noise=4.0))


def hold_strokes(holds, sag=None, ramp_frames: int = 15, rest_frames: int = 30) -> list[tuple[float, float]]:
    """Knots: rest at 100, then for each hold: up to 140 in ramp_frames, held ``h`` s, down, rest.
    sag = (at_s, depth, dur_s): within each hold, dip by depth deg at at_s into it (dur_s long)."""
    k = [(0.0, HOLD_LO), (1.0, HOLD_LO)]
    t = 1.0
    for h in holds:
        t += ramp_frames / FPS
        k.append((t, HOLD_HI))
        if sag is not None:
            at, depth, dur = sag
            k += [(t + at, HOLD_HI), (t + at + dur / 2, HOLD_HI - depth), (t + at + dur, HOLD_HI)]
        t += h
        k.append((t, HOLD_HI))
        t += ramp_frames / FPS
        k.append((t, HOLD_LO))
        t += rest_frames / FPS
        k.append((t, HOLD_LO))
    k.append((t + 1.0, HOLD_LO))
    return k


def test_a_long_enough_hold_counts_once_when_reached():
    t, x = sampled(hold_strokes([3.0]))
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    assert outcome(events) == ["rep"]
    rep = kinds(events, "rep")[0]
    # counted while held (2 s after passing the count point 115 at ~1.1 s), not at release (4.5 s)
    assert 3.0 <= rep.t <= 3.4
    assert rep.reached == pytest.approx(HOLD_HI)
    cycles = kinds(events, "cycle")
    assert len(cycles) == 1 and cycles[0].reason is None and cycles[0].t > 4.5


@pytest.mark.parametrize("sag", [
    (1.0, 6.0, 0.4),   # before the count, smaller than the turn (max(4, 0.2 * 40) = 8)
    (2.5, 6.0, 0.4),   # after the count, smaller than the turn
    (0.5, 20.0, 0.6),  # before the count, larger than the turn, not back to the return point (112)
    (2.5, 20.0, 0.6),  # after the count, larger than the turn
])
def test_a_hold_that_sags_and_comes_back_up_is_still_one_rep(sag):
    t, x = sampled(hold_strokes([3.0], sag=sag))
    trace: list = []
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip", trace=trace)
    assert outcome(events) == ["rep"]
    assert c.count == 1
    stages = [s for (_, s, _, _, _) in trace]
    if sag[1] > 8.0:  # the large sag really turned the stroke (so the test is not vacuous)
        i = stages.index(BACK)
        assert FAR in stages[i:]
    else:
        assert BACK not in stages[:stages.index(FAR) + int(3.0 * FPS)]


def test_a_short_hold_is_incomplete():
    t, x = sampled(hold_strokes([1.0]))
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    assert outcome(events) == ["incomplete"]
    inc = kinds(events, "incomplete")[0]
    assert inc.reason.startswith("held")
    assert inc.message == HOLD_MSG
    assert c.count == 0
    assert kinds(events, "cycle")[0].reason == "not counted"


def test_a_hold_whose_top_was_out_of_view_decides_nothing():
    """glute_bridge__home-side-phone cropped: the knee leaves the picture at each top, so the hip
    angle is unknown through the hold. The second of three 3-s holds is unseen from 0.2 s into it
    until just before its end: it may have been held, so it is neither counted nor called "held
    0.0 s of 2 s" (it used to be, with the hold's message); the two holds seen are counted."""
    k = hold_strokes([3.0, 3.0, 3.0])
    t, x = sampled(k)
    x = x.copy()
    top = [kt for kt, v in k if v == HOLD_HI]
    x[(t > top[2] + 0.2) & (t < top[3] - 0.1)] = np.nan  # the second hold: 2.7 s of its 3 s unseen
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    assert outcome(events) == ["rep", "rep"]
    assert [e.reason for e in kinds(events, "cycle")] == [None, None]


def test_a_short_hold_under_way_when_the_stream_began_decides_nothing():
    """glute_bridge__home-side-phone cropped: the recording starts in the bridge, the first
    reading dips as the pose settles (132 -> 124 deg) and rises again (140): an attempt whose start
    was not seen. It comes down 0.6 s later: the member may have been up long before the stream
    began, so it is not "held 0.6 s of 2 s" (it used to be, with the hold's message). The full
    hold after it counts."""
    k = [(0.0, 132.0), (0.4, 124.0), (0.6, HOLD_HI), (1.2, HOLD_HI), (1.7, HOLD_LO), (3.0, HOLD_LO)]
    k += [(kt + 3.0, v) for kt, v in hold_strokes([3.0])[1:]]
    t, x = sampled(k)
    events = run(AttemptCounter(hold_spec()), t, x, measure="hip")
    assert outcome(events) == ["rep"]
    assert [e.reason for e in kinds(events, "cycle")] == [None]


def test_holds_in_a_set():
    t, x = sampled(hold_strokes([3.0, 1.0, 3.0]))
    events = run(AttemptCounter(hold_spec()), t, x, measure="hip")
    assert outcome(events) == ["rep", "incomplete", "rep"]
    assert kinds(events, "incomplete")[0].reason.startswith("held")


def test_hold_stages_use_the_two_phase_names():
    t, x = sampled(hold_strokes([3.0]))
    events = run(AttemptCounter(hold_spec()), t, x, measure="hip")
    assert [(e.kind, e.phase) for e in events if e.kind in ("start", "phase")] == [
        ("start", "down"), ("phase", "up"), ("phase", "down")]


# ----------------------------------------------------------------------------- 9. gate
FACING = th("facing", above=-0.5, below=0.5)


def _gated_run(facing_during_third: float):
    t, x = sampled(full_reps(4))
    facing = np.zeros_like(x)
    i0 = int(round((1.0 + 2 * 63 / FPS) * FPS)) + 10  # 10 frames into the third rep (elbow 115 deg)
    facing[i0:i0 + 10] = facing_during_third
    c = AttemptCounter(curl_spec(gate=FACING))
    trace: list = []
    events = run(c, t, x, extra={"facing": facing}, trace=trace)
    return c, events, t, i0, trace


def test_gate_false_drops_the_attempt_without_a_cue():
    c, events, t, i0, trace = _gated_run(1.0)
    assert trace[i0 - 1][4] is True      # in the third attempt just before the gate closes
    assert trace[i0][2] == "extended" and trace[i0][4] is False  # dropped at once
    assert outcome(events) == ["rep", "rep", "rep"]   # reps 1, 2 and 4
    assert kinds(events, "incomplete", "timeout") == []
    third = [e for e in events if t[i0] <= e.t < t[i0] + 2.0 and e.kind not in ("phase",)]
    assert third == []  # the rest of the dropped attempt (down to 45 and back) says nothing
    assert c.count == 3


def test_gate_unknown_is_not_false():
    c, events, _, _, _ = _gated_run(math.nan)
    assert outcome(events) == ["rep"] * 4


# ----------------------------------------------------------------------------- 10. events
def test_event_stream_matches_the_rep_counter_interface():
    t, x = sampled(full_reps(2))
    c = AttemptCounter(curl_spec(), side="left")
    events = run(c, t, x)
    assert events[0].kind == "start" and events[0].phase == "extended"
    assert [e.kind for e in events] == ["start", "phase", "phase", "phase", "rep", "cycle", "phase",
                                        "phase", "phase", "phase", "rep", "cycle", "phase"]
    assert [e.phase for e in events if e.kind == "phase"] == ["curling", "flexed", "lowering", "extended"] * 2
    assert all(e.side == "left" for e in events)
    for i, e in enumerate(events):
        if e.kind == "rep":
            nxt = events[i + 1]
            assert nxt.kind == "cycle" and nxt.reason is None and nxt.t == e.t
            assert e.start_t is not None and e.start_t < e.t
            assert e.t - e.start_t >= 0.8
    assert [e.rep_index for e in kinds(events, "rep")] == [1, 2]


def test_phase_name_follows_the_events():
    t, x = sampled(full_reps(2))
    c = AttemptCounter(curl_spec())
    seen = []
    for ti, xi in zip(t, x):
        evs = c.step(float(ti), {"elbow": float(xi)})
        for e in evs:
            if e.kind == "phase":
                assert e.phase == c.phase_name or e is not evs[-1]
        seen.append(c.phase_name)
    # the per-frame phase walks the 4 names in order, twice, without skipping or going back
    runs = [p for i, p in enumerate(seen) if i == 0 or p != seen[i - 1]]
    assert runs == ["extended"] + ["curling", "flexed", "lowering", "extended"] * 2


def test_rep_target_is_the_count_point_it_was_judged_against_when_known():
    """With a profile the count point is known before the rep: the rep's target is that value."""
    t, x = sampled(full_reps(1))
    c = AttemptCounter(curl_spec(), personal=Personal(rest=REST_DEG, range=FULL))
    before = c.count_point()
    rep = kinds(run(c, t, x), "rep")[0]
    assert rep.target == pytest.approx(before)  # 81 deg


def test_rep_target_is_what_the_rep_had_to_reach():
    t, x = sampled(full_reps(1))
    c = AttemptCounter(curl_spec(), personal=Personal(rest=REST_DEG, range=200.0))
    before = c.count_point()  # 165 - max_travel = 65 deg
    assert before == pytest.approx(REST_DEG - MAX_TRAVEL)
    rep = kinds(run(c, t, x), "rep")[0]
    assert rep.target == pytest.approx(before)


# ----------------------------------------------------------------------------- 11. jitter
SEEDS = range(5)


def _jitter(seed: int):
    rng = np.random.default_rng(seed)
    t = np.arange(int(10 * FPS)) / FPS
    return t, REST_DEG + rng.normal(0.0, NOISE / 3, len(t))


@pytest.mark.parametrize("seed", SEEDS)
def test_jitter_on_a_still_member_is_never_counted_or_cued(seed):
    t, x = _jitter(seed)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == []
    assert kinds(events, "cycle") == []
    assert c.count == 0


def test_jitter_on_a_still_member_starts_no_attempt():
    for seed in SEEDS:
        t, x = _jitter(seed)
        c = AttemptCounter(curl_spec())
        trace: list = []
        events = run(c, t, x, trace=trace)
        assert [e.kind for e in events] == ["start"], seed
        assert not any(r[4] for r in trace), seed
        assert c.attempts == 0, seed


# ----------------------------------------------------------------------------- 12. alternate sides
def _pair(small_travel: float, n: int = 5):
    t, xl = sampled(strokes([(REST_DEG - 100.0, REST_DEG)] * n))
    _, xr = sampled(strokes([(REST_DEG - small_travel, REST_DEG)] * n))
    left, right = AttemptCounter(curl_spec(), side="left"), AttemptCounter(curl_spec(), side="right")
    left.peer, right.peer = right, left
    ev_l, ev_r, in_rep_r = [], [], []
    for ti, a, b in zip(t, xl, xr):
        ev_l += left.step(float(ti), {"elbow": float(a)})
        ev_r += right.step(float(ti), {"elbow": float(b)})
        in_rep_r.append(right.in_rep)
    end = float(t[-1]) + 1 / FPS
    ev_l += left.finish(end)
    ev_r += right.finish(end)
    return left, right, ev_l, ev_r, in_rep_r, xr


@pytest.mark.parametrize("small_travel", [20.0, 30.0])
def test_alternate_supporting_side_is_not_counted_or_cued(small_travel):
    left, right, ev_l, ev_r, _, _ = _pair(small_travel)
    assert outcome(ev_l) == ["rep"] * 5
    assert outcome(ev_r) == []
    assert right.count == 0 and right.attempts == 0
    assert ev_r[0].kind == "start"


def test_unlinked_side_would_cue_the_30_deg_strokes():
    """Control for the peer test: without the link the 30-deg strokes are short attempts."""
    _, _, _, _, _, xr = _pair(30.0)
    t = np.arange(len(xr)) / FPS
    events = run(AttemptCounter(curl_spec(), side="right"), t, xr)
    assert outcome(events) == ["incomplete"] * 5


@pytest.mark.parametrize("small_travel", [20.0, 30.0])
def test_alternate_supporting_side_has_no_events_besides_start(small_travel):
    left, right, ev_l, ev_r, in_rep_r, _ = _pair(small_travel)
    assert [e.kind for e in ev_r] == ["start"]
    assert not any(in_rep_r)


def test_a_stream_that_starts_still_at_the_top_counts_the_way_down():
    """Starting still where the rule file's far phase holds (elbow below 80: a curl held at the
    top when the stream began) is not the member's rest: the way down is that rep's way back
    (reverse_fly__rear-delt-machine-rear opens its arms before the elbows are first seen)."""
    knots = [(0.0, FAR_DEG), (1.6, FAR_DEG), (2.6, REST_DEG), (3.6, REST_DEG)]
    t, x = sampled(knots + [(k[0] + 3.6, k[1]) for k in full_reps(1, lead_s=0.0)[1:]])
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep", "rep"]
    # counted once a full rep's way back (min_travel, the range not known yet) is seen: 120 deg/s
    assert [e.t for e in kinds(events, "rep")][0] == pytest.approx(1.6 + MIN_TRAVEL / 120.0, abs=1.5 / FPS)
    assert c.attempts == 2


def test_a_stream_that_starts_still_midway_is_at_rest():
    """Still at 100 deg (past the out phase, short of the far phase's 80): the member's rest,
    however bent; the stroke back to 165 is a move toward "rest", never a rep."""
    knots = [(0.0, 100.0), (1.6, 100.0), (2.6, REST_DEG), (3.6, REST_DEG)]
    t, x = sampled(knots + [(k[0] + 3.6, k[1]) for k in full_reps(1, lead_s=0.0)[1:]])
    assert outcome(run(AttemptCounter(curl_spec()), t, x)) == ["rep"]


def test_a_stream_that_starts_at_the_top_and_leaves_at_once_does_not_count_the_way_down():
    """Only the end of a rep done before the stream (not seen still at the top): not counted."""
    knots = [(0.0, FAR_DEG), (0.35, FAR_DEG), (1.4, REST_DEG), (2.4, REST_DEG)]
    t, x = sampled(knots + [(k[0] + 2.4, k[1]) for k in full_reps(1, lead_s=0.0)[1:]])
    assert outcome(run(AttemptCounter(curl_spec()), t, x)) == ["rep"]


@pytest.mark.parametrize("held_s", [2.6, 1.2])
def test_a_stream_that_starts_in_a_hold_does_not_count_it(held_s):
    """glute_bridge__home-side-phone starts with the hips up: neither the rise nor the start of
    that hold was seen, so the way down from it is the end of a rep done before the stream,
    not a rep, however long it was seen held (it used to count when seen held 2 s); nothing is
    said. The next rise and hold counts, measured from where the member came down to."""
    knots = [(0.0, HOLD_HI), (held_s, HOLD_HI), (held_s + 0.5, HOLD_LO)]
    tail = hold_strokes([3.0])
    t, x = sampled(knots + [(k[0] + held_s + 0.5, k[1]) for k in tail[1:]])
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    assert outcome(events) == ["rep"]
    assert c.attempts == 1
    assert kinds(events, "rep")[0].reached == pytest.approx(HOLD_HI)
    assert kinds(events, "rep")[0].target == pytest.approx(HOLD_LO + 15.0)  # min_travel from 100


@pytest.mark.parametrize("speed", [1.0, 1.5])
def test_holds_between_a_start_and_an_end_in_the_hold_count_the_same_at_any_speed(speed):
    """glute_bridge__home-side-phone and its slow variant: the stream starts held at the top
    (1.2 s), does three lowerings and rises, each held 2.5 s, and ends 0.9 s into a fourth hold
    (of 2 s). Played 1.5 x slower the first hold lasts 1.8 s and the last 1.35 s: the count must
    not depend on that. The rises are the reps: 4 at both speeds (it was 3 and 4)."""
    k = [(0.0, HOLD_HI), (1.2, HOLD_HI), (1.7, HOLD_LO), (2.2, HOLD_LO)]
    for _ in range(3):
        t0 = k[-1][0]
        k += [(t0 + 0.5, HOLD_HI), (t0 + 3.0, HOLD_HI), (t0 + 3.5, HOLD_LO), (t0 + 4.0, HOLD_LO)]
    t0 = k[-1][0]
    k += [(t0 + 0.5, HOLD_HI), (t0 + 1.4, HOLD_HI)]
    t, x = sampled([(a * speed, v) for a, v in k])
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    assert outcome(events) == ["rep"] * 4
    assert c.attempts == 4


# ----------------------------------------------------------------------------- robustness to variants
# Landmark-space variants of the dev clips (tools/eval_clips.py --augment) counted differently
# from the plain clip; each test below is one of those causes, on a hand-made signal.

def test_a_stream_starting_near_the_top_counts_its_full_way_back_whatever_its_speed():
    """A clip that starts just below the top of a rep shows the end of the way out after TRUST_S
    (0.3 s): 62 -> 50 deg, too small to be an attempt. Its way back (50 -> 165) is a full rep, so
    it counts, as it does when less of the way out falls after TRUST_S (a slower clip used to
    drop it). Then two full reps."""
    lead = [(0.0, 80.0), (0.5, 50.0), (1.5, REST_DEG), (2.5, REST_DEG)]
    t, x = sampled(lead + [(k[0] + 2.5, k[1]) for k in full_reps(2, lead_s=0.0)[1:]])
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 3
    first = kinds(events, "rep")[0]
    assert first.reached == pytest.approx(50.0)
    # decided once it has come min_travel (40 deg) back from 50 deg, at 90 deg
    assert x[int(round(first.t * FPS))] >= 90.0 > x[int(round(first.t * FPS)) - 1]


def test_a_stream_that_turns_back_short_after_a_short_way_out_is_not_a_rep():
    """Control: the same start, but the way back stops 30 deg short of a full rep (50 -> 80 and
    stays): nothing counts and nothing is said."""
    t, x = sampled([(0.0, 80.0), (0.5, 50.0), (1.0, 80.0), (3.0, 80.0)])
    c = AttemptCounter(curl_spec())
    assert outcome(run(c, t, x)) == []
    assert c.count == 0 and c.attempts == 0


def _cut_mid_curl(stop_deg: float, still_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Two full reps, then a third curl at full speed (165 -> 45 in 24 frames) cut at stop_deg,
    held there still_s before the stream ends."""
    k = full_reps(2, tail_s=0.0)
    t0 = k[-1][0]
    t_stop = t0 + (REST_DEG - stop_deg) / FULL * 24 / FPS
    k += [(t0 + 0.5, REST_DEG), (t_stop + 0.5, stop_deg), (t_stop + 0.5 + still_s, stop_deg)]
    return sampled(k)


def test_an_attempt_still_going_out_when_the_stream_ends_is_not_counted():
    """Cut at 60 deg while still curling at full speed (past the count point 81): not a rep yet,
    nothing said (the seated-row clip ends mid-pull)."""
    t, x = _cut_mid_curl(60.0, 0.0)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep", "rep"]
    assert c.stage == FAR


@pytest.mark.parametrize("stop_deg", [60.0, FAR_DEG])
def test_an_attempt_stopped_at_its_far_end_when_the_stream_ends_counts(stop_deg):
    """Control: the same curl that stopped (held 0.3 s) before the stream ended counts."""
    t, x = _cut_mid_curl(stop_deg, 0.3)
    events = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(events) == ["rep"] * 3
    assert kinds(events, "rep")[-1].reached == pytest.approx(stop_deg)


def _way_back_in_a_gap(gap_s: float, seen_turning: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two full reps, then a third curl held at 45 deg for 1 s; its measure is then unknown for
    gap_s, and next seen back at rest (165). seen_turning: the first 0.1 s of the way back
    (45 -> 105 deg) is seen before the gap."""
    k = full_reps(2, tail_s=0.0)
    t0 = k[-1][0] + 0.5
    k += [(t0, REST_DEG), (t0 + 0.8, FAR_DEG), (t0 + 1.8, FAR_DEG), (t0 + 2.0, REST_DEG), (t0 + 3.5, REST_DEG)]
    t, x = sampled(k)
    x = x.copy()
    start = t0 + 1.8 + (0.1 if seen_turning else 0.0)
    x[(t > start + 1e-9) & (t < start + gap_s - 1e-9)] = np.nan
    return t, x


def test_a_way_back_wholly_out_of_view_decides_nothing():
    """lunge__barbell-split-squat-gym-rear rot+10: a walk-out step, last seen at its far end,
    was next seen back home after a 0.33-s gap and counted as a rep. The whole way back was
    unknown (longer than GAP_S), so it decides nothing: no rep, nothing said."""
    t, x = _way_back_in_a_gap(0.5, seen_turning=False)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep", "rep"]
    assert c.count == 2


@pytest.mark.parametrize("gap_s, seen_turning", [(0.2, False), (0.5, True)])
def test_a_way_back_seen_in_part_or_across_a_short_gap_still_counts(gap_s, seen_turning):
    """Controls: a gap shorter than GAP_S (0.3 s), or a way back seen turning (45 -> 105 deg)
    before a longer gap: the third rep counts."""
    t, x = _way_back_in_a_gap(gap_s, seen_turning)
    assert outcome(run(AttemptCounter(curl_spec()), t, x)) == ["rep"] * 3


def _seen_again_after_a_gap(still_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A slow raise to 60 deg held until it times out (MAX_REP_S), then 2 s unknown (the member
    went back down and up unseen), first seen again at 80 deg; still there for still_s, then a curl
    to 45 deg and all the way back to rest (165)."""
    k = [(0.0, REST_DEG), (1.0, REST_DEG), (2.0, 60.0), (11.0, 60.0), (13.0, 80.0), (13.0 + still_s, 80.0),
         (13.4 + still_s, FAR_DEG), (14.4 + still_s, REST_DEG), (15.5 + still_s, REST_DEG)]
    t, x = sampled(k)
    x = x.copy()
    x[(t > 11.0 + 1e-9) & (t < 13.0 - 1e-9)] = np.nan
    return t, x


def test_a_stroke_leaving_as_soon_as_it_is_seen_after_a_long_gap_has_no_known_start():
    """jumping_jack__webcam-overlay-front cropped: after 2 s unseen (LOST_S is 1 s) the first
    sample (80 deg here) is already on the way out, not the member's rest. The way out seen
    (80 -> 45, 35 deg) is below min_travel (40), the way back (45 -> 165) is a full rep: it
    counts, as a stream's first stroke does. It used to be "short: reached 45, counts at 37.1"."""
    t, x = _seen_again_after_a_gap(still_s=0.0)
    events = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(events) == ["timeout", "rep"]


def test_a_member_seen_still_after_a_long_gap_is_at_rest_there():
    """Control: the same, but still at 80 deg for 0.6 s (STILL_S is 0.5 s) before the curl: 80 is
    their rest, and the 35-deg curl from it is short of min_travel (40)."""
    t, x = _seen_again_after_a_gap(still_s=0.6)
    events = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(events) == ["timeout", "incomplete"]
    assert kinds(events, "incomplete")[0].reason == "short: reached 45, counts at 40"


def _unseen(t, x, a: float, b: float) -> None:
    """The measure unknown from a to b (s), both ends excluded."""
    x[(t > a + 1e-9) & (t < b - 1e-9)] = np.nan


def test_a_rep_first_seen_near_its_far_end_counts_on_its_way_back():
    """reverse_fly__rear-delt-machine-rear: from behind, the arms vanish in front of the body at
    rest. Two reps, then the arm dips to 175 deg and is unseen for 1.5 s; it is seen again at 60,
    goes to 45 and comes back to 132 (87 deg: a full rep's way back, counted at 84 = 0.7 x 120),
    then is unseen again until the next rep, also first seen at 60. Measured from the 175 seen
    before the gap, the third rep had to come back to 136 and never did, and was dropped without a
    word (the clip's third rep, lost on every variant). Its way out was not seen; its way back
    was: it counts, and so does the fourth."""
    k = full_reps(2, tail_s=0.0)
    t0 = k[-1][0] + 0.5
    k += [(t0, REST_DEG), (t0 + 0.5, 175.0), (t0 + 0.6, 175.0), (t0 + 2.1, 60.0), (t0 + 2.4, FAR_DEG),
          (t0 + 3.2, 132.0), (t0 + 4.4, 60.0), (t0 + 4.7, FAR_DEG), (t0 + 5.7, REST_DEG), (t0 + 7.0, REST_DEG)]
    t, x = sampled(k)
    x = x.copy()
    _unseen(t, x, t0 + 0.6, t0 + 2.1)
    _unseen(t, x, t0 + 3.2, t0 + 4.4)
    events = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(events) == ["rep"] * 4
    back_at_129 = t[np.flatnonzero((t > t0 + 2.4) & (x >= REST_DEG - FULL + COUNT_AT * FULL))[0]]
    assert kinds(events, "rep")[2].t == back_at_129  # the first frame a full rep's way back from 45


def test_a_stroke_seen_only_at_its_far_end_when_the_stream_ends_is_not_counted():
    """reverse_fly__rear-delt-machine-rear: the clip ends 0.13 s after the arms are seen again,
    already open, after 1.4 s unseen (a fifth opening the label calls partial). Three full reps,
    then 1.4 s unseen, then 0.15 s at 50-48 deg when the stream ends: neither its way out nor its
    way back was seen, as a stream that starts at a rep's far end shows only its end. Not counted
    (it was, from the rest seen before the gap)."""
    k = full_reps(3, tail_s=0.0)
    t0 = k[-1][0] + 0.5
    k += [(t0, REST_DEG), (t0 + 1.5, 50.0), (t0 + 1.65, 48.0)]
    t, x = sampled(k)
    x = x.copy()
    _unseen(t, x, t0 + 0.1, t0 + 1.5)
    events = run(AttemptCounter(curl_spec()), t, x)
    assert outcome(events) == ["rep"] * 3


def test_settling_into_a_new_position_is_not_the_start_of_a_rep():
    """The member moves from 165 to 125 deg and stays there 3 s (a new position, like kneeling
    then on all fours), then does 3 reps 125 -> 45 -> 125. The first stroke is a change of
    position: the reps are measured from 125 and all count, with nothing reported."""
    k = [(0.0, REST_DEG), (1.0, REST_DEG), (1.5, 125.0), (4.5, 125.0)]
    k += [(kk[0] + 4.5, kk[1]) for kk in strokes([(FAR_DEG, 125.0)] * 3, hi=125.0, lead_s=0.0)[1:]]
    t, x = sampled(k)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"] * 3
    assert c.attempts == 3
    assert c.learnt_range == pytest.approx(80.0)


def test_a_short_pause_on_the_way_out_is_the_same_rep():
    """Control: a 1-s pause at 125 deg on the way out (less than POSITION_S) is part of the rep,
    measured from 165."""
    k = [(0.0, REST_DEG), (1.0, REST_DEG), (1.5, 125.0), (2.5, 125.0), (3.3, FAR_DEG), (4.1, REST_DEG),
         (5.0, REST_DEG)]
    t, x = sampled(k)
    c = AttemptCounter(curl_spec())
    events = run(c, t, x)
    assert outcome(events) == ["rep"]
    assert c.learnt_range == pytest.approx(FULL)


def test_a_hold_still_held_when_the_stream_ends_counts():
    """One full hold, then a second hold still held 1.0 s of 2 s when the stream ends: the member
    rose past the count point and was still there; as a moving rep stopped at its far end, it
    counts (the labels count glute_bridge__home-side-phone's last rise, cut 0.3 s into its
    hold; it used to be dropped, and the slow variant, held longer, then counted one more)."""
    k = hold_strokes([3.0])[:-1]
    t0 = k[-1][0]
    k += [(t0 + 15 / FPS, HOLD_HI), (t0 + 15 / FPS + 1.0, HOLD_HI)]
    t, x = sampled(k)
    c = AttemptCounter(hold_spec())
    events = run(c, t, x, measure="hip")
    assert outcome(events) == ["rep", "rep"]
    assert c.count == 2
    assert kinds(events, "rep")[-1].reached == pytest.approx(HOLD_HI)


def test_a_hold_cut_by_a_stop_is_not_counted():
    """The same second hold, but the session was stopped there (the member quit, or a routine's
    hold set ended mid-hold), not cut by the recording's end: not finished, not counted."""
    k = hold_strokes([3.0])[:-1]
    t0 = k[-1][0]
    k += [(t0 + 15 / FPS, HOLD_HI), (t0 + 15 / FPS + 1.0, HOLD_HI)]
    t, x = sampled(k)
    c = AttemptCounter(hold_spec())
    events = [e for ti, xi in zip(t, x) for e in c.step(float(ti), {"hip": float(xi)})]
    events += c.finish(float(t[-1]) + 1 / FPS, stopped=True)
    assert outcome(events) == ["rep"]
    assert c.count == 1


def test_a_hold_coming_down_or_unseen_when_the_stream_ends_is_not_counted():
    """Controls: the second hold already on its way down when the stream
    ends (at 113, a turn below the top), or its measure unknown for the last 0.5 s: not counted,
    nothing said."""
    k = hold_strokes([3.0])[:-1]
    t0 = k[-1][0]
    k += [(t0 + 15 / FPS, HOLD_HI), (t0 + 15 / FPS + 1.0, HOLD_HI), (t0 + 15 / FPS + 1.3, HOLD_LO + 13.0)]
    t, x = sampled(k)
    assert outcome(run(AttemptCounter(hold_spec()), t, x, measure="hip")) == ["rep"]
    k = hold_strokes([3.0])[:-1]
    k += [(t0 + 15 / FPS, HOLD_HI), (t0 + 15 / FPS + 1.0, HOLD_HI)]
    t, x = sampled(k)
    x = np.where(t > t[-1] - 0.5, np.nan, x)
    assert outcome(run(AttemptCounter(hold_spec()), t, x, measure="hip")) == ["rep"]


def test_a_hold_released_before_the_stream_ends_is_still_too_short():
    """Control: the second hold released after 1.0 s, before the end: hold too short."""
    t, x = sampled(hold_strokes([3.0, 1.0]))
    events = run(AttemptCounter(hold_spec()), t, x, measure="hip")
    assert outcome(events) == ["rep", "incomplete"]
    assert kinds(events, "incomplete")[0].reason.startswith("held")


def test_the_fallback_sees_the_rep_during_which_the_primary_was_lost():
    """Squat-like: the knee (primary) is lost at 1.0 s while going down; the hip (fallback) is
    known throughout. The fallback takes over 1 s later, at the bottom, and is followed from
    1.0 s: the rep in progress counts (it used to start at the bottom, still, and take that for
    rest). Then two more reps on the hip."""
    spec = curl_spec(fallback="hip")
    t, hip = sampled(full_reps(3, leg_frames=45, pause_frames=30))
    knee = np.where(t < 1.0, hip, np.nan)
    c = AttemptCounter(spec)
    events = run(c, t, knee, extra={"hip": hip})
    assert c.measure == "hip"
    assert outcome(events) == ["rep"] * 3
