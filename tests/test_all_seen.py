"""`all_seen`: `all` judged on the parts that are seen."""
from __future__ import annotations

import math

import pytest

from coach.conditions import evaluate
from coach.rules.loader import parse_text
from coach.rules.schema import Condition

NAN = math.nan


def _leaf(measure: str) -> Condition:
    return Condition(kind="threshold", measure=measure, above=0.0)


@pytest.mark.parametrize("a, b, all_seen, all_", [
    (1.0, 1.0, True, True),
    (1.0, -1.0, False, False),
    (1.0, NAN, True, None),    # the one part seen decides
    (-1.0, NAN, False, False),  # a part seen false is false either way
    (NAN, NAN, None, None),    # nothing seen: unknown, never true
])
def test_all_seen_leaves_out_the_unknown_parts(a, b, all_seen, all_):
    kids = (_leaf("a"), _leaf("b"))
    vals = {"a": a, "b": b}
    assert evaluate(Condition(kind="all_seen", children=kids), vals) is all_seen
    assert evaluate(Condition(kind="all", children=kids), vals) is all_


RULE = """
schema = 1
[exercise]
id = "t"
name = "t"
version = "1"
views = ["side"]
[measures]
a = {{ joint = ["left_shoulder", "left_elbow", "left_wrist"] }}
[[rep.phases]]
name = "down"
enter = {enter}
[[rep.phases]]
name = "up"
enter = {{ measure = "a", below = 60 }}
"""


def test_loader_reads_and_checks_all_seen():
    ex, problems = parse_text(RULE.format(enter='{ all_seen = [ { measure = "a", above = 150 } ] }'), "t.toml")
    assert problems == [] and ex is not None
    assert ex.rep.phases[0].enter.kind == "all_seen"
    _, problems = parse_text(RULE.format(enter="{ all_seen = [] }"), "t.toml")
    assert problems == ["t.toml:12:11: 'all_seen' expects at least one condition, found an empty list"]
