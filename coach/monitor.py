"""Is the member set up so the coach can see the exercise? The camera view (majority over a
window, "wrong" only after ``wrong_for_s``), the landmarks the rule file needs (out of the picture
for ``missing_for_s``), the person gone. Produces set-up cues as candidates for the cue policy.

Counting goes on in every view; a view outside the rule file's list pauses only the checks that
need another view, and the member hears once which view gives full feedback. Only when every
counter's gate says the movement cannot be counted from here (see coach.attempts) is the member
asked, again and again, to turn. Time is passed in.
"""
from __future__ import annotations

from typing import Callable, Mapping, Optional

from .config import SetupConfig, ViewConfig
from .feedback.policy import Candidate
from .landmarks import INDEX, SIDES, resolve
from .measures import Landmarks
from .messages import message, parts_text, views_text
from .rules.schema import Exercise
from .types import Pose, Severity, Side, View
from .view import ViewTracker, classify, yaw_of


class SetupMonitor:
    def __init__(self, exercise: Exercise, view: ViewConfig = ViewConfig(), setup: SetupConfig = SetupConfig(),
                 cooldown_s: float = 12.0):
        """cooldown_s: least time between two set-up cues (s)."""
        self.ex = exercise  # replaced when the rules are reloaded
        self.tracker = ViewTracker(view)
        self.wrong_for_s = view.wrong_for_s
        self.missing_for_s = setup.missing_for_s
        self.cooldown_s = cooldown_s
        self._wrong_since: Optional[float] = None
        self._hint_given = False
        self._missing_since: Optional[float] = None
        # the landmarks that must be seen, per option: [(name, index)], for the rules and the
        # watched side of the last call (_options_for)
        self._options: list[list[tuple[str, int]]] = []
        self._options_for: tuple[Optional[Exercise], Optional[Side]] = (None, None)
        # each set-up cue made so far, by (message key, parts out of view), for the rules in
        # self._cues_for (see _cue)
        self._cues: dict[tuple[str, tuple[str, ...]], Candidate] = {}
        self._cues_for: Optional[Exercise] = None

    def view(self, pose: Optional[Pose], t: float) -> tuple[Optional[View], Optional[bool], bool]:
        """(view, view_ok, view_wrong) at ``t``: the majority view (None unknown), whether the
        rule file lists it (None unknown), and whether it has been wrong for wrong_for_s."""
        return self._judge(self.tracker.update(pose, t), t)

    def view_of(self, lm: Optional[Landmarks], t: float) -> tuple[Optional[View], Optional[bool], bool]:
        """view() of a frame's landmarks as plain floats (coach.smoothing.LandmarkSmoother's;
        None: no pose)."""
        tracker = self.tracker
        return self._judge(tracker.observe(None if lm is None else classify(yaw_of(lm.vis, lm.world),
                                                                             tracker.config), t), t)

    def view_classified(self, view: Optional[View], t: float) -> tuple[Optional[View], Optional[bool], bool]:
        """view() of a frame whose view was classified already (coach.view.views_of; None:
        unknown or no pose)."""
        return self._judge(self.tracker.observe(view, t), t)

    def _judge(self, view: Optional[View], t: float) -> tuple[Optional[View], Optional[bool], bool]:
        ok = None if view is None else view in self.ex.views
        if ok is False:
            self._wrong_since = t if self._wrong_since is None else self._wrong_since
        else:
            self._wrong_since = None
        return view, ok, self._wrong_since is not None and t - self._wrong_since >= self.wrong_for_s

    def candidates(self, pose: Optional[Pose], t: float, view_wrong: bool, cannot_count: bool,
                   watched: Optional[Side]) -> list[Candidate]:
        """Set-up cues at ``t``. cannot_count: every counter's gate is false in this view;
        watched: the side watched when the exercise uses one side (None otherwise)."""
        ex = self.ex
        if view_wrong and cannot_count:
            # the rule file's gate says this view cannot be counted (a squeeze seen from the side)
            return [self._cue("wrong_view", "warning")]
        if view_wrong and not self._hint_given:
            # Said once: repeating it every few seconds would drown the rep cues.
            self._hint_given = True
            return [self._cue("view_counting", "tip")]
        if self._options_for[0] is not ex or self._options_for[1] != watched:  # changes with the rules or side
            if ex.side in ("both", "alternate"):
                # either side fully in view is enough (a side view hides the far limbs)
                names = [sorted({resolve(lm, s) for lm in ex.landmarks}) for s in SIDES]
                if names[0] == names[1]:  # landmarks named per side (reverse_fly): one option, read once
                    names = names[:1]
            else:
                names = [sorted({resolve(lm, watched or "left") for lm in ex.landmarks})]
            self._options = [[(n, INDEX[n]) for n in o] for o in names]
            self._options_for = (ex, watched)
        options = self._options
        low = ex.min_visibility
        if pose is not None:
            vis = pose.visibility
            for option in options:  # an option wholly in view: nothing to say (the usual frame)
                for _, i in option:
                    if vis[i] < low:
                        break
                else:
                    self._missing_since = None
                    return []
        self._missing_since = t if self._missing_since is None else self._missing_since
        if t - self._missing_since < self.missing_for_s:
            return []
        if pose is None:
            return [self._cue("no_person", "warning")]
        seen = vis.tolist()  # every landmark of every option is read: Python floats read faster
        gone = min(([n for n, i in o if seen[i] < low] for o in options), key=len)
        return [self._cue("not_in_view", "warning", tuple(gone))]

    def _cue(self, key: str, severity: Severity, parts: tuple[str, ...] = ()) -> Candidate:
        """The set-up cue ``key`` in every language (``parts``: the landmarks out of view, for
        "not_in_view"). Made once per rule file and parts: while a problem lasts it is offered
        every frame (the cue policy's cooldown says when it is spoken), and formatting its text
        anew each frame was a fifth of the decision work on reverse_fly__rear-delt-machine-rear
        (the ears out of view from behind for most of the clip)."""
        ex = self.ex
        if self._cues_for is not ex:  # the views and the message's wording come from the rules
            self._cues, self._cues_for = {}, ex
        cue = self._cues.get((key, parts))
        if cue is None:
            def fields(lang: str) -> dict[str, str]:  # the message's placeholders
                if key == "not_in_view":
                    return {"parts": parts_text(parts, lang)}
                return {} if key == "no_person" else {"views": views_text(ex.views, lang)}

            source = "setup" if key in ("not_in_view", "no_person") else "view"
            cue = self._cues[(key, parts)] = Candidate(source, severity, _msgs(key, fields), None, self.cooldown_s)
        return cue


def _msgs(key: str, fmt: Callable[[str], Mapping[str, str]]) -> dict[str, str]:
    """The message ``key`` in every language; fmt(lang) gives its placeholders' values."""
    return {lang: message(key, lang, **fmt(lang)) for lang in ("en", "es")}
