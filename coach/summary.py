"""Session summary: folds FrameResults into a frozen, typed ``Summary``; ``Summary.to_json()`` is
what `coach analyze --json` prints and every run writes. Pure: it is fed results, it reads no clock
and writes nothing.

Per attempt (``Attempt``) it keeps what the rep lifecycle (coach.lifecycle) said: the verdict
(counted or why not, with reached/target) and, once the attempt ended, the faults its checks saw.
Units: times in seconds of the session (``t_s``, ``start_s``, ``end_s``, ``seconds``, rounded to
ms), reached/target/rest/range in the primary measure's unit (rounded to 3 decimals).

``Summary.from_json`` reads a summary back (an earlier `coach analyze --json`, the outcome a
recording carries, a `coach replay --json`): keys it does not know are ignored, missing ones take
their defaults, so summaries written by earlier versions still read.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional, cast

from .rules.schema import Exercise, text
from .types import AttemptEnded, AttemptVerdict, FrameResult, Severity, Side


@dataclass(frozen=True)
class Attempt:
    """One attempt (a counted rep or not). start_s/end_s: when it began and when it was decided
    (s); reason: why it did not count (None when counted); reached/target: how far it got and
    the value it had to reach (measure's unit; None when not known); faults: for a counted rep
    whose cycle ended, the check ids that failed during it (sorted); None when not known."""

    start_s: float
    end_s: float
    counted: bool
    side: Optional[Side] = None
    reason: Optional[str] = None
    reached: Optional[float] = None
    target: Optional[float] = None
    faults: Optional[tuple[str, ...]] = None

    @property
    def clean(self) -> bool:
        """A counted rep with no fault (one whose faults are not known counts as clean)."""
        return self.counted and not self.faults

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start_s": self.start_s, "end_s": self.end_s, "counted": self.counted}
        if self.side:
            out["side"] = self.side
        if self.reason is not None:
            out["reason"] = self.reason
        if self.reached is not None:
            out["reached"] = self.reached
        if self.target is not None:
            out["target"] = self.target
        if self.faults is not None:
            out["faults"] = list(self.faults)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Attempt:
        faults = d.get("faults")
        return cls(start_s=float(d["start_s"]), end_s=float(d["end_s"]), counted=bool(d["counted"]),
                   side=d.get("side") or None, reason=d.get("reason"), reached=_opt_float(d.get("reached")),
                   target=_opt_float(d.get("target")), faults=None if faults is None else tuple(faults))


@dataclass(frozen=True)
class CueRecord:
    """A cue as issued: t_s (s), check (the cue's source: a check id, "praise", "view", "setup",
    "rep"), severity and the message shown."""

    t_s: float
    check: str
    severity: Severity
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"t_s": self.t_s, "check": self.check, "severity": self.severity, "message": self.message}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CueRecord:
        return cls(float(d["t_s"]), str(d["check"]), cast(Severity, d["severity"]), str(d["message"]))


@dataclass(frozen=True)
class PersonalScale:
    """The member's own scale as the coach saw it (coach.attempts): rest and range in
    ``measure``'s unit, learnt from ``reps`` counted reps; from_profile: a profile steered it."""

    measure: str
    rest: float
    range: float
    reps: int
    from_profile: bool

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "rest": self.rest, "range": self.range, "reps": self.reps,
                "from_profile": self.from_profile}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PersonalScale:
        return cls(str(d["measure"]), float(d["rest"]), float(d["range"]), int(d["reps"]), bool(d["from_profile"]))


@dataclass(frozen=True)
class SetInfo:
    """For a set of a routine (coach.routine_run): its place in the plan and how it ended."""

    index: int
    number: int
    of: int
    side: Optional[str]
    reps: int
    end_reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "number": self.number, "of": self.of, "side": self.side, "reps": self.reps,
                "end_reason": self.end_reason}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SetInfo:
        return cls(int(d["index"]), int(d["number"]), int(d["of"]), d.get("side"), int(d["reps"]),
                   str(d["end_reason"]))


