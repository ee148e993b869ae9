"""Command line of the programme around the exercises: `coach routine|sessions|report|history|
export|import|safety`. cli.py registers these parsers and commands (``add_parsers``, ``COMMANDS``).

Exit codes as everywhere: 0 ok, 1 runtime failure (store, files, camera), 2 usage or routine-file
error; 130 when a routine was stopped by Ctrl-C or SIGTERM (its session is saved).
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any, Optional

from .errors import UsageError

log = logging.getLogger("coach")


def _pain(value: str) -> int:
    from .care import parse_pain
    v = parse_pain(value)
    if v is None:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 10, found '{value}'")
    return v


def _data_dir_arg(sp) -> None:
    sp.add_argument("--data-dir", metavar="DIR", help="where the session store lives (default: $COACH_HOME, "
                    "else the user data folder, e.g. ~/.local/share/form-coach)")


def add_parsers(sub) -> None:
    r = sub.add_parser("routine", help="a guided routine (default: upper_back), saved to the session store")
    r.add_argument("name", nargs="?", default=None, help="routine id (see 'coach list --routines') or a .toml path")
    r.add_argument("--source", action="append", metavar="SRC",
                   help="webcam index (default 0), video file, image folder or .npz recording; repeat to play "
                   "several one after the other (a source's end ends the set or rest in progress)")
    r.add_argument("--profile", default="default", metavar="NAME", help="whose session this is (default: default); "
                   "a calibrated profile of that name also gives the member's ranges")
    r.add_argument("--pain-before", type=_pain, metavar="N", help="pain before starting, 0-10 (else asked)")
    r.add_argument("--pain-after", type=_pain, metavar="N", help="pain after finishing, 0-10 (else asked)")
    r.add_argument("--safety", action="store_true", help="show the safety screen again")
    r.add_argument("--no-window", action="store_true", help="do not open a window")
    r.add_argument("--output", metavar="FILE.mp4", help="also write the annotated video here")
    r.add_argument("--save-video", action="store_true", help="keep the annotated video in the session's folder")
    r.add_argument("--realtime", action="store_true", help="play files at their own speed (as a camera would)")
    r.add_argument("--model", metavar="PATH", help="an official MediaPipe pose_landmarker .task")
    r.add_argument("--lang", choices=("en", "es"), default="en")
    r.add_argument("--json", action="store_true", help="print the session id, end reason and set summaries as JSON")
    _data_dir_arg(r)

    s = sub.add_parser("sessions", help="list the saved sessions")
    s.add_argument("--profile", metavar="NAME")
    s.add_argument("--json", action="store_true")
    _data_dir_arg(s)

    rp = sub.add_parser("report", help="one self-contained HTML report of a session (default: the last)")
    rp.add_argument("session", nargs="?", default=None, help="session id or uuid prefix (default: the last)")
    rp.add_argument("-o", "--output", metavar="FILE.html", help="default: report-<uuid8>.html")
    rp.add_argument("--lang", choices=("en", "es"), default=None, help="default: the session's language")
    _data_dir_arg(rp)

    h = sub.add_parser("history", help="trends across sessions: HTML and CSV")
    h.add_argument("--profile", default=None, metavar="NAME", help="default: every profile's sessions")
    h.add_argument("-o", "--output", metavar="FILE.html", default="history.html")
    h.add_argument("--csv", metavar="FILE.csv", default=None, help="also write the table as CSV (- for stdout)")
    h.add_argument("--lang", choices=("en", "es"), default="en")
    _data_dir_arg(h)

    e = sub.add_parser("export", help="bundle one session for a therapist (store rows, recording, report)")
    e.add_argument("session", help="session id or uuid prefix ('last' for the last)")
    e.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    _data_dir_arg(e)

    i = sub.add_parser("import", help="read back a session bundled by 'coach export'")
    i.add_argument("bundle", metavar="FILE.zip")
    _data_dir_arg(i)

    sf = sub.add_parser("safety", help="show the safety screen")
    sf.add_argument("--lang", choices=("en", "es"), default="en")


def _store(args, create: bool = True):
    from .store import Store
    return Store(Path(args.data_dir) if args.data_dir else None, create=create)


def _ask_terminal(moment: str, lang: str) -> Optional[tuple[int, str]]:
    """Ask on the terminal (only when stdin is one); empty answer: skipped."""
    from .care import parse_pain, t
    if not sys.stdin or not sys.stdin.isatty():
        return None
    q = t("pain_question", lang, moment=t(f"moment_{moment}", lang))
    for _ in range(3):
        try:
            ans = input(f"{q}: ")
        except EOFError:
            return None
        if not ans.strip():
            return None
        v = parse_pain(ans)
        if v is not None:
            return v, "prompt"
    return None


def _ask_window(window, moment: str, lang: str, size=(960, 540)) -> Optional[tuple[int, str]]:
    """Number keys in the window: the digits, then Enter (Backspace corrects, Esc skips)."""
    from .care import parse_pain, t
    from .render import put_text
    from .routine_run import text_screen
    typed = ""
    while True:
        img = text_screen(t("pain_question", lang, moment=t(f"moment_{moment}", lang)), "", t("pain_keys", lang), size)
        put_text(img, (typed or "_") + " / 10", (size[0] // 20, size[1] * 2 // 5), size[0] // 8)
        key = window.show_key(img)
        if key == 27:
            return None
        if ord("0") <= key <= ord("9") and len(typed) < 2:
            typed += chr(key)
        elif key in (8, 127):
            typed = typed[:-1]
        elif key in (10, 13) and (pain := parse_pain(typed)) is not None:
            return pain, "window"
        elif key in (10, 13):
            typed = ""  # 11 and above are not on the scale: start again


def _show_safety_window(window, lang: str, size=(960, 540)) -> None:
    """The safety screen in the window until the member presses space or Enter (or Esc)."""
    from .care import t
    from .routine_run import text_screen
    img = text_screen(t("safety_title", lang), t("safety", lang), t("continue_keys", lang), size)
    while window.show_key(img) not in (ord(" "), 10, 13, 27):
        pass


def safety_text(lang: str) -> str:
    from .care import t
    return f"{t('safety_title', lang)}\n{t('safety', lang)}"


def cmd_routine(args) -> int:
    from . import care
    from .routine import find_routine
    from .routine_run import RoutineRun, format_routine_summary, open_sources
    # A write that fails half-way (a full disk) can leave numpy's zip writer behind, and Python
    # prints its clean-up failure as a traceback at exit. The member gets one line: those go to -v.
    sys.unraisablehook = lambda u: log.info("ignored while cleaning up: %s: %s",
                                            type(u.exc_value).__name__, u.exc_value)
    routine = find_routine(args.name)
    if args.output and args.save_video:
        raise UsageError("give --output FILE.mp4 or --save-video, not both")
    specs = args.source or ["0"]
    for spec in specs:  # before a session is started for nothing
        if not spec.isdigit() and not Path(spec).exists():
            from .errors import CaptureError
            raise CaptureError(f"cannot open source '{spec}': no such file or folder")
    store = _store(args)
    try:
        pid = store.profile_id(args.profile)
        show_safety = args.safety or store.safety_seen(pid) is None
        window = None
        if not args.no_window:
            from .capture import display_available
            if display_available():
                from .render import Window
                window = Window()
            else:
                log.warning("no display found: running without a window")
        if show_safety:
            print(safety_text(args.lang), file=sys.stderr)
            if window is not None:
                _show_safety_window(window, args.lang)
            store.mark_safety_seen(pid)
        personal = {}
        try:
            from .library import find_exercise
            from .profile import load_profile, personal_for, profile_path
            if profile_path(args.profile).exists():
                prof = load_profile(args.profile)
                for st in routine.steps:
                    p = personal_for(prof, find_exercise(st.exercise))
                    if p is not None:
                        personal[st.exercise] = p
        except UsageError:
            pass
        before = (args.pain_before, "flag") if args.pain_before is not None else (
            _ask_window(window, "before", args.lang) if window else _ask_terminal("before", args.lang))
        if before is not None:
            for key, fmt in care.pain_advice(before[0], None):
                print(care.t(key, args.lang, **fmt), file=sys.stderr)

        def ask_after():
            if args.pain_after is not None:
                return args.pain_after, "flag"
            return _ask_window(window, "after", args.lang) if window else _ask_terminal("after", args.lang)

        # recordings have no pictures: draw on a blank canvas when something shows them (and a
        # window that is never shown never sees a key)
        canvas = bool(args.output or args.save_video or window is not None)
        run = RoutineRun(routine, open_sources(specs, args.model, canvas=canvas), store, profile=args.profile,
                         lang=args.lang, specs=specs, window=window,
                         video="session" if args.save_video else args.output, personal=personal,
                         realtime=args.realtime)

        def on_term(signum, frame):  # SIGTERM stops like Ctrl-C: everything so far is kept
            raise KeyboardInterrupt
        old = signal.signal(signal.SIGTERM, on_term)
        try:
            res = run.run(pain_before=before, ask_pain_after=ask_after,
                          start_events=(("safety_screen", {"lang": args.lang}),) if show_safety else ())
        finally:
            signal.signal(signal.SIGTERM, old)
            if window is not None:
                window.close()
        if args.json:
            print(json.dumps({"session": res.session_id, "uuid": res.uuid, "end_reason": res.reason,
                              "sets": [x.to_json() for x in res.summaries]}, ensure_ascii=False))
        else:
            print(format_routine_summary(res, store, args.lang))
            print(f"session {res.session_id} ({res.uuid[:8]}) saved in {store.path}: 'coach report' shows it")
        return 130 if res.reason == "interrupted" else 0
    finally:
        store.close()


def cmd_sessions(args) -> int:
    from .store import session_state
    store = _store(args, create=False)
    try:
        rows = store.sessions(args.profile)
        out = []
        for r in rows:
            n = store.db.execute("SELECT COUNT(*), COALESCE(SUM(counted), 0) FROM attempts WHERE session_id = ?",
                                 (r["id"],)).fetchone()
            pains = {p[0]: p[1] for p in store.db.execute("SELECT moment, score FROM pain WHERE session_id = ?",
                                                            (r["id"],))}
            out.append({"id": r["id"], "uuid": r["uuid"], "profile": r["profile"], "routine": r["routine_id"],
                        "started_at": r["started_at"], "state": session_state(r), "attempts": n[0],
                        "reps": n[1], "pain_before": pains.get("before"), "pain_after": pains.get("after")})
    finally:
        store.close()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    for s in out:
        pain = "" if s["pain_before"] is None and s["pain_after"] is None else \
            f"  pain {s['pain_before'] if s['pain_before'] is not None else '-'}->" \
            f"{s['pain_after'] if s['pain_after'] is not None else '-'}"
        print(f"{s['id']:>4}  {s['uuid'][:8]}  {s['started_at'][:16].replace('T', ' ')}  {s['profile']:<10} "
              f"{s['routine']:<12} {s['reps']:>3} reps of {s['attempts']:>3} attempts  {s['state']}{pain}")
    print(f"{len(out)} session{'s' if len(out) != 1 else ''}")
    return 0


def cmd_report(args) -> int:
    from .report import write_report
    store = _store(args, create=False)
    try:
        row = store.find_session(args.session)
        out = Path(args.output or f"report-{row['uuid'][:8]}.html")
        write_report(store, row["id"], out, lang=args.lang)
    finally:
        store.close()
    print(f"report: {out}")
    return 0


def cmd_history(args) -> int:
    from .history import write_history
    store = _store(args, create=False)
    try:
        n = write_history(store, Path(args.output), csv_path=args.csv, profile=args.profile, lang=args.lang)
    finally:
        store.close()
    print(f"history of {n} session{'s' if n != 1 else ''}: {args.output}"
          + (f", {args.csv}" if args.csv and args.csv != "-" else ""),
          file=sys.stderr if args.csv == "-" else sys.stdout)
    return 0


def cmd_export(args) -> int:
    from .bundle import export_session
    store = _store(args, create=False)
    try:
        row = store.find_session(args.session)
        export_session(store, row["id"], Path(args.output))
    finally:
        store.close()
    print(f"exported session {row['id']} ({row['uuid'][:8]}) to {args.output}")
    return 0


def cmd_import(args) -> int:
    from .bundle import import_session
    store = _store(args)
    try:
        sid, uid = import_session(store, Path(args.bundle))
    finally:
        store.close()
    print(f"imported session {uid[:8]} as session {sid}")
    return 0


def cmd_safety(args) -> int:
    print(safety_text(args.lang))
    return 0


def list_routines(args) -> int:
    """`coach list --routines`."""
    from .errors import RuleFileError
    from .routine import load_routine, routine_ids, routines_dir
    from .rules.schema import text
    rows: list[dict[str, Any]] = []
    for rid in routine_ids():
        try:
            r = load_routine(routines_dir() / f"{rid}.toml")
            rows.append({"id": r.id, "name": text(r.name), "name_es": text(r.name, "es"), "version": r.version,
                         "per_week": r.per_week,
                         "steps": [{"exercise": s.exercise, "side": s.side, "sets": s.sets, "reps": s.reps,
                                    "hold_s": s.hold_s, "rest_s": s.rest_s} for s in r.steps]})
        except RuleFileError as e:
            rows.append({"id": rid, "error": e.problems[0]})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for row in rows:
        if "error" in row:
            print(f"{row['id']}  (invalid: {row['error']})")
            continue
        steps = ", ".join(f"{s['exercise']}{' ' + s['side'] if s['side'] else ''} "
                          f"{s['sets']}x{s['reps'] or str(s['hold_s']) + 's'}" for s in row["steps"])
        print(f"{row['id']}  {row['name']}  ({row['per_week']}/week): {steps}")
    print(f"\n{len(rows)} routine{'s' if len(rows) != 1 else ''} in {routines_dir()}")
    return 0


def is_routine_file(path: Path) -> bool:
    """A routine file lives in a routines/ folder or has a top-level [routine] table."""
    if path.parent.name == "routines":
        return True
    from .limits import TextFileProblem, read_text
    try:  # within the limits (a device such as /dev/zero never ends): else it is checked as a rule file
        return any(line.strip() == "[routine]" for line in read_text(path).splitlines())
    except (OSError, TextFileProblem):
        return False


def check_routines(files) -> list[str]:
    """Every problem in these routine files (for `coach check-rules`)."""
    from .errors import RuleFileError
    from .routine import load_routine
    problems: list[str] = []
    for f in files:
        try:
            load_routine(f)
        except RuleFileError as e:
            problems.extend(e.problems)
    return problems


COMMANDS = {"routine": cmd_routine, "sessions": cmd_sessions, "report": cmd_report, "history": cmd_history,
            "export": cmd_export, "import": cmd_import, "safety": cmd_safety}
