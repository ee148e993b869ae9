"""Frozen data that crosses stage boundaries.

capture -> Frame -> pose -> Pose -> measures -> Measures -> reps/checks -> RepEvent/Finding
-> feedback policy -> Cue -> sinks (overlay, video, console, voice, session files).

Units: time in seconds (float, from the capture clock or the recording), image coordinates in
pixels (x right, y down, origin top-left of the *unmirrored* frame), world coordinates in metres
(MediaPipe world landmarks: origin between the hips, x right, y down, z away from the camera),
angles in degrees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Union

import numpy as np
from numpy.typing import NDArray

from .landmarks import N_LANDMARKS
from .landmarks import Side as Side  # re-exported: the body side, "left" / "right"

# The string kinds, as types (the values stay plain strings at run time: rule files, recordings
# and summaries hold them as text).
Severity = Literal["info", "tip", "warning", "stop"]
View = Literal["front", "side", "oblique", "rear"]  # camera views, as rule files name them
RepEventKind = Literal["start", "phase", "rep", "incomplete", "timeout", "cycle"]

SEVERITIES: tuple[Severity, ...] = ("info", "tip", "warning", "stop")  # increasing priority


def severity_rank(severity: Severity) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Frame:
    """One picture from a source.

    image: (H, W, 3) uint8, BGR, as captured (never mirrored: mirroring is a display choice).
    t: seconds since the source started (files: index / fps; webcam: monotonic clock).
    index: 0-based frame number in the source.
    rgb: the picture the pose model sees, or None (the model converts ``image`` itself):
        (h, w, 3) uint8 RGB, made on the reader thread (coach.capture.prefetch) so the one
        colour conversion overlaps with inference; downscaled when ``image`` is larger than
        capture.INFERENCE_MAX_SIDE (landmarks are normalised, so pixel-space measures, which
        use ``image``'s size, do not change).
    arrived: monotonic clock seconds when a live (or --realtime) source handed the frame over,
        else None. For latency figures only; never used by logic.
    """

    image: NDArray[np.uint8]
    t: float
    index: int
    rgb: Optional[NDArray[np.uint8]] = field(default=None, compare=False, repr=False)
    arrived: Optional[float] = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(f"Frame.image must be (H,W,3) uint8, got {self.image.shape} {self.image.dtype}")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True)
class Pose:
    """The 33 landmarks of one person in one frame.

    image_xy: (33, 2) float64 pixels in the unmirrored frame (may lie outside the frame).
    world_xyz: (33, 3) float64 metres (MediaPipe world landmarks), or None if unavailable.
    visibility: (33,) float64 in [0, 1], the model's belief that the landmark is visible.
    presence: (33,) float64 in [0, 1], the model's belief that the landmark is in the frame.
    image_size: (width, height) of the frame in pixels.
    t: seconds; index: frame number.
    """

    t: float
    index: int
    image_xy: NDArray[np.float64]
    world_xyz: Optional[NDArray[np.float64]]
    visibility: NDArray[np.float64]
    presence: NDArray[np.float64]
    image_size: tuple[int, int]

    def __post_init__(self) -> None:
        if self.image_xy.shape != (N_LANDMARKS, 2):
            raise ValueError(f"Pose.image_xy must be (33,2), got {self.image_xy.shape}")
        if self.world_xyz is not None and self.world_xyz.shape != (N_LANDMARKS, 3):
            raise ValueError(f"Pose.world_xyz must be (33,3), got {self.world_xyz.shape}")
        if self.visibility.shape != (N_LANDMARKS,) or self.presence.shape != (N_LANDMARKS,):
            raise ValueError("Pose.visibility and Pose.presence must be (33,)")


@dataclass(frozen=True)
class Measures:
    """Named measure values at time t. NaN means unknown (missing or low-visibility input).

    values: name -> float in the measure's unit (degrees for angles, a plain ratio for
    normalised distances). For ``side = "alternate"`` exercises the keys are
    ``"<name>@left"`` and ``"<name>@right"``.
    """

    t: float
    values: Mapping[str, float]

    def get(self, name: str) -> float:
        return self.values.get(name, float("nan"))


@dataclass(frozen=True)
class RepEvent:
    """Something the rep counter decided at time t.

    kind: "start" (entered the first phase), "phase" (entered ``phase``), "rep" (a counted rep;
    a hold that reached its target is a "rep" too), "incomplete" (an attempt that is not counted;
    ``reason`` says why), "timeout" (the set paused longer than max_rep_s), "cycle" (an attempt
    ended, counted or not: ``reason`` is None when it counted).
    rep_index: 1-based count of this side after a "rep" event, else the count so far.
    side: "left"/"right" for per-side counting, else None.
    start_t: when the attempt started (entered the first phase), seconds.
    reached: on rep/incomplete/timeout from a [rep.range] counter, the furthest value of the
    primary measure in this attempt; target: the value it had to reach (both in the measure's
    unit; None when not known).
    faults: on a "cycle" of a counted rep, the check ids that failed during that rep (sorted):
    the one list that praise, the summary and reports all use.
    """

    kind: RepEventKind
    t: float
    phase: Optional[str] = None
    rep_index: int = 0
    side: Optional[Side] = None
    start_t: Optional[float] = None
    reason: Optional[str] = None
    message: Optional[Mapping[str, str]] = None
    reached: Optional[float] = None
    target: Optional[float] = None
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptStarted:
    """The rep lifecycle (coach.lifecycle): the member began attempt ``attempt`` at ``t`` (s);
    rep checks watch it from here (with the rest frames just before it)."""

    attempt: int  # unique within a session, 1-based
    t: float
    side: Optional[Side] = None


@dataclass(frozen=True)
class AttemptVerdict:
    """The rep lifecycle: attempt ``attempt`` was decided. ``event`` is the counter's verdict (kind
    "rep": counted; "incomplete" or "timeout": not counted, ``event.reason`` says why), with its
    times (``start_t``, ``t``, s) and reached/target (the measure's unit)."""

    attempt: int
    event: RepEvent

    @property
    def counted(self) -> bool:
        return self.event.kind == "rep"

    @property
    def side(self) -> Optional[Side]:
        return self.event.side


@dataclass(frozen=True)
class AttemptEnded:
    """The rep lifecycle: attempt ``attempt``'s cycle closed at ``t`` (back at the start).
    counted: its verdict was a rep; faults: the check ids that failed during it (sorted; () when
    not counted or not watched): the one list that praise, the summary and reports all use.
    watched: the checks saw the attempt (False: it began before the stream, or without a start)."""

    attempt: int
    t: float
    counted: bool
    side: Optional[Side] = None
    faults: tuple[str, ...] = ()
    watched: bool = True


@dataclass(frozen=True)
class AttemptAbandoned:
    """The rep lifecycle: attempt ``attempt`` went back to the start position with no verdict
    at ``t`` (too small to judge, or stopped by the rule file's gate); its checks stop watching."""

    attempt: int
    t: float
    side: Optional[Side] = None


LifecycleEvent = Union[AttemptStarted, AttemptVerdict, AttemptEnded, AttemptAbandoned]


@dataclass(frozen=True)
class Finding:
    """A form check that failed (good form was expected and not seen) at time t.

    value: the measured value that failed (unit of the measure), NaN for tempo/duration checks
    where ``value`` is a duration in seconds.
    """

    check_id: str
    severity: Severity
    t: float
    value: float
    message: Mapping[str, str]
    voice: Optional[Mapping[str, str]] = None
    cooldown_s: float = 10.0
    side: Optional[Side] = None


@dataclass(frozen=True)
class Cue:
    """One short message for the member, chosen by the feedback policy.

    text: what the screen shows; voice: what is spoken (shorter, may equal text).
    source: the check id, "praise", "view", "setup" or "rep" (rep messages such as incomplete).
    t: when it was issued (seconds); until_t: when the screen stops showing it.
    """

    text: str
    voice: str
    severity: Severity
    t: float
    until_t: float
    source: str


@dataclass(frozen=True)
class FrameResult:
    """Everything the coach decided for one frame: what the sinks draw, speak or write."""

    t: float
    index: int
    pose: Optional[Pose]
    measures: Measures
    events: tuple[RepEvent, ...] = ()
    findings: tuple[Finding, ...] = ()
    new_cue: Optional[Cue] = None
    current_cue: Optional[Cue] = None
    reps: int = 0
    reps_by_side: Mapping[str, int] = field(default_factory=dict)
    phase: Optional[str] = None
    hold_elapsed_s: Optional[float] = None
    hold_target_s: Optional[float] = None
    view: Optional[View] = None
    view_ok: Optional[bool] = None
    side: Optional[Side] = None
    display_measure: Optional[tuple[str, float, tuple[float, float], str]] = None  # (name, value, pixel xy, unit)
    notice: Optional[str] = None  # a problem the member or therapist must see (e.g. a rule-file error)
    progress: Optional[float] = None  # 0..1: how far toward counting the current attempt is now (None: unknown)
    lifecycle: tuple[LifecycleEvent, ...] = ()  # this frame's rep lifecycle (coach.lifecycle), in order
