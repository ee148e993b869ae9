"""The programme around the exercises: the routine's member-facing words (English and Spanish),
the pain check-in rule and the safety screen. Pure: no I/O, no clock.

Pain is a 0-10 numeric rating (0 no pain, 10 the worst imaginable), asked before and after
a routine. ``pain_advice`` says when the coach suggests stopping: pain rose by
``PAIN_RISE_STOP`` points or more from before to after, or a rating above ``PAIN_HIGH``.
"""
from __future__ import annotations

from typing import Optional

# points (0-10 scale). A rise of this much during a session suggests stopping. Lower to be more
# cautious; raise only on a clinician's advice.
PAIN_RISE_STOP = 2
# points (0-10 scale). A rating above this suggests stopping (before: not starting today).
PAIN_HIGH = 7

TEXT: dict[str, dict[str, str]] = {
    "next": {"en": "Next: {name}{side}", "es": "Siguiente: {name}{side}"},
    "side_left": {"en": ", left side", "es": ", lado izquierdo"},
    "side_right": {"en": ", right side", "es": ", lado derecho"},
    "set_of": {"en": "Set {n} of {of}", "es": "Serie {n} de {of}"},
    "reps_of": {"en": "{reps} of {target} reps", "es": "{reps} de {target} repeticiones"},
    "held_of": {"en": "{held:.0f} of {target:.0f} s held", "es": "{held:.0f} de {target:.0f} s mantenidos"},
    "rest": {"en": "Rest: {secs} s", "es": "Descanso: {secs} s"},
    "breathe": {"en": "Breathe in slowly through your belly, three times; let your shoulders drop as you breathe out.",
                "es": "Respira despacio con el abdomen, tres veces; deja caer los hombros al soltar el aire."},
    "check_in": {"en": "Check in with yourself: how does your back feel right now? Ease off if anything is sharp.",
                 "es": "Escúchate: ¿cómo notas la espalda ahora? Afloja si algo duele de forma aguda."},
    "keys": {"en": "space: pause · s: skip · n: next exercise · q: quit",
             "es": "espacio: pausa · s: saltar · n: siguiente ejercicio · q: salir"},
    "paused": {"en": "Paused: press space to go on", "es": "En pausa: pulsa espacio para seguir"},
    "set_done": {"en": "Set done: {reps} counted", "es": "Serie terminada: {reps} contadas"},
    "skipped": {"en": "Skipped", "es": "Saltado"},
    "routine_done": {"en": "Routine done. Well done for moving today.",
                     "es": "Rutina terminada. Bien hecho por moverte hoy."},
    "routine_stopped": {"en": "Routine stopped: what you did is saved.",
                        "es": "Rutina detenida: lo que hiciste está guardado."},
    "pain_question": {"en": "Pain {moment}, from 0 (none) to 10 (worst imaginable)",
                      "es": "Dolor {moment}, de 0 (nada) a 10 (el peor imaginable)"},
    "moment_before": {"en": "right now, before you start", "es": "ahora, antes de empezar"},
    "moment_after": {"en": "now that you have finished", "es": "ahora que has terminado"},
    "pain_keys": {"en": "Type the number and press Enter (Esc: skip)",
                  "es": "Escribe el número y pulsa Intro (Esc: omitir)"},
    "stop_rise": {"en": "Your pain rose from {before} to {after}. We suggest you stop for today; if it keeps "
                        "getting worse, contact your clinician.",
                  "es": "Tu dolor subió de {before} a {after}. Te sugerimos parar por hoy; si sigue empeorando, "
                        "contacta con tu profesional sanitario."},
    "stop_high": {"en": "Your pain is {score} of 10. We suggest you stop; if it stays this high or keeps getting "
                        "worse, contact your clinician.",
                  "es": "Tu dolor es {score} de 10. Te sugerimos parar; si sigue así de alto o empeora, contacta "
                        "con tu profesional sanitario."},
    "stop_high_before": {"en": "Your pain is {score} of 10 before starting. We suggest you rest today rather than "
                               "exercise; if it stays this high, contact your clinician.",
                         "es": "Tu dolor es {score} de 10 antes de empezar. Te sugerimos descansar hoy; si sigue así "
                               "de alto, contacta con tu profesional sanitario."},
    "safety_title": {"en": "Before you start", "es": "Antes de empezar"},
    "continue_keys": {"en": "Press space to continue", "es": "Pulsa espacio para continuar"},
    "safety": {
        "en": "Form Coach gives exercise guidance; it does not diagnose or treat. Contact a clinician before you go "
              "on if you have fever, changes in bowel or bladder control, weight loss you cannot explain, numbness "
              "or weakness in your arms or legs, or pain that keeps getting worse despite care at home. Move gently "
              "and within a comfortable range; mild stretching is fine, sharp or rising pain means stop.",
        "es": "Form Coach orienta el ejercicio; no diagnostica ni trata. Consulta a un profesional sanitario antes "
              "de seguir si tienes fiebre, cambios en el control de la vejiga o del intestino, pérdida de peso sin "
              "explicación, entumecimiento o debilidad en brazos o piernas, o un dolor que sigue empeorando pese a "
              "los cuidados en casa. Muévete con suavidad y en un rango cómodo; un estiramiento leve está bien, un "
              "dolor agudo o que aumenta significa parar.",
    },
}


def t(key: str, lang: str = "en", **fmt) -> str:
    table = TEXT[key]
    return (table.get(lang) or table["en"]).format(**fmt)


def side_text(side: Optional[str], lang: str = "en") -> str:
    return t(f"side_{side}", lang) if side in ("left", "right") else ""


def pain_advice(before: Optional[int], after: Optional[int]) -> list[tuple[str, dict]]:
    """The stop suggestions (text key, format values) the pain ratings call for; [] when none.
    Unknown ratings (None) suggest nothing and are never taken as 0."""
    out: list[tuple[str, dict]] = []
    if before is not None and before > PAIN_HIGH and after is None:
        out.append(("stop_high_before", {"score": before}))
    if before is not None and after is not None and after - before >= PAIN_RISE_STOP:
        out.append(("stop_rise", {"before": before, "after": after}))
    elif after is not None and after > PAIN_HIGH:
        out.append(("stop_high", {"score": after}))
    return out


def parse_pain(text: str) -> Optional[int]:
    """'0'..'10' -> int; anything else -> None."""
    s = text.strip()
    if s.isdigit() and 0 <= int(s) <= 10:
        return int(s)
    return None
