"""Shared test helpers: paths to the real clips (internal evaluation only; tests using them skip
cleanly when ../shared is absent)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CLIPS = REPO.parent / "shared" / "data" / "clips"


def clip_labels() -> list[dict]:
    f = CLIPS / "labels.json"
    return json.loads(f.read_text()) if f.exists() else []


@pytest.fixture
def clips_dir() -> Path:
    if not (CLIPS / "labels.json").exists():
        pytest.skip("real clips (../shared/data/clips) not available")
    return CLIPS
