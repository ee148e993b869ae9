"""`coach demo`: the whole coaching pipeline with no camera and no download.

An embedded, synthesised session of the upper-back routine (scapular squeezes, thread the
needle, resisted rows; a few reps each with one deliberate form fault), shipped as small
landmark recordings (``demo/*.npz``, made by ``tools/make_demo.py``), is drawn as an avatar,
coached by the same engine as a live session, and written as an annotated video; the
summaries are printed. It also builds (or verifies) the offline pose model bundle, so a fresh
machine proves the MediaPipe adapter works without a network.
"""
from __future__ import annotations

import logging
import sys
import time
from typing import Optional

import numpy as np

from .errors import CoachError, OutputError
from .library import demo_dir, find_exercise, pipeline_params
from .pose.recording import load_recording
from .rules.schema import text
from .runner import Item, Session, format_summary
from .shutdown import SHUTDOWN

log = logging.getLogger("coach")

ROUTINE = ("scapular_squeeze", "thread_the_needle", "resisted_row")
FPS = 30.0  # frames per second of the demo recordings
# Which rep (0-based) of each demo exercise carries a deliberate fault, and which fault.
DEMO_FAULT_REP = 2
ADVICE = {
    "en": ("Move gently and within a comfortable range; pause between sets.",
           "Check in with yourself: mild stretching is fine, sharp or increasing pain means stop."),
    "es": ("Muévete con suavidad y en un rango cómodo; descansa entre series.",
           "Escúchate: un estiramiento suave está bien; si el dolor es agudo o aumenta, para."),
}


def _avatar_items(poses, size, fps: float):
    from .render import draw_avatar
    w, h = size
    for i, pose in enumerate(poses):
        img = np.empty((h, w, 3), np.uint8)
        img[:] = (58, 48, 40)
        if pose is not None:
            draw_avatar(img, pose)
        yield Item(i / fps, i, img, pose)


def run_demo(output: str, lang: str = "en", as_json: bool = False) -> int:
    from .capture import VideoWriter
    from .pose.landmarker import ensure_bundle
    from .render import draw_overlay, put_text
    started = time.perf_counter()
    try:
        bundle = ensure_bundle()
        model_line = f"pose model: {bundle} (built offline from the mediapipe wheel, hash verified)"
    except CoachError as exc:  # the demo itself needs no model: report and go on
        model_line = f"pose model: NOT available ({exc})"
    params = pipeline_params()
    ids = ROUTINE
    summaries = []
    errors: list[str] = []
    writer: Optional[VideoWriter] = None
    try:
        for ex_id in ids:
            if SHUTDOWN.requested:
                break
            ex = find_exercise(ex_id)
            rec = load_recording(demo_dir() / f"{ex_id}.npz")
            fps = rec.fps
            size = rec.image_size
            if writer is None:
                writer = VideoWriter(output, fps, size)
            fault = rec.meta.get("injected_fault")
            poses = rec.poses
            title = text(ex.name, lang)
            card = np.zeros((size[1], size[0], 3), np.uint8)
            put_text(card, title, (30, size[1] // 2 - 30), 40)
            put_text(card, text(ex.description, lang) if ex.description else "", (30, size[1] // 2 + 30), 20,
                     (200, 200, 200))
            with SHUTDOWN.in_phase("working"):
                for _ in range(int(fps * 1.5)):
                    writer.write(card)
            session = Session(ex, params, lang=lang, fps=fps, source_name=f"demo:{ex_id}")

            def sink(r, item, _title=title, _writer=writer):
                _writer.write(draw_overlay(item.image, r, _title))
            s = session.run(_avatar_items(poses, size, fps), [sink])
            summaries.append((s, dict(fault) if fault else None))
            errors.extend(s.output_errors)
            if errors or s.interrupted:
                break
    except OutputError as exc:
        errors.append(str(exc))
    finally:
        if writer is not None:
            SHUTDOWN.phase = "saving"
            try:
                writer.close()
            except OutputError as exc:
                errors.append(str(exc))
    elapsed = time.perf_counter() - started
    code = 1 if errors else SHUTDOWN.exit_code() if SHUTDOWN.requested else 0
    for e in dict.fromkeys(errors):
        print(f"coach: error: {e}", file=sys.stderr)
    if as_json:
        from .cli import print_json
        print_json({"video": output if not errors else None, "seconds_to_run": round(elapsed, 2),
                    "complete": code == 0, "exercises": [{**s.to_json(), "injected_fault": f} for s, f in summaries]})
        return code
    print("Form Coach demo: the upper-back routine, synthesised and coached (no camera needed)")
    print(model_line)
    for s, f in summaries:
        print()
        print(format_summary(s, lang))
        for c in s.cues:
            print(f"    [{c.t_s:5.1f}s] {c.message}")
        if f:
            print(f"    (demo fault injected in rep {f['rep']}: {f['check']})")
    print()
    for line in ADVICE.get(lang, ADVICE["en"]):
        print(line)
    if not errors:
        print(f"\nannotated video: {output}  ({elapsed:.1f} s to run)")
    return code
