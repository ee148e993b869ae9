"""Session summary: folds FrameResults into the JSON-ready dict that `coach analyze --json`
prints and every run writes. Pure: it is fed results, it reads no clock and writes nothing."""
from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from .rules.schema import Exercise, text
from .types import FrameResult, Side


class SummaryBuilder:
    def __init__(self, exercise: Exercise, fps: Optional[float], lang: str = "en", source: str = ""):
        self.ex = exercise
        self.fps = fps
        self.lang = lang
        self.source = source
        self.frames = 0
        self.frames_with_pose = 0
        self.first_t: Optional[float] = None
        self.last_t: Optional[float] = None
        self.reps_detail: list[dict[str, Any]] = []
        self.cues: list[dict[str, Any]] = []
        self.fault_episodes: Counter[str] = Counter()
        self._faulty: set[tuple[str, Optional[Side]]] = set()
        self.views: Counter[str] = Counter()
        self.last: Optional[FrameResult] = None

    def add_events(self, r: FrameResult) -> None:
        """Events decided after the last frame (end of stream): not a frame of its own."""
        self.last = r
        self._events(r)

    def add(self, r: FrameResult) -> None:
        self.frames += 1
        self.frames_with_pose += r.pose is not None
        self.first_t = r.t if self.first_t is None else self.first_t
        self.last_t = r.t
        self.last = r
        if r.view:
            self.views[r.view] += 1
        now_faulty = {(f.check_id, f.side) for f in r.findings}
        for key in now_faulty - self._faulty:
            self.fault_episodes[key[0]] += 1
        self._faulty = now_faulty
        self._events(r)
        if r.new_cue is not None:
            self.cues.append({"t_s": round(r.new_cue.t, 3), "check": r.new_cue.source,
                              "severity": r.new_cue.severity, "message": r.new_cue.text})

    def _events(self, r: FrameResult) -> None:
        for e in r.events:
            if e.kind in ("rep", "incomplete", "timeout"):
                item: dict[str, Any] = {
                    "start_s": round(e.start_t if e.start_t is not None else e.t, 3),
                    "end_s": round(e.t, 3),
                    "counted": e.kind == "rep",
                }
                if e.side:
                    item["side"] = e.side
                if e.kind != "rep":
                    item["reason"] = e.reason or e.kind
                if e.reached is not None:
                    item["reached"] = round(e.reached, 3)
                if e.target is not None:
                    item["target"] = round(e.target, 3)
                self.reps_detail.append(item)
            if e.kind == "cycle" and e.reason is None:  # the counted rep's faults, as its checks saw them
                for item in reversed(self.reps_detail):
                    if item["counted"] and item.get("side") == e.side and "faults" not in item:
                        item["faults"] = list(e.faults)
                        break

    def result(self) -> dict[str, Any]:
        last = self.last
        seconds = (self.frames / self.fps) if self.fps else ((self.last_t or 0) - (self.first_t or 0))
        out: dict[str, Any] = {
            "exercise": self.ex.id,
            "exercise_name": text(self.ex.name, self.lang),
            "rules_version": self.ex.version,
            "source": self.source,
            "reps": last.reps if last else 0,
            "reps_by_side": dict(last.reps_by_side) if last else {},
            "reps_detail": self.reps_detail,
            "cues": self.cues,
            "faults": dict(self.fault_episodes),
            "frames": self.frames,
            "frames_with_pose": self.frames_with_pose,
            "fps": round(self.fps, 3) if self.fps else None,
            "seconds": round(seconds, 3),
            "view": self.views.most_common(1)[0][0] if self.views else None,
            "views_supported": list(self.ex.views),
        }
        return out
