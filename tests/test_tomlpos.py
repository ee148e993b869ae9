"""Tests for coach.rules.tomlpos: source positions for TOML rule files."""
from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.rules.tomlpos import Pos, did_you_mean, key_positions, syntax_error, value_position

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib


def positions(text: str) -> dict:
    tomllib.loads(text)  # every fixture must be valid TOML
    return key_positions(text)


# --- table-driven: each construct with exact (line, col) ------------------------------------

CASES = [
    ("plain key", "schema = 1\n", {("schema",): (1, 1)}),
    ("indented key with tabs", "  \t schema\t=  1\n", {("schema",): (1, 5)}),
    (
        "table header",
        '[exercise]\nid = "x"\n',
        {("exercise",): (1, 2), ("exercise", "id"): (2, 1)},
    ),
    (
        "header with inner spaces",
        "[ exercise ]\n  id = 1\n",
        {("exercise",): (1, 3), ("exercise", "id"): (2, 3)},
    ),
    (
        "dotted header",
        "[measures.elbow]\njoint = 1\n[ measures . knee ]\n",
        {
            ("measures",): (1, 2),
            ("measures", "elbow"): (1, 11),
            ("measures", "elbow", "joint"): (2, 1),
            ("measures", "knee"): (3, 14),
        },
    ),
    (
        "array of tables",
        '[[rep.phases]]\nname = "down"\n\n[[rep.phases]]\nname = "up"\n',
        {
            ("rep",): (1, 3),
            ("rep", "phases"): (1, 7),
            ("rep", "phases", 0): (1, 3),
            ("rep", "phases", 0, "name"): (2, 1),
            ("rep", "phases", 1): (4, 3),
            ("rep", "phases", 1, "name"): (5, 1),
        },
    ),
    (
        "nested arrays of tables and sub-tables",
        "[[fruit]]\n"  # 1
        "[fruit.physical]\n"  # 2
        'color = "red"\n'  # 3
        "[[fruit.variety]]\n"  # 4
        "name = 1\n"  # 5
        "[[fruit]]\n"  # 6
        "[[ fruit.variety ]]\n"  # 7
        "name = 2\n",  # 8
        {
            ("fruit", 0): (1, 3),
            ("fruit", 0, "physical"): (2, 8),
            ("fruit", 0, "physical", "color"): (3, 1),
            ("fruit", 0, "variety"): (4, 9),
            ("fruit", 0, "variety", 0): (4, 3),
            ("fruit", 0, "variety", 0, "name"): (5, 1),
            ("fruit", 1): (6, 3),
            ("fruit", 1, "variety"): (7, 10),
            ("fruit", 1, "variety", 0): (7, 4),
            ("fruit", 1, "variety", 0, "name"): (8, 1),
        },
    ),
    (
        "inline table",
        '[[rep.phases]]\n[[rep.phases]]\nenter = { measure = "elbow", above = 150 }\n',
        {
            ("rep", "phases", 1, "enter"): (3, 1),
            ("rep", "phases", 1, "enter", "measure"): (3, 11),
            ("rep", "phases", 1, "enter", "above"): (3, 30),
        },
    ),
    (
        "array elements",
        'joint = ["a", "b", "c"]\n',
        {("joint",): (1, 1), ("joint", 0): (1, 10), ("joint", 1): (1, 15), ("joint", 2): (1, 20)},
    ),
    (
        "array of inline tables",
        'all = [{measure="x", below=1}, { measure = "y" }]\n',
        {
            ("all", 0): (1, 8),
            ("all", 0, "measure"): (1, 9),
            ("all", 0, "below"): (1, 22),
            ("all", 1): (1, 32),
            ("all", 1, "measure"): (1, 34),
        },
    ),
    (
        "nested arrays",
        "m = [[1, 2], [], [[3]]]\n",
        {
            ("m", 0): (1, 6),
            ("m", 0, 1): (1, 10),
            ("m", 1): (1, 14),
            ("m", 2): (1, 18),
            ("m", 2, 0): (1, 19),
            ("m", 2, 0, 0): (1, 20),
        },
    ),
    (
        "multi-line array with comments",
        "a = [ # open [\n"
        "  1, # one ]\n"
        "  # a whole comment line, with ] and }\n"
        "\n"
        "  { x = 2 } , # two\n"
        "  3 # no comma yet\n"
        "  ,\n"
        "]\n"
        "b = 4\n",
        {
            ("a", 0): (2, 3),
            ("a", 1): (5, 3),
            ("a", 1, "x"): (5, 5),
            ("a", 2): (6, 3),
            ("b",): (9, 1),
        },
    ),
    (
        "dotted keys",
        "a.b.c = 1\na . d = 2\n[t]\nx.y = { z.w = 3 }\n",
        {
            ("a",): (1, 1),
            ("a", "b"): (1, 3),
            ("a", "b", "c"): (1, 5),
            ("a", "d"): (2, 5),
            ("t", "x"): (4, 1),
            ("t", "x", "y"): (4, 3),
            ("t", "x", "y", "z"): (4, 9),
            ("t", "x", "y", "z", "w"): (4, 11),
        },
    ),
    (
        "quoted keys",
        "\"a b\" = 1\n'lit' = 2\n\"q\\\"\\u00e9\" = 3\n\"\" = 4\n\"x.y\" = 5\nsite.'g.com'.\"k\" = 6\n",
        {
            ("a b",): (1, 1),
            ("lit",): (2, 1),
            ('q"é',): (3, 1),
            ("",): (4, 1),
            ("x.y",): (5, 1),
            ("site", "g.com"): (6, 6),
            ("site", "g.com", "k"): (6, 14),
        },
    ),
    (
        "quoted header names",
        "[\"a b\".'c d']\nk = 1\n[[ \"e\" ]]\n",
        {("a b",): (1, 2), ("a b", "c d"): (1, 8), ("a b", "c d", "k"): (2, 1), ("e", 0): (3, 4)},
    ),
    (
        "implicit parent tables keep their first position",
        "[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3\n",
        {
            ("a",): (1, 2),
            ("a", "b"): (1, 4),
            ("a", "b", "c"): (1, 6),
            ("a", "y"): (4, 1),
            ("a", "b", "z"): (6, 1),
        },
    ),
    (
        "implicit parent via dotted keys",
        "[p]\nq.r = 1\nq.s = 2\n",
        {("p", "q"): (2, 1), ("p", "q", "s"): (3, 3)},
    ),
    (
        "CRLF line endings",
        "a = 1\r\n[t]\r\nb = [\r\n  1,\r\n  2\r\n]\r\nc = 3\r\n",
        {("a",): (1, 1), ("t",): (2, 2), ("t", "b", 1): (5, 3), ("t", "c"): (7, 1)},
    ),
    (
        "tabs count as one column",
        "\tkey\t=\t[\t1,\t2 ]\n",
        {("key",): (1, 2), ("key", 0): (1, 10), ("key", 1): (1, 13)},
    ),
    (
        "numbers, booleans, dates, inf and nan",
        "t = { a = 1979-05-27 07:32:00-08:00, b = -inf, c = nan, d = true, e = 0x1F, f = 1_0.5e-3 }\n"
        "u = [1979-05-27, 07:32:00.5, +nan, false, 0o17, 0b11]\n"
        "v = 1979-05-27T07:32:00Z # trailing\n",
        {
            ("t", "a"): (1, 7),
            ("t", "b"): (1, 38),
            ("t", "c"): (1, 48),
            ("t", "d"): (1, 57),
            ("t", "e"): (1, 67),
            ("t", "f"): (1, 77),
            ("u", 0): (2, 6),
            ("u", 1): (2, 18),
            ("u", 2): (2, 30),
            ("u", 3): (2, 36),
            ("u", 4): (2, 43),
            ("u", 5): (2, 49),
            ("v",): (3, 1),
        },
    ),
    (
        "comments after values and headers",
        "a = 1 # b = 2\n[t] # [u]\nb = 3#x\n",
        {("a",): (1, 1), ("t",): (2, 2), ("t", "b"): (3, 1)},
    ),
    (
        "multi-line strings move later keys",
        's = """\nx = [\n"""\nafter = 1\nl = \'\'\'\n[t]\n\'\'\'\nlast = 2\n',
        {("s",): (1, 1), ("after",): (4, 1), ("l",): (5, 1), ("last",): (8, 1)},
    ),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_construct_positions(text, expected):
    found = positions(text)
    assert {p: found.get(p) for p in expected} == {p: Pos(*lc) for p, lc in expected.items()}


def test_toml_1_1_syntax_from_newer_tomli():
    # multi-line inline tables with comments and a trailing comma; \e and \xHH escapes in keys
    text = '"\\x41\\e\\t\\U0001F600" = 1\nt = {\n  a = 1, # c\n  b = [2],\n}\nu = 3\n'
    assert key_positions(text) == {
        ("A\x1b\t\U0001F600",): Pos(1, 1),
        ("t",): Pos(2, 1),
        ("t", "a"): Pos(3, 3),
        ("t", "b"): Pos(4, 3),
        ("t", "b", 0): Pos(4, 8),
        ("u",): Pos(6, 1),
    }


def test_exact_path_set():
    text = '[[rep.phases]]\nenter = { measure = "elbow" }\njoint = ["a"]\n'
    assert set(positions(text)) == {
        ("rep",),
        ("rep", "phases"),
        ("rep", "phases", 0),
        ("rep", "phases", 0, "enter"),
        ("rep", "phases", 0, "enter", "measure"),
        ("rep", "phases", 0, "joint"),
        ("rep", "phases", 0, "joint", 0),
    }


def test_strings_full_of_toml_punctuation():
    text = (
        'a = "[x] {y} # = , \' \\" \\\\ \\u0041 ]]"  # c\n'  # 1
        "b = '[[t]] {u} # \" = , \\'\n"  # 2
        'c = """ [z]\n'  # 3
        "k = 1 # not a key\n"  # 4
        '\\""" "" \\\n'  # 5
        '   {, = #}"""""\n'  # 6
        "d = '''\n"  # 7
        "[[not.a.table]]\n"  # 8
        "e = { f = 1 }''''' # done\n"  # 9
        'g = ["]", \'[\', """,\n'  # 10
        '""", \'\'\'}\'\'\', { h = "}", i = \'{\' }]\n'  # 11
        '"=[#]" = { "}" = 0, \'#\' = [ "," ] }\n'  # 12
    )
    parsed = tomllib.loads(text)
    assert set(parsed) == set("abcdg") | {"=[#]"}
    assert parsed["c"].endswith('{, = #}""')
    assert parsed["d"].endswith("}''")
    expected = {
        ("a",): (1, 1),
        ("b",): (2, 1),
        ("c",): (3, 1),
        ("d",): (7, 1),
        ("g",): (10, 1),
        ("g", 0): (10, 6),
        ("g", 1): (10, 11),
        ("g", 2): (10, 16),
        ("g", 3): (11, 6),
        ("g", 4): (11, 15),
        ("g", 4, "h"): (11, 17),
        ("g", 4, "i"): (11, 26),
        ("=[#]",): (12, 1),
        ("=[#]", "}"): (12, 12),
        ("=[#]", "#"): (12, 21),
        ("=[#]", "#", 0): (12, 29),
    }
    found = key_positions(text)
    assert {p: found.get(p) for p in expected} == {p: Pos(*lc) for p, lc in expected.items()}
    assert set(found) == set(expected)


@pytest.mark.parametrize("text", ["a = [ } ]\n", 'a = "open\n', "a = \n", "!\n", "a = [1,"])
def test_invalid_documents_raise_instead_of_hanging(text):
    with pytest.raises(ValueError):
        key_positions(text)


# --- helpers ---------------------------------------------------------------------------------


def test_value_position_falls_back_to_nearest_ancestor():
    pos = positions('[[rep.phases]]\nname = "down"\n[rep.phases.enter]\n')
    assert value_position(pos, ("rep", "phases", 0, "name")) == Pos(2, 1)
    assert value_position(pos, ["rep", "phases", 0, "enter", "measure"]) == Pos(3, 13)
    assert value_position(pos, ("rep", "phases", 0, "missing")) == Pos(1, 3)
    assert value_position(pos, ("rep", "nope", "deeper")) == Pos(1, 3)
    assert value_position(pos, ("nothing",)) is None
    assert value_position(pos, ()) is None


@pytest.mark.parametrize(
    "text, line, col, message",
    [
        ("a = 1\nb = \n", 2, 5, "Invalid value"),
        ("a = 1\na = 2\n", 2, 6, "Cannot overwrite a value"),
        ("[t]\nx = [1,\n", 3, 1, None),
    ],
)
def test_syntax_error_from_tomllib(text, line, col, message):
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        tomllib.loads(text)
    got_line, got_col, got_message = syntax_error(info.value, text)
    assert (got_line, got_col) == (line, col)
    assert "(at " not in got_message and got_message
    if message is not None:
        assert got_message == message


def test_syntax_error_fallbacks():
    assert syntax_error(ValueError("no position here")) == (1, 1, "no position here")
    assert syntax_error(ValueError("Bad thing (at line 12, column 3)")) == (12, 3, "Bad thing")
    end = ValueError("Unclosed array (at end of document)")
    assert syntax_error(end) == (1, 1, "Unclosed array (at end of document)")
    assert syntax_error(end, "a = [\n  1,") == (2, 5, "Unclosed array")

    class Modern(ValueError):  # Python 3.14 / recent tomli expose lineno, colno and msg
        lineno, colno, msg = 4, 7, "Invalid key"

    assert syntax_error(Modern("Invalid key (at line 4, column 7)")) == (4, 7, "Invalid key")


def test_did_you_mean():
    assert did_you_mean("mesure", ["measure", "above", "below"]) == "measure"
    assert did_you_mean("abvoe", iter(["measure", "above", "below"])) == "above"
    assert did_you_mean("zzz", ["measure", "above"]) is None
    assert did_you_mean("x", []) is None


# --- property test: random documents through a small writer ----------------------------------


class Lit(str):
    """A scalar value already rendered as TOML text."""


BARE = re.compile(r"[A-Za-z0-9_-]+")
ATOMS = (
    "0 -17 +99 1_000 0xDEAD_beef 0o755 0b1101 3.1415 -0.01 5e+22 6.626e-34 inf +inf -inf nan -nan"
    " true false 1979-05-27T07:32:00Z 1979-05-27T00:32:00.999999 1979-05-27 07:32:00 00:32:00.5"
).split() + ["1979-05-27 07:32:00-07:00"]
TEXT = st.text(st.sampled_from(list("ab Z09é\t\n\r\"'\\[]{}#=,.")), max_size=10)
COMMENTS = ["", " c", ' [x] = "y", {z} #', " 'q' \\ \"\"\" '''", "\t]]"]
SPACES = ["", " ", "  ", "\t", " \t "]


def basic(s: str) -> str:
    table = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "é": "\\u00E9"}
    return '"' + "".join(table.get(c, c) for c in s) + '"'


