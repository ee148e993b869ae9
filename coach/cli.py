"""Command line: `coach run|analyze|calibrate|list|demo|check-rules|schema|bench|desk` (and the
tuning loop's `extract|replay|explain|eval`, coach.tuning_cli; the programme's
`routine|sessions|report|history|export|import|safety`, coach.session_cli).

Exit codes (README, "Exit codes"): 0 ok; 1 runtime failure (file, camera, video, model, an output
that could not be written); 2 usage error or an input file to fix (rule file, profile,
calibration file, recording); 3 the analysis covers less than the whole input (truncated or
damaged video, unreadable image, cut recording); 128 + N stopped by signal N (130 Ctrl-C,
143 SIGTERM, 129 SIGHUP), outputs saved. User errors print one line (rule-file errors: one
line per problem), never a traceback.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from . import __version__
from .errors import EXIT_INCOMPLETE, CoachError, OutputError, RuleFileError, UsageError
from .shutdown import SHUTDOWN

if TYPE_CHECKING:
    from .summary import Summary

log = logging.getLogger("coach")

LANGS = ("en", "es")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="coach", description="Form Coach: counts reps and coaches exercise form "
                                "from a camera or a video, using MediaPipe pose landmarks.")
    p.add_argument("--version", action="version", version=f"coach {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="more log output on stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp, output_help: str):
        sp.add_argument("--output", metavar="FILE.mp4", help=output_help)
        sp.add_argument("--model", metavar="PATH", help="an official MediaPipe pose_landmarker .task "
                        "(lite/full/heavy); default: the full model built offline from the mediapipe wheel")
        sp.add_argument("--record", metavar="FILE.npz", help="save every frame's landmarks (replay with analyze)")
        sp.add_argument("--lang", choices=LANGS, default="en", help="language of cues (default en)")
        sp.add_argument("--profile", metavar="NAME", help="your personal range (from 'coach calibrate'): a name "
                        "in the data folder ($COACH_HOME/profiles) or a .toml path")
        sp.add_argument("--force", action="store_true", help="replace an existing --output or --record file "
                        "the coach did not make (never the input)")

    r = sub.add_parser("run", help="coach an exercise live (webcam) or on a video")
    r.add_argument("exercise", help="exercise id (see 'coach list') or path to a rule file")
    r.add_argument("--source", default="0", help="webcam index (default 0), video file or image folder")
    r.add_argument("--no-window", action="store_true", help="do not open a window")
    r.add_argument("--realtime", action="store_true", help="play a video file or image folder at its own frame "
                   "rate, as a camera would (the newest frame wins); prints the frame-to-cue latency")
    r.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    r.add_argument("--reps", type=int, default=10, metavar="N", help="reps in your set, shown as progress "
                   "on the screen (default 10)")
    r.add_argument("--no-voice", action="store_true", help="do not speak cues (they are always shown)")
    r.add_argument("--count-aloud", action="store_true", help="also say each rep count")
    common(r, "also write the annotated video here")

    a = sub.add_parser("analyze", help="count reps and check form on a video, image folder or landmark recording")
    a.add_argument("video", help="video file, image folder, or a .npz landmark recording")
    a.add_argument("--exercise", required=True, help="exercise id or path to a rule file")
    a.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    common(a, "write the annotated video here")

    cal = sub.add_parser("calibrate", help="learn your rest and comfortable range for an exercise into a profile")
    cal.add_argument("exercise", help="exercise id (see 'coach list') or path to a rule file")
    cal.add_argument("--source", default="0", help="webcam index (default 0), video file, image folder or recording")
    cal.add_argument("--no-window", action="store_true", help="do not open a window")
    common(cal, "also write the annotated video here")
    ls = sub.add_parser("list", help="list the exercises (--routines: the routines)")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--routines", action="store_true", help="list the routines instead")

    d = sub.add_parser("demo", help="the whole pipeline on an embedded synthetic session (no camera needed)")
    d.add_argument("--output", default="coach_demo.mp4", metavar="FILE.mp4",
                   help="annotated video (default coach_demo.mp4)")
    d.add_argument("--lang", choices=LANGS, default="en")
    d.add_argument("--json", action="store_true", help="print the summaries as JSON")
    d.add_argument("--force", action="store_true", help="replace an existing --output file the coach did not make")

    c = sub.add_parser("check-rules", help="validate rule files (default: the exercise library)")
    c.add_argument("paths", nargs="*", help="rule files or folders")

    b = sub.add_parser("bench", help="time every stage on a video, against the plain read-convert-pose loop")
    b.add_argument("video", help="a video file (e.g. one of the dev clips)")
    b.add_argument("--exercise", help="exercise id (default: from the clip's name, else squat)")
    b.add_argument("--model", metavar="PATH", help="pose model .task (default: the offline full model)")
    b.add_argument("--frames", type=int, metavar="N", help="only the first N frames")
    b.add_argument("--no-hobby", action="store_true", help="skip the hobby-loop pass")
    b.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    dk = sub.add_parser("desk", help="desk mode: a slow look while you work; suggests a break when you have been "
                        "still too long or your head slides toward the screen")
    dk.add_argument("--source", default="0", help="webcam index (default 0), video file or image folder")
    dk.add_argument("--lang", choices=LANGS, default="en")
    dk.add_argument("--model", metavar="PATH", help="pose model .task (default: the offline full model)")
    dk.add_argument("--no-voice", action="store_true", help="do not speak the suggestions")
    dk.add_argument("--realtime", action="store_true", help="play a video file at its own frame rate, as a camera")
    dk.add_argument("--json", action="store_true", help="print the counts as one JSON object on stdout")

    sc = sub.add_parser("schema", help="print the JSON Schema of rule files (for editor validation)")
    sc.add_argument("--markdown", action="store_true", help="print the key reference of docs/rules.md instead")

    from .tuning_cli import add_parsers as add_tuning_parsers  # extract, replay, explain, eval
    add_tuning_parsers(sub)
    from .session_cli import add_parsers  # routine, sessions, report, history, export, import, safety
    add_parsers(sub)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The program (argv None: the process's own arguments) or one command in process (argv
    given, e.g. tests: the signal handlers are given back afterwards)."""
    SHUTDOWN.install()  # Ctrl-C, SIGTERM and SIGHUP stop every command cleanly (coach.shutdown)
    try:
        return _main(argv)
    finally:
        if argv is None:  # the process ends now with this exit code: a late signal changes nothing
            SHUTDOWN.ignore()
        else:
            SHUTDOWN.restore()


