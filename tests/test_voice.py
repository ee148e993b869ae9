"""Issue 11, voice: espeak-ng speaks English and Spanish into a WAV that is not silent; the worker
never blocks the loop, never talks over itself, says the newest cue, mutes at once; without
espeak-ng, one hint line and text only. Needs the espeak-ng binary (.ci/run installs it)."""
from __future__ import annotations

import time
import wave

import numpy as np
import pytest

from coach import voice as V
from coach.cli import main
from coach.types import Cue, FrameResult, Measures

needs_espeak = pytest.mark.skipif(V.espeak_binary() is None, reason="needs espeak-ng (apt-get install espeak-ng)")
LONG = "Keep your back straight and your knees over your toes while you lower yourself slowly."


def _wav(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64), w.getframerate()


@needs_espeak
@pytest.mark.parametrize("lang, text", [("en", "Knees out."), ("es", "Rodillas hacia fuera, ¡bien hecho!")])
def test_speaks_to_a_wav_that_is_not_silent(tmp_path, lang, text):
    path = tmp_path / f"{lang}.wav"
    V.speak_to_wav(text, lang, path)
    samples, rate = _wav(path)
    seconds = samples.size / rate
    rms = float(np.sqrt(np.mean(samples ** 2)))
    assert 0.5 < seconds < 6.0
    assert rms > 500  # 16-bit full scale is 32768; silence is 0
    loud = np.abs(samples) > 1000
    assert loud.mean() > 0.1  # speech through the file, not one click


@pytest.fixture
def slow_speaker(tmp_path):
    """A stand-in for espeak-ng that takes 0.4 s per sentence whatever its length (the real one
    synthesizes to /dev/null far faster than it would speak): the worker's timing made exact."""
    exe = tmp_path / "speaker"
    exe.write_text("#!/bin/sh\nexec sleep 0.4\n")
    exe.chmod(0o755)
    return str(exe)


def test_never_talks_over_itself_and_says_the_newest(slow_speaker):
    v = V.Voice("en", binary=slow_speaker)
    t0 = time.monotonic()
    v.say(LONG)
    while not v.busy or v._proc is None:  # the worker has started the long sentence
        time.sleep(0.005)
    v.say("one")
    v.say("two")  # replaces "one", which never got its turn
    assert time.monotonic() - t0 < 0.5  # say() returned at once every time
    assert v.wait_idle(30)
    v.close()
    assert [s[0] for s in v.spoken] == [LONG, "two"]
    (_, s1, e1), (_, s2, e2) = v.spoken
    assert e1 <= s2  # one after the other, never at once
    assert e1 - s1 >= 0.4 and e2 - s2 >= 0.4


def test_mute_stops_the_sentence_and_drops_what_waits(slow_speaker):
    v = V.Voice("es", binary=slow_speaker)
    v.say(LONG * 3)
    while v._proc is None:
        time.sleep(0.005)
    v.say("después")
    assert v.toggle_mute() is True
    v.say("nada")  # muted: not even queued
    assert v.wait_idle(5)
    assert [s[0] for s in v.spoken] == [LONG * 3]  # nothing after it
    assert v.spoken[0][2] - v.spoken[0][1] < 0.3  # cut short: the 0.4 s sentence was stopped
    assert v.toggle_mute() is False
    v.say("hola")
    assert v.wait_idle(10)
    v.close()
    assert [s[0] for s in v.spoken] == [LONG * 3, "hola"]


def _result(reps=0, cue=None):
    return FrameResult(t=1.0, index=30, pose=None, measures=Measures(1.0, {}), reps=reps, new_cue=cue)


@needs_espeak
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_worker_runs_the_real_espeak_ng(lang):
    v = V.Voice(lang, audio=False)  # synthesized for real, the sound sent to /dev/null
    v.say("Rodillas fuera." if lang == "es" else "Knees out.")
    assert v.wait_idle(20)
    v.close()
    assert [s[0] for s in v.spoken] == ["Rodillas fuera." if lang == "es" else "Knees out."] and v.failed == 0


def test_sink_speaks_cues_and_counts_aloud_when_asked():
    said = []
    v = V.Voice("en", binary="", count_reps=True)  # no binary: nothing runs; say() is recorded below
    v.available = True
    v.say = said.append
    v(_result(1))
    v(_result(1))
    v(_result(2, Cue("Knees out, please.", "Knees out.", "warning", 1.0, 4.0, "knees_in")))
    v(_result(3))
    assert said == ["1", "Knees out.", "3"]  # a cue takes the rep's place on its frame


def test_without_espeak_one_hint_line_and_text_only(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(V, "espeak_binary", lambda: None)
    v = V.Voice("en")
    assert v.available is False and v._thread is None
    v.say("anything")  # no error, nothing happens
    from coach.pose.recording import RecordingWriter
    from devkit.motions import SCRIPTS
    rec = tmp_path / "squat.npz"
    poses = SCRIPTS["squat"].poses(seed=0)
    with RecordingWriter(rec, 30.0, (640, 480), {"source": "synthetic"}) as w:
        for i, p in enumerate(poses):
            w.append(i / 30.0, i, p)
    assert main(["run", "squat", "--source", str(rec), "--no-window"]) == 0
    err = capsys.readouterr().err
    assert err.count(V.INSTALL_HINT) == 1
    assert main(["run", "squat", "--source", str(rec), "--no-window", "--no-voice"]) == 0
    assert V.INSTALL_HINT not in capsys.readouterr().err
