"""Helpers for the tests on the real labelled clips (internal evaluation only, never shipped).

The clips live in ../shared/data/clips beside the repository (or in $COACH_CLIPS_DIR). When the
folder is absent every test that needs it skips with SKIP_REASON and the session summary says
"real clips: 0 ran (... not found)".

Inference is real: each clip goes through `python -m coach analyze CLIP --exercise ID --json`,
exactly what a member runs, with no landmark cache. `analyze_all` runs them WORKERS at a time
(the CI machine has 2 cores). `STATE` keeps what ran so that conftest.py can print the per-clip
table at the end of the session (pytest_terminal_summary), even with -q.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = REPO.parent / "shared" / "data" / "clips"
CLIPS = Path(os.environ["COACH_CLIPS_DIR"]).resolve() if os.environ.get("COACH_CLIPS_DIR") else DEFAULT_CLIPS
# Parallel `coach analyze` processes; each is single-clip, CPU-bound MediaPipe inference.
WORKERS = max(1, int(os.environ.get("COACH_CLIPS_WORKERS", "0") or 0) or min(2, os.cpu_count() or 1))
CLIP_TIMEOUT_S = 900  # one clip; the longest (55 s of 640x360 video) takes well under a minute

# labels.json `exercise` -> rule-file id (see the clips README). None: no library exercise (skip).
MAPPING = {"band_row": "resisted_row", "seated_row": "resisted_row", "glute_bridge_hold": "glute_bridge",
           "chest_opener_hold": None}
# Cue sources that are not form checks (see coach.engine): they say nothing about a fault.
NOT_CHECKS = {"praise", "view", "setup", "rep"}


def clips_display() -> str:
    """The clips folder as the messages name it (relative to the repo when it is beside it)."""
    try:
        rel = os.path.relpath(CLIPS, REPO)
    except ValueError:  # another drive (Windows)
        return str(CLIPS)
    return rel if len(rel) < len(str(CLIPS)) else str(CLIPS)


SKIP_REASON = f"real clips not found: {clips_display()} (set COACH_CLIPS_DIR to their folder)"


def available() -> bool:
    return (CLIPS / "labels.json").is_file()


def labels() -> list[dict]:
    return json.loads((CLIPS / "labels.json").read_text()) if available() else []


def exercise_id(label: dict) -> Optional[str]:
    return MAPPING.get(label["exercise"], label["exercise"])


def countable() -> tuple[list[dict], list[tuple[str, str]]]:
    """(labels of the clips to score, [(file, why not scored)]): a clip is scored when its count
    is known (`reps` not null), it maps to a rule file, and the rule file exists."""
    keep, left = [], []
    for lab in labels():
        ex = exercise_id(lab)
        if lab.get("reps") is None:
            left.append((lab["file"], "no hand count (reps is null)"))
        elif ex is None:
            left.append((lab["file"], f"{lab['exercise']}: no library exercise"))
        elif not (REPO / "exercises" / f"{ex}.toml").exists():
            left.append((lab["file"], f"no exercises/{ex}.toml"))
        else:
            keep.append(lab)
    return keep, left


@dataclass
class ClipRun:
    label: dict
    exercise: str
    summary: Optional[dict] = None    # the `coach analyze --json` object
    error: Optional[str] = None       # exit code and stderr when it failed
    seconds: float = 0.0              # wall time of the clip's analysis

    @property
    def file(self) -> str:
        return self.label["file"]

    @property
    def truth(self) -> int:
        return self.label["reps"]

    @property
    def predicted(self) -> Optional[int]:
        return None if self.summary is None else self.summary["reps"]


@dataclass
class State:
    """What the real-clip tests did in this session (read by conftest's terminal summary)."""
    collected: int = 0                        # tests marked real_clips
    modules_skipped: list = field(default_factory=list)  # test modules skipped whole (no clips)
    outcomes: dict = field(default_factory=lambda: {"passed": 0, "failed": 0, "skipped": 0})
    runs: list = field(default_factory=list)  # ClipRun, in labels.json order
    not_scored: list = field(default_factory=list)
    wall_s: float = 0.0
    workers: int = 0
    fault_report: list = field(default_factory=list)  # lines
    notes: list = field(default_factory=list)         # lines (e.g. known misses now fixed)


STATE = State()


def analyze(clip: Path, ex_id: str) -> tuple[Optional[dict], Optional[str], float]:
    """(summary, error, seconds) of `coach analyze CLIP --exercise EX --json` in a subprocess."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-m", "coach", "analyze", str(clip), "--exercise", ex_id, "--json"],
                           capture_output=True, text=True, timeout=CLIP_TIMEOUT_S, cwd=REPO)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {CLIP_TIMEOUT_S} s", time.monotonic() - t0
    dt = time.monotonic() - t0
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {p.stderr.strip()[-2000:]}", dt
    try:
        return json.loads(p.stdout), None, dt
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc}): {p.stdout[:300]!r} {p.stderr[-500:]!r}", dt


def analyze_all(labs: list[dict]) -> list[ClipRun]:
    """Every clip through the coach, WORKERS at a time, longest first (so the two workers end
    together); the result is in the order of `labs`."""
    # The pose model bundle is built once here, so parallel runs never race to build it.
    from coach.pose.landmarker import ensure_bundle
    ensure_bundle()
    runs = [ClipRun(lab, exercise_id(lab)) for lab in labs]
    order = sorted(runs, key=lambda r: -(r.label.get("frames") or 0) * (r.label.get("width") or 1)
                   * (r.label.get("height") or 1))

    def one(r: ClipRun) -> None:
        r.summary, r.error, r.seconds = analyze(CLIPS / r.file, r.exercise)

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, order))
    STATE.wall_s = time.monotonic() - t0
    STATE.workers = WORKERS
    STATE.runs = runs
    return runs


# ---------------------------------------------------------------- faults against the labels

def rep_spans(label: dict, pad_frames: int = 10) -> list[tuple[float, float]]:
    """The labelled reps as [start, end] seconds, widened by the labels' +-10 frame tolerance."""
    fps = label["fps"]
    return [((a - pad_frames) / fps, (b + pad_frames) / fps) for a, b in label.get("rep_frames") or []]


def details_in(summary: dict, span: tuple[float, float]) -> list[dict]:
    """Counted attempts whose middle falls inside the span."""
    a, b = span
    return [d for d in summary["reps_detail"] if d["counted"] and a <= (d["start_s"] + d["end_s"]) / 2 <= b]


def checks_in(summary: dict, span: tuple[float, float]) -> set[str]:
    """Form checks seen in a labelled rep: faults of the counted attempts in it, and cues whose
    time falls in it (cues from non-check sources such as praise excluded)."""
    out: set[str] = set()
    for d in details_in(summary, span):
        out.update(d.get("faults") or [])
    out.update(c["check"] for c in summary["cues"] if span[0] <= c["t_s"] <= span[1] and c["check"] not in NOT_CHECKS)
    return out


def fired_anywhere(summary: dict, check: str) -> bool:
    """The check in the summary's fault episodes or on any attempt's faults."""
    return check in summary["faults"] or any(check in (d.get("faults") or []) for d in summary["reps_detail"])


def fmt_faults(summary: Optional[dict]) -> str:
    if not summary or not summary["faults"]:
        return "-"
    return ",".join(f"{k}x{v}" for k, v in sorted(summary["faults"].items()))


def table_lines() -> list[str]:
    """One row per clip: truth, predicted, attempts, cues, fault episodes, wall time."""
    rows = [f"{'clip':52s} {'exercise':26s} {'truth':>5s} {'pred':>4s} {'diff':>4s} {'att':>3s} "
            f"{'cues':>4s} {'sec':>5s}  faults"]
    for r in STATE.runs:
        head = f"{r.file[:-4] if r.file.endswith('.mp4') else r.file:52s} {r.exercise:26s} {r.truth:5d}"
        if r.summary is None:
            why = (r.error or "not run").strip().splitlines() or ["?"]
            rows.append(f"{head} {'-':>4s} {'-':>4s} {'-':>3s} {'-':>4s} {r.seconds:5.1f}  ERROR {why[-1][:80]}")
            continue
        s = r.summary
        rows.append(f"{head} {s['reps']:4d} {s['reps'] - r.truth:+4d} {len(s['reps_detail']):3d} "
                    f"{len(s['cues']):4d} {r.seconds:5.1f}  {fmt_faults(s)}")
    return rows


def score(runs: list[ClipRun]) -> tuple[int, int, int]:
    """(clips scored, exact, within one); a clip that failed to run is scored as wrong."""
    exact = sum(r.predicted is not None and r.predicted == r.truth for r in runs)
    within = sum(r.predicted is not None and abs(r.predicted - r.truth) <= 1 for r in runs)
    return len(runs), exact, within
