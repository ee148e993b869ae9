"""Every library exercise on synthetic landmarks with exact ground truth (devkit.motions):
clean reps (with noise and a tracking dropout) count exactly and stay quiet; each check fires
on its injected fault."""
from __future__ import annotations

import pytest

from coach.engine import Coach
from coach.library import exercise_ids, find_exercise, pipeline_params
from devkit.motions import SCRIPTS, Script

PARAMS = pipeline_params()


def run(ex_id: str, poses, fps: float = 30.0):
    coach = Coach(find_exercise(ex_id), PARAMS)
    results = [coach.step(p, i / fps, i) for i, p in enumerate(poses)]
    results.append(coach.finish(len(poses) / fps, len(poses)))
    return coach, results


def fired(results) -> set[str]:
    return {f.check_id for r in results for f in r.findings}


def test_every_exercise_has_a_script():
    missing = sorted(set(exercise_ids()) - set(SCRIPTS))
    assert not missing, f"exercises without a synthetic script: {missing}"


def test_every_check_has_a_fault():
    gaps = []
    for ex_id, script in SCRIPTS.items():
        checks = {c.id for c in find_exercise(ex_id).checks}
        gaps += [f"{ex_id}.{c}" for c in sorted(checks - {f.check for f in script.faults})]
    assert not gaps, f"checks with no injected fault: {gaps}"


@pytest.mark.parametrize("ex_id", sorted(SCRIPTS))
@pytest.mark.parametrize("seed", [0, 1])
def test_clean_reps_count_exactly_and_quietly(ex_id: str, seed: int):
    script: Script = SCRIPTS[ex_id]
    coach, results = run(ex_id, script.poses(seed=seed))
    assert coach.total_reps == script.reps
    if script.end_other is not None:
        assert coach.reps_by_side == script.expected_by_side()
    assert fired(results) == set(), "clean form must not fire checks"
    incomplete = [e for r in results for e in r.events if e.kind in ("incomplete", "timeout")]
    assert incomplete == []


def _cases():
    for ex_id, script in sorted(SCRIPTS.items()):
        for f in script.faults:
            yield pytest.param(ex_id, f.check, id=f"{ex_id}.{f.check}")


@pytest.mark.parametrize("ex_id,check", list(_cases()))
def test_injected_fault_fires_its_check(ex_id: str, check: str):
    script = SCRIPTS[ex_id]
    fault = next(f for f in script.faults if f.check == check)
    expected = script.reps if fault.reps is None else fault.reps
    only = None
    if check == "incomplete" and fault.range != 1.0 and find_exercise(ex_id).rep.range is not None:
        # Counting is relative to the member's own range: a partial rep is short against the
        # full reps before it (a member whose every rep is that size is a member with that range).
        # the last rep, or for alternating scripts the last left-side rep (range scales `end`)
        last = script.reps - 1 if script.end_other is None else (script.reps - 1) // 2 * 2
        only = {last}
        expected = script.reps - 1
    coach, results = run(ex_id, script.poses(fault, only_reps=only))
    if check == "incomplete" and only is not None:  # exactly the one partial rep is reported
        assert [e.kind for r in results for e in r.events if e.kind in ("incomplete", "timeout")] == ["incomplete"]
    elif check == "incomplete":  # not a check: the rep counter's incomplete-rep semantics
        assert any(e.kind == "incomplete" for r in results for e in r.events)
    else:
        # the fault's check fires, and no other check besides those the fault is also a case of
        assert check in fired(results)
        assert fired(results) - {check} <= set(fault.implies), "other checks must stay quiet"
    assert coach.total_reps == expected
