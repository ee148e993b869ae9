"""Shared test helpers: paths to the real clips (internal evaluation only; tests using them skip
cleanly when ../shared is absent), the `real_clips` marker, and the end-of-session report of what
ran on real footage (printed even with -q)."""
from __future__ import annotations

from pathlib import Path

import pytest
import realclips
from xdisplay import display  # noqa: F401  (a fixture: Xvfb for the window tests)

REPO = Path(__file__).resolve().parents[1]
CLIPS = realclips.CLIPS  # ../shared/data/clips, or $COACH_CLIPS_DIR


def clip_labels() -> list[dict]:
    return realclips.labels()


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    if not realclips.available():
        pytest.skip(realclips.SKIP_REASON)
    return CLIPS


def pytest_configure(config):
    config.addinivalue_line("markers", "real_clips: runs real MediaPipe inference on the labelled clips in "
                            "../shared/data/clips ($COACH_CLIPS_DIR); skipped when they are absent")


def pytest_collection_modifyitems(config, items):
    for item in items:  # every test that reads a real clip says so, whichever file it is in
        if "clips_dir" in getattr(item, "fixturenames", ()) and item.get_closest_marker("real_clips") is None:
            item.add_marker(pytest.mark.real_clips)
    realclips.STATE.collected = sum(item.get_closest_marker("real_clips") is not None for item in items)


def pytest_collectreport(report):
    # a module of real-clip tests skipped as a whole (tests/test_real_clips.py without the clips)
    if report.skipped and realclips.SKIP_REASON in str(report.longrepr):
        realclips.STATE.modules_skipped.append(report.nodeid)


def pytest_runtest_logreport(report):
    if "real_clips" not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        key = "passed" if report.passed else "skipped" if report.skipped else "failed"
        realclips.STATE.outcomes[key] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    st = realclips.STATE
    if not st.collected and not st.modules_skipped:
        return
    tr = terminalreporter
    o = st.outcomes
    tests = f"tests using real clips: {o['passed']} passed, {o['failed']} failed, {o['skipped']} skipped"
    if st.modules_skipped:
        tests += f" (and all of {', '.join(st.modules_skipped)})"
    tr.write_sep("=", "real clips")
    if not realclips.available():
        tr.write_line(f"real clips: 0 ran ({realclips.clips_display()} not found); {tests}")
        return
    if st.runs:
        for line in realclips.table_lines():
            tr.write_line(line)
        n, exact, within = realclips.score(st.runs)
        tr.write_line(f"exact {exact}/{n}, within one {within}/{n}")
        for f, why in st.not_scored:
            tr.write_line(f"not scored: {f} ({why})")
        if st.fault_report:
            tr.write_line("")
            for line in st.fault_report:
                tr.write_line(line)
        for line in st.notes:
            tr.write_line(line)
    ran = sum(r.summary is not None for r in st.runs)
    failed = len(st.runs) - ran
    timing = f" in {st.wall_s:.0f} s with {st.workers} worker{'s' if st.workers != 1 else ''}" if st.runs else ""
    tr.write_line(f"real clips: {ran} ran{timing}" + (f", {failed} failed to run" if failed else "")
                  + f"; {tests}")
