"""Replay a landmark recording against rules, and say what an edit changes.

``replay`` runs a recording through :class:`coach.runner.Session`, the same code path as live
coaching, with the recording's own timestamps, and keeps every decision: the RepEvents (every
kind, including the end-of-stream verdicts), the cues, the summary and, on request, a per-frame
:class:`Trace` (measure values, phase, the count point and the member's rest and range as the
counter used them) for ``coach explain`` and its plot. With the rules the session was recorded
with, a replay reproduces the live session event for event (tests/test_replay.py).

``diff_outcomes`` compares two outcomes (session summaries, the JSON of ``coach analyze --json``
or of a session store): attempts matched by side and overlapping time, each reported as still
counted, now counted, no longer counted (with the reasons), or appearing/disappearing; cues
matched by check id within CUE_MATCH_S; range of motion (reached / target) per attempt.

Units: times in seconds of the recording; reached/target in the primary measure's unit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from .attempts import AttemptCounter, Personal
from .config import PipelineConfig
from .library import pipeline_params
from .rules.schema import Exercise
from .summary import Attempt, CueRecord, Summary
from .types import Cue, FrameResult, Pose, RepEvent

# Two cues of the same check within this many seconds of each other, one before and one after an
# edit, are the same cue (an edit moves a cue a few frames). Raise if moved cues show up as
# removed + added; lower if two different cues of one check get paired.
CUE_MATCH_S = 1.0
VERDICTS = ("rep", "incomplete", "timeout")


@dataclass(frozen=True)
class UnitTrace:
    """Per frame, one rep counter (the exercise's, or one side's for side = "alternate").

    measure: the primary measure the counter used on that frame (by_view/fallback may switch it)
    count_point, rest: in that measure's unit, NaN while unknown; range: the member's range in
    the measure's unit, NaN while unknown. phase: the rule file's phase name or None."""

    measure: tuple[str, ...]
    phase: tuple[Optional[str], ...]
    count_point: np.ndarray
    rest: np.ndarray
    range: np.ndarray


@dataclass(frozen=True)
class Trace:
    """times: (N,) s of every frame; values: flattened measure name (``name@side`` for
    alternating exercises) -> (N,) values in the measure's unit, NaN unknown; units: unit key
    ("" or "left"/"right") -> UnitTrace."""

    times: np.ndarray
    values: dict[str, np.ndarray]
    units: dict[str, UnitTrace]
    views: tuple[Optional[str], ...]


@dataclass(frozen=True)
class ReplayResult:
    """Everything a replay decided. events: every RepEvent in order (end-of-stream ones last);
    cues: every new cue in order; summary: the session Summary (``to_json()``: as `coach analyze --json`)."""

    exercise: Exercise
    events: tuple[RepEvent, ...]
    cues: tuple[Cue, ...]
    summary: Summary
    trace: Optional[Trace] = None
    frames: int = 0
    seconds: float = 0.0


def replay(rec, exercise: Exercise, params: Optional[PipelineConfig] = None, *, lang: str = "en",
           personal: Optional[Personal] = None, trace: bool = False, source_name: str = "") -> ReplayResult:
    """Re-run ``rec`` (a coach.pose.recording.Recording) through the live session code with
    ``exercise``'s rules; ``trace`` also keeps the per-frame Trace (costs ~10 % more)."""
    from .runner import recorded_stop, recording_items, recording_times
    return replay_items(recording_items(rec), exercise, params, fps=rec.fps, lang=lang, personal=personal,
                        trace=trace, source_name=source_name or rec.meta.get("source", ""),
                        stopped=recorded_stop(rec), poses=rec.poses,
                        times=recording_times(rec))


