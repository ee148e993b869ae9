"""Rule-file loader: tomllib -> validated ``Exercise``, reporting EVERY problem at once as
``file:line:col: what was expected, what was found (did you mean ...?)``.

Rule files are data: nothing here evaluates expressions or imports anything named in a file.
"""
from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import RuleFileError
from ..landmarks import NAMES, is_valid_name
from ..limits import MAX_NESTING, TextFileProblem, read_text, toml_nesting
from ..types import View
from . import schema as S
from .tomlpos import Path as KeyPath
from .tomlpos import did_you_mean, key_positions, syntax_error, value_position

_LANDMARK_WORDS = sorted(set(NAMES) | {n.replace("left_", "{side}_") for n in NAMES if n.startswith("left_")}
                         | {n.replace("left_", "{other}_") for n in NAMES if n.startswith("left_")})


def _found(v: Any) -> str:
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, (int, float)):
        return f"the number {v}"
    if isinstance(v, str):
        return f'the string "{v[:40]}"'
    if isinstance(v, list):
        return f"a list of {len(v)} item{'s' if len(v) != 1 else ''}"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _section_label(path: KeyPath) -> str:
    parts = [p for p in path if isinstance(p, str)]
    return "[" + ".".join(parts) + "]" if parts else "the top level"


class _Ctx:
    """Collects problems with positions for one file."""

    def __init__(self, filename: str, text: str):
        self.filename = filename
        self.positions = key_positions(text)
        self.problems: list[tuple[int, int, str]] = []

    def add(self, path: KeyPath, message: str) -> None:
        pos = value_position(self.positions, path)
        line, col = (pos.line, pos.col) if pos else (1, 1)
        self.problems.append((line, col, message))

    def formatted(self) -> list[str]:
        return [f"{self.filename}:{line}:{col}: {m}" for line, col, m in sorted(set(self.problems))]


# ------------------------------------------------------------------ generic key validation

def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_value(ctx: _Ctx, path: KeyPath, key: S.Key, v: Any) -> Any:
    """Validate one value against its Key; returns the cleaned value or None on a problem."""
    name = path[-1]
    unit = f" ({key.unit})" if key.unit and key.unit not in ("measure's unit",) else ""
    t = key.type
    if t == "int":
        if not isinstance(v, int) or isinstance(v, bool):
            return ctx.add(path, f"'{name}' expects a whole number{unit}, found {_found(v)}")
    elif t == "number":
        if not _is_number(v):
            return ctx.add(path, f"'{name}' expects a number{unit}, found {_found(v)}")
        v = float(v)
    elif t == "string":
        if not isinstance(v, str):
            return ctx.add(path, f"'{name}' expects a string, found {_found(v)}")
    elif t == "text":
        if isinstance(v, str):
            v = {"en": v}
        elif isinstance(v, dict):
            bad = [k for k, s in v.items() if k not in S.LANGUAGES or not isinstance(s, str)]
            for k in bad:
                hint = did_you_mean(k, S.LANGUAGES)
                ctx.add(path + (k,), f"'{name}.{k}': expected a language ({', '.join(S.LANGUAGES)}) with a "
                        f"string, found {_found(v[k])} under '{k}'" + (f" (did you mean '{hint}'?)" if hint else ""))
            if "en" not in v and v:
                ctx.add(path, f"'{name}' needs an English text: add en = \"...\"")
            if bad or "en" not in v:
                return None
        else:
            return ctx.add(path, f"'{name}' expects a string or a table of languages, found {_found(v)}")
    elif t in ("strings", "landmarks"):
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            return ctx.add(path, f"'{name}' expects a list of strings, found {_found(v)}")
        ok = True
        for i, s in enumerate(v):
            if t == "landmarks" and not is_valid_name(s):
                hint = did_you_mean(s, _LANDMARK_WORDS)
                ctx.add(path + (i,), f"'{name}': expected a landmark name, found \"{s}\""
                        + (f" (did you mean '{hint}'?)" if hint else ""))
                ok = False
            elif key.choices and s not in key.choices:
                hint = did_you_mean(s, key.choices)
                ctx.add(path + (i,), f"'{name}': expected one of {', '.join(map(str, key.choices))}, found \"{s}\""
                        + (f" (did you mean '{hint}'?)" if hint else ""))
                ok = False
        if not ok:
            return None
        v = tuple(v)
    elif t == "pair":
        if not (isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)):
            return ctx.add(path, f"'{name}' expects two numbers [low, high]{unit}, found {_found(v)}")
        if v[0] > v[1]:
            return ctx.add(path, f"'{name}' expects [low, high] with low <= high, found [{v[0]}, {v[1]}]")
        v = (float(v[0]), float(v[1]))
    elif t in ("table", "condition", "measures"):
        if not isinstance(v, dict):
            return ctx.add(path, f"'{name}' expects a table, found {_found(v)}")
    elif t in ("tables", "conditions"):
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            return ctx.add(path, f"'{name}' expects a list of tables, found {_found(v)}")
    if key.choices and t in ("string", "int") and v not in key.choices:
        hint = did_you_mean(str(v), [str(c) for c in key.choices])
        return ctx.add(path, f"'{name}' expects one of {', '.join(map(str, key.choices))}, found {_found(v)}"
                       + (f" (did you mean '{hint}'?)" if hint else ""))
    if key.minimum is not None and t in ("int", "number") and v < key.minimum:
        return ctx.add(path, f"'{name}' expects a value >= {key.minimum:g}{unit}, found {v:g}")
    if key.maximum is not None and t in ("int", "number") and v > key.maximum:
        return ctx.add(path, f"'{name}' expects a value <= {key.maximum:g}{unit}, found {v:g}")
    return v


