"""The demo's shipped recordings (demo/*.npz) are exactly what tools/make_demo.py makes from the
current synthetic scripts: a script edited without re-running the tool is caught here."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from coach.demo import ROUTINE
from coach.library import demo_dir
from coach.pose.recording import load_recording

REPO = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("make_demo", REPO / "tools" / "make_demo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("ex_id", ROUTINE)
def test_demo_recording_matches_its_script(ex_id):
    rec = load_recording(demo_dir() / f"{ex_id}.npz")
    poses, check = _tool().demo_poses(ex_id)
    assert rec.meta["exercise"] == ex_id and rec.meta["injected_fault"]["check"] == check
    assert len(rec.poses) == len(poses)
    for a, b in zip(rec.poses, poses):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.image_xy, b.image_xy, atol=1e-3)
            np.testing.assert_allclose(a.world_xyz, b.world_xyz, atol=1e-5)
