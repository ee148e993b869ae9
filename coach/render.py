"""Overlay rendering (a sink): skeleton, the measured angle at its joint, the rep count, the hold
timer and the current cue. cv2 draws shapes; text goes through Pillow with a TrueType font
because cv2.putText cannot draw "°" or accented letters (Spanish cues).
"""
from __future__ import annotations

import functools
import importlib.util
from dataclasses import replace
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
def _text_alpha(text: str, size: int) -> np.ndarray:
    """Rendered text as its coverage (H, W, 1) uint8 0-255, any colour; cached because cues repeat
    every frame. One byte a pixel: the cache stays a few MB however many counts and angles a long
    session shows (a float colour patch and alpha, 16 bytes a pixel, grew the window's memory by
    ~150 MB over 10 minutes)."""
    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(text)
    w, h = max(1, x1 - min(0, x0) + 2), max(1, y1 + 4)
    img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(img).text((1 - min(0, x0), 1), text, font=font, fill=255)
    return np.asarray(img, np.uint8)[..., None]


@functools.lru_cache(maxsize=1024)
def text_size(text: str, size: int) -> tuple[int, int]:
    """(width, height) in pixels of ``text`` drawn by put_text at ``size``: the rendered patch's
    size, from the font's layout alone (no rendering: word wrapping measures many candidates)."""
    x0, _y0, x1, y1 = _font(size).getbbox(text)
    return max(1, x1 - min(0, x0) + 2), max(1, y1 + 4)


def put_text(img: np.ndarray, text: str, org: tuple[int, int], size: int, color=WHITE) -> None:
    """Draw unicode ``text`` with its top-left at ``org`` (pixels), clipped to the image."""
    coverage = _text_alpha(text, size)
    x, y = int(org[0]), int(org[1])
    h, w = coverage.shape[:2]
    H, W = img.shape[:2]
    xa, ya, xb, yb = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if xa >= xb or ya >= yb:
        return
    a = coverage[ya - y:yb - y, xa - x:xb - x].astype(np.float32) / 255.0
    roi = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = (roi * (1 - a) + np.asarray(color, np.float32) * a).astype(np.uint8)


def _box(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, color, alpha: float = 0.65) -> None:
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x0 >= x1 or y0 >= y1:
        return
    roi = img[y0:y1, x0:x1]
    img[y0:y1, x0:x1] = cv2.LUT(roi, _blend_lut(tuple(int(c) for c in color), float(alpha)))


@functools.lru_cache(maxsize=64)
def _blend_lut(color: tuple[int, ...], alpha: float) -> np.ndarray:
    """(256, 1, 3) uint8 table: level v of each channel -> int(v * (1 - alpha) + colour * alpha),
    the float formula tabulated once (a full-width band then costs a lookup, not float maths)."""
    v = np.arange(256, dtype=np.float64)[:, None]
    return (v * (1 - alpha) + np.asarray(color, np.float64)[None, :] * alpha).astype(np.uint8)[:, None, :]


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


GOOD = (90, 200, 90)      # BGR: the measured joint when form is fine, a rep bar that reached its target
FORM_COLOUR = {"info": GOOD, "tip": (230, 170, 60), "warning": (0, 150, 255), "stop": (40, 40, 230)}
BAR_BG = (70, 70, 70)
BAR_FILL = (230, 200, 120)
CHECK_SOURCES_NOT_FORM = ("praise", "rep", "view", "setup")  # cue sources that say nothing about form


