"""`coach report`: the numbers in the HTML are the session's events, the file is self-contained,
and it renders (charts included) in a real headless Chromium."""
from __future__ import annotations

import json
import re
from pathlib import Path

import browser
import pytest
import sessionkit

from coach.cli import main
from coach.store import Store

SCREENSHOTS = Path(__file__).resolve().parent / "_screenshots"  # kept for a person to look at (git-ignored)


def step_numbers(page: str) -> list[dict]:
    """Per exercise card: its data-exercise/side and every data-k number in it."""
    out = []
    for m in re.finditer(r"<div class='card' id='step\d+' data-exercise='([^']*)' data-side='([^']*)'>(.*?)"
                         r"(?=<div class='card')", page, re.S):
        nums: dict[str, list] = {}
        for k, v in re.findall(r'<span data-k="([^"]+)">([^<]*)</span>', m.group(3)):
            nums.setdefault(k, []).append(v)
        out.append({"exercise": m.group(1), "side": m.group(2) or None, **nums})
    return out


def expected_from_summaries(res: dict) -> list[dict]:
    """What each step must show, from the run's own per-set summaries (not from the store)."""
    out = []
    for s in res["sets"]:
        side = s["set"]["side"]
        mine = [d for d in s["reps_detail"] if side is None or d.get("side") == side]
        counted = [d for d in mine if d["counted"]]
        clean = [d for d in counted if not d.get("faults")]
        out.append({"exercise": s["exercise"], "side": side, "attempts": [str(len(mine))],
                    "counted": [str(len(counted))], "clean": [str(len(clean))],
                    "score": [str(round(100 * len(clean) / len(mine)))], "set_reps": [str(s["set"]["reps"])]})
    return out


