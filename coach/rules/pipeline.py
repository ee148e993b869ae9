"""The calibration files (calibration/pipeline.toml, calibration/protocol.toml) are data too:
every key typed and range-checked, every problem reported at once as ``file:line:col``, like the
rule files (same checker, coach.rules.loader).

A key left out keeps the stage's own default (the values in the shipped file).
"""
from __future__ import annotations

from typing import Any

from ..errors import RuleFileError
from . import schema as S
from .loader import _check_value, _Ctx, _found, parse_toml
from .tomlpos import Path as KeyPath
from .tomlpos import did_you_mean

K = S.Key

PIPELINE: dict[str, dict[str, S.Key]] = {
    "pose": {
        "min_detection_confidence": K("number", "Detector score needed to find a person.", unit="0-1",
                                      minimum=0.0, maximum=1.0),
        "min_presence_confidence": K("number", "Score needed to keep a pose.", unit="0-1", minimum=0.0, maximum=1.0),
        "min_tracking_confidence": K("number", "Score needed to keep tracking.", unit="0-1", minimum=0.0, maximum=1.0),
    },
    "smoothing": {
        "min_cutoff_hz": K("number", "One-Euro cutoff at rest.", unit="Hz", minimum=0.01, maximum=30.0),
        "beta": K("number", "One-Euro speed coefficient.", unit="per (unit/s)", minimum=0.0, maximum=100.0),
        "d_cutoff_hz": K("number", "Cutoff of the speed estimate.", unit="Hz", minimum=0.01, maximum=30.0),
        "max_gap_s": K("number", "A tracking gap longer than this restarts the filter.", unit="s", minimum=0.0,
                       maximum=10.0),
    },
    "view": {
        "front_max_deg": K("number", "|yaw| up to this is front.", unit="deg", minimum=0.0, maximum=90.0),
        "side_min_deg": K("number", "|yaw| from this is side.", unit="deg", minimum=0.0, maximum=180.0),
        "side_max_deg": K("number", "|yaw| up to this is side.", unit="deg", minimum=0.0, maximum=180.0),
        "rear_min_deg": K("number", "|yaw| from this is rear.", unit="deg", minimum=0.0, maximum=180.0),
        "window_s": K("number", "Majority vote window.", unit="s", minimum=0.0, maximum=10.0),
        "wrong_for_s": K("number", "How long a wrong view lasts before the coach says so.", unit="s",
                         minimum=0.0, maximum=60.0),
    },
    "setup": {
        "missing_for_s": K("number", "How long landmarks are out of view before the coach asks.", unit="s",
                           minimum=0.0, maximum=60.0),
    },
    "feedback": {
        "display_s": K("number", "How long a cue stays on screen.", unit="s", minimum=0.5, maximum=30.0),
        "min_gap_s": K("number", "Quiet time between two cues.", unit="s", minimum=0.0, maximum=60.0),
        "system_cooldown_s": K("number", "Minimum time between two setup cues.", unit="s", minimum=0.0,
                               maximum=600.0),
    },
    "side": {
        "switch_margin": K("number", "Visibility margin before the chosen side changes.", unit="0-1",
                           minimum=0.0, maximum=1.0),
        "switch_time_s": K("number", "Time constant of the side averaging.", unit="s", minimum=0.0, maximum=10.0),
    },
}

PROTOCOL: dict[str, S.Key] = {
    "min_reps": K("int", "Counted reps needed before a profile is written.", required=True, unit="reps",
                  minimum=1, maximum=20),
    "instructions": K("text", "What the member is asked to do (en required).", required=True),
}


