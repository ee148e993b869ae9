"""A recording measured ahead (coach.measured: the front half worked out for the whole stream
at once, what replays run) gives what the per-frame stages give, bit for bit: the stream
smoother against LandmarkSmoother's calls, the whole-array measures against the compiled
per-frame ones, the whole-array view against yaw_of + classify, and the coach's decisions
against the per-frame lean coach when a step leaves the prepared stream (another time, another
pose, new rules) and the coach goes back to the per-frame stages. (The decisions on whole
sessions and every cached recording: tests/test_engine_landmarks.py.)"""
from __future__ import annotations

import math

import numpy as np
import pytest
from test_engine_identity import canon
from test_engine_landmarks import decisions

from coach import engine
from coach import measures as M
from coach.config import ViewConfig
from coach.library import exercise_ids, find_exercise, pipeline_params
from coach.measurebank import MeasureBank
from coach.measured import MeasuredStream
from coach.rules.schema import MeasureSpec
from coach.smoothing import LandmarkSmoother, OneEuroParams
from coach.types import Pose
from coach.view import classify, views_of, yaw_of
from devkit.motions import SCRIPTS

PARAMS = pipeline_params()


def rough_stream(n: int = 600, seed: int = 4) -> tuple[list, list[float]]:
    """Random poses with what a clean session never has: no person (every 41st frame), no world
    landmarks (k % 29 in 3, 4), NaN coordinates, NaN and low visibilities, gaps longer than
    max_gap_s (every 97th), image heights that change, a frame twice at one time."""
    rng = np.random.default_rng(seed)
    poses, times = [], []
    t = 0.0
    for k in range(n):
        t += 1 / 30 if k % 97 else 0.5
        if k % 113 == 5:
            t -= 1 / 30  # the same time as the frame before: dt = 0 restarts the filter
        xy = rng.normal(300, 40, (33, 2))
        world = rng.normal(0, 0.4, (33, 3))
        vis = rng.uniform(0.2, 1.0, 33)
        if k % 13 == 0:
            xy[11, 0] = math.nan
            world[12, 2] = math.nan
        if k % 17 == 0:
            vis[[11, 24]] = math.nan
        if k % 19 == 0:
            world[[11, 23]] = world[[12, 24]]  # shoulders and hips on one point: no yaw
        poses.append(None if k % 41 == 0 else Pose(t, k, xy, None if k % 29 in (3, 4) else world, vis, vis,
                                                   (640, 480 + k % 3)))
        times.append(t)
    return poses, times


@pytest.mark.parametrize("pixel, world", [((0, 11, 12, 13, 15, 23, 24, 32), (11, 12, 14, 23, 24)),
                                          ((11, 13), ()), ((), (12, 14))])
def test_the_stream_smoother_gives_the_per_frame_smoothers_values(pixel, world):
    params = OneEuroParams(min_cutoff_hz=1.2, beta=3.0, d_cutoff_hz=0.8, max_gap_s=0.3)
    poses, times = rough_stream()
    few = LandmarkSmoother(params, 0.5, pixel, world)
    stream = few.smooth_stream(poses, times)
    assert few._t_px is None  # its own state untouched
    compared = 0
    for k, (pose, t) in enumerate(zip(poses, times)):
        lm = few(pose, t)
        assert stream.present[k] == (lm is not None)
        if lm is None:
            assert np.isnan(stream.vis[k]).all() and np.isnan(stream.pixel[k]).all()
            continue
        assert canon(stream.vis[k].tolist()) == canon(lm.vis)
        assert canon(stream.pixel[k].tolist()) == canon(lm.pixel)
        assert stream.has_world[k] == (lm.world is not None)
        if lm.world is None:
            assert np.isnan(stream.world[k]).all()
        else:
            assert canon(stream.world[k].tolist()) == canon(lm.world)
        compared += 1
    assert compared == 585  # 600 frames, 15 without a person


def test_a_stream_without_any_pose_is_all_unknown():
    stream = LandmarkSmoother(pixel=(11,), world=(12,)).smooth_stream([None, None], [0.0, 0.1])
    assert stream.present.tolist() == [False, False] and stream.has_world.tolist() == [False, False]
    assert np.isnan(stream.pixel).all() and np.isnan(stream.world).all() and np.isnan(stream.vis).all()


