"""One-Euro filter: timestamp-driven, missing stays missing."""
from __future__ import annotations

import math

import numpy as np
import pytest

from coach.smoothing import OneEuroFilter, OneEuroParams, PoseSmoother
from devkit.synth import pose_at


def test_first_sample_passes_through_and_constant_stays_constant():
    f = OneEuroFilter()
    assert f(0.0, np.array([5.0]))[0] == 5.0
    for i in range(1, 30):
        assert f(i / 30, np.array([5.0]))[0] == pytest.approx(5.0)


def test_reduces_jitter_on_a_still_signal():
    rng = np.random.default_rng(0)
    f = OneEuroFilter(OneEuroParams(min_cutoff_hz=1.0, beta=0.0))
    x = 10 + rng.normal(0, 1, 300)
    y = np.array([f(i / 30, np.array([v]))[0] for i, v in enumerate(x)])
    assert np.std(y[30:]) < 0.35 * np.std(x[30:])


def test_follows_fast_motion_with_beta():
    """With beta > 0 the cutoff rises with speed: less lag on a fast ramp than with beta = 0."""
    lag = {}
    for beta in (0.0, 2.0):
        f = OneEuroFilter(OneEuroParams(min_cutoff_hz=1.0, beta=beta))
        ys = [f(i / 30, np.array([i / 30 * 3.0]))[0] for i in range(60)]
        lag[beta] = 2 * 3.0 - ys[-1]
    assert lag[2.0] < 0.5 * lag[0.0]


def test_alpha_depends_on_time_not_on_sample_count():
    """Same signal sampled at 30 and 60 fps ends near the same value (time-driven)."""
    out = {}
    for fps in (30, 60):
        f = OneEuroFilter(OneEuroParams(min_cutoff_hz=1.0, beta=0.0))
        y = None
        for i in range(int(fps)):
            y = f(i / fps, np.array([0.0 if i == 0 else 1.0]))[0]
        out[fps] = y
    assert out[30] == pytest.approx(out[60], abs=0.05)


def test_invalid_elements_pass_through_and_restart():
    f = OneEuroFilter(OneEuroParams(min_cutoff_hz=0.5, beta=0.0))
    f(0.0, np.array([0.0, 0.0]))
    f(1 / 30, np.array([0.0, 0.0]))
    y = f(2 / 30, np.array([100.0, 100.0]), valid=np.array([True, False]))
    assert y[1] == 100.0            # unknown: returned as given, not smoothed
    assert y[0] < 50.0              # known: smoothed
    y = f(3 / 30, np.array([100.0, 100.0]))
    assert y[1] == 100.0            # came back: starts fresh, not dragged from 0


def test_gap_longer_than_max_gap_restarts():
    f = OneEuroFilter(OneEuroParams(min_cutoff_hz=0.5, beta=0.0, max_gap_s=0.5))
    f(0.0, np.array([0.0]))
    assert f(2.0, np.array([100.0]))[0] == 100.0


def test_pose_smoother_keeps_missing_missing():
    s = PoseSmoother()
    assert s(None, 0.0) is None
    p = pose_at({}, t=0.1)
    out = s(p, 0.1)
    assert out is not p and np.allclose(out.image_xy, p.image_xy)
    assert math.isclose(out.t, p.t)
