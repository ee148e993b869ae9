"""The therapist's tuning loop on the command line: `coach extract|replay|explain|eval`.

Kept apart from coach.cli (which only registers these subcommands) so that the run/analyze
commands and these batch ones can change independently. Exit codes as in coach.cli: 0 ok,
1 a runtime failure (some file could not be used), 2 usage or rule-file errors.
"""
from __future__ import annotations

import json
import sys
import time
from typing import Iterable, Optional

from .engines import add_engine_options, engine_from_args
from .errors import CoachError, RuleFileError, UsageError


def add_parsers(sub) -> None:
    x = sub.add_parser("extract", help="videos -> landmark recordings (reusable for replay, explain and eval)")
    x.add_argument("videos", nargs="+", metavar="VIDEO", help="video files or image folders")
    x.add_argument("-o", "--out", required=True, metavar="DIR", help="folder for the .npz recordings (must exist)")
    x.add_argument("--model", metavar="PATH",
                   help="an official MediaPipe pose_landmarker .task (default: the full model)")
    x.add_argument("--json", action="store_true", help="one JSON object per video on stdout")
    x.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_engine_options(x)

    r = sub.add_parser("replay", help="re-score landmark recordings with (edited) rules and show what changed")
    r.add_argument("recordings", nargs="+", metavar="RECORDING", help=".npz landmark recordings")
    r.add_argument("--rules", metavar="FILE_OR_DIR", help="the edited rule file, or a folder of rule files "
                   "(default: the shipped library)")
    r.add_argument("--exercise", metavar="ID", help="the exercise, when the recording does not say")
    r.add_argument("--outcome", metavar="FILE.json", help="the recorded outcome to compare with (the JSON of "
                   "'coach analyze --json', or an earlier 'coach replay --json'); default: the recording's own, "
                   "else the "
                   "shipped rules")
    r.add_argument("--changed", action="store_true", help="list only the attempts that changed")
    r.add_argument("--json", action="store_true", help="one JSON object per recording on stdout")
    add_engine_options(r, "every core; one recording runs in this process")

    e = sub.add_parser("explain", help="why an attempt counted or not, or why a cue fired (with rule-file lines)")
    e.add_argument("recording", metavar="RECORDING", help=".npz landmark recording")
    g = e.add_mutually_exclusive_group(required=True)
    g.add_argument("--rep", type=int, metavar="N", help="the N-th attempt (1 = first, counted or not)")
    g.add_argument("--cue", type=float, metavar="T", help="the cue nearest T seconds")
    e.add_argument("--rules", metavar="FILE_OR_DIR", help="rule file or folder (default: the shipped library)")
    e.add_argument("--exercise", metavar="ID", help="the exercise, when the recording does not say")
    e.add_argument("--plot", metavar="FILE.png", help="also draw the trace (measure, thresholds, attempts, cues)")
    e.add_argument("--json", action="store_true", help="print the facts as JSON")

    v = sub.add_parser("eval", help="rep-count accuracy on labelled clips (labels.json)")
    v.add_argument("labels", metavar="LABELS.json", help="labels in the format of shared/data/clips/labels.json")
    v.add_argument("--rules", metavar="DIR", help="a folder of rule files to evaluate (default: the library)")
    v.add_argument("--recordings", metavar="DIR", help="replay DIR/<clip>.npz (from 'coach extract') instead of "
                   "running the pose model on the videos")
    v.add_argument("--only", default="", metavar="TEXT", help="only clips whose file name contains TEXT")
    v.add_argument("--json", action="store_true", help="print every row and the totals as one JSON object")
    add_engine_options(v)


def _progress(total: int, unit: str, disabled: bool):
    """A tqdm bar on stderr (when stderr is a terminal), or None."""
    if disabled or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]  # no hints shipped; types-tqdm is no dependency
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    import shutil
    # the terminal's width (80 when it reports none, as some pseudo-terminals do: tqdm would
    # then draw an empty bar)
    return tqdm(total=total, unit=unit, file=sys.stderr, ncols=shutil.get_terminal_size((80, 24)).columns)


def cmd_extract(args) -> int:
    from . import extract
    from .engines import LocalEngine
    jobs = extract.plan(args.videos, args.out, args.model)
    engine = engine_from_args(args)
    here = isinstance(engine, LocalEngine) and (engine.workers == 1 or len(jobs) == 1)
    bar, counts = None, []
    if not args.no_progress and sys.stderr.isatty():
        counts = extract.frame_counts(jobs)
        by_frame = all(n is not None for n in counts)
        bar = _progress(sum(n or 0 for n in counts) if by_frame else len(jobs), "frame" if by_frame else "video", False)
    if here:  # in this process: the bar moves frame by frame
        from .pose.landmarker import ensure_bundle
        ensure_bundle()
        state = {"progress": bar.update} if bar is not None and bar.unit == "frame" else None
        results: Iterable[dict] = (extract.extract_one(state, j) for j in jobs)
    else:  # workers: the bar moves video by video
        results = extract.run(jobs, engine)
    failed = done = 0
    try:
        for i, row in enumerate(results):
            failed += row["status"] == "failed"
            if args.json:
                print(json.dumps(row, ensure_ascii=False), flush=True)
            else:
                msg = {"written": f"{row.get('frames')} frames, {row.get('poses')} with a person, "
                                  f"{row['wall_s']:.1f} s",
                       "kept": row.get("note", ""), "failed": row.get("error", "")}[row["status"]]
                line = f"{row['status']:7s} {row['recording']}  ({msg})"
                (bar.write(line, file=sys.stdout) if bar is not None else print(line, flush=True))
            if bar is not None:  # frames: up to the end of this video (all of it from workers)
                done += (counts[i] or 0) if bar.unit == "frame" else 1  # every count known in frame mode
                bar.update(max(0, done - bar.n))
    finally:
        if bar is not None:
            bar.close()
    if failed:
        print(f"coach: error: {failed} of {len(jobs)} videos could not be extracted", file=sys.stderr)
    return 1 if failed else 0


