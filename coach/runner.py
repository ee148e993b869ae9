"""The run loop: wires a pose stream (camera/video/folder through the pose model, a landmark
recording, or a synthetic session) through the Coach engine to the sinks.

Sinks (video file, window, landmark recording, console, summary) are the only things that
draw, write or print. Whatever happens (Ctrl-C, a crash in a sink, a camera unplugged), the
``finally`` closes every sink, so the annotated video and the landmark recording keep every
frame processed so far.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Protocol, Sequence

import numpy as np

from .config import PipelineConfig
from .engine import Coach
from .errors import OutputError, RecordingError, RuleFileError
from .messages import summary_text
from .rules.loader import load_exercise
from .rules.schema import Exercise
from .shutdown import NAMES, SHUTDOWN
from .summary import PersonalScale, Summary, SummaryBuilder
from .types import AttemptVerdict, FrameResult, Pose

if TYPE_CHECKING:  # annotations only: runner itself needs neither cv2 (capture) nor a speech engine
    from .capture import FrameSource
    from .voice import Voice

log = logging.getLogger("coach")


@dataclass(frozen=True)
class Item:
    """One step of a pose stream. image: (H,W,3) uint8 BGR or None (recordings)."""

    t: float
    index: int
    image: Optional[np.ndarray]
    pose: Optional[Pose]
    arrived: Optional[float] = None  # monotonic s when a live source handed the frame over (latency only)


class Sink(Protocol):
    """What Session.run hands every frame to: sinks draw, speak or write (stages only return
    events). Called with the frame's result and its Item; returning False stops the session
    (e.g. the member closed the window); None or True carries on. Positional arguments, so any
    function or callable object with that shape is a sink, whatever it names them."""

    def __call__(self, result: FrameResult, item: Item, /) -> Optional[bool]: ...


def video_items(source, estimator) -> Iterator[Item]:
    """Frames from a capture.FrameSource through a pose.landmarker.PoseEstimator."""
    for frame in source:
        yield Item(frame.t, frame.index, frame.image, estimator.process(frame), frame.arrived)


class LatencySink:
    """Measures, for a live (or --realtime) source, how long after a frame was handed over its
    result was ready (every frame) and its cue was issued (frames whose ``new_cue`` is set:
    the cue carries that frame's own ``t``). A sink, so it reads the clock outside the logic;
    coach.cli puts it after the window, video and voice sinks, so "ready" means on screen.
    ``summary()``: ms figures (n, median, p95, max) and the resident memory now and at peak."""

    def __init__(self, clock=None):
        import time
        self._clock = clock or time.monotonic
        self.result_ms: list[float] = []
        self.cue_ms: list[float] = []
        self.cues: list[tuple[float, str]] = []  # (frame t, cue text)
        self.cue_frames_match = True  # every cue carried the time of the frame that caused it

    def __call__(self, r: FrameResult, item: Item) -> None:
        if item.arrived is None:
            return
        ms = (self._clock() - item.arrived) * 1000.0
        self.result_ms.append(ms)
        if r.new_cue is not None:
            self.cue_ms.append(ms)
            self.cues.append((r.new_cue.t, r.new_cue.text))
            self.cue_frames_match = self.cue_frames_match and r.new_cue.t == item.t

    @staticmethod
    def _stats(ms: list[float]) -> dict:
        if not ms:
            return {"n": 0}
        a = np.asarray(ms)
        return {"n": int(a.size), "median": round(float(np.median(a)), 1),
                "p95": round(float(np.percentile(a, 95)), 1), "max": round(float(a.max()), 1)}

    def summary(self) -> dict:
        import resource
        out = {"frame_to_result_ms": self._stats(self.result_ms), "frame_to_cue_ms": self._stats(self.cue_ms),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
               "cues_carry_frame_time": self.cue_frames_match}
        if len(self.result_ms) >= 20:  # flat over the run: the last tenth against the first
            k = len(self.result_ms) // 10
            out["first_tenth_median_ms"] = round(float(np.median(self.result_ms[:k])), 1)
            out["last_tenth_median_ms"] = round(float(np.median(self.result_ms[-k:])), 1)
        return out


def recording_items(rec, canvas: bool = False) -> Iterator[Item]:
    """Replay a pose.recording.Recording (exact timestamps); optional blank canvas images."""
    w, h = rec.image_size
    idx = np.asarray(rec.indices).tolist() if rec.indices is not None else range(len(rec.poses))
    for t, i, pose in zip(recording_times(rec), idx, rec.poses):
        yield _item(t, i, np.full((h, w, 3), 40, np.uint8) if canvas else None, pose)


def recording_times(rec) -> list[float]:
    """A recording's frame times (s) as its items carry them: Python floats, as float() of
    each would give (what Session.prepare is given with the recording's poses)."""
    return np.asarray(rec.times, np.float64).tolist()


def _item(t: float, index: int, image: Optional[np.ndarray], pose: Optional[Pose]) -> Item:
    """Item(t, index, image, pose): the same frozen object, its fields set at once rather than
    one object.__setattr__ each as the dataclass's __init__ does (a replay makes one a frame;
    see coach.engine._frame_result)."""
    item = object.__new__(Item)
    item.__dict__.update(t=t, index=index, image=image, pose=pose, arrived=None)
    return item


class RuleWatcher:
    """Reloads a rule file when it changes on disk. Checked every ``every`` frames (file
    polling is I/O, not logic: it never changes what a frame means, only which rules apply)."""

    def __init__(self, path: str, every: int = 15):
        self.path = Path(path)
        self.every = every
        self._mtime = self._stat()
        self._n = 0
        self.error: Optional[str] = None

    def _stat(self) -> Optional[float]:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None

    def poll(self) -> Optional[Exercise]:
        self._n += 1
        if self._n % self.every:
            return None
        m = self._stat()
        if m is None or m == self._mtime:
            return None
        self._mtime = m
        try:
            ex = load_exercise(self.path)
        except RuleFileError as e:
            self.error = e.problems[0]
            log.warning("rule file has errors; still using the last good rules: %s", "; ".join(e.problems))
            return None
        except Exception as e:  # never let an edit end a live session: keep the last good rules
            self.error = f"{self.path}: could not be read ({e.__class__.__name__})"
            log.warning("rule file could not be reloaded; still using the last good rules: %s", self.error)
            return None
        self.error = None
        log.info("rules reloaded from %s (version %s)", self.path, ex.version)
        return ex


def recorded_stop(rec: Any) -> Optional[bool]:
    """How the session a recording (coach.pose.recording.Recording) holds ended: True when it
    was stopped (the member, a signal, a routine's target), False when its source ran out,
    None when it does not say (a recording made from a file by extract, or before the coach
    stored it: replayed as a source that ran out). A recording cut short (a journal) was
    stopped, not run out."""
    stopped = rec.meta.get("stopped")
    if isinstance(stopped, bool):
        return stopped
    return True if not rec.complete else None


class Session:
    """One exercise on one pose stream."""

    def __init__(self, exercise: Exercise, params: PipelineConfig, *, lang: str = "en", fps: Optional[float] = None,
                 source_name: str = "", watch_rules: bool = False, personal=None, poses: bool = True):
        """poses: the FrameResults carry the smoothed pose (sinks that draw need it); False for
        a replay that keeps only decisions (coach.engine.Coach: the same decisions, faster)."""
        self.coach = Coach(exercise, params, lang=lang, personal=personal, poses=poses)
        self.summary = SummaryBuilder(exercise, fps, lang=lang, source=source_name)
        self.watcher = RuleWatcher(exercise.path) if watch_rules and exercise.path else None
        self.lang = lang
        # Live controls (the window's keys): while paused, frames are shown through ``idle``
        # (item -> False to stop) and neither counted nor given to the sinks or recorded.
        self.paused = False
        self.idle: Optional[Callable[[Item], Optional[bool]]] = None
        # Set by the caller that opened the input (coach.cli): the frame source, how many of its
        # warnings were already reported, the latency sink (live sources) and the voice, if any.
        self.source: Optional[FrameSource] = None
        self.warned = 0
        self.latency: Optional[LatencySink] = None
        self.voice: Optional[Voice] = None
        # How the stream's end is judged (AttemptCounter.finish: a hold still held when the
        # source runs out counts, one cut by a stop does not). A replay sets end_stopped to how
        # the recorded session ended (recorded_stop); None: as this run ends. ``stopped`` is
        # what the run used (None until it ends); a recording stores it (meta "stopped").
        self.end_stopped: Optional[bool] = None
        self.stopped: Optional[bool] = None

    def prepare(self, poses: Sequence[Optional[Pose]], times: Optional[Sequence[float]] = None) -> None:
        """The stream's poses (and their times, s), known up front (a recording's): a session
        made with poses=False works out their smoothing, measures and view at once before its
        first frame (the same results; see Coach.prepare). Nothing to do otherwise."""
        self.coach.prepare(poses, times)

    def recalibrate(self) -> None:
        """Forget the member's range (profile or learnt) and learn it again from the next reps;
        the reps counted so far are kept."""
        self.coach.personal = None
        self.coach.load(self.coach.ex)

    def run(self, items: Iterable[Item], sinks: Iterable[Sink] = (),
            closers: Iterable[Callable[[], None]] = ()) -> Summary:
        """Feed every item to the coach and the sinks; returns the session's Summary.

        Each sink is called with the frame's result and its Item (image and the raw pose, as
        the model gave it: what a landmark recording must keep so that replays are exact).
        A sink returning False stops the session (the member closed the window).

        Stopping (coach.shutdown owns the signals): a signal while the next frame is awaited
        stops at once; during a frame, the frame is finished (every sink gets it) first. An
        output that cannot be written (OutputError or RecordingError from a sink, e.g. a full
        disk) also stops the session. Whatever stops it, every closer runs, with further
        signals ignored, so the outputs keep every frame processed; the summary then says
        ``interrupted`` (with ``signal``) and lists ``output_errors``."""
        sinks = list(sinks)
        interrupted = False
        errors: list[str] = []
        last: Optional[Item] = None
        ended = False  # the source ran out (not stopped by a sink, a signal or the member)
        it = iter(items)
        waiting, working = SHUTDOWN.in_phase("waiting"), SHUTDOWN.in_phase("working")  # entered every frame
        try:
            while True:
                with waiting:
                    item = next(it, None)
                if item is None:
                    ended = True
                    break
                if self.paused and self.idle is not None:
                    with SHUTDOWN.in_phase("working"):
                        stop = self.idle(item) is False
                    if stop or SHUTDOWN.requested:
                        interrupted = SHUTDOWN.requested
                        break
                    continue
                with working:
                    last = item
                    if self.watcher is not None:
                        new = self.watcher.poll()
                        if new is not None:
                            self.coach.load(new)
                        self.coach.notice = (f"rule file not reloaded: {self.watcher.error}"
                                             if self.watcher.error else None)
                    r = self.coach.step(item.pose, item.t, item.index)
                    self.summary.add(r)
                    stop = False
                    for sink in sinks:
                        try:
                            stop = sink(r, item) is False or stop
                        except (OutputError, RecordingError) as exc:
                            errors.append(str(exc))
                            stop = True
                if stop or SHUTDOWN.requested:
                    interrupted = SHUTDOWN.requested
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            SHUTDOWN.phase = "saving"  # from here on, signals only wait for the saving to end
            self.stopped = (not ended) if self.end_stopped is None else self.end_stopped
            if last is not None:  # also when the member closed the window mid-rep
                end = self.coach.finish(last.t, last.index, stopped=self.stopped)
                if end.events:
                    self.summary.add_events(end)
            for close in closers:
                try:
                    close()
                except (OutputError, RecordingError) as exc:
                    errors.append(str(exc))
                except Exception as exc:  # keep closing the others: nothing recorded is lost
                    log.error("could not close an output cleanly: %s", exc)
                    errors.append(f"could not close an output cleanly: {exc}")
        cal = self.coach.calibration()
        return replace(
            self.summary.result(),
            # the member's own scale as the coach saw it (see coach.attempts)
            personal=None if cal is None else PersonalScale(cal[0], round(cal[1], 3), round(cal[2], 3), cal[3],
                                                            self.coach.personal is not None),
            interrupted=interrupted,
            signal=NAMES.get(SHUTDOWN.signum, str(SHUTDOWN.signum))
            if interrupted and SHUTDOWN.signum is not None else None,
            output_errors=tuple(errors),
            rules_error=self.watcher.error if self.watcher is not None and self.watcher.error else None)


def console_sink(stream=None) -> Callable[[FrameResult, Item], None]:
    """Prints reps and cues as they happen (one line each), on ``stream`` (default: whatever
    sys.stderr is when the sink is made, not when this module was imported)."""
    stream = stream if stream is not None else sys.stderr

    def sink(r: FrameResult, _item: Item) -> None:
        for a in r.lifecycle:
            if isinstance(a, AttemptVerdict) and a.counted:
                side = f" ({a.side})" if a.side else ""
                print(f"[{r.t:7.2f}s] rep {r.reps}{side}", file=stream)
            elif isinstance(a, AttemptVerdict):
                print(f"[{r.t:7.2f}s] not counted: {a.event.reason}", file=stream)
        if r.new_cue is not None:
            print(f"[{r.t:7.2f}s] {r.new_cue.severity}: {r.new_cue.text}", file=stream)

    return sink


# reason prefix (coach.reps.hold_short/too_quick, coach.attempts) -> summary label key
MISS_KINDS = (("short", "short"), ("did not return", "return"), ("quicker", "quick"), ("held", "hold"),
              ("slower", "paused"))


def miss_kind(reason: str) -> str:
    """The summary label key for why an attempt did not count (from its reason text)."""
    for prefix, key in MISS_KINDS:
        if reason.startswith(prefix):
            return key
    return "other"


def format_summary(s: Summary, lang: str = "en") -> str:
    """A short human summary for the end of a session, in the member's language."""
    reps = s.reps
    lines = [f"{s.exercise_name or s.exercise}: {reps} {summary_text('rep' if reps == 1 else 'reps', lang)}"
             + (" (" + ", ".join(f"{summary_text(k, lang) if k in ('left', 'right') else k} {v}"
                                 for k, v in s.reps_by_side.items()) + ")" if s.reps_by_side else "")]
    missed = s.missed
    if missed:
        kinds: dict[str, int] = {}
        for d in missed:
            k = miss_kind(d.reason or "")
            kinds[k] = kinds.get(k, 0) + 1
        why = ", ".join(f"{n} {summary_text(k, lang)}" for k, n in kinds.items())
        lines.append("  " + summary_text("attempts", lang, attempts=s.attempts,
                                         counted=s.attempts - len(missed), why=why))
    if s.faults:  # check ids: what a therapist looks up in the rule file
        notes = ", ".join(f"{k} x{v}" for k, v in sorted(s.faults.items(), key=lambda kv: -kv[1]))
        lines.append("  " + summary_text("form", lang, notes=notes))
    if reps:
        lines.append("  " + summary_text("clean", lang, clean=s.clean_reps, reps=reps))
    lines.append("  " + summary_text("frames", lang, frames=s.frames, seen=s.frames_with_pose, secs=s.seconds)
                 + (summary_text("stopped", lang) if s.interrupted else ""))
    return "\n".join(lines)

