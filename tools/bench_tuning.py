"""Benchmark of the tuning loop: replay speed, and eval / extract throughput per engine.

    python tools/bench_tuning.py [--recordings DIR] [--labels LABELS.json] [--videos N]
                                 [--workers N] [--repeat K] [--skip-ray] [--skip-extract]
                                 [--replay-only]

replay: every recording in DIR replayed (coach.replay.replay: what `coach replay` runs, the live
Session on the recording's own timestamps) in this process pinned to one core, with the exercise
its clip's label names (else the one its name suggests); best of K runs, loading excluded and
reported apart: "x real time" (recording seconds per second of CPU and of wall time) for the
longest recording, per recording (min / median / max) and over all of them.
eval: `coach eval LABELS --recordings DIR` throughput (clips/s, frames/s) with 1 process, the
local pool and Ray local (--workers each).
extract: the N shortest labelled videos through the pose model (frames/s) with 1 process, the
local pool and Ray local; written to a temporary folder.

Timings include each engine's start-up (spawning workers, starting Ray), as a user sees them.
On a shared or busy machine the figures are noisy: the load average is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CLIPS = REPO.parent / "shared" / "data" / "clips"


def pin_one_core() -> str:
    try:
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return "not pinned"


def labelled_exercises(labels: Path) -> dict[str, str]:
    """Recording name (the clip's, without .mp4) -> the library exercise its label names."""
    if not labels.is_file():
        return {}
    sys.path.insert(0, str(REPO / "tests"))
    import realclips  # the labels' exercise names -> rule files (tests/realclips.py MAPPING)
    return {d["file"].rsplit(".", 1)[0]: ex for d in json.loads(labels.read_text())
            if (ex := realclips.exercise_id(d))}


def bench_replay(recs: list[Path], repeat: int, exercises: Optional[dict[str, str]] = None) -> dict:
    import statistics

    from coach.pose.recording import load_recording
    from coach.replay import guess_exercise, replay, resolve_rules
    rows = []
    for p in recs:
        t0 = time.perf_counter()
        rec = load_recording(p)
        load_s = time.perf_counter() - t0
        ex_id = (exercises or {}).get(p.stem) or guess_exercise(str(p), rec, None)
        if not ex_id:
            continue
        ex = resolve_rules(None, ex_id)
        runs = [_timed(lambda rec=rec, ex=ex: replay(rec, ex)) for _ in range(repeat)]
        dur = float(rec.times[-1] - rec.times[0]) + 1.0 / rec.fps
        rows.append({"recording": p.name, "frames": len(rec), "seconds": dur, "load_s": load_s,
                     "replay_s": min(w for w, _ in runs), "cpu_s": min(c for _, c in runs)})
    frames = sum(r["frames"] for r in rows)
    secs = sum(r["seconds"] for r in rows)
    wall = sum(r["replay_s"] for r in rows)
    cpu = sum(r["cpu_s"] for r in rows)
    longest = max(rows, key=lambda r: r["seconds"])
    per_cpu = sorted(r["seconds"] / r["cpu_s"] for r in rows)
    per_wall = sorted(r["seconds"] / r["replay_s"] for r in rows)
    return {"rows": rows, "per_recording_x_realtime_cpu": [per_cpu[0], statistics.median(per_cpu), per_cpu[-1]],
            "per_recording_x_realtime": [per_wall[0], statistics.median(per_wall), per_wall[-1]],
            "frames": frames, "seconds": secs, "replay_s": wall, "cpu_s": cpu,
            "load_s": sum(r["load_s"] for r in rows), "x_realtime": secs / wall, "x_realtime_cpu": secs / cpu,
            "us_per_frame": 1e6 * wall / frames, "cpu_us_per_frame": 1e6 * cpu / frames, "longest": longest,
            "longest_x_realtime": longest["seconds"] / longest["replay_s"],
            "longest_x_realtime_cpu": longest["seconds"] / longest["cpu_s"]}


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of fn(): on a busy machine the CPU time is
    what the replay costs, the wall time what the user waited."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def engines(workers: int, skip_ray: bool):
    from coach.engines import LocalEngine, make_engine
    out = [("1 process", lambda: LocalEngine(1)), (f"local pool ({workers})", lambda: LocalEngine(workers))]
    if not skip_ray:
        try:
            import ray  # noqa: F401
            out.append((f"Ray local ({workers})", lambda: make_engine("ray", workers)))
        except ImportError:
            print("ray not installed: no Ray figures", file=sys.stderr)
    return out


def bench_eval(labels: Path, recordings: Path, workers: int, skip_ray: bool) -> list[dict]:
    from coach import evaluate as E
    tasks, _ = E.plan(labels, recordings=str(recordings))
    rows = []
    for name, make in engines(workers, skip_ray):
        t0 = time.perf_counter()
        res = list(E.run(tasks, make()))
        wall = time.perf_counter() - t0
        frames = sum(r.get("frames", 0) for r in res)
        rows.append({"engine": name, "clips": len(res), "frames": frames, "wall_s": wall,
                     "clips_per_s": len(res) / wall, "frames_per_s": frames / wall})
    return rows


def bench_extract(videos: list[Path], workers: int, skip_ray: bool) -> list[dict]:
    from coach import extract as X
    rows = []
    for name, make in engines(workers, skip_ray):
        with tempfile.TemporaryDirectory() as d:
            jobs = X.plan([str(v) for v in videos], d)
            t0 = time.perf_counter()
            res = list(X.run(jobs, make()))
            wall = time.perf_counter() - t0
        bad = [r for r in res if r["status"] != "written"]
        if bad:
            raise SystemExit(f"extract failed: {bad[0]}")
        frames = sum(r["frames"] for r in res)
        rows.append({"engine": name, "videos": len(res), "frames": frames, "wall_s": wall,
                     "frames_per_s": frames / wall})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recordings", default="/work/cache/landmarks")
    ap.add_argument("--labels", default=str(CLIPS / "labels.json"))
    ap.add_argument("--videos", type=int, default=6, help="how many (shortest) labelled videos to extract")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--skip-extract", action="store_true")
    ap.add_argument("--replay-only", action="store_true", help="only the replay figures (no eval, no extract)")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    args = ap.parse_args()
    args.skip_extract = args.skip_extract or args.replay_only
    recs = sorted(Path(args.recordings).glob("*.npz"))
    print(f"machine: {os.cpu_count()} cores, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result: dict = {}
    if not args.skip_extract:
        labels = json.loads(Path(args.labels).read_text())
        vids = sorted(labels, key=lambda d: d["frames"] * d["width"] * d["height"])[: args.videos]
        result["extract"] = bench_extract([Path(args.labels).parent / d["file"] for d in vids], args.workers,
                                          args.skip_ray)
        print(f"\nextract ({len(vids)} shortest labelled videos, pose inference):")
        print(f"  {'engine':18s} {'frames':>7s} {'wall s':>7s} {'frames/s':>9s}")
        for r in result["extract"]:
            print(f"  {r['engine']:18s} {r['frames']:7d} {r['wall_s']:7.1f} {r['frames_per_s']:9.1f}")
    if not args.replay_only:
        result["eval"] = bench_eval(Path(args.labels), Path(args.recordings), args.workers, args.skip_ray)
        print(f"\neval --recordings ({result['eval'][0]['clips']} clips):")
        print(f"  {'engine':18s} {'clips':>5s} {'frames':>7s} {'wall s':>7s} {'clips/s':>8s} {'frames/s':>9s}")
        for r in result["eval"]:
            print(f"  {r['engine']:18s} {r['clips']:5d} {r['frames']:7d} {r['wall_s']:7.2f} "
                  f"{r['clips_per_s']:8.1f} {r['frames_per_s']:9.0f}")
    how = pin_one_core()  # last: the pools above use every core
    rp = bench_replay(recs, args.repeat, labelled_exercises(Path(args.labels)))
    result["replay"] = rp
    lg = rp["longest"]
    print(f"\nreplay, one process {how}, best of {args.repeat}:")
    print(f"  longest recording {lg['recording']}: {lg['frames']} frames, {lg['seconds']:.1f} s in "
          f"{lg['replay_s']:.3f} s wall = {rp['longest_x_realtime']:.0f}x real time "
          f"({lg['cpu_s']:.3f} s CPU = {rp['longest_x_realtime_cpu']:.0f}x)")
    print(f"  all {len(rp['rows'])} recordings: {rp['frames']} frames, {rp['seconds']:.0f} s of sessions in "
          f"{rp['replay_s']:.2f} s wall = {rp['x_realtime']:.0f}x real time, {rp['us_per_frame']:.0f} us/frame; "
          f"{rp['cpu_s']:.2f} s CPU = {rp['x_realtime_cpu']:.0f}x, {rp['cpu_us_per_frame']:.0f} us/frame "
          f"(+ {rp['load_s']:.2f} s loading)")
    lo, med, hi = rp["per_recording_x_realtime_cpu"]
    wlo, wmed, whi = rp["per_recording_x_realtime"]
    print(f"  per recording, x real time: CPU min {lo:.0f} / median {med:.0f} / max {hi:.0f}; "
          f"wall min {wlo:.0f} / median {wmed:.0f} / max {whi:.0f} (target: 500x for one recording on one core)")
    for r in rp["rows"]:
        print(f"    {r['recording']:52s} {r['frames']:5d} frames {r['seconds']:6.1f} s  "
              f"CPU {r['cpu_s'] * 1000:7.1f} ms {r['seconds'] / r['cpu_s']:5.0f}x  "
              f"{1e6 * r['cpu_s'] / r['frames']:4.0f} us/frame  "
              f"wall {r['seconds'] / r['replay_s']:5.0f}x")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
