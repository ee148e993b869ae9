"""Synthetic exercise sessions with known ground truth, one ``Script`` per library exercise.

Used by the tests (every exercise counts exactly on noisy synthetic landmarks, every check
fires on its injected fault and stays quiet on clean form) and by ``coach demo``.

A Script describes clean reps (start/end postures from devkit.synth's DOFs, and timing); each
``Fault`` names the check that must fire and how to break form (posture overrides at the
top of every rep, at the start, for the whole session, or a different timing).
Scripts live in the submodules by body region; ``SCRIPTS`` collects them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Optional

from coach.types import Pose

from ..synth import Body, Camera, Motion, grounded, reps_motion, synthesize


@dataclass(frozen=True)
class Fault:
    """An injected fault. check: the check id that must fire.
    end: posture overrides at the top (end posture) of every rep;
    start: overrides of the start posture of every rep (e.g. a shrug held throughout);
    base: overrides for the whole session, lead-in included (e.g. a different camera view);
    timing: overrides of up_s/hold_s/down_s/rest_s; range: fraction of the clean excursion;
    reps: the count expected with this fault (None = the script's reps; e.g. 0 when the
    fault is an incomplete range that must not count);
    implies: other checks this fault is also a case of, which may fire with it (one shoulder
    hiking raises the mean of both: a shrug too). Every other check must stay quiet."""

    check: str
    end: Mapping[str, float] = field(default_factory=dict)
    start: Mapping[str, float] = field(default_factory=dict)
    base: Mapping[str, float] = field(default_factory=dict)
    timing: Mapping[str, float] = field(default_factory=dict)
    range: float = 1.0
    reps: Optional[int] = None
    implies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Script:
    """Clean reps of one exercise. Postures use devkit.synth DOFs; ``base`` is merged into both
    start and end (set-up: yaw for the camera view, trunk_pitch for bent-over, body_pitch
    for lying...). For side = "alternate" exercises, reps alternate between ``end`` (even reps,
    the person's left side working) and ``end_other`` (odd reps, right side)."""

    exercise: str
    base: Mapping[str, float]
    start: Mapping[str, float]
    end: Mapping[str, float]
    up_s: float = 1.0
    hold_s: float = 0.3
    down_s: float = 1.5
    rest_s: float = 0.6
    reps: int = 4
    end_other: Optional[Mapping[str, float]] = None
    faults: tuple[Fault, ...] = ()
    camera: Camera = Camera()
    body: Body = Body()
    ground: bool = False  # keep the lowest landmark on the floor (squats, lunges)

    def expected_by_side(self, reps: Optional[int] = None) -> dict[str, int]:
        n = self.reps if reps is None else reps
        if self.end_other is None:
            return {}
        return {"left": (n + 1) // 2, "right": n // 2}

    def motion(self, fault: Optional[Fault] = None, only_reps: Optional[set[int]] = None,
               range_by_rep: Optional[Mapping[int, float]] = None) -> Motion:
        """The session; ``fault`` goes into every rep, or only into ``only_reps`` (0-based)
        for its posture overrides and range (timing changes apply to every rep);
        ``range_by_rep`` sets the share of the clean excursion rep by rep (a member whose range
        is 60 % of the textbook's, with one rep half of that)."""
        f = fault or Fault(check="")
        base = {**self.base, **f.base}
        start = {**base, **self.start}
        end = {**base, **self.end}
        timing = {"up_s": self.up_s, "hold_s": self.hold_s, "down_s": self.down_s, "rest_s": self.rest_s, **f.timing}
        overrides = []
        for i in range(self.reps):
            ov: dict[str, float] = {}
            if self.end_other is not None and i % 2 == 1:
                ov.update({k: start.get(k, 0.0) for k in self.end})
                ov.update(self.end_other)
            share = range_by_rep.get(i, 1.0) if range_by_rep else 1.0
            if only_reps is None or i in only_reps:
                share *= f.range
                ov.update(f.end)
                ov.update({f"start:{k}": v for k, v in f.start.items()})
            if share != 1.0:
                ov["range"] = share
            overrides.append(ov)
        if self.ground:
            start = grounded(start, self.body)
            end = grounded(end, self.body)
        return reps_motion(start, end, self.reps, per_rep_overrides=overrides, **timing)

    def poses(self, fault: Optional[Fault] = None, *, noise: bool = True, seed: int = 0,
              fps: float = 30.0, only_reps: Optional[set[int]] = None,
              range_by_rep: Optional[Mapping[int, float]] = None) -> list[Optional[Pose]]:
        """Synthesised landmarks: with ``noise``, 1.5 px / 8 mm Gaussian noise and a 0.2 s
        tracking dropout in the middle of the second rep's movement."""
        m = self.motion(fault, only_reps, range_by_rep) if range_by_rep else self.motion(fault, only_reps)
        drop: tuple[tuple[float, float], ...] = ()
        if noise and len(m.rep_spans) > 1:
            a, b = m.rep_spans[1]
            mid = a + 0.25 * (b - a)
            drop = ((mid, mid + 0.2),)
        return synthesize(m, fps=fps, body=self.body, camera=self.camera, noise_px=1.5 if noise else 0.0,
                          noise_world_m=0.008 if noise else 0.0, dropouts=drop, seed=seed)


def both(**dofs: float) -> dict[str, float]:
    """The same DOF values on both sides: both(elbow_flexion=90) -> left_/right_elbow_flexion."""
    return {f"{s}_{k}": v for s in ("left", "right") for k, v in dofs.items()}


def one(side: str, **dofs: float) -> dict[str, float]:
    """DOF values for one side: one("left", elbow_flexion=90) -> left_elbow_flexion."""
    return {f"{side}_{k}": v for k, v in dofs.items()}


def with_fault(script: Script, check: str) -> Fault:
    for f in script.faults:
        if f.check == check:
            return f
    raise KeyError(f"{script.exercise}: no fault for check {check!r}")


def _collect() -> dict[str, Script]:
    import importlib
    import pkgutil
    out: dict[str, Script] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for s in getattr(mod, "SCRIPTS", ()):
            if s.exercise in out:
                raise ValueError(f"two synthetic scripts for {s.exercise}")
            out[s.exercise] = s
    return out


SCRIPTS: dict[str, Script] = _collect()

__all__ = ["Fault", "Script", "SCRIPTS", "both", "one", "with_fault", "replace"]
