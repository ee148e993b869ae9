"""The counters keep phase, phase_name and in_rep as attributes, worked out when their state
changes (coach.attempts.AttemptCounter._show, coach.reps.RepCounter._set_phase) rather than on
every read. Here they are checked, after every step of synthetic sessions that visit every
stage, against what the state says they must be: a stage or phase written without them would
show a stale phase to the checks, the lifecycle and the screen."""
from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Optional

from coach.attempts import BACK, FAR, OUT, AttemptCounter
from coach.library import find_exercise
from coach.reps import RepCounter

FPS = 30.0


def _values(ex_id: str, seconds: float = 60.0) -> list[tuple[float, dict[str, float]]]:
    """Every measure of the exercise as a slow cosine (a cycle every 4 s, a different phase per
    measure) spanning the rule file's thresholds widely; held still from 20 to 38 s (a long
    pause); unknown for 1.5 s every 13 s."""
    ex = find_exercise(ex_id)
    frames = []
    names = sorted(ex.measures)
    for k in range(int(seconds * FPS)):
        t = k / FPS
        gap = 6.0 <= t % 13.0 < 7.5
        cycle = 2 * math.pi * (min(t, 20.0) + max(0.0, t - 38.0)) / 4.0 + (math.pi if t > 20.0 else 0.0)
        vals = {}
        for j, name in enumerate(names):
            unit = ex.measures[name].unit
            mid, amp = (110.0, 90.0) if unit == "deg" else (1.0, 1.6)
            vals[name] = math.nan if gap else mid + amp * math.cos(cycle + 0.3 * j)
        frames.append((t, vals))
    return frames


def _expected_attempts(c: AttemptCounter) -> tuple[Optional[int], Optional[str], bool]:
    stage = c.stage
    if stage is None:
        phase = None
    elif stage == OUT and not c._confirmed:
        phase = 0
    else:
        phase = c._stage_phase[stage]
    return phase, None if phase is None else c.names[phase], stage in (FAR, BACK) or (stage == OUT and c._confirmed)


def test_attempt_counters_show_the_phase_of_their_stage():
    stages: set[Optional[str]] = set()
    for ex_id in ("bicep_curl", "lunge", "thread_the_needle", "glute_bridge"):
        ex = find_exercise(ex_id)
        assert ex.rep.range is not None
        left, right = AttemptCounter(ex.rep, "left"), AttemptCounter(ex.rep, "right")
        counters = [AttemptCounter(ex.rep)]
        if ex.side == "alternate":  # sides that take turns (peer): the other side's state matters
            left.peer, right.peer = right, left
            counters = [left, right]
        for t, vals in _values(ex_id):
            for c in counters:
                c.step(t, vals)
                assert (c.phase, c.phase_name, c.in_rep) == _expected_attempts(c), (ex_id, t, c.stage)
                stages.add(c.stage)
        for c in counters:
            c.finish(60.0)
            assert (c.phase, c.phase_name, c.in_rep) == _expected_attempts(c)
    assert stages == {"pre", "rest", "out", "far", "back", "settle"}


def test_rep_counters_show_the_phase_they_are_in():
    phases: set[Optional[int]] = set()
    for ex_id in ("shoulder_external_rotation", "bird_dog"):
        ex = find_exercise(ex_id)
        c = RepCounter(ex.rep)
        for t, vals in _values(ex_id):
            c.step(t, vals)
            want = (None if c.phase is None else c.names[c.phase], c.phase is not None and c.phase > 0)
            assert (c.phase_name, c.in_rep) == want
            phases.add(c.phase)
    assert phases == {None, 0, 1, 2, 3}


def _writers(module_path: Path, attrs: set[str]) -> set[tuple[str, str]]:
    """(function, attribute) for every assignment to self.<attr> in the module's functions."""
    tree = ast.parse(module_path.read_text())
    out = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                targets = (node.targets if isinstance(node, ast.Assign) else
                           [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
                for tgt in targets:
                    for el in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt]):
                        if (isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name)
                                and el.value.id == "self" and el.attr in attrs):
                            out.add((fn.name, el.attr))
    return out


def test_the_state_behind_the_shown_phase_has_one_writer():
    """Anything else writing the stage (or the phase) would leave phase, phase_name and in_rep stale."""
    root = Path(__file__).resolve().parents[1] / "coach"
    shown = {"phase", "phase_name", "in_rep"}
    assert _writers(root / "attempts.py", {"stage", "_confirmed"} | shown) == {
        ("__init__", "stage"), ("__init__", "_confirmed"), ("__init__", "phase"), ("__init__", "phase_name"),
        ("__init__", "in_rep"), ("_set_stage", "stage"), ("_set_confirmed", "_confirmed"),
        ("_show", "phase"), ("_show", "phase_name"), ("_show", "in_rep")}
    assert _writers(root / "reps.py", shown) == {
        ("__init__", "phase"), ("__init__", "phase_name"), ("__init__", "in_rep"),
        ("_set_phase", "phase"), ("_set_phase", "phase_name"), ("_set_phase", "in_rep")}
