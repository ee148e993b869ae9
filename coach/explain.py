"""Why an attempt counted or not, and why a cue fired, in words a therapist can act on.

``explain_rep`` and ``explain_cue`` read a traced replay (coach.replay) and the rule file's own
text: every threshold they quote comes with ``file:line`` (coach.rules.tomlpos), its value and
unit, the measured values it was compared with and for how long it held. ``plot_trace`` draws
the primary measure over time with the count point, the member's rest, the phase thresholds of
that measure, the attempts (green counted, red not) and the cues, as a PNG (matplotlib, Agg).

Units: times in seconds of the recording; values in each measure's unit (deg, ratio...).
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .replay import VERDICTS, ReplayResult
from .rules.schema import GROUPS, Condition, Exercise

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Seconds of recording shown on each side of the explained attempt or cue in the trace plot.
PLOT_MARGIN_S = 4.0
# `--cue T` picks the cue nearest T within this many seconds (s).
CUE_PICK_S = 2.0


@dataclass(frozen=True)
class Explanation:
    """lines: the plain-words explanation; data: the same facts, JSON-ready; focus: (start, end)
    seconds the plot zooms to; unit: the counter key ("" or a side); attempt: 1-based or None."""

    lines: tuple[str, ...]
    data: dict
    focus: tuple[float, float]
    unit: str = ""
    attempt: Optional[int] = None


class RuleText:
    """A rule file's raw TOML and key positions: ``where(path)`` -> "file:line"."""

    def __init__(self, ex: Exercise):
        from .rules.tomlpos import key_positions
        self.path = ex.path or f"{ex.id}.toml"
        text = Path(ex.path).read_text(encoding="utf-8") if ex.path and Path(ex.path).exists() else ""
        self.raw = tomllib.loads(text) if text else {}
        self.positions = key_positions(text) if text else {}
        try:
            self.display = str(Path(self.path).resolve().relative_to(Path.cwd()))
        except ValueError:
            self.display = str(self.path)

    def line(self, path: tuple) -> Optional[int]:
        p = self.positions.get(tuple(path))
        return p.line if p else None

    def where(self, path: tuple) -> str:
        ln = self.line(path)
        return f"{self.display}:{ln}" if ln else f"{self.display} (not set: the default)"

    def get(self, path: tuple) -> Any:
        node: Any = self.raw
        for k in path:
            try:
                node = node[k]
            except (KeyError, IndexError, TypeError):
                return None
        return node


def _fmt(v: Optional[float]) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "unknown"
    return f"{v:.3g}"


def _leaves(cond: Condition, path: tuple) -> list[tuple[Condition, tuple]]:
    """Every non-combining condition with its key path in the rule file."""
    if cond.kind in GROUPS:
        out = []
        for j, c in enumerate(cond.children):
            out += _leaves(c, path + (cond.kind, j))
        return out
    return [(cond, path)]


def _threshold_key(rt: RuleText, path: tuple) -> tuple[str, Any]:
    for k in ("between", "above", "below", "max_drift", "min_duration_s", "max_duration_s"):
        v = rt.get(path + (k,))
        if v is not None:
            return k, v
    return "", None


def _holds(cond: Condition, v: np.ndarray, base: Optional[float]) -> np.ndarray:
    """Per frame: 1 true, 0 false, NaN unknown (threshold and drift leaves)."""
    out = np.full(v.shape, np.nan)
    known = ~np.isnan(v)
    if cond.kind == "threshold":
        ok = np.ones(v.shape, bool)
        if cond.above is not None:
            ok &= v > cond.above
        if cond.below is not None:
            ok &= v < cond.below
        out[known] = ok[known]
    elif cond.kind == "drift" and base is not None and not math.isnan(base):
        out[known] = (np.abs(v - base) <= cond.max_drift)[known]
    return out


