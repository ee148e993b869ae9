"""The lean engine decides exactly what the engine decided before it was made lean: every
FrameResult (smoothed pose, measures, events, findings, cues, counts, view, side, display) bit
for bit, and every session summary, on synthetic sessions (devkit) and on every cached real
landmark recording. The reference is the old numpy front half (tests/engine_reference.py) run
through the old-style per-frame loop; the engine runs as replays run it (coach.engine.replay,
coach.replay.replay through the live Session).

The real recordings are ../cache/landmarks/*.npz ($COACH_LANDMARKS_DIR), each with the exercise
its clip's label names (../shared/data/clips/labels.json); without them those tests skip and
say so (one test per recording: the pytest counts say how many ran)."""
from __future__ import annotations

import dataclasses
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import realclips
from engine_reference import make_reference, reference_coach

from coach import engine
from coach.library import find_exercise, pipeline_params
from coach.replay import replay as session_replay
from coach.runner import Session, recording_items
from devkit.motions import SCRIPTS

PARAMS = pipeline_params()
CACHE = Path(os.environ.get("COACH_LANDMARKS_DIR") or realclips.REPO.parent / "cache" / "landmarks")


def canon(x):
    """A value with every float as its 8 bytes (NaN == NaN, 0.0 != -0.0) and arrays as bytes."""
    if isinstance(x, (float, np.floating)):
        return ("f", struct.pack("<d", float(x)))
    if isinstance(x, np.ndarray):
        return ("a", x.dtype.str, x.shape, x.tobytes())
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__,) + tuple((f.name, canon(getattr(x, f.name))) for f in dataclasses.fields(x))
    if isinstance(x, dict):
        return ("d",) + tuple((canon(k), canon(v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__,) + tuple(canon(v) for v in x)
    if isinstance(x, (set, frozenset)):
        return ("s",) + tuple(sorted(repr(canon(v)) for v in x))
    assert isinstance(x, (str, int, bool, type(None))), type(x)
    return (type(x).__name__, x)


def old_style(ex, poses, times, fps):
    """The per-frame loop as tests, tools and the runner wrote it, on the reference stages."""
    c = reference_coach(ex, PARAMS)
    results = [c.step(p, t, i) for i, (p, t) in enumerate(zip(poses, times))]
    results.append(c.finish(times[-1] + 1.0 / fps, len(poses)))
    return c, results


def assert_same(ex, poses, times, fps):
    ref_coach, ref = old_style(ex, poses, times, fps)
    new_coach, new = engine.replay(ex, poses, PARAMS, fps=fps, times=times)
    assert len(new) == len(ref)
    for a, b in zip(ref, new):
        assert canon(a) == canon(b), f"frame {a.index} at {a.t:.3f} s differs"
    assert (ref_coach.total_reps, ref_coach.reps_by_side, ref_coach.calibration()) == (
        new_coach.total_reps, new_coach.reps_by_side, new_coach.calibration())
    return new


def test_canon_tells_floats_apart_by_their_bits():
    assert canon(0.1 + 0.2) != canon(0.3) and canon(float("nan")) == canon(np.nan) and canon(0.0) != canon(-0.0)
    assert canon(np.array([1.0, 2.0])) != canon(np.array([1.0, 2.0 + 2 ** -51]))


@pytest.mark.parametrize("ex_id", sorted(SCRIPTS))
def test_synthetic_sessions_give_identical_results(ex_id):
    script = SCRIPTS[ex_id]
    ex = find_exercise(ex_id)
    for poses in (script.poses(seed=0), script.poses(script.faults[0]) if script.faults else []):
        if poses:
            times = [i / 30.0 for i in range(len(poses))]
            results = assert_same(ex, poses, times, 30.0)
            assert sum(len(r.events) for r in results) > 0  # a session with something to decide


def edge_session() -> tuple[list, list[float]]:
    """(poses, times s) of a synthetic bicep curl session on the paths a clean one never takes:
    poses without world landmarks (the smoother then filters the pixels alone), a pause longer
    than the filter's max gap (1.5 s), frames without a person, landmarks below the visibility
    threshold."""
    poses = list(SCRIPTS["bicep_curl"].poses(seed=3))
    for i in (40, 41, 42, 90):
        poses[i] = dataclasses.replace(poses[i], world_xyz=None)
    for i in range(60, 66):
        poses[i] = None
    for i in range(100, 112):
        vis = poses[i].visibility.copy()
        vis[11:17] = 0.2
        poses[i] = dataclasses.replace(poses[i], visibility=vis)
    return poses, [i / 30.0 + (1.5 if i >= 150 else 0.0) for i in range(len(poses))]


def test_world_landmarks_missing_gaps_and_low_visibility_give_identical_results():
    """edge_session(), a side exercise watched automatically."""
    poses, times = edge_session()
    results = assert_same(find_exercise("bicep_curl"), poses, times, 30.0)
    assert any(r.pose is not None and r.pose.world_xyz is None for r in results)


def cached_stems() -> list[str]:
    """The cached recordings' names, or ["(none)"] (one test that says none ran)."""
    return (sorted(p.stem for p in CACHE.glob("*.npz")) if CACHE.is_dir() else []) or ["(none)"]


def cached_case(stem: str):
    """(exercise, recording) of a cached recording and the exercise its clip's label names;
    skips, saying why, when there is none."""
    if stem == "(none)":
        pytest.skip(f"0 ran: no cached landmark recordings in {CACHE} (set COACH_LANDMARKS_DIR)")
    if not realclips.available():
        pytest.skip(realclips.SKIP_REASON)
    lab = next((d for d in realclips.labels() if d["file"].rsplit(".", 1)[0] == stem), None)
    ex_id = None if lab is None else realclips.exercise_id(lab)
    if ex_id is None:
        pytest.skip(f"{stem}: its label names no library exercise")
    from coach.pose.recording import load_recording
    return find_exercise(ex_id), load_recording(CACHE / f"{stem}.npz")


@pytest.mark.parametrize("stem", cached_stems())
def test_cached_real_recordings_give_identical_results_and_summaries(stem):
    ex, rec = cached_case(stem)
    results = assert_same(ex, rec.poses, rec.times.tolist(), rec.fps)
    assert any(r.pose is not None for r in results)
    # the session a therapist's `coach replay` runs, against the same session on the reference
    session = Session(ex, PARAMS, fps=rec.fps, source_name=rec.meta.get("source", ""))
    make_reference(session.coach)
    ref_summary = session.run(recording_items(rec))
    assert canon(session_replay(rec, ex, PARAMS).summary) == canon(ref_summary)


def test_scalar_geometry_equals_numpy_bit_for_bit():
    """The compiled measures' plain-float formulas against the numpy ones, on random points,
    degenerate segments included (unknown: NaN, whose sign bit the measures do not keep: they
    return one NaN for every unknown); the side score against np.mean for 1-12 landmarks."""
    import math

    def same(x, y):
        return (math.isnan(x) and math.isnan(y)) or canon(x) == canon(y)

    from engine_reference import ref_body_yaw

    from coach import measures as M
    from coach.sides import _mean_of
    from coach.types import Pose
    from coach.view import body_yaw
    rng = np.random.default_rng(10)
    for dim in (2, 3):
        for k in range(3000):
            a, b = (rng.normal(size=(2, dim)) * rng.choice([1e-3, 1.0, 400.0])).tolist()
            if k % 50 == 0:
                b = list(a)  # a zero-length segment: unknown
            for ref in ("vertical", "horizontal"):
                want = float(M.inclination(np.array(a), np.array(b), ref))
                got = M._inclination_scalar(a, b, ref)
                assert same(got, want), (a, b, ref)
            assert same(M._distance_scalar(a, b), float(M.distance(np.array(a), np.array(b))))
    for _ in range(300):
        pts = rng.normal(size=(33, 3))
        vis = rng.uniform(0, 1, 33)
        pose = Pose(0.0, 0, pts[:, :2] * 300, pts, vis, vis, (640, 480))
        assert same(M._torso_scalar(pts.tolist()), M.torso_length(pts))
        assert canon(body_yaw(pose)) == canon(ref_body_yaw(pose))
        for n in range(1, 13):
            idx = rng.choice(33, n, replace=False).tolist()
            assert canon(_mean_of(pose.visibility, idx)) == canon(float(np.mean(vis[idx])))
