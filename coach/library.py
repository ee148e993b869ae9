"""Where shipped data lives: exercise rule files and calibration/pipeline defaults.

Installed wheels carry them in ``coach/_data/``; a source checkout uses the repo's
``exercises/`` and ``calibration/`` so a therapist's edits apply at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

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


def data_file(name: str, folder: Path, ids: Callable[[], list[str]], what: str, list_command: str) -> Path:
    """The file a name means: a path to a .toml file as given, else ``folder/NAME.toml``; an
    unknown id is one UsageError line with the nearest of ``ids()`` (listed only then) and the
    command that lists them."""
    p = Path(name)
    if p.suffix == ".toml" or p.exists():
        return p
    f = folder / f"{name}.toml"
    if not f.exists():
        from .rules.tomlpos import did_you_mean
        hint = did_you_mean(name, ids())
        raise UsageError(f"unknown {what} '{name}'" + (f" (did you mean '{hint}'?)" if hint else "")
                         + f"; '{list_command}' shows them all")
    return f


def find_exercise(name: str) -> Exercise:
    """An exercise by id (from the library) or by path to a .toml file."""
    return load_exercise(data_file(name, exercises_dir(), exercise_ids, "exercise", "coach list"))


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


_PIPELINE_PARSED: dict[Path, tuple[bytes, PipelineConfig]] = {}  # path -> (its bytes, what they parsed to)


def pipeline_params(path: Path | None = None) -> PipelineConfig:
    """calibration/pipeline.toml, every key typed and range-checked (coach.rules.pipeline), as
    the typed coach.config.PipelineConfig (a key left out keeps its default there). Parsed
    again only when the file's bytes change (~0.4 ms a parse; a tool replaying many
    recordings asks once a replay)."""
    from .rules.pipeline import parse_pipeline
    path = path or calibration_dir() / "pipeline.toml"
    if not path.exists():
        raise UsageError(f"pipeline parameters not found: {path}")
    try:
        raw: Optional[bytes] = path.read_bytes()
    except OSError:
        raw = None  # read_toml_file says why, as one line
    seen = _PIPELINE_PARSED.get(path)
    if raw is not None and seen is not None and seen[0] == raw:
        return seen[1]
    params = PipelineConfig.from_sections(parse_pipeline(read_toml_file(path, "pipeline file"), str(path)))
    if raw is not None:
        _PIPELINE_PARSED[path] = (raw, params)
    return params
