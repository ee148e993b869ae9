"""Signals and clean shutdown, for every command: the one place that handles SIGINT (Ctrl-C),
SIGTERM and SIGHUP.

The rule (documented in the README): a run stopped by one of these signals keeps everything
recorded so far (annotated video and landmark recording readable, every processed frame in
them), prints its summary when at least one frame was seen, and exits with 128 + the signal
number (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), whether the signal came before or
after the first frame.

How a signal is handled depends on what the program is doing (``phase``):

``idle``     (starting up, loading files, after the run): stop at once by raising
             :class:`Interrupted` (nothing has been recorded yet, or everything is saved).
``waiting``  (the session waits for the next frame: decoding, the camera, pose inference):
             raise :class:`Interrupted` at once; the frame in hand was not processed, so no
             output holds half of it.
``working``  (the engine and the sinks handle one frame): only note the request; the session
             finishes this frame (every sink gets it) and stops before the next one.
``saving``   (outputs are being closed and finished): note it and say once that the coach is
             still saving; never interrupt the saving. A second Ctrl-C is therefore harmless.

Signal handlers run on the main thread only; other threads never see them.
"""
from __future__ import annotations

import signal
import sys
from typing import Optional

# The signals that mean "stop now, keep what you have".
SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None)
NAMES = {getattr(signal, n): n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


class Interrupted(KeyboardInterrupt):
    """Raised where it is safe to stop at once; ``signum`` is the signal that asked."""

    def __init__(self, signum: int):
        super().__init__(NAMES.get(signum, str(signum)))
        self.signum = signum


def exit_code(signum: Optional[int]) -> int:
    """128 + the signal number (130 for Ctrl-C)."""
    return 128 + int(signum if signum is not None else signal.SIGINT)


class Shutdown:
    """Process-wide stop request. ``install`` at the start of a command, ``restore`` at its end."""

    def __init__(self) -> None:
        self.signum: Optional[int] = None
        self.phase = "idle"
        self._told_saving = False
        self._previous: dict[int, object] = {}

    # --------------------------------------------------------------------------- handlers
    def install(self) -> None:
        """Take over SIGINT, SIGTERM and SIGHUP (main thread only; elsewhere a no-op)."""
        self.signum = None
        self.phase = "idle"
        self._told_saving = False
        for sig in SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except (ValueError, OSError):  # not the main thread, or not allowed here
                pass

    def restore(self) -> None:
        """Give the signals back and forget the request (the next command starts afresh)."""
        self.signum = None
        self.phase = "idle"
        for sig, old in self._previous.items():
            try:
                signal.signal(sig, old)  # type: ignore[arg-type]
            except (ValueError, OSError, TypeError):
                pass
        self._previous.clear()

    def ignore(self) -> None:
        """The command is over and its exit code decided: signals until the process exits are
        ignored (a late Ctrl-C must not turn a saved, finished run into a killed one)."""
        for sig in SIGNALS:
            try:
                signal.signal(sig, signal.SIG_IGN)
            except (ValueError, OSError):
                pass

    def _handle(self, signum: int, _frame) -> None:
        if self.signum is None:
            self.signum = signum
        if self.phase == "working":
            return  # the session stops after this frame
        if self.phase == "saving":
            if not self._told_saving:
                self._told_saving = True
                try:
                    print("coach: saving, please wait", file=sys.stderr, flush=True)
                except (OSError, ValueError):
                    pass
            return
        raise Interrupted(signum)

    # ------------------------------------------------------------------------------ state
    @property
    def requested(self) -> bool:
        """True once a stop signal came."""
        return self.signum is not None

    def request(self, signum: int = signal.SIGINT) -> None:
        """Ask for a stop as a signal would (tests, and a window's close button if wanted)."""
        if self.signum is None:
            self.signum = signum

    def in_phase(self, phase: str) -> "_Phase":
        """Run a block in ``phase`` (waiting, working, saving); the previous phase comes back after.
        Entering ``waiting`` with a stop already requested raises :class:`Interrupted` at once.
        (A plain context manager object: a session enters two a frame, and a generator-based
        one costs a few microseconds each, a few percent of a replay.)"""
        return _Phase(self, phase)

    def exit_code(self) -> int:
        return exit_code(self.signum)


class _Phase:
    """Shutdown.in_phase's context manager."""

    __slots__ = ("shutdown", "phase", "old")

    def __init__(self, shutdown: Shutdown, phase: str):
        self.shutdown, self.phase, self.old = shutdown, phase, shutdown.phase

    def __enter__(self) -> None:
        sd = self.shutdown
        self.old, sd.phase = sd.phase, self.phase
        if self.phase == "waiting" and sd.signum is not None:
            sd.phase = self.old
            raise Interrupted(sd.signum)

    def __exit__(self, *exc: object) -> None:
        self.shutdown.phase = self.old


SHUTDOWN = Shutdown()
