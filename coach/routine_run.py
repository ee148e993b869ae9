"""`coach routine`: a whole routine on one pose stream, written to the session store as it happens.

The stream is one or more sources played one after the other (a webcam; or video files, image
folders and landmark recordings, e.g. one per set in tests). Session time runs on across sources
(each source's times are shifted to follow the previous one), so the session's landmark
recording replays the routine exactly: ``coach routine --source DATA/sessions/<uuid>/landmarks.npz``.

Flow, for each planned set (coach.routine.plan): announce it ("Next: thread the needle, left
side" and its how-to), then feed frames to a fresh ``runner.Session`` of the exercise until the
set's target is met (counted reps of the step's side, or seconds held), the member skips or
quits, the set runs past ``max_set_s``, or the source ends. Then rest ``rest_s`` seconds of
stream time (a countdown with a breathing prompt and the check-in question), unless it was the
last set. The end of a source ends the set or rest in progress; the next set starts on the next
source. Keys in the window: space pauses (paused frames are neither counted nor recorded),
``s`` skips the set or the rest, ``n`` ends the exercise (the set under way and the step's sets
still to come; what was counted is kept) and goes on to the next one, after its rest as usual
(``n`` during a rest moves on at once), ``q``/Esc quits.

The store gets every event when it happens (set start/end, each attempt, each cue, pause, skip,
pain): see coach.store. Whatever ends the run (the routine done, q, Ctrl-C, SIGTERM, a crash),
``finally`` closes the recording and the video and marks the session ended with its reason; a
kill -9 leaves the session open ("ended abnormally") with every committed event readable.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import numpy as np

from . import __version__
from .care import pain_advice, side_text
from .care import t as ct
from .errors import CoachError
from .routine import PlannedSet, Routine, plan
from .rules.schema import text
from .runner import Item, Session, format_summary, recording_items, video_items
from .store import Store, StoreError, private_dir
from .summary import SetInfo, Summary
from .types import AttemptEnded, AttemptVerdict

if TYPE_CHECKING:  # annotations only: both are imported when first needed
    from .capture import VideoWriter
    from .pose.recording import RecordingWriter

log = logging.getLogger("coach")

# s of stream time a set goes on after its target is met, waiting for the last rep's return to
# rest (its form verdict). Raise if last reps lose their fault list; lower for snappier sets.
SETTLE_S = 4.0
# s of stream time the step's how-to shows at the start of each set (then the keys). Raise for
# members who read slowly.
HOW_TO_S = 8.0
# The landmark recording (pose.recording.RecordingWriter) is an append-only journal: every frame
# reaches the disk when it is appended, so a kill -9 loses at most the frame being written.

_END = object()  # a source ended


@dataclass
class Source:
    """One opened source: its items, what closes it, frames per second, size, name."""

    name: str
    items: Iterator[Item]
    fps: float
    size: tuple[int, int]
    closers: list = field(default_factory=list)
    live: bool = False
    model: str = "recording"
    raw: Optional[Iterator[Item]] = None  # the items before --realtime pacing


def open_sources(specs: list[str], model: Optional[str] = None, canvas: bool = False) -> Iterator[Source]:
    """Open each source when it is reached (a camera or video is not held open while others play)."""
    est = None
    for spec in specs:
        if spec.endswith(".npz"):
            from .pose.recording import load_recording
            rec = load_recording(spec)
            made_by = rec.meta.get("model") or rec.meta.get("model_name")
            yield Source(Path(spec).name, recording_items(rec, canvas=canvas), rec.fps, rec.image_size,
                         model=f"recording ({made_by})" if made_by else "recording")
            continue
        from .capture import open_source
        from .library import pipeline_params
        source = open_source(spec)
        for w in source.warnings:
            log.warning("%s", w)
        if est is None:
            from .pose.landmarker import PoseEstimator
            try:
                pose_cfg = pipeline_params().pose
                est = PoseEstimator(model, live=source.is_live,
                                    min_detection_confidence=pose_cfg.min_detection_confidence,
                                    min_presence_confidence=pose_cfg.min_presence_confidence,
                                    min_tracking_confidence=pose_cfg.min_tracking_confidence)
            except BaseException:
                source.close()
                raise
        assert source.size is not None  # every opened FrameSource has read its first frame
        yield Source(source.name, video_items(source, est), source.fps, source.size, [source.close],
                     live=source.is_live, model=_model_text(est))
    if est is not None:
        est.close()


def _model_text(est) -> str:
    """The pose model as stored with a session: name, hash and the mediapipe version."""
    try:
        from importlib.metadata import version
        mp = version("mediapipe")
    except Exception:  # pragma: no cover - mediapipe is a dependency
        mp = "?"
    return f"{est.model_name} sha256:{est.model_sha256[:16]} mediapipe {mp}"


def paced(items: Iterator[Item], clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[Item]:
    """Play a file at its own speed (--realtime): I/O pacing like a camera's, never logic."""
    start = None
    for it in items:
        if start is None:
            start = clock() - it.t
        wait = start + it.t - clock()
        if wait > 0:
            sleep(wait)
        yield it