class _Ctx:
    def __init__(self, result: ReplayResult):
        if result.trace is None:
            raise ValueError("explain needs a replay made with trace=True")
        self.r = result
        self.ex = result.exercise
        self.tr = result.trace
        self.rt = RuleText(self.ex)
        self.dt = float(np.median(np.diff(self.tr.times))) if len(self.tr.times) > 1 else 0.0
        self.verdicts = [e for e in result.events if e.kind in VERDICTS]

    def values(self, name: str, unit: str) -> np.ndarray:
        nan = np.full(self.tr.times.shape, np.nan)
        return self.tr.values.get(f"{name}@{unit}" if unit else name, nan)

    def span(self, a: float, b: float) -> np.ndarray:
        return (self.tr.times >= a - 1e-9) & (self.tr.times <= b + 1e-9)

    def seconds(self, mask: np.ndarray) -> float:
        return float(mask.sum()) * self.dt

    def leaf_lines(self, cond: Condition, path: tuple, a: float, b: float, unit: str,
                   base_t: Optional[float] = None, indent: str = "    ") -> tuple[list[str], list[dict]]:
        """One line per threshold: where it is, what it says, the values over [a, b] and how long
        it held (true / false / unknown seconds)."""
        lines, data = [], []
        sel = self.span(a, b)
        for leaf, p in _leaves(cond, path):
            key, raw = _threshold_key(self.rt, p)
            m = leaf.measure
            unit_name = self.ex.measures[m].unit if m in self.ex.measures else ""
            if leaf.kind in ("stat", "duration"):
                what = (f"{leaf.stat} of {m}" if leaf.kind == "stat" else f"time in phase {leaf.phase}")
                lines.append(f"{indent}{what} {key} {raw}  ({self.rt.where(p + (key,))})")
                data.append({"measure": m, "key": key, "threshold": raw, "line": self.rt.line(p + (key,))})
                continue
            v = self.values(m, unit)
            base = None
            if leaf.kind == "drift" and base_t is not None:
                bi = int(np.searchsorted(self.tr.times, base_t - 1e-9))
                base = float(v[min(bi, len(v) - 1)]) if len(v) else None
            h = _holds(leaf, v, base)[sel]
            vs = v[sel]
            known = vs[~np.isnan(vs)]
            rng = f"{_fmt(float(known.min()))} to {_fmt(float(known.max()))}" if known.size else "unknown throughout"
            if leaf.kind == "drift" and base is not None and not math.isnan(base) and known.size:
                rng = f"a drift of up to {_fmt(float(np.abs(known - base).max()))} (values {rng})"
            t_true, t_false = self.seconds(h == 1), self.seconds(h == 0)
            t_unk = self.seconds(np.isnan(h))
            if leaf.kind == "drift":
                what = (f"{m} stays within {leaf.max_drift:g} {unit_name} of its value at {_fmt(base_t)} s "
                        f"({_fmt(base)})")
            else:
                what = f"{m} {key} {raw} {unit_name}".rstrip()
            lines.append(f"{indent}{what}  [{self.rt.where(p + (key,))}]")
            lines.append(f"{indent}  measured {rng} {unit_name}; true for {t_true:.2f} s, false for {t_false:.2f} s"
                         + (f", unknown for {t_unk:.2f} s" if t_unk > 0 else ""))
            data.append({"measure": m, "key": key, "threshold": raw, "line": self.rt.line(p + (key,)),
                         "min": float(known.min()) if known.size else None,
                         "max": float(known.max()) if known.size else None,
                         "true_s": round(t_true, 3), "false_s": round(t_false, 3), "unknown_s": round(t_unk, 3)})
        return lines, data

    def setting(self, path: tuple, value: Any, unit: str = "") -> str:
        return f"{value:g}{(' ' + unit) if unit else ''} [{self.rt.where(path)}]" if isinstance(value, (int, float)) \
            else f"{value} [{self.rt.where(path)}]"


# --------------------------------------------------------------------------- attempts

