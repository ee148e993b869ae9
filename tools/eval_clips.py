"""Dev tool: rep-count accuracy of the exercise library on the labelled real clips, with
landmark-space variants. The scoring itself is coach.evaluate (what `coach eval` runs): this
tool only adds the variants (--augment), --trace and --faults.

    python tools/eval_clips.py [--recordings DIR] [--videos] [--only SUBSTRING] [--trace MEASURE]
                               [--augment VARIANT[,VARIANT...]|all] [--faults] [--json OUT]
                               [--workers N]

With --recordings (default /work/cache/landmarks, made by `coach extract` or
tools/record_clips.py) it replays the landmark recordings (seconds per clip); with --videos it
runs the pose model on the clips themselves (the figure that counts). Clips run on a local
process pool (--workers, default every core). Prints one row per clip, then the exact-count
rate, within-one rate and mean |error| overall, per exercise and per camera view (the label's
`view`). Clips: ../shared/data/clips (internal evaluation only).

--augment also scores landmark-space variants of every recording (see `augment`; "all" = every
variant in VARIANTS): one table per variant, then a summary with each variant's difference in
points to the plain run on the same clips.
--faults prints, per clip whose label has `form_notes`, the notes next to what the checks did on
each attempted rep (faults, cues in its time span) of the plain run; it does not judge them.
--json OUT writes every row (clip, exercise, view, variant, truth, counted, attempts,
uncounted reasons) to OUT.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import random
import re
import sys
import textwrap
from functools import partial
from pathlib import Path
from typing import Callable, Optional

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CLIPS = REPO.parent / "shared" / "data" / "clips"

# labels.json exercise -> rule-file id (see the clips README); holds are scored as one rep.
MAPPING = {"band_row": "resisted_row", "seated_row": "resisted_row", "glute_bridge_hold": "glute_bridge",
           "chest_opener_hold": None}

VARIANTS = ("mirror", "half_fps", "rot+10", "rot-10", "crop", "trim", "slow")
PLAIN = "plain"
CROP_KEEP = 0.8            # crop: fraction of width and height kept (centred window)
SLOW_FACTOR = 1.5          # slow: time stretch factor
TRIM_CUT = (0.3, 0.7)      # trim: fraction of the first / last rep's frames cut away
TRIM_MIN_REPS = 3          # trim removes two reps; clips with fewer are skipped
NOT_CHECKS = {"praise", "view", "setup", "rep"}  # cue sources that are not form checks


def exercise_id(label: str) -> str | None:
    return MAPPING.get(label, label)


# ---------------------------------------------------------------- landmark-space variants

def augment(rec, how: str, label: Optional[dict] = None):
    """Landmark-space variants of a real recording, to probe robustness beyond the dev clips:
    "mirror": the clip flipped left-right (what MediaPipe reports on a mirrored video: x
    reflected and left/right labels swapped), so people face the other way;
    "half_fps": every other frame, like a 15 fps webcam;
    "rot+D" / "rot-D": the camera rolled by D degrees (any number; "rot+0" is the identity);
    "crop": the centred CROP_KEEP window, scaled back up to the original size;
    "trim": starts and ends mid-rep (needs `label`, see `trim_frames`);
    "slow": the movement SLOW_FACTOR times slower (same frames, stretched times)."""
    if how == "half_fps":
        return _half_fps(rec)
    if how == "mirror":
        return _mirror(rec)
    m = re.fullmatch(r"rot([+-]\d+(?:\.\d+)?)", how)
    if m:
        return _rotate(rec, float(m.group(1)))
    if how == "crop":
        return _crop(rec, CROP_KEEP)
    if how == "slow":
        return _slow(rec, SLOW_FACTOR)
    if how == "trim":
        if label is None:
            raise ValueError("trim needs the clip's label")
        cut = trim_frames(label)
        if cut is None:
            raise ValueError(f"cannot trim {label['file']}: {trim_skip_reason(label)}")
        return _trim(rec, *cut)
    raise ValueError(how)


def _map_poses(rec, fn: Callable):
    """The recording with fn(pose) in place of every pose (frames without a pose stay None)."""
    return dataclasses.replace(rec, poses=tuple(None if p is None else fn(p) for p in rec.poses))


def _select_frames(rec, keep: np.ndarray):
    """The recording reduced to the frames at positions `keep` (poses, times, indices alike)."""
    return dataclasses.replace(rec, poses=tuple(rec.poses[i] for i in keep), times=rec.times[keep],
                               indices=None if rec.indices is None else rec.indices[keep])


def _half_fps(rec):
    """Every other frame; fps halved."""
    return dataclasses.replace(_select_frames(rec, np.arange(0, len(rec.poses), 2)), fps=rec.fps / 2)


def _mirror(rec):
    """Flip left-right: x -> width - x in pixels (MediaPipe pixels are normalised x * width),
    world x negated, left/right landmarks swapped."""
    from coach.landmarks import N_LANDMARKS, mirror_index
    perm = [mirror_index(i) for i in range(N_LANDMARKS)]

    def flip(p):
        xy = p.image_xy[perm].copy()
        xy[:, 0] = p.image_size[0] - xy[:, 0]
        world = None
        if p.world_xyz is not None:
            world = p.world_xyz[perm].copy()
            world[:, 0] = -world[:, 0]
        return dataclasses.replace(p, image_xy=xy, world_xyz=world, visibility=p.visibility[perm],
                                   presence=p.presence[perm])
    return _map_poses(rec, flip)


def _rotate(rec, degrees: float):
    """The camera rolled by `degrees`: image_xy rotated about the image centre (pixels), the
    content turning clockwise on screen for positive angles (y points down); world_xyz rotated
    about the camera axis z by the same matrix (world x right, y down like the image), so
    angles measured in either space agree. image_size, visibility and presence are kept."""
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])

    def turn(p):
        centre = np.array(p.image_size, dtype=np.float64) / 2
        xy = (p.image_xy - centre) @ rot.T + centre
        world = None
        if p.world_xyz is not None:
            world = p.world_xyz.copy()
            world[:, :2] = p.world_xyz[:, :2] @ rot.T
        return dataclasses.replace(p, image_xy=xy, world_xyz=world)
    return _map_poses(rec, turn)


def _in_frame(xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(33,) bool: pixel xy inside [0, width] x [0, height]."""
    w, h = size
    return (xy[:, 0] >= 0) & (xy[:, 0] <= w) & (xy[:, 1] >= 0) & (xy[:, 1] <= h)