class Stop(Exception):
    """The member quit (q) or a signal asked the run to stop."""


@dataclass
class RunResult:
    session_id: int
    uuid: str
    reason: str
    summaries: list[Summary] = field(default_factory=list)


class RoutineRun:
    """Runs one routine. ``sources``: Source objects in order; ``store``: where events go;
    ``window``: a render.Window or None; ``video``: path of an annotated video or None."""

    def __init__(self, routine: Routine, sources: Iterator[Source], store: Store, *, profile: str, lang: str = "en",
                 specs: Optional[list] = None, window=None, video: Optional[str] = None, console=None,
                 personal: Optional[dict] = None, realtime: bool = False):
        self.routine = routine
        self.plan = plan(routine)
        self._sources = iter(sources)
        self.store = store
        self.profile = profile
        self.lang = lang
        self.specs = specs or []
        self.window = window
        self.video_path = video
        self.console = console
        self.personal = personal or {}
        self.realtime = realtime
        # several sources: each set plays its own (a recording or video per set)
        self.one_source_per_set = len(self.specs) > 1
        self.source: Optional[Source] = None
        self.offset = 0.0  # s added to the current source's times
        self.index = 0  # frames fed so far (the recording's frame numbers)
        self.last_t = -1.0
        self.closers: list = []
        self.recorder: Optional[RecordingWriter] = None
        self.video: Optional[VideoWriter] = None
        self.session_id = 0
        self.uuid = ""
        self._sources_done = False
        self.skip_to: Optional[int] = None  # plan index to go on at after ``n`` (next exercise)

    # ------------------------------------------------------------------ the stream
    def _next_source(self) -> bool:
        if self.source is not None:
            for c in self.source.closers:
                c()
            self.offset = self.last_t + 1.0 / (self.source.fps or 30.0)
            self.source = None
        try:
            src = next(self._sources)
        except StopIteration:
            self._sources_done = True
            return False
        src.raw = src.items
        src.items = paced(src.items) if self.realtime and not src.live else src.items
        self.source = src
        return True

    def _next(self):
        """The next item on the session's clock, _END when the current source ended, None when
        every source is done."""
        if self._sources_done:
            return None
        if self.source is None and not self._next_source():
            return None
        try:
            it = next(self.source.items)
        except StopIteration:
            self._next_source()
            return _END
        self.index += 1
        item = Item(self.offset + it.t, self.index - 1, it.image, it.pose)
        self.last_t = item.t
        return item

    def _items(self) -> Iterator[Item]:
        """Items of the current set or rest, recorded as they are handed out, until the source
        ends (then ``source_ended`` is set)."""
        while True:
            item = self._next()
            if item is None or item is _END:
                self.source_ended = True
                return
            self._record(item)
            yield item

    def _record(self, item: Item) -> None:
        if self.recorder is None:
            from .pose.recording import RecordingWriter
            assert self.source is not None  # items come only from the current source
            w, h = (item.image.shape[1], item.image.shape[0]) if item.image is not None else self.source.size
            self.recorder = RecordingWriter(self.rec_path, self.source.fps or 30.0, (w, h),
                                            {"source": ", ".join(self.specs), "coach_version": __version__,
                                             "session": self.uuid, "routine": self.routine.id})
            self.closers.append(self.recorder.close)
        self.recorder.append(item.t, item.index, item.pose)

    # ------------------------------------------------------------------ display
    def _show(self, img: Optional[np.ndarray]) -> Optional[int]:
        """Write a frame to the video and the window; returns a key pressed (or None)."""
        if img is None:
            return None
        if self.video_path:
            if self.video is None:
                from .capture import VideoWriter
                self.video = VideoWriter(self.video_path, (self.source.fps if self.source else 30.0) or 30.0,
                                         (img.shape[1], img.shape[0]))
                # the member on video: readable by its owner only (kept by the final rename)
                os.chmod(self.video.partial, 0o600)
                self.closers.append(self.video.close)
            self.video.write(img)
        if self.window is not None:
            return self.window.show_key(img)
        return None

    def _banner(self, img: np.ndarray, lines: list[str]) -> np.ndarray:
        """The routine's strip at the bottom of the frame: the first line large (set and
        progress, or the rest countdown), the others smaller; sized to the frame and wrapped."""
        from .render import put_text, text_size
        h, w = img.shape[:2]
        big, small = max(14, int(w / 30)), max(12, int(w / 44))  # px: ~43 and ~29 on a 1280-wide frame
        margin = max(8, w // 60)
        rows: list[tuple[str, int, tuple]] = []
        for i, line in enumerate(lines):
            size = big if i == 0 else small
            color = (255, 255, 255) if i == 0 else (210, 210, 210)
            for part in _wrap(line, size, w - 2 * margin, text_size):
                rows.append((part, size, color))
        heights = [int(size * 1.35) for _, size, _ in rows]
        band = min(h, sum(heights) + 2 * margin)
        img[h - band:] = (img[h - band:] * 0.3).astype(np.uint8)
        y = h - band + margin
        for (part, size, color), dy in zip(rows, heights):
            put_text(img, part, (margin, y), size, color)
            y += dy
        return img

    def _say(self, line: str, t: Optional[float] = None) -> None:
        stamp = f"[{t:7.2f}s] " if t is not None else ""
        print(stamp + line, file=self.console or sys.stderr, flush=True)

    def _key_action(self, key: Optional[int]) -> Optional[str]:
        if key is None or key < 0:
            return None
        if key in (ord("q"), 27):
            return "quit"
        if key == ord("s"):
            return "skip"
        if key == ord("n"):
            return "next"
        if key in (ord(" "), ord("p")):
            return "pause"
        return None

    def _next_exercise(self, ps: PlannedSet, t: float, after: bool = False) -> None:
        """``n``: the exercise of ``ps`` ends; the step's planned sets still to come are not run
        and the routine goes on at the next step (``skip_to``, a plan index). ``after``: pressed in
        the rest after ``ps`` (``ps`` itself was done)."""
        nxt = next((p.index for p in self.plan[ps.index + 1:] if p.step != ps.step), len(self.plan))
        self.skip_to = nxt
        skipped = list(range(ps.index + 1, nxt))
        self.store.add_event(self.session_id, "next_exercise", t, set_index=ps.index, in_rest=after,
                             skipped_sets=skipped)
        if nxt < len(self.plan):
            from .library import find_exercise
            st = self.plan[nxt].step_def
            self._say("n: " + ct("next", self.lang, name=text(find_exercise(st.exercise).name, self.lang),
                                 side=side_text(st.side, self.lang)), t)

    def _pause_loop(self, t: float) -> None:
        """Paused: frames are shown, not counted, not recorded, until space (q quits)."""
        self.store.add_event(self.session_id, "pause", t)
        self._say(ct("paused", self.lang), t)
        while True:
            it = self._next()
            if it is None or it is _END:
                self.source_ended = True
                break
            img = it.image.copy() if it.image is not None else None
            if img is not None:
                self._banner(img, [ct("paused", self.lang), ct("keys", self.lang)])
            act = self._key_action(self._show(img))
            if act == "pause":
                break
            if act == "quit":
                raise Stop("quit")
        self.store.add_event(self.session_id, "resume", self.last_t)

    # ------------------------------------------------------------------ one set
    def _run_set(self, ps: PlannedSet) -> tuple[Summary, str]:
        from .library import find_exercise, pipeline_params
        from .render import draw_overlay
        st = ps.step_def
        ex = find_exercise(st.exercise)
        name = text(ex.name, self.lang)
        self.store.add_rule_file(self.session_id, ex.id, ex.version, _sha256(ex.path), str(ex.path))
        start_t = round(max(self.last_t, 0.0), 3)
        rng = ex.rep.range
        set_id = self.store.start_set(self.session_id, set_index=ps.index, step_index=ps.step, number=ps.number,
                                      of_sets=ps.of, exercise_id=ex.id, side=st.side, target_reps=st.reps,
                                      target_hold_s=st.hold_s, measure=rng.measure if rng else None,
                                      unit=_unit(ex, rng.measure) if rng else None, started_t=start_t)
        self._say(ct("next", self.lang, name=name, side=side_text(st.side, self.lang)) + " - "
                  + ct("set_of", self.lang, n=ps.number, of=ps.of)
                  + (" - " + text(st.how_to, self.lang) if st.how_to and ps.number == 1 else ""), start_t)
        session = Session(ex, pipeline_params(), lang=self.lang, fps=None, source_name=", ".join(self.specs),
                          personal=self.personal.get(ex.id))
        # the set's running state, shared with control(): reason, met_t, first_t (s or None), held,
        # hold_now, hold_peak (s), count, stored (attempts), last_attempt (side -> attempt id)
        state: dict[str, Any] = {"reason": None, "met_t": None, "held": 0.0, "hold_now": 0.0, "count": 0,
                                 "first_t": None, "stored": 0, "last_attempt": {}}
        target_text = (lambda: ct("reps_of", self.lang, reps=state["count"], target=st.reps)) if st.reps else (
            lambda: ct("held_of", self.lang, held=state["held"] + state["hold_now"], target=st.hold_s))
        side = side_text(st.side, self.lang).lstrip(", ")
        header = (f"{side[:1].upper()}{side[1:]} · " if side else "") + ct("set_of", self.lang, n=ps.number, of=ps.of)

        def control(r, item) -> Optional[bool]:
            if state["first_t"] is None:
                state["first_t"] = r.t
            cal = session.coach.calibration()
            # first: the frame that completes a hold also ends its attempt. The engine's hold clock
            # stops at the rule file's hold seconds, drops to 0 when that hold is over and is None
            # outside the hold phase: a drop banks the hold that just ended.
            now = r.hold_elapsed_s or 0.0
            if now < state["hold_now"] - 1e-9:
                state["held"] += state["hold_now"]
            state["hold_now"] = now
            if r.hold_elapsed_s is not None:
                state["hold_peak"] = max(state.get("hold_peak") or 0.0, r.hold_elapsed_s)
            for a in r.lifecycle:
                if isinstance(a, AttemptVerdict):
                    e = a.event
                    start = e.start_t if e.start_t is not None else e.t
                    rest = cal[1] if cal else None
                    rom = abs(e.reached - rest) if (e.reached is not None and rest is not None) else None
                    aid = self.store.add_attempt(
                        self.session_id, set_id, start_t=round(start, 3), end_t=round(e.t, 3),
                        counted=int(a.counted), side=e.side,
                        reason=None if a.counted else (e.reason or e.kind),
                        reached=_r(e.reached), target=_r(e.target), rest=_r(rest), rom=_r(rom),
                        tempo_s=round(e.t - start, 3),
                        hold_s=round(state["hold_peak"], 3) if state.get("hold_peak") else None, faults=())
                    state["stored"] += 1
                    state["hold_peak"] = 0.0
                    if a.counted:
                        state["last_attempt"][a.attempt] = aid  # its faults come when it ends
                        self._say(f"rep {r.reps_by_side.get(e.side, r.reps) if e.side else r.reps}"
                                  + (f" ({e.side})" if e.side else ""), r.t)
                    else:
                        self._say(f"not counted: {e.reason}", r.t)
                elif isinstance(a, AttemptEnded) and a.counted:
                    aid = state["last_attempt"].pop(a.attempt, None)
                    if aid is not None:
                        self.store.db.execute("UPDATE attempts SET faults = ? WHERE id = ?",
                                              (json.dumps(list(a.faults)), aid))
                    if state["met_t"] is not None and state["reason"] is None:
                        state["reason"] = "target"
            if r.new_cue is not None:
                self.store.add_cue(self.session_id, set_id, round(r.new_cue.t, 3), r.new_cue.source,
                                   r.new_cue.severity, r.new_cue.text)
                self._say(f"{r.new_cue.severity}: {r.new_cue.text}", r.t)
            # progress toward the set's target
            state["count"] = r.reps_by_side.get(st.side, 0) if st.side else r.reps
            met = (state["count"] >= st.reps) if st.reps else (state["held"] + state["hold_now"] >= st.hold_s)
            if met and state["met_t"] is None:
                state["met_t"] = r.t
            if met and not state["last_attempt"] and state["reason"] is None:
                state["reason"] = "target"  # no counted rep is waiting for its return to rest
            if state["met_t"] is not None and r.t - state["met_t"] >= SETTLE_S:
                state["reason"] = state["reason"] or "target"
            if r.t - state["first_t"] >= self.routine.max_set_s and state["reason"] is None:
                state["reason"] = "time up"
            img = None
            if item.image is not None:
                img = draw_overlay(item.image.copy(), r, name)
                first = r.t - state["first_t"] < HOW_TO_S and st.how_to
                self._banner(img, [header + " · " + target_text(),
                                   text(st.how_to, self.lang) if first else ct("keys", self.lang)])
            act = self._key_action(self._show(img))
            if act == "quit":
                state["reason"] = "quit"
            elif act == "skip":
                state["reason"] = "skipped"
                self.store.add_event(self.session_id, "skip", r.t, set_index=ps.index)
            elif act == "next":
                state["reason"] = "next exercise"
                self._next_exercise(ps, r.t)
            elif act == "pause":
                self._pause_loop(r.t)
            return False if state["reason"] else None

        self.source_ended = False
        try:
            summary = session.run(self._items(), [control])
        except Stop:
            self.store.end_set(set_id, ended_t=round(self.last_t, 3), end_reason="quit", reps=state["count"],
                               held_s=None, frames=session.summary.frames,
                               frames_with_pose=session.summary.frames_with_pose)
            raise
        if summary.interrupted:
            reason = "interrupted"
        else:
            reason = state["reason"] or ("target" if state["met_t"] is not None else
                                         "source ended" if self.source_ended else "stopped")
        # attempts the stream's end closed (Session.run's finish) reach only the summary: store them too
        for d in summary.reps_detail[state["stored"]:]:
            self.store.add_attempt(self.session_id, set_id, start_t=d.start_s, end_t=d.end_s,
                                   counted=int(d.counted), side=d.side, reason=d.reason,
                                   reached=d.reached, target=d.target, rest=None, rom=None,
                                   tempo_s=round(d.end_s - d.start_s, 3), hold_s=None,
                                   faults=d.faults or ())
        reps = summary.reps_by_side.get(st.side, 0) if st.side else summary.reps
        held = state["held"] + state["hold_now"]
        self.store.end_set(set_id, ended_t=round(self.last_t, 3), end_reason=reason, reps=reps,
                           held_s=round(held, 3) if st.hold_s else None, frames=summary.frames,
                           frames_with_pose=summary.frames_with_pose)
        summary = replace(summary, set=SetInfo(ps.index, ps.number, ps.of, st.side, reps, reason))
        self._say(ct("set_done", self.lang, reps=reps) + f" ({reason})", self.last_t)
        return summary, reason

    def _drain(self) -> None:
        """One source per set: what is left of this set's source after its rest is not part of
        the routine (neither counted nor recorded); the next set starts on the next source."""
        dropped = 0
        if self.source is not None:
            assert self.source.raw is not None  # set by _next_source
            for _ in self.source.raw:  # not paced (--realtime): nobody watches these frames
                dropped += 1
            self._next()  # the source's end: on to the next one
        if dropped:
            self.store.add_event(self.session_id, "source_skipped", self.last_t, frames=dropped)

    # ------------------------------------------------------------------ rest
    def _rest(self, ps: PlannedSet, nxt: PlannedSet) -> str:
        from .library import find_exercise
        st = ps.step_def
        if st.rest_s <= 0 or self.source_ended:
            return "none"
        start = self.last_t
        nxt_name = text(find_exercise(nxt.step_def.exercise).name, self.lang) + side_text(nxt.step_def.side, self.lang)
        self.store.add_event(self.session_id, "rest_start", start, seconds=st.rest_s)
        self._say(ct("rest", self.lang, secs=int(round(st.rest_s))) + " - " + ct("breathe", self.lang)
                  + " " + ct("check_in", self.lang), start)
        reason = "source ended"
        for item in self._items():
            left = max(0.0, st.rest_s - (item.t - start))
            img = None
            if item.image is not None:
                from .render import draw_skeleton
                img = item.image.copy()
                if item.pose is not None:
                    draw_skeleton(img, item.pose, False)
                self._banner(img, [ct("rest", self.lang, secs=int(np.ceil(left))),
                                   ct("next", self.lang, name=nxt_name, side=""),
                                   ct("breathe", self.lang), ct("check_in", self.lang)])
            act = self._key_action(self._show(img))  # every recorded frame is also shown
            if left <= 0:
                reason = "done"
                break
            if act == "quit":
                raise Stop("quit")
            if act == "skip":
                reason = "skipped"
                break
            if act == "next":
                reason = "next exercise"
                self._next_exercise(ps, item.t, after=True)
                break
            if act == "pause":
                self._pause_loop(item.t)
        self.store.add_event(self.session_id, "rest_end", self.last_t, reason=reason)
        return reason

    # ------------------------------------------------------------------ the routine
    def _close_session(self, reason: str, ask_pain_after) -> None:
        """Pain after (when the routine ended normally), the stop suggestions, the end."""
        if self.recorder is None:  # nothing was seen: no recording file
            self.store.set_session_paths(self.session_id, None, None)
        if reason in ("completed", "quit", "source ended") and ask_pain_after is not None:
            try:
                after = ask_pain_after()
            except (KeyboardInterrupt, EOFError):
                after = None
            if after is not None:
                self.store.add_pain(self.session_id, "after", after[0], after[1])
        pains = {r["moment"]: r["score"] for r in self.store.db.execute(
            "SELECT moment, score FROM pain WHERE session_id = ?", (self.session_id,))}
        for key, fmt in pain_advice(pains.get("before"), pains.get("after")):
            self.store.add_event(self.session_id, "stop_suggested", None, key=key, **fmt)
        self.store.end_session(self.session_id, reason)

    def run(self, pain_before: Optional[tuple[int, str]] = None,
            ask_pain_after: Optional[Callable[[], Optional[tuple[int, str]]]] = None,
            session_uuid: Optional[str] = None, start_events: tuple = ()) -> RunResult:
        plan_rows = [{"index": p.index, "step": p.step, "exercise": p.step_def.exercise, "side": p.step_def.side,
                      "number": p.number, "of": p.of, "reps": p.step_def.reps, "hold_s": p.step_def.hold_s,
                      "rest_s": p.step_def.rest_s} for p in self.plan]
        opened = self._next_source()  # a camera that is not there fails here, before a session starts
        self.session_id, self.uuid = self.store.start_session(
            profile=self.profile, routine=self.routine, plan_json=plan_rows, lang=self.lang, sources=self.specs,
            app_version=__version__, model="pending", session_uuid=session_uuid)
        folder = private_dir(private_dir(self.store.data_dir / "sessions") / self.uuid)
        self.rec_path = folder / "landmarks.npz"
        rel = lambda p: str(Path(p).relative_to(self.store.data_dir)) if p else None  # noqa: E731
        if self.video_path == "session":
            self.video_path = str(folder / "video.mp4")
        self.store.set_session_paths(self.session_id, rel(self.rec_path),
                                     rel(self.video_path) if self.video_path and str(self.video_path).startswith(
                                         str(self.store.data_dir)) else self.video_path)
        result = RunResult(self.session_id, self.uuid, "completed")
        for kind, data in start_events:
            self.store.add_event(self.session_id, kind, None, **data)
        if pain_before is not None:
            self.store.add_pain(self.session_id, "before", pain_before[0], pain_before[1])
        reason = "completed"
        try:
            if opened:
                assert self.source is not None  # _next_source() returned True: it is set
                self.store.db.execute("UPDATE sessions SET model = ? WHERE id = ?",
                                      (self.source.model, self.session_id))
            k = 0
            while k < len(self.plan):
                ps = self.plan[k]
                if self._sources_done:
                    reason = "source ended"
                    break
                self.skip_to = None
                summary, why = self._run_set(ps)
                result.summaries.append(summary)
                if why in ("quit", "interrupted"):
                    reason = why
                    break
                nxt = self.skip_to if self.skip_to is not None else k + 1
                if nxt < len(self.plan):
                    self._rest(ps, self.plan[nxt])  # n in the rest sets skip_to too
                    nxt = self.skip_to if self.skip_to is not None else k + 1
                if self.one_source_per_set and nxt < len(self.plan):
                    if not self.source_ended:
                        self._drain()
                    for _ in range(nxt - k - 1):  # the sets not run: their own sources, unseen
                        self._drain()
                k = nxt
        except Stop as e:
            reason = str(e) or "quit"
        except KeyboardInterrupt:
            reason = "interrupted"
        except BaseException:  # a source that cannot be read, a full disk, a bug: say so, keep what was saved
            reason = "failed"
            raise
        finally:
            for c in reversed(self.closers):
                try:
                    c()
                except Exception as exc:  # keep closing the others: nothing recorded is lost
                    log.error("could not close an output cleanly: %s", exc)
            if self.source is not None:
                for c in self.source.closers:
                    try:
                        c()
                    except Exception:
                        pass
            try:
                self._close_session(reason, ask_pain_after)
            except StoreError as exc:  # the store failed (a full disk): what it committed stays readable
                if reason != "failed":
                    raise
                log.error("could not close the session in the store: %s", exc)
        result.reason = reason
        return result


def replay_sets(store: Store, session_id: int, lang: str = "en") -> list[Summary]:
    """Replay each set of a stored session from its landmark recording through a fresh Session
    of the same exercise (the rule files as they are now): one summary per set. With unchanged
    rule files the attempts equal the stored ones exactly (the recording holds every frame each
    set saw, with its time)."""
    from .library import find_exercise, pipeline_params
    from .pose.recording import load_recording, session_recording
    rows = store.session_rows(session_id)
    rel = rows["session"]["recording_path"]
    if not rel:
        raise CoachError(f"session {session_id} has no landmark recording")
    rec = load_recording(session_recording(store.data_dir / rel))
    items = list(recording_items(rec))
    out = []
    for s in rows["sets"]:
        lo, hi = s["started_t"], s["ended_t"] if s["ended_t"] is not None else float("inf")
        part = [it for it in items if lo + 5e-4 < it.t <= hi + 5e-4 or (s["set_index"] == 0 and it.t == lo == 0.0)]
        sess = Session(find_exercise(s["exercise_id"]), pipeline_params(), lang=lang, fps=None)
        out.append(sess.run(part))
    return out


def text_screen(title: str, body: str, hint: str, size: tuple[int, int] = (960, 540)) -> np.ndarray:
    """A full-window card (BGR): a title, wrapped body text and a key hint at the bottom; for the
    safety screen and the pain question when a window is open."""
    from .render import put_text, text_size
    w, h = size
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (58, 48, 40)
    margin, big, small = w // 20, max(16, w // 28), max(13, w // 48)
    y = margin
    for part in _wrap(title, big, w - 2 * margin, text_size):
        put_text(img, part, (margin, y), big)
        y += int(big * 1.4)
    y += big // 2
    for line in body.split("\n"):
        for part in _wrap(line, small, w - 2 * margin, text_size):
            put_text(img, part, (margin, y), small, (225, 225, 225))
            y += int(small * 1.45)
        y += small // 2
    put_text(img, hint, (margin, h - margin - small), small, (170, 200, 255))
    return img


def _wrap(line: str, size: int, width: int, measure) -> list[str]:
    """Greedy word wrap of ``line`` to ``width`` pixels at font ``size``."""
    out, cur = [], ""
    for word in line.split():
        cand = f"{cur} {word}".strip()
        if cur and measure(cand, size)[0] > width:
            out.append(cur)
            cur = word
        else:
            cur = cand
    return out + ([cur] if cur else [])


def _r(v: Optional[float]) -> Optional[float]:
    return None if v is None else round(float(v), 3)  # as the summary rounds them


def _sha256(path) -> str:
    import hashlib
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (OSError, TypeError):
        return ""


def _unit(ex, measure: str) -> str:
    m = ex.measures.get(measure)
    if m is None:
        return ""
    return {"joint": "deg", "inclination": "deg"}.get(m.kind, "ratio" if m.kind != "speed" else "per s")


def format_routine_summary(res: RunResult, store: Store, lang: str = "en") -> str:
    """The end-of-routine summary: each set's summary, pain and the stop suggestions."""
    lines = []
    for s in res.summaries:
        st = s.set
        assert st is not None, "a routine's set summary says which set it was"
        head = format_summary(s, lang).splitlines()
        set_of = ct('set_of', lang, n=st.number, of=st.of)
        head[0] += f"  [{set_of}{side_text(st.side, lang)}: {st.end_reason}]"
        lines += head
    rows = store.session_rows(res.session_id)
    pains = {p["moment"]: p["score"] for p in rows["pain"]}
    if pains:
        lines.append("pain: " + ", ".join(f"{k} {v}/10" for k, v in pains.items()))
    for e in rows["events"]:
        if e["kind"] == "stop_suggested":
            d = json.loads(e["data"])
            lines.append(ct(d.pop("key"), lang, **d))
    lines.append(ct("routine_done" if res.reason == "completed" else "routine_stopped", lang))
    return "\n".join(lines)