def replay_items(items: Iterable[Any], exercise: Exercise, params: Optional[PipelineConfig] = None, *,
                 fps: Optional[float], lang: str = "en", personal: Optional[Personal] = None, trace: bool = False,
                 source_name: str = "", stopped: Optional[bool] = None,
                 poses: Optional[Sequence[Optional[Pose]]] = None,
                 times: Optional[Sequence[float]] = None) -> ReplayResult:
    """Re-run a stream of runner.Items (times in s, e.g. one set of a stored session on the
    session's clock) through a fresh runner.Session, as :func:`replay` does for a recording.
    ``fps``: what the live session was given (None for a routine's sets, which are timed by
    their frames); ``stopped``: how the recorded session ended (runner.Session.end_stopped);
    ``poses`` (and ``times``, s): the items' poses and times when known up front (a
    recording's): their smoothing, measures and view are worked out at once (Coach.prepare;
    the same results)."""
    from .runner import Session
    params = params or pipeline_params()
    # nothing here draws a pose: only the landmarks the rules read are smoothed (same decisions)
    session = Session(exercise, params, lang=lang, fps=fps, source_name=source_name, personal=personal,
                      poses=False)
    session.end_stopped = stopped
    if poses is not None:
        session.prepare(poses, times)
    events: list[RepEvent] = []
    cues: list[Cue] = []
    tr = _TraceSink(session) if trace else None
    seen: list[float] = []  # the times of the frames replayed (s)

    def sink(r: FrameResult, _item) -> None:
        seen.append(r.t)
        if r.events:
            events.extend(r.events)
        if r.new_cue is not None:
            cues.append(r.new_cue)
        if tr is not None:
            tr(r)

    # the end-of-stream verdicts go to the summary only (Session.run): collect them there too
    add_events = session.summary.add_events

    def add_final(r: FrameResult) -> None:
        events.extend(r.events)
        add_events(r)

    session.summary.add_events = add_final  # type: ignore[method-assign]
    summary = session.run(items, [sink])
    secs = float(seen[-1] - seen[0]) if len(seen) > 1 else 0.0
    return ReplayResult(exercise, tuple(events), tuple(cues), summary, tr.result() if tr else None,
                        frames=len(seen), seconds=secs)


class _TraceSink:
    def __init__(self, session: Any) -> None:
        self.coach = session.coach
        self.t: list[float] = []
        self.vals: list[dict] = []
        self.views: list[Optional[str]] = []
        self.units: dict[str, dict[str, list]] = {}

    def __call__(self, r: FrameResult) -> None:
        self.t.append(r.t)
        self.vals.append(dict(r.measures.values))
        self.views.append(r.view)
        for key, unit in self.coach.units.items():
            c = unit.counter
            u = self.units.setdefault(key or "", {"measure": [], "phase": [], "cp": [], "rest": [], "range": []})
            u["phase"].append(c.phase_name)
            if isinstance(c, AttemptCounter):
                cp = c.count_point()
                rest = c.rest
                u["measure"].append(c.measure)
                u["cp"].append(math.nan if cp is None else cp)
                u["rest"].append(math.nan if rest is None else c.to_value(rest))
                u["range"].append(math.nan if c.range is None else c.range)
            else:
                u["measure"].append("")
                u["cp"].append(math.nan)
                u["rest"].append(math.nan)
                u["range"].append(math.nan)

    def result(self) -> Trace:
        names = sorted({k for v in self.vals for k in v})
        values = {k: np.array([v.get(k, math.nan) for v in self.vals], dtype=np.float64) for k in names}
        units = {k: UnitTrace(tuple(u["measure"]), tuple(u["phase"]), np.array(u["cp"], dtype=np.float64),
                              np.array(u["rest"], dtype=np.float64), np.array(u["range"], dtype=np.float64))
                 for k, u in self.units.items()}
        return Trace(np.array(self.t, dtype=np.float64), values, units, tuple(self.views))


def event_key(e: RepEvent) -> tuple:
    """Everything a RepEvent says, as a comparable tuple (message dicts made hashable)."""
    return (e.kind, e.t, e.phase, e.rep_index, e.side, e.start_t, e.reason,
            tuple(sorted((e.message or {}).items())), e.reached, e.target, e.faults)


# ------------------------------------------------------------------------------- diff

@dataclass(frozen=True)
class AttemptChange:
    """One attempt before and after (either may be None: the attempt appeared/disappeared).
    status: "still counted", "still not counted", "now counted", "no longer counted",
    "new attempt, not counted", "no longer an attempt" (an attempt that was not counted and
    now is no attempt at all)."""

    status: str
    side: Optional[str]
    before: Optional[Attempt]
    after: Optional[Attempt]

    @property
    def changed(self) -> bool:
        if self.before is None or self.after is None:
            return True
        return (self.status in ("now counted", "no longer counted")
                or self.before.reason != self.after.reason
                or self.before.faults != self.after.faults)