def _crop(rec, keep: float):
    """The centred window of `keep` x width by `keep` x height, scaled back up to the original
    size: image_xy = (xy - offset) / keep (pixels). Landmarks the crop loses (inside the frame
    before, outside after) get visibility and presence 0.0; landmarks already outside the frame
    keep the model's scores, so keep=1.0 is the identity. world_xyz is unchanged (metres)."""
    def cut(p):
        size = np.array(p.image_size, dtype=np.float64)
        xy = (p.image_xy - size * (1 - keep) / 2) / keep
        lost = _in_frame(p.image_xy, p.image_size) & ~_in_frame(xy, p.image_size)
        vis, pres = p.visibility.copy(), p.presence.copy()
        vis[lost] = 0.0
        pres[lost] = 0.0
        return dataclasses.replace(p, image_xy=xy, visibility=vis, presence=pres)
    return _map_poses(rec, cut)


def _slow(rec, factor: float):
    """Time stretched by `factor`: every time (s) multiplied, fps divided; frames unchanged."""
    times = rec.times * factor
    return dataclasses.replace(_map_poses(rec, lambda p: dataclasses.replace(p, t=p.t * factor)),
                               times=times, fps=rec.fps / factor)


def _trim(rec, first: int, last: int):
    """Only the frames numbered first..last (source frame numbers, inclusive); times and frame
    numbers are kept as they were (the engine only uses time differences)."""
    idx = rec.indices if rec.indices is not None else np.arange(len(rec.poses))
    return _select_frames(rec, np.flatnonzero((idx >= first) & (idx <= last)))


