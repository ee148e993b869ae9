"""The rule-file loader: every problem at once, as file:line:col with expected/found/did-you-mean;
the shipped library validates; fuzzed input never crashes with anything but a clean rule error."""
from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.cli import main
from coach.library import exercises_dir
from coach.rules.loader import check_files, load_exercise, parse_text

GOOD = '''schema = 1

[exercise]
id = "demo"
name = { en = "Demo", es = "Demostración" }
version = "1.0.0"
views = ["side"]
side = "auto"

[measures]
elbow = { joint = ["{side}_shoulder", "{side}_elbow", "{side}_wrist"] }
lean = { inclination = ["{side}_hip", "{side}_shoulder"] }

[rep]
[[rep.phases]]
name = "down"
enter = { measure = "elbow", above = 150 }

[[rep.phases]]
name = "up"
enter = { measure = "elbow", below = 60 }

[[checks]]
id = "lean"
during = ["up"]
expect = { measure = "lean", below = 15 }
message = "Stay tall."
'''


def problems(text: str) -> list[str]:
    ex, probs = parse_text(text, "demo.toml")
    assert (ex is None) == bool(probs)
    return probs


def test_good_file_loads():
    ex, probs = parse_text(GOOD, "demo.toml")
    assert probs == []
    assert ex.rep.phases[1].enter.below == 60
    assert ex.checks[0].during == ("up",)
    assert ex.name["es"] == "Demostración"


def test_all_seen_loads_as_a_group():
    ex, probs = parse_text(GOOD.replace('enter = { measure = "elbow", above = 150 }',
                                        'enter = { all_seen = [ { measure = "elbow", above = 150 } ] }'), "demo.toml")
    assert probs == []
    assert ex.rep.phases[0].enter.kind == "all_seen"
    assert ex.rep.phases[0].enter.children[0].above == 150


POS = re.compile(r"^demo\.toml:(\d+):(\d+): ")


@pytest.mark.parametrize("old,new,line,expect", [
    ('views = ["side"]', 'views = ["sid"]', 7, "expected one of front, side, oblique, rear, found \"sid\" (did you mean 'side'?)"),
    ('side = "auto"', 'sides = "auto"', 8, "unknown key 'sides' in [exercise]: expected one of"),
    ('"{side}_elbow", "{side}_wrist"', '"{side}_elbo", "{side}_wrist"', 11, "did you mean '{side}_elbow'?"),
    ('above = 150', 'above = "150"', 17, "'above' expects a number, found the string \"150\""),
    ('below = 60', 'bellow = 60', 21, "did you mean 'below'?"),
    ('during = ["up"]', 'during = ["top"]', 25, "'during' expects phase names (down, up), found \"top\""),
    ('measure = "lean"', 'measure = "leen"', 26, "unknown measure \"leen\""),
    ('id = "demo"', 'id = "other"', 4, "id must equal the file name 'demo'"),
    ('lean = { inclination', 'lean = { joint', 12, "'joint' expects 3 landmarks, found 2"),
    ('enter = { measure = "elbow", above = 150 }', 'enter = { all_seen = [] }', 17,
     "'all_seen' expects at least one condition, found an empty list"),
])
def test_each_fault_is_reported_at_its_line(old, new, line, expect):
    assert_first_problem(GOOD, old, new, line, expect)


def assert_first_problem(doc: str, old: str, new: str, line: int, expect: str) -> list[str]:
    """Edit `doc` (old -> new once): its first problem is at `line` and says `expect`."""
    assert old in doc
    probs = problems(doc.replace(old, new, 1))
    assert len(probs) >= 1
    m = POS.match(probs[0])
    assert m, probs[0]
    assert int(m.group(1)) == line, probs
    assert expect in probs[0], probs
    return probs


def test_every_problem_is_reported_at_once():
    text = (GOOD.replace('views = ["side"]', 'views = ["sid"]')
            .replace('side = "auto"', 'sides = "auto"')
            .replace('above = 150', 'above = "x"')
            .replace('measure = "lean"', 'measure = "leen"'))
    probs = problems(text)
    assert len(probs) == 4, probs
    assert [int(POS.match(p).group(1)) for p in probs] == [7, 8, 17, 26]


def test_missing_required_keys_point_at_their_table():
    probs = problems(GOOD.replace('version = "1.0.0"\n', ''))
    assert probs == ["demo.toml:3:2: [exercise] is missing required key 'version': Your version of this file; "
                     "bump on every change (written into sessions)."]


def test_toml_syntax_error_has_position():
    probs = problems(GOOD.replace('views = ["side"]', 'views = ["side"'))
    assert len(probs) == 1 and POS.match(probs[0]) and "not valid TOML" in probs[0]


@pytest.mark.parametrize("snippet,expect", [
    ('[rep.hold]\nphase = "down"\nseconds = 2', "hold.phase expects a phase after the first"),
    ('[feedback]\npraise_every = -1', "'praise_every' expects a value >= 0"),
])
def test_semantic_errors(snippet, expect):
    probs = problems(GOOD + "\n" + snippet + "\n")
    assert any(expect in p for p in probs), probs


def test_rep_scope_condition_needs_a_stat():
    text = GOOD + '\n[[checks]]\nid = "x"\nscope = "rep"\nexpect = { measure = "elbow", below = 60 }\nmessage = "m"\n'
    assert any("add stat" in p for p in problems(text))


def test_no_eval_formulas_are_just_strings():
    """A 'formula' is never evaluated: it is a type error like any other."""
    probs = problems(GOOD.replace("above = 150", 'above = "__import__(\'os\').system(\'x\')"'))
    assert any("expects a number" in p for p in probs)