def _wrap(text: str, size: int, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels at font ``size`` (words kept whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_size(lines[-1] + " " + word, size)[0] <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _form_colour(r: FrameResult):
    cue = r.current_cue
    if cue is not None and cue.source not in CHECK_SOURCES_NOT_FORM:
        return FORM_COLOUR.get(cue.severity, GOOD)
    return GOOD


def fit(image: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, float, tuple[int, int]]:
    """``image`` scaled to fit ``size`` (width, height) with its aspect kept, centred on a dark
    canvas: (canvas, scale, (x, y) offset of the picture on it)."""
    W, H = size
    h, w = image.shape[:2]
    k = min(W / w, H / h)
    nw, nh = max(1, round(w * k)), max(1, round(h * k))
    if (nw, nh) == (W, H):
        return cv2.resize(image, (W, H), interpolation=cv2.INTER_LINEAR if k > 1 else cv2.INTER_AREA), k, (0, 0)
    canvas = np.full((H, W, 3), 25, np.uint8)
    x, y = (W - nw) // 2, (H - nh) // 2
    interpolation = cv2.INTER_LINEAR if k > 1 else cv2.INTER_AREA
    canvas[y:y + nh, x:x + nw] = cv2.resize(image, (nw, nh), interpolation=interpolation)
    return canvas, k, (x, y)


def draw_overlay(img: np.ndarray, r: FrameResult, title: str = "", mirror: bool = False, *, lang: str = "en",
                 set_target: Optional[int] = None, muted: bool = False, paused: bool = False,
                 xy_scale: float = 1.0, xy_offset: tuple[int, int] = (0, 0),
                 banner: Optional[str] = None) -> np.ndarray:
    """Draw everything the member needs onto ``img`` (BGR, modified in place and returned),
    sized for reading from two metres: the rep count (of ``set_target``), a bar for how far this
    rep has got toward counting, a ring while a hold runs, the measured joint ringed in the colour
    of the form, one cue at a time (the setup problem when there is one). No internal names.

    xy_scale, xy_offset: where the pose's pixels land on ``img`` (x * scale + offset): a window
    shows the frame enlarged and letterboxed (see :func:`fit`).
    banner: a message over the picture (e.g. "learning your range again"), shown like a cue."""
    from .messages import overlay_text
    H, W = img.shape[:2]
    s = min(H / 720.0, W / 1000.0)  # layout scale: 1 on 1280x720, larger in bigger windows
    pose = r.pose
    if pose is not None:
        if xy_scale != 1.0 or xy_offset != (0, 0):
            pose = replace(pose, image_xy=pose.image_xy * xy_scale + np.asarray(xy_offset, float))
        draw_skeleton(img, pose, mirror)
    if r.display_measure is not None:  # the measured joint, ringed in the colour of the form
        _label, value, (x, y), unit = r.display_measure
        x, y = x * xy_scale + xy_offset[0], y * xy_scale + xy_offset[1]
        if mirror:
            x = W - 1 - x
        col = _form_colour(r)
        cv2.circle(img, (int(x), int(y)), max(10, int(30 * s)), col, max(3, int(7 * s)), cv2.LINE_AA)
        if unit == "deg":
            txt = f"{value:.0f}°"
            size = max(16, int(46 * s))
            tw, th = text_size(txt, size)
            tx = int(x + 40 * s) if x + 40 * s + tw < W else int(x - 40 * s - tw)
            ty = int(y - th / 2)
            _box(img, tx - int(8 * s), ty - int(4 * s), tx + tw + int(8 * s), ty + th + int(4 * s), PANEL, 0.6)
            put_text(img, txt, (tx, ty), size, col)
    # the rep count, and the set's progress
    label_size, big = max(12, int(30 * s)), max(40, int(150 * s))
    count = str(r.reps)
    cw, ch = text_size(count, big)
    of = overlay_text("of", lang, n=set_target) if set_target else ""
    ow = text_size(of, max(14, int(40 * s)))[0] if of else 0
    panel_w = max(int(230 * s), int(20 * s) + cw + int(16 * s) + ow + int(20 * s),
                  text_size(overlay_text("reps", lang), label_size)[0] + int(40 * s))
    panel_h = int(215 * s) + (int(40 * s) if r.reps_by_side else 0)
    _box(img, 0, 0, panel_w, panel_h, PANEL, 0.7)
    put_text(img, overlay_text("reps", lang), (int(20 * s), int(10 * s)), label_size, (200, 200, 200))
    put_text(img, count, (int(20 * s), int(38 * s)), big)
    if of:
        put_text(img, of, (int(20 * s) + cw + int(16 * s), int(38 * s) + ch - int(60 * s)), max(14, int(40 * s)),
                 (200, 200, 200))
    y = int(38 * s) + ch + int(8 * s)
    if set_target:  # one segment per rep of the set
        n = int(set_target)
        x0, x1 = int(20 * s), panel_w - int(20 * s)
        gap = max(2, int(6 * s)) if n <= 20 else 1
        seg = max(1.0, (x1 - x0 - gap * (n - 1)) / n)
        for k in range(n):
            a = int(x0 + k * (seg + gap))
            cv2.rectangle(img, (a, y), (int(a + seg), y + max(4, int(12 * s))), GOOD if k < r.reps else BAR_BG, -1)
    if r.reps_by_side:
        side_txt = "   ".join(f"{overlay_text(k, lang)} {v}" for k, v in sorted(r.reps_by_side.items()))
        put_text(img, side_txt, (int(20 * s), y + int(22 * s)), max(12, int(30 * s)))
    # this rep: how far toward the point where it counts
    if r.progress is not None:
        x0, x1 = W - int(80 * s), W - int(34 * s)
        y0, y1 = int(170 * s), H - int(200 * s)
        if y1 - y0 > 40:
            lab = overlay_text("this_rep", lang)
            size = max(10, int(24 * s))
            lw = text_size(lab, size)[0]
            lx = min(W - lw - int(12 * s), (x0 + x1) // 2 - lw // 2)
            _box(img, min(x0 - int(8 * s), lx - int(8 * s)), y0 - int(48 * s), W, y1 + int(8 * s), PANEL, 0.6)
            cv2.rectangle(img, (x0, y0), (x1, y1), BAR_BG, -1)
            top = int(y1 - (y1 - y0) * r.progress)
            cv2.rectangle(img, (x0, top), (x1, y1), GOOD if r.progress >= 1.0 else BAR_FILL, -1)
            cv2.line(img, (x0 - int(6 * s), y0), (x1 + int(6 * s), y0), WHITE, max(2, int(4 * s)))
            put_text(img, lab, (lx, y0 - int(42 * s)), size, (220, 220, 220))
    if title:
        size = max(12, int(34 * s))
        tw, _ = text_size(title, size)
        _box(img, W - tw - int(36 * s), 0, W, int(54 * s), PANEL, 0.7)
        put_text(img, title, (W - tw - int(18 * s), int(8 * s)), size)
    if muted:
        size = max(10, int(26 * s))
        t = overlay_text("muted", lang)
        tw, _ = text_size(t, size)
        put_text(img, t, (W - tw - int(18 * s), int(62 * s)), size, (200, 200, 200))
    if r.hold_elapsed_s is not None and r.hold_target_s:  # the hold ring, seconds inside
        frac = min(1.0, r.hold_elapsed_s / r.hold_target_s)
        cx, cy, rad = W // 2, int(110 * s), max(20, int(78 * s))
        _box(img, cx - rad - int(14 * s), cy - rad - int(14 * s), cx + rad + int(14 * s), cy + rad + int(14 * s),
             PANEL, 0.55)
        thick = max(4, int(16 * s))
        cv2.circle(img, (cx, cy), rad, BAR_BG, thick, cv2.LINE_AA)
        if frac > 0:
            cv2.ellipse(img, (cx, cy), (rad, rad), -90, 0, 360 * frac, GOOD, thick, cv2.LINE_AA)
        secs = f"{r.hold_elapsed_s:.1f}/{r.hold_target_s:g}s"
        size = max(12, int(34 * s))
        tw, th = text_size(secs, size)
        put_text(img, secs, (cx - tw // 2, cy - th // 2 - int(8 * s)), size)
        lab = overlay_text("hold", lang)
        lw, _ = text_size(lab, max(10, int(24 * s)))
        put_text(img, lab, (cx - lw // 2, cy + int(18 * s)), max(10, int(24 * s)), (200, 200, 200))
    # one cue at a time (a setup problem is a cue too); a banner message takes its place
    cue = r.current_cue
    text, colour = (banner, SEVERITY_BG["tip"]) if banner else \
        ((cue.text, SEVERITY_BG.get(cue.severity, PANEL)) if cue is not None else (None, None))
    if text:
        size = max(16, int(46 * s))
        lines = _wrap(text, size, W - int(60 * s))
        while len(lines) > 2 and size > 14:
            size -= 2
            lines = _wrap(text, size, W - int(60 * s))
        lh = text_size("Ág", size)[1]
        y0 = H - len(lines) * lh - int(30 * s)
        _box(img, 0, y0 - int(18 * s), W, H, colour, 0.85)
        for k, line in enumerate(lines):
            tw = text_size(line, size)[0]
            put_text(img, line, ((W - tw) // 2, y0 + k * lh), size)
    if r.notice:  # for the therapist editing the rule file: kept small, under the rep count
        size = max(10, int(20 * s))
        tw, th = text_size(r.notice, size)
        while tw > W - 20 and size > 8:
            size -= 1
            tw, th = text_size(r.notice, size)
        _box(img, 0, panel_h + int(6 * s), W, panel_h + int(6 * s) + th + 10, (20, 20, 160), 0.85)
        put_text(img, r.notice, (10, panel_h + int(6 * s) + 5), size)
    if paused:
        t = overlay_text("paused", lang)
        size = max(16, int(52 * s))
        tw, th = text_size(t, size)
        _box(img, (W - tw) // 2 - int(30 * s), H // 2 - th, (W + tw) // 2 + int(30 * s), H // 2 + th, PANEL, 0.85)
        put_text(img, t, ((W - tw) // 2, H // 2 - th // 2), size)
    return img


# The window's first size (width, height, pixels): the overlay is drawn at the window's size, so
# text is sized for the screen, not the camera. 1280x720 is readable from two metres on a laptop;
# the member can resize the window (or press f for full screen) and the overlay follows.
WINDOW_SIZE = (1280, 720)


class Window:
    """An OpenCV window sink. Create only after capture.display_available() said yes:
    cv2.imshow aborts the whole process when there is no display. No toolbar or status bar
    (WINDOW_GUI_NORMAL), opened at WINDOW_SIZE, aspect kept."""

    def __init__(self, name: str = "Form Coach", size: tuple[int, int] = WINDOW_SIZE):
        self.name = name
        self.default_size = size
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        cv2.resizeWindow(name, *size)
        self._full = False

    def size(self) -> tuple[int, int]:
        """(width, height) of the picture area now, at least WINDOW_SIZE's height's worth."""
        try:
            _x, _y, w, h = cv2.getWindowImageRect(self.name)
        except cv2.error:
            w = h = 0
        if w < 320 or h < 180:
            return self.default_size
        return int(w), int(h)

    def toggle_fullscreen(self) -> None:
        self._full = not self._full
        cv2.setWindowProperty(self.name, cv2.WND_PROP_FULLSCREEN,
                              cv2.WINDOW_FULLSCREEN if self._full else cv2.WINDOW_NORMAL)

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
