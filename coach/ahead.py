"""Run a stage of the input ahead of its consumer, on a thread of its own.

``Ahead(items, depth)`` iterates ``items`` on a worker thread and hands each item to the
consumer in order, at most ``depth`` items waiting, none dropped: a stage that releases the GIL
(OpenCV decoding, MediaPipe inference) then overlaps with what the consumer does meanwhile
(the engine, drawing the window, writing a video). Used for decoding ahead of inference
(coach.capture.Prefetch) and for inference ahead of the engine and the window (coach.cli).

An exception raised by ``items`` is raised in the consumer, after the items before it.
``close`` stops the worker (it finishes the item under way, then the generator is closed on
its thread) before whatever ``items`` reads from is released. No clock is read here.
"""
from __future__ import annotations

import queue
import threading
from typing import Generic, Iterable, Iterator, Optional, TypeVar

T = TypeVar("T")

# Seconds the worker and the consumer wait on the queue between checks for a stop request;
# bounds how quickly Ctrl-C or a closed window is noticed. Lower costs a few more wake-ups.
POLL_S = 0.1
# Seconds ``close`` waits for the worker to finish the item under way (an inference is ~15 ms,
# a camera frame ~33 ms); after that the daemon thread is left to end on its own. Raise it only
# if a stage can take longer than this on one item.
JOIN_S = 5.0

_END = object()


class Ahead(Generic[T]):
    """``items`` produced on a thread named ``name``, at most ``depth`` (>= 1) waiting."""

    def __init__(self, items: Iterable[T], depth: int = 1, name: str = "ahead", poll_s: float = POLL_S,
                 join_s: float = JOIN_S) -> None:
        self._items = items
        self._q: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._error: Optional[BaseException] = None
        self._thread: Optional[threading.Thread] = None
        self._name = name
        self._poll_s = poll_s
        self._join_s = join_s

    def _put(self, item: object) -> bool:
        """Wait for room, unless stopped; False when stopped."""
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=self._poll_s)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        it = iter(self._items)
        try:
            for item in it:
                if not self._put(item) or self._stop.is_set():
                    break
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        finally:
            close = getattr(it, "close", None)
            if close is not None:  # a generator: its own clean-up runs on this thread
                try:
                    close()
                except Exception as exc:  # keep the first error
                    self._error = self._error or exc
            self._put(_END)

    def __iter__(self) -> Iterator[T]:
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is single pass")
        self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
        self._thread.start()
        while True:
            try:
                item = self._q.get(timeout=self._poll_s)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            if item is _END:
                if self._error is not None:
                    raise self._error
                return
            yield item

    def close(self) -> None:
        """Stop the worker and wait (up to join_s) for it to end. Safe to call twice."""
        self._stop.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        waited = 0.0
        while thread.is_alive() and waited < self._join_s:
            try:  # make room, in case the worker waits to put
                self._q.get_nowait()
            except queue.Empty:
                pass
            thread.join(self._poll_s)
            waited += self._poll_s