def test_shipped_library_is_valid():
    assert check_files([exercises_dir()]) == []


def test_check_rules_cli_exit_codes(tmp_path, capsys):
    assert main(["check-rules", str(exercises_dir())]) == 0
    bad = tmp_path / "demo.toml"
    bad.write_text(GOOD.replace('views = ["side"]', 'views = ["sid"]').replace("bellow", "below"))
    assert main(["check-rules", str(bad)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"demo\.toml:7:\d+: .*did you mean 'side'", err)
    assert "Traceback" not in err


# --------------------------------------------------------------------------- fuzzing

KEYS = ["schema", "exercise", "id", "name", "views", "side", "measures", "joint", "rep", "phases", "enter",
        "measure", "above", "below", "between", "hold_s", "checks", "expect", "all", "any", "stat", "phase",
        "min_duration_s", "message", "en", "es", "during", "scope", "hold", "seconds", "left_right", "x"]
scalars = st.one_of(st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                    st.text(alphabet=string.ascii_letters + "{}_ ", max_size=12), st.sampled_from(
                        ["side", "elbow", "{side}_elbow", "left_hip", "down", "up", "min", "rep", "frame"]))
values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                     st.dictionaries(st.sampled_from(KEYS), kids, max_size=5)),
                      max_leaves=25)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_fuzzed_documents_give_clean_errors(doc):
    text = "\n".join(f"{k} = {_toml_value(v)}" for k, v in doc.items())
    ex, probs = parse_text(text, "demo.toml")
    assert ex is None and probs
    assert all(POS.match(p) for p in probs), probs


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_good_file_never_crashes(data):
    lines = GOOD.splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    op = data.draw(st.sampled_from(["delete", "dup", "garble", "swap"]))
    if op == "delete":
        del lines[i]
    elif op == "dup":
        lines.insert(i, lines[i])
    elif op == "garble" and lines[i]:
        j = data.draw(st.integers(0, len(lines[i]) - 1))
        lines[i] = lines[i][:j] + data.draw(st.sampled_from(list("=[]{}\"',#x1 "))) + lines[i][j + 1:]
    else:
        k = data.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[k] = lines[k], lines[i]
    ex, probs = parse_text("\n".join(lines) + "\n", "demo.toml")
    assert (ex is None) == bool(probs)
    assert all(POS.match(p) for p in probs), probs


def test_load_exercise_missing_file(tmp_path):
    from coach.errors import RuleFileError
    with pytest.raises(RuleFileError, match="no such rule file"):
        load_exercise(tmp_path / "nope.toml")


@pytest.mark.parametrize("measure,expect", [
    ('spd = { speed = "elbow" }', None),
    ('spd = { speed = "elbow", over_s = 0.5 }', None),
    ('spd = { speed = "elbo" }', "speed expects the name of a landmark measure, found \"elbo\" (did you mean 'elbow'?)"),
    ('spd = { speed = "elbow", space = "pixel" }', "a speed measure takes only over_s, proxy, speed"),
    ('spd = { speed = "elbow", over_s = 0.01 }', "'over_s' expects a value >= 0.05"),
    ('sym = { left_right = "lean" }', None),
])
def test_derived_measures(measure, expect):
    text = GOOD.replace("[rep]\n", measure + "\n\n[rep]\n", 1)
    ex, probs = parse_text(text, "demo.toml")
    if expect is None:
        assert probs == [], probs
        m = next(m for m in ex.measures.values() if m.kind in ("speed", "left_right"))
        assert m.unit == ("deg/s" if m.kind == "speed" else "deg")
    else:
        assert any(expect in p for p in probs), probs


RANGE = GOOD.replace('''[rep]
''', '''[rep]
[rep.range]
measure = "elbow"
toward = "down"
min_travel = 40
max_travel = 100
noise = 8
by_view = { front = "lean" }
''')


def test_range_section_loads():
    ex, probs = parse_text(RANGE, "demo.toml")
    assert probs == []
    r = ex.rep.range
    assert (r.measure, r.toward, r.min_travel, r.max_travel, r.noise, r.count_at, r.return_at) == \
        ("elbow", "down", 40.0, 100.0, 8.0, 0.7, 0.7)
    assert dict(r.by_view) == {"front": "lean"}


@pytest.mark.parametrize("old,new,line,expect", [
    ('measure = "elbow"\ntoward', 'measure = "elbo"\ntoward', 16, "'measure' expects a measure defined in [measures], found \"elbo\" (did you mean 'elbow'?)"),
    ('toward = "down"', 'toward = "dwon"', 17, "'toward' expects one of up, down, found the string \"dwon\""),
    ('max_travel = 100', 'max_travel = 30', 19, "max_travel (30) must be 0 (no bound) or at least min_travel (40)"),
    ('noise = 8', 'noise = 8\ncount_at = 1.5', 21, "'count_at' expects a value <= 1 (share), found 1.5"),
    ('by_view = { front = "lean" }', 'by_view = { frnt = "lean" }', 21, "'by_view' expects camera views (front, side, oblique, rear), found \"frnt\" (did you mean 'front'?)"),
    ('noise = 8', 'noise = 8\nfallback = "lena"', 21, "'fallback' expects a measure defined in [measures], found \"lena\" (did you mean 'lean'?)"),
    ('by_view = { front = "lean" }', 'by_view = { front = "lena" }', 21, "'by_view.front' expects a measure defined in [measures], found the string \"lena\" (did you mean 'lean'?)"),
])
def test_range_faults_are_reported_at_their_line(old, new, line, expect):
    assert len(assert_first_problem(RANGE, old, new, line, expect)) == 1  # and nothing else
