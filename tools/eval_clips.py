"""Dev tool: rep-count accuracy of the exercise library on the labelled real clips.

    python tools/eval_clips.py [--recordings DIR] [--videos] [--only SUBSTRING] [--trace MEASURE]

With --recordings (default /work/cache/landmarks, made by tools/record_clips.py) it replays the
landmark recordings (seconds per clip); with --videos it runs `coach analyze VIDEO --json` on
the clips themselves (the figure that counts). Prints one row per clip and the totals:
exact-count rate and within-one rate. Clips: ../shared/data/clips (internal evaluation only).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CLIPS = REPO.parent / "shared" / "data" / "clips"

# labels.json exercise -> rule-file id (see the clips README); holds are scored as one rep.
MAPPING = {"band_row": "resisted_row", "seated_row": "resisted_row", "glute_bridge_hold": "glute_bridge",
           "chest_opener_hold": None}


def exercise_id(label: str) -> str | None:
    return MAPPING.get(label, label)


def augment(rec, how: str):
    """Landmark-space variants of a real recording, to probe robustness beyond the dev clips:
    "mirror": the clip flipped left-right (what MediaPipe reports on a mirrored video: x
    reflected and left/right labels swapped), so people face the other way;
    "half_fps": every other frame, like a 15 fps webcam."""
    import dataclasses
    from coach.landmarks import N_LANDMARKS, mirror_index
    if how == "half_fps":
        idx = range(0, len(rec.poses), 2)
        return dataclasses.replace(rec, poses=tuple(rec.poses[i] for i in idx), times=rec.times[::2],
                                   fps=rec.fps / 2, indices=None if rec.indices is None else rec.indices[::2])
    if how == "mirror":
        perm = [mirror_index(i) for i in range(N_LANDMARKS)]
        w = rec.image_size[0]
        out = []
        for p in rec.poses:
            if p is None:
                out.append(None)
                continue
            xy = p.image_xy[perm].copy()
            xy[:, 0] = w - 1 - xy[:, 0]
            world = None
            if p.world_xyz is not None:
                world = p.world_xyz[perm].copy()
                world[:, 0] = -world[:, 0]
            out.append(dataclasses.replace(p, image_xy=xy, world_xyz=world, visibility=p.visibility[perm],
                                           presence=p.presence[perm]))
        return dataclasses.replace(rec, poses=tuple(out))
    raise ValueError(how)


def analyze_recording(rec_path: Path, ex_id: str, trace: str | None = None, how: str = "") -> dict:
    from coach.library import find_exercise, pipeline_params
    from coach.pose.recording import load_recording
    from coach.runner import Session, recording_items
    rec = load_recording(rec_path)
    if how:
        rec = augment(rec, how)
    session = Session(find_exercise(ex_id), pipeline_params(), fps=rec.fps, source_name=rec_path.name)
    sinks = []
    if trace:
        def sink(r, _item):
            if r.index % 3 == 0:
                vals = " ".join(f"{k}={v:7.2f}" for k, v in r.measures.values.items() if trace in k)
                print(f"{r.index:5d} {r.t:6.2f} {r.phase or '-':>10} reps={r.reps} view={r.view} {vals}")
        sinks.append(sink)
    return session.run(recording_items(rec), sinks)


def analyze_video(clip: Path, ex_id: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "coach", "analyze", str(clip), "--exercise", ex_id, "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recordings", default="/work/cache/landmarks")
    ap.add_argument("--videos", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--trace", default=None, help="print this measure every 3rd frame")
    ap.add_argument("--augment", default="", choices=["", "mirror", "half_fps"],
                    help="score a landmark-space variant of each recording")
    args = ap.parse_args()
    labels = json.loads((CLIPS / "labels.json").read_text())
    rows = []
    for lab in labels:
        ex_id = exercise_id(lab["exercise"])
        if ex_id is None or lab["reps"] is None or args.only not in lab["file"]:
            continue
        if not (REPO / "exercises" / f"{ex_id}.toml").exists():
            print(f"{lab['file']:55s} {ex_id:28s} (no rule file)")
            continue
        clip = CLIPS / lab["file"]
        if args.videos:
            s = analyze_video(clip, ex_id)
        else:
            rec = Path(args.recordings) / (clip.stem + ".npz")
            if not rec.exists():
                print(f"{lab['file']:55s} {ex_id:28s} (no recording)")
                continue
            s = analyze_recording(rec, ex_id, args.trace, args.augment)
        diff = s["reps"] - lab["reps"]
        rows.append(diff)
        not_counted = sum(1 for d in s["reps_detail"] if not d["counted"])
        print(f"{lab['file']:55s} {ex_id:28s} truth={lab['reps']:3d} pred={s['reps']:3d} diff={diff:+d} "
              f"uncounted={not_counted} view={s['view']} cues={len(s['cues'])}")
    if rows:
        exact = sum(d == 0 for d in rows) / len(rows)
        within = sum(abs(d) <= 1 for d in rows) / len(rows)
        print(f"\n{len(rows)} clips: exact {exact:.0%}, within one {within:.0%}, "
              f"mean |error| {sum(map(abs, rows)) / len(rows):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
