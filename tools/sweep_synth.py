"""Dev tool: robustness sweep of the library on synthetic sessions.

For each exercise, re-synthesises its clean script under variations the rule file claims to
handle: every declared camera view (both facing directions), camera distance and height, body
size and tempo. Prints the count per variation; a row is wrong when it differs from the script.

    python tools/sweep_synth.py [--only ID]
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.engine import Coach  # noqa: E402
from coach.library import find_exercise, pipeline_params  # noqa: E402
from devkit.motions import SCRIPTS  # noqa: E402

VIEW_YAWS = {"front": (0, 15, -15), "side": (90, -90), "oblique": (45, -45, 135, -135), "rear": (180,)}


def count(ex, script) -> tuple[int, set]:
    coach = Coach(ex, pipeline_params())
    poses = script.poses(seed=11)
    findings = set()
    for i, p in enumerate(poses):
        r = coach.step(p, i / 30, i)
        findings |= {f.check_id for f in r.findings}
    coach.finish(len(poses) / 30, len(poses))
    return coach.total_reps, findings


def variations(script, views):
    base_yaw = script.base.get("yaw", 0)
    yield "as scripted", script
    for view in views:
        for yaw in VIEW_YAWS[view]:
            if yaw != base_yaw:
                yield f"view {view} yaw {yaw}", dataclasses.replace(script, base={**script.base, "yaw": yaw})
    cam = script.camera
    yield "camera far", dataclasses.replace(script, camera=dataclasses.replace(cam, distance=cam.distance * 1.4))
    yield "camera near", dataclasses.replace(script, camera=dataclasses.replace(cam, distance=cam.distance * 0.8))
    yield "camera high", dataclasses.replace(script, camera=dataclasses.replace(cam, cam_height=cam.cam_height + 0.5,
                                                                                pitch_deg=cam.pitch_deg + 12))
    yield "small body", dataclasses.replace(script, body=dataclasses.replace(script.body, scale=0.85))
    yield "large body", dataclasses.replace(script, body=dataclasses.replace(script.body, scale=1.15))
    yield "slow tempo", dataclasses.replace(script, up_s=script.up_s * 1.6, down_s=script.down_s * 1.6)
    yield "quick tempo", dataclasses.replace(script, up_s=script.up_s * 0.7, down_s=script.down_s * 0.7)
    yield "wide frame", dataclasses.replace(script, camera=dataclasses.replace(cam, width=1280, height=720))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    bad = total = 0
    for ex_id, script in sorted(SCRIPTS.items()):
        if args.only not in ex_id:
            continue
        ex = find_exercise(ex_id)
        for name, var in variations(script, ex.views):
            try:
                n, fired = count(ex, var)
            except Exception as e:  # a variation the script cannot express
                print(f"{ex_id:28s} {name:22s} skipped ({e.__class__.__name__}: {e})")
                continue
            total += 1
            ok = n == script.reps
            bad += not ok
            print(f"{ex_id:28s} {name:22s} reps {n}/{script.reps} {'ok' if ok else 'WRONG'}"
                  f"{'  fired ' + ','.join(sorted(fired)) if fired else ''}")
    print(f"\n{total - bad}/{total} variations count exactly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