@dataclass(frozen=True)
class Diff:
    reps_before: int
    reps_after: int
    attempts: tuple[AttemptChange, ...]
    cues_added: tuple[CueRecord, ...]
    cues_removed: tuple[CueRecord, ...]
    cues_kept: int = 0
    faults_before: dict = field(default_factory=dict)
    faults_after: dict = field(default_factory=dict)

    @property
    def changed_attempts(self) -> list[AttemptChange]:
        return [a for a in self.attempts if a.changed]

    @property
    def unchanged(self) -> bool:
        return (self.reps_before == self.reps_after and not self.changed_attempts and not self.cues_added
                and not self.cues_removed)

    def to_json(self) -> dict:
        return {"unchanged": self.unchanged, "reps": {"before": self.reps_before, "after": self.reps_after},
                "attempts": [{"status": a.status, "side": a.side, "changed": a.changed, "before": _json(a.before),
                              "after": _json(a.after)} for a in self.attempts],
                "cues_added": [c.to_json() for c in self.cues_added],
                "cues_removed": [c.to_json() for c in self.cues_removed],
                "cues_kept": self.cues_kept, "faults": {"before": self.faults_before, "after": self.faults_after}}


def _json(a: Optional[Attempt]) -> Optional[dict]:
    return None if a is None else a.to_json()


def _overlap(a: Attempt, b: Attempt) -> float:
    """Seconds two attempts overlap (>= 0 when they touch, negative when apart)."""
    return min(a.end_s, b.end_s) - max(a.start_s, b.start_s)


def _match_attempts(before: Sequence[Attempt],
                    after: Sequence[Attempt]) -> list[tuple[Optional[Attempt], Optional[Attempt]]]:
    """Pairs (before, after) of the same movement: same side, overlapping in time, the largest
    overlap first; unpaired attempts come with None. In time order."""
    pairs = sorted(((_overlap(b, a), i, j) for i, b in enumerate(before) for j, a in enumerate(after)
                    if b.side == a.side and _overlap(b, a) >= 0), reverse=True)
    used_b: set[int] = set()
    used_a: set[int] = set()
    out: list[tuple[Optional[Attempt], Optional[Attempt]]] = []
    for _, i, j in pairs:
        if i in used_b or j in used_a:
            continue
        used_b.add(i)
        used_a.add(j)
        out.append((before[i], after[j]))
    out += [(b, None) for i, b in enumerate(before) if i not in used_b]
    out += [(None, a) for j, a in enumerate(after) if j not in used_a]
    return sorted(out, key=lambda p: _present(p[0], p[1]).start_s)


def _present(first: Optional[Attempt], second: Optional[Attempt]) -> Attempt:
    """``first or second``: a matched pair always has at least one of its two attempts."""
    d = first or second
    assert d is not None, "an attempt pair with neither attempt"
    return d


def _status(b: Optional[Attempt], a: Optional[Attempt]) -> str:
    if b is None:
        assert a is not None, "an attempt pair with neither attempt"
        return "now counted" if a.counted else "new attempt, not counted"
    if a is None:
        return "no longer counted" if b.counted else "no longer an attempt"
    if b.counted and a.counted:
        return "still counted"
    if b.counted:
        return "no longer counted"
    return "now counted" if a.counted else "still not counted"


def _match_cues(before: Sequence[CueRecord],
                after: Sequence[CueRecord]) -> tuple[list[CueRecord], list[CueRecord], int]:
    """(added, removed, kept): cues of the same check within CUE_MATCH_S are the same cue."""
    left = list(before)
    added: list[CueRecord] = []
    kept = 0
    for c in after:
        best = min((b for b in left if b.check == c.check and abs(b.t_s - c.t_s) <= CUE_MATCH_S),
                   key=lambda b: abs(b.t_s - c.t_s), default=None)
        if best is None:
            added.append(c)
        else:
            left.remove(best)
            kept += 1
    return added, left, kept


def diff_outcomes(before: Summary, after: Summary) -> Diff:
    """What changed from one session summary to another (see the module doc)."""
    pairs = _match_attempts(before.reps_detail, after.reps_detail)
    changes = tuple(AttemptChange(_status(b, a), _present(b, a).side, b, a) for b, a in pairs)
    added, removed, kept = _match_cues(before.cues, after.cues)
    return Diff(before.reps, after.reps, changes, tuple(added), tuple(removed), kept,
                dict(before.faults), dict(after.faults))