def trim_skip_reason(label: dict) -> Optional[str]:
    """Why a clip cannot be trimmed (None if it can)."""
    reps = label.get("reps") or 0
    frames = label.get("rep_frames") or []
    if reps < TRIM_MIN_REPS:
        return f"fewer than {TRIM_MIN_REPS} reps"
    if len(frames) != reps:
        return "rep_frames do not list every rep"
    return None


def trim_frames(label: dict) -> Optional[tuple[int, int]]:
    """(first, last) source frame numbers of the trimmed clip, or None if it cannot be trimmed.

    Deterministic per clip (seeded from the file name): a random TRIM_CUT fraction of the first
    rep's frames is cut at the start and another of the last rep's frames at the end, using the
    label's `rep_frames` [start, end] pairs, so the clip starts and ends mid-rep."""
    if trim_skip_reason(label):
        return None
    rng = random.Random(int.from_bytes(hashlib.sha256(label["file"].encode()).digest()[:8], "big"))
    (s0, e0), (s1, e1) = label["rep_frames"][0], label["rep_frames"][-1]
    first = s0 + round(rng.uniform(*TRIM_CUT) * (e0 - s0))
    last = e1 - round(rng.uniform(*TRIM_CUT) * (e1 - s1))
    return first, last


def variant_truth(label: dict, how: str) -> tuple[Optional[int], Optional[str]]:
    """(expected count, None) for the label under a variant, or (None, reason it is skipped).
    Trimming cuts two reps part-way: each may fairly be counted or not (a rep seen rising counts,
    one cut on its way back may), so any count from truth - 2 to truth is right (`TRIM_SLACK`)."""
    if how == "trim":
        reason = trim_skip_reason(label)
        return (None, reason) if reason else (label["reps"], None)
    return label["reps"], None


TRIM_SLACK = 2  # trim: counts down to truth - 2 are right (the two cut reps are ambiguous)


def row_error(r: dict) -> int:
    """Reps off the truth; for "trim" rows, off the fair range [truth - TRIM_SLACK, truth]."""
    p, t = r["counted"], r["truth"]
    lo = t - TRIM_SLACK if r["variant"] == "trim" else t
    return 0 if lo <= p <= t else (p - t if p > t else p - lo)


# ---------------------------------------------------------------- running the coach (coach.evaluate)

def trace_recording(rec_path: Path, ex_id: str, trace: str, how: str = PLAIN, label: Optional[dict] = None) -> dict:
    """--trace: the coach on one recording, printing `trace` measures every 3rd frame."""
    from coach.library import find_exercise, pipeline_params
    from coach.pose.recording import load_recording
    from coach.runner import Session, recording_items
    rec = load_recording(rec_path)
    if how != PLAIN:
        rec = augment(rec, how, label)
    session = Session(find_exercise(ex_id), pipeline_params(), fps=rec.fps, source_name=rec_path.name)

    def sink(r, _item):
        if r.index % 3 == 0:
            vals = " ".join(f"{k}={v:7.2f}" for k, v in r.measures.values.items() if trace in k)
            print(f"{r.index:5d} {r.t:6.2f} {r.phase or '-':>10} reps={r.reps} view={r.view} {vals}")
    return session.run(recording_items(rec), [sink])


def skipped_row(lab: dict, ex_id: str, variant: str, truth: Optional[int], why: str) -> dict:
    return {"clip": lab["file"], "exercise": ex_id, "view": lab.get("view"), "variant": variant,
            "truth": truth, "counted": None, "skipped": why}


def plan_clip(lab: dict, ex_id: str, variants: list[str], args) -> tuple[list, list[dict]]:
    """(coach.evaluate tasks, skipped rows) for every variant of one clip."""
    from coach.evaluate import EvalTask
    clip = CLIPS / lab["file"]
    rec = Path(args.recordings) / (clip.stem + ".npz")
    if not args.videos and not rec.exists():
        return [], [skipped_row(lab, ex_id, v, lab["reps"], "no recording") for v in variants]
    tasks, skipped = [], []
    for v in variants:
        truth, skip = variant_truth(lab, v)
        if skip:
            skipped.append(skipped_row(lab, ex_id, v, truth, skip))
            continue
        tasks.append(EvalTask(lab["file"], ex_id, truth, str(clip if args.videos else rec), lab.get("view"),
                              variant=v, transform=None if v == PLAIN else partial(augment, how=v, label=lab),
                              keep_summary=args.faults and v == PLAIN))
    return tasks, skipped


