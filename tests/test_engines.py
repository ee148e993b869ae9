"""Engines: results in task order, per-worker state built once, Ray optional with a hint.

The Ray tests start a real local Ray cluster (2 CPUs) once for the module; they are skipped,
saying so, when ray is not installed (pip install 'form-coach[cluster]')."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
from tuning_helpers import live_session, script_poses

from coach.cli import main
from coach.engines import RAY_HINT, LocalEngine, make_engine, probe, probe_init
from coach.errors import UsageError


def check_probe_results(results, tasks, workers):
    assert [r[2] for r in results] == tasks  # task order, whatever finished first
    by_pid = {}
    for state, pid, _ in results:
        assert state[0] == pid  # the state was built in the process that ran the task
        by_pid.setdefault(pid, set()).add(state)
    assert all(len(states) == 1 for states in by_pid.values())  # built once per worker
    assert 1 <= len(by_pid) <= workers
    return by_pid


def test_local_pool_keeps_task_order_and_builds_state_once_per_worker():
    tasks = [0.3, 0.0, 0.2, 0.0, 0.1, 0.0]  # the first tasks finish last
    by_pid = check_probe_results(list(LocalEngine(2).map(probe, tasks, probe_init)), tasks, 2)
    assert os.getpid() not in by_pid and len(by_pid) == 2


def test_one_worker_runs_in_this_process():
    results = list(LocalEngine(1).map(probe, [0, 1, 2], probe_init))
    assert {pid for _, pid, _ in results} == {os.getpid()} and [r[2] for r in results] == [0, 1, 2]


def test_ray_missing_fails_soft_with_an_install_hint(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(UsageError) as exc:
        make_engine("ray")
    assert str(exc.value) == RAY_HINT == "Ray is not installed: pip install 'form-coach[cluster]' (or: pip install ray)"
    (tmp_path / "labels.json").write_text(json.dumps([{"file": "a.mp4", "exercise": "squat", "reps": 1}]))
    (tmp_path / "rec").mkdir()
    live_session("squat", script_poses("squat", reps=1), tmp_path / "rec" / "a.npz")
    assert main(["eval", str(tmp_path / "labels.json"), "--recordings", str(tmp_path / "rec"), "--engine", "ray"]) == 2
    assert capsys.readouterr().err.strip() == f"coach: error: {RAY_HINT}"


def test_address_needs_ray():
    with pytest.raises(UsageError, match="--address needs --engine ray"):
        make_engine("local", address="auto")


# ------------------------------------------------------------------------------ a real Ray cluster

@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'form-coach[cluster]')")
    import logging
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
             runtime_env={"env_vars": {"PYTHONPATH": root}})
    yield ray
    ray.shutdown()


def test_ray_keeps_task_order_and_builds_state_once_per_actor(ray_cluster):
    tasks = [0.3, 0.0, 0.2, 0.0, 0.1, 0.0]
    engine = make_engine("ray", workers=2)
    check_probe_results(list(engine.map(probe, tasks, probe_init)), tasks, 2)
    assert ray_cluster.is_initialized()  # a cluster the engine joined is left running


def test_ray_replays_and_evaluates_like_the_local_pool(ray_cluster, tmp_path, capsys):
    labels = []
    (tmp_path / "rec").mkdir()
    for i, (ex, reps) in enumerate((("bicep_curl", 3), ("squat", 2), ("scapular_squeeze", 2))):
        live_session(ex, script_poses(ex, reps=reps), tmp_path / "rec" / f"c{i}.npz")
        labels.append({"file": f"c{i}.mp4", "exercise": ex, "reps": reps})
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    base = ["eval", str(tmp_path / "labels.json"), "--recordings", str(tmp_path / "rec"), "--json"]
    assert main(base + ["--workers", "2"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(base + ["--engine", "ray", "--workers", "2"]) == 0
    on_ray = json.loads(capsys.readouterr().out)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]  # noqa: E731
    assert strip(on_ray["rows"]) == strip(local["rows"])
    assert on_ray["overall"] == {"clips": 3, "exact": 1.0, "within_one": 1.0, "mean_abs_error": 0.0}
    assert on_ray["engine"] == "Ray (a local Ray cluster, 2 workers)"
    recs = [str(tmp_path / "rec" / f"c{i}.npz") for i in range(3)]
    assert main(["replay", *recs, "--engine", "ray", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["recording"], r["after"]["reps"], r["diff"]["unchanged"]) for r in rows] == [
        (recs[0], 3, True), (recs[1], 2, True), (recs[2], 2, True)]


def test_ray_extracts_like_the_local_engine(ray_cluster, tmp_path, capsys):
    pytest.importorskip("skimage.data")
    from tuning_helpers import photo_video

    from coach.pose.recording import load_recording
    vids = [str(photo_video(tmp_path / "a.mp4", 4)), str(photo_video(tmp_path / "b.mp4", 4, mirror=True))]
    for d in ("local", "ray"):
        (tmp_path / d).mkdir()
    assert main(["extract", *vids, "-o", str(tmp_path / "local"), "--workers", "1"]) == 0
    assert main(["extract", *vids, "-o", str(tmp_path / "ray"), "--engine", "ray", "--workers", "2", "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()[2:]]
    assert [(r["video"], r["status"], r["frames"]) for r in rows] == [(vids[0], "written", 4), (vids[1], "written", 4)]
    for name in ("a", "b"):
        a, b = load_recording(tmp_path / "local" / f"{name}.npz"), load_recording(tmp_path / "ray" / f"{name}.npz")
        assert all(np.array_equal(p.image_xy, q.image_xy) for p, q in zip(a.poses, b.poses))
