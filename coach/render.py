"""Overlay rendering (a sink): skeleton, the measured angle at its joint, the rep count, the hold
timer and the current cue. cv2 draws shapes; text goes through Pillow with a TrueType font
because cv2.putText cannot draw "°" or accented letters (Spanish cues).
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .landmarks import EDGES, INDEX, NAMES
from .types import FrameResult, Pose

# BGR colours
WHITE = (255, 255, 255)
LEFT = (80, 200, 255)    # the person's left side: orange
RIGHT = (255, 190, 60)   # right side: blue
CENTRE = (230, 230, 230)
SEVERITY_BG = {"info": (90, 140, 40), "tip": (150, 100, 30), "warning": (0, 120, 220), "stop": (30, 30, 200)}
PANEL = (30, 30, 30)
SKELETON_MIN_VIS = 0.5  # 0-1. Landmarks below this are not drawn; raise if the skeleton shows ghost limbs.


@functools.lru_cache(maxsize=1)
def _font_path() -> Optional[str]:
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf"):
            p = Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf" / name
            if p.exists():
                return str(p)
    return None


@functools.lru_cache(maxsize=16)
def _font(size: int):
    path = _font_path()
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


@functools.lru_cache(maxsize=256)
def _text_patch(text: str, size: int, color: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Rendered text as (BGR patch, alpha 0-1); cached because cues repeat every frame."""
    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(text)
    w, h = max(1, x1 - min(0, x0) + 2), max(1, y1 + 4)
    img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(img).text((1 - min(0, x0), 1), text, font=font, fill=255)
    alpha = np.asarray(img, np.float32)[..., None] / 255.0
    patch = np.empty((h, w, 3), np.float32)
    patch[:] = color
    return patch, alpha


def text_size(text: str, size: int) -> tuple[int, int]:
    patch, _ = _text_patch(text, size, WHITE)
    return patch.shape[1], patch.shape[0]


def put_text(img: np.ndarray, text: str, org: tuple[int, int], size: int, color=WHITE) -> None:
    """Draw unicode ``text`` with its top-left at ``org`` (pixels), clipped to the image."""
    patch, alpha = _text_patch(text, size, color)
    x, y = int(org[0]), int(org[1])
    h, w = patch.shape[:2]
    H, W = img.shape[:2]
    xa, ya, xb, yb = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if xa >= xb or ya >= yb:
        return
    p = patch[ya - y:yb - y, xa - x:xb - x]
    a = alpha[ya - y:yb - y, xa - x:xb - x]
    roi = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = (roi * (1 - a) + p * a).astype(np.uint8)


def _box(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, color, alpha: float = 0.65) -> None:
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x0 >= x1 or y0 >= y1:
        return
    roi = img[y0:y1, x0:x1]
    img[y0:y1, x0:x1] = (roi * (1 - alpha) + np.array(color) * alpha).astype(np.uint8)


def _side_colour(i: int):
    n = NAMES[i]
    return LEFT if n.startswith("left") else RIGHT if n.startswith("right") else CENTRE


def _xy(pose: Pose, mirror: bool, width: int) -> np.ndarray:
    xy = pose.image_xy.copy()
    if mirror:
        xy[:, 0] = width - 1 - xy[:, 0]
    return xy


def draw_skeleton(img: np.ndarray, pose: Pose, mirror: bool = False, thickness: Optional[int] = None) -> None:
    H, W = img.shape[:2]
    t = thickness or max(2, round(H / 240))
    xy = _xy(pose, mirror, W)
    vis = pose.visibility >= SKELETON_MIN_VIS
    for a, b in EDGES:
        if vis[a] and vis[b]:
            pa, pb = tuple(map(int, xy[a])), tuple(map(int, xy[b]))
            col = _side_colour(a) if _side_colour(a) == _side_colour(b) else CENTRE
            cv2.line(img, pa, pb, col, t, cv2.LINE_AA)
    for i in range(len(xy)):
        if vis[i] and i > 10:  # face points are drawn by the lines only
            cv2.circle(img, tuple(map(int, xy[i])), t + 2, _side_colour(i), -1, cv2.LINE_AA)


def draw_avatar(img: np.ndarray, pose: Pose) -> None:
    """A simple figure for the demo: thick limbs, a torso and a head, on a plain background."""
    H, W = img.shape[:2]
    xy = pose.image_xy
    limb = max(6, round(H / 40))
    torso = np.array([xy[INDEX[n]] for n in ("left_shoulder", "right_shoulder", "right_hip", "left_hip")], np.int32)
    cv2.fillConvexPoly(img, torso, (150, 120, 90), cv2.LINE_AA)
    for a, b in EDGES:
        if a > 10 and b > 10:
            cv2.line(img, tuple(map(int, xy[a])), tuple(map(int, xy[b])), (170, 140, 110), limb, cv2.LINE_AA)
    head = xy[[INDEX["nose"], INDEX["left_ear"], INDEX["right_ear"]]].mean(axis=0)
    neck = (xy[INDEX["left_shoulder"]] + xy[INDEX["right_shoulder"]]) / 2
    cv2.line(img, tuple(map(int, neck)), tuple(map(int, head)), (170, 140, 110), limb, cv2.LINE_AA)
    r = max(8, int(np.linalg.norm(xy[INDEX["left_shoulder"]] - xy[INDEX["right_shoulder"]]) * 0.35), limb)
    cv2.circle(img, tuple(map(int, head)), r, (160, 180, 210), -1, cv2.LINE_AA)


