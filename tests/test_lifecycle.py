"""One rep lifecycle (coach.lifecycle) for the counter, the checks, praise and the summary: an
attempt starts, is decided and ends once, the checks watch exactly that span, and the faults a rep
ends with are the faults the summary, praise and the clean-rep count use."""
from __future__ import annotations

import dataclasses

import pytest
from test_reps import counter, wave
from tuning_helpers import FPS, script_poses

from coach.engine import replay
from coach.feedback.reps import RepFeedback
from coach.library import find_exercise, pipeline_params
from coach.lifecycle import Lifecycle
from coach.runner import Item, Session
from coach.types import AttemptAbandoned, AttemptEnded, AttemptStarted, AttemptVerdict


def _lifecycle_of(c, xs):
    """Feed ``xs`` (angles of test_reps' measure "a", 30 fps) to counter ``c`` through a
    Lifecycle: every typed event, in order."""
    life = Lifecycle()
    out = []
    for i, x in enumerate(xs):
        evs = c.step(i / 30, {"a": float(x)})
        out += life.step(evs, c.in_rep)
    return out


def _shape(events):
    return [(type(a).__name__, a.attempt, getattr(a, "counted", None)) for a in events]


def test_each_attempt_starts_is_decided_and_ends_once_with_one_id():
    # two full reps, then one that stops halfway (incomplete)
    c = counter()
    xs = list(wave(2)) + list(wave(1, depth=0.5, lead_s=0.5))
    got = _shape(_lifecycle_of(c, xs))
    assert got == [("AttemptStarted", 1, None), ("AttemptVerdict", 1, True), ("AttemptEnded", 1, True),
                   ("AttemptStarted", 2, None), ("AttemptVerdict", 2, True), ("AttemptEnded", 2, True),
                   ("AttemptStarted", 3, None), ("AttemptVerdict", 3, False)]


def _session(ex, poses):
    """Session.run over ``poses`` at FPS: (every FrameResult, the end of stream's included; Summary)."""
    results = []
    session = Session(ex, pipeline_params(), fps=FPS)
    add = session.summary.add_events

    def add_final(r):
        results.append(r)
        add(r)

    session.summary.add_events = add_final
    summary = session.run((Item(i / FPS, i, None, p) for i, p in enumerate(poses)),
                          [lambda r, _item: results.append(r)])
    return results, summary


@pytest.fixture(scope="module")
def shrug_session():
    """scapular_squeeze (a hold: decided when held, ended back at rest), 5 reps, a shrug in rep 2."""
    ex = find_exercise("scapular_squeeze")
    results, summary = _session(ex, script_poses("scapular_squeeze", reps=5, fault="shrug", only_reps={1}))
    return ex, results, summary


def _with_check(tmp_path, ex_id: str, check: str):
    """The library's rule file for ``ex_id`` with one more [[checks]] table (TOML text)."""
    from coach.rules.loader import load_exercise
    text = open(find_exercise(ex_id).path, encoding="utf-8").read() + "\n[[checks]]\n" + check
    path = tmp_path / f"{ex_id}.toml"
    path.write_text(text, encoding="utf-8")
    return load_exercise(path)


def test_a_rep_phase_check_fires_only_inside_that_phase(shrug_session, tmp_path):
    ex, _, _ = shrug_session
    shrug = next(c for c in ex.checks if c.id == "shrug")
    assert shrug.during == ("squeezed",)
    # a check that fails whenever it is asked (the neck is never shorter than nothing), in one phase
    ex = _with_check(tmp_path, "scapular_squeeze", 'id = "inside"\nscope = "frame"\nduring = ["squeezed"]\n'
                     'expect = { measure = "neck_length", below = 0 }\nfor_s = 0.0\nseverity = "tip"\n'
                     'message = { en = "x" }\n')
    _, results = replay(ex, script_poses("scapular_squeeze", reps=3), pipeline_params(), fps=FPS)
    fired = [r.phase for r in results if any(f.check_id == "inside" for f in r.findings)]
    squeezed = [r.phase for r in results if r.phase == "squeezed" and r.pose is not None]
    assert len(fired) == len(squeezed) > 30 and set(fired) == {"squeezed"}
    # and each rep's own faults say so: it was seen in every squeeze
    ended = [a for r in results for a in r.lifecycle if isinstance(a, AttemptEnded) and a.counted]
    assert [a.faults for a in ended] == [("inside",)] * 3


