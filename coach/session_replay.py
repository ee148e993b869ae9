"""`coach replay|explain SESSION`: a session of the store, replayed set by set.

A routine's session has one landmark recording on the session's clock and one row per set in
the store (coach.routine_run). Each set ran as a fresh runner.Session on its own frames
(``started_t < t <= ended_t``), so each set is replayed the same way, with the session's
language and the member's profile (when its file is there: the ranges as saved now).

What a replay is compared with, per set: the **outcome the store recorded** for it (its attempts
with verdicts, reasons, range of motion and form faults, and its cues), built by
:func:`stored_outcome` in the session-summary format coach.replay.diff_outcomes reads. A set the
store did not close (the session was killed mid-set: its last attempts were never written) has
no complete outcome: it is compared with the **shipped rules** instead, and the output says so.

Sets are numbered 1..n in session order (``set K``); attempts are numbered through the sets of
one exercise in time order, the numbers `coach explain SESSION --exercise ID --rep N` takes.

Units: times in seconds of the session's clock; reached/target in the measure's unit.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from .errors import CoachError, UsageError
from .rules.schema import Exercise
from .summary import Summary

# Frame times are stored rounded to the millisecond: a frame belongs to a set when its time is
# past the set's start by more than this (s). The first set of a session also takes t = 0.
EDGE_S = 5e-4


def looks_like_session(arg: str) -> bool:
    """A RECORDING|SESSION argument names a session unless it is a file or folder that exists,
    or looks like a path (a '/', or an .npz / .part name)."""
    if Path(arg).exists():
        return False
    return not ("/" in arg or "\\" in arg or arg.endswith((".npz", ".part")))


@dataclass(frozen=True)
class SetPart:
    """One set of a stored session, ready to replay. number: 1-based in the session's sets;
    items: its frames (runner.Item, session clock); outcome: what the store recorded for it in
    the summary format (None when the store lacks it, see ``missing``)."""

    session_id: int
    uuid: str
    number: int
    of: int
    row: dict
    items: tuple
    outcome: Optional[dict]
    missing: str = ""
    lang: str = "en"
    profile: str = ""
    recording: str = ""

    @property
    def exercise_id(self) -> str:
        return str(self.row["exercise_id"])

    @property
    def side(self) -> Optional[str]:
        return self.row["side"]

    @property
    def span(self) -> tuple[float, float]:
        t = [it.t for it in self.items]
        return (t[0], t[-1]) if t else (float(self.row["started_t"]), float(self.row["ended_t"] or 0.0))

    def label(self) -> str:
        side = f" {self.side}" if self.side else ""
        a, b = self.span
        return (f"session {self.session_id} ({self.uuid[:8]}) set {self.number} of {self.of}: {self.exercise_id}{side}"
                f" (set {self.row['number']}/{self.row['of_sets']}, {a:.2f}-{b:.2f} s)")


@dataclass
class Session:
    """A stored session opened for replay: its row, every store row, its sets."""

    row: dict
    rows: dict
    parts: list[SetPart] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.row["id"])

    def exercises(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for p in self.parts:
            out.setdefault(p.exercise_id, []).append(p.number)
        return out

    def describe_exercises(self) -> str:
        return "; ".join(f"{ex}: set{'s' if len(n) > 1 else ''} {', '.join(map(str, n))}"
                         for ex, n in self.exercises().items())


def stored_outcome(rows: dict, set_row: dict) -> Optional[dict]:
    """What the store recorded for one set, as a session summary (reps, reps_detail, cues),
    or None when the set was never closed (its end-of-stream attempts were not written)."""
    if set_row.get("ended_t") is None:
        return None
    detail: list[dict[str, Any]] = []
    for a in rows["attempts"]:
        if a["set_id"] != set_row["id"]:
            continue
        d: dict[str, Any] = {"start_s": a["start_t"], "end_s": a["end_t"], "counted": bool(a["counted"])}
        if a["side"]:
            d["side"] = a["side"]
        if not a["counted"]:
            d["reason"] = a["reason"]
        if a["reached"] is not None:
            d["reached"] = a["reached"]
        if a["target"] is not None:
            d["target"] = a["target"]
        if a["counted"]:
            d["faults"] = json.loads(a["faults"] or "[]")
        detail.append(d)
    rf = next((r for r in rows["rule_files"] if r["exercise_id"] == set_row["exercise_id"]), None)
    cues = [{"t_s": c["t"], "check": c["source"], "severity": c["severity"], "message": c["message"]}
            for c in rows["cues"] if c["set_id"] == set_row["id"]]
    return {"exercise": set_row["exercise_id"], "rules_version": rf["version"] if rf else None,
            "rules_sha256": rf["sha256"] if rf else None, "reps": sum(d["counted"] for d in detail),
            "reps_detail": detail, "cues": cues, "faults": {}}


def as_stored(summary: Summary) -> Summary:
    """A replay's summary as the store keeps it: a counted rep whose form verdict never came
    (the set ended before its return) is stored with no faults, so it is compared that way."""
    detail = tuple(replace(a, faults=()) if a.counted and a.faults is None else a for a in summary.reps_detail)
    return replace(summary, reps_detail=detail)


def open_session(store, ref: Optional[str], exercise: Optional[str] = None) -> Session:
    """The session ``ref`` names (Store.find_session) with its sets, optionally only those of
    ``exercise``. Raises UnknownSession (exit 2) for a reference that names no session, and a
    one-line CoachError (exit 1) when its landmark recording is missing."""
    from .pose.recording import load_recording, session_recording
    from .runner import recording_items
    row = store.find_session(ref)
    rows = store.session_rows(row["id"])
    sid, uid = int(row["id"]), str(row["uuid"])
    rel = row["recording_path"]
    if not rel:
        raise CoachError(f"session {sid} ({uid[:8]}) has no landmark recording (no frame was seen): "
                         "nothing to replay")
    path = session_recording(store.data_dir / rel)
    if not path.exists():
        raise CoachError(f"session {sid} ({uid[:8]}): its landmark recording {path} is missing")
    rec = load_recording(path)
    items = list(recording_items(rec))
    sets = rows["sets"]
    if not sets:
        raise CoachError(f"session {sid} ({uid[:8]}) has no sets: nothing to replay")
    sess = Session(dict(rows["session"]), rows)
    for n, s in enumerate(sets, 1):
        lo = float(s["started_t"])
        hi = float(s["ended_t"]) if s["ended_t"] is not None else float("inf")
        part = tuple(it for it in items if lo + EDGE_S < it.t <= hi + EDGE_S
                     or (s["set_index"] == 0 and it.t == lo == 0.0))
        out = stored_outcome(rows, s)
        sess.parts.append(SetPart(sid, uid, n, len(sets), dict(s), part, out,
                                  "" if out is not None else "the store has no complete outcome for this set "
                                  "(the session ended abnormally during it)",
                                  lang=row["lang"] or "en", profile=rows["session"]["profile"] or "",
                                  recording=str(path)))
    if exercise:
        if exercise not in sess.exercises():
            raise UsageError(f"session {sid} has no set of '{exercise}' (its sets: {sess.describe_exercises()})")
        sess.parts = [p for p in sess.parts if p.exercise_id == exercise]
    return sess


def rules_for(rules: Optional[str], exercise_id: str) -> tuple[Exercise, str]:
    """The rules to replay one set with and a note when they are not what was asked for:
    a rule file (its own exercise), ``DIR/<exercise>.toml``, else the shipped library's."""
    from .library import find_exercise
    from .rules.loader import load_exercise
    if rules:
        p = Path(rules)
        if p.is_dir():
            f = p / f"{exercise_id}.toml"
            if f.exists():
                return load_exercise(f), ""
            return find_exercise(exercise_id), f"no {exercise_id}.toml in {rules}: the shipped rules"
        if not p.exists():
            raise UsageError(f"no such rule file or folder: {rules}")
        return load_exercise(p), ""
    return find_exercise(exercise_id), ""


