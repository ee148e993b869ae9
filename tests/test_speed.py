"""Issue 11, speed: decoding on a reader thread (in order, bounded, stoppable), one colour
conversion, large frames downscaled for the model only (landmarks stay in full-frame pixels),
the engine's scalar joint angle equal to the numpy one, and `coach bench` figures."""
from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from coach.capture import (
    INFERENCE_MAX_SIDE,
    PREFETCH_FRAMES,
    Prefetch,
    VideoWriter,
    inference_rgb,
    open_source,
    prefetch,
)
from coach.cli import main
from coach.landmarks import INDEX
from coach.measures import _joint_angle_scalar, joint_angle
from coach.types import Frame


def _video(path, n=24, size=(160, 120)):
    w, h = size
    with VideoWriter(path, 30.0, size) as vw:
        for i in range(n):
            img = np.zeros((h, w, 3), np.uint8)
            img[:, :, 0] = 10 * i % 256  # blue grows: frames are told apart after decoding
            img[:, :, 2] = 200
            vw.write(img)
    return path


def test_prefetch_gives_every_frame_in_order_with_rgb(tmp_path):
    path = _video(tmp_path / "v.mp4")
    with open_source(path) as plain:
        expected = [(f.t, f.index, f.image.copy()) for f in plain]
    src = prefetch(open_source(path))
    assert isinstance(src, Prefetch) and src.fps == 30.0 and src.size == (160, 120)
    got = list(src)
    src.close()
    assert [(f.t, f.index) for f in got] == [(t, i) for t, i, _ in expected] and len(got) == 24
    for f, (_, _, img) in zip(got, expected):
        assert np.array_equal(f.image, img)
        assert np.array_equal(f.rgb, img[:, :, ::-1])  # exactly the channel swap, contiguous
        assert f.rgb.flags["C_CONTIGUOUS"]
    assert src.complete is True and len(src.decode_ms) == 24


def test_prefetch_reads_at_most_its_depth_ahead_and_stops_on_close(tmp_path):
    path = _video(tmp_path / "v.mp4", n=40)
    src = Prefetch(open_source(path))
    it = iter(src)
    next(it)
    time.sleep(0.5)  # a slow consumer: the reader must wait, not decode the whole file
    # one handed out, PREFETCH_FRAMES in the queue, one decoded and waiting to be put
    assert len(src.decode_ms) == 1 + PREFETCH_FRAMES + 1
    assert any(t.name == "prefetch" for t in threading.enumerate())
    src.close()
    assert not any(t.name == "prefetch" for t in threading.enumerate())


def test_inference_rgb_downscales_only_large_frames():
    small = np.zeros((720, 1280, 3), np.uint8)
    small[..., 0] = 255  # blue in BGR
    out = inference_rgb(small)
    assert out.shape == (720, 1280, 3) and out[0, 0].tolist() == [0, 0, 255]
    big = np.zeros((1920, 1080, 3), np.uint8)  # a portrait phone video
    assert inference_rgb(big).shape == (INFERENCE_MAX_SIDE, 720, 3)
    assert inference_rgb(np.zeros((2160, 3840, 3), np.uint8)).shape == (720, 1280, 3)


def test_downscaled_inference_keeps_full_frame_pixels():
    from skimage import data as skimage_data

    from coach.pose.landmarker import PoseEstimator
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])  # 512x512 BGR
    big = np.ascontiguousarray(np.repeat(np.repeat(img, 3, axis=0), 3, axis=1))  # 1536 px: downscaled
    with PoseEstimator() as est:
        small_pose = [est.process(Frame(img, t=k, index=k)) for k in range(4)][-1]
    with PoseEstimator() as est:
        big_pose = [est.process(Frame(big, t=k, index=k)) for k in range(4)][-1]
    assert big_pose.image_size == (1536, 1536)
    for name in ("nose", "left_shoulder", "right_shoulder", "left_eye", "right_ear"):
        i = INDEX[name]  # in the 1536-px frame's pixels, not the 1280-px picture the model saw
        assert big_pose.image_xy[i] == pytest.approx(3 * small_pose.image_xy[i], abs=0.03 * 1536), name


def test_scalar_joint_angle_equals_numpy():
    rng = np.random.default_rng(11)
    for dim in (2, 3):
        for _ in range(500):
            a, b, c = rng.normal(size=(3, dim)) * 300
            assert _joint_angle_scalar(a.tolist(), b.tolist(), c.tolist()) == pytest.approx(
                float(joint_angle(a, b, c)), abs=1e-9)
    assert _joint_angle_scalar([0.0, 0.0], [1.0, 1.0], [2.0, 2.0]) == pytest.approx(180.0)
    assert _joint_angle_scalar([1.0, 0.0], [0.0, 0.0], [0.0, 1.0]) == pytest.approx(90.0)
    assert np.isnan(_joint_angle_scalar([1.0, 1.0], [1.0, 1.0], [0.0, 1.0]))  # zero-length segment
    assert np.isnan(_joint_angle_scalar([np.nan, 1.0], [0.0, 0.0], [0.0, 1.0]))


def test_bench_prints_every_figure(tmp_path, capsys):
    from skimage import data as skimage_data
    img = np.ascontiguousarray(skimage_data.astronaut()[:, :, ::-1])
    path = tmp_path / "astronaut.mp4"
    with VideoWriter(path, 30.0, (512, 512)) as vw:
        for _ in range(16):
            vw.write(img)
    assert main(["bench", str(path), "--exercise", "squat", "--frames", "12", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["frames"] == 12 and r["size"] == [512, 512] and r["exercise"] == "squat"
    for stage in ("pose", "pose adapter", "smoothing+measures", "reps+checks+cues", "render", "write"):
        assert r["stages"][stage]["n"] == 12, stage
        assert r["stages"][stage]["median_ms"] <= r["stages"][stage]["p95_ms"], stage
    assert 12 <= r["stages"]["decode"]["n"] <= 16  # the reader may decode a little ahead
    assert r["hobby"]["frames"] == 12 and r["coach_own_alone"]["n"] == 12
    # both times are rounded to 1 ms in the JSON: the ratio of the rounded times may differ by that
    ratio = r["analyze_wall_s"] / r["pose_s"]
    rounding = ratio * (0.0005 / r["pose_s"] + 0.0005 / r["analyze_wall_s"]) + 0.0005
    assert r["analyze_over_pose"] == pytest.approx(ratio, abs=rounding)
    assert r["peak_rss_mb"] > 50 and r["fps"] > 0
    assert set(r["meets"]) == {"analyze_over_pose", "coach_own_ms"}
    assert main(["bench", str(path), "--frames", "4", "--no-hobby"]) == 0
    text = capsys.readouterr().out
    assert "analyze / pose" in text and "hobby loop" not in text and "smoothing+measures" in text


def test_bench_refuses_a_missing_video(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "nope.mp4")]) == 1
    assert capsys.readouterr().err.strip() == f"coach: error: no such file: '{tmp_path / 'nope.mp4'}'"