def _table(ctx: _Ctx, data: dict[str, Any], path: KeyPath, section: str) -> dict[str, Any]:
    """Check keys of one table against SECTIONS[section]; returns cleaned values (None for bad)."""
    keys = S.SECTIONS[section]
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k not in keys:
            hint = did_you_mean(k, keys)
            ctx.add(path + (k,), f"unknown key '{k}' in {_section_label(path)}: expected one of "
                    f"{', '.join(keys)}" + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        out[k] = _check_value(ctx, path + (k,), keys[k], v)
    for k, key in keys.items():
        if k not in data:
            if key.required:
                ctx.add(path, f"{_section_label(path)} is missing required key '{k}': {key.doc}")
                out[k] = None
            else:
                out[k] = key.default
    return out


# ------------------------------------------------------------------------- conditions

def _condition(ctx: _Ctx, data: Any, path: KeyPath, measures: Mapping[str, S.MeasureSpec],
               allowed: tuple[str, ...]) -> Optional[S.Condition]:
    """Validate a condition; ``allowed`` lists the kinds permitted where it appears."""
    if not isinstance(data, dict):
        return None
    c = _table(ctx, data, path, "condition")
    given = {k for k in data if k in S.SECTIONS["condition"]}
    if any(c.get(k) is None for k in given) or len(given) < len(data):
        return None  # already reported (a bad value or an unknown key): say nothing twice
    for group in S.GROUPS:
        if group in given:
            if given != {group}:
                ctx.add(path, f"'{group}' must stand alone in its condition, found also "
                        f"{', '.join(sorted(given - {group}))}")
                return None
            if group not in allowed:
                return None
            if not data[group]:
                ctx.add(path + (group,), f"'{group}' expects at least one condition, found an empty list")
                return None
            kids = [_condition(ctx, d, path + (group, i), measures, allowed) for i, d in enumerate(data[group])]
            valid = [k for k in kids if k is not None]
            return None if len(valid) < len(kids) else S.Condition(kind=group, children=tuple(valid))
    if "phase" in given:
        extra = given - {"phase", "min_duration_s", "max_duration_s"}
        if extra:
            ctx.add(path, "a phase-duration condition takes only phase, min_duration_s, max_duration_s; found "
                    f"{', '.join(sorted(extra))}")
            return None
        if not given & {"min_duration_s", "max_duration_s"}:
            ctx.add(path, "a phase-duration condition needs min_duration_s or max_duration_s")
            return None
        if "duration" not in allowed:
            ctx.add(path, "phase-duration conditions are allowed only in checks with scope = \"rep\"")
            return None
        return S.Condition(kind="duration", phase=c["phase"], min_duration_s=c["min_duration_s"],
                           max_duration_s=c["max_duration_s"])
    if "measure" not in given:
        ctx.add(path, "a condition needs 'measure' (with above/below/between/max_drift), 'phase' "
                "(with min_duration_s), 'all', 'any' or 'all_seen'")
        return None
    m = c["measure"]
    if m not in measures:
        hint = did_you_mean(m, measures)
        ctx.add(path + ("measure",), f"unknown measure \"{m}\": expected one of "
                f"{', '.join(measures) or '(none defined)'}"
                + (f" (did you mean '{hint}'?)" if hint else ""))
        return None
    tests = given & {"above", "below", "between", "max_drift"}
    if not _degrees_ok(ctx, path, measures[m], {k: c[k] for k in tests}):
        return None
    if not tests:
        ctx.add(path, f"the condition on \"{m}\" needs above, below, between or max_drift")
        return None
    if "between" in tests and tests & {"above", "below"}:
        ctx.add(path, "use either between or above/below, not both")
        return None
    if "max_drift" in tests:
        if tests != {"max_drift"} or "stat" in given:
            ctx.add(path, "max_drift stands alone: it is not combined with above/below/between/stat")
            return None
        if "drift" not in allowed:
            ctx.add(path, "max_drift is allowed only in checks, not in phase 'enter' conditions")
            return None
        return S.Condition(kind="drift", measure=m, max_drift=c["max_drift"])
    above, below = c["above"], c["below"]
    if "between" in tests:
        above, below = c["between"]
    if above is not None and below is not None and above >= below:
        ctx.add(path, f"above ({above:g}) must be lower than below ({below:g}): no value could satisfy both")
        return None
    if "stat" in given:
        if "stat" not in allowed:
            ctx.add(path + ("stat",), "'stat' is allowed only in checks with scope = \"rep\"")
            return None
        return S.Condition(kind="stat", measure=m, stat=c["stat"], above=above, below=below)
    if "threshold" not in allowed:
        ctx.add(path, f"in a rep-scope check, say which statistic of \"{m}\" over the rep to test: add stat = "
                "\"min\", \"max\", \"mean\" or \"range\"")
        return None
    return S.Condition(kind="threshold", measure=m, above=above, below=below)


def _degrees_ok(ctx: _Ctx, path: KeyPath, spec: S.MeasureSpec, values: Mapping[str, Any]) -> bool:
    """Values of a measure in degrees (angles, inclinations, their left-right differences) must
    lie in -MAX_DEGREES..MAX_DEGREES: a threshold of 250 deg can never be met (a slip for 25?)."""
    if spec.unit != "deg":
        return True
    ok = True
    for key, v in values.items():
        for x in (v if isinstance(v, tuple) else (v,)):
            if x is not None and not (-S.MAX_DEGREES <= x <= S.MAX_DEGREES):
                ctx.add(path + (key,), f"'{key}' on \"{spec.name}\" (degrees) expects values from "
                        f"-{S.MAX_DEGREES:g} to {S.MAX_DEGREES:g} deg, found {x:g}")
                ok = False
    return ok


# ------------------------------------------------------------------------- the file

def _measures(ctx: _Ctx, data: dict[str, Any], path: KeyPath, min_vis: float) -> dict[str, S.MeasureSpec]:
    out: dict[str, S.MeasureSpec] = {}
    for name, spec in data.items():
        p = path + (name,)
        if not isinstance(spec, dict):
            ctx.add(p, f"measure '{name}' expects a table such as {{ joint = [\"{{side}}_shoulder\", "
                    f"\"{{side}}_elbow\", \"{{side}}_wrist\"] }}, found {_found(spec)}")
            continue
        v = _table(ctx, spec, p, "measure")
        kinds = [k for k in S.MEASURE_KINDS if k in spec]
        if len(kinds) != 1:
            ctx.add(p, f"measure '{name}' needs exactly one of {', '.join(S.MEASURE_KINDS)}, found "
                    + (", ".join(kinds) if kinds else "none"))
            continue
        kind = kinds[0]
        if v.get(kind) is None:
            continue
        irrelevant = {"reference": ("inclination",), "normalize": ("distance", "offset"), "axis": ("offset",)}
        bad = [k for k, ok in irrelevant.items() if k in spec and kind not in ok]
        for k in bad:
            ctx.add(p + (k,), f"'{k}' applies only to {' and '.join(irrelevant[k])} measures, not to {kind}")
        if bad:
            continue
        if kind in S.DERIVED_KINDS:
            allowed = {kind, "proxy"} | ({"over_s"} if kind == "speed" else set())
            extra = set(spec) - allowed
            if extra:
                ctx.add(p, f"a {kind} measure takes only {', '.join(sorted(allowed))}, "
                        f"found {', '.join(sorted(extra))}")
                continue
            out[name] = S.MeasureSpec(name=name, kind=kind, of=v[kind], proxy=v["proxy"], over_s=v["over_s"])
            continue
        lms = v[kind]
        if len(lms) != S.MEASURE_ARITY[kind]:
            ctx.add(p + (kind,), f"'{kind}' expects {S.MEASURE_ARITY[kind]} landmarks, found {len(lms)}")
            continue
        if kind == "offset" and v["axis"] == "toward_camera" and v["space"] == "pixel":
            ctx.add(p + ("axis",), "axis = \"toward_camera\" needs space = \"world\" (pixels have no depth)")
            continue
        out[name] = S.MeasureSpec(name=name, kind=kind, landmarks=tuple(lms), space=v["space"],
                                  reference=v["reference"], normalize=v["normalize"], axis=v["axis"],
                                  min_visibility=v["min_visibility"], proxy=v["proxy"])
    for name, m in list(out.items()):  # derived measures: their source must exist (and not be derived)
        if m.kind not in S.DERIVED_KINDS:
            continue
        target = out.get(m.of)
        sided = target is not None and any("{" in lm for lm in target.landmarks)
        if target is None or target.kind in S.DERIVED_KINDS or (m.kind == "left_right" and not sided):
            what = "a measure that uses {side}" if m.kind == "left_right" else "a landmark measure"
            hint = did_you_mean(m.of, [n for n, t in out.items() if t.kind not in S.DERIVED_KINDS])
            ctx.add(path + (name, m.kind), f"{m.kind} expects the name of {what}, found \"{m.of}\""
                    + (f" (did you mean '{hint}'?)" if hint else ""))
            del out[name]
            continue
        out[name] = replace(m, base_unit=target.unit)
    return out


def _parse(ctx: _Ctx, data: dict[str, Any], stem: str) -> Optional[S.Exercise]:
    top = _table(ctx, data, (), "file")
    ex = top.get("exercise")
    ex = _table(ctx, ex, ("exercise",), "exercise") if isinstance(ex, dict) else None
    if ex and ex["id"] is not None and ex["id"] != stem:
        ctx.add(("exercise", "id"), f"id must equal the file name '{stem}', found \"{ex['id']}\"")
    min_vis = (ex or {}).get("min_visibility") or 0.5
    measures = _measures(ctx, top["measures"], ("measures",), min_vis) if isinstance(top.get("measures"), dict) else {}
    rep = None
    if isinstance(top.get("rep"), dict):
        rep = _rep(ctx, top["rep"], measures)
    checks = []
    if isinstance(top.get("checks"), list):
        phases = [p.name for p in rep.phases] if rep else []
        seen: set[str] = set()
        for i, cd in enumerate(top["checks"]):
            chk = _check(ctx, cd, ("checks", i), measures, phases)
            if chk is not None:
                if chk.id in seen:
                    ctx.add(("checks", i, "id"), f"check id \"{chk.id}\" is used twice: ids must be unique")
                seen.add(chk.id)
                checks.append(chk)
    fb = top.get("feedback")
    fb = _table(ctx, fb, ("feedback",), "feedback") if isinstance(fb, dict) else {"praise": {}, "praise_every": 3}
    if ex and ex.get("display") and ex["display"] not in measures:
        hint = did_you_mean(ex["display"], measures)
        ctx.add(("exercise", "display"), f"display expects a measure name, found \"{ex['display']}\""
                + (f" (did you mean '{hint}'?)" if hint else ""))
    if ctx.problems or ex is None or rep is None:
        return None
    return S.Exercise(
        id=ex["id"], name=ex["name"], version=ex["version"], views=ex["views"], side=ex["side"],
        landmarks=tuple(ex["landmarks"]), min_visibility=ex["min_visibility"], measures=measures, rep=rep,
        checks=tuple(checks), feedback=S.Feedback(praise=fb["praise"] or {}, praise_every=fb["praise_every"]),
        display=ex["display"] or next(iter(sorted(rep.phases[0].enter.measures())), ""),
        description=ex["description"] or {}, notes=ex["notes"], reviewed_by=tuple(ex["reviewed_by"]))


def _rep(ctx: _Ctx, data: dict[str, Any], measures: Mapping[str, S.MeasureSpec]) -> Optional[S.RepSpec]:
    r = _table(ctx, data, ("rep",), "rep")
    phases: list[S.Phase] = []
    ok = True
    given_phases = data.get("phases")
    raw_phases = given_phases if isinstance(given_phases, list) else []
    for i, pd in enumerate(raw_phases):
        if not isinstance(pd, dict):
            ok = False
            continue
        p = _table(ctx, pd, ("rep", "phases", i), "phase")
        cond = _condition(ctx, pd.get("enter"), ("rep", "phases", i, "enter"), measures,
                          ("threshold", *S.GROUPS)) if "enter" in pd else None
        if cond is None or p["name"] is None or p["hold_s"] is None:
            ok = False
            continue
        if p["name"] in [q.name for q in phases]:
            ctx.add(("rep", "phases", i, "name"), f"phase name \"{p['name']}\" is used twice")
            ok = False
        phases.append(S.Phase(name=p["name"], enter=cond, hold_s=p["hold_s"]))
    if isinstance(data.get("phases"), list) and len(data["phases"]) < 2:
        ctx.add(("rep", "phases"), f"a rep needs at least 2 phases, found {len(data['phases'])}")
        ok = False
    names = [p.name for p in phases]
    if r["incomplete_from"] and r["incomplete_from"] not in names[1:]:
        hint = did_you_mean(r["incomplete_from"], names[1:])
        ctx.add(("rep", "incomplete_from"),
                f"incomplete_from expects a phase after the first ({', '.join(names[1:])}), "
                f"found \"{r['incomplete_from']}\"" + (f" (did you mean '{hint}'?)" if hint else ""))
        ok = False
    if r["min_rep_s"] is not None and r["max_rep_s"] is not None and r["min_rep_s"] >= r["max_rep_s"]:
        ctx.add(("rep", "max_rep_s"),
                f"max_rep_s ({r['max_rep_s']:g} s) must be longer than min_rep_s ({r['min_rep_s']:g} s)")
        ok = False
    hold = None
    if isinstance(data.get("hold"), dict):
        h = _table(ctx, data["hold"], ("rep", "hold"), "hold")
        if h["phase"] is not None and h["phase"] not in names[1:]:
            hint = did_you_mean(h["phase"], names[1:])
            ctx.add(("rep", "hold", "phase"), f"hold.phase expects a phase after the first ({', '.join(names[1:])}), "
                    f"found \"{h['phase']}\"" + (f" (did you mean '{hint}'?)" if hint else ""))
            ok = False
        elif h["phase"] is not None and h["seconds"] is not None:
            hold = S.Hold(phase=h["phase"], seconds=h["seconds"], message=h["message"] or {})
        else:
            ok = False
    rng = None
    if isinstance(data.get("range"), dict):
        rng = _range(ctx, data["range"], measures)
        ok = ok and rng is not None
    if not ok or any(r[k] is None for k in ("phases", "min_rep_s", "max_rep_s")):
        return None
    return S.RepSpec(phases=tuple(phases), min_rep_s=r["min_rep_s"], max_rep_s=r["max_rep_s"],
                     incomplete_from=r["incomplete_from"] or names[1], incomplete_message=r["incomplete_message"] or {},
                     hold=hold, range=rng)


def _range(ctx: _Ctx, data: dict[str, Any], measures: Mapping[str, S.MeasureSpec]) -> Optional[S.RangeSpec]:
    path = ("rep", "range")
    g = _table(ctx, data, path, "range")
    ok = True
    m = g["measure"]
    if m is not None and m not in measures:
        hint = did_you_mean(m, measures)
        ctx.add(path + ("measure",), f"'measure' expects a measure defined in [measures], found \"{m}\""
                + (f" (did you mean '{hint}'?)" if hint else ""))
        ok = False
    if m in measures and not _degrees_ok(ctx, path, measures[m], {k: g[k] for k in ("min_travel", "max_travel",
                                                                                 "noise") if g.get(k) is not None}):
        ok = False
    by_view: dict[View, str] = {}
    for view, name in (g["by_view"] or {}).items():
        if view not in S.VIEWS:
            hint = did_you_mean(view, S.VIEWS)
            ctx.add(path + ("by_view", view), f"'by_view' expects camera views ({', '.join(S.VIEWS)}), found "
                    f"\"{view}\"" + (f" (did you mean '{hint}'?)" if hint else ""))
            ok = False
        elif not isinstance(name, str) or name not in measures:
            hint = did_you_mean(str(name), measures)
            ctx.add(path + ("by_view", view), f"'by_view.{view}' expects a measure defined in [measures], found "
                    f"{_found(name)}" + (f" (did you mean '{hint}'?)" if hint else ""))
            ok = False
        else:
            by_view[view] = name
    fb = g["fallback"] or ""
    if fb and fb not in measures:
        hint = did_you_mean(fb, measures)
        ctx.add(path + ("fallback",), f"'fallback' expects a measure defined in [measures], found \"{fb}\""
                + (f" (did you mean '{hint}'?)" if hint else ""))
        ok = False
    gate = None
    if "gate" in data:
        gate = _condition(ctx, data["gate"], path + ("gate",), measures, ("threshold", "drift", *S.GROUPS))
        ok = ok and gate is not None
    require = None
    if "require" in data:
        require = _condition(ctx, data["require"], path + ("require",), measures, ("threshold", *S.GROUPS))
        ok = ok and require is not None
    if (g["max_travel"] and g["min_travel"] is not None and g["max_travel"] < g["min_travel"]):
        ctx.add(path + ("max_travel",), f"max_travel ({g['max_travel']:g}) must be 0 (no bound) or at least "
                f"min_travel ({g['min_travel']:g})")
        ok = False
    if not ok or any(g[k] is None for k in ("measure", "toward", "min_travel", "max_travel", "count_at",
                                             "return_at", "noise", "turn_share", "short_message",
                                             "return_message", "require_message")):
        return None
    return S.RangeSpec(measure=m, by_view=by_view, fallback=fb, toward=g["toward"], min_travel=g["min_travel"],
                       max_travel=g["max_travel"],
                       count_at=g["count_at"], return_at=g["return_at"], noise=g["noise"],
                       turn_share=g["turn_share"], gate=gate, require=require, short_message=g["short_message"] or {},
                       return_message=g["return_message"] or {}, require_message=g["require_message"] or {})


def _check(ctx: _Ctx, data: dict[str, Any], path: KeyPath, measures: Mapping[str, S.MeasureSpec],
           phases: list[str]) -> Optional[S.Check]:
    c = _table(ctx, data, path, "check")
    scope = c["scope"]
    allowed = ("threshold", "drift", *S.GROUPS) if scope == "frame" else ("stat", "drift", "duration", *S.GROUPS)
    cond = _condition(ctx, data.get("expect"), path + ("expect",), measures, allowed) if "expect" in data else None
    for i, ph in enumerate(c["during"] or ()):
        if phases and ph not in phases:
            hint = did_you_mean(ph, phases)
            ctx.add(path + ("during", i), f"'during' expects phase names ({', '.join(phases)}), found \"{ph}\""
                    + (f" (did you mean '{hint}'?)" if hint else ""))
            return None
    if cond is not None and phases:
        for dur in _walk(cond):
            if dur.kind == "duration" and dur.phase not in phases:
                hint = did_you_mean(dur.phase, phases)
                ctx.add(path + ("expect",), f"phase expects one of {', '.join(phases)}, found \"{dur.phase}\""
                        + (f" (did you mean '{hint}'?)" if hint else ""))
                return None
    if scope == "rep" and "during" in data:
        ctx.add(path + ("during",), "'during' applies only to frame checks; a rep check is judged once per rep")
        return None
    if cond is None or any(c[k] is None for k in ("id", "message", "scope", "severity", "for_s", "cooldown_s")):
        return None
    return S.Check(id=c["id"], expect=cond, message=c["message"], scope=scope, during=tuple(c["during"] or ()),
                   for_s=c["for_s"], severity=c["severity"], voice=c["voice"] or {}, cooldown_s=c["cooldown_s"],
                   min_visibility=c["min_visibility"], views=tuple(c["views"] or ()))


def _walk(cond: S.Condition) -> Iterable[S.Condition]:
    yield cond
    for ch in cond.children:
        yield from _walk(ch)


# ------------------------------------------------------------------------- public API

def parse_text(text: str, filename: str = "<rules>",
               stem: Optional[str] = None) -> tuple[Optional[S.Exercise], list[str]]:
    """Parse and validate one rule file's text. Returns (exercise or None, problems)."""
    stem = stem if stem is not None else Path(filename).stem
    data, problems = parse_toml(text, filename)
    if problems or data is None:  # parse_toml gives a table exactly when it has no problems
        return None, problems
    ctx = _Ctx(filename, text)
    try:
        ex = _parse(ctx, data, stem)
    except RecursionError:  # not reachable after the nesting limit; kept as a last guard
        return None, [f"{filename}:1:1: conditions are nested too deeply"]
    if ctx.problems:
        return None, ctx.formatted()
    assert ex is not None, "_parse returns None only after reporting a problem"
    return replace(ex, path=filename), []


def parse_toml(text: str, filename: str) -> tuple[Optional[dict[str, Any]], list[str]]:
    """tomllib, guarded: nesting past limits.MAX_NESTING and syntax errors become positioned
    problems (``file:line:col: ...``) instead of RecursionError or a bare message."""
    deep = toml_nesting(text)
    if deep is not None:
        return None, [f"{filename}:{deep[0]}:{deep[1]}: nested deeper than {MAX_NESTING} levels "
                      "(arrays and tables inside each other): not a file the coach accepts"]
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        line, col, msg = syntax_error(exc, text)
        return None, [f"{filename}:{line}:{col}: not valid TOML: {msg}"]
    except RecursionError:  # pragma: no cover - the nesting check comes first
        return None, [f"{filename}:1:1: nested too deeply"]


def read_toml_file(path: Path, what: str) -> str:
    """The text of a TOML file the coach reads (rule file, profile, calibration file), within
    coach.limits (size, a regular file, UTF-8); RuleFileError with one positioned line."""
    try:
        return read_text(path)
    except FileNotFoundError:
        raise RuleFileError([f"{path}: no such {what}"]) from None
    except TextFileProblem as exc:
        raise RuleFileError([exc.where(str(path))]) from None
    except OSError as exc:
        raise RuleFileError([f"{path}: cannot read {what} ({exc.strerror or exc.__class__.__name__})"]) from None


def load_exercise(path: str | Path) -> S.Exercise:
    """Load one rule file; raises RuleFileError listing every problem."""
    path = Path(path)
    text = read_toml_file(path, "rule file")
    ex, problems = parse_text(text, str(path), path.stem)
    if problems:
        raise RuleFileError(problems)
    assert ex is not None
    return ex


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their *.toml files (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
    return out


def check_files(paths: Iterable[str | Path]) -> list[str]:
    """Every problem in every file (empty list = all valid)."""
    problems: list[str] = []
    for f in rule_files(paths):
        try:
            load_exercise(f)
        except RuleFileError as e:
            problems.extend(e.problems)
    return problems