# ---------------------------------------------------------------- reporting

def clip_line(r: dict) -> str:
    head = f"{r['clip']:55s} {r['exercise']:28s}"
    if r.get("counted") is None:
        return f"{head} ({r.get('skipped') or 'error: ' + r.get('error', 'not scored')})"
    return (f"{head} truth={r['truth']:3d} pred={r['counted']:3d} diff={row_error(r):+d} "
            f"uncounted={len(r['uncounted'])} view={r['view_seen']} cues={r['cues']}")


def group_table(rows: list[dict], key: str) -> list[str]:
    """Exact / within-one / mean |error| per value of row[key] (coach.evaluate, trim slack)."""
    from coach.evaluate import group_table as table
    return ["  " + line for line in table(rows, key, row_error)[:-1]]


def stats(rows: list[dict]) -> tuple[int, float, float, float]:
    from coach.evaluate import stats as st
    return st(rows, row_error)


def scored(rows: list[dict]) -> list[dict]:
    from coach.evaluate import scored as sc
    return sc(rows)


def print_variant(rows: list[dict], variant: str, heading: bool) -> None:
    """The per-clip rows of one variant, then its totals, per-exercise and per-view tables."""
    if heading:
        print(f"\n== variant: {variant} ==")
    for r in rows:
        print(clip_line(r))
    n, exact, within, mae = stats(rows)
    if n:
        print(f"\n{n} clips: exact {exact:.0%}, within one {within:.0%}, mean |error| {mae:.2f}")
        print("\n".join(group_table(rows, "exercise")))
        print("\n".join(group_table(rows, "view")))


def print_summary(by_variant: dict[str, list[dict]]) -> None:
    """One line per variant; the differences are in percentage points (and reps for the mean
    error) against the plain run restricted to the same clips."""
    print("\n== summary (d = variant minus plain on the same clips: points, reps) ==")
    print(f"{'variant':10s} {'n':>3s} {'exact':>6s} {'within1':>8s} {'mean|err|':>9s} "
          f"{'d exact':>8s} {'d within1':>9s} {'d mean|err|':>11s}")
    plain = {r["clip"]: r for r in scored(by_variant.get(PLAIN, []))}
    for variant, rows in by_variant.items():
        n, exact, within, mae = stats(rows)
        if not n:
            print(f"{variant:10s} {n:3d} (nothing scored)")
            continue
        line = f"{variant:10s} {n:3d} {exact:6.0%} {within:8.0%} {mae:9.2f}"
        same = [plain[r["clip"]] for r in scored(rows) if r["clip"] in plain]
        if variant != PLAIN and len(same) == n:
            _, p_exact, p_within, p_mae = stats(same)
            line += f" {100 * (exact - p_exact):+8.0f} {100 * (within - p_within):+9.0f} {mae - p_mae:+11.2f}"
        print(line)


def _frames_to_s(frames: list, fps: float) -> str:
    return ", ".join(f"{a / fps:.1f}-{b / fps:.1f}" for a, b in frames)


def _in_span(t: float, d) -> bool:
    return d.start_s <= t <= d.end_s


