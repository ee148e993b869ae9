"""Every measure of a rule file, per counting unit, each frame: values in the measures' own units
(deg, ratios...), NaN when unknown.

Units: ``None`` for an exercise counted as a whole, ``"left"``/``"right"`` for ``side =
"alternate"``. ``side = "both"`` averages the two sides' known values; one watched side
(``left``/``right``/``auto``) is measured alone. Derived measures are added after: ``left_right``
(|left - right|) and ``speed`` (|change| of its source over ``over_s`` seconds, per second,
unknown when the source is unknown now or was never known in the window).
"""
from __future__ import annotations

from collections import deque
from typing import Callable, Optional

import numpy as np
from numpy.typing import NDArray

from . import measures as M
from .landmarks import INDEX, SIDES, resolve
from .rules.schema import DERIVED_KINDS, Exercise
from .smoothing import SmoothedStream
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
        # side -> [(name, value function)] of the landmark measures, in rule-file order: names
        # resolved once here (see coach.measures.compile_measure); None: the unsided set
        self._compiled = {s: [(n, M.compile_measure(m, (s if n in self.sided else None) or "left",
                                                    exercise.min_visibility))
                              for n, m in exercise.measures.items() if m.kind not in DERIVED_KINDS]
                          for s in (None, *SIDES)}
        self._nan = {n: NAN for n, _ in self._compiled[None]}
        self._compiled_rows: dict[Optional[Side], list[M.RowsMeasure]] = {}  # the same, for whole streams (tables())
        # the landmarks (indices) whose pixel / world coordinates a measure reads on either
        # side, its normaliser's included (only distances and offsets are normalised; every
        # measure reads the normaliser's visibilities, which are not smoothed)
        read = {space: frozenset(INDEX[resolve(lm, s)] for m in exercise.measures.values()
                                 if m.kind not in DERIVED_KINDS and (m.space == "pixel") == (space == "pixel")
                                 for s in SIDES for lm in m.landmarks + (M.NORMALISERS[m.normalize][0]
                                                                          if m.kind in M.NORMALISED else ()))
                for space in ("pixel", "world")}
        self.pixel_landmarks, self.world_landmarks = read["pixel"], read["world"]
        self._left_right = [(n, m.of) for n, m in exercise.measures.items() if m.kind == "left_right"]
        self._speeds = [(n, m) for n, m in exercise.measures.items() if m.kind == "speed"]
        # (unit key, measure) -> recent (t, value), for speeds
        self._history: dict[tuple[Optional[Side], str], deque[tuple[float, float]]] = {}

    def measure(self, pose: Optional[Pose], t: float, watched: Side) -> Values:
        """Values per unit at ``t`` (s); watched: the side measured when only one is."""
        return self.measure_landmarks(None if pose is None else M.Landmarks.of(pose), t, watched)

    def measure_landmarks(self, lm: Optional[M.Landmarks], t: float, watched: Side) -> Values:
        """measure() of a frame's landmarks as plain floats (None: no pose); those not in
        ``landmarks`` may be unknown."""
        return self.combine(lambda side: self._values(lm, side), t, watched)

    def combine(self, raw: Callable[[Optional[Side]], dict[str, float]], t: float, watched: Side) -> Values:
        """Values per unit at ``t`` (s) from the frame's landmark measures: ``raw(side)`` gives
        them measured on ``side`` (None: the unsided set; see tables()), a dict this never
        changes. Only the sides needed are asked for."""
        mode = self.ex.side
        if not self.sided:
            base = raw(None)
            per_side = {"left": base, "right": base}
        elif self.needs_both_sides:
            per_side = {s: raw(s) for s in SIDES}
        else:  # one side watched: measure only that side (this runs every frame)
            per_side = {watched: raw(watched)}
        if mode == "alternate":
            out: Values = {s: dict(per_side[s]) for s in SIDES}
        elif mode == "both":
            both = {}
            left, right = per_side["left"], per_side["right"]
            for name, a in left.items():
                b = right[name]
                # the mean of the known ones, as np.mean adds them (from 0.0, left to right)
                if a != a:
                    both[name] = NAN if b != b else (0.0 + b) / 1
                else:
                    both[name] = (0.0 + a) / 1 if b != b else ((0.0 + a) + b) / 2
            out = {None: both}
        else:
            out = {None: dict(per_side[watched])}
        for name, of in self._left_right:
            diff = abs(per_side["left"].get(of, NAN) - per_side["right"].get(of, NAN))
            for vals in out.values():
                vals[name] = diff
        self._add_speeds(out, t)
        return out

    def tables(self, stream: SmoothedStream) -> dict[Optional[Side], NDArray[np.float64]]:
        """Of a smoothed stream of T frames, the landmark measures on each side combine() may
        ask for (None when no measure is sided, else "left" and "right"): per side, a (T, n)
        table whose columns are ``names`` in order. A frame's row is what _values gives on that
        frame's Landmarks, bit for bit, from whole-array operations over the stream
        (coach.measures.compile_measure_rows); frames without a pose are NaN, as _values gives."""
        keys: tuple[Optional[Side], ...] = SIDES if self.sided else (None,)
        out = {}
        for key in keys:
            compiled = self._compiled_rows.get(key)
            if compiled is None:
                compiled = self._compiled_rows[key] = [
                    M.compile_measure_rows(m, (key if n in self.sided else None) or "left", self.ex.min_visibility)
                    for n, m in self.ex.measures.items() if m.kind not in DERIVED_KINDS]
            cols = [f(stream.vis, stream.pixel, stream.world, stream.has_world) for f in compiled]
            out[key] = np.array(cols, np.float64).T.reshape(len(stream.present), len(cols))
        return out

    @property
    def names(self) -> list[str]:
        """The landmark measures' names, in rule-file order (the columns of tables())."""
        return list(self._nan)

    def _values(self, lm: Optional[M.Landmarks], side: Optional[Side]) -> dict[str, float]:
        if lm is None:
            return dict(self._nan)
        return {name: value(lm) for name, value in self._compiled[side]}

    def _add_speeds(self, out: Values, t: float) -> None:
        for name, spec in self._speeds:
            for key, vals in out.items():
                h = self._history.get((key, name))
                if h is None:
                    h = self._history[(key, name)] = deque()
                v = vals.get(spec.of, NAN)
                h.append((t, v))
                while h and t - h[0][0] > spec.over_s:
                    h.popleft()
                if v != v:  # unknown now
                    vals[name] = NAN
                    continue
                for old in h:  # the oldest known (t, value) in the window (there is one: v's)
                    if old[1] == old[1]:
                        break
                t0, v0 = old
                vals[name] = NAN if t - t0 < spec.over_s / 2 else abs(v - v0) / (t - t0)
