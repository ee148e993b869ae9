"""Write the demo's landmark recordings (demo/*.npz) from the synthetic scripts (devkit).

`coach demo` plays these recordings: the coach package ships no synthetic body and no motion
scripts. Each recording is one exercise of the upper-back routine, noise-free, with one
deliberate form fault in rep DEMO_FAULT_REP + 1; its meta names the exercise and the fault.
Run again after changing a demo script (the test tests/test_demo_data.py says when they differ).

    python tools/make_demo.py            # writes demo/<exercise>.npz
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coach.demo import DEMO_FAULT_REP, FPS, ROUTINE  # noqa: E402
from coach.pose.recording import save_recording  # noqa: E402
from devkit.motions import SCRIPTS  # noqa: E402


def demo_poses(ex_id: str):
    """(poses, fault check id) of the demo take of one exercise."""
    script = SCRIPTS[ex_id]
    fault = next(f for f in script.faults if f.check != "incomplete" and not f.timing and not f.base)
    return script.poses(fault, seed=7, only_reps={DEMO_FAULT_REP}, noise=False, fps=FPS), fault.check


def main() -> int:
    out = REPO / "demo"
    out.mkdir(exist_ok=True)
    for ex_id in ROUTINE:
        poses, check = demo_poses(ex_id)
        script = SCRIPTS[ex_id]
        meta = {"exercise": ex_id, "reps": script.reps, "synthetic": True,
                "injected_fault": {"check": check, "rep": DEMO_FAULT_REP + 1}}
        path = out / f"{ex_id}.npz"
        save_recording(path, poses, [i / FPS for i in range(len(poses))], meta, fps=FPS,
                       image_size=(script.camera.width, script.camera.height))
        print(f"{path.relative_to(REPO)}: {len(poses)} frames, {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
