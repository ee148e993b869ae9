"""`coach bench VIDEO`: where the time goes, stage by stage, against the naive "hobby loop".

A measurement, not a test: it reads the clock (``time.perf_counter``) around the stages from
outside them (by wrapping the stage callables of one Session), so the stages themselves stay
clock-free. Two passes over the same frames:

1. the coach, exactly as ``coach analyze --output`` runs it (reader thread, pose model, engine,
   overlay, mp4 writer), timing each stage per frame;
2. the hobby loop: read a frame, convert it to RGB, run the same pose model, compute one angle
   (:func:`coach.pose.landmarker.hobby_loop`).

Figures, all in milliseconds per frame unless said: median and p95 for decode (on the reader
thread: read + the one colour conversion, overlapped with inference), pose (the model's
inference call alone), pose adapter (the rest of PoseEstimator.process: any conversion left on
the main thread, landmarks to arrays),
smoothing+measures, reps+checks+cues, render and write; ``analyze_wall_s`` is the coach's wall
time without render and write (what ``coach analyze`` without ``--output`` costs), ``pose_s``
the summed inference time alone, ``fps`` the end-to-end rate, peak memory (resident set, MB).
"""
from __future__ import annotations

import dataclasses
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np

STAGES = ("decode", "pose", "pose adapter", "smoothing+measures", "reps+checks+cues", "render", "write")
# Targets from issue 11 (a benchmark, not a timed test).
TARGET_ANALYZE_OVER_POSE = 1.1  # analyze wall / pose inference alone, at most
TARGET_COACH_MS = 0.5  # the coach's own stages (smoothing+measures + reps+checks+cues), median ms/frame


def _stats(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0, "median_ms": None, "p95_ms": None, "total_s": 0.0}
    a = np.asarray(ms, np.float64)
    return {"n": int(a.size), "median_ms": round(float(np.median(a)), 3),
            "p95_ms": round(float(np.percentile(a, 95)), 3), "total_s": round(float(a.sum()) / 1000.0, 3)}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def _timed(fn, sink: list):
    def wrapper(*a, **kw):
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            sink.append((time.perf_counter() - t0) * 1000.0)
    return wrapper


def guess_exercise(video: str) -> str:
    """The exercise a dev clip shows, from its name (``squat__crossfit-side.mp4`` -> squat);
    squat when the name says nothing the library knows."""
    from .library import exercise_ids
    stem = Path(video).name.split("__")[0]
    return stem if stem in exercise_ids() else "squat"


