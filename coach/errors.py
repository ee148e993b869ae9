"""Errors the user can cause and fix. The CLI prints each as one line and exits non-zero.

Exit codes: 1 for runtime failures (files, camera, video, model), 2 for usage and rule-file errors.
"""
from __future__ import annotations


class CoachError(Exception):
    """Base: a problem explained in one line for the user."""

    exit_code = 1


class UsageError(CoachError):
    exit_code = 2


class CaptureError(CoachError):
    """Camera missing, video file missing/corrupt, image folder empty."""


class PoseModelError(CoachError):
    """The pose model could not be built, found or loaded."""


class RecordingError(CoachError):
    """A landmark recording is missing or malformed."""


class RuleFileError(CoachError):
    """One or more problems in rule files; ``problems`` holds every ``file:line:col: message``."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = self.problems[0] if self.problems else "invalid rule file"
        super().__init__(head if n == 1 else f"{head} (and {n - 1} more problem{'s' if n > 2 else ''})")