def render_string(s: str, kind: str, lead: str) -> str:
    if kind == "literal" and not re.search("['\n\r]", s):
        return f"'{s}'"
    if kind == "ml_literal" and "'''" not in s and "\r" not in s:
        return f"'''{lead if lead == chr(10) else ''}{s}'''"
    if kind == "ml_basic":
        body = "".join({"\\": "\\\\", '"': '\\"', "\r": "\\r"}.get(c, c) for c in s)
        tail = min(2, len(s) - len(s.rstrip('"')))  # up to two raw quotes may precede the close
        body = body[: len(body) - 2 * tail] + '"' * tail
        return f'"""{lead}{body}"""'
    return basic(s)


SCALARS = st.one_of(
    st.sampled_from(ATOMS).map(Lit),
    st.builds(
        lambda s, kind, lead: Lit(render_string(s, kind, lead)),
        TEXT,
        st.sampled_from(["basic", "literal", "ml_basic", "ml_literal"]),
        st.sampled_from(["", "\n", "\\\n  "]),
    ),
)
KEYS = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True), TEXT)
TREES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.dictionaries(KEYS, kids, max_size=3),
        st.lists(st.dictionaries(KEYS, kids, max_size=3), min_size=1, max_size=3),  # array of tables
    ),
    max_leaves=10,
)
DOCS = st.dictionaries(KEYS, TREES, max_size=5)


