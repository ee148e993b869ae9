"""Spoken cues (a sink): espeak-ng, offline, English and Spanish, on a worker thread.

The loop never waits for speech: ``say`` only leaves the text in a one-place slot and returns.
The worker speaks one text at a time and waits for it to finish, so the coach never talks over
itself; a text still waiting when a newer one arrives is replaced (a stale cue is worse than
none). ``muted`` (the ``m`` key) stops the current sentence and drops what waits.

Optional part: without the ``espeak-ng`` binary (Debian/Ubuntu: ``apt-get install espeak-ng``)
``available`` is False, nothing is spoken and :data:`INSTALL_HINT` is the one line to show.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from typing import Callable, Optional

log = logging.getLogger("coach")

INSTALL_HINT = "voice off: espeak-ng is not installed (apt-get install espeak-ng); cues are shown as text only"
VOICES = {"en": "en-us", "es": "es"}  # espeak-ng voice per cue language
# Speaking rate in words per minute (espeak-ng -s). 165 is a calm pace a member can follow
# mid-exercise; raise it if cues lag behind the movement, lower it for members who find it fast.
WORDS_PER_MINUTE = 165
# Seconds a cue may wait in the slot before it is too old to say (the movement has moved on).
# Raise it on very slow machines; lower it if late cues confuse.
STALE_AFTER_S = 3.0


def espeak_binary() -> Optional[str]:
    """Path of espeak-ng (or espeak), or None."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def speak_to_wav(text: str, lang: str, path: str, binary: Optional[str] = None) -> None:
    """Synthesize ``text`` in ``lang`` into a WAV file (what the tests listen to)."""
    exe = binary or espeak_binary()
    if exe is None:
        raise RuntimeError(INSTALL_HINT)
    subprocess.run([exe, "-v", VOICES.get(lang, lang), "-s", str(WORDS_PER_MINUTE), "-w", str(path), text],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)


class Voice:
    """Speaks cues (``r.new_cue.voice``) and, with ``count_reps``, each new rep count.

    lang: "en" or "es". binary: the espeak-ng path (default: found on PATH). audio: False sends
    the sound to nowhere (``--stdout`` into /dev/null) while taking the real time to
    synthesize, for tests. clock: for the stale-cue rule (I/O time, not logic).
    ``spoken``: (text, start, end) of every sentence the worker spoke, in order.
    """

    def __init__(self, lang: str = "en", *, binary: Optional[str] = None, count_reps: bool = False,
                 audio: bool = True, clock: Callable[[], float] = time.monotonic):
        self.lang = lang
        self.binary = binary if binary is not None else espeak_binary()
        self.available = self.binary is not None
        self.count_reps = count_reps
        self.audio = audio
        self.muted = False
        self.spoken: list[tuple[str, float, float]] = []
        self.failed = 0  # sentences the binary refused (exit status not 0, not stopped by mute)
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: Optional[tuple[str, float]] = None
        self._proc: Optional[subprocess.Popen] = None
        self._stop = False
        self._reps = 0
        self._thread: Optional[threading.Thread] = None
        if self.available:
            self._thread = threading.Thread(target=self._worker, name="voice", daemon=True)
            self._thread.start()

    # ----------------------------------------------------------------- the loop's side
    def say(self, text: str) -> None:
        """Leave ``text`` to be spoken next (replacing any text still waiting); never blocks."""
        if not self.available or self.muted or not text:
            return
        with self._cond:
            self._pending = (text, self._clock())
            self._cond.notify_all()

    def __call__(self, r, _item=None) -> None:
        """Sink: speak the frame's new cue; with count_reps, the rep count when it goes up."""
        if r.new_cue is not None:
            self.say(r.new_cue.voice or r.new_cue.text)
        elif self.count_reps and r.reps > self._reps:
            self.say(str(r.reps))
        self._reps = max(self._reps, r.reps)

    def toggle_mute(self) -> bool:
        """Mute (stopping the sentence being spoken) or unmute; returns the new ``muted``."""
        with self._cond:
            self.muted = not self.muted
            if self.muted:
                self._pending = None
                if self._proc is not None and self._proc.poll() is None:
                    self._proc.terminate()
        return self.muted

    @property
    def busy(self) -> bool:
        """True while a sentence is being spoken or waits."""
        with self._cond:
            return self._pending is not None or (self._proc is not None and self._proc.poll() is None)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is spoken or waiting (tests, and the end of a session)."""
        end = time.monotonic() + timeout
        while self.busy and time.monotonic() < end:
            time.sleep(0.02)
        return not self.busy

    def close(self) -> None:
        """Stop the worker and any sentence being spoken. Safe to call twice."""
        with self._cond:
            self._stop = True
            self._pending = None
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
            self._cond.notify_all()
        if self._thread is not None and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(2.0)

    # ----------------------------------------------------------------- the worker
    def _command(self, text: str) -> list[str]:
        assert self.binary is not None  # the worker only runs when espeak-ng was found
        cmd = [self.binary, "-v", VOICES.get(self.lang, self.lang), "-s", str(WORDS_PER_MINUTE)]
        return cmd + (["--stdout"] if not self.audio else []) + ["--", text]

    def _worker(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                pending, self._pending = self._pending, None
                assert pending is not None  # the wait above ends with a sentence or with _stop
                text, queued = pending
                if self._clock() - queued > STALE_AFTER_S:
                    continue
                try:
                    self._proc = subprocess.Popen(self._command(text), stdin=subprocess.DEVNULL,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                except OSError:
                    self.available = False  # the binary went away: text only from now on
                    return
                proc = self._proc
            start = self._clock()
            rc = proc.wait()
            with self._cond:
                self.spoken.append((text, start, self._clock()))
                if rc != 0 and not self.muted and not self._stop:
                    self.failed += 1
                    if self.failed == 1:  # once: e.g. no sound device (a server, a container)
                        log.warning("voice: espeak-ng could not speak (exit status %s): is there a sound device? "
                                    "Cues are still shown.", rc)
                self._proc = None