def run_bench(video: str, exercise: Optional[str] = None, model: Optional[str] = None,
              max_frames: Optional[int] = None, hobby: bool = True) -> dict:
    """Both passes on ``video``; returns the figures (see the module docstring)."""
    from .capture import VideoWriter, open_source, prefetch
    from .library import find_exercise, pipeline_params
    from .pose.landmarker import PoseEstimator, hobby_loop
    from .render import draw_overlay
    from .runner import Session, video_items

    ex = find_exercise(exercise or guess_exercise(video))
    params = pipeline_params()
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    step_ms: list[float] = []
    source = open_source(video)
    src = prefetch(source)
    est = PoseEstimator(model, live=False, **dataclasses.asdict(params.pose))
    process_ms: list[float] = []
    est.process = _timed(est.process, process_ms)  # type: ignore[method-assign]  # timing wrapper, same call
    create = est._create

    def timed_create():  # the graph is made again when the frame size changes
        lm = create()
        lm.detect_for_video = _timed(lm.detect_for_video, times["pose"])
        return lm
    est._create = timed_create  # type: ignore[method-assign]  # timing wrapper, same call
    assert est._landmarker is not None  # made by PoseEstimator.__init__
    est._landmarker.close()
    est._landmarker = timed_create()
    session = Session(ex, params, fps=source.fps, source_name=source.name)
    coach = session.coach
    sm_ms: list[float] = []
    meas_ms: list[float] = []
    coach.smoother = _timed(coach.smoother, sm_ms)
    # the measures stage is the bank's measure() (Coach no longer has a _measure_all)
    coach.bank.measure = _timed(coach.bank.measure, meas_ms)  # type: ignore[method-assign]  # timing wrapper
    coach.step = _timed(coach.step, step_ms)  # type: ignore[method-assign]  # timing wrapper, same call
    out_dir = tempfile.mkdtemp(prefix="coach-bench-")
    out = Path(out_dir) / "bench.mp4"
    writer = {"w": None}

    raw_poses = []

    def sink(r, item):
        raw_poses.append((item.pose, item.t, item.index))
        t0 = time.perf_counter()
        img = draw_overlay(item.image.copy(), r, ex.id)
        t1 = time.perf_counter()
        if writer["w"] is None:
            h, w = img.shape[:2]
            writer["w"] = VideoWriter(out, source.fps, (w, h))
        writer["w"].write(img)
        t2 = time.perf_counter()
        times["render"].append((t1 - t0) * 1000.0)
        times["write"].append((t2 - t1) * 1000.0)

    items = video_items(src, est)
    if max_frames:
        import itertools
        items = itertools.islice(items, max_frames)
    t0 = time.perf_counter()
    try:
        summary = session.run(items, [sink])
    finally:
        wall = time.perf_counter() - t0
        src.close()
        est.close()
        if writer["w"] is not None:
            writer["w"].close()
        try:
            out.unlink()
        except OSError:
            pass
        os.rmdir(out_dir)
    peak = _peak_rss_mb()
    times["decode"] = list(getattr(src, "decode_ms", []))
    n = len(step_ms)
    times["pose adapter"] = [p - i for p, i in zip(process_ms, times["pose"])]
    times["smoothing+measures"] = [a + b for a, b in zip(sm_ms, meas_ms)]
    times["reps+checks+cues"] = [s - a - b for s, a, b in zip(step_ms, sm_ms, meas_ms)]
    render_s = sum(times["render"]) / 1000.0 + sum(times["write"]) / 1000.0
    pose_s = sum(times["pose"]) / 1000.0
    analyze_wall = wall - render_s
    own = [a + b for a, b in zip(times["smoothing+measures"], times["reps+checks+cues"])]
    # The same poses through a fresh engine with nothing else running: the engine's own cost,
    # without the pose model's threads competing for the two cores.
    from .engine import Coach
    alone = Coach(ex, params)
    alone_ms = []
    for pose, t, i in raw_poses:
        t0 = time.perf_counter()
        alone.step(pose, t, i)
        alone_ms.append((time.perf_counter() - t0) * 1000.0)
    res: dict[str, Any] = {
        "video": str(video), "exercise": ex.id, "frames": n, "size": list(source.size or ()),
        "stages": {s: _stats(times[s]) for s in STAGES},
        "coach_own_median_ms": round(float(np.median(own)), 3) if own else None,
        "coach_own_alone": _stats(alone_ms),
        "wall_s": round(wall, 3), "analyze_wall_s": round(analyze_wall, 3), "pose_s": round(pose_s, 3),
        "fps": round(n / wall, 2) if wall > 0 else None,
        "analyze_fps": round(n / analyze_wall, 2) if analyze_wall > 0 else None,
        "analyze_over_pose": round(analyze_wall / pose_s, 3) if pose_s > 0 else None,
        "peak_rss_mb": round(peak, 1), "reps": summary.reps,
        "targets": {"analyze_over_pose_max": TARGET_ANALYZE_OVER_POSE, "coach_own_median_ms_max": TARGET_COACH_MS},
    }
    if hobby:
        h = hobby_loop(video, model, max_frames=n, **dataclasses.asdict(params.pose))
        res["hobby"] = {"wall_s": round(h["wall_s"], 3), "frames": h["frames"],
                        "fps": round(h["frames"] / h["wall_s"], 2) if h["wall_s"] > 0 else None}
        res["analyze_over_hobby"] = round(analyze_wall / h["wall_s"], 3) if h["wall_s"] > 0 else None
    res["meets"] = {"analyze_over_pose": res["analyze_over_pose"] is not None
                    and res["analyze_over_pose"] <= TARGET_ANALYZE_OVER_POSE,
                    "coach_own_ms": res["coach_own_median_ms"] is not None
                    and res["coach_own_median_ms"] <= TARGET_COACH_MS}
    return res


def format_bench(r: dict) -> str:
    """The figures as a short table for a terminal."""
    w, h = (r["size"] + [0, 0])[:2]
    lines = [f"{Path(r['video']).name}: {r['frames']} frames {w}x{h}, exercise {r['exercise']}, {r['reps']} reps",
             f"{'stage':<20}{'median ms':>10}{'p95 ms':>10}{'total s':>10}"]
    for s in STAGES:
        st = r["stages"][s]
        if st["n"]:
            lines.append(f"{s:<20}{st['median_ms']:>10.2f}{st['p95_ms']:>10.2f}{st['total_s']:>10.2f}")
    ok = lambda b: "ok" if b else "MISSED"  # noqa: E731
    lines += [
        f"coach's own stages: {r['coach_own_median_ms']:.3f} ms/frame median "
        f"(target <= {TARGET_COACH_MS}: {ok(r['meets']['coach_own_ms'])}); replayed alone on the same poses: "
        f"{r['coach_own_alone']['median_ms']:.3f} median, {r['coach_own_alone']['p95_ms']:.3f} p95",
        f"end to end: {r['wall_s']:.2f} s, {r['fps']:.1f} fps (with overlay and mp4); "
        f"analyze alone {r['analyze_wall_s']:.2f} s, {r['analyze_fps']:.1f} fps",
        f"pose inference alone: {r['pose_s']:.2f} s; analyze / pose = {r['analyze_over_pose']:.3f} "
        f"(target <= {TARGET_ANALYZE_OVER_POSE}: {ok(r['meets']['analyze_over_pose'])})",
        f"peak memory: {r['peak_rss_mb']:.0f} MB resident",
    ]
    if "hobby" in r:
        lines.append(f"hobby loop (read, convert, pose, angle): {r['hobby']['wall_s']:.2f} s, "
                     f"{r['hobby']['fps']:.1f} fps; analyze / hobby = {r['analyze_over_hobby']:.3f}")
    lines.append("timings are wall clock on this machine: other load skews them; compare runs side by side")
    return "\n".join(lines)
