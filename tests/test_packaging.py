"""The wheel carries the exercise library and the calibration data, so an installed `coach`
works without the repository checkout."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_exercises_and_calibration(tmp_path):
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    wheel = next(tmp_path.glob("form_coach-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"coach/_data/exercises/{f.name}" for f in (REPO / "exercises").glob("*.toml")}
    assert shipped and shipped <= names
    assert "coach/_data/calibration/pipeline.toml" in names
    demo = {f"coach/_data/demo/{f.name}" for f in (REPO / "demo").glob("*.npz")}
    assert len(demo) == 3 and demo <= names
    # the synthetic body and the motion scripts are test material: not in the wheel
    assert not [n for n in names if n.startswith("devkit/") or "synth" in n or "/motions/" in n]
    assert "coach/_data/exercises/routines/upper_back.toml" in names  # the default routine (coach routine)
    assert any(n.endswith("entry_points.txt") for n in names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: mediapipe==0.10.21" in meta
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert not any("opencv-python" in r for r in requires), "one cv2 distribution only (mediapipe's)"


def test_the_coach_imports_no_test_code_at_run_time():
    """Running the commands (the demo included) never imports the development kit."""
    code = ("import sys, coach.cli, coach.demo, coach.runner, coach.render; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('devkit', 'tests', 'pytest')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "[]"
