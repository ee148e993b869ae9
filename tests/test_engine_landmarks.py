"""A coach that smooths only the landmarks its rule file reads (Coach(poses=False), what
`coach replay` and `coach eval --recordings` run) decides exactly what the coach that smooths
every landmark decides: every FrameResult field but the pose bit for bit (measures, events,
findings, cues, counts, view, side, display), frame by frame and with the stream measured ahead
(Coach.prepare, coach.measured), on synthetic sessions with the paths a clean one never takes,
and on every cached real landmark recording; and the landmarks it smooths have PoseSmoother's
values bit for bit.

The real recordings are ../cache/landmarks/*.npz ($COACH_LANDMARKS_DIR) with the exercise their
clip's label names; without them those tests skip and say so (one test per recording)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from engine_reference import ref_joint_angle
from test_engine_identity import cached_case, cached_stems, canon, edge_session

from coach import engine
from coach.library import find_exercise, pipeline_params
from coach.smoothing import LandmarkSmoother, OneEuroParams, PoseSmoother
from devkit.motions import SCRIPTS

PARAMS = pipeline_params()


def decisions(r):
    """A FrameResult without its pose, every float by its bits."""
    return canon(dataclasses.replace(r, pose=None))


def assert_same_decisions(ex, poses, times, fps):
    full_coach, full = engine.replay(ex, poses, PARAMS, fps=fps, times=times)
    # poses converted one by one, the stream converted a block at a time, or the stream's front
    # half worked out before the first frame (Coach.prepare with the times: what replays run,
    # coach.measured)
    for mode in ("per frame", "converted", "measured ahead"):
        lean = engine.Coach(ex, PARAMS, poses=False)
        assert lean.points is not None and len(lean.points.pixel) + len(lean.points.world) < 33  # what rules read
        if mode == "converted":
            lean.points.prepare(poses)
        elif mode == "measured ahead":
            lean.prepare(poses, times)
        results = [lean.step(p, t, i) for i, (p, t) in enumerate(zip(poses, times))]
        results.append(lean.finish(times[-1] + 1.0 / fps, len(poses)))
        if mode == "measured ahead":
            assert lean._ahead is not None and lean._ahead.k == len(poses)  # every frame read ahead
        assert len(results) == len(full)
        for a, b in zip(full, results):
            assert decisions(a) == decisions(b), f"frame {a.index} at {a.t:.3f} s differs ({mode})"
            assert b.pose is (poses[b.index] if b.index < len(poses) else None)  # the pose as given
        assert (full_coach.total_reps, full_coach.reps_by_side, full_coach.calibration()) == (
            lean.total_reps, lean.reps_by_side, lean.calibration())
    return full


def test_landmark_smoother_gives_pose_smoothers_values_for_its_landmarks():
    """Random landmarks with low visibilities, NaN coordinates, poses without world landmarks
    and gaps longer than max_gap_s: the chosen landmarks' pixel and world values equal
    PoseSmoother's bit for bit, the others read as NaN."""
    rng = np.random.default_rng(4)
    params = OneEuroParams(min_cutoff_hz=1.2, beta=3.0, d_cutoff_hz=0.8, max_gap_s=0.3)
    in_pixel, in_world = (0, 11, 12, 13, 15, 23, 24, 32), (11, 12, 14, 23, 24)
    from coach.types import Pose
    stream = []
    t = 0.0
    for k in range(600):
        t += 1 / 30 if k % 97 else 0.5  # now and then a gap that restarts the filter
        xy = rng.normal(300, 40, (33, 2))
        world = rng.normal(0, 0.4, (33, 3))
        vis = rng.uniform(0.2, 1.0, 33)
        if k % 13 == 0:
            xy[11, 0] = math.nan
        stream.append((t, None if k % 41 == 0 else Pose(t, k, xy, None if k % 29 in (3, 4) else world, vis, vis,
                                                           (640, 480 + k % 3))))
    full, few = PoseSmoother(params, 0.5), LandmarkSmoother(params, 0.5, in_pixel, in_world)
    prepared = LandmarkSmoother(params, 0.5, in_pixel, in_world)
    prepared.prepare([p for _, p in stream])  # three blocks of PREPARE_BLOCK
    compared = 0
    for t, pose in stream:
        if pose is None:
            assert full(None, t) is None and few(None, t) is None and prepared(None, t) is None
            continue
        want, got, also = full(pose, t), few(pose, t), prepared(pose, t)
        assert also is not None and got is not None
        assert (canon(also.vis), canon(also.pixel), canon(also.world)) == (canon(got.vis), canon(got.pixel),
                                                                           canon(got.world))
        assert got is not None and want is not None
        assert got.vis == pose.visibility.tolist()
        assert (got.world is None) == (want.world_xyz is None)
        for i in range(33):
            if i in in_pixel:
                assert canon(got.pixel[i]) == canon(want.image_xy[i].tolist())
                compared += 1
            else:
                assert all(math.isnan(v) for v in got.pixel[i])
            if got.world is not None and want.world_xyz is not None:
                if i in in_world:
                    assert canon(got.world[i]) == canon(want.world_xyz[i].tolist())
                    compared += 1
                else:
                    assert all(math.isnan(v) for v in got.world[i])
    assert compared > 6000


