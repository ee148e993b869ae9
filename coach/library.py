"""Where shipped data lives: exercise rule files and calibration/pipeline defaults.

Installed wheels carry them in ``coach/_data/``; a source checkout uses the repo's
``exercises/`` and ``calibration/`` so a therapist's edits apply at once.
"""
from __future__ import annotations

from pathlib import Path

from .config import PipelineConfig
from .errors import UsageError
from .rules.loader import load_exercise, read_toml_file
from .rules.schema import Exercise

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for cand in (_PKG.parent / name, _PKG / "_data" / name):
        if cand.is_dir() and any(cand.iterdir()):
            return cand
    return _PKG / "_data" / name


def exercises_dir() -> Path:
    return _data_dir("exercises")


def demo_dir() -> Path:
    """The demo's landmark recordings (demo/ in a checkout, coach/_data/demo in a wheel)."""
    return _data_dir("demo")


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


def calibration_protocol(path: Path | None = None) -> dict:
    """calibration/protocol.toml, checked (coach.rules.pipeline.PROTOCOL): min_reps (a whole
    number 1-20) and instructions (en required)."""
    from .rules.pipeline import parse_protocol
    path = path or calibration_dir() / "protocol.toml"
    if not path.exists():
        raise UsageError(f"calibration protocol not found: {path}")
    return parse_protocol(read_toml_file(path, "calibration protocol"), str(path))


def desk_settings(path: Path | None = None) -> dict:
    """calibration/desk.toml (coach.rules.pipeline.DESK), checked; the break exercises must exist."""
    from .rules.pipeline import parse_desk
    path = path or calibration_dir() / "desk.toml"
    if not path.exists():
        raise UsageError(f"desk settings not found: {path}")
    out = parse_desk(read_toml_file(path, "desk settings"), str(path))
    for ex_id in out["break_exercises"]:
        find_exercise(ex_id)  # one clear line for an unknown id
    return out


def pipeline_params(path: Path | None = None) -> PipelineConfig:
    """calibration/pipeline.toml, every key typed and range-checked (coach.rules.pipeline), as
    the typed coach.config.PipelineConfig (a key left out keeps its default there)."""
    from .rules.pipeline import parse_pipeline
    path = path or calibration_dir() / "pipeline.toml"
    if not path.exists():
        raise UsageError(f"pipeline parameters not found: {path}")
    return PipelineConfig.from_sections(parse_pipeline(read_toml_file(path, "pipeline file"), str(path)))