def explain_rep(result: ReplayResult, n: int) -> Explanation:
    """Why attempt ``n`` (1-based, in the order of the summary's reps_detail) counted or not."""
    from .errors import UsageError
    c = _Ctx(result)
    details = result.summary.reps_detail
    if not 1 <= n <= len(details):
        raise UsageError(f"--rep {n}: this replay has {len(details)} attempt{'s' if len(details) != 1 else ''}"
                         + (f" (1-{len(details)})" if details else ""))
    d = details[n - 1]
    e = c.verdicts[n - 1]
    ex, rt, spec = c.ex, c.rt, c.ex.rep
    unit = e.side or ""
    a, b = d.start_s, d.end_s
    side = f" ({e.side} side)" if e.side else ""
    verdict = "COUNTED" if d.counted else f"NOT COUNTED: {d.reason or e.kind}"
    lines = [f"Attempt {n} of {len(details)}{side}, {a:.2f}-{b:.2f} s ({b - a:.2f} s): {verdict}"]
    data: dict[str, Any] = {"attempt": n, "of": len(details), "side": e.side, "start_s": a, "end_s": b,
                            "counted": d.counted, "reason": d.reason, "rules": rt.display}
    rng = spec.range
    ut = c.tr.units.get(unit)
    before = c.tr.times < e.t - 1e-9
    k = int(np.flatnonzero(before)[-1]) if before.any() else 0
    if rng is not None and ut is not None:
        measure = ut.measure[min(k + 1, len(ut.measure) - 1)] or rng.measure
        mu = ex.measures[measure].unit
        sign = 1.0 if rng.toward == "up" else -1.0
        word = "or more" if sign > 0 else "or less"
        mpath = ("rep", "range", "measure") if measure == rng.measure else ("rep", "range")
        lines.append(f"  Counted on {measure} ({mu}), which {'grows' if sign > 0 else 'shrinks'} during a rep "
                     f"[{rt.where(mpath)}; toward {rt.where(('rep', 'range', 'toward'))}]")
        rest, rrange = float(ut.rest[k]), float(ut.range[k])
        data.update(measure=measure, unit=mu, rest=None if math.isnan(rest) else rest,
                    range=None if math.isnan(rrange) else rrange, reached=d.reached, target=d.target)
        if math.isnan(rest):
            lines.append("  Your rest: not known yet (it is the median start of your counted reps once "
                         "3 have counted): travel was measured from this attempt's own start")
        bounded = math.nan
        if math.isnan(rrange):
            lines.append("  Your range: not known yet (no counted rep before this one), so the attempt had to travel "
                         f"min_travel {ctx_val(c, ('rep', 'range', 'min_travel'), rng.min_travel, mu)} from its start")
        else:
            need = rng.count_at * rrange
            bounded = min(max(need, rng.min_travel), rng.max_travel) if rng.max_travel else max(need, rng.min_travel)
            rest_text = f", rest {_fmt(rest)} {mu}" if not math.isnan(rest) else ""
            lines.append(f"  Your range used: {_fmt(rrange)} {mu}{rest_text} (medians of your last "
                         f"counted reps{_with_profile(result)})")
            lines.append(f"  Travel needed: count_at {ctx_val(c, ('rep', 'range', 'count_at'), rng.count_at)} x range "
                         f"{_fmt(rrange)} = {_fmt(need)} {mu}, kept between min_travel "
                         f"{ctx_val(c, ('rep', 'range', 'min_travel'), rng.min_travel, mu)} and max_travel "
                         f"{ctx_val(c, ('rep', 'range', 'max_travel'), rng.max_travel, mu)}: {_fmt(bounded)} {mu}")
        if d.reached is not None and d.target is not None:
            reached, target = d.reached, d.target
            ok = sign * (reached - target) >= 0
            if not math.isnan(rrange):
                # the travel is measured from the member's rest, or from the attempt's own start
                # when that lies further back (coach.attempts: _base)
                base = target - sign * bounded
                lines.append(f"  Count point {_fmt(target)} {mu} = {_fmt(base)} {mu} "
                             + ("(your rest)" if not math.isnan(rest) and abs(base - rest) < 1e-6 * max(1, abs(rest))
                                else "(this attempt's start, further back than your rest)" if not math.isnan(rest)
                                else "(this attempt's start)")
                             + f" {'+' if sign > 0 else '-'} {_fmt(bounded)} {mu}")
            lines.append(f"  Reached {_fmt(reached)} {mu}; the count point was {_fmt(target)} {mu} ({word}): "
                         + ("reached" if ok else f"short by {_fmt(abs(reached - target))} {mu}"))
            if not ok and not math.isnan(rrange) and rrange > 0:
                share = sign * (reached - base) / rrange
                if 0 < share < rng.count_at and share * rrange >= rng.min_travel:
                    lines.append(f"  -> it would count with count_at {math.floor(share * 100) / 100:g} or lower "
                                 f"(it travelled {share:.0%} of your range)")
                    data["count_at_to_count"] = math.floor(share * 100) / 100
            elif not ok and math.isnan(rrange):
                got = None if math.isnan(float(ut.rest[k])) else sign * (reached - float(ut.rest[k]))
                if got is not None:
                    lines.append(f"  -> it would count with min_travel {_fmt(got)} or lower")
        if spec.hold is not None:
            v = c.values(measure, unit)
            sel = c.span(a, b)
            cp = ut.count_point
            past = (sign * (v - cp) >= -rng.noise) & sel & ~np.isnan(v) & ~np.isnan(cp)
            held = c.seconds(past)
            lines.append(f"  Hold: past the count point (within noise {rng.noise:g}) for about {held:.2f} s; "
                         "the hold is "
                         f"{ctx_val(c, ('rep', 'hold', 'seconds'), spec.hold.seconds, 's')} in phase {spec.hold.phase}")
            data["held_s"] = round(held, 3)
        lines.append(f"  Return: return_at {ctx_val(c, ('rep', 'range', 'return_at'), rng.return_at)} of the way "
                     f"back to rest closes the attempt; noise {ctx_val(c, ('rep', 'range', 'noise'), rng.noise, mu)} "
                     f"and turn_share {ctx_val(c, ('rep', 'range', 'turn_share'), rng.turn_share)} "
                     "decide what a turn is")
    dur = b - a
    lines.append(f"  Duration {dur:.2f} s: min_rep_s {ctx_val(c, ('rep', 'min_rep_s'), spec.min_rep_s, 's')}, "
                 f"max_rep_s {ctx_val(c, ('rep', 'max_rep_s'), spec.max_rep_s, 's')}")
    data["duration_s"] = round(dur, 3)
    if rng is not None and rng.gate is not None:
        lines.append("  Gate (attempts are followed only while this holds):")
        gl, gd = c.leaf_lines(rng.gate, ("rep", "range", "gate"), a, b, unit, base_t=a)
        lines += gl
        data["gate"] = gd
    if rng is not None and rng.require is not None:
        lines.append("  Require (must be true at least once for the attempt to count):")
        ql, qd = c.leaf_lines(rng.require, ("rep", "range", "require"), a, b, unit)
        lines += ql
        data["require"] = qd
    lines.append("  Phase conditions during the attempt" + (" (with [rep.range] they name the stages the checks "
                                                           "use; the count comes from the range above):"
                                                           if rng is not None else ":"))
    data["phases"] = []
    for i, ph in enumerate(spec.phases):
        hold = ctx_val(c, ("rep", "phases", i, "hold_s"), ph.hold_s, "s")
        lines.append(f"   phase {ph.name} (entered when this holds for {hold}):")
        pl, pd = c.leaf_lines(ph.enter, ("rep", "phases", i, "enter"), a, b, unit, indent="      ")
        lines += pl
        data["phases"].append({"name": ph.name, "conditions": pd})
    if d.faults:
        lines.append(f"  Form faults seen on this rep: {', '.join(d.faults)} (see `coach explain --cue`)")
    return Explanation(tuple(lines), data, (a, b), unit, n)