def test_a_widened_smoother_keeps_the_state_of_the_landmarks_it_had():
    """Rules reloaded with more landmarks: the ones smoothed before go on as before; the new
    ones start fresh (their first value is the pose's own)."""
    from coach.types import Pose
    rng = np.random.default_rng(5)
    a, b = LandmarkSmoother(pixel=(11,), world=(13,)), LandmarkSmoother(pixel=(11,), world=(13,))
    poses = [Pose(i / 30, i, rng.normal(300, 40, (33, 2)), rng.normal(0, 0.4, (33, 3)), np.ones(33), np.ones(33),
                  (640, 480)) for i in range(20)]
    for p in poses[:10]:
        a(p, p.t)
        b(p, p.t)
    b = b.widen((15, 11), (12,))
    assert (b.pixel, b.world) == ((11, 15), (12, 13))
    for p in poses[10:]:
        want, got = a(p, p.t), b(p, p.t)
        assert want is not None and got is not None
        assert canon(got.pixel[11]) == canon(want.pixel[11]) and canon(got.world[13]) == canon(want.world[13])
    fresh = LandmarkSmoother(pixel=(15,))
    assert canon(fresh(poses[10], poses[10].t).pixel[15]) == canon(poses[10].image_xy[15].tolist())


def test_the_landmark_smoother_refuses_settings_it_cannot_filter():
    with pytest.raises(ValueError):
        LandmarkSmoother(OneEuroParams(min_cutoff_hz=0.0))


@pytest.mark.parametrize("ex_id", sorted(SCRIPTS))
def test_synthetic_sessions_give_the_same_decisions(ex_id):
    script = SCRIPTS[ex_id]
    ex = find_exercise(ex_id)
    for poses in (script.poses(seed=0), script.poses(script.faults[0]) if script.faults else []):
        if poses:
            results = assert_same_decisions(ex, poses, [i / 30.0 for i in range(len(poses))], 30.0)
            assert sum(len(r.events) for r in results) > 0  # a session with something to decide


def test_world_landmarks_missing_gaps_and_low_visibility_give_the_same_decisions():
    """edge_session() (no world landmarks, a long pause, no person, low visibility), a side
    watched automatically."""
    poses, times = edge_session()
    results = assert_same_decisions(find_exercise("bicep_curl"), poses, times, 30.0)
    assert any(r.display_measure is not None for r in results)


@pytest.mark.parametrize("stem", cached_stems())
def test_cached_real_recordings_give_the_same_decisions(stem):
    ex, rec = cached_case(stem)
    results = assert_same_decisions(ex, rec.poses, rec.times.tolist(), rec.fps)
    assert any(r.view is not None for r in results)


def test_joint_angle_written_out_equals_the_reference_formula_bit_for_bit():
    """The compiled joint measure's written-out formula (_joint_angle_scalar) against the
    reference engine's (ref_joint_angle), in 2 and 3 coordinates, degenerate and huge segments
    included (a cosine that is NaN clamps to -1 as min/max do)."""
    from coach import measures as M
    rng = np.random.default_rng(11)
    for dim in (2, 3):
        for k in range(4000):
            a, b, c = (rng.normal(size=(3, dim)) * rng.choice([1e-3, 1.0, 400.0, 1e200])).tolist()
            if k % 40 == 0:
                c = list(b)  # a zero-length segment: unknown
            if k % 40 == 1:
                a = [v * 3.0 + 1e-9 for v in c]  # nearly straight
            try:
                want = ref_joint_angle(a, b, c)
            except ZeroDivisionError:  # |u| |v| underflows: both formulas divide by zero
                with pytest.raises(ZeroDivisionError):
                    M._joint_angle_scalar(a, b, c)
                continue
            assert canon(M._joint_angle_scalar(a, b, c)) == canon(want), (a, b, c)