def _verdict(d: Optional[Attempt]) -> str:
    if d is None:
        return "-"
    return "counted" if d.counted else f"not counted ({d.reason or '?'})"


def _faults(d: Optional[Attempt]) -> str:
    if d is None or not d.counted or d.faults is None:
        return ""
    return f"; form faults: {', '.join(d.faults) or 'none'}"


def _rom(d: Optional[Attempt]) -> str:
    if d is None or d.reached is None:
        return "-"
    target = d.target
    return f"{d.reached:.3g}" + (f"/{target:.3g}" if target is not None else "")


def format_diff(diff: Diff, before_label: str, after_label: str, *, all_attempts: bool = True,
                first: int = 1) -> list[str]:
    """The diff as lines of text for a therapist: the rep count, every attempt (changed ones
    marked with *) with its verdicts and range of motion before and after, then the cues.
    Attempts are numbered from ``first`` (a session's sets number them through the exercise)."""
    lines = [f"reps: {diff.reps_before} -> {diff.reps_after}"
             + ("   (no verdict and no cue changed)" if diff.unchanged else "")]
    changed = diff.changed_attempts
    lines.append(f"attempts: {len(diff.attempts)}, {len(changed)} changed (* below); range of motion is "
                 f"reached/target in the primary measure's unit, before -> after")
    for k, a in enumerate(diff.attempts, first):
        if not all_attempts and not a.changed:
            continue
        d = _present(a.after, a.before)
        side = f" {a.side}" if a.side else ""
        span = f"{d.start_s:7.2f}-{d.end_s:7.2f} s"
        mark = "*" if a.changed else " "
        lines.append(f" {mark}{k:3d}{side:6s} {span}  {a.status.upper() if a.changed else a.status}")
        if a.changed:
            lines.append(f"        before: {_verdict(a.before)}{_faults(a.before)}")
            lines.append(f"        after:  {_verdict(a.after)}{_faults(a.after)}")
        lines.append(f"        range of motion: {_rom(a.before)} -> {_rom(a.after)}")
    lines.append(f"cues: {len(diff.cues_added)} added, {len(diff.cues_removed)} removed, {diff.cues_kept} unchanged")
    for sign, cues in (("+", diff.cues_added), ("-", diff.cues_removed)):
        for c in cues:
            lines.append(f"  {sign} {c.t_s:7.2f} s  {c.check} ({c.severity}): {c.message}")
    return lines


# ------------------------------------------------------------------------ what to replay against

@dataclass(frozen=True)
class ReplayJob:
    """One recording to replay (a task for coach.engines). rules: a rule file or folder (None =
    the shipped library); outcome: a JSON summary of the recorded session to compare with (None
    = the recording's own, if it carries one, else the shipped rules)."""

    recording: str
    exercise: Optional[str] = None
    rules: Optional[str] = None
    outcome: Optional[str] = None


def recorded_outcome(rec) -> Optional[Summary]:
    """The session summary a recording carries in its metadata ("outcome" or "summary"), if any."""
    for key in ("outcome", "summary"):
        v = rec.meta.get(key)
        if isinstance(v, dict) and "reps_detail" in v:
            return Summary.from_json(v)
    return None


def guess_exercise(path: str, rec, outcome: Optional[Summary]) -> Optional[str]:
    """The exercise of a recording: its metadata, its recorded outcome, or a file name
    "<exercise>__<anything>.npz" naming a library exercise (or a labels alias)."""
    from .evaluate import ALIASES
    from .library import exercise_ids
    for v in (rec.meta.get("exercise"), outcome.exercise if outcome is not None else None):
        if isinstance(v, str) and v:
            return v
    stem = Path(path).stem
    if "__" in stem:
        head = stem.split("__", 1)[0]
        head = ALIASES.get(head, head) or ""
        if head in exercise_ids():
            return head
    return None


