"""Pain check-ins (flags, a terminal prompt when there is no window), the stop suggestion, the
safety screen once per profile, in English and Spanish."""
from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sessionkit

from coach.care import PAIN_HIGH, PAIN_RISE_STOP, TEXT, pain_advice, parse_pain

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("before,after,keys", [
    (3, 4, []),                    # a rise of 1: nothing to say
    (3, 5, ["stop_rise"]),         # a rise of 2
    (5, 8, ["stop_rise"]),         # a rise of 3, also above 7: said once
    (7, 8, ["stop_high"]),         # above 7 without rising by 2
    (7, 7, []),                    # 7 is not above 7
    (8, None, ["stop_high_before"]),
    (None, 9, ["stop_high"]),
    (None, 5, []),                 # unknown before is not 0
    (None, None, []),
])
def test_pain_advice(before, after, keys):
    assert (PAIN_RISE_STOP, PAIN_HIGH) == (2, 7)
    assert [k for k, _ in pain_advice(before, after)] == keys


def test_pain_is_a_whole_number_from_0_to_10():
    assert [parse_pain(s) for s in ("0", " 10 ", "7", "11", "-1", "3.5", "", "x")] == [0, 10, 7, None, None, None,
                                                                                     None, None]


def test_every_member_facing_text_is_in_english_and_spanish():
    assert all(set(v) == {"en", "es"} and all(v.values()) for v in TEXT.values())


def routine_cmd(tmp_path: Path, *extra: str, lang: str = "en", profile: str = "ana") -> list[str]:
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    routine = sessionkit.short_routine(folder)
    rec = sessionkit.recording(folder, "scapular_squeeze")
    return [sys.executable, "-m", "coach", "routine", str(routine), "--source", str(rec), "--data-dir",
            str(tmp_path / "data"), "--no-window", "--lang", lang, "--profile", profile, *extra]


def run_in_terminal(cmd: list[str], answers: list[tuple[str, str]], timeout: float = 120) -> tuple[int, str]:
    """Run ``cmd`` on a pseudo-terminal; when the output shows each prompt, type its answer."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the coach, its stdin a terminal
        os.chdir(REPO)
        os.execv(cmd[0], cmd)
    out, pending, deadline = b"", list(answers), time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if pending and pending[0][0].encode() in out.split(b"\x00")[-1]:
            os.write(fd, (pending.pop(0)[1] + "\n").encode())
            out += b"\x00"  # answered up to here
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.replace(b"\x00", b"").decode("utf-8", "replace")


def pains(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT moment, score, how FROM pain ORDER BY id").fetchall()
    finally:
        con.close()


def test_without_a_window_the_terminal_asks_for_pain_before_and_after(tmp_path):
    code, out = run_in_terminal(routine_cmd(tmp_path), [("before you start", "2"), ("now that you have finished", "5")])
    assert code == 0, out
    assert pains(tmp_path / "data" / "coach.db") == [("before", 2, "prompt"), ("after", 5, "prompt")]
    assert "Your pain rose from 2 to 5. We suggest you stop for today" in out


def test_spanish_prompt_and_suggestion(tmp_path):
    code, out = run_in_terminal(routine_cmd(tmp_path, lang="es"),
                                [("antes de empezar", "8"), ("ahora que has terminado", "9")])
    assert code == 0, out
    assert "Antes de empezar" in out and "no diagnostica" in out  # the safety screen, in Spanish
    assert "Tu dolor es 8 de 10 antes de empezar. Te sugerimos descansar hoy" in out
    assert "Tu dolor es 9 de 10. Te sugerimos parar" in out
    assert "Serie 1 de 1" in out and "Descanso: 2 s" in out and "Respira despacio" in out


def test_no_terminal_and_no_flags_records_no_pain_and_does_not_wait(tmp_path):
    p = subprocess.run(routine_cmd(tmp_path), stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=REPO,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert pains(tmp_path / "data" / "coach.db") == []


def test_the_safety_screen_is_shown_once_per_profile_and_on_demand(tmp_path):
    def run(*extra, profile="ana"):
        p = subprocess.run(routine_cmd(tmp_path, "--pain-before", "1", "--pain-after", "1", *extra, profile=profile),
                           capture_output=True, text=True, cwd=REPO, timeout=120)
        assert p.returncode == 0, p.stderr
        return "Before you start" in p.stderr
    assert [run(), run(), run(profile="ben"), run("--safety")] == [True, False, True, True]
    con = sqlite3.connect(tmp_path / "data" / "coach.db")
    shown = con.execute("SELECT s.id FROM events e JOIN sessions s ON s.id = e.session_id "
                        "WHERE e.kind = 'safety_screen' ORDER BY s.id").fetchall()
    con.close()
    assert shown == [(1,), (3,), (4,)]
    p = subprocess.run([sys.executable, "-m", "coach", "safety", "--lang", "es"], capture_output=True, text=True,
                       cwd=REPO)
    assert p.returncode == 0 and "fiebre" in p.stdout and "entumecimiento o debilidad" in p.stdout


def test_pain_flags_are_checked(tmp_path):
    p = subprocess.run(routine_cmd(tmp_path, "--pain-before", "11"), capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 2 and "expected a whole number from 0 to 10, found '11'" in p.stderr
