"""Errors the user can cause and fix. The CLI prints each as one line and exits non-zero.

Exit codes (the README's table is the user's copy): 1 runtime failures (files, camera, video,
model, an output that could not be written), 2 usage errors and input files the user must fix
(rule files, profiles, calibration files, recordings that are not valid), 3 an analysis that
completed on less than the whole input (see :data:`EXIT_INCOMPLETE`), 128 + N stopped by signal N
(see :mod:`coach.shutdown`).
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
# The input ended early or had frames that could not be read (truncated or damaged video, an
# unreadable image in a folder, a damaged recording): the results cover only what was read.
EXIT_INCOMPLETE = 3


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
    """A landmark recording is missing or malformed (a file the user must fix or replace: exit 2)."""

    exit_code = 2


class OutputError(CoachError):
    """An output (annotated video, landmark recording) could not be written: the disk is full,
    the folder vanished... The message names the file, the cause and what was kept."""


class RuleFileError(CoachError):
    """One or more problems in rule files; ``problems`` holds every ``file:line:col: message``."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = self.problems[0] if self.problems else "invalid rule file"
        super().__init__(head if n == 1 else f"{head} (and {n - 1} more problem{'s' if n > 2 else ''})")
