"""`coach report`: one session of the store as one self-contained HTML file.

Everything is inline: CSS, and the charts as SVG drawn by matplotlib (Agg backend, no display);
no script runs and nothing (font, image, style) is fetched, so the file opens offline and can be mailed to a therapist.

What it shows, per step of the routine (an exercise, or one side of it): the sets (target,
counted, why each set ended), attempts and counted reps, why attempts did not count, range of
motion per attempt against the target band, tempo (seconds per attempt), hold times, cues
with counts, and a form score; and for the session: pain before and after, the stop
suggestions, the safety notes, and what produced the numbers (app, model, rule files with
versions and hashes). ``report_data`` computes every number from the store's rows (pure);
``render_html`` only formats them.

Form score (per step): ``100 x clean reps / attempts``, where attempts are every attempt of
the step's side (counted or not) and a clean rep is a counted rep none of whose form checks
failed. 100 means every attempt counted with clean form.
"""
from __future__ import annotations

import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from .care import pain_advice
from .care import t as ct
from .rules.schema import text

FORM_SCORE_DOC = {
    "en": "Form score = 100 × clean reps ÷ attempts. An attempt is every rep the coach saw you start; a clean "
          "rep counted with no form check failing.",
    "es": "Puntuación de técnica = 100 × repeticiones limpias ÷ intentos. Un intento es cada repetición que el "
          "coach te vio empezar; una limpia contó sin que fallara ningún control de técnica.",
}

LABELS = {
    "en": {"title": "Session report", "pain": "Pain", "before": "before", "after": "after", "not_asked": "not given",
           "sets": "Sets", "attempts": "Attempts", "counted": "Counted reps", "clean": "Clean reps",
           "score": "Form score", "target": "Target", "ended": "Ended", "why_not": "Not counted", "cues": "Cues",
           "rom": "Range of motion per attempt", "tempo": "Tempo: seconds per attempt", "hold": "Hold per attempt (s)",
           "safety": "Safety notes", "provenance": "How these numbers were made", "state": "Session",
           "abnormal": "This session did not end normally (the coach was stopped without closing it). Every event "
                       "committed before that is shown.",
           "other_side": "other side", "none": "none", "held": "held", "duration": "Duration",
           "rom_note": "Dots: each attempt's furthest value (filled: counted). Line: the value a rep had to reach; "
                       "band: from there to your full range.",
           "trace": "The movement over time",
           "trace_note": "Line: the measure reps are counted on. Dashed: the point a rep had to reach; dotted: your "
                         "rest; thin green lines: the rule file's phase thresholds. Shaded: each attempt, green if "
                         "it counted, red if not (with why).",
           "trace_none": "Trace not available", "trace_changed": "the rule file has changed since this session: "
                         "the lines are drawn with the file as it is now"},
    "es": {"title": "Informe de la sesión", "pain": "Dolor", "before": "antes", "after": "después",
           "not_asked": "sin dato", "sets": "Series", "attempts": "Intentos", "counted": "Repeticiones contadas",
           "clean": "Repeticiones limpias", "score": "Puntuación de técnica", "target": "Objetivo",
           "ended": "Terminó", "why_not": "No contadas", "cues": "Indicaciones",
           "rom": "Recorrido por intento", "tempo": "Ritmo: segundos por intento", "hold": "Mantenido por intento (s)",
           "safety": "Notas de seguridad", "provenance": "Cómo se obtuvieron estos números", "state": "Sesión",
           "abnormal": "Esta sesión no terminó con normalidad (el coach se detuvo sin cerrarla). Se muestra todo lo "
                       "guardado hasta entonces.",
           "other_side": "otro lado", "none": "ninguna", "held": "mantenido", "duration": "Duración",
           "rom_note": "Puntos: el valor más lejano de cada intento (rellenos: contados). Línea: el valor que debía "
                       "alcanzar una repetición; banda: de ahí a tu recorrido completo.",
           "trace": "El movimiento en el tiempo",
           "trace_note": "Línea: la medida con la que se cuentan las repeticiones. Discontinua: el punto que debía "
                         "alcanzar una repetición; punteada: tu reposo; líneas verdes finas: los umbrales de fase "
                         "del archivo de reglas. Sombreado: cada intento, verde si contó, rojo si no (y por qué).",
           "trace_none": "Gráfico no disponible", "trace_changed": "el archivo de reglas ha cambiado desde esta "
                         "sesión: las líneas se dibujan con el archivo actual"},
}