def resolve_rules(rules: Optional[str], exercise_id: Optional[str]) -> Exercise:
    """The rules to replay with: a rule file, ``<folder>/<exercise>.toml``, or the library's."""
    from .errors import UsageError
    from .library import find_exercise
    from .rules.loader import load_exercise
    if rules:
        p = Path(rules)
        if p.is_dir():
            if not exercise_id:
                raise UsageError(f"which exercise? give --exercise ID to pick its rule file in {rules}")
            f = p / f"{exercise_id}.toml"
            if not f.exists():
                raise UsageError(f"no rule file for {exercise_id} in {rules} (expected {f})")
            return load_exercise(f)
        if not p.exists():
            raise UsageError(f"no such rule file or folder: {rules}")
        return load_exercise(p)
    if not exercise_id:
        raise UsageError("which exercise? the recording does not say: give --exercise ID or --rules FILE")
    return find_exercise(exercise_id)


def _label(ex: Exercise) -> str:
    return f"{ex.path or ex.id} v{ex.version}"


def run_job(_state: Any, job: ReplayJob) -> dict:
    """Replay one recording and diff it (a coach.engines task): a JSON-ready dict, with
    "error" (one line) instead when the recording, outcome or rules cannot be used."""
    import json
    import time

    from .errors import CoachError, RuleFileError
    from .pose.recording import load_recording
    t0 = time.perf_counter()
    try:
        rec = load_recording(job.recording)
        outcome: Optional[Summary] = None
        if job.outcome:
            try:
                raw = json.loads(Path(job.outcome).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CoachError(f"cannot read outcome '{job.outcome}': {exc}") from None
            if isinstance(raw, dict) and "reps_detail" not in raw:
                raw = raw.get("after")  # an earlier `coach replay --json`: what it replayed to
            if not isinstance(raw, dict) or "reps_detail" not in raw:
                raise CoachError(f"'{job.outcome}' is not a session summary (coach analyze --json) "
                                 "or a replay (coach replay --json)")
            try:
                outcome = Summary.from_json(raw)
            except (KeyError, TypeError, ValueError) as exc:
                raise CoachError(f"'{job.outcome}' is not a session summary: {exc.__class__.__name__} {exc}") \
                    from None
        else:
            outcome = recorded_outcome(rec)
        ex_id = job.exercise or guess_exercise(job.recording, rec, outcome)
        if not ex_id and job.rules and Path(job.rules).is_file():
            ex_id = Path(job.rules).stem
        new_ex = resolve_rules(job.rules, ex_id)
        after = replay(rec, new_ex)
        if outcome is not None:
            against = {"kind": "recorded", "label": f"the recorded outcome ({outcome.exercise} "
                       f"v{outcome.rules_version})", "rules_version": outcome.rules_version}
            before = outcome
        else:
            from .library import find_exercise
            shipped = find_exercise(new_ex.id)
            before = after.summary if (shipped.path == new_ex.path and not job.rules) else replay(rec, shipped).summary
            against = {"kind": "shipped", "label": f"the shipped rules ({_label(shipped)})",
                       "rules_version": shipped.version}
        d = diff_outcomes(before, after.summary)
        return {"recording": job.recording, "exercise": new_ex.id, "rules": {"path": new_ex.path,
                "version": new_ex.version, "label": _label(new_ex)}, "against": against,
                "frames": after.frames, "seconds": round(after.seconds, 3),
                "replay_s": round(time.perf_counter() - t0, 4),
                "before": before.to_json(), "after": after.summary.to_json(), "diff": d.to_json()}
    except RuleFileError as e:
        return {"recording": job.recording, "error": "; ".join(e.problems), "rule_problems": e.problems}
    except CoachError as e:
        return {"recording": job.recording, "error": str(e)}


def diff_from_json(d: dict) -> Diff:
    """A Diff back from run_job's "before"/"after" (for printing in the driver)."""
    return diff_outcomes(Summary.from_json(d["before"]), Summary.from_json(d["after"]))


def format_job(d: dict, all_attempts: bool = True) -> list[str]:
    if "error" in d:
        return [f"{d['recording']}: {d['error']}"]
    head = (f"{d['recording']}: {d['exercise']}, {d['frames']} frames, {d['seconds']:.1f} s, "
            f"replayed with {d['rules']['label']} against {d['against']['label']}")
    return [head] + ["  " + line for line in format_diff(diff_from_json(d), d["against"]["label"],
                                                          d["rules"]["label"], all_attempts=all_attempts)]