def file_exercise(rules: Optional[str]) -> Optional[str]:
    """The exercise a rule FILE is for (a folder or None: every exercise)."""
    if rules and Path(rules).is_file():
        from .rules.loader import load_exercise
        return load_exercise(rules).id
    return None


def _personal(part: SetPart, ex: Exercise):
    """The member's profile ranges for this exercise, when the session's profile file exists
    (coach routine used them the same way); None otherwise."""
    from .profile import load_profile, personal_for, profile_path
    try:
        if part.profile and profile_path(part.profile).exists():
            return personal_for(load_profile(part.profile), ex)
    except UsageError:
        return None
    return None


def replay_part(part: SetPart, ex: Exercise, *, trace: bool = False):
    """Replay one set with ``ex`` exactly as the routine ran it (coach.replay.ReplayResult)."""
    from .replay import replay_items
    # a set the routine ended (target, skip, quit, n) was stopped; one whose source ran out was not
    # the set's frames are all known: measured ahead (coach.measured; the same decisions)
    return replay_items(part.items, ex, fps=None, lang=part.lang, personal=_personal(part, ex), trace=trace,
                        source_name=part.recording, stopped=part.row["end_reason"] != "source ended",
                        poses=[item.pose for item in part.items], times=[item.t for item in part.items])


def _label(ex: Exercise) -> str:
    return f"{ex.path or ex.id} v{ex.version}"