DESK: dict[str, S.Key] = {
    "fps": K("number", "Frames looked at per second.", required=True, unit="1/s", minimum=0.1, maximum=5.0),
    "still_minutes": K("number", "Minutes without moving before a break is suggested.", required=True, unit="min",
                       minimum=1.0, maximum=240.0),
    "move_threshold": K("number", "How far the upper body must move to count as moving.", required=True,
                        unit="shoulder widths", minimum=0.01, maximum=5.0),
    "head_forward_cm": K("number", "Ears this far ahead of their upright place is a forward head.", required=True,
                         unit="cm", minimum=0.5, maximum=30.0),
    "head_forward_minutes": K("number", "Minutes a forward head lasts before the coach says so.", required=True,
                              unit="min", minimum=0.1, maximum=120.0),
    "head_forward_share": K("number", "Share of frames in that time with the head forward.", required=True,
                            unit="0-1", minimum=0.1, maximum=1.0),
    "baseline_minutes": K("number", "Minutes to learn the upright posture.", required=True, unit="min",
                          minimum=0.05, maximum=30.0),
    "repeat_minutes": K("number", "Minutes before a suggestion may repeat.", required=True, unit="min",
                        minimum=1.0, maximum=480.0),
    "break_exercises": K("strings", "Two exercise ids for the break.", required=True),
}


def parse_desk(text: str, filename: str) -> dict[str, Any]:
    """calibration/desk.toml, every key typed and range-checked."""
    data, problems = parse_toml(text, filename)
    if problems or data is None:  # parse_toml gives a table exactly when it has no problems
        raise RuleFileError(problems)
    ctx = _Ctx(filename, text)
    out = _section(ctx, data, (), DESK, "the desk file")
    if "break_exercises" in out and len(out["break_exercises"]) != 2:
        found = len(out['break_exercises'])
        ctx.add(("break_exercises",), f"'break_exercises' expects two exercise ids, found {found}")
    if ctx.problems:
        raise RuleFileError(ctx.formatted())
    return out


def _section(ctx: _Ctx, data: dict[str, Any], path: KeyPath, keys: dict[str, S.Key], label: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k not in keys:
            hint = did_you_mean(k, keys)
            ctx.add(path + (k,), f"unknown key '{k}' in {label}: expected one of {', '.join(keys)}"
                    + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        checked = _check_value(ctx, path + (k,), keys[k], v)
        if checked is not None:
            out[k] = checked
    for k, key in keys.items():
        if key.required and k not in data:
            ctx.add(path, f"{label} is missing required key '{k}': {key.doc}")
    return out


def parse_pipeline(text: str, filename: str) -> dict[str, dict[str, Any]]:
    """Validated pipeline parameters: section -> key -> value (only the keys given)."""
    data, problems = parse_toml(text, filename)
    if problems or data is None:  # parse_toml gives a table exactly when it has no problems
        raise RuleFileError(problems)
    ctx = _Ctx(filename, text)
    out: dict[str, dict[str, Any]] = {}
    for name, table in data.items():
        if name not in PIPELINE:
            hint = did_you_mean(name, PIPELINE)
            ctx.add((name,), f"unknown section [{name}]: expected one of {', '.join(PIPELINE)}"
                    + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        if not isinstance(table, dict):
            ctx.add((name,), f"'{name}' expects a table [{name}], found {_found(table)}")
            continue
        out[name] = _section(ctx, table, (name,), PIPELINE[name], f"[{name}]")
    v = out.get("view", {})
    order = [k for k in ("front_max_deg", "side_min_deg", "side_max_deg", "rear_min_deg") if k in v]
    for a, b in zip(order, order[1:]):
        if v[a] > v[b]:
            ctx.add(("view", b), f"'{b}' ({v[b]:g} deg) must not be below '{a}' ({v[a]:g} deg): the view bands "
                    "go front, side, rear")
    if ctx.problems:
        raise RuleFileError(ctx.formatted())
    return out


def parse_protocol(text: str, filename: str) -> dict[str, Any]:
    data, problems = parse_toml(text, filename)
    if problems or data is None:  # parse_toml gives a table exactly when it has no problems
        raise RuleFileError(problems)
    ctx = _Ctx(filename, text)
    out = _section(ctx, data, (), PROTOCOL, "the calibration protocol")
    if ctx.problems:
        raise RuleFileError(ctx.formatted())
    return out
