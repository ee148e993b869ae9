"""Source positions for TOML documents, so rule-file errors can say ``file:line:col: message``.

``tomllib`` parses but forgets where things were. :func:`key_positions` re-scans a document that
``tomllib`` has already accepted and maps every key path (and every array element) to a 1-based
line/column. Because the input is known to be valid TOML, the scanner only has to find tokens,
not validate them.

Path elements are ``str`` for keys and ``int`` for array indices and array-of-tables entries::

    [[rep.phases]]                          ("rep", "phases", 0)   -> the header name
    enter = { measure = "elbow" }           ("rep", "phases", 0, "enter", "measure")
    joint = ["a", "b"]                      ("rep", "phases", 0, "joint", 1) -> the "b"

A path first seen as an implicit parent (``a`` in ``a.b = 1`` or ``[a.b]``) keeps the position
where it first appeared.
"""
from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple, Union

__all__ = ["Pos", "key_positions", "value_position", "syntax_error", "did_you_mean"]


@dataclass(frozen=True)
class Pos:
    line: int  # 1-based
    col: int  # 1-based, counted in characters (a tab is one column)

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


Path = Tuple[Union[str, int], ...]  # keys are str, array indices int
Positions = Dict[Path, Pos]

_WS = re.compile(r"[ \t]*")
_WS_NL = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")  # whitespace, newlines and comments
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_STRING = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*""""{0,2}'  # multi-line basic (up to 2 quotes may precede the close)
    r"|'''(?:[^']|'(?!''))*''''{0,2}"  # multi-line literal
    r'|"(?:[^"\\\n]|\\.)*"'  # basic
    r"|'[^'\n]*'",  # literal
    re.DOTALL,
)
_SCALAR = re.compile(r"[^,\]}#\r\n]*")  # numbers, booleans, dates (may contain a space), inf/nan
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))", re.DOTALL)
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}


def _unescape(body: str) -> str:
    """Decode the escapes of a basic-string key (TOML 1.0, plus 1.1's \\e and \\xHH)."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m[4], m[0]) if m[4] else chr(int(m[1] or m[2] or m[3], 16)), body)


def _line_starts(text: str) -> List[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _pos_at(starts: List[int], offset: int) -> Pos:
    line = bisect_right(starts, offset)
    return Pos(line, offset - starts[line - 1] + 1)


class _Scanner:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.starts = _line_starts(text)
        self.out: Positions = {}
        self.table: Path = ()  # resolved path of the current [table]
        self.aot: Dict[Path, int] = {}  # resolved path of each array of tables -> entries so far

    def skip(self, rx: "re.Pattern[str]", required: bool = False) -> str:
        m = rx.match(self.s, self.i)
        if m is None or (required and not m.group()):  # only possible if tomllib rejects the text
            raise ValueError(f"not valid TOML at {_pos_at(self.starts, self.i)}")
        self.i = m.end()
        return m.group()

    def mark(self, path: Path, offset: int) -> None:
        self.out.setdefault(path, _pos_at(self.starts, offset))

    def run(self) -> Positions:
        while True:
            self.skip(_WS_NL)
            if self.i >= len(self.s):
                return self.out
            if self.s.startswith("[[", self.i):
                self.header(array=True)
            elif self.s.startswith("[", self.i):
                self.header(array=False)
            else:
                self.keyval(self.table)

    def key(self) -> List[Tuple[str, int]]:
        """A possibly dotted key: [(name, offset of its first character), ...]."""
        parts = []
        while True:
            self.skip(_WS)
            start = self.i
            if self.s[start] in "\"'":
                raw = self.skip(_STRING, required=True)
                name = _unescape(raw[1:-1]) if raw[0] == '"' else raw[1:-1]
            else:
                name = self.skip(_BARE_KEY, required=True)
            parts.append((name, start))
            self.skip(_WS)
            if not self.s.startswith(".", self.i):
                return parts
            self.i += 1

    def header(self, array: bool) -> None:
        self.i += 2 if array else 1
        self.skip(_WS)
        name_start = self.i
        parts = self.key()
        path: Path = ()
        for n, (name, offset) in enumerate(parts):
            path += (name,)
            self.mark(path, offset)
            if array and n == len(parts) - 1:  # [[a.b]] appends a new entry to a.b
                index = self.aot.get(path, 0)
                self.aot[path] = index + 1
                path += (index,)
                self.mark(path, name_start)
            elif path in self.aot:  # [a.b] after [[a]] refers to the last entry of a
                path += (self.aot[path] - 1,)
        self.table = path
        self.i += 2 if array else 1  # key() stopped at the closing bracket

    def keyval(self, base: Path) -> None:
        path = base
        for name, offset in self.key():
            path += (name,)
            self.mark(path, offset)
        self.i += 1  # "="
        self.skip(_WS)
        self.value(path)

    def value(self, path: Path) -> None:
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            index = 0
            while True:
                self.skip(_WS_NL)
                if self.s[self.i] == "]":
                    break
                self.mark(path + (index,), self.i)
                self.value(path + (index,))
                self.skip(_WS_NL)
                if self.s[self.i] == ",":
                    self.i += 1
                index += 1
            self.i += 1
        elif c == "{":
            self.i += 1
            while True:
                self.skip(_WS_NL)
                if self.s[self.i] == "}":
                    break
                self.keyval(path)
                self.skip(_WS_NL)
                if self.s[self.i] == ",":
                    self.i += 1
            self.i += 1
        else:
            self.skip(_STRING if c in "\"'" else _SCALAR, required=True)


def key_positions(text: str) -> Positions:
    """Map every key path and array element of an already-valid TOML document to its position.

    Only meaningful for text tomllib accepts; other text may raise ValueError (it never hangs).
    """
    try:
        return _Scanner(text).run()
    except IndexError:  # ran off the end: unterminated construct
        raise ValueError("not valid TOML: unexpected end of document") from None


def value_position(positions: Positions, path: Iterable[Union[str, int]]) -> Optional[Pos]:
    """Position of ``path``, or of its nearest ancestor that exists (e.g. the table of a missing key)."""
    path = tuple(path)
    for n in range(len(path), 0, -1):
        if path[:n] in positions:
            return positions[path[:n]]
    return None


_SUFFIX = re.compile(r"(.*) \(at line (\d+), column (\d+)\)", re.DOTALL)
_END_SUFFIX = " (at end of document)"


def syntax_error(exc: Exception, text: Optional[str] = None) -> Tuple[int, int, str]:
    """(line, col, message) for a ``TOMLDecodeError``; the message loses its "(at line X, column Y)".

    Errors "at end of document" are placed after the last character when ``text`` is given.
    Anything without a position maps to (1, 1, str(exc)).
    """
    line, col, msg = (getattr(exc, a, None) for a in ("lineno", "colno", "msg"))
    if isinstance(line, int) and isinstance(col, int) and isinstance(msg, str):
        return line, col, msg  # Python 3.14+ / recent tomli expose the position directly
    message = str(exc)
    m = _SUFFIX.fullmatch(message)
    if m:
        return int(m.group(2)), int(m.group(3)), m.group(1)
    if text is not None and message.endswith(_END_SUFFIX):
        end = _pos_at(_line_starts(text), len(text))
        return end.line, end.col, message[: -len(_END_SUFFIX)]
    return 1, 1, message


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> Optional[str]:
    """The candidate closest to ``word`` (difflib ratio >= cutoff), or None."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return matches[0] if matches else None
