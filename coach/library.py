"""Where shipped data lives: exercise rule files and calibration/pipeline defaults.

Installed wheels carry them in ``coach/_data/``; a source checkout uses the repo's
``exercises/`` and ``calibration/`` so a therapist's edits apply at once.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import RuleFileError, UsageError
from .rules.loader import load_exercise
from .rules.schema import Exercise

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for cand in (_PKG.parent / name, _PKG / "_data" / name):
        if cand.is_dir() and any(cand.iterdir()):
            return cand
    return _PKG / "_data" / name


def exercises_dir() -> Path:
    return _data_dir("exercises")


def calibration_dir() -> Path:
    return _data_dir("calibration")


def exercise_ids() -> list[str]:
    return sorted(p.stem for p in exercises_dir().glob("*.toml"))


def find_exercise(name: str) -> Exercise:
    """An exercise by id (from the library) or by path to a .toml file."""
    p = Path(name)
    if p.suffix == ".toml" or p.exists():
        return load_exercise(p)
    f = exercises_dir() / f"{name}.toml"
    if not f.exists():
        from .rules.tomlpos import did_you_mean
        hint = did_you_mean(name, exercise_ids())
        raise UsageError(f"unknown exercise '{name}'" + (f" (did you mean '{hint}'?)" if hint else "")
                         + "; 'coach list' shows them all")
    return load_exercise(f)


@dataclass(frozen=True)
class PipelineParams:
    """calibration/pipeline.toml as nested dicts: section -> key -> value."""

    values: dict[str, dict[str, Any]]

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.values.get(name, {}))


def calibration_protocol(path: Path | None = None) -> dict:
    """calibration/protocol.toml, checked: min_reps (a whole number >= 1) and instructions (en, es)."""
    path = path or calibration_dir() / "protocol.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"calibration protocol not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError([f"{path}: {exc}"]) from None
    n, ins = data.get("min_reps"), data.get("instructions")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise RuleFileError([f"{path}: 'min_reps' expects a whole number >= 1, found {n!r}"])
    if not isinstance(ins, dict) or not isinstance(ins.get("en"), str):
        raise RuleFileError([f"{path}: [instructions] needs an English text: en = \"...\""])
    return {"min_reps": n, "instructions": ins}


def pipeline_params(path: Path | None = None) -> PipelineParams:
    path = path or calibration_dir() / "pipeline.toml"
    try:
        return PipelineParams(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise UsageError(f"pipeline parameters not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError([f"{path}: {exc}"]) from None
