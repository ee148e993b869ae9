"""Each exercise claims the camera views where its rules are trustworthy: in every claimed view
(both facing directions), clean synthetic reps count exactly and no check fires."""
from __future__ import annotations

import dataclasses

import pytest

from coach.engine import Coach
from coach.library import find_exercise, pipeline_params
from coach.motions import SCRIPTS

YAWS = {"front": (0, 15, -15), "side": (90, -90), "oblique": (45, -45, 135, -135), "rear": (180,)}
PARAMS = pipeline_params()


def _cases():
    for ex_id, script in sorted(SCRIPTS.items()):
        for view in find_exercise(ex_id).views:
            for yaw in YAWS[view]:
                yield pytest.param(ex_id, yaw, id=f"{ex_id}-{view}{yaw:+d}")


@pytest.mark.parametrize("ex_id,yaw", list(_cases()))
def test_claimed_view_counts_and_stays_quiet(ex_id, yaw):
    script = SCRIPTS[ex_id]
    script = dataclasses.replace(script, base={**script.base, "yaw": yaw})
    coach = Coach(find_exercise(ex_id), PARAMS)
    poses = script.poses(seed=11)
    fired = set()
    for i, p in enumerate(poses):
        fired |= {f.check_id for f in coach.step(p, i / 30, i).findings}
    coach.finish(len(poses) / 30, len(poses))
    assert coach.total_reps == script.reps
    assert fired == set()