def ctx_val(c: _Ctx, path: tuple, value: Any, unit: str = "") -> str:
    return c.setting(path, value, unit)


# ------------------------------------------------------------------------------ cues

def explain_cue(result: ReplayResult, t: float) -> Explanation:
    """Why the cue nearest ``t`` seconds fired: its check, the values against the thresholds,
    for_s and cooldown_s (with the previous cue of the same check)."""
    from .errors import UsageError
    c = _Ctx(result)
    cues = result.summary.cues
    if not cues:
        raise UsageError("this replay gave no cues")
    cue = min(cues, key=lambda q: abs(q.t_s - t))
    if abs(cue.t_s - t) > CUE_PICK_S:
        near = ", ".join(f"{q.t_s:.2f}" for q in sorted(cues, key=lambda q: abs(q.t_s - t))[:5])
        raise UsageError(f"no cue within {CUE_PICK_S:g} s of {t:g} s; the nearest are at {near} s")
    ct, src = cue.t_s, cue.check
    lines = [f"Cue at {ct:.2f} s from {src} ({cue.severity}): \"{cue.message}\""]
    data: dict[str, Any] = {"cue": cue.to_json(), "rules": c.rt.display}
    # the attempt under way when it fired (or just decided)
    details = result.summary.reps_detail
    around = [i for i, d in enumerate(details) if d.start_s - 1e-6 <= ct <= d.end_s + 1.0]
    att = around[-1] + 1 if around else None
    if src == "rep" and att is not None:
        lines.append("  A rep cue: said because an attempt did not count. That attempt:")
        rep = explain_rep(result, att)
        return Explanation(tuple(lines) + tuple("  " + ln for ln in rep.lines), {**data, "attempt": rep.data},
                           rep.focus, rep.unit, att)
    idx = next((i for i, ch in enumerate(c.ex.checks) if ch.id == src), None)
    if idx is None:
        why = {"praise": f"praise after clean reps in a row: praise_every "
                         f"{c.setting(('feedback', 'praise_every'), c.ex.feedback.praise_every, 'reps')}",
               "view": "the camera view is not one the rule file trusts "
                       f"(views {list(c.ex.views)} [{c.rt.where(('exercise', 'views'))}]) for longer than "
                       "view.wrong_for_s in calibration/pipeline.toml",
               "setup": "landmarks the exercise needs were out of view or below min_visibility "
                        f"{c.setting(('exercise', 'min_visibility'), c.ex.min_visibility)} for longer than "
                        "setup.missing_for_s in calibration/pipeline.toml"}.get(src, "a message of the coach itself")
        lines.append(f"  Why: {why}")
        return Explanation(tuple(lines), data, (ct - 2, ct + 1), "", att)
    ch = c.ex.checks[idx]
    base = ("checks", idx)
    unit = (details[att - 1].side or "") if att else ""
    prev = [q.t_s for q in cues if q.check == src and q.t_s < ct - 1e-9]
    lines.append(f"  Check '{ch.id}' [{c.rt.where(base + ('id',))}], scope {ch.scope}"
                 + (f", during phases {', '.join(ch.during)} [{c.rt.where(base + ('during',))}]" if ch.during else ""))
    phase = None
    if c.tr.units:
        k = int(np.clip(np.searchsorted(c.tr.times, ct - 1e-9), 0, len(c.tr.times) - 1))
        phase = c.tr.units.get(unit, next(iter(c.tr.units.values()))).phase[k]
    lines.append("  Good form expected (a cue when it is not met):")
    start = details[att - 1].start_s if att else None
    if ch.scope == "frame":
        a = ct - ch.for_s - 0.5
        ll, ld = c.leaf_lines(ch.expect, base + ("expect",), a, ct, unit, base_t=start)
        lines += ll
        lines.append(f"  It must fail for for_s {c.setting(base + ('for_s',), ch.for_s, 's')} before a cue "
                     f"(values above: the {ct - a:.2f} s before the cue); phase at the cue: {phase or 'unknown'}")
    else:
        a, b = (details[att - 1].start_s, details[att - 1].end_s) if att else (ct - 3, ct)
        ll, ld = c.leaf_lines(ch.expect, base + ("expect",), a, b, unit, base_t=a)
        lines += ll
        lines.append(f"  A rep check: judged once when the rep ended ({a:.2f}-{b:.2f} s)")
    data["conditions"] = ld
    cd = ch.cooldown_s
    if prev:
        gap = ct - prev[-1]
        lines.append(f"  Cooldown {c.setting(base + ('cooldown_s',), cd, 's')}: the previous '{src}' cue was at "
                     f"{prev[-1]:.2f} s, {gap:.2f} s earlier")
    else:
        lines.append(f"  Cooldown {c.setting(base + ('cooldown_s',), cd, 's')}: first '{src}' cue of the session")
    lines.append(f"  Severity {c.setting(base + ('severity',), ch.severity)} (a higher one said at the same time wins)")
    lines.append("  -> to make it fire less: loosen the threshold(s) above or raise for_s; to repeat it less: "
                 "raise cooldown_s")
    data.update(check=src, for_s=ch.for_s, cooldown_s=cd, previous_t_s=prev[-1] if prev else None, phase=phase)
    return Explanation(tuple(lines), data, (ct - max(ch.for_s, 1.0) - 1.0, ct + 1.0), unit, att)


