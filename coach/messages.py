"""The coach's own messages (not from rule files), per language. English is the fallback."""
from __future__ import annotations

from typing import Iterable

MESSAGES: dict[str, dict[str, str]] = {
    "wrong_view": {
        "en": "Turn so the camera sees your {views} view.",
        "es": "Gírate para que la cámara vea tu vista {views}.",
    },
    "view_counting": {
        "en": "Counting your reps. For form feedback too, let the camera see your {views} view.",
        "es": "Cuento tus repeticiones. Para corregir también la técnica, que la cámara vea tu vista {views}.",
    },
    "reached": {
        "en": "{message} You reached {reached}°; a rep counts at {target}°.",
        "es": "{message} Llegaste a {reached}°; la repetición cuenta a {target}°.",
    },
    "came_back": {
        "en": "{message} You came back to {reached}°; go back to {target}° first.",
        "es": "{message} Volviste a {reached}°; vuelve hasta {target}° antes de la siguiente.",
    },
    "too_quick": {
        "en": "Rep not counted: too quick. Move slowly and with control.",
        "es": "Repetición no contada: demasiado rápida. Muévete despacio y con control.",
    },
    "not_in_view": {
        "en": "Move so the camera can see your {parts}.",
        "es": "Colócate para que la cámara vea tus {parts}.",
    },
    "no_person": {"en": "Step into view of the camera.", "es": "Ponte frente a la cámara."},
    "praise": {"en": "Good reps, keep it up.", "es": "Buenas repeticiones, sigue así."},
    "incomplete": {"en": "Rep not counted: use the full range.", "es": "Repetición no contada: usa todo el recorrido."},
}

# Words on the live overlay (coach.render): member-facing, short, readable from two metres.
OVERLAY: dict[str, dict[str, str]] = {
    "reps": {"en": "REPS", "es": "REPETICIONES"},
    "of": {"en": "of {n}", "es": "de {n}"},
    "this_rep": {"en": "this rep", "es": "esta rep."},
    "hold": {"en": "hold", "es": "mantén"},
    "paused": {"en": "Paused: press space to go on", "es": "En pausa: pulsa espacio para seguir"},
    "muted": {"en": "voice off (m)", "es": "voz apagada (m)"},
    "left": {"en": "L", "es": "I"},
    "right": {"en": "R", "es": "D"},
    "recalibrated": {"en": "Learning your range again", "es": "Aprendiendo de nuevo tu recorrido"},
}


def overlay_text(key: str, lang: str = "en", **fmt) -> str:
    table = OVERLAY[key]
    return (table.get(lang) or table["en"]).format(**fmt)


# The end-of-session summary (coach.runner.format_summary).
SUMMARY: dict[str, dict[str, str]] = {
    "rep": {"en": "rep", "es": "repetición"},
    "reps": {"en": "reps", "es": "repeticiones"},
    "left": {"en": "left", "es": "izquierda"},
    "right": {"en": "right", "es": "derecha"},
    "attempts": {"en": "{attempts} attempts, {counted} counted, {why}",
                 "es": "{attempts} intentos, {counted} contados, {why}"},
    "short": {"en": "short of the count point", "es": "sin llegar al punto que cuenta"},
    "return": {"en": "not back to the start", "es": "sin volver al inicio"},
    "quick": {"en": "too quick", "es": "demasiado rápidos"},
    "hold": {"en": "hold too short", "es": "mantenidos poco tiempo"},
    "paused": {"en": "paused mid-rep", "es": "pausados a mitad"},
    "other": {"en": "not counted", "es": "no contados"},
    "form": {"en": "form notes: {notes}", "es": "notas de técnica: {notes}"},
    "clean": {"en": "clean reps: {clean} of {reps}", "es": "repeticiones limpias: {clean} de {reps}"},
    "frames": {"en": "{frames} frames, person seen in {seen}, {secs:.1f} s",
               "es": "{frames} imágenes, persona vista en {seen}, {secs:.1f} s"},
    "stopped": {"en": " (stopped early)", "es": " (detenido antes de terminar)"},
}


def summary_text(key: str, lang: str = "en", **fmt) -> str:
    table = SUMMARY[key]
    return (table.get(lang) or table["en"]).format(**fmt)


VIEW_NAMES = {
    "en": {"front": "front", "side": "side", "oblique": "angled", "rear": "back"},
    "es": {"front": "frontal", "side": "lateral", "oblique": "en diagonal", "rear": "trasera"},
}

PART_NAMES = {
    "en": {"shoulder": "shoulders", "elbow": "elbows", "wrist": "wrists", "hip": "hips", "knee": "knees",
           "ankle": "ankles", "nose": "face", "ear": "head", "eye": "face", "heel": "feet", "foot_index": "feet",
           "index": "hands", "pinky": "hands", "thumb": "hands", "mouth": "face"},
    "es": {"shoulder": "hombros", "elbow": "codos", "wrist": "muñecas", "hip": "caderas", "knee": "rodillas",
           "ankle": "tobillos", "nose": "cara", "ear": "cabeza", "eye": "cara", "heel": "pies", "foot_index": "pies",
           "index": "manos", "pinky": "manos", "thumb": "manos", "mouth": "cara"},
}

JOIN = {"en": " or ", "es": " o "}
AND = {"en": " and ", "es": " y "}


def message(key: str, lang: str = "en", **fmt: str) -> str:
    table = MESSAGES[key]
    return (table.get(lang) or table["en"]).format(**fmt)


def views_text(views: Iterable[str], lang: str = "en") -> str:
    names = VIEW_NAMES.get(lang, VIEW_NAMES["en"])
    return JOIN.get(lang, " or ").join(names[v] for v in views)


def parts_text(landmarks: Iterable[str], lang: str = "en") -> str:
    names = PART_NAMES.get(lang, PART_NAMES["en"])
    out: list[str] = []
    for lm in landmarks:
        stem = lm.replace("left_", "").replace("right_", "").replace("_inner", "").replace("_outer", "")
        stem = {"mouth_left": "mouth", "mouth_right": "mouth"}.get(lm, stem)
        part = names.get(stem, stem)
        if part not in out:
            out.append(part)
    if len(out) <= 1:
        return "".join(out)
    return ", ".join(out[:-1]) + AND.get(lang, " and ") + out[-1]
