"""Dev tool: record MediaPipe landmarks for every evaluation clip.

Runs coach.pose.landmarker.PoseEstimator over every frame of each clip in ../shared/data/clips
(relative to the repository root) and saves one landmark recording per clip,
``<out>/<clip stem>.npz``. Clips whose recording already exists are skipped (recordings are
written atomically, so an interrupted run never leaves a file that looks finished).

    python tools/record_clips.py [OUT_DIR] [--clips DIR] [--model PATH] [--only SUBSTRING]

Prints one line per clip: frames, frames_with_pose, seconds, fps achieved.
The clips are for internal evaluation only: never copy them (or recordings of them) into the repo.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from coach import __version__  # noqa: E402
from coach.capture import open_source  # noqa: E402
from coach.errors import CoachError  # noqa: E402
from coach.pose.landmarker import PoseEstimator  # noqa: E402
from coach.pose.recording import save_recording  # noqa: E402

CLIPS_DIR = Path(__file__).parents[1].parent / "shared/data/clips"
DEFAULT_OUT = Path("/work/cache/landmarks")


def record_clip(clip: Path, out: Path, model: str | None) -> tuple[int, int, float]:
    """Record one clip; returns (frames, frames_with_pose, seconds of wall time)."""
    poses, times, indices = [], [], []
    started = time.perf_counter()
    # A fresh estimator per clip: VIDEO-mode tracking must not carry over between clips.
    with open_source(str(clip)) as source, PoseEstimator(model) as estimator:
        for frame in source:
            poses.append(estimator.process(frame))
            times.append(frame.t)
            indices.append(frame.index)
        meta = {
            "source": clip.name,
            "model": estimator.model_name,
            "model_sha256": estimator.model_sha256,
            "coach_version": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "tool": "tools/record_clips.py",
            "warnings": list(source.warnings),
        }
        fps, size = source.fps, source.size
    seconds = time.perf_counter() - started
    save_recording(out, poses, times, meta, indices=indices, fps=fps, image_size=size)
    return len(poses), sum(p is not None for p in poses), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--clips", type=Path, default=CLIPS_DIR, help=f"clip folder (default {CLIPS_DIR})")
    parser.add_argument("--model", default=None, help="pose_landmarker .task (default: offline-built full model)")
    parser.add_argument("--only", default="", help="only clips whose name contains this")
    args = parser.parse_args(argv)

    clips = sorted(p for p in args.clips.glob("*.mp4") if args.only in p.name)
    if not clips:
        print(f"no clips in {args.clips}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'clip':55s} {'frames':>6s} {'pose':>6s} {'pose%':>6s} {'seconds':>8s} {'fps':>6s}", flush=True)
    failed = 0
    for clip in clips:
        out = args.out / f"{clip.stem}.npz"
        if out.exists():
            print(f"{clip.stem:55s} skipped (exists)", flush=True)
            continue
        try:
            frames, with_pose, seconds = record_clip(clip, out, args.model)
        except CoachError as exc:
            print(f"{clip.stem:55s} FAILED: {exc}", flush=True)
            failed += 1
            continue
        pct = 100.0 * with_pose / frames if frames else 0.0
        fps = frames / seconds if seconds > 0 else 0.0
        print(f"{clip.stem:55s} {frames:6d} {with_pose:6d} {pct:5.1f}% {seconds:8.1f} {fps:6.1f}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