# ------------------------------------------------------------------------------ plot

def plot_trace(result: ReplayResult, path: str, focus: Optional[Explanation] = None) -> str:
    """The primary measure over time (zoomed to the explained attempt or cue, PLOT_MARGIN_S on
    each side) with the count point, rest, the phase thresholds on that measure, the attempts
    and the cues; saved as PNG at ``path``. Returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    c = _Ctx(result)
    ex, tr = c.ex, c.tr
    unit = focus.unit if focus else ""
    ut = tr.units.get(unit) or next(iter(tr.units.values()))
    measure = next((m for m in reversed(ut.measure) if m), "") or (ex.rep.range.measure if ex.rep.range else
                                                                  next(iter(sorted(ex.rep.phases[0].enter.measures()))))
    mu = ex.measures[measure].unit
    t = tr.times
    v = c.values(measure, unit)
    lo, hi = (float(t[0]), float(t[-1])) if len(t) else (0.0, 1.0)
    if focus is not None:
        lo, hi = max(lo, focus.focus[0] - PLOT_MARGIN_S), min(hi, focus.focus[1] + PLOT_MARGIN_S)
    fig, ax = plt.subplots(figsize=(10, 4.2), dpi=110)
    ax.plot(t, v, color="#1f4e79", lw=1.6, label=f"{measure} ({mu})")
    if not np.all(np.isnan(ut.count_point)):
        ax.plot(t, ut.count_point, color="#c55a11", lw=1.2, ls="--", drawstyle="steps-post", label="count point")
    if not np.all(np.isnan(ut.rest)):
        ax.plot(t, ut.rest, color="#7f7f7f", lw=1.0, ls=":", drawstyle="steps-post", label="your rest")
    levels: list[float] = []
    for i, ph in enumerate(ex.rep.phases):
        for leaf, p in _leaves(ph.enter, ("rep", "phases", i, "enter")):
            if leaf.kind != "threshold" or leaf.measure != measure:
                continue
            for val in (leaf.above, leaf.below):
                if val is not None:
                    ln = c.rt.line(p)
                    ax.axhline(val, color="#548235", lw=0.8, alpha=0.7)
                    ax.text(lo, val, f" enter {ph.name}: {'above' if val == leaf.above else 'below'} {val:g} "
                            f"(line {ln})", va="bottom", fontsize=7, color="#548235", clip_on=True)
                    levels.append(val)
    for i, d in enumerate(result.summary.reps_detail, 1):
        if (d.side or "") != unit or d.end_s < lo or d.start_s > hi:
            continue
        color = "#70ad47" if d.counted else "#e06666"
        strong = focus is not None and focus.attempt == i
        ax.axvspan(d.start_s, d.end_s, color=color, alpha=0.35 if strong else 0.15, lw=0)
        ax.text((d.start_s + d.end_s) / 2, 0.98, f"attempt {i}" + ("" if d.counted else ": not counted"),
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=7, clip_on=True,
                color="#375623" if d.counted else "#990000", fontweight="bold" if strong else "normal")
    for q in result.summary.cues:
        if lo <= q.t_s <= hi:
            ax.axvline(q.t_s, color="#7030a0", lw=0.8, ls="-.")
            ax.text(q.t_s, 0.02, f" {q.check}", rotation=90, transform=ax.get_xaxis_transform(), fontsize=7,
                    color="#7030a0", va="bottom", clip_on=True)
    ax.set_xlim(lo, hi)
    sel = (t >= lo) & (t <= hi) & ~np.isnan(v)
    if sel.any():
        ys = [v[sel]] + [a[sel & ~np.isnan(a)] for a in (ut.count_point, ut.rest)]
        ys = np.concatenate([y for y in ys if y.size])
        y0, y1 = float(ys.min()), float(ys.max())
        span = max(y1 - y0, 1e-6)
        near = [x for x in levels if y0 - span <= x <= y1 + span]  # thresholds close to the data
        y0, y1 = min([y0] + near), max([y1] + near)
        pad = 0.12 * max(y1 - y0, 1e-6)
        ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_xlabel("time in the recording (s)")
    ax.set_ylabel(f"{measure} ({mu})")
    title = f"{ex.id} v{ex.version}" + (f" - {unit} side" if unit else "")
    if focus is not None and focus.lines:
        title += f"\n{focus.lines[0][:110]}"
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _with_profile(result) -> str:
    personal = result.summary.personal
    return ", with your profile" if personal is not None and personal.from_profile else ""