# every kind, space, reference, axis and normaliser the loader admits
SPECS = [
    MeasureSpec("elbow", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist")),
    MeasureSpec("elbow_px", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist"), space="pixel"),
    MeasureSpec("lean", "inclination", ("{side}_hip", "{side}_shoulder")),
    MeasureSpec("lean_px", "inclination", ("{side}_hip", "{side}_shoulder"), space="pixel", reference="horizontal"),
    MeasureSpec("reach", "distance", ("{side}_wrist", "{other}_shoulder")),
    MeasureSpec("reach_sw", "distance", ("{side}_wrist", "{other}_shoulder"), normalize="shoulder_width",
                min_visibility=0.3),
    MeasureSpec("reach_px", "distance", ("{side}_wrist", "nose"), space="pixel", normalize="none"),
    MeasureSpec("stance", "ratio", ("left_ankle", "right_ankle", "left_hip", "right_hip")),
    MeasureSpec("wrist_up", "offset", ("{side}_wrist", "{side}_shoulder"), axis="up"),
    MeasureSpec("wrist_right_px", "offset", ("{side}_wrist", "{side}_shoulder"), axis="right", space="pixel"),
    MeasureSpec("turn", "offset", ("left_shoulder", "right_shoulder"), axis="toward_camera",
                normalize="shoulder_width"),
]


def landmarks_of(stream, k):
    return None if not stream.present[k] else M.Landmarks(
        stream.vis[k].tolist(), stream.pixel[k].tolist(), stream.world[k].tolist() if stream.has_world[k] else None)


@pytest.mark.parametrize("side", ["left", "right"])
def test_whole_stream_measures_equal_the_per_frame_ones(side):
    """Each spec on the rough stream's smoothed landmarks, with degenerate frames added: a
    zero-length segment, coincident hips (a zero ratio denominator), shoulders on one point (a
    zero normaliser), and an infinite coordinate."""
    poses, times = rough_stream(300, seed=8)
    stream = LandmarkSmoother(pixel=range(33), world=range(33)).smooth_stream(poses, times)
    for arr in (stream.pixel, stream.world):
        arr[10, 13] = arr[10, 11]  # elbow on the shoulder
        arr[20, 24] = arr[20, 23]  # hips on one point
        arr[30, 12] = arr[30, 11]  # shoulders on one point
        arr[40, 15] = np.inf
        arr[50, 15] = arr[50, 13]  # wrist on the elbow
    stream.vis[[10, 20, 30, 40, 50]] = 1.0  # those frames wholly seen
    known = 0
    got = {}
    for spec in SPECS:
        one = M.compile_measure(spec, side, 0.5)
        rows = M.compile_measure_rows(spec, side, 0.5)(stream.vis, stream.pixel, stream.world, stream.has_world)
        for k in range(len(poses)):
            lm = landmarks_of(stream, k)
            want = math.nan if lm is None else one(lm)
            assert canon(float(rows[k])) == canon(want), (spec.name, k)
            known += want == want
            got[spec.name, k] = want
    assert known == {"left": 572, "right": 562}[side]  # known values compared (the rest unknown on both sides)
    # the degenerate frames are unknown (the right elbow is not the one moved onto its shoulder)
    names = ("elbow", "elbow_px", "stance", "reach_sw", "turn")
    nan = [n for n in names for k in (10, 20, 30) if got[n, k] != got[n, k]]
    assert nan == (list(names) if side == "left" else ["stance", "reach_sw", "turn"])


def test_whole_stream_measures_of_every_library_exercise_equal_the_per_frame_ones():
    """MeasureBank.tables against MeasureBank._values frame by frame, every exercise, every side."""
    poses, times = rough_stream(200, seed=9)
    stream = LandmarkSmoother(pixel=range(33), world=range(33)).smooth_stream(poses, times)
    for name in exercise_ids():
        bank = MeasureBank(find_exercise(name))
        tables = bank.tables(stream)
        assert list(tables) == (["left", "right"] if bank.sided else [None])
        for key, table in tables.items():
            assert table.shape == (200, len(bank.names))
            for k in range(200):
                want = bank._values(landmarks_of(stream, k), key)
                assert canon(dict(zip(bank.names, table[k].tolist()))) == canon(want), (name, k, key)


def test_whole_stream_views_equal_yaw_of_and_classify():
    poses, times = rough_stream(400, seed=10)
    stream = LandmarkSmoother(world=range(33)).smooth_stream(poses, times)
    bands = ViewConfig()
    got = views_of(stream.vis, stream.world, stream.has_world, bands)
    want = [None if not stream.has_world[k] else classify(yaw_of(stream.vis[k].tolist(), stream.world[k].tolist()),
                                                          bands) for k in range(len(poses))]
    assert got == want
    assert {v for v in want} == {None, "front", "oblique", "side", "rear"}


# ------------------------------------------------------------------ the coach measuring ahead

def run(ex, poses, times, fps, steps=None, prepare=True, reload_at=None):
    """A lean coach's FrameResults over ``steps`` ((pose, t) pairs; default the stream), after
    prepare(poses, times) or not; the rules reloaded before step ``reload_at``."""
    coach = engine.Coach(ex, PARAMS, poses=False)
    if prepare:
        coach.prepare(poses, times)
    out = []
    for i, (pose, t) in enumerate(steps if steps is not None else zip(poses, times)):
        if i == reload_at:
            coach.load(ex)
        out.append(coach.step(pose, t, i))
    out.append(coach.finish(times[-1] + 1.0 / fps, len(out)))
    return coach, out


def curl_session():
    script = SCRIPTS["bicep_curl"]
    poses = script.poses(seed=0)
    return find_exercise("bicep_curl"), poses, [i / 30.0 for i in range(len(poses))]


@pytest.mark.parametrize("leave", ["another time", "another pose", "a frame skipped"])
def test_a_step_off_the_prepared_stream_goes_on_frame_by_frame_from_where_it_was(leave):
    """From step 120 on, the steps are not the prepared stream's: the coach measures frame by
    frame from there, with the smoother where the prepared stream left it, and decides what a
    coach that never prepared decides on the same steps."""
    ex, poses, times = curl_session()
    steps = list(zip(poses, times))
    if leave == "another time":
        steps[120:] = [(p, t + 0.004) for p, t in steps[120:]]
    elif leave == "another pose":
        steps[120:] = [(None if p is None else Pose(p.t, p.index, p.image_xy.copy(), p.world_xyz, p.visibility,
                                                    p.presence, p.image_size), t) for p, t in steps[120:]]
    else:
        del steps[120]
    plain_coach, plain = run(ex, poses, times, 30.0, steps=steps, prepare=False)
    ahead_coach, ahead = run(ex, poses, times, 30.0, steps=steps)
    assert ahead_coach._ahead is None  # left at step 120
    assert [decisions(r) for r in ahead] == [decisions(r) for r in plain]
    assert plain_coach.total_reps == ahead_coach.total_reps == 4


def test_rules_reloaded_mid_stream_go_on_frame_by_frame():
    ex, poses, times = curl_session()
    plain_coach, plain = run(ex, poses, times, 30.0, prepare=False, reload_at=150)
    ahead_coach, ahead = run(ex, poses, times, 30.0, reload_at=150)
    assert ahead_coach._ahead is None
    assert [decisions(r) for r in ahead] == [decisions(r) for r in plain]
    assert plain_coach.total_reps == ahead_coach.total_reps == 4


def test_prepare_after_the_first_step_does_not_measure_ahead():
    ex, poses, times = curl_session()
    coach = engine.Coach(ex, PARAMS, poses=False)
    coach.step(poses[0], times[0], 0)
    coach.prepare(poses, times)
    assert coach._ahead is None
    full = engine.Coach(ex, PARAMS)  # poses=True: nothing to prepare
    full.prepare(poses, times)
    assert full._ahead is None


def test_a_stream_measured_ahead_needs_a_time_per_pose():
    ex, poses, times = curl_session()
    coach = engine.Coach(ex, PARAMS, poses=False)
    assert coach.points is not None
    with pytest.raises(ValueError, match="450 poses but 449 times"):
        MeasuredStream(coach.points, coach.bank, PARAMS.view, poses, times[:-1])


def test_replays_and_evaluations_of_recordings_read_every_frame_ahead(tmp_path, monkeypatch):
    """coach.replay.replay and coach eval --recordings prepare the coach with the recording's
    poses and times: every frame is read from the stream measured ahead, none measured again."""
    from tuning_helpers import live_session, script_poses

    from coach import measured
    from coach.evaluate import EvalTask, summarise
    from coach.pose.recording import load_recording
    from coach.replay import replay
    made: list[MeasuredStream] = []

    class Kept(MeasuredStream):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            made.append(self)

    monkeypatch.setattr(engine, "MeasuredStream", Kept)
    monkeypatch.setattr(engine.Coach, "_leave_ahead", lambda self: pytest.fail("left the prepared stream"))
    poses = script_poses("bicep_curl", reps=3)
    live_session("bicep_curl", poses, tmp_path / "s.npz")
    r = replay(load_recording(tmp_path / "s.npz"), find_exercise("bicep_curl"))
    summary = summarise(EvalTask(file="s.mp4", exercise="bicep_curl", truth=3, source=str(tmp_path / "s.npz")))
    assert r.summary.reps == summary.reps == 3
    assert [m.k for m in made] == [len(poses), len(poses)]
    assert measured.MeasuredStream is not Kept  # only the engine's name was patched
