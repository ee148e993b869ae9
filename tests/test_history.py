"""`coach history` over synthetic sessions with a known trend: pain falling, range rising, one
session a week against a plan of 3."""
from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

import browser
import pytest
import sessionkit

from coach.cli import main

SCREENSHOTS = Path(__file__).resolve().parent / "_screenshots"

PAIN = [(7, 6), (6, 5), (4, 4), (3, 2)]  # (before, after) per session, falling
RANGE = [0.6, 0.73, 0.86, 1.0]           # share of the synthetic full excursion, rising
WEEKS = ["2026-10-05T09:00:00.000+00:00", "2026-10-12T09:00:00.000+00:00", "2026-10-19T09:00:00.000+00:00",
         "2026-11-02T09:00:00.000+00:00"]  # one a week, then a week missed


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history")
    data = tmp / "data"
    from coach.cli import main as run
    for i, ((b, a), share) in enumerate(zip(PAIN, RANGE)):
        folder = tmp / f"s{i}"
        folder.mkdir()
        routine = sessionkit.short_routine(folder, per_week=3)
        args = ["routine", str(routine), "--data-dir", str(data), "--no-window", "--json", "--profile", "ana",
                "--pain-before", str(b), "--pain-after", str(a)]
        for s in sessionkit.set_recordings(folder, seed=i, range_share=share):
            args += ["--source", str(s)]
        assert run(args) == 0
    con = sqlite3.connect(data / "coach.db")  # a synthetic history: the sessions spread over weeks
    for sid, when in enumerate(WEEKS, start=1):
        con.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (when, sid))
    con.commit()
    con.close()
    html, csv_path = tmp / "history.html", tmp / "history.csv"
    assert run(["history", "--data-dir", str(data), "-o", str(html), "--csv", str(csv_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    return {"html": html, "rows": rows, "data": data}


def test_csv_shows_pain_falling_and_range_rising(history):
    rows = history["rows"]
    sessions = sorted({int(r["session"]) for r in rows})
    assert sessions == [1, 2, 3, 4]
    first = [next(r for r in rows if int(r["session"]) == s) for s in sessions]
    assert [(int(r["pain_before"]), int(r["pain_after"])) for r in first] == PAIN
    assert [r["week"] for r in first] == ["2026-W41", "2026-W42", "2026-W43", "2026-W45"]
    for ex in ("scapular_squeeze", "thread_the_needle", "resisted_row"):
        rom = [float(r["rom_mean"]) for r in rows if r["exercise"] == ex]
        assert len(rom) == 4 and all(b > a for a, b in zip(rom, rom[1:])), (ex, rom)
        # the range grows with the share of the excursion: the last is well above the first
        assert rom[-1] / rom[0] > 1.3, (ex, rom)
    ttn = [r for r in rows if r["exercise"] == "thread_the_needle"]
    assert all(r["rom_left"] and r["rom_right"] and r["asymmetry_pct"] for r in ttn)
    # the synthetic arms mirror each other; the first session's few reps (60 % of the range, one
    # left rep measured against a rest learnt on the right) read 17 %
    assert [float(r["asymmetry_pct"]) < 5 for r in ttn] == [False, True, True, True]


def path_ys(svg: str, gid: str) -> list[float]:
    """The y coordinates (SVG: down is +) of the line drawn with this gid."""
    m = re.search(rf'<g id="{re.escape(gid)}">\s*<path d="([^"]+)"', svg)
    assert m, gid
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", m.group(1))]
    return nums[1::2]


def test_the_charts_draw_the_same_trends(history):
    page = history["html"].read_text(encoding="utf-8")
    before = path_ys(page, "pain_before")
    assert len(before) == 4 and all(b > a for a, b in zip(before, before[1:]))  # lower on the page = less pain
    for ex in ("scapular_squeeze", "resisted_row"):
        ys = path_ys(page, f"rom-{ex}")
        assert len(ys) == 4 and all(b < a for a, b in zip(ys, ys[1:])), ex  # higher on the page = more range
    assert "2026-W44: 0/3" in page and "2026-W41: 1/3" in page  # adherence: the missed week shows


def test_csv_to_stdout(history, capsys):
    assert main(["history", "--data-dir", str(history["data"]), "-o", str(history["html"]), "--csv", "-"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("session,uuid,started_at,week,profile") and len(out.splitlines()) == 13


@pytest.mark.skipif(browser.chromium() is None, reason=browser.SKIP_REASON)
def test_history_renders_in_headless_chromium(history):
    SCREENSHOTS.mkdir(exist_ok=True)
    img = browser.screenshot(history["html"], SCREENSHOTS / "history.png", height=2600)
    assert browser.pixels_near(img, (44, 160, 44), tol=20) > 1500  # the range lines
    assert browser.pixels_near(img, (255, 127, 14), tol=20) > 300  # pain after
    assert browser.pixels_near(img, (31, 119, 180)) > 5000  # pain before and the weekly bars


def test_history_of_one_profile(history, tmp_path, capsys):
    html = tmp_path / "h.html"
    assert main(["history", "--data-dir", str(history["data"]), "--profile", "ana", "-o", str(html)]) == 0
    assert "history of 4 sessions" in capsys.readouterr().out
    assert main(["history", "--data-dir", str(history["data"]), "--profile", "nobody", "-o", str(html)]) == 0
    assert "history of 0 sessions" in capsys.readouterr().out
    assert "No sessions yet." in html.read_text(encoding="utf-8")
