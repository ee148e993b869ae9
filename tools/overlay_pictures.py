"""Render the live overlay on real frames at 1280x720 in English and Spanish, for the README's
pictures (docs/img/). Usage: python tools/overlay_pictures.py CLIP EXERCISE OUT_PREFIX [FRAME...]

Runs the clip through the real pipeline (pose model, engine) and saves the overlay of the chosen
frames (default: the first frame with a cue on screen and a rep under way; a prefix ending in
_hold: a hold under way; _form: a form cue on screen)."""
from __future__ import annotations

import dataclasses
import sys

import cv2  # noqa: F401 (imwrite)

from coach.capture import open_source, prefetch
from coach.library import find_exercise, pipeline_params
from coach.pose.landmarker import PoseEstimator
from coach.render import draw_overlay, fit
from coach.rules.schema import text
from coach.runner import Session, video_items


def main(clip: str, exercise: str, prefix: str, frames: list[int]) -> None:
    ex = find_exercise(exercise)
    params = pipeline_params()
    for lang in ("en", "es"):
        src = prefetch(open_source(clip))
        est = PoseEstimator(None, **dataclasses.asdict(params.pose))
        session = Session(ex, params, lang=lang, fps=src.fps)
        saved = []

        def sink(r, item, saved=saved, lang=lang):
            if frames:
                want = item.index in frames
            elif prefix.endswith("_hold"):  # a hold under way
                want = not saved and r.hold_elapsed_s is not None and r.hold_elapsed_s >= 1.5
            elif prefix.endswith("_form"):  # a form cue on screen
                want = not saved and r.current_cue is not None and r.current_cue.source not in (
                    "praise", "rep", "view", "setup") and r.current_cue.t + 0.5 <= r.t
            else:  # a cue on screen and a rep under way
                want = not saved and r.current_cue is not None and r.progress is not None and r.reps >= 1
            if want:
                img, k, off = fit(item.image, (1280, 720))
                draw_overlay(img, r, text(ex.name, lang), lang=lang, set_target=10, xy_scale=k, xy_offset=off)
                out = f"{prefix}_{lang}{'' if not frames else '_' + str(item.index)}.png"
                cv2.imwrite(out, img)
                saved.append(out)
                print(out, "frame", item.index, "reps", r.reps, "cue", r.current_cue and r.current_cue.text)
            return False if (frames and item.index >= max(frames)) or (not frames and saved) else None

        session.run(video_items(src, est), [sink], [src.close, est.close])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], [int(a) for a in sys.argv[4:]])
