"""Typed pipeline configuration: one frozen dataclass per stage, and the single home of each
default. No I/O here: ``coach.library.pipeline_params`` reads ``calibration/pipeline.toml``
(checked key by key at ``file:line:col`` against the catalogue in ``coach.rules.pipeline``) and
builds a :class:`PipelineConfig` from it; a key the file leaves out keeps the default below.
The shipped file restates these defaults for therapists to read (a test keeps them equal).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from .smoothing import OneEuroParams


@dataclass(frozen=True)
class PoseConfig:
    """MediaPipe thresholds (0-1). Raise to reject uncertain people and poses; lower for a dim,
    distant member."""

    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5


@dataclass(frozen=True)
class ViewConfig:
    """Camera view bands in degrees of |body yaw| (0 = facing the camera), and its debouncing.

    window_s: majority-vote window (s); raise if the verdict flickers.
    wrong_for_s: how long the view must be wrong before the coach says so (s)."""

    front_max_deg: float = 35.0
    side_min_deg: float = 60.0
    side_max_deg: float = 120.0
    rear_min_deg: float = 145.0
    window_s: float = 1.5
    wrong_for_s: float = 2.0


@dataclass(frozen=True)
class SetupConfig:
    """missing_for_s: needed landmarks out of view this long (s) before the member is asked to move."""

    missing_for_s: float = 2.0


@dataclass(frozen=True)
class FeedbackConfig:
    """display_s: how long a cue stays on screen (s); min_gap_s: quiet time between cues (s);
    system_cooldown_s: least time between two set-up cues ("turn to the camera") (s)."""

    display_s: float = 3.0
    min_gap_s: float = 2.0
    system_cooldown_s: float = 12.0


@dataclass(frozen=True)
class SideConfig:
    """side = "auto": switch_margin (visibility 0-1) the other side must lead by, averaged with
    time constant switch_time_s (s), before the watched side changes."""

    switch_margin: float = 0.15
    switch_time_s: float = 1.0


@dataclass(frozen=True)
class PipelineConfig:
    """Every stage's settings; the sections of calibration/pipeline.toml."""

    pose: PoseConfig = field(default_factory=PoseConfig)
    smoothing: OneEuroParams = field(default_factory=OneEuroParams)
    view: ViewConfig = field(default_factory=ViewConfig)
    setup: SetupConfig = field(default_factory=SetupConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    side: SideConfig = field(default_factory=SideConfig)

    @classmethod
    def from_sections(cls, sections: Mapping[str, Mapping[str, Any]]) -> "PipelineConfig":
        """From checked sections (section -> key -> value, as coach.rules.pipeline returns them);
        a missing key keeps its default. Unknown names are a programming error here (the
        loader has already reported them at their position)."""
        kw = {}
        for f in fields(cls):
            section = sections.get(f.name, {})
            kw[f.name] = type(getattr(cls(), f.name))(**section)
        return cls(**kw)
