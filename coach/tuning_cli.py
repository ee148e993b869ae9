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

    r = sub.add_parser(
        "replay", help="re-score landmark recordings or stored sessions with (edited) rules and show what changed",
        description="Replay each RECORDING (.npz) or SESSION of the session store through the live coaching code "
        "with its own timestamps, and list what changed: attempts now or no longer counted (with reasons), range "
        "of motion per attempt, cues added and removed. A recording is compared with --outcome, else the outcome "
        "it carries, else the shipped rules; a SESSION set by set with the outcome the store recorded for it (the "
        "shipped rules for a set the store has no complete outcome for; the output says which). Unchanged rules "
        "reproduce the recorded outcome exactly.", epilog=SESSION_HELP)
    r.add_argument("recordings", nargs="+", metavar="RECORDING|SESSION",
                   help=".npz landmark recordings, or sessions of the store (an id as 'coach sessions' shows it, "
                   "a uuid prefix, a date YYYY-MM-DD, or 'last'/'latest')")
    r.add_argument("--rules", metavar="FILE_OR_DIR", help="the edited rule file, or a folder of rule files "
                   "(default: the shipped library); with a SESSION a rule file replays the sets of its exercise")
    r.add_argument("--exercise", metavar="ID", help="the exercise, when the recording does not say; with a SESSION: "
                   "replay only its sets of this exercise")
    r.add_argument("--outcome", metavar="FILE.json", help="the recorded outcome to compare a recording with (the "
                   "JSON of 'coach analyze --json', or an earlier 'coach replay --json'); default: the recording's "
                   "own, else the shipped rules. Not with a SESSION: its outcome is the store's")
    r.add_argument("--changed", action="store_true", help="list only the attempts that changed")
    r.add_argument("--json", action="store_true", help="one JSON object per recording (per set of a SESSION) on "
                   "stdout")
    _data_dir(r)
    add_engine_options(r, "every core; one recording runs in this process; sessions always run in this process")

    e = sub.add_parser(
        "explain", help="why an attempt counted or not, or why a cue fired (with rule-file lines)",
        description="Say in plain words why attempt N counted or not (or why the cue nearest T seconds fired): "
        "each threshold with its rule file's line, the values measured against it and for how long it held, the "
        "member's range used. --plot draws the trace: the measure over time, the count point and thresholds, the "
        "attempts (counted / not) and the cues.", epilog=SESSION_HELP)
    e.add_argument("recording", metavar="RECORDING|SESSION", help=".npz landmark recording, or a session of the "
                   "store (an id, a uuid prefix, a date YYYY-MM-DD, or 'last'/'latest')")
    g = e.add_mutually_exclusive_group(required=True)
    g.add_argument("--rep", type=int, metavar="N", help="the N-th attempt (1 = first, counted or not); in a SESSION "
                   "counted through the sets of one exercise (--exercise), as 'coach replay SESSION' numbers them")
    g.add_argument("--cue", type=float, metavar="T", help="the cue nearest T seconds (of the session's clock for a "
                   "SESSION: the times 'coach replay SESSION' prints)")
    e.add_argument("--rules", metavar="FILE_OR_DIR", help="rule file or folder (default: the shipped library)")
    e.add_argument("--exercise", metavar="ID", help="the exercise, when the recording does not say; with a SESSION "
                   "of several exercises, the one whose attempts --rep counts")
    e.add_argument("--plot", metavar="FILE.png", help="also draw the trace (measure, thresholds, attempts, cues)")
    e.add_argument("--json", action="store_true", help="print the facts as JSON")
    _data_dir(e)

    v = sub.add_parser("eval", help="rep-count accuracy on labelled clips (labels.json)")
    v.add_argument("labels", metavar="LABELS.json", help="labels in the format of shared/data/clips/labels.json")
    v.add_argument("--rules", metavar="DIR", help="a folder of rule files to evaluate (default: the library)")
    v.add_argument("--recordings", metavar="DIR", help="replay DIR/<clip>.npz (from 'coach extract') instead of "
                   "running the pose model on the videos")
    v.add_argument("--only", default="", metavar="TEXT", help="only clips whose file name contains TEXT")
    v.add_argument("--json", action="store_true", help="print every row and the totals as one JSON object")
    add_engine_options(v)


SESSION_HELP = ("SESSION: a session of the store in --data-dir (default $COACH_HOME, else the user data folder), "
                "as 'coach sessions' lists them: its id, the first characters of its uuid, the date it started "
                "(YYYY-MM-DD, when only one session started that day) or 'last' / 'latest'. An argument that is "
                "an existing file, contains '/' or ends in .npz is a recording. A session id that names no session "
                "ends with one line and exit code 2; a session whose landmark recording is missing, exit code 1.")


