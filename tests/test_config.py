"""Typed pipeline configuration (coach.config): one home for each default, typos are positioned
errors in every section, and the engine gets typed settings, not dicts."""
from __future__ import annotations

import dataclasses

import pytest

from coach.config import FeedbackConfig, PipelineConfig, SetupConfig, SideConfig, ViewConfig
from coach.engine import Coach
from coach.errors import RuleFileError
from coach.library import calibration_dir, find_exercise, pipeline_params
from coach.rules.loader import parse_toml
from coach.view import classify


def test_the_shipped_file_restates_the_defaults_exactly():
    """The dataclasses hold the defaults; calibration/pipeline.toml repeats every one of them for
    therapists to read. They must not drift apart."""
    text = (calibration_dir() / "pipeline.toml").read_text(encoding="utf-8")
    data, problems = parse_toml(text, "pipeline.toml")
    assert problems == []
    defaults = PipelineConfig()
    for f in dataclasses.fields(PipelineConfig):
        section = getattr(defaults, f.name)
        assert data[f.name] == dataclasses.asdict(section), f.name
    assert pipeline_params() == defaults


@pytest.mark.parametrize("section,typo,key", [("setup", "missing_for", "missing_for_s"),
                                               ("side", "switch_margn", "switch_margin"),
                                               ("view", "window", "window_s"),
                                               ("feedback", "display", "display_s")])
def test_a_typo_in_any_section_is_a_positioned_error(tmp_path, section, typo, key):
    path = tmp_path / "pipeline.toml"
    path.write_text(f"[{section}]\n{typo} = 1.0\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as e:
        pipeline_params(path)
    assert len(e.value.problems) == 1
    assert e.value.problems[0].startswith(f"{path}:2:1: unknown key '{typo}' in [{section}]")
    assert f"(did you mean '{key}'?)" in e.value.problems[0]


def test_a_key_left_out_keeps_its_default_and_the_others_are_typed(tmp_path):
    path = tmp_path / "pipeline.toml"
    path.write_text("[feedback]\ndisplay_s = 4.5\n[view]\nfront_max_deg = 30\n", encoding="utf-8")
    cfg = pipeline_params(path)
    assert cfg.feedback == FeedbackConfig(display_s=4.5, min_gap_s=2.0, system_cooldown_s=12.0)
    assert cfg.view == dataclasses.replace(ViewConfig(), front_max_deg=30.0)
    assert cfg.setup == SetupConfig() and cfg.side == SideConfig()


def test_the_engine_uses_the_settings_it_is_given():
    cfg = dataclasses.replace(PipelineConfig(), feedback=FeedbackConfig(display_s=5.0, min_gap_s=1.0,
                                                                        system_cooldown_s=30.0),
                              setup=SetupConfig(missing_for_s=4.0), side=SideConfig(0.3, 2.0))
    coach = Coach(find_exercise("bicep_curl"), cfg)
    assert (coach.policy.display_s, coach.policy.min_gap_s, coach.monitor.cooldown_s) == (5.0, 1.0, 30.0)
    assert coach.monitor.missing_for_s == 4.0 and coach.sides.config == SideConfig(0.3, 2.0)


def test_view_bands_come_from_the_config():
    narrow = dataclasses.replace(ViewConfig(), front_max_deg=20.0)
    assert (classify(30.0), classify(30.0, narrow)) == ("front", "oblique")


def test_the_engine_imports_nothing_that_does_io():
    """The pure core (coach.engine and what it imports) reads no file, opens no camera and loads
    no model: the loaders, the library, cv2 and mediapipe stay out of it."""
    import subprocess
    import sys
    code = ("import sys, coach.engine; print(' '.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('coach', 'cv2', 'mediapipe', 'sqlite3'))))")
    mods = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert "coach.engine" in mods
    assert mods.isdisjoint({"coach.library", "coach.rules.loader", "coach.capture", "coach.render", "coach.runner",
                            "coach.pose.landmarker", "coach.pose.recording", "coach.profile", "cv2", "mediapipe",
                            "sqlite3"}), sorted(mods)