def test_a_reps_faults_in_the_summary_are_the_faults_its_attempt_ended_with(shrug_session):
    _, results, summary = shrug_session
    ended = [a for r in results for a in r.lifecycle if isinstance(a, AttemptEnded) and a.counted]
    cycles = [e for r in results for e in r.events if e.kind == "cycle" and e.reason is None]
    assert [a.faults for a in ended] == [(), ("shrug",), (), (), ()]
    assert [e.faults for e in cycles] == [a.faults for a in ended]  # the counter's event says the same
    assert [d.faults for d in summary.reps_detail] == [a.faults for a in ended]
    assert summary.to_json()["reps_detail"][1]["faults"] == ["shrug"]


def test_praise_and_the_clean_rep_count_agree(shrug_session):
    ex, results, summary = shrug_session
    every = ex.feedback.praise_every
    assert every == 3
    fb = RepFeedback()
    praised_after = []
    n = 0
    for r in results:
        for a in r.lifecycle:
            n += isinstance(a, AttemptEnded) and a.counted
        if any(c.source == "praise" for c in fb.candidates(ex, r.lifecycle, dropped=0)):
            praised_after.append(n)
    # rep 2 had a fault: the streak restarts, so praise comes after rep 5 (clean reps 3, 4, 5)
    assert summary.clean_reps == 4 and summary.reps == 5
    assert praised_after == [5]
    assert fb.clean_streak == 3 == sum(1 for _ in _trailing_clean(summary))


def _trailing_clean(summary):
    for d in reversed([d for d in summary.reps_detail if d.counted]):
        if not d.clean:
            return
        yield d


def test_a_rep_check_is_judged_once_per_counted_rep_and_never_on_an_attempt_not_counted(tmp_path):
    # a rep check that fails on every rep, whatever the movement (elbow range below 1 degree)
    ex = _with_check(tmp_path, "bicep_curl", 'id = "always"\nscope = "rep"\n'
                     'expect = { measure = "elbow", stat = "range", below = 1 }\nseverity = "tip"\n'
                     'message = { en = "x" }\n')
    # rep 4 of 5 travels 60 % of the others: an attempt that does not count
    poses = script_poses("bicep_curl", reps=5, range_by_rep={3: 0.6})
    _, results = replay(ex, poses, pipeline_params(), fps=FPS)
    judged = [r.t for r in results for f in r.findings if f.check_id == "always"]
    ended = [a.t for r in results for a in r.lifecycle if isinstance(a, AttemptEnded) and a.counted]
    verdicts = [a for r in results for a in r.lifecycle if isinstance(a, AttemptVerdict)]
    assert [v.counted for v in verdicts] == [True, True, True, False, True]
    assert judged == ended and len(judged) == 4
    assert all(a.faults == ("always",) for r in results for a in r.lifecycle
               if isinstance(a, AttemptEnded) and a.counted)


def test_every_event_of_the_lifecycle_is_frozen_typed_data():
    for cls in (AttemptStarted, AttemptVerdict, AttemptEnded, AttemptAbandoned):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_a_rep_the_streams_end_closes_keeps_the_faults_its_checks_saw():
    # an elbow swing in the last of 4 curls, and the stream cut on that curl's way back down:
    # the end of the stream counts it (coach.attempts.finish), with the swing its checks saw
    ex = find_exercise("bicep_curl")
    poses = script_poses("bicep_curl", reps=4, fault="elbow_swing", only_reps={3})
    full, _ = _session(ex, poses)
    last = [a.event for r in full for a in r.lifecycle if isinstance(a, AttemptVerdict)][-1]
    cut = int((last.start_t + 0.8 * (last.t - last.start_t)) * FPS)
    results, summary = _session(ex, poses[:cut])
    end = results[-1]
    assert end.pose is None and [type(a).__name__ for a in end.lifecycle] == ["AttemptVerdict", "AttemptEnded"]
    seen = {f.check_id for r in results if r.t >= last.start_t for f in r.findings}
    assert "elbow_swing" in seen
    assert summary.reps == 4 and summary.reps_detail[-1].faults == tuple(sorted(seen)) == end.lifecycle[1].faults
    assert [d.faults for d in summary.reps_detail[:3]] == [(), (), ()]