class Writer:
    """Serialises a model document in randomly chosen styles, recording where each path starts."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.nl = rnd.choice(["\n", "\r\n"])
        self.parts: list = []
        self.size = 0
        self.expected: dict = {}  # path -> offset of its first appearance

    def emit(self, s: str) -> None:
        self.parts.append(s)
        self.size += len(s)

    def mark(self, path: tuple) -> None:
        self.expected.setdefault(path, self.size)

    def ws(self) -> None:
        self.emit(self.rnd.choice(SPACES))

    def eol(self) -> None:
        self.ws()
        if self.rnd.random() < 0.3:
            self.emit("#" + self.rnd.choice(COMMENTS))
        self.emit(self.nl)
        while self.rnd.random() < 0.2:
            self.ws()
            self.emit(self.rnd.choice(["", "#" + self.rnd.choice(COMMENTS)]) + self.nl)
        self.ws()

    def document(self, doc: dict) -> str:
        if self.rnd.random() < 0.3:
            self.emit("# rule file" + self.nl)
        self.table((), [], doc, None)
        return "".join(self.parts)

    def key(self, name: str) -> None:
        if BARE.fullmatch(name) and self.rnd.random() < 0.7:
            self.emit(name)
        elif not re.search("['\n\r]", name) and self.rnd.random() < 0.5:
            self.emit(f"'{name}'")
        else:
            self.emit(basic(name))

    def style(self, value) -> str:
        if isinstance(value, dict):
            return self.rnd.choice(["inline", "dotted", "section", "section"] if value else ["inline", "section"])
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return self.rnd.choice(["inline", "aot", "aot"])
        return "inline"

    def table(self, rpath: tuple, header: list, table: dict, kind) -> None:
        """A [table] / [[array entry]] / root: key-values first, then sub-sections."""
        styles = {k: self.style(v) for k, v in table.items()}
        kvs = [k for k in table if styles[k] in ("inline", "dotted")]
        implicit = kind == "[" and table and not kvs and self.rnd.random() < 0.5
        if kind and not implicit:
            self.emit(kind)
            self.ws()
            if kind == "[[":
                self.mark(rpath)
            self.chain(header)
            self.ws()
            self.emit("]" if kind == "[" else "]]")
            self.eol()
        for k in kvs:
            for chain, leaf in self.flatten([k], table[k], styles[k] == "dotted"):
                self.assign(rpath, chain, leaf, inline=False)
                self.eol()
        for k in table:
            sub = header + [(k, rpath + (k,))]
            if styles[k] == "section":
                self.table(rpath + (k,), sub, table[k], "[")
            elif styles[k] == "aot":
                for i, entry in enumerate(table[k]):
                    self.table(rpath + (k, i), sub, entry, "[[")

    def chain(self, parts: list) -> None:
        for n, (name, path) in enumerate(parts):
            if n:
                self.ws()
                self.emit(".")
                self.ws()
            self.mark(path)
            self.key(name)

    def flatten(self, chain: list, value, dotted: bool):
        if not dotted:
            yield chain, value
            return
        for k, v in value.items():
            deeper = isinstance(v, dict) and v and self.rnd.random() < 0.5
            yield from self.flatten(chain + [k], v, deeper)

    def assign(self, base: tuple, chain: list, value, inline: bool) -> None:
        self.chain([(k, base + tuple(chain[: n + 1])) for n, k in enumerate(chain)])
        self.ws()
        self.emit("=")
        self.ws()
        self.value(base + tuple(chain), value, inline)

    def value(self, path: tuple, value, inline: bool) -> None:
        if isinstance(value, Lit):
            self.emit(value)
        elif isinstance(value, list):
            multi = not inline and self.rnd.random() < 0.4
            self.emit("[")
            for i, item in enumerate(value):
                self.emit(self.nl + "  " if multi else self.rnd.choice(SPACES))
                self.mark(path + (i,))
                self.value(path + (i,), item, inline)
                self.ws()
                if i < len(value) - 1 or self.rnd.random() < 0.3:
                    self.emit(",")
                if multi and self.rnd.random() < 0.3:
                    self.emit(" #" + self.rnd.choice(COMMENTS))
            if multi and self.rnd.random() < 0.3:
                self.emit(self.nl + "  # inside" + self.rnd.choice(COMMENTS))
            self.emit(self.nl if multi else self.rnd.choice(SPACES))
            self.emit("]")
        else:  # inline table, TOML 1.0: one line, no trailing comma
            entries = [
                e
                for k, v in value.items()
                for e in self.flatten([k], v, isinstance(v, dict) and v and self.rnd.random() < 0.3)
            ]
            self.emit("{")
            self.ws()
            for n, (chain, leaf) in enumerate(entries):
                if n:
                    self.ws()
                    self.emit(",")
                    self.ws()
                self.assign(path, chain, leaf, inline=True)
            self.ws()
            self.emit("}")


def offset_to_pos(src: str, offset: int) -> Pos:
    return Pos(src.count("\n", 0, offset) + 1, offset - (src.rfind("\n", 0, offset) + 1) + 1)


def pos_to_offset(src: str, pos: Pos) -> int:
    lines = src.split("\n")
    return sum(len(line) + 1 for line in lines[: pos.line - 1]) + pos.col - 1


KEY_TOKEN = re.compile(r"""[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'""")


def key_at(src: str, offset: int) -> str:
    token = KEY_TOKEN.match(src, offset).group()
    (name,) = tomllib.loads(f"{token} = 0")
    return name


def walk(node, path=()):
    """Every (path, value) below node, containers included."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        yield path + (k,), v
        if isinstance(v, (dict, list)):
            yield from walk(v, path + (k,))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, st.integers(0, 2**32))
def test_random_documents_point_at_their_keys(doc, seed):
    writer = Writer(random.Random(seed))  # the seed picks the writing style
    src = writer.document(doc)
    parsed = tomllib.loads(src)
    found = key_positions(src)
    all_paths = dict(walk(parsed))
    assert set(found) == set(all_paths)
    for path, offset in writer.expected.items():
        assert found[path] == offset_to_pos(src, offset), path
    for path, value in all_paths.items():
        if isinstance(value, (dict, list)) and value:
            continue  # only leaves
        offset = pos_to_offset(src, found[path])
        if isinstance(path[-1], str):
            assert key_at(src, offset) == path[-1], path
        else:
            model = doc
            for step in path:
                model = model[step]
            if isinstance(model, Lit):
                assert src.startswith(model, offset), path
            elif src[offset] not in "[{":  # else an [[array of tables]] entry: its header name
                assert re.search(r"\[\[[ \t]*$", src[:offset]), path
