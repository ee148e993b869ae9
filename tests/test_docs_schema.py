"""docs/rules.md and the JSON Schema stay in step with the language definition."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from coach.rules.jsonschema import json_schema, markdown_reference
from coach.rules.loader import parse_text
from coach.rules.schema import EXAMPLES, SECTIONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_reference_in_docs_matches_the_language():
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- reference:start -->\n(.*)<!-- reference:end -->", text, re.S)
    assert m, "docs/rules.md lost its reference markers"
    assert m.group(1).strip() == markdown_reference().strip(), \
        "docs/rules.md is out of date: run python tools/update_rules_doc.py"


def test_every_key_is_documented_with_unit_default_and_a_valid_example():
    ref = markdown_reference()
    for section, keys in SECTIONS.items():
        assert set(EXAMPLES[section]) == set(keys), section
        for name in keys:
            assert re.search(rf"^\| `{name}` \| \w+ \| [^|]+ \| [^|]+ \| .+ \| `.+` \|$", ref, re.M), (section, name)
            example = EXAMPLES[section][name]
            if not example.startswith("["):   # table headers are shown as such
                doc = tomllib.loads(example)
                assert name in doc or section == "measure", (section, example)


def test_toml_examples_in_docs_are_valid_toml():
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4
    for b in blocks:
        tomllib.loads(b)


def test_json_schema_lists_every_key():
    js = json_schema()
    assert set(js["properties"]) == set(SECTIONS["file"])
    for section in SECTIONS:
        if section != "file":
            assert set(js["$defs"][section]["properties"]) == set(SECTIONS[section])
            assert js["$defs"][section]["additionalProperties"] is False


def _statements(lines: list[str]):
    """(first line index, lines) of each TOML statement, skipping multi-line strings; a
    statement continues over the lines of a multi-line array or inline table."""
    i, in_string = 0, False
    while i < len(lines):
        line = lines[i]
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            in_string = not in_string
            i += 1
            continue
        if in_string:
            i += 1
            continue
        start, depth = i, 0
        block = [line]
        depth += line.split("#", 1)[0].count("[") + line.split("#", 1)[0].count("{")
        depth -= line.split("#", 1)[0].count("]") + line.split("#", 1)[0].count("}")
        while depth > 0 and i + 1 < len(lines):
            i += 1
            code = lines[i].split("#", 1)[0]
            block.append(lines[i])
            depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
        yield start, block
        i += 1


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "exercises").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_number_in_a_shipped_rule_file_has_a_comment(path):
    """Each statement that sets a number carries a comment (unit / when to raise or lower it)
    on one of its lines, or sits right under a comment that explains it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    bare = []
    for start, block in _statements(lines):
        code = " ".join(b.split("#", 1)[0] for b in block)
        if not re.search(r"(=|\[|,)\s*-?\d", code) or code.strip().startswith(("schema", "version")):
            continue
        commented = any("#" in b for b in block) or (start > 0 and lines[start - 1].strip().startswith("#"))
        if not commented:
            bare.append(f"{path.name}:{start + 1}: {block[0].strip()}")
    assert not bare, "numbers without a unit/tuning comment:\n" + "\n".join(bare)


def test_shipped_files_roundtrip_through_the_loader():
    for p in sorted((Path(__file__).resolve().parents[1] / "exercises").glob("*.toml")):
        ex, problems = parse_text(p.read_text(encoding="utf-8"), str(p))
        assert not problems, problems
        assert "es" in ex.name, f"{p.name}: no Spanish name"
