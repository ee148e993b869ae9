"""coach.ahead.Ahead: a stage run ahead of its consumer on its own thread (decoding ahead of
inference, inference ahead of the engine and the window)."""
from __future__ import annotations

import threading

import pytest

from coach.ahead import Ahead


def test_items_come_in_order_none_dropped_and_are_made_on_the_worker_thread():
    made_on = []

    def items():
        for i in range(50):
            made_on.append(threading.current_thread().name)
            yield i

    assert list(Ahead(items(), depth=1, name="pose")) == list(range(50))
    assert set(made_on) == {"pose"}


def test_the_next_item_is_made_while_the_consumer_still_holds_this_one():
    # without overlap the producer could not start item 1 before the consumer lets go of item 0
    started_1 = threading.Event()

    def items():
        yield 0
        started_1.set()
        yield 1

    seen = []
    for i in Ahead(items(), depth=1):
        if i == 0:
            assert started_1.wait(5.0), "item 1 was not being made while item 0 was consumed"
        seen.append(i)
    assert seen == [0, 1]


def test_an_error_is_raised_in_the_consumer_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("damaged frame 3")

    got = []
    with pytest.raises(ValueError, match="damaged frame 3"):
        for i in Ahead(items(), depth=2):
            got.append(i)
    assert got == [1, 2]


def test_close_stops_a_worker_waiting_for_room_and_closes_the_generator_on_its_thread():
    cleaned = []
    made = []
    holding_3 = threading.Event()

    def items():
        try:
            for i in range(1000):
                made.append(i)
                if i == 3:
                    holding_3.set()
                yield i
        finally:
            cleaned.append(threading.current_thread().name)

    a = Ahead(items(), depth=2, name="pose", poll_s=0.01)
    it = iter(a)
    assert next(it) == 0
    assert holding_3.wait(5.0)  # 1 and 2 wait in the queue, 3 waits for room
    a.close()
    # the worker ended: it had made the one consumed, the two waiting and the one it held
    assert cleaned == ["pose"]
    assert made == [0, 1, 2, 3]
    a.close()  # twice is fine


def test_single_pass():
    a = Ahead(iter([1]), depth=1, name="pose")
    assert list(a) == [1]
    with pytest.raises(RuntimeError, match="pose is single pass"):
        list(a)