def _main(argv: Optional[Sequence[str]]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        return SHUTDOWN.exit_code()
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="coach: %(message)s", stream=sys.stderr)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _COMMANDS[args.command](args)
    except RuleFileError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        return e.exit_code
    except CoachError as e:
        print(f"coach: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:  # a signal before the first frame (or after the last): nothing to save
        print("coach: stopped", file=sys.stderr)
        return SHUTDOWN.exit_code()
    except BrokenPipeError:  # e.g. `coach schema | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RecursionError:  # a bug: inputs are depth-checked (coach.limits) before any parser
        print("coach: internal error: RecursionError (run with -v for details)", file=sys.stderr)
        return 1
    except Exception as e:  # a bug, not a user error: one line, the traceback only with -v
        if getattr(args, "verbose", False):
            raise
        print(f"coach: internal error: {e.__class__.__name__}: {e} (run with -v for details)", file=sys.stderr)
        return 1


def json_safe(obj):
    """``obj`` with every non-finite float (NaN, inf) replaced by None: JSON has no NaN, and
    ``--json`` output is always valid JSON."""
    import math
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def print_json(obj, **kw) -> None:
    print(json.dumps(json_safe(obj), ensure_ascii=False, allow_nan=False, **kw))


# ------------------------------------------------------------------------------ commands

class _RecordingInput:
    """A landmark recording seen as an input: its warnings and whether it is whole."""

    def __init__(self, rec):
        self.warnings = list(rec.warnings)
        self.complete = rec.complete


def _is_recording(spec: str) -> bool:
    if spec.endswith((".npz", ".npz.part")):
        return True
    from .pose.recording import JOURNAL_MAGIC
    if not os.path.isfile(spec):  # never open a pipe or a device just to look (it may block)
        return False
    try:
        with open(spec, "rb") as f:
            return f.read(len(JOURNAL_MAGIC)) == JOURNAL_MAGIC
    except OSError:
        return False


def _open_pose_stream(spec: str, model: Optional[str], live_default: bool, realtime: bool = False):
    """(items iterator, closers, fps, size, name, recording or None, input) for a
    camera/video/folder/recording; ``input`` has ``warnings`` and ``complete``. ``realtime``:
    a file or folder played at its own frame rate as a camera (capture.RealtimeSource)."""
    from .runner import recording_items, video_items
    if realtime and (_is_recording(spec) or spec.strip().isdigit()):
        raise UsageError("--realtime plays a video file or an image folder (a camera is live already)")
    if _is_recording(spec):
        from .pose.recording import load_recording
        rec = load_recording(spec)
        return recording_items(rec), [], rec.fps, rec.image_size, Path(spec).name, rec, _RecordingInput(rec)
    from .capture import open_source, prefetch
    from .library import pipeline_params
    from .pose.landmarker import PoseEstimator
    params = pipeline_params()  # checked before a camera or a file is opened
    if realtime:
        from .capture import RealtimeSource
        source = RealtimeSource(open_source(spec))
    else:
        source = prefetch(open_source(spec))  # files decode on a thread, overlapped with inference
    try:
        pose = params.pose
        est = PoseEstimator(model, live=source.is_live, min_detection_confidence=pose.min_detection_confidence,
                            min_presence_confidence=pose.min_presence_confidence,
                            min_tracking_confidence=pose.min_tracking_confidence)
    except BaseException:
        source.close()
        raise
    # inference on a thread of its own, one frame ahead: the next frame's pose is estimated while
    # this one is counted, drawn and written (MediaPipe releases the GIL while it runs)
    from .ahead import Ahead
    items = Ahead(video_items(source, est), depth=POSE_AHEAD, name="pose")
    return items, [items.close, source.close, est.close], source.fps, source.size, source.name, None, source


def _check_outputs(args, spec: str) -> None:
    from .outputs import check_outputs
    ex = getattr(args, "exercise", None)
    inputs = [spec, ex if ex and (ex.endswith(".toml") or Path(ex).exists()) else None]
    if getattr(args, "profile", None) and ("/" in args.profile or args.profile.endswith(".toml")):
        inputs.append(args.profile)
    check_outputs([("video", getattr(args, "output", None)), ("recording", getattr(args, "record", None))],
                  inputs, force=getattr(args, "force", False))


def _session(args, spec: str, *, live_window: bool, console: bool, watch: bool):
    from .library import find_exercise, pipeline_params
    from .rules.schema import text
    from .runner import Session, console_sink
    _check_outputs(args, spec)  # before anything is opened: nothing is touched when refused
    ex = find_exercise(args.exercise)
    params = pipeline_params()
    personal = None
    profile = None
    if getattr(args, "profile", None) and args.command != "calibrate":
        from .profile import load_profile
        profile = load_profile(args.profile)
    items, closers, fps, size, name, rec, source = _open_pose_stream(spec, args.model, live_window,
                                                                     getattr(args, "realtime", False))
    for w in source.warnings:
        log.warning("%s", w)
    sinks, closers = [], list(closers)
    if profile is not None:
        from .profile import personal_for
        personal = personal_for(profile, ex)
        if personal is None:
            log.warning("profile '%s' has no range for %s: calibrating from this session", args.profile, ex.id)
    session = Session(ex, params, lang=args.lang, fps=None if spec.isdigit() else fps, source_name=name,
                      watch_rules=watch, personal=personal)
    session.source = source
    session.warned = len(source.warnings)
    if rec is not None:  # a recording: its end is judged as the recorded session's was
        from .runner import recorded_stop
        session.end_stopped = recorded_stop(rec)
    title = text(ex.name, args.lang)
    try:
        if rec is not None and args.output:
            from .runner import recording_items
            items = recording_items(rec, canvas=True)
        if args.record:  # first: a frame is recorded before anything else can be interrupted
            sinks.append(_record_sink(args.record, fps, size, name, closers, session))
        session.voice = None
        if args.command == "run" and not args.no_voice:  # spoken cues, on their own thread (coach.voice)
            from .voice import INSTALL_HINT, Voice
            voice = Voice(args.lang, count_reps=args.count_aloud)
            if voice.available:
                session.voice = voice
                sinks.append(voice)
                closers.append(voice.close)
            else:  # optional part: one line, then text only
                print(f"coach: {INSTALL_HINT}", file=sys.stderr)
        if args.output:
            sinks.append(_video_sink(args.output, fps, size, title, closers))
        if live_window:
            from .capture import display_available
            if display_available():
                sinks.append(_window_sink(title, mirror=spec.isdigit(), closers=closers, session=session,
                                          lang=args.lang, set_target=getattr(args, "reps", None)))
            else:
                log.warning("no display found: running without a window%s",
                            "" if args.output else " (use --output FILE.mp4 to see the overlay)")
        session.latency = None
        if getattr(source, "is_live", False):  # a camera or --realtime: how late results and cues are,
            from .runner import LatencySink  # measured once the frame is drawn and shown, the cue handed to the voice
            session.latency = LatencySink()
            sinks.append(session.latency)
        if console:
            sinks.append(console_sink())
    except BaseException:
        for c in closers:
            c()
        raise
    return session, items, sinks, closers


def _finish(session, summary: Summary) -> Summary:
    """After a run: the input's late warnings on stderr, and ``complete``/``warnings`` in the summary."""
    source = session.source
    for w in source.warnings[session.warned:]:
        log.warning("%s", w)
    return dataclasses.replace(summary, warnings=tuple(source.warnings),
                   complete=bool(source.complete) and not summary.interrupted and not summary.output_errors)


def _exit_code(summary: Summary) -> int:
    """The one rule for how a run ended (README, "Exit codes"): an output that could not be
    written 1, stopped by a signal 128 + N, input incomplete 3, else 0."""
    for e in summary.output_errors:
        print(f"coach: error: {e}", file=sys.stderr)
    if summary.output_errors:
        return OutputError.exit_code
    if summary.interrupted and SHUTDOWN.requested:
        return SHUTDOWN.exit_code()
    if summary.complete is False:
        return EXIT_INCOMPLETE
    return 0


def _video_sink(path, fps, size, title, closers):
    from .capture import VideoWriter
    from .errors import CaptureError
    from .render import draw_overlay
    state = {"w": None}

    def sink(r, item):
        image = item.image
        if image is None:
            return
        if state["w"] is None:
            h, w = image.shape[:2]
            try:
                state["w"] = VideoWriter(path, fps or 30.0, (w, h))
            except CaptureError as exc:
                raise OutputError(str(exc)) from None
            closers.append(state["w"].close)
        state["w"].write(draw_overlay(image.copy(), r, title))
    return sink


def _record_sink(path, fps, size, name, closers, session):
    from .pose.recording import RecordingWriter
    state = {"w": None}

    def close():
        # how the session ended, so that a replay judges the stream's end as it was judged live
        if session.stopped is not None:
            state["w"].meta["stopped"] = session.stopped
        state["w"].close()

    def sink(r, item):
        if state["w"] is None:
            h, w = item.image.shape[:2] if item.image is not None else (size[1], size[0])
            state["w"] = RecordingWriter(path, fps or 30.0, (w, h), {"source": name, "coach_version": __version__})
            closers.append(close)
        state["w"].append(item.t, item.index, item.pose)  # the raw pose: smoothing is re-done on replay
    return sink


# Frames whose pose may wait for the engine and the window (count). 1 lets inference of the next
# frame overlap drawing this one; more only adds latency (a live source already keeps only its newest).
POSE_AHEAD = 1

# Keys in the window (README, "Keys"). q and Esc end the session like Ctrl-C: everything
# recorded is kept and the summary printed.
# n (next exercise): `coach run` has one exercise, so n ends it as q does and the console says so
# (`coach routine` goes on to the routine's next exercise).
KEYS = {ord(" "): "pause", ord("m"): "mute", ord("r"): "recalibrate", ord("f"): "fullscreen",
        ord("n"): "next", ord("q"): "quit", 27: "quit"}
# Seconds of video a key's confirmation ("learning your range again") stays on screen.
KEY_BANNER_S = 2.5


def _window_sink(title, mirror, closers, session=None, lang="en", set_target=None):
    """The live window: the overlay drawn at the window's own size, and the keys."""
    from dataclasses import replace

    from .messages import overlay_text
    from .render import Window, draw_overlay, fit
    win = Window()
    closers.append(win.close)
    state = {"r": None, "banner": None, "until": 0.0}

    def show(r, item, paused):
        img = item.image[:, ::-1] if mirror else item.image
        canvas, k, off = fit(img, win.size())
        voice = getattr(session, "voice", None)
        banner = state["banner"] if item.t < state["until"] else None
        draw_overlay(canvas, r, title, mirror, lang=lang, set_target=set_target, paused=paused,
                     muted=bool(voice and voice.muted), xy_scale=k, xy_offset=off, banner=banner)
        action = KEYS.get(win.show_key(canvas))
        if action == "next":
            print(f"[{item.t:7.2f}s] next exercise: coach run has only this one, so the set ends here "
                  "(coach routine runs several)", file=sys.stderr)
        if action in ("quit", "next"):
            return False
        if session is None:
            return None
        said = None
        if action == "pause":
            session.paused = not session.paused
            said = "paused" if session.paused else "going on"
        elif action == "mute" and voice is not None:
            said = "voice off" if voice.toggle_mute() else "voice on"
        elif action == "fullscreen":
            win.toggle_fullscreen()
        elif action == "recalibrate":
            session.recalibrate()
            state["banner"], state["until"] = overlay_text("recalibrated", lang), item.t + KEY_BANNER_S
            said = "learning your range again"
        if said:  # the console says what a key did (the window shows it too)
            print(f"[{item.t:7.2f}s] {said}", file=sys.stderr)
        return None

    def sink(r, item):
        if item.image is None:
            return None
        state["r"] = r
        return show(r, item, False)

    def idle(item):  # paused: the picture goes on, the counts stand still
        if item.image is None or state["r"] is None:
            return None
        return show(replace(state["r"], pose=None, display_measure=None, progress=None), item, True)

    if session is not None:
        session.idle = idle
    return sink


def cmd_run(args) -> int:
    from .runner import format_summary
    if args.reps < 1:
        raise UsageError("--reps must be at least 1")
    session, items, sinks, closers = _session(args, args.source, live_window=not args.no_window, console=True,
                                              watch=True)
    summary = _finish(session, session.run(items, sinks, closers))
    if session.latency is not None:
        summary = dataclasses.replace(summary, latency={**session.latency.summary(),
                                            "dropped_frames": getattr(session.source, "dropped", None)})
    if args.json:
        print_json(summary.to_json())
    elif summary.frames:
        print(format_summary(summary, args.lang))
        lat = summary.latency
        if lat and lat["frame_to_result_ms"]["n"]:
            fr, fc = lat["frame_to_result_ms"], lat["frame_to_cue_ms"]
            print(f"  latency: frame to result median {fr['median']:.0f} ms, p95 {fr['p95']:.0f} ms"
                  + (f"; frame to cue p95 {fc['p95']:.0f} ms ({fc['n']} cues)" if fc["n"] else ""))
    elif summary.interrupted:
        print("coach: stopped", file=sys.stderr)
    if args.output and Path(args.output).exists() and not summary.output_errors and not args.json:
        print(f"annotated video: {args.output}")
    return _exit_code(summary)


def cmd_calibrate(args) -> int:
    """A few comfortable reps -> the member's rest and range in their profile. The protocol
    (what to do, how many reps) is data: calibration/protocol.toml."""
    import datetime as _dt

    from .library import calibration_protocol
    from .profile import Entry, save_entry
    from .runner import format_summary
    if not args.profile:
        raise UsageError("calibrate needs --profile NAME (where to keep your range)")
    proto = calibration_protocol()
    from .library import find_exercise
    if find_exercise(args.exercise).rep.range is None:  # say so before the member exercises for nothing
        raise UsageError(f"{args.exercise} counts with fixed thresholds (no [rep.range]): nothing to calibrate")
    print(proto["instructions"].get(args.lang) or proto["instructions"]["en"], file=sys.stderr)
    session, items, sinks, closers = _session(args, args.source, live_window=not args.no_window, console=True,
                                              watch=False)
    summary = _finish(session, session.run(items, sinks, closers))
    print(format_summary(summary, args.lang))
    # The exit code says how the run ended (Ctrl-C is how a live calibration without a window
    # ends); the profile is saved whenever enough reps counted.
    code = _exit_code(summary)
    cal = session.coach.calibration()
    if cal is None or cal[3] < proto["min_reps"]:
        got = 0 if cal is None else cal[3]
        raise CoachError(f"calibration needs {proto['min_reps']} counted reps, saw {got}: profile not changed")
    measure, rest, rng, reps = cal
    when = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    path = save_entry(args.profile, session.coach.ex.id, Entry(measure, rest, rng, reps, when))
    print(f"profile {path}: {session.coach.ex.id} rest {rest:.4g}, range {rng:.4g} ({measure}, {reps} reps)")
    return code


def cmd_analyze(args) -> int:
    from .runner import format_summary
    session, items, sinks, closers = _session(args, args.video, live_window=False, console=False, watch=False)
    summary = _finish(session, session.run(items, sinks, closers))
    if summary.frames == 0:
        if summary.interrupted and SHUTDOWN.requested:
            print("coach: stopped", file=sys.stderr)
            return SHUTDOWN.exit_code()
        raise CoachError(f"no frames could be read from '{args.video}'")
    if args.json:
        print_json(summary.to_json())
    else:
        print(format_summary(summary, args.lang))
    return _exit_code(summary)


def cmd_list(args) -> int:
    from .library import exercise_ids, exercises_dir
    from .rules.loader import load_exercise
    from .rules.schema import text
    if getattr(args, "routines", False):
        from .session_cli import list_routines
        return list_routines(args)
    rows = []
    for ex_id in exercise_ids():
        try:
            ex = load_exercise(exercises_dir() / f"{ex_id}.toml")
            rows.append({"id": ex.id, "name": text(ex.name), "name_es": text(ex.name, "es"), "views": list(ex.views),
                         "side": ex.side, "counts": "personal range" if ex.rep.range else "fixed thresholds"})
        except RuleFileError as e:
            rows.append({"id": ex_id, "error": e.problems[0]})
    if args.json:
        print_json(rows, indent=1)
        return 0
    width = max((len(r["id"]) for r in rows), default=10)
    for r in rows:
        if "error" in r:
            print(f"{r['id']:<{width}}  (invalid: {r['error']})")
        else:
            print(f"{r['id']:<{width}}  {r['name']}  [{', '.join(r['views'])}]  {r['counts']}")
    print(f"\n{len(rows)} exercises in {exercises_dir()}")
    return 0


def cmd_check_rules(args) -> int:
    from .library import exercises_dir
    from .routine import routines_dir
    from .rules.loader import check_files, rule_files
    paths = args.paths or [str(exercises_dir())] + ([str(routines_dir())] if routines_dir().is_dir() else [])
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    files = rule_files(paths)
    if not files:
        raise UsageError(f"no .toml rule files in {', '.join(paths)}")
    from .session_cli import check_routines, is_routine_file
    routines = [f for f in files if is_routine_file(f)]
    problems = check_files([f for f in files if f not in routines]) + check_routines(routines)
    if problems:
        raise RuleFileError(problems)
    print(f"{len(files)} rule file{'s' if len(files) != 1 else ''} OK")
    return 0


def cmd_schema(args) -> int:
    from .rules.jsonschema import json_schema, markdown_reference
    print(markdown_reference() if args.markdown else json.dumps(json_schema(), indent=1))
    return 0


def cmd_bench(args) -> int:
    from .bench import format_bench, run_bench
    from .capture import open_source
    if args.frames is not None and args.frames < 1:
        raise UsageError("--frames must be at least 1")
    open_source(args.video).close()  # one clear line for a missing or unreadable video
    r = run_bench(args.video, args.exercise, args.model, args.frames, hobby=not args.no_hobby)
    if args.json:
        print_json(r)
    else:
        print(format_bench(r))
    return 0


def cmd_desk(args) -> int:
    """Desk mode (coach.desk): thresholds from calibration/desk.toml; only counts are kept."""
    import time

    from .capture import open_source
    from .desk import run_desk
    from .library import desk_settings, pipeline_params
    from .pose.landmarker import PoseEstimator
    settings = desk_settings()
    params = pipeline_params()
    source = open_source(args.source)
    if args.realtime and not source.is_live:
        from .capture import RealtimeSource
        source = RealtimeSource(source)
    voice = None
    try:
        est = PoseEstimator(args.model, live=source.is_live, **dataclasses.asdict(params.pose))
        if not args.no_voice:
            from .voice import INSTALL_HINT, Voice
            voice = Voice(args.lang)
            if not voice.available:
                print(f"coach: {INSTALL_HINT}", file=sys.stderr)
                voice = None

        def said(e, msg):
            print(f"[{time.strftime('%H:%M')} {e.t / 60:6.1f} min] {msg}", file=sys.stderr)

        counts = run_desk(source, est, settings, args.lang, on_event=said, voice=voice)
    finally:
        source.close()
        if voice is not None:
            voice.close()
    if args.json:
        print_json(counts)
    else:
        print(f"desk: {counts['minutes']:.1f} min watched, {counts['moves']} changes of position, "
              f"{counts['still']} still-too-long and {counts['head_forward']} head-forward suggestions")
    return SHUTDOWN.exit_code() if counts.get("interrupted") and SHUTDOWN.requested else 0


def cmd_demo(args) -> int:
    from .demo import run_demo
    from .outputs import check_outputs
    check_outputs([("video", args.output)], [], force=args.force)
    return run_demo(args.output, lang=args.lang, as_json=args.json)


_COMMANDS = {"run": cmd_run, "analyze": cmd_analyze, "list": cmd_list, "check-rules": cmd_check_rules,
             "schema": cmd_schema, "demo": cmd_demo, "calibrate": cmd_calibrate, "bench": cmd_bench,
             "desk": cmd_desk}

from .tuning_cli import COMMANDS as _TUNING_COMMANDS  # noqa: E402 - the tuning loop's subcommands

_COMMANDS.update(_TUNING_COMMANDS)
from .session_cli import COMMANDS as _SESSION_COMMANDS  # noqa: E402  (the programme around the exercises)

_COMMANDS.update(_SESSION_COMMANDS)
