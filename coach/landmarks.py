"""The 33 MediaPipe pose landmarks: names, indices, sides and skeleton edges.

Rule files name landmarks by these strings; ``{side}`` and ``{other}`` in a rule-file
name are replaced by ``left``/``right`` before lookup (see :func:`resolve`).
"""
from __future__ import annotations

from typing import Literal

NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(NAMES)  # 33
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

Side = Literal["left", "right"]  # a body side (coach.types re-exports it)
SIDES: tuple[Side, Side] = ("left", "right")


def other_side(side: str) -> str:
    return "right" if side == "left" else "left"


def resolve(name: str, side: str | None) -> str:
    """Replace ``{side}``/``{other}`` in a rule-file landmark name.

    ``side`` is "left" or "right"; with ``side=None`` the name must not contain a
    placeholder.
    """
    if "{" not in name:
        return name
    if side is None:
        raise ValueError(f"landmark {name!r} needs a side")
    return name.replace("{side}", side).replace("{other}", other_side(side))


def is_valid_name(name: str) -> bool:
    """True if ``name`` (placeholders allowed) names a landmark for both sides."""
    try:
        return all(resolve(name, s) in INDEX for s in SIDES)
    except ValueError:
        return False


def mirror_index(i: int) -> int:
    """Index of the same landmark on the other side of the body (nose maps to itself)."""
    name = NAMES[i]
    if name.startswith("left_"):
        return INDEX["right_" + name[5:]]
    if name.startswith("right_"):
        return INDEX["left_" + name[6:]]
    if name == "mouth_left":
        return INDEX["mouth_right"]
    if name == "mouth_right":
        return INDEX["mouth_left"]
    return i


# Skeleton edges drawn by the overlay (pairs of landmark names).
_EDGE_NAMES = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_wrist", "left_index"), ("right_wrist", "right_index"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
    ("left_ear", "left_eye"), ("right_ear", "right_eye"),
    ("left_eye", "nose"), ("right_eye", "nose"),
)
EDGES: tuple[tuple[int, int], ...] = tuple((INDEX[a], INDEX[b]) for a, b in _EDGE_NAMES)
