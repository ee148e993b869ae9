"""Routines as data: ``exercises/routines/*.toml`` -> a validated, frozen ``Routine``.

A routine is an ordered list of steps; each step is one exercise (one side of it for
``side = "alternate"`` exercises), done for a number of sets, each set ending when its target
is met (``reps`` counted, or ``hold_s`` seconds held in total), then a rest. Like rule files,
routine files are data: every key is typed and range-checked and every problem is reported at
once as ``file:line:col: message`` (RuleFileError, exit 2).

    schema = 1
    [routine]
    id = "upper_back"                 # = the file name without .toml
    name = { en = "Upper-back routine", es = "Rutina de espalda alta" }
    version = "1.0.0"                 # bump on every change: written into each session
    per_week = 5                      # sessions per week the plan asks for (coach history: adherence)

    [[steps]]
    exercise = "thread_the_needle"    # a rule file id in exercises/
    side = "left"                     # only for side = "alternate" exercises: the side this step counts
    sets = 1
    reps = 5                          # per set (or hold_s = seconds held per set, for exercises with a hold)
    rest_s = 30                       # rest after each set, seconds
    how_to = { en = "...", es = "..." }

``plan(routine)`` flattens the steps into the sets the member will do, in order.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .errors import RuleFileError, UsageError
from .rules import schema as S
from .rules.loader import _check_value, _Ctx, parse_toml, read_toml_file
from .rules.tomlpos import did_you_mean

SCHEMA_VERSION = 1

KEYS: dict[str, dict[str, S.Key]] = {
    "file": {
        "schema": S.Key("int", "Routine-file format version; must be 1.", required=True, choices=(1,)),
        "routine": S.Key("table", "Who the routine is.", required=True),
        "steps": S.Key("tables", "The exercises, in order.", required=True),
    },
    "routine": {
        "id": S.Key("string", "Identifier; must equal the file name without .toml.", required=True),
        "name": S.Key("text", "Display name per language (en required).", required=True),
        "version": S.Key("string", "Your version of this file; bump on every change (written into sessions).",
                         required=True),
        "description": S.Key("text", "One or two sentences for the member.", default=""),
        # Adherence in `coach history` compares sessions per week with this number.
        "per_week": S.Key("int", "Sessions per week the plan asks for.", default=5, unit="sessions/week",
                          minimum=1, maximum=21),
        # A set that never reaches its target (the member stopped, the camera lost them) ends after
        # this long. Raise for slow holds; lower so a forgotten session does not sit in a set.
        "max_set_s": S.Key("number", "Longest a set may last before the coach moves on.", default=300.0,
                           unit="s", minimum=10.0, maximum=3600.0),
        "notes": S.Key("string", "Free text for therapists.", default=""),
    },
    "step": {
        "exercise": S.Key("string", "Exercise id (a rule file in exercises/).", required=True),
        "side": S.Key("string", "For side = \"alternate\" exercises: which side this step counts.",
                      default="", choices=("", "left", "right")),
        "sets": S.Key("int", "How many sets.", default=1, minimum=1, maximum=20),
        "reps": S.Key("int", "Counted reps per set (per side for alternate exercises without 'side').",
                      default=0, minimum=0, maximum=200),
        "hold_s": S.Key("number", "Seconds held per set in total (exercises with a [rep.hold]).", default=0.0,
                        unit="s", minimum=0.0, maximum=600.0),
        # Rest after each set (not after the last set of the routine). Raise for tired or
        # painful members; lower for a brisker routine.
        "rest_s": S.Key("number", "Rest after each set.", default=30.0, unit="s", minimum=0.0, maximum=600.0),
        "how_to": S.Key("text", "A short how-to shown before the step (en required).", default=""),
    },
}


@dataclass(frozen=True)
class Step:
    """One exercise of a routine. reps: per set (0 when the set is a hold); hold_s: seconds
    held per set (0 when it counts reps); rest_s: seconds of rest after each set."""

    exercise: str
    side: Optional[str]
    sets: int
    reps: int
    hold_s: float
    rest_s: float
    how_to: S.Text


@dataclass(frozen=True)
class Routine:
    id: str
    name: S.Text
    version: str
    description: S.Text
    per_week: int
    max_set_s: float
    steps: tuple[Step, ...]
    path: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class PlannedSet:
    """One set the member will do: ``number`` of ``of`` within its step (1-based), ``index`` in
    the whole routine (0-based)."""

    index: int
    step: int
    step_def: Step
    number: int
    of: int


def plan(routine: Routine) -> tuple[PlannedSet, ...]:
    out: list[PlannedSet] = []
    for si, st in enumerate(routine.steps):
        for n in range(1, st.sets + 1):
            out.append(PlannedSet(len(out), si, st, n, st.sets))
    return tuple(out)


# ------------------------------------------------------------------------------ files

def routines_dir() -> Path:
    from .library import exercises_dir
    return exercises_dir() / "routines"


def routine_ids() -> list[str]:
    return sorted(p.stem for p in routines_dir().glob("*.toml"))


DEFAULT = "upper_back"


def find_routine(name: Optional[str] = None) -> Routine:
    """A routine by id (exercises/routines/ID.toml) or by path; default: upper_back."""
    from .library import data_file
    return load_routine(data_file(name or DEFAULT, routines_dir(), routine_ids, "routine", "coach list --routines"))


def load_routine(path) -> Routine:
    """Load one routine file within the limits every file the coach reads has (coach.limits: a
    regular file, size, UTF-8; nesting depth): RuleFileError with positioned lines."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such routine file: {path}")
    text = read_toml_file(path, "routine file")
    r = parse_routine(text, str(path), expected_id=path.stem)
    from dataclasses import replace
    return replace(r, path=str(path), sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _table(ctx: _Ctx, data: dict, path: tuple, section: str) -> dict:
    keys = KEYS[section]
    out = {}
    where = "the top level" if not path else "[" + ".".join(str(p) for p in path if isinstance(p, str)) + "]"
    for k, v in data.items():
        if k not in keys:
            hint = did_you_mean(k, keys)
            ctx.add(path + (k,), f"unknown key '{k}' in {where}: expected one of {', '.join(keys)}"
                    + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        out[k] = _check_value(ctx, path + (k,), keys[k], v)
    for k, key in keys.items():
        if k not in data:
            if key.required:
                ctx.add(path, f"{where} is missing required key '{k}': {key.doc}")
                out[k] = None
            else:  # an absent text is an empty table of languages
                out[k] = {} if key.type == "text" else key.default
    return out


def parse_routine(text: str, filename: str, expected_id: Optional[str] = None) -> Routine:
    """Validate a routine file's text; every problem at once (RuleFileError)."""
    from .library import exercise_ids, exercises_dir
    from .rules.loader import load_exercise
    parsed, problems = parse_toml(text, filename)  # syntax errors and nesting limits, positioned
    if problems or parsed is None:
        raise RuleFileError(problems)
    data = parsed
    ctx = _Ctx(filename, text)
    top = _table(ctx, data, (), "file")
    head = _table(ctx, data["routine"], ("routine",), "routine") if isinstance(data.get("routine"), dict) else None
    if head and expected_id and head.get("id") and head["id"] != expected_id:
        ctx.add(("routine", "id"), f"'id' must equal the file name without .toml: expected \"{expected_id}\", "
                f"found \"{head['id']}\"")
    steps: list[Step] = []
    steps_value = data.get("steps")
    raw_steps: list[Any] = steps_value if isinstance(steps_value, list) else []
    if top.get("steps") is not None and not raw_steps:
        ctx.add(("steps",), "'steps' expects at least one [[steps]] table")
    known = exercise_ids()
    for i, st in enumerate(raw_steps):
        if not isinstance(st, dict):
            continue
        path = ("steps", i)
        v = _table(ctx, st, path, "step")
        ok = all(v.get(k) is not None for k in KEYS["step"])
        ex = None
        if v.get("exercise") is not None:
            if v["exercise"] not in known:
                hint = did_you_mean(v["exercise"], known)
                ctx.add(path + ("exercise",), f"'exercise': expected an exercise id (see 'coach list'), found "
                        f"\"{v['exercise']}\"" + (f" (did you mean '{hint}'?)" if hint else ""))
                ok = False
            else:
                try:
                    ex = load_exercise(exercises_dir() / f"{v['exercise']}.toml")
                except RuleFileError as e:
                    ctx.add(path + ("exercise",), f"'exercise': the rule file has errors: {e.problems[0]}")
                    ok = False
        if v.get("reps") is not None and v.get("hold_s") is not None:
            has_reps, has_hold = "reps" in st, "hold_s" in st
            if has_reps == has_hold:
                ctx.add(path, "a step needs exactly one target: 'reps' (counted reps per set) or 'hold_s' "
                        "(seconds held per set)" + (", found both" if has_reps else ", found neither"))
                ok = False
            elif has_reps and v["reps"] < 1:
                ctx.add(path + ("reps",), f"'reps' expects a value >= 1, found {v['reps']}")
                ok = False
            elif has_hold and v["hold_s"] <= 0:
                ctx.add(path + ("hold_s",), f"'hold_s' expects a value > 0 (s), found {v['hold_s']:g}")
                ok = False
            elif has_hold and ex is not None and ex.rep.hold is None:
                ctx.add(path + ("hold_s",), f"'hold_s': {ex.id} has no [rep.hold] to time; use 'reps'")
                ok = False
        if ex is not None and v.get("side"):
            if ex.side != "alternate":
                ctx.add(path + ("side",), f"'side': {ex.id} counts both sides together (side = \"{ex.side}\"); "
                        "'side' is only for exercises with side = \"alternate\"")
                ok = False
        if ok:
            steps.append(Step(exercise=v["exercise"], side=v["side"] or None, sets=v["sets"], reps=v["reps"],
                              hold_s=float(v["hold_s"]), rest_s=float(v["rest_s"]), how_to=v["how_to"]))
    if ctx.problems:
        raise RuleFileError(ctx.formatted())
    assert head is not None  # a missing or malformed [routine] table is one of ctx.problems
    return Routine(id=head["id"], name=head["name"], version=head["version"], description=head["description"],
                   per_week=head["per_week"], max_set_s=float(head["max_set_s"]), steps=tuple(steps))