def _jobs(args, recordings):
    from .replay import ReplayJob
    return [ReplayJob(p, args.exercise, args.rules, getattr(args, "outcome", None)) for p in recordings]


def cmd_replay(args) -> int:
    from .replay import format_job, run_job
    jobs = _jobs(args, args.recordings)
    engine = engine_from_args(args) if len(jobs) > 1 or args.engine != "local" else None
    results = engine.map(run_job, jobs) if engine else (run_job(None, j) for j in jobs)
    failed = changed = 0
    totals = {"now counted": 0, "no longer counted": 0, "cues added": 0, "cues removed": 0}
    for d in results:
        if "error" not in d:
            diff = d["diff"]
            changed += not diff["unchanged"]
            for a in diff["attempts"]:
                if a["status"] in totals:
                    totals[a["status"]] += 1
            totals["cues added"] += len(diff["cues_added"])
            totals["cues removed"] += len(diff["cues_removed"])
        if "error" in d:
            failed += 1
            if len(jobs) == 1:
                if d.get("rule_problems"):
                    raise RuleFileError(d["rule_problems"])
                raise CoachError(d["error"])
        if args.json:
            print(json.dumps(d, ensure_ascii=False), flush=True)
        else:
            print("\n".join(format_job(d, all_attempts=not args.changed)), flush=True)
    if len(jobs) > 1 and not args.json:  # the clinic-scale answer in one line
        print(f"\n{len(jobs)} recordings: {changed} changed ({', '.join(f'{v} {k}' for k, v in totals.items())})"
              + (f", {failed} could not be replayed" if failed else ""))
    if failed:
        print(f"coach: error: {failed} of {len(jobs)} recordings could not be replayed", file=sys.stderr)
    return 1 if failed else 0


def cmd_explain(args) -> int:
    from pathlib import Path

    from .explain import explain_cue, explain_rep, plot_trace
    from .pose.recording import load_recording
    from .replay import guess_exercise, recorded_outcome, replay, resolve_rules
    rec = load_recording(args.recording)
    ex_id = args.exercise or guess_exercise(args.recording, rec, recorded_outcome(rec))
    if not ex_id and args.rules and Path(args.rules).is_file():
        ex_id = Path(args.rules).stem
    ex = resolve_rules(args.rules, ex_id)
    result = replay(rec, ex, trace=True)
    exp = explain_rep(result, args.rep) if args.rep is not None else explain_cue(result, args.cue)
    if args.plot:
        try:
            plot_trace(result, args.plot, exp)
        except OSError as exc:
            raise CoachError(f"cannot write plot '{args.plot}': {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({**exp.data, "plot": args.plot}, ensure_ascii=False, default=float))
    else:
        print("\n".join(exp.lines))
        if args.plot:
            print(f"trace plot: {args.plot}")
    return 0


def cmd_eval(args) -> int:
    from . import evaluate as E
    tasks, left = E.plan(args.labels, recordings=args.recordings, rules=args.rules, only=args.only)
    if not tasks:
        raise UsageError(f"nothing to score in {args.labels}" + (f" ({len(left)} clips not scored)" if left else ""))
    engine = engine_from_args(args)
    rows = []
    t0 = time.monotonic()
    if not args.json:
        print(E.HEADER)
    for row in E.run(tasks, engine):
        rows.append(row)
        if not args.json:
            print(E.clip_line(row), flush=True)
    if not args.json:
        for row in left:
            print(E.clip_line(row))
    rows_all = rows + left
    n, exact, within, mae = E.stats(rows_all)
    if args.json:
        per = {}
        for ex_id in sorted({r["exercise"] for r in E.scored(rows_all)}):
            k, a, w, m = E.stats([r for r in rows_all if r["exercise"] == ex_id])
            per[ex_id] = {"clips": k, "exact": a, "within_one": w, "mean_abs_error": m}
        print(json.dumps({"rows": rows_all, "per_exercise": per, "overall": {
            "clips": n, "exact": exact if n else None, "within_one": within if n else None,
            "mean_abs_error": mae if n else None}, "engine": engine.describe()}, ensure_ascii=False))
    else:
        print("\n".join(E.summary_lines(rows_all)))
        print(f"({len(rows)} clips in {time.monotonic() - t0:.1f} s on {engine.describe()})")
    return 1 if any(r.get("error") for r in rows) else 0


COMMANDS = {"extract": cmd_extract, "replay": cmd_replay, "explain": cmd_explain, "eval": cmd_eval}


def main(argv: Optional[list] = None) -> int:  # pragma: no cover - use `coach`
    from .cli import main as coach_main
    return coach_main(argv)