def _L(lang: str) -> dict:
    return LABELS.get(lang, LABELS["en"])


# ------------------------------------------------------------------------------ numbers

def report_data(rows: dict[str, Any]) -> dict[str, Any]:
    """Every number of the report from a session's store rows (Store.session_rows). Pure."""
    from .store import session_state
    s = rows["session"]
    steps: dict[tuple, dict] = {}
    for st in rows["sets"]:
        key = (st["step_index"], st["exercise_id"], st["side"])
        d = steps.setdefault(key, {"exercise": st["exercise_id"], "side": st["side"], "step": st["step_index"],
                                   "measure": st["measure"], "unit": st["unit"], "sets": [], "set_ids": []})
        d["sets"].append({"number": st["number"], "of": st["of_sets"], "target_reps": st["target_reps"],
                          "target_hold_s": st["target_hold_s"], "reps": st["reps"], "held_s": st["held_s"],
                          "end_reason": st["end_reason"], "started_t": st["started_t"], "ended_t": st["ended_t"]})
        d["set_ids"].append(st["id"])
    out_steps = []
    for d in steps.values():
        ids = set(d.pop("set_ids"))
        mine = [a for a in rows["attempts"] if a["set_id"] in ids and (d["side"] is None or a["side"] == d["side"])]
        other = [a for a in rows["attempts"] if a["set_id"] in ids and d["side"] is not None
                 and a["side"] != d["side"]]
        counted = [a for a in mine if a["counted"]]
        clean = [a for a in counted if not json.loads(a["faults"] or "[]")]
        from .runner import miss_kind
        why = Counter(miss_kind(a["reason"] or "") for a in mine if not a["counted"])
        faults = Counter(f for a in counted for f in json.loads(a["faults"] or "[]"))
        cues = Counter((c["source"], c["message"]) for c in rows["cues"] if c["set_id"] in ids)
        d.update(attempts=len(mine), counted=len(counted), clean=len(clean),
                 score=round(100 * len(clean) / len(mine)) if mine else None,
                 other_side_attempts=len(other), why_not=dict(why), faults=dict(faults),
                 cues=[{"source": k[0], "message": k[1], "count": n} for k, n in cues.most_common()],
                 attempt_rows=[{"t": a["end_t"], "counted": bool(a["counted"]), "reached": a["reached"],
                                "target": a["target"], "rest": a["rest"], "rom": a["rom"], "tempo_s": a["tempo_s"],
                                "hold_s": a["hold_s"]} for a in mine])
        d["rom_mean"] = _mean([a["rom"] for a in counted if a["rom"] is not None])
        d["tempo_mean_s"] = _mean([a["tempo_s"] for a in counted])
        d["hold_mean_s"] = _mean([a["hold_s"] for a in counted if a["hold_s"] is not None])
        out_steps.append(d)
    pains = {p["moment"]: p["score"] for p in rows["pain"]}
    advice = [(e_key, fmt) for e_key, fmt in pain_advice(pains.get("before"), pains.get("after"))]
    return {
        "session": {k: s.get(k) for k in ("id", "uuid", "profile", "routine_id", "routine_version", "routine_sha256",
                                          "started_at", "ended_at", "end_reason", "lang", "app_version", "model",
                                          "sources", "recording_path", "imported_from")},
        "state": session_state(s),
        "duration_s": max([st["ended_t"] or st["started_t"] for st in rows["sets"]], default=0.0),
        "pain": {"before": pains.get("before"), "after": pains.get("after")},
        "stop_suggested": [{"key": k, **f} for k, f in advice],
        "steps": out_steps,
        "rule_files": [{k: r[k] for k in ("exercise_id", "version", "sha256")} for r in rows["rule_files"]],
    }


def _mean(xs) -> Optional[float]:
    xs = [x for x in xs if x is not None]
    return round(sum(xs) / len(xs), 3) if xs else None


# ------------------------------------------------------------------------------ charts

def svg_figure(fig, salt: str) -> str:
    """A matplotlib figure as inline SVG (no XML prolog; ids salted so several figures can share
    one page without clashing)."""
    import matplotlib
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


COUNTED = "#1f77b4"   # matplotlib's first colour: counted attempts and lines
MISSED = "#d62728"    # attempts that did not count
BAND = "#2ca02c"      # the target band


