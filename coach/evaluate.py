"""Rep-count accuracy of rule files on labelled clips: ``coach eval LABELS.json``.

Labels are a JSON list in the format of ``../shared/data/clips/labels.json``; each entry needs
``file`` (a video beside the labels file), ``exercise`` and ``reps`` (the hand count; null = not
counted, skipped), and may have ``view``. With ``recordings`` (a folder), the clip's landmark
recording ``<folder>/<video stem>.npz`` (made by ``coach extract``) is replayed instead of the
video: seconds for the whole library instead of minutes of pose inference.

Every clip is one task for a coach.engines engine (local pool by default, Ray on request); the
per-clip rows come back in label order. The table is the clip rows (truth, counted, attempts,
error) and exact / within-one / mean |error| per exercise and overall.

Units: error in reps (counted - truth); seconds of wall time per clip.
"""
from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from .errors import UsageError

if TYPE_CHECKING:
    from .summary import Summary

# labels.json `exercise` -> rule-file id, where they differ (see the clips README). None: no
# library exercise for it (the clip is listed as not scored). Holds are scored as one rep.
ALIASES: dict[str, Optional[str]] = {"band_row": "resisted_row", "seated_row": "resisted_row",
                                     "glute_bridge_hold": "glute_bridge", "chest_opener_hold": None}


@dataclass(frozen=True)
class EvalTask:
    """One labelled clip to score. source: the video, or its landmark recording (.npz); rules:
    a folder of rule files to use instead of the library (None = library); transform: an
    optional picklable function recording -> recording (landmark-space variants, dev tools;
    with a local pool it must be importable by the worker processes)."""

    file: str
    exercise: str
    truth: int
    source: str
    view: Optional[str] = None
    rules: Optional[str] = None
    variant: str = "plain"
    transform: Optional[Callable[[Any], Any]] = None
    keep_summary: bool = False  # also return the session summary in the row ("summary")


def exercise_for(label: str) -> Optional[str]:
    return ALIASES.get(label, label)


def load_labels(path: str | Path) -> list[dict]:
    """The labels file as a list of dicts (UsageError, one line, when it cannot be used)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such labels file: {path}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read labels '{path}': {exc}") from None
    if not isinstance(data, list) or not all(isinstance(d, dict) and "file" in d and "exercise" in d for d in data):
        raise UsageError(f"labels '{path}' must be a JSON list of objects with 'file', 'exercise' and 'reps'")
    return data


def plan(labels_path: str | Path, *, recordings: Optional[str] = None, rules: Optional[str] = None,
         only: str = "") -> tuple[list[EvalTask], list[dict]]:
    """(tasks, rows of clips not scored with the reason) for a labels file."""
    from .library import exercises_dir
    labels_path = Path(labels_path)
    rules_dir = Path(rules) if rules else exercises_dir()
    if rules and not rules_dir.is_dir():
        raise UsageError(f"--rules expects a folder of rule files, found '{rules}'")
    if recordings and not Path(recordings).is_dir():
        raise UsageError(f"--recordings expects a folder of .npz recordings, found '{recordings}'")
    tasks: list[EvalTask] = []
    left: list[dict] = []
    for lab in load_labels(labels_path):
        if only and only not in lab["file"]:
            continue
        ex = exercise_for(lab["exercise"])
        base = {"clip": lab["file"], "exercise": ex or lab["exercise"], "view": lab.get("view"),
                "truth": lab.get("reps"), "counted": None}
        src = (Path(recordings) / (Path(lab["file"]).stem + ".npz")) if recordings else labels_path.parent / lab["file"]
        why = None
        if lab.get("reps") is None:
            why = "no hand count (reps is null)"
        elif ex is None:
            why = f"{lab['exercise']}: no library exercise"
        elif not (rules_dir / f"{ex}.toml").exists():
            why = f"no rule file {ex}.toml"
        elif not src.exists():
            why = f"no {'recording' if recordings else 'video'} {src}"
        if why or ex is None:  # ex is None always comes with a reason
            left.append({**base, "skipped": why})
            continue
        tasks.append(EvalTask(lab["file"], ex, int(lab["reps"]), str(src), lab.get("view"),
                              str(rules_dir) if rules else None))
    from .rules.loader import check_files
    problems = check_files(sorted({rules_dir / f"{t.exercise}.toml" for t in tasks}))
    if problems:  # every problem now, before minutes of work
        from .errors import RuleFileError
        raise RuleFileError(problems)
    return tasks, left


def init_worker() -> Any:
    """Per worker, once: import the session code (the pose model is opened per video: MediaPipe's
    video mode tracks across frames, and a fresh graph per clip is what `coach analyze` does)."""
    from . import runner  # noqa: F401
    return None


def summarise(task: EvalTask) -> Summary:
    """The coach's session summary for one task (video through the pose model, or recording)."""
    from .library import find_exercise, pipeline_params
    from .runner import Session
    ex = find_exercise(str(Path(task.rules) / f"{task.exercise}.toml") if task.rules else task.exercise)
    if task.source.endswith(".npz"):
        from .pose.recording import load_recording
        from .runner import recording_items, recording_times
        rec = load_recording(task.source)
        if task.transform is not None:
            rec = task.transform(rec)
        # nothing draws: the coach smooths only the landmarks the rules read, for the whole
        # recording at once (same decisions)
        session = Session(ex, pipeline_params(), fps=rec.fps, source_name=Path(task.source).name, poses=False)
        session.prepare(rec.poses, recording_times(rec))
        return session.run(recording_items(rec))
    from .capture import open_source
    from .runner import video_items
    params = pipeline_params()
    source = open_source(task.source)
    est = None
    try:
        est = pose_estimator(None, params)
        session = Session(ex, params, fps=source.fps, source_name=source.name)
        return session.run(video_items(source, est))
    finally:
        source.close()
        if est is not None:
            est.close()


