"""`coach history`: trends across a member's sessions, as one self-contained HTML page (matplotlib
SVG inline) and as CSV for therapists.

One row per session and exercise (``ROW_FIELDS``): pain before and after the session, attempts
and counted reps, the mean range of motion of the counted reps (in the exercise's measure and
unit, e.g. degrees of elbow angle), the same per side and the left/right asymmetry for
exercises done on both sides, mean tempo and hold. Adherence: sessions per ISO week against the
routine's plan (``per_week``). ``history_rows`` is pure (store rows in, rows out).

Asymmetry (%) = 100 x |left - right| / max(left, right) of the mean range of motion per side.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import sys
from collections import OrderedDict, defaultdict
from pathlib import Path
from typing import Any, Optional

from .report import CSS, _e, _plt, svg_figure

ROW_FIELDS = ("session", "uuid", "started_at", "week", "profile", "routine", "state", "pain_before", "pain_after",
              "exercise", "measure", "unit", "attempts", "counted", "rom_mean", "rom_left", "rom_right",
              "asymmetry_pct", "tempo_mean_s", "hold_mean_s")


def _mean(xs) -> Optional[float]:
    xs = [x for x in xs if x is not None]
    return round(sum(xs) / len(xs), 3) if xs else None


def _week(iso: str) -> str:
    d = _dt.datetime.fromisoformat(iso)
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def history_rows(store, profile: Optional[str] = None) -> list[dict[str, Any]]:
    from .store import session_state
    out = []
    for s in store.sessions(profile):
        rows = store.session_rows(s["id"])
        pains = {p["moment"]: p["score"] for p in rows["pain"]}
        base = {"session": s["id"], "uuid": s["uuid"], "started_at": s["started_at"], "week": _week(s["started_at"]),
                "profile": s["profile"], "routine": s["routine_id"], "state": session_state(s),
                "pain_before": pains.get("before"), "pain_after": pains.get("after")}
        by_ex: "OrderedDict[str, dict]" = OrderedDict()
        set_ex = {st["id"]: st for st in rows["sets"]}
        for st in rows["sets"]:
            by_ex.setdefault(st["exercise_id"], {"measure": st["measure"], "unit": st["unit"], "attempts": []})
        for a in rows["attempts"]:
            st = set_ex[a["set_id"]]
            if st["side"] is not None and a["side"] != st["side"]:
                continue  # the other arm moving during a one-sided set: not this step's work
            by_ex[st["exercise_id"]]["attempts"].append(a)
        if not by_ex:
            out.append({**base, **{k: None for k in ROW_FIELDS if k not in base}})
            continue
        for ex, d in by_ex.items():
            counted = [a for a in d["attempts"] if a["counted"]]
            left = _mean([a["rom"] for a in counted if a["side"] == "left"])
            right = _mean([a["rom"] for a in counted if a["side"] == "right"])
            asym = (round(100 * abs(left - right) / max(abs(left), abs(right)), 1)
                    if left is not None and right is not None and max(abs(left), abs(right)) > 0 else None)
            out.append({**base, "exercise": ex, "measure": d["measure"], "unit": d["unit"],
                        "attempts": len(d["attempts"]), "counted": len(counted),
                        "rom_mean": _mean([a["rom"] for a in counted]), "rom_left": left, "rom_right": right,
                        "asymmetry_pct": asym, "tempo_mean_s": _mean([a["tempo_s"] for a in counted]),
                        "hold_mean_s": _mean([a["hold_s"] for a in counted])})
    return out


def adherence(store, profile: Optional[str] = None) -> list[dict[str, Any]]:
    """Sessions per ISO week (every week from the first session's to the last's) against the plan."""
    sessions = store.sessions(profile)
    if not sessions:
        return []
    count: dict[str, int] = defaultdict(int)
    plan: dict[str, int] = {}
    for s in sessions:
        w = _week(s["started_at"])
        count[w] += 1
        plan[w] = max(plan.get(w, 0), s["per_week"])
    first = _dt.datetime.fromisoformat(sessions[0]["started_at"]).date()
    last = _dt.datetime.fromisoformat(sessions[-1]["started_at"]).date()
    first -= _dt.timedelta(days=first.weekday())
    out, d, per_week = [], first, sessions[0]["per_week"]
    while d <= last:
        year, week, _ = d.isocalendar()
        key = f"{year}-W{week:02d}"
        per_week = plan.get(key, per_week)
        out.append({"week": key, "sessions": count.get(key, 0), "plan": per_week})
        d += _dt.timedelta(days=7)
    return out


def write_csv(rows: list[dict], stream) -> None:
    w = csv.DictWriter(stream, fieldnames=ROW_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r[k]) for k in ROW_FIELDS})


LABELS = {
    "en": {"title": "History", "pain": "Pain (0-10)", "before": "before", "after": "after",
           "rom": "Range of motion (mean of counted reps)", "asym": "Left/right asymmetry (%)",
           "adherence": "Sessions per week", "plan": "plan", "sessions": "sessions", "session": "Session",
           "none": "No sessions yet.", "table": "Every session"},
    "es": {"title": "Historial", "pain": "Dolor (0-10)", "before": "antes", "after": "después",
           "rom": "Recorrido (media de las repeticiones contadas)", "asym": "Asimetría izquierda/derecha (%)",
           "adherence": "Sesiones por semana", "plan": "plan", "sessions": "sesiones", "session": "Sesión",
           "none": "Aún no hay sesiones.", "table": "Todas las sesiones"},
}


def _sessions(rows: list[dict]) -> list[dict]:
    seen: "OrderedDict[int, dict]" = OrderedDict()
    for r in rows:
        seen.setdefault(r["session"], r)
    return list(seen.values())


def render_html(rows: list[dict], weeks: list[dict], lang: str = "en") -> str:
    L = LABELS.get(lang, LABELS["en"])
    plt = _plt()
    parts = [f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{_e(L['title'])}</title>"
             f"<style>{CSS}</style></head><body><main><h1>{_e(L['title'])}</h1>"]
    sessions = _sessions(rows)
    if not sessions:
        parts.append(f"<div class='card'>{_e(L['none'])}</div></main></body></html>")
        return "".join(parts)
    parts.append(f"<div class='muted'>{len(sessions)} {_e(L['sessions'])}: "
                 f"{_e(sessions[0]['started_at'][:10])} – {_e(sessions[-1]['started_at'][:10])}</div>")
    xs = list(range(1, len(sessions) + 1))
    ticks = [s["started_at"][5:10] for s in sessions]
    # pain
    fig, ax = plt.subplots(figsize=(8, 2.8), dpi=100)
    for key, color, label in (("pain_before", "#1f77b4", L["before"]), ("pain_after", "#ff7f0e", L["after"])):
        pts = [(x, s[key]) for x, s in zip(xs, sessions) if s[key] is not None]
        if pts:
            line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=color, lw=2, label=label)
            line.set_gid(key)
    ax.set_ylim(-0.3, 10.3)
    ax.set_xticks(xs)
    ax.set_xticklabels(ticks, rotation=0 if len(xs) < 12 else 60, fontsize=8)
    ax.set_ylabel(L["pain"])
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    parts.append(f"<div class='card'><h2>{_e(L['pain'])}</h2><div class='chart' data-chart='pain'>"
                 f"{svg_figure(fig, 'hpain')}</div></div>")
    # range of motion per exercise (own unit each)
    exercises = list(OrderedDict.fromkeys(r["exercise"] for r in rows if r["exercise"]))
    if exercises:
        fig, axes = plt.subplots(len(exercises), 1, figsize=(8, 2.0 * len(exercises)), dpi=100, squeeze=False)
        for ax, ex in zip(axes[:, 0], exercises):
            mine = {r["session"]: r for r in rows if r["exercise"] == ex}
            pts = [(x, mine[s["session"]]["rom_mean"]) for x, s in zip(xs, sessions)
                   if s["session"] in mine and mine[s["session"]]["rom_mean"] is not None]
            unit = next((r["unit"] for r in mine.values() if r["unit"]), "")
            if pts:
                line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color="#2ca02c", lw=2)
                line.set_gid(f"rom-{ex}")
            ax.set_title(ex, fontsize=9, loc="left")
            ax.set_ylabel(unit, fontsize=8)
            ax.set_xticks(xs)
            ax.set_xticklabels(ticks, fontsize=7)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        parts.append(f"<div class='card'><h2>{_e(L['rom'])}</h2><div class='chart' data-chart='rom'>"
                     f"{svg_figure(fig, 'hrom')}</div></div>")
    # asymmetry
    asym = [r for r in rows if r["asymmetry_pct"] is not None]
    if asym:
        fig, ax = plt.subplots(figsize=(8, 2.4), dpi=100)
        for ex in OrderedDict.fromkeys(r["exercise"] for r in asym):
            mine = {r["session"]: r["asymmetry_pct"] for r in asym if r["exercise"] == ex}
            pts = [(x, mine[s["session"]]) for x, s in zip(xs, sessions) if s["session"] in mine]
            line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", lw=2, label=ex)
            line.set_gid(f"asym-{ex}")
        ax.set_xticks(xs)
        ax.set_xticklabels(ticks, fontsize=8)
        ax.set_ylabel("%")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        parts.append(f"<div class='card'><h2>{_e(L['asym'])}</h2><div class='chart' data-chart='asym'>"
                     f"{svg_figure(fig, 'hasym')}</div></div>")
    # adherence
    if weeks:
        fig, ax = plt.subplots(figsize=(8, 2.4), dpi=100)
        wx = list(range(len(weeks)))
        ax.bar(wx, [w["sessions"] for w in weeks], color="#1f77b4", label=L["sessions"])
        ax.step([x - 0.5 for x in wx] + [wx[-1] + 0.5], [w["plan"] for w in weeks] + [weeks[-1]["plan"]],
                where="post", color="#d62728", lw=2, label=L["plan"])
        ax.set_xticks(wx)
        ax.set_xticklabels([w["week"] for w in weeks], fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
        parts.append(f"<div class='card'><h2>{_e(L['adherence'])}</h2><div class='chart' data-chart='adherence'>"
                     f"{svg_figure(fig, 'hadh')}</div><table><tr>"
                     + "".join(f"<td>{_e(w['week'])}: {w['sessions']}/{w['plan']}</td>" for w in weeks)
                     + "</tr></table></div>")
    head = "".join(f"<th>{_e(k)}</th>" for k in ROW_FIELDS if k not in ("uuid", "profile", "routine"))
    def cell(r, k):
        v = r.get(k)
        return "" if v is None else (v[:16].replace("T", " ") if k == "started_at" else v)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell(r, k))}</td>" for k in ROW_FIELDS
                                    if k not in ("uuid", "profile", "routine")) + "</tr>" for r in rows)
    parts.append(f"<div class='card' style='overflow-x:auto'><h2>{_e(L['table'])}</h2><table>"
                 f"<tr>{head}</tr>{body}</table></div></main></body></html>")
    return "".join(parts)


def write_history(store, html_path: Path, csv_path: Optional[str] = None, profile: Optional[str] = None,
                  lang: str = "en") -> int:
    rows = history_rows(store, profile)
    weeks = adherence(store, profile)
    page = render_html(rows, weeks, lang)
    from .store import write_private
    write_private(html_path, page)
    if csv_path == "-":
        write_csv(rows, sys.stdout)
    elif csv_path:
        buf = io.StringIO()
        write_csv(rows, buf)
        write_private(Path(csv_path), buf.getvalue())
    return len(_sessions(rows))
