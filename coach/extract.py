"""Videos to landmark recordings: ``coach extract VIDEO... -o DIR``.

Each video goes through the pose model once and its landmarks are saved as a recording
(coach.pose.recording, the format sessions store) named ``<DIR>/<video stem>.npz``; from then on
``replay``, ``explain`` and ``eval --recordings`` use it in milliseconds instead of minutes. A
recording that already exists is kept, never overwritten (so an interrupted backlog resumes
where it stopped); the file appears only once complete (the writer renames a finished temp file).

One video is one task for a coach.engines engine; the pose model bundle is built once up front
and a fresh MediaPipe graph is opened per video (its video mode tracks across frames, so a
graph is never shared between clips: the landmarks equal those of `coach analyze --record`).
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from .errors import UsageError

# Frames between two progress updates of a video extracted in this process (a bar redraw costs
# ~0.1 ms; pose inference ~25 ms per frame).
PROGRESS_EVERY = 10


@dataclass(frozen=True)
class ExtractJob:
    """video: a video file or image folder; out: the .npz to write; model: a .task or None."""

    video: str
    out: str
    model: Optional[str] = None


def plan(videos: Iterable[str], out_dir: str, model: Optional[str] = None) -> list[ExtractJob]:
    """One job per video; UsageError (one line) for a missing output folder or two videos that
    would write the same recording."""
    out = Path(out_dir)
    if not out.is_dir():
        raise UsageError(f"output folder does not exist: {out_dir}")
    jobs: list[ExtractJob] = []
    seen: dict[str, str] = {}
    for v in videos:
        p = Path(v)
        if not p.exists():
            raise UsageError(f"no such video: {v}")
        target = out / (p.stem + ".npz")
        if str(target) in seen:
            raise UsageError(f"{v} and {seen[str(target)]} would both be saved as {target}: rename one")
        seen[str(target)] = v
        jobs.append(ExtractJob(str(p), str(target), model))
    return jobs


def frame_counts(jobs: list[ExtractJob]) -> list[Optional[int]]:
    """Frames each video says it has (the container's count; None when unknown), for progress."""
    from .capture import open_source
    out: list[Optional[int]] = []
    for j in jobs:
        try:
            src = open_source(j.video)
        except Exception:  # reported by the job itself
            out.append(None)
            continue
        try:
            n = getattr(src, "frame_count", None)
            out.append(int(n) if n else None)
        finally:
            src.close()
    return out


def init_worker() -> Any:
    """Per worker, once: mediapipe imported and the model bundle checked."""
    from .pose.landmarker import ensure_bundle
    return {"bundle": ensure_bundle()}


def extract_one(state: Any, job: ExtractJob) -> dict:
    """Landmarks of one video into job.out (a coach.engines task); a JSON-ready row. When
    ``state`` has a "progress" callable (in this process only), it is called with the number of
    frames done every PROGRESS_EVERY frames."""
    from . import __version__
    from .capture import open_source
    from .errors import CoachError
    from .evaluate import pose_estimator
    from .library import pipeline_params
    from .pose.recording import save_recording
    t0 = time.perf_counter()
    row: dict[str, Any] = {"video": job.video, "recording": job.out}
    if Path(job.out).exists():
        row.update(status="kept", note="recording exists: kept, not overwritten")
        return row
    source = est = None
    try:
        source = open_source(job.video)
        est = pose_estimator(job.model, pipeline_params())
        poses, times, indices = [], [], []
        progress = state.get("progress") if isinstance(state, dict) else None
        for frame in source:
            poses.append(est.process(frame))
            times.append(frame.t)
            indices.append(frame.index)
            if progress is not None and len(poses) % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if not poses:
            raise CoachError(f"no frames could be read from '{job.video}'")
        meta = {"source": source.name, "model": est.model_name, "model_sha256": est.model_sha256,
                "coach_version": __version__, "tool": "coach extract", "warnings": list(source.warnings),
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        # written atomically (temp file, then rename): a recording on disk is always complete
        save_recording(job.out, poses, times, meta, indices=indices, fps=source.fps, image_size=source.size)
        row.update(status="written", frames=len(poses), poses=sum(p is not None for p in poses),
                   fps=round(source.fps, 3))
    except CoachError as exc:
        row.update(status="failed", error=str(exc))
    except Exception as exc:  # one broken video must not stop a backlog
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    finally:
        for c in (est, source):
            if c is not None:
                try:
                    c.close()
                except Exception:
                    pass
    row["wall_s"] = round(time.perf_counter() - t0, 3)
    return row


def run(jobs: list[ExtractJob], engine) -> Iterable[dict]:
    """Every job through the engine; rows in job order, streamed."""
    if jobs:
        from .pose.landmarker import ensure_bundle
        ensure_bundle()  # once here: parallel workers never race to build it
    return engine.map(extract_one, jobs, init_worker)
