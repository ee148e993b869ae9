"""Test material for routines and sessions: small routine files and synthetic landmark
recordings (devkit.motions scripts), written into a test's tmp_path. Nothing from ../shared."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from coach.pose.recording import save_recording
from devkit.motions import SCRIPTS

# A short routine over the three upper-back exercises; the synthetic scripts do 3 squeezes,
# 4 thread-the-needle reps (left, right, left, right) and 4 rows.
SHORT = """schema = 1
[routine]
id = "{id}"
name = {{ en = "Short upper back", es = "Espalda alta corta" }}
version = "0.1"
per_week = {per_week}

[[steps]]
exercise = "scapular_squeeze"
reps = 3
rest_s = 2

[[steps]]
exercise = "thread_the_needle"
side = "left"
reps = 2
rest_s = 2

[[steps]]
exercise = "thread_the_needle"
side = "right"
reps = 2
rest_s = 2

[[steps]]
exercise = "resisted_row"
reps = 4
rest_s = 0
"""

SETS = ("scapular_squeeze", "thread_the_needle", "thread_the_needle", "resisted_row")


def short_routine(folder: Path, rid: str = "short", per_week: int = 5) -> Path:
    p = Path(folder) / f"{rid}.toml"
    p.write_text(SHORT.format(id=rid, per_week=per_week), encoding="utf-8")
    return p


def recording(folder: Path, ex_id: str, *, seed: int = 0, range_share: Optional[float] = None,
              fault: Optional[str] = None, still_s: float = 0.0, name: Optional[str] = None) -> Path:
    """One synthetic set of ``ex_id`` as a landmark recording (30 fps); ``range_share`` scales
    every rep's excursion, ``still_s`` adds that long holding the last pose (a rest)."""
    from devkit.motions import with_fault
    s = SCRIPTS[ex_id]
    rb = {i: range_share for i in range(s.reps)} if range_share is not None else None
    poses = s.poses(with_fault(s, fault) if fault else None, seed=seed, range_by_rep=rb)
    poses = list(poses) + [poses[-1]] * int(round(still_s * 30))
    out = Path(folder) / (name or f"{ex_id}-{seed}.npz")
    save_recording(out, poses, times=[i / 30.0 for i in range(len(poses))], fps=30.0,
                   image_size=(s.camera.width, s.camera.height), meta={"source": f"synthetic:{ex_id}"})
    return out


def set_recordings(folder: Path, seed: int = 0, range_share: Optional[float] = None,
                   sets: Sequence[str] = SETS) -> list[Path]:
    return [recording(folder, ex, seed=seed + i, range_share=range_share, name=f"set{i}-{ex}.npz")
            for i, ex in enumerate(sets)]


def run_routine(tmp_path: Path, capsys, *extra: str, seed: int = 0, range_share: Optional[float] = None,
                profile: str = "ana", data: Optional[Path] = None) -> tuple[dict, str]:
    """`coach routine` (in process) on the short routine, one synthetic recording per set;
    returns its --json output and its stderr."""
    import json

    from coach.cli import main
    folder = Path(tmp_path) / f"src{seed}"
    folder.mkdir(exist_ok=True)
    routine = short_routine(folder)
    srcs = set_recordings(folder, seed=seed, range_share=range_share)
    args = ["routine", str(routine), "--data-dir", str(data or Path(tmp_path) / "data"), "--no-window", "--json",
            "--profile", profile]
    for s in srcs:
        args += ["--source", str(s)]
    code = main(args + list(extra))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out), out.err