def draw_overlay(img: np.ndarray, r: FrameResult, title: str = "", mirror: bool = False) -> np.ndarray:
    """Draw everything the member needs onto ``img`` (BGR, modified in place and returned)."""
    H, W = img.shape[:2]
    s = min(H / 720.0, W / 900.0)  # layout scale: 1 on 1280x720, smaller on narrow (portrait) frames
    if r.pose is not None:
        draw_skeleton(img, r.pose, mirror)
    if r.display_measure is not None:
        label, value, (x, y), unit = r.display_measure
        if mirror:
            x = W - 1 - x
        txt = f"{value:.0f}°" if unit == "deg" else f"{value:.2f}"
        put_text(img, txt, (int(x + 12 * s), int(y - 30 * s)), max(14, int(34 * s)), (0, 255, 255))
    # rep counter panel
    big = max(28, int(110 * s))
    _box(img, 0, 0, int(260 * s) + text_size(str(r.reps), big)[0] // 2, int(175 * s), PANEL)
    put_text(img, "REPS", (int(16 * s), int(8 * s)), max(12, int(28 * s)))
    put_text(img, str(r.reps), (int(16 * s), int(36 * s)), big)
    y = int(150 * s)
    if r.reps_by_side:
        side_txt = "  ".join(f"{k[0].upper()} {v}" for k, v in sorted(r.reps_by_side.items()))
        put_text(img, side_txt, (int(16 * s), y - int(6 * s)), max(12, int(24 * s)))
    if title:
        tw, _ = text_size(title, max(12, int(28 * s)))
        _box(img, W - tw - int(30 * s), 0, W, int(44 * s), PANEL)
        put_text(img, title, (W - tw - int(15 * s), int(6 * s)), max(12, int(28 * s)))
    if r.phase:
        put_text(img, r.phase, (W - text_size(r.phase, max(12, int(24 * s)))[0] - int(15 * s), int(50 * s)),
                 max(12, int(24 * s)), (200, 200, 200))
    if r.hold_elapsed_s is not None and r.hold_target_s:
        frac = min(1.0, r.hold_elapsed_s / r.hold_target_s)
        x0, y0, x1, y1 = int(W * 0.3), int(64 * s), int(W * 0.7), int(100 * s)  # under the title
        _box(img, x0, y0, x1, y1, PANEL)
        _box(img, x0, y0, x0 + int((x1 - x0) * frac), y1, (60, 180, 60), 0.9)
        put_text(img, f"hold {r.hold_elapsed_s:.1f} / {r.hold_target_s:g} s", (x0 + int(8 * s), y0 + int(4 * s)),
                 max(12, int(26 * s)))
    cue = r.current_cue
    if cue is not None:
        size = max(14, int(40 * s))
        tw, th = text_size(cue.text, size)
        while tw > W - 20 and size > 10:
            size -= 2
            tw, th = text_size(cue.text, size)
        y0 = H - th - int(40 * s)
        _box(img, 0, y0 - int(12 * s), W, H, SEVERITY_BG.get(cue.severity, PANEL), 0.8)
        put_text(img, cue.text, ((W - tw) // 2, y0), size)
    if r.notice:
        size = max(10, int(20 * s))
        tw, th = text_size(r.notice, size)
        while tw > W - 20 and size > 8:
            size -= 1
            tw, th = text_size(r.notice, size)
        _box(img, 0, int(180 * s), W, int(180 * s) + th + 10, (20, 20, 160), 0.85)
        put_text(img, r.notice, (10, int(180 * s) + 5), size)
    if r.view_ok is False:
        put_text(img, f"view: {r.view}", (int(16 * s), int(185 * s)), max(12, int(22 * s)), (0, 180, 255))
    return img


class Window:
    """An OpenCV window sink. Create only after capture.display_available() said yes:
    cv2.imshow aborts the whole process when there is no display."""

    def __init__(self, name: str = "Form Coach"):
        self.name = name
        cv2.namedWindow(name, cv2.WINDOW_NORMAL)

    def show(self, img: np.ndarray) -> bool:
        """Show a frame; returns False when the member pressed q or Esc or closed the window."""
        cv2.imshow(self.name, img)
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), 27):
            return False
        try:
            return cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:
            return False

    def show_key(self, img: np.ndarray) -> int:
        """Show a frame; returns the key pressed (-1: none; 27 also when the window was closed)."""
        cv2.imshow(self.name, img)
        key = cv2.waitKey(1)
        try:
            if cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) < 1:
                return 27
        except cv2.error:
            return 27
        return key & 0xFF if key >= 0 else -1

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.name)
        except cv2.error:
            pass