def replay_session(store, ref: str, rules: Optional[str] = None, exercise: Optional[str] = None) -> list[dict]:
    """`coach replay SESSION`: one JSON-ready dict per set replayed, in session order, each with
    its diff against the stored outcome (or the shipped rules, see the module doc)."""
    from .library import find_exercise
    from .replay import diff_outcomes
    only = file_exercise(rules)
    if only and exercise and only != exercise:
        raise UsageError(f"--rules {rules} is for {only}, not {exercise}")
    sess = open_session(store, ref, exercise or only)
    out: list[dict] = []
    first: dict[str, int] = {}
    for part in sess.parts:
        t0 = time.perf_counter()
        ex, note = rules_for(rules, part.exercise_id)
        after = replay_part(part, ex)
        if part.outcome is not None:
            before = part.outcome
            sha = part.outcome.get("rules_sha256") or ""
            against = {"kind": "stored", "label": f"the outcome stored with the session ({part.exercise_id} "
                       f"v{part.outcome.get('rules_version')}, rule file {sha[:8] or 'unknown'})",
                       "rules_version": part.outcome.get("rules_version"), "rules_sha256": sha or None}
            d = diff_outcomes(Summary.from_json(before), as_stored(after.summary))
        else:
            shipped = find_exercise(part.exercise_id)
            was = replay_part(part, shipped).summary if shipped.path != ex.path else after.summary
            before = was.to_json()
            against = {"kind": "shipped", "label": f"the shipped rules ({_label(shipped)}): {part.missing}",
                       "rules_version": shipped.version}
            d = diff_outcomes(was, after.summary)
        a, b = part.span
        out.append({"session": part.session_id, "uuid": part.uuid, "recording": part.recording,
                    "set": {"number": part.number, "of": part.of, "exercise": part.exercise_id, "side": part.side,
                            "set": part.row["number"], "of_sets": part.row["of_sets"], "start_s": a, "end_s": b,
                            "end_reason": part.row["end_reason"]},
                    "first_attempt": first.get(part.exercise_id, 1),
                    "exercise": ex.id, "rules": {"path": ex.path, "version": ex.version, "label": _label(ex),
                                                 "note": note or None},
                    "against": against, "frames": after.frames, "seconds": round(after.seconds, 3),
                    "replay_s": round(time.perf_counter() - t0, 4), "before": before, "after": after.summary.to_json(),
                    "diff": d.to_json()})
        first[part.exercise_id] = first.get(part.exercise_id, 1) + len(d.attempts)
    return out


def format_set(d: dict, all_attempts: bool = True) -> list[str]:
    """One replayed set as text (coach replay SESSION)."""
    from .replay import diff_outcomes, format_diff
    s = d["set"]
    side = f" {s['side']}" if s["side"] else ""
    head = (f"session {d['session']} ({d['uuid'][:8]}) set {s['number']} of {s['of']}: {s['exercise']}{side}, "
            f"set {s['set']}/{s['of_sets']}, {s['start_s']:.2f}-{s['end_s']:.2f} s, {d['frames']} frames, "
            f"replayed with {d['rules']['label']} against {d['against']['label']}")
    lines = [head]
    if d["rules"].get("note"):
        lines.append(f"  ({d['rules']['note']})")
    after = Summary.from_json(d["after"])
    if d["against"]["kind"] == "stored":
        after = as_stored(after)
    diff = diff_outcomes(Summary.from_json(d["before"]), after)
    return lines + ["  " + ln for ln in format_diff(diff, d["against"]["label"], d["rules"]["label"],
                                                    all_attempts=all_attempts, first=d["first_attempt"])]


# ------------------------------------------------------------------------------ explain

def explain_session(store, ref: str, *, rules: Optional[str], exercise: Optional[str], rep: Optional[int],
                    cue: Optional[float]):
    """`coach explain SESSION --rep N | --cue T`: (header line, Explanation, ReplayResult).

    ``--cue T`` (session seconds) picks the set whose frames span T (else the nearest);
    ``--rep N`` counts attempts through the sets of one exercise (``--exercise``, needed when the
    session has several), in the order `coach replay SESSION` numbers them."""
    from .explain import explain_cue, explain_rep
    only = file_exercise(rules)
    if only and exercise and only != exercise:
        raise UsageError(f"--rules {rules} is for {only}, not {exercise}")
    sess = open_session(store, ref, exercise or only)
    if cue is not None:
        part = min(sess.parts, key=lambda p: 0.0 if p.span[0] - EDGE_S <= cue <= p.span[1] + EDGE_S
                   else min(abs(cue - p.span[0]), abs(cue - p.span[1])))
        ex, _ = rules_for(rules, part.exercise_id)
        result = replay_part(part, ex, trace=True)
        return f"{part.label()}", explain_cue(result, cue), result
    assert rep is not None
    names = sess.exercises()
    if len(names) > 1:
        raise UsageError(f"which exercise? session {sess.id} has {len(names)} ({sess.describe_exercises()}): "
                         "give --exercise ID (attempts are numbered through its sets)")
    results = []
    total = 0
    for part in sess.parts:
        ex, _ = rules_for(rules, part.exercise_id)
        r = replay_part(part, ex, trace=True)
        results.append((part, r, total))
        total += len(r.summary.reps_detail)
    if not 1 <= rep <= total:
        raise UsageError(f"--rep {rep}: the {next(iter(names))} sets of session {sess.id} have {total} attempt"
                         f"{'s' if total != 1 else ''}" + (f" (1-{total})" if total else ""))
    part, result, before = next((p, r, b) for p, r, b in results
                                if b < rep <= b + len(r.summary.reps_detail))
    exp = explain_rep(result, rep - before)
    head = (f"{part.label()}: attempt {rep} of the session's {total} {part.exercise_id} attempts"
            + (f" (attempt {rep - before} of this set)" if len(results) > 1 else ""))
    return head, exp, result
