"""Limits for every text file the coach reads (rule files, profiles, calibration files, recording
metadata): size, kind of file, encoding and nesting depth, each refused with one clear line.

Parsers recurse on nested arrays and tables, so a file nested a few thousand levels deep would
exhaust Python's stack (RecursionError); :func:`toml_nesting` and :func:`json_nesting` find the
first bracket past :data:`MAX_NESTING` with a plain loop before any parser sees the text.
"""
from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Optional, Tuple

# Largest text file read (bytes). Rule files, profiles and calibration files are a few kB;
# raise it only if a genuine file is refused.
MAX_TEXT_BYTES = 1_000_000
# Deepest nesting of arrays / inline tables / JSON containers accepted (levels). Rule files
# need about 6 (all/any conditions inside a check); lower it never, raise it only for a
# genuine file that is refused.
MAX_NESTING = 32


class TextFileProblem(Exception):
    """Why a text file cannot be read: ``message`` (no file name), ``line``/``col`` when known."""

    def __init__(self, message: str, line: Optional[int] = None, col: Optional[int] = None):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col

    def where(self, filename: str) -> str:
        return f"{filename}:{self.line}:{self.col}: {self.message}" if self.line else f"{filename}: {self.message}"


def _position(data: bytes, offset: int) -> Tuple[int, int]:
    head = data[:offset]
    line = head.count(b"\n") + 1
    col = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
    return line, col


def decode_text(data: bytes, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """UTF-8 (a BOM is allowed) to str; TextFileProblem for anything else, with a position."""
    if len(data) > max_bytes:
        raise TextFileProblem(f"larger than {max_bytes // 1000} kB: not a file the coach expects here")
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise TextFileProblem(f"the file is {name} encoded: save it as UTF-8", 1, 1)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        raise TextFileProblem(f"not UTF-8 text (byte 0x{data[exc.start]:02x}): save the file as UTF-8",
                              line, col) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _position(data, len(text[:nul].encode()))
        raise TextFileProblem("a NUL character: this is not a text file", line, col)
    return text


def read_text(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Read a small UTF-8 text file, refusing what is not one: a device or pipe (``/dev/zero``
    never ends), a file over ``max_bytes``, another encoding.

    Raises FileNotFoundError when it is missing, OSError for other access problems, and
    TextFileProblem for the rest.
    """
    fd = os.open(str(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise TextFileProblem("a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise TextFileProblem("not a regular file (a device or a pipe)")
        if st.st_size > max_bytes:
            raise TextFileProblem(f"larger than {max_bytes // 1000} kB: not a file the coach expects here")
        chunks, total = [], 0
        while total <= max_bytes:  # the size may grow while we read (or lie, on odd filesystems)
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    return decode_text(b"".join(chunks), max_bytes)


def toml_nesting(text: str, limit: int = MAX_NESTING) -> Optional[Tuple[int, int]]:
    """(line, col) of the first '[' or '{' nested deeper than ``limit`` in TOML text, else None.

    Strings and comments are skipped; table headers (``[a]``, ``[[a]]``) close on their line and
    count like arrays, harmlessly. Works on invalid TOML too (never raises, never recurses)."""
    depth, i, n, line, line_start = 0, 0, len(text), 1, 0
    while i < n:
        c = text[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "\"'":
            triple = text.startswith(c * 3, i)
            end = c * 3 if triple else c
            j = i + len(end)
            while j < n:
                if c == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(end, j):
                    break
                if not triple and text[j] == "\n":
                    break
                j += 1
            seg_end = min(n, j + len(end))
            line += text.count("\n", i, seg_end)
            k = text.rfind("\n", i, seg_end)
            if k >= 0:
                line_start = k + 1
            i = seg_end
            continue
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line, i - line_start + 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def json_nesting(text: str, limit: int = MAX_NESTING) -> Optional[int]:
    """Character offset of the first '[' or '{' nested deeper than ``limit`` in JSON, else None."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "[{":
            depth += 1
            if depth > limit:
                return i
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None