def test_report_numbers_match_the_session_events(tmp_path, capsys):
    # a shrug in every squeeze and rows that return too fast: faults show up in the numbers
    folder = tmp_path / "src"
    folder.mkdir()
    routine = sessionkit.short_routine(folder)
    srcs = [sessionkit.recording(folder, "scapular_squeeze", fault="shrug"),
            sessionkit.recording(folder, "thread_the_needle", seed=1),
            sessionkit.recording(folder, "thread_the_needle", seed=2, name="ttn2.npz"),
            sessionkit.recording(folder, "resisted_row", fault="slow_return", seed=3)]
    args = ["routine", str(routine), "--data-dir", str(tmp_path / "data"), "--no-window", "--json",
            "--pain-before", "3", "--pain-after", "6"]
    for s in srcs:
        args += ["--source", str(s)]
    assert main(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert main(["report", "--data-dir", str(tmp_path / "data"), "-o", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    got = step_numbers(page)
    want = expected_from_summaries(res)
    for g in got:
        for k in [k for k in g if k.startswith("why_") or k == "cue_count"]:
            g.pop(k)
    assert got == want
    # the injected faults are what the numbers say: every squeeze shrugged, rows counted but not clean
    assert want[0]["clean"] == ["0"] and want[0]["counted"] == ["3"] and want[0]["score"] == ["0"]
    assert int(want[3]["counted"][0]) == 4 and int(want[3]["clean"][0]) < 4
    # cue counts per step add up to the session's cues
    with Store(tmp_path / "data") as st:
        rows = st.session_rows(res["session"])
    counts = [sum(int(x) for x in re.findall(r'<span data-k="cue_count">(\d+)</span>', m))
              for m in re.findall(r"<div class='card' id='step\d+'.*?(?=<div class='card')", page, re.S)]
    assert sum(counts) == len(rows["cues"]) == sum(len(s["cues"]) for s in res["sets"])
    # pain, and the suggestion to stop (a rise of 3 points)
    assert re.search(r'data-k="pain_before">3<', page) and re.search(r'data-k="pain_after">6<', page)
    assert "Your pain rose from 3 to 6. We suggest you stop" in page
    assert "does not diagnose" in page  # the safety notes


def test_report_is_self_contained(tmp_path, capsys):
    res, _ = sessionkit.run_routine(tmp_path, capsys, "--pain-before", "2", "--pain-after", "2")
    out = tmp_path / "r.html"
    assert main(["report", res["uuid"][:8], "--data-dir", str(tmp_path / "data"), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= 8  # range of motion and tempo per step, holds for the squeezes
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert "<script" not in page.replace("<script type='application/json' id='report-data'>", "")
    # in Spanish, with the same numbers
    es = tmp_path / "es.html"
    assert main(["report", "--data-dir", str(tmp_path / "data"), "-o", str(es), "--lang", "es"]) == 0
    page_es = es.read_text(encoding="utf-8")
    assert "Informe de la sesión" in page_es and "Puntuación de técnica" in page_es and "Dolor antes" in page_es
    assert "Enhebrar la aguja – izquierda" in page_es and "no diagnostica" in page_es
    assert step_numbers(page_es) == step_numbers(page)


def test_report_of_no_session_is_one_line_exit_1(tmp_path):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "coach", "report", "--data-dir", str(tmp_path)], capture_output=True,
                       text=True, cwd=Path(__file__).resolve().parents[1])
    assert p.returncode == 1 and "no sessions yet" in p.stderr and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(browser.chromium() is None, reason=browser.SKIP_REASON)
def test_report_renders_in_headless_chromium_with_its_charts(tmp_path, capsys):
    res, _ = sessionkit.run_routine(tmp_path, capsys, "--pain-before", "3", "--pain-after", "6")
    html = tmp_path / "report.html"
    assert main(["report", "--data-dir", str(tmp_path / "data"), "-o", str(html)]) == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    img = browser.screenshot(html, SCREENSHOTS / "report.png", height=4800)  # the whole page (about 4400 px)
    # the charts' colours: counted attempts (dots and bars) and the green target line and band
    blue = browser.pixels_near(img, (31, 119, 180))
    green = browser.pixels_near(img, (44, 160, 44), tol=20)
    assert blue > 20000 and green > 2000, (blue, green)
    # the trace pictures (one per step): the measure's dark blue line
    trace_line = browser.pixels_near(img, (31, 78, 121), tol=10)
    assert trace_line > 4 * 1500, trace_line
    # the same page without its charts has none of these colours: the count comes from the SVGs and PNGs
    bare = tmp_path / "bare.html"
    page = re.sub(r"<svg.*?</svg>", "", html.read_text(encoding="utf-8"), flags=re.S)
    bare.write_text(re.sub(r"<img [^>]*>", "", page), encoding="utf-8")
    img2 = browser.screenshot(bare, tmp_path / "bare.png")
    assert browser.pixels_near(img2, (31, 119, 180)) < 50 and browser.pixels_near(img2, (44, 160, 44), tol=20) < 50
    assert browser.pixels_near(img2, (31, 78, 121), tol=10) < 50


def trace_pictures(page: str) -> list[tuple[str, str, list]]:
    """Per exercise card: (exercise, side, [the decoded trace PNGs as RGB arrays])."""
    import base64
    import io

    import numpy as np
    from PIL import Image
    out = []
    for m in re.finditer(r"<div class='card' id='step\d+' data-exercise='([^']*)' data-side='([^']*)'>(.*?)"
                         r"(?=<div class='card')", page, re.S):
        pngs = re.findall(r"<img class='trace' data-chart='trace' alt='[^']*' src='data:image/png;base64,([^']+)'>",
                          m.group(3))
        out.append((m.group(1), m.group(2), [np.asarray(Image.open(io.BytesIO(base64.b64decode(p))).convert("RGB"))
                                             for p in pngs]))
    return out


def test_report_has_the_trace_of_each_exercise_with_its_attempts_marked(tmp_path, capsys):
    """One trace picture per exercise card: the measure over time, the count point, and the
    stored attempts shaded green (counted) or red (not counted); the short row shows red."""
    from test_replay_session import short_row_session

    from coach.report import TRACE_DPI, TRACE_SIZE_IN
    res, data = short_row_session(tmp_path, capsys)
    out = tmp_path / "r.html"
    assert main(["report", "last", "--data-dir", str(data), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    pics = trace_pictures(page)
    assert [(e, s, len(p)) for e, s, p in pics] == [("scapular_squeeze", "", 1), ("thread_the_needle", "left", 1),
                                                    ("thread_the_needle", "right", 1), ("resisted_row", "", 1)]
    size = (round(TRACE_SIZE_IN[1] * TRACE_DPI), round(TRACE_SIZE_IN[0] * TRACE_DPI), 3)
    for ex, _side, (img,) in pics:
        assert img.shape == size, (ex, img.shape)
        assert browser.pixels_near(img, (31, 78, 121), tol=10) > 1000, ex  # the measure
        assert browser.pixels_near(img, (197, 90, 17), tol=60) > 200, ex  # the count point (dashed)
        green = browser.pixels_near(img, (214, 236, 214), tol=8)  # a counted attempt's span
        red = browser.pixels_near(img, (248, 219, 219), tol=8)  # an attempt that did not count
        assert green > 3000, (ex, green)
        assert (red > 3000) == (ex == "resisted_row"), (ex, red)  # only the 4th row did not count
    assert len(page) < 600_000  # small enough to mail
    # the recording gone: the report is still written, each card says why it has no trace
    with Store(data) as st:
        rec = data / st.find_session("last")["recording_path"]
    rec.unlink()
    assert main(["report", "last", "--data-dir", str(data), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "data-chart='trace'" not in page
    assert page.count(f"Trace not available: session {res['session']} ({res['uuid'][:8]}): its landmark recording "
                      f"{rec} is missing") == 4
