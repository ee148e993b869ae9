"""Every measure of a rule file, per counting unit, each frame: values in the measures' own units
(deg, ratios...), NaN when unknown.

Units: ``None`` for an exercise counted as a whole, ``"left"``/``"right"`` for ``side =
"alternate"``. ``side = "both"`` averages the two sides' known values; one watched side
(``left``/``right``/``auto``) is measured alone. Derived measures are added after: ``left_right``
(|left - right|) and ``speed`` (|change| of its source over ``over_s`` seconds, per second,
unknown when the source is unknown now or was never known in the window).
"""
from __future__ import annotations

import math
from collections import deque
from typing import Optional

import numpy as np

from . import measures as M
from .landmarks import INDEX, SIDES, resolve
from .rules.schema import DERIVED_KINDS, Exercise
from .types import Pose, Side

NAN = float("nan")
Values = dict[Optional[Side], dict[str, float]]  # unit key -> measure name -> value


class MeasureBank:
    def __init__(self, exercise: Exercise):
        self.ex = exercise
        # measures whose landmarks depend on the side ({side}/{other} in the rule file)
        self.sided = {n for n, m in exercise.measures.items()
                      if m.kind not in DERIVED_KINDS and any("{" in lm for lm in m.landmarks)}
        self.needs_both_sides = exercise.side in ("both", "alternate") or any(
            m.kind == "left_right" for m in exercise.measures.values())
        # side -> landmark indices the sided measures use (the auto side's visibility score)
        self.side_landmarks = {s: sorted({INDEX[resolve(lm, s)] for n in self.sided
                                          for lm in exercise.measures[n].landmarks}) for s in SIDES}
        # (unit key, measure) -> recent (t, value), for speeds
        self._history: dict[tuple[Optional[Side], str], deque[tuple[float, float]]] = {}

    def measure(self, pose: Optional[Pose], t: float, watched: Side) -> Values:
        """Values per unit at ``t`` (s); watched: the side measured when only one is."""
        ex = self.ex
        mode = ex.side
        if not self.sided:
            base = self._values(pose, None)
            per_side = {"left": base, "right": base}
        elif self.needs_both_sides:
            per_side = {s: self._values(pose, s) for s in SIDES}
        else:  # one side watched: measure only that side (this runs every frame)
            per_side = {watched: self._values(pose, watched)}
        if mode == "alternate":
            out: Values = {s: dict(per_side[s]) for s in SIDES}
        elif mode == "both":
            both = {}
            for name in per_side["left"]:
                pair = [per_side[s][name] for s in SIDES if not math.isnan(per_side[s][name])]
                both[name] = float(np.mean(pair)) if pair else NAN
            out = {None: both}
        else:
            out = {None: dict(per_side[watched])}
        for name, spec in ex.measures.items():
            if spec.kind == "left_right":
                diff = abs(per_side["left"].get(spec.of, NAN) - per_side["right"].get(spec.of, NAN))
                for vals in out.values():
                    vals[name] = diff
        self._add_speeds(out, t)
        return out

    def _values(self, pose: Optional[Pose], side: Optional[Side]) -> dict[str, float]:
        ex = self.ex
        out: dict[str, float] = {}
        for name, spec in ex.measures.items():
            if spec.kind not in DERIVED_KINDS:
                s = side if name in self.sided else None
                out[name] = M.evaluate(spec, pose, s or "left", ex.min_visibility)
        return out

    def _add_speeds(self, out: Values, t: float) -> None:
        for name, spec in self.ex.measures.items():
            if spec.kind != "speed":
                continue
            for key, vals in out.items():
                h = self._history.setdefault((key, name), deque())
                v = vals.get(spec.of, NAN)
                h.append((t, v))
                while h and t - h[0][0] > spec.over_s:
                    h.popleft()
                old = next(((t0, v0) for t0, v0 in h if not math.isnan(v0)), None)
                if math.isnan(v) or old is None or t - old[0] < spec.over_s / 2:
                    vals[name] = NAN
                else:
                    vals[name] = abs(v - old[1]) / (t - old[0])