def chart_rom(step: dict, labels: dict, salt: str) -> Optional[str]:
    pts = [a for a in step["attempt_rows"] if a["reached"] is not None]
    if not pts:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 2.6), dpi=100)
    xs = list(range(1, len(pts) + 1))
    for x, a in zip(xs, pts):
        ax.plot([x], [a["reached"]], "o", ms=8, color=COUNTED if a["counted"] else MISSED,
                mfc=COUNTED if a["counted"] else "white", mew=2)
    targets = [a["target"] for a in pts if a["target"] is not None]
    full = [a["reached"] for a in pts if a["counted"]]  # the member's full range: their counted reps' median
    if targets:
        tgt = targets[-1]
        ax.step([0.5] + [x + 0.5 for x in xs], [pts[0]["target"] or tgt] + [a["target"] or tgt for a in pts],
                where="pre", color=BAND, lw=2)
        if full:
            lo, hi = sorted((tgt, sorted(full)[len(full) // 2]))
            ax.axhspan(lo, hi, color=BAND, alpha=0.15, lw=0)
    ax.set_xlim(0.5, len(pts) + 0.5)
    ax.set_xticks(xs)
    ax.set_xlabel(labels["attempts"])
    ax.set_ylabel(f"{step['measure'] or ''} ({step['unit'] or ''})")
    ax.grid(alpha=0.3)
    return svg_figure(fig, salt)


def chart_bars(values: list[Optional[float]], counted: list[bool], ylabel: str, xlabel: str,
               salt: str) -> Optional[str]:
    if not any(v is not None for v in values):
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.2, 2.2), dpi=100)
    xs = list(range(1, len(values) + 1))
    ax.bar(xs, [v or 0 for v in values], color=[COUNTED if c else MISSED for c in counted])
    ax.set_xticks(xs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    return svg_figure(fig, salt)


# ------------------------------------------------------------------------------ trace

# The trace picture per step: PNG (matplotlib Agg) inlined as base64, small enough to mail:
# TRACE_SIZE_IN inches at TRACE_DPI dots per inch (704 x 253 px, about 30-50 kB).
TRACE_SIZE_IN = (6.4, 2.3)
TRACE_DPI = 110
TRACE_LINE = "#1f4e79"   # the measure (darker than COUNTED: the charts' colours stay theirs)
TRACE_POINT = "#c55a11"  # the count point
TRACE_OK = "#2ca02c"     # a counted attempt's span
TRACE_SHORT = "#d62728"  # an attempt that did not count
# The word on an attempt that did not count (coach.runner.miss_kind keys), short enough for the
# picture; the report's "Not counted" line says it in full.
TRACE_WHY = {
    "en": {"short": "short", "return": "no return", "quick": "too quick", "hold": "hold short",
           "paused": "too slow", "other": "not counted"},
    "es": {"short": "corto", "return": "sin volver", "quick": "rápido", "hold": "sin mantener",
           "paused": "lento", "other": "no contó"},
}


def session_traces(store, rows: dict[str, Any], lang: Optional[str] = None) -> dict[tuple, dict]:
    """Per step key (step_index, exercise_id, side): ``{"png": base64 PNG or None, "note": text}``.

    Each set is replayed from the session's landmark recording (coach.session_replay) to get the
    measure over time with the count point and rest as the coach used them; the attempts drawn
    are the ones the store recorded (counted or not, and why). A missing recording or rule file
    gives a note instead of a picture; a rule file changed since the session, a note with it."""
    from .errors import CoachError
    from .library import find_exercise
    from .routine_run import _sha256
    from .session_replay import open_session, replay_part
    out: dict[tuple, dict] = {}
    try:
        sess = open_session(store, str(rows["session"]["id"]))
    except CoachError as e:
        for st in rows["sets"]:
            out[(st["step_index"], st["exercise_id"], st["side"])] = {"png": None, "note": str(e)}
        return out
    parts: dict[tuple, list] = {}
    for part in sess.parts:
        parts.setdefault((part.row["step_index"], part.exercise_id, part.side), []).append(part)
    shas = {r["exercise_id"]: r["sha256"] for r in rows["rule_files"]}
    for key, ps in parts.items():
        try:
            ex = find_exercise(key[1])
            drawn = [(p, replay_part(p, ex, trace=True)) for p in ps]
        except CoachError as e:
            out[key] = {"png": None, "note": str(e)}
            continue
        changed = bool(shas.get(key[1])) and _sha256(ex.path) != shas.get(key[1])
        out[key] = {"png": chart_trace(drawn, rows["attempts"], key[2], lang or rows["session"]["lang"] or "en"),
                    "changed": changed, "note": ""}
    return out


def chart_trace(drawn: list, attempts: list[dict], side: Optional[str], lang: str = "en") -> str:
    """One step's sets side by side: the primary measure over time, the count point (dashed),
    the member's rest (dotted), the phase thresholds on that measure (thin green), and the
    stored attempts shaded (green counted, red not, labelled with why). Base64 PNG."""
    import base64

    import numpy as np

    from .explain import _leaves
    from .runner import miss_kind
    plt = _plt()
    measure = ""
    n = 0  # attempts numbered through the step, as the step's other charts number them
    why = TRACE_WHY.get(lang, TRACE_WHY["en"])
    fig, axes = plt.subplots(1, len(drawn), figsize=TRACE_SIZE_IN, dpi=TRACE_DPI, sharey=True, squeeze=False)
    lo_y, hi_y = float("inf"), float("-inf")
    for ax, (part, result) in zip(axes[0], drawn):
        tr, ex = result.trace, result.exercise
        if tr is None or not len(tr.times):
            continue
        unit = side if side in tr.units else ("" if "" in tr.units else next(iter(tr.units), ""))
        ut = tr.units.get(unit)
        measure = next((m for m in reversed(ut.measure) if m), "") if ut else ""
        measure = measure or (ex.rep.range.measure if ex.rep.range else
                              sorted(ex.rep.phases[0].enter.measures())[0])
        v = tr.values.get(f"{measure}@{unit}" if unit else measure)
        if v is None:
            continue
        t = tr.times
        ax.plot(t, v, color=TRACE_LINE, lw=1.3)
        known = [v[~_nan(v)]]
        if ut is not None and not _nan(ut.count_point).all():
            ax.plot(t, ut.count_point, color=TRACE_POINT, lw=1.0, ls="--", drawstyle="steps-post")
            known.append(ut.count_point[~_nan(ut.count_point)])
        if ut is not None and not _nan(ut.rest).all():
            ax.plot(t, ut.rest, color="#7f7f7f", lw=0.9, ls=":", drawstyle="steps-post")
        ys = np.concatenate([k for k in known if k.size]) if any(k.size for k in known) else np.array([])
        if ys.size:
            y0, y1 = float(ys.min()), float(ys.max())
            lo_y, hi_y = min(lo_y, y0), max(hi_y, y1)
            span = max(y1 - y0, 1e-6)
            for ph in ex.rep.phases:
                for leaf, _ in _leaves(ph.enter, ()):
                    if leaf.kind == "threshold" and leaf.measure == measure:
                        for val in (leaf.above, leaf.below):
                            if val is not None and y0 - 0.25 * span <= val <= y1 + 0.25 * span:
                                ax.axhline(val, color=TRACE_OK, lw=0.6, alpha=0.6)
                                lo_y, hi_y = min(lo_y, val), max(hi_y, val)
        for a in attempts:
            if a["set_id"] != part.row["id"] or (side is not None and a["side"] != side):
                continue
            n += 1
            ok = bool(a["counted"])
            ax.axvspan(a["start_t"], a["end_t"], color=TRACE_OK if ok else TRACE_SHORT, alpha=0.18, lw=0)
            ax.text((a["start_t"] + a["end_t"]) / 2, 0.97, f"{n}" if ok else f"{n} {why[miss_kind(a['reason'] or '')]}",
                    transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=7,
                    color="#375623" if ok else "#990000")
        ax.set_xlim(float(t[0]), float(t[-1]))
        ax.set_title(f"{'serie' if lang == 'es' else 'set'} {part.row['number']}/{part.row['of_sets']}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("s", fontsize=7)
        ax.grid(alpha=0.3)
    if lo_y < hi_y:
        pad = 0.12 * (hi_y - lo_y)
        axes[0][0].set_ylim(lo_y - pad, hi_y + pad)
    m = drawn[0][1].exercise.measures.get(measure) if drawn else None
    unit_name = m.unit if m is not None else ""
    axes[0][0].set_ylabel(f"{measure} ({unit_name})" if unit_name else measure, fontsize=7)
    fig.tight_layout(pad=0.4)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=TRACE_DPI)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _nan(a):
    import numpy as np
    return np.isnan(a)


# ------------------------------------------------------------------------------ HTML

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:20px;margin:28px 0 8px} h3{font-size:16px;margin:16px 0 6px}
.card{background:#fff;border-radius:10px;padding:16px 20px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.muted{color:#5b6573;font-size:14px} table{border-collapse:collapse;margin:6px 0}
td,th{padding:4px 12px 4px 0;text-align:left;font-size:14px;vertical-align:top} th{color:#5b6573;font-weight:600}
.big{font-size:28px;font-weight:700} .warn{background:#fff4e5;border-left:5px solid #e8590c}
.stop{background:#ffe3e3;border-left:5px solid #c92a2a} .grid{display:flex;gap:28px;flex-wrap:wrap}
svg,img{max-width:100%;height:auto} code{font-size:12px} .card>h2:first-child{margin-top:4px}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _num(key: str, value: Any) -> str:
    """A number the tests read back: <span data-k=key>value</span>."""
    return f'<span data-k="{_e(key)}">{_e(value)}</span>'


def render_html(data: dict[str, Any], lang: str = "en", traces: Optional[dict[tuple, dict]] = None) -> str:
    """The page; ``traces`` (session_traces) adds each step's trace picture."""
    from .library import find_exercise
    from .messages import summary_text
    L = _L(lang)
    s = data["session"]
    parts = [f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{_e(L['title'])} {_e(s['started_at'][:10] if s['started_at'] else '')}</title>"
             f"<style>{CSS}</style></head><body><main>"]
    parts.append(f"<h1>{_e(L['title'])}: {_e(s['routine_id'])}</h1>"
                 f"<div class='muted'>{_e(s['profile'])} · {_e((s['started_at'] or '')[:16].replace('T', ' '))} UTC · "
                 f"{_e(L['duration'])} {data['duration_s'] / 60:.1f} min · {_e(L['state'])}: "
                 f"<span data-k='state'>{_e(data['state'])}</span></div>")
    if not s["ended_at"]:
        parts.append(f"<div class='card warn'>{_e(L['abnormal'])}</div>")
    pb, pa = data["pain"]["before"], data["pain"]["after"]
    parts.append("<div class='card grid'>"
                 f"<div><div class='muted'>{_e(L['pain'])} {_e(L['before'])}</div><div class='big'>"
                 f"{_num('pain_before', pb if pb is not None else '–')}<span class='muted'>/10</span></div></div>"
                 f"<div><div class='muted'>{_e(L['pain'])} {_e(L['after'])}</div><div class='big'>"
                 f"{_num('pain_after', pa if pa is not None else '–')}<span class='muted'>/10</span></div></div>"
                 "</div>")
    for adv in data["stop_suggested"]:
        fmt = {k: v for k, v in adv.items() if k != "key"}
        parts.append(f"<div class='card stop' data-k='stop_suggested'>{_e(ct(adv['key'], lang, **fmt))}</div>")
    for n, st in enumerate(data["steps"]):
        try:
            name = text(find_exercise(st["exercise"]).name, lang)
        except Exception:  # a rule file removed since: the id still says what it was
            name = st["exercise"]
        side = {"left": summary_text("left", lang), "right": summary_text("right", lang)}.get(st["side"], "")
        sid = f"step{n}"
        parts.append(f"<div class='card' id='{sid}' data-exercise='{_e(st['exercise'])}'"
                     f" data-side='{_e(st['side'] or '')}'>")
        parts.append(f"<h2>{_e(name)}{(' – ' + _e(side)) if side else ''}</h2>")
        parts.append("<div class='grid'>"
                     f"<div><div class='muted'>{_e(L['attempts'])}</div>"
                     f"<div class='big'>{_num('attempts', st['attempts'])}</div></div>"
                     f"<div><div class='muted'>{_e(L['counted'])}</div>"
                     f"<div class='big'>{_num('counted', st['counted'])}</div></div>"
                     f"<div><div class='muted'>{_e(L['clean'])}</div>"
                     f"<div class='big'>{_num('clean', st['clean'])}</div></div>"
                     f"<div><div class='muted'>{_e(L['score'])}</div><div class='big'>"
                     f"{_num('score', st['score'] if st['score'] is not None else '–')}</div></div></div>")
        rows = "".join(
            f"<tr><td>{x['number']}/{x['of']}</td><td>"
            + (f"{x['target_reps']}" if x["target_reps"] else f"{x['target_hold_s']:g} s {L['held']}")
            + f"</td><td>{_num('set_reps', x['reps'])}</td><td>{_e(x['end_reason'] or '–')}</td></tr>"
            for x in st["sets"])
        parts.append(f"<h3>{_e(L['sets'])}</h3><table><tr><th>#</th><th>{_e(L['target'])}</th>"
                     f"<th>{_e(L['counted'])}</th><th>{_e(L['ended'])}</th></tr>{rows}</table>")
        if st["why_not"]:
            parts.append(f"<div>{_e(L['why_not'])}: " + ", ".join(
                f"{_num('why_' + k, v)} {_e(summary_text(k, lang))}" for k, v in st["why_not"].items()) + "</div>")
        if st["other_side_attempts"]:
            parts.append(f"<div class='muted'>{_e(L['other_side'])}: {st['other_side_attempts']}"
                         f" {_e(L['attempts']).lower()}</div>")
        chart = chart_rom(st, L, salt=f"{sid}rom")
        if chart:
            parts.append(f"<h3>{_e(L['rom'])}</h3><div class='chart' data-chart='rom'>{chart}</div>"
                         f"<div class='muted'>{_e(L['rom_note'])}</div>")
        tr = (traces or {}).get((st["step"], st["exercise"], st["side"]))
        if tr is not None and tr.get("png"):
            alt = f"{L['trace']}: {name}{(' - ' + side) if side else ''}"
            parts.append(f"<h3>{_e(L['trace'])}</h3><img class='trace' data-chart='trace' alt='{_e(alt)}' "
                         f"src='data:image/png;base64,{tr['png']}'><div class='muted'>{_e(L['trace_note'])}"
                         + (f" ({_e(L['trace_changed'])})" if tr.get("changed") else "") + "</div>")
        elif tr is not None:
            parts.append(f"<div class='muted' data-chart='no-trace'>{_e(L['trace_none'])}: {_e(tr['note'])}</div>")
        counted = [a["counted"] for a in st["attempt_rows"]]
        small = []
        chart = chart_bars([a["tempo_s"] for a in st["attempt_rows"]], counted, "s", L["attempts"], f"{sid}tempo")
        if chart:
            small.append(f"<div><h3>{_e(L['tempo'])}</h3><div class='chart' data-chart='tempo'>{chart}</div></div>")
        if any(a["hold_s"] for a in st["attempt_rows"]):
            chart = chart_bars([a["hold_s"] for a in st["attempt_rows"]], counted, "s", L["attempts"], f"{sid}hold")
            small.append(f"<div><h3>{_e(L['hold'])}</h3><div class='chart' data-chart='hold'>{chart}</div></div>")
        if small:
            parts.append("<div class='grid'>" + "".join(small) + "</div>")
        cue_rows = "".join(f"<tr><td>{_num('cue_count', c['count'])}×</td><td>{_e(c['message'])}</td>"
                           f"<td class='muted'>{_e(c['source'])}</td></tr>" for c in st["cues"])
        parts.append(f"<h3>{_e(L['cues'])}</h3>" + (f"<table>{cue_rows}</table>" if cue_rows else
                                                     f"<div class='muted'>{_e(L['none'])}</div>"))
        parts.append("</div>")
    parts.append(f"<div class='card'><h2>{_e(L['score'])}</h2><div>{_e(FORM_SCORE_DOC.get(lang, FORM_SCORE_DOC['en']))}"
                 "</div></div>")
    parts.append(f"<div class='card'><h2>{_e(L['safety'])}</h2><div>{_e(ct('safety', lang))}</div></div>")
    rf = "".join(f"<tr><td>{_e(r['exercise_id'])}</td><td>{_e(r['version'])}</td>"
                 f"<td><code>{_e(r['sha256'][:16])}</code></td></tr>"
                 for r in data["rule_files"])
    parts.append(f"<div class='card muted'><h2>{_e(L['provenance'])}</h2>"
                 f"<div>Form Coach {_e(s['app_version'])} · model {_e(s['model'])} · routine {_e(s['routine_id'])} "
                 f"{_e(s['routine_version'])} <code>{_e((s['routine_sha256'] or '')[:16])}</code> · session "
                 f"<code>{_e(s['uuid'])}</code></div><table>{rf}</table></div>")
    parts.append("<script type='application/json' id='report-data'>"
                 + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>")
    parts.append("</main></body></html>")
    return "".join(parts)


def write_report(store, session_id: int, path: Path, lang: Optional[str] = None) -> Path:
    rows = store.session_rows(session_id)
    data = report_data(rows)
    lang = lang or rows["session"]["lang"] or "en"
    out = render_html(data, lang, session_traces(store, rows, lang))
    from .store import write_private
    return write_private(Path(path), out)