@dataclass(frozen=True)
class Summary:
    """One session (or one set) of one exercise.

    reps: counted reps (reps_by_side: per side for alternating exercises, else empty);
    reps_detail: every attempt in the order decided; cues: every cue issued; faults: check id ->
    fault episodes (a fault's start, per side); frames / frames_with_pose: frames processed and
    those with a person; fps: the source's rate (None for a live camera); seconds: the session's
    length; view: the camera view seen most; views_supported: the rule file's views.
    The run adds how it ended: personal (coach.attempts' scale), interrupted (and by which
    signal), output_errors, rules_error (a live edit that could not be loaded); the command line
    adds warnings and complete (the input's), latency (live sources); a routine adds ``set``."""

    exercise: str
    exercise_name: str
    rules_version: str
    source: str
    reps: int
    reps_by_side: Mapping[str, int]
    reps_detail: tuple[Attempt, ...]
    cues: tuple[CueRecord, ...]
    faults: Mapping[str, int]
    frames: int
    frames_with_pose: int
    fps: Optional[float]
    seconds: float
    view: Optional[str]
    views_supported: tuple[str, ...]
    personal: Optional[PersonalScale] = None
    interrupted: bool = False
    signal: Optional[str] = None
    output_errors: tuple[str, ...] = ()
    rules_error: Optional[str] = None
    warnings: Optional[tuple[str, ...]] = None
    complete: Optional[bool] = None
    latency: Optional[Mapping[str, Any]] = field(default=None, compare=False)
    set: Optional[SetInfo] = None

    # ------------------------------------------------------------------ derived figures
    @property
    def attempts(self) -> int:
        return len(self.reps_detail)

    @property
    def missed(self) -> tuple[Attempt, ...]:
        """The attempts that did not count."""
        return tuple(a for a in self.reps_detail if not a.counted)

    @property
    def clean_reps(self) -> int:
        """Counted reps with no fault: the same per-rep faults praise counts its streak from."""
        return sum(1 for a in self.reps_detail if a.clean)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        """The JSON object `coach analyze --json` prints (keys in this order; optional ones only
        when set)."""
        out: dict[str, Any] = {
            "exercise": self.exercise,
            "exercise_name": self.exercise_name,
            "rules_version": self.rules_version,
            "source": self.source,
            "reps": self.reps,
            "reps_by_side": dict(self.reps_by_side),
            "reps_detail": [a.to_json() for a in self.reps_detail],
            "cues": [c.to_json() for c in self.cues],
            "faults": dict(self.faults),
            "frames": self.frames,
            "frames_with_pose": self.frames_with_pose,
            "fps": self.fps,
            "seconds": self.seconds,
            "view": self.view,
            "views_supported": list(self.views_supported),
        }
        if self.personal is not None:
            out["personal"] = self.personal.to_json()
        if self.interrupted:
            out["interrupted"] = True
        if self.signal is not None:
            out["signal"] = self.signal
        if self.output_errors:
            out["output_errors"] = list(self.output_errors)
        if self.rules_error is not None:
            out["rules_error"] = self.rules_error
        if self.warnings is not None:
            out["warnings"] = list(self.warnings)
        if self.complete is not None:
            out["complete"] = self.complete
        if self.latency is not None:
            out["latency"] = dict(self.latency)
        if self.set is not None:
            out["set"] = self.set.to_json()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Summary:
        """A summary back from its JSON (see the module doc: earlier versions' summaries read)."""
        personal, st, warnings = d.get("personal"), d.get("set"), d.get("warnings")
        return cls(
            exercise=str(d.get("exercise", "")), exercise_name=str(d.get("exercise_name", d.get("exercise", ""))),
            rules_version=str(d.get("rules_version", "")), source=str(d.get("source", "")),
            reps=int(d.get("reps", 0)), reps_by_side=dict(d.get("reps_by_side") or {}),
            reps_detail=tuple(Attempt.from_json(a) for a in d.get("reps_detail") or ()),
            cues=tuple(CueRecord.from_json(c) for c in d.get("cues") or ()), faults=dict(d.get("faults") or {}),
            frames=int(d.get("frames", 0)), frames_with_pose=int(d.get("frames_with_pose", 0)),
            fps=_opt_float(d.get("fps")), seconds=float(d.get("seconds") or 0.0), view=d.get("view"),
            views_supported=tuple(d.get("views_supported") or ()),
            personal=PersonalScale.from_json(personal) if isinstance(personal, Mapping) else None,
            interrupted=bool(d.get("interrupted", False)), signal=d.get("signal"),
            output_errors=tuple(d.get("output_errors") or ()), rules_error=d.get("rules_error"),
            warnings=None if warnings is None else tuple(warnings), complete=d.get("complete"),
            latency=d.get("latency"), set=SetInfo.from_json(st) if isinstance(st, Mapping) else None)