def pose_estimator(model, params):
    """A PoseEstimator for a video file with the pipeline's pose settings (as `coach analyze`)."""
    from .pose.landmarker import PoseEstimator
    pose = params.pose
    return PoseEstimator(model, live=False, min_detection_confidence=pose.min_detection_confidence,
                         min_presence_confidence=pose.min_presence_confidence,
                         min_tracking_confidence=pose.min_tracking_confidence)


def score_task(_state: Any, task: EvalTask) -> dict:
    """One JSON-ready row (a coach.engines task); errors become the row's "error"."""
    from .errors import CoachError
    t0 = time.perf_counter()
    row: dict[str, Any] = {"clip": task.file, "exercise": task.exercise, "view": task.view, "variant": task.variant,
                           "truth": task.truth, "counted": None}
    try:
        s = summarise(task)
    except CoachError as exc:
        row["error"] = str(exc)
    except Exception as exc:  # a damaged file must not stop the rest of the library
        row["error"] = f"{type(exc).__name__}: {exc}"
    else:
        row.update(counted=s.reps, attempts=s.attempts, uncounted=[d.reason or "?" for d in s.missed],
                   view_seen=s.view, cues=len(s.cues), frames=s.frames, seconds=s.seconds)
        if task.keep_summary:
            row["summary"] = s
    row["wall_s"] = round(time.perf_counter() - t0, 3)
    return row


def run(tasks: list[EvalTask], engine) -> Iterable[dict]:
    """Every task through the engine; rows in task order, streamed. The pose model bundle is
    built here first when videos are scored, so parallel workers never race to build it."""
    if any(not t.source.endswith(".npz") for t in tasks):
        from .pose.landmarker import ensure_bundle
        ensure_bundle()
    return engine.map(score_task, tasks, init_worker)


# ---------------------------------------------------------------------------- the table

def row_error(r: dict) -> int:
    """Reps counted minus the truth."""
    return r["counted"] - r["truth"]


def scored(rows: Iterable[dict]) -> list[dict]:
    return [r for r in rows if r.get("counted") is not None]


def stats(rows: Iterable[dict], error: Callable[[dict], int] = row_error) -> tuple[int, float, float, float]:
    """(n, exact share, within-one share, mean |error| in reps) over the scored rows."""
    errs = [abs(error(r)) for r in scored(rows)]
    if not errs:
        return 0, math.nan, math.nan, math.nan
    n = len(errs)
    return n, sum(e == 0 for e in errs) / n, sum(e <= 1 for e in errs) / n, sum(errs) / n


def clip_line(r: dict, error: Callable[[dict], int] = row_error) -> str:
    head = f"{r['clip'][:54]:54s} {r['exercise'][:26]:26s}"
    if r.get("counted") is None:
        why = r.get("skipped") or f"ERROR {r.get('error', 'not scored')}"
        return f"{head} {'-' if r.get('truth') is None else r['truth']:>5} {'-':>7} {'-':>8} {'-':>5}  {why}"
    return f"{head} {r['truth']:5d} {r['counted']:7d} {r['attempts']:8d} {error(r):+5d}"


HEADER = f"{'clip':54s} {'exercise':26s} {'truth':>5s} {'counted':>7s} {'attempts':>8s} {'error':>5s}"


def group_table(rows: list[dict], key: str, error: Callable[[dict], int] = row_error) -> list[str]:
    """Exact / within-one / mean |error| per value of row[key], then all rows together."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in scored(rows):
        groups[str(r[key])].append(r)
    lines = [f"{'per ' + key:28s} {'clips':>5s} {'exact':>6s} {'within1':>8s} {'mean|err|':>9s}"]
    for name in sorted(groups):
        n, exact, within, mae = stats(groups[name], error)
        lines.append(f"{name:28s} {n:5d} {exact:6.0%} {within:8.0%} {mae:9.2f}")
    n, exact, within, mae = stats(rows, error)
    if n:
        lines.append(f"{'overall':28s} {n:5d} {exact:6.0%} {within:8.0%} {mae:9.2f}")
    return lines


def summary_lines(rows: list[dict], error: Callable[[dict], int] = row_error) -> list[str]:
    n, exact, within, mae = stats(rows, error)
    failed = sum(1 for r in rows if r.get("error"))
    skipped = sum(1 for r in rows if r.get("skipped"))
    lines = [""] + group_table(rows, "exercise", error)
    lines.append("")
    lines.append(f"{n} clips scored: exact {exact:.0%}, within one {within:.0%}, mean |error| {mae:.2f} reps"
                 if n else "no clip scored")
    if failed or skipped:
        lines.append(f"{failed} failed, {skipped} not scored (see their rows)")
    return lines