def fault_report(lab: dict, s) -> list[str]:
    """The label's form_notes next to each attempted rep's faults and the cues issued in its
    time span (seconds), for a human to compare; no matching is attempted."""
    lines = [f"\n{lab['file']} ({lab['exercise']}, {lab.get('view')}): truth={lab['reps']} pred={s.reps}"]
    lines += textwrap.wrap(lab["form_notes"], 110, initial_indent="  notes: ", subsequent_indent="         ")
    if lab.get("rep_frames") and lab.get("fps"):
        lines.append(f"  labelled reps (s): {_frames_to_s(lab['rep_frames'], lab['fps'])}")
    if lab.get("partial_rep_frames") and lab.get("fps"):
        lines.append(f"  labelled partial reps (s): {_frames_to_s(lab['partial_rep_frames'], lab['fps'])}")
    on_clean = on_clean_checks = 0
    for i, d in enumerate(s.reps_detail, 1):
        cues = [c for c in s.cues if _in_span(c.t_s, d)]
        state = "counted" if d.counted else f"NOT counted: {d.reason or '?'}"
        faults = ", ".join(d.faults) if d.faults else ("none" if d.faults is not None else "-")
        cue_text = "; ".join(f"{c.t_s:.1f} {c.check}" for c in cues) or "-"
        lines.append(f"  rep {i:2d} {d.side or '':5s} {d.start_s:6.1f}-{d.end_s:6.1f} s  "
                     f"faults: {faults:24s} cues: {cue_text:24s} {state}")
        if d.clean:
            on_clean += len(cues)
            on_clean_checks += sum(c.check not in NOT_CHECKS for c in cues)
    outside = [c for c in s.cues if not any(_in_span(c.t_s, d) for d in s.reps_detail)]
    if outside:
        lines.append("  cues outside any rep: " + "; ".join(f"{c.t_s:.1f} {c.check}" for c in outside))
    lines.append(f"  cues on counted reps without faults: {on_clean} (form checks: {on_clean_checks})")
    return lines


def parse_variants(text: str) -> list[str]:
    """--augment value -> the variants to run after the plain one ("all" = VARIANTS)."""
    if not text:
        return []
    names = list(VARIANTS) if text == "all" else [v.strip() for v in text.split(",") if v.strip()]
    for v in names:
        if v not in VARIANTS:
            raise argparse.ArgumentTypeError(f"unknown variant '{v}' (choose from {', '.join(VARIANTS)} or all)")
    return names


def main() -> int:
    from coach.engines import LocalEngine
    from coach.evaluate import run as run_tasks
    ap = argparse.ArgumentParser()
    ap.add_argument("--recordings", default="/work/cache/landmarks")
    ap.add_argument("--videos", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--trace", default=None, help="print this measure every 3rd frame (one process)")
    ap.add_argument("--augment", default=[], type=parse_variants,
                    help=f"also score landmark-space variants: comma-separated from {', '.join(VARIANTS)}, or all")
    ap.add_argument("--faults", action="store_true", help="print form_notes next to the checks that fired")
    ap.add_argument("--json", default=None, metavar="OUT", help="write every row to this JSON file")
    ap.add_argument("--workers", type=int, default=None, help="parallel processes (default: every core)")
    args = ap.parse_args()
    if args.videos and args.augment:
        ap.error("--augment works on landmark recordings, not with --videos")
    variants = [PLAIN] + args.augment
    labels = json.loads((CLIPS / "labels.json").read_text())
    tasks, rows, by_label = [], [], {}
    for lab in labels:
        ex_id = exercise_id(lab["exercise"])
        if ex_id is None or lab["reps"] is None or args.only not in lab["file"]:
            continue
        if not (REPO / "exercises" / f"{ex_id}.toml").exists():
            print(f"{lab['file']:55s} {ex_id:28s} (no rule file)")
            continue
        if args.trace:
            rec = Path(args.recordings) / (Path(lab["file"]).stem + ".npz")
            for v in variants:
                trace_recording(rec, ex_id, args.trace, v, lab)
            continue
        t, skipped = plan_clip(lab, ex_id, variants, args)
        tasks += t
        rows += skipped
        by_label[lab["file"]] = lab
    rows += list(run_tasks(tasks, LocalEngine(args.workers)))
    by_variant: dict[str, list[dict]] = {v: [r for r in rows if r["variant"] == v] for v in variants}
    faults: list[str] = []
    for r in by_variant[PLAIN]:
        lab = by_label.get(r["clip"])
        if args.faults and r.get("summary") and lab and lab.get("form_notes"):
            faults += fault_report(lab, r["summary"])
    for v in variants:
        print_variant(by_variant[v], v, heading=bool(args.augment))
    if args.augment:
        print_summary(by_variant)
    if faults:
        print("\n== form notes vs checks (plain run) ==")
        print("\n".join(faults))
    if args.json:
        out = [{k: val for k, val in r.items() if k != "summary"} for v in variants for r in by_variant[v]]
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