def _opt_float(v: Any) -> Optional[float]:
    return None if v is None else float(v)


class SummaryBuilder:
    def __init__(self, exercise: Exercise, fps: Optional[float], lang: str = "en", source: str = ""):
        self.ex = exercise
        self.fps = fps
        self.lang = lang
        self.source = source
        self.frames = 0
        self.frames_with_pose = 0
        self.first_t: Optional[float] = None
        self.last_t: Optional[float] = None
        self.reps_detail: list[Attempt] = []
        self._index: dict[int, int] = {}  # attempt id (coach.lifecycle) -> its place in reps_detail
        self.cues: list[CueRecord] = []
        self.fault_episodes: Counter[str] = Counter()
        self._faulty: set[tuple[str, Optional[Side]]] = set()
        self.views: Counter[str] = Counter()
        self.last: Optional[FrameResult] = None

    def add_events(self, r: FrameResult) -> None:
        """Events decided after the last frame (end of stream): not a frame of its own."""
        self.last = r
        self._lifecycle(r)

    def add(self, r: FrameResult) -> None:
        self.frames += 1
        self.frames_with_pose += r.pose is not None
        self.first_t = r.t if self.first_t is None else self.first_t
        self.last_t = r.t
        self.last = r
        if r.view:
            self.views[r.view] += 1
        if r.findings or self._faulty:
            now_faulty = {(f.check_id, f.side) for f in r.findings}
            for key in now_faulty - self._faulty:
                self.fault_episodes[key[0]] += 1
            self._faulty = now_faulty
        if r.lifecycle:
            self._lifecycle(r)
        if r.new_cue is not None:
            self.cues.append(CueRecord(round(r.new_cue.t, 3), r.new_cue.source, r.new_cue.severity, r.new_cue.text))

    def _lifecycle(self, r: FrameResult) -> None:
        for a in r.lifecycle:
            if isinstance(a, AttemptVerdict):
                e = a.event
                self._index[a.attempt] = len(self.reps_detail)
                self.reps_detail.append(Attempt(
                    start_s=round(e.start_t if e.start_t is not None else e.t, 3), end_s=round(e.t, 3),
                    counted=a.counted, side=e.side or None,
                    reason=None if a.counted else (e.reason or e.kind),
                    reached=None if e.reached is None else round(e.reached, 3),
                    target=None if e.target is None else round(e.target, 3)))
            elif isinstance(a, AttemptEnded) and a.counted and a.attempt in self._index:
                k = self._index.pop(a.attempt)  # the counted rep's faults, as its checks saw them
                self.reps_detail[k] = replace(self.reps_detail[k], faults=a.faults)

    def result(self) -> Summary:
        last = self.last
        seconds = (self.frames / self.fps) if self.fps else ((self.last_t or 0) - (self.first_t or 0))
        return Summary(
            exercise=self.ex.id,
            exercise_name=text(self.ex.name, self.lang),
            rules_version=self.ex.version,
            source=self.source,
            reps=last.reps if last else 0,
            reps_by_side=dict(last.reps_by_side) if last else {},
            reps_detail=tuple(self.reps_detail),
            cues=tuple(self.cues),
            faults=dict(self.fault_episodes),
            frames=self.frames,
            frames_with_pose=self.frames_with_pose,
            fps=round(self.fps, 3) if self.fps else None,
            seconds=round(seconds, 3),
            view=self.views.most_common(1)[0][0] if self.views else None,
            views_supported=tuple(self.ex.views),
        )

