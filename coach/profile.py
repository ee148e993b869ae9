"""Personal profiles: one member's rest value and range of motion per exercise (TOML, data only).

Written by ``coach calibrate`` (or by hand, by a therapist), read by ``run``/``analyze
--profile``. The counter then judges attempts against this range from the first rep instead of
calibrating itself from the first reps; the rule file's bounds (min_travel, max_travel) still
apply, so a profile can never make the coach accept less than the therapist allows.

    # Form Coach profile "ana"
    [resisted_row]
    measure = "elbow_px"   # the rule file's [rep.range] measure these numbers are in
    rest = 162.5           # the measure at rest (its unit: deg here)
    range = 71.0           # how far a comfortable full rep moves it (same unit, > 0)
    reps = 3               # counted reps the numbers come from
    calibrated = "2026-11-30T12:00:00+00:00"

A name (letters, digits, ``-``, ``_``) is a file in ``$COACH_HOME/profiles`` (default
``~/.local/share/form-coach/profiles``); anything with a ``/`` or ending in ``.toml`` is a path.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .errors import RuleFileError, UsageError
from .limits import TextFileProblem, read_text
from .rules import schema as S
from .rules.loader import _check_value, _Ctx, parse_toml
from .rules.tomlpos import did_you_mean

MAX_BYTES = 1_000_000  # a profile is a few lines; anything larger is not one

KEYS: dict[str, S.Key] = {
    "measure": S.Key("string", "The rule file's [rep.range] measure the numbers are in.", required=True),
    "rest": S.Key("number", "The measure at rest.", required=True, unit="measure's unit"),
    "range": S.Key("number", "How far a comfortable full rep moves the measure.", required=True,
                   unit="measure's unit", minimum=1e-6),
    "reps": S.Key("int", "Counted reps the numbers come from.", default=0, minimum=0),
    "calibrated": S.Key("string", "When (ISO 8601).", default=""),
}


@dataclass(frozen=True)
class Entry:
    """One exercise's personal numbers (the measure's unit)."""

    measure: str
    rest: float
    range: float
    reps: int = 0
    calibrated: str = ""


def data_dir() -> Path:
    home = os.environ.get("COACH_HOME")
    if home:
        return Path(home)
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "form-coach"


def profile_path(name: str) -> Path:
    if "/" in name or name.endswith(".toml"):
        return Path(name)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        raise UsageError(f"profile name '{name}' may use letters, digits, '-' and '_' only (or give a path)")
    return data_dir() / "profiles" / f"{name}.toml"


def parse_profile(text: str, filename: str) -> dict[str, Entry]:
    """Validate a profile's text: every problem at once as file:line:col (RuleFileError)."""
    data, problems = parse_toml(text, filename)
    if problems or data is None:  # parse_toml gives a table exactly when it has no problems
        raise RuleFileError(problems)
    ctx = _Ctx(filename, text)
    out: dict[str, Entry] = {}
    for ex_id, table in data.items():
        if not isinstance(table, dict):
            ctx.add((ex_id,), f"'{ex_id}' expects a table [{ex_id}] of measure, rest and range")
            continue
        vals = {}
        for k, v in table.items():
            if k not in KEYS:
                hint = did_you_mean(k, KEYS)
                ctx.add((ex_id, k), f"unknown key '{k}' in [{ex_id}]: expected one of {', '.join(KEYS)}"
                        + (f" (did you mean '{hint}'?)" if hint else ""))
                continue
            vals[k] = _check_value(ctx, (ex_id, k), KEYS[k], v)
        for k, key in KEYS.items():
            if k not in table:
                if key.required:
                    ctx.add((ex_id,), f"[{ex_id}] is missing required key '{k}': {key.doc}")
                vals[k] = None if key.required else key.default
        if all(vals[k] is not None for k in KEYS):
            out[ex_id] = Entry(**vals)
    if ctx.problems:
        raise RuleFileError(ctx.formatted())
    return out


def load_profile(name: str) -> dict[str, Entry]:
    path = profile_path(name)
    try:
        text = read_text(path, MAX_BYTES)
    except FileNotFoundError:
        raise UsageError(f"no profile '{name}' ({path}): create it with "
                         f"'coach calibrate EXERCISE --profile {name}'") from None
    except TextFileProblem as e:
        raise RuleFileError([e.where(str(path))]) from None
    except OSError as e:
        raise UsageError(f"{path}: cannot read the profile: {e.strerror or e}") from None
    return parse_profile(text, str(path))


def personal_for(profile: Mapping[str, Entry], exercise: S.Exercise):
    """The coach.attempts.Personal for this exercise from a profile, or None. A profile made for
    another measure (the rule file changed) is ignored rather than misread."""
    from .attempts import Personal
    e = profile.get(exercise.id)
    rng = exercise.rep.range
    if e is None or rng is None or e.measure != rng.measure:
        return None
    return Personal(rest=e.rest, range=e.range)


def _fmt(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else "nan"


def save_entry(name: str, ex_id: str, entry: Entry) -> Path:
    """Add or replace one exercise's numbers; the other exercises' entries are kept. Written to
    a temporary file and renamed, so an interrupted write never leaves half a profile."""
    path = profile_path(name)
    entries = load_profile(name) if path.exists() else {}
    entries[ex_id] = entry
    lines = [f"# Form Coach profile \"{path.stem}\": your own rest and range per exercise "
             "(written by coach calibrate; edit with care)."]
    for k, e in sorted(entries.items()):
        lines += ["", f"[{k}]", f'measure = "{e.measure}"', f"rest = {_fmt(e.rest)}", f"range = {_fmt(e.range)}",
                  f"reps = {e.reps}", f'calibrated = "{e.calibrated}"']
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # personal health data: owner only
    fd, tmp = tempfile.mkstemp(prefix=".profile-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(tmp, 0o600)  # personal health data: readable by its owner only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
