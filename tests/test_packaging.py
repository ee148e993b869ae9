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
    assert "coach/_data/exercises/routines/upper_back.toml" in names  # the default routine (coach routine)
    assert any(n.endswith("entry_points.txt") for n in names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: mediapipe==0.10.21" in meta
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert not any("opencv-python" in r for r in requires), "one cv2 distribution only (mediapipe's)"