def _data_dir(sp) -> None:
    sp.add_argument("--data-dir", metavar="DIR", help="the session store holding SESSION (default: $COACH_HOME, "
                    "else the user data folder, e.g. ~/.local/share/form-coach)")


def _store(args, ref: str):
    """The session store holding SESSION ``ref`` (opened once, kept on ``args``)."""
    from pathlib import Path

    from .store import DB_NAME, Store, UnknownSession, default_data_dir
    if getattr(args, "_store", None) is None:
        folder = Path(args.data_dir) if args.data_dir else default_data_dir()
        if not (folder / DB_NAME).exists():
            raise UnknownSession(f"no session '{ref}' (and no file of that name): there is no session store in "
                                 f"{folder} (--data-dir)")
        args._store = Store(folder, create=False)
    return args._store


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
    from .session_replay import looks_like_session
    sessions = [a for a in args.recordings if looks_like_session(a)]
    if sessions and args.outcome:
        raise UsageError(f"--outcome is for recordings: a session's recorded outcome is the store's ({sessions[0]})")
    try:
        return _replay(args, sessions)
    finally:
        if getattr(args, "_store", None) is not None:
            args._store.close()


def _replay(args, sessions: list) -> int:
    from .replay import format_job, run_job
    from .session_replay import format_set, replay_session
    if sessions:  # in this process, in the order given (a session's sets replay in milliseconds)
        def results_in_order() -> Iterable[dict]:
            for a in args.recordings:
                if a in sessions:
                    yield from replay_session(_store(args, a), a, args.rules, args.exercise)
                else:
                    yield run_job(None, _jobs(args, [a])[0])
        results: Iterable[dict] = results_in_order()
        n_jobs = len(args.recordings)
    else:
        jobs = _jobs(args, args.recordings)
        n_jobs = len(jobs)
        engine = engine_from_args(args) if len(jobs) > 1 or args.engine != "local" else None
        results = engine.map(run_job, jobs) if engine else (run_job(None, j) for j in jobs)
    failed = changed = count = 0
    kinds = set()
    totals = {"now counted": 0, "no longer counted": 0, "cues added": 0, "cues removed": 0}
    for d in results:
        count += 1
        kinds.add("set" if "session" in d else "recording")
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
            if n_jobs == 1:
                if d.get("rule_problems"):
                    raise RuleFileError(d["rule_problems"])
                raise CoachError(d["error"])
        if args.json:
            print(json.dumps(d, ensure_ascii=False), flush=True)
        else:
            lines = format_set(d, all_attempts=not args.changed) if "session" in d else \
                format_job(d, all_attempts=not args.changed)
            print("\n".join(lines), flush=True)
    if count > 1 and not args.json:  # the clinic-scale answer in one line
        what = {"set": "sets", "recording": "recordings"}.get(next(iter(kinds)), "") if len(kinds) == 1 else \
            "replays"
        print(f"\n{count} {what}: {changed} changed ({', '.join(f'{v} {k}' for k, v in totals.items())})"
              + (f", {failed} could not be replayed" if failed else ""))
    if failed:
        print(f"coach: error: {failed} of {n_jobs} recordings could not be replayed", file=sys.stderr)
    return 1 if failed else 0


def cmd_explain(args) -> int:
    from .session_replay import looks_like_session
    try:
        if looks_like_session(args.recording):
            from .session_replay import explain_session
            head, exp, result = explain_session(_store(args, args.recording), args.recording, rules=args.rules,
                                                exercise=args.exercise, rep=args.rep, cue=args.cue)
            return _explained(args, exp, result, head)
        return _explain_recording(args)
    finally:
        if getattr(args, "_store", None) is not None:
            args._store.close()


def _explain_recording(args) -> int:
    from pathlib import Path

    from .explain import explain_cue, explain_rep
    from .pose.recording import load_recording
    from .replay import guess_exercise, recorded_outcome, replay, resolve_rules
    rec = load_recording(args.recording)
    ex_id = args.exercise or guess_exercise(args.recording, rec, recorded_outcome(rec))
    if not ex_id and args.rules and Path(args.rules).is_file():
        ex_id = Path(args.rules).stem
    ex = resolve_rules(args.rules, ex_id)
    result = replay(rec, ex, trace=True)
    exp = explain_rep(result, args.rep) if args.rep is not None else explain_cue(result, args.cue)
    return _explained(args, exp, result, None)


def _explained(args, exp, result, head: Optional[str]) -> int:
    from .explain import plot_trace
    if args.plot:
        try:
            plot_trace(result, args.plot, exp)
        except OSError as exc:
            raise CoachError(f"cannot write plot '{args.plot}': {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({**exp.data, "plot": args.plot, **({"where": head} if head else {})}, ensure_ascii=False,
                         default=float))
    else:
        print("\n".join(([head] if head else []) + list(exp.lines)))
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
