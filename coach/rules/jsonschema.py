"""JSON Schema (draft 2020-12) of rule files, generated from the key catalogue in schema.py,
for editors that validate TOML against a JSON Schema (e.g. Even Better TOML / Taplo)."""
from __future__ import annotations

from typing import Any

from ..landmarks import NAMES
from .schema import EXAMPLES, LANGUAGES, SECTIONS, Key

_LANDMARK_PATTERN = "^(" + "|".join(sorted(set(NAMES) | {n.replace("left_", "{side}_") for n in NAMES}
                                         | {n.replace("left_", "{other}_") for n in NAMES})).replace("{", "\\{").replace("}", "\\}") + ")$"


def _key(k: Key) -> dict[str, Any]:
    desc = k.doc + (f" Unit: {k.unit}." if k.unit else "") + (f" Default: {k.default!r}." if k.default not in (None, "", [], {}) else "")
    t = k.type
    if t == "int":
        s: dict[str, Any] = {"type": "integer"}
    elif t == "number":
        s = {"type": "number"}
    elif t == "string":
        s = {"type": "string"}
    elif t == "bool":
        s = {"type": "boolean"}
    elif t == "text":
        s = {"oneOf": [{"type": "string"}, {"type": "object", "required": ["en"], "additionalProperties": False,
                                             "properties": {lang: {"type": "string"} for lang in LANGUAGES}}]}
    elif t == "strings":
        s = {"type": "array", "items": {"type": "string", **({"enum": list(k.choices)} if k.choices else {})}}
    elif t == "landmarks":
        s = {"type": "array", "items": {"type": "string", "pattern": _LANDMARK_PATTERN}}
    elif t == "pair":
        s = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
    elif t == "table":
        s = {"$ref": f"#/$defs/{k.section}"}
    elif t == "tables":
        s = {"type": "array", "items": {"$ref": f"#/$defs/{k.section}"}}
    elif t == "condition":
        s = {"$ref": "#/$defs/condition"}
    elif t == "conditions":
        s = {"type": "array", "items": {"$ref": "#/$defs/condition"}, "minItems": 1}
    elif t == "measures":
        s = {"type": "object", "additionalProperties": {"$ref": "#/$defs/measure"}}
    else:  # pragma: no cover
        raise ValueError(t)
    if k.choices and t in ("string", "int"):
        s["enum"] = list(k.choices)
    if k.minimum is not None:
        s["minimum"] = k.minimum
    if k.maximum is not None:
        s["maximum"] = k.maximum
    s["description"] = desc
    return s


def _object(section: str) -> dict[str, Any]:
    keys = SECTIONS[section]
    props = {}
    for n, k in keys.items():
        props[n] = _key(k)
        props[n]["markdownDescription"] = props[n]["description"] + f"\n\nExample: `{EXAMPLES[section][n]}`"
    return {"type": "object", "additionalProperties": False,
            "required": [n for n, k in keys.items() if k.required], "properties": props}


def json_schema() -> dict[str, Any]:
    out = _object("file")
    out.update({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Form Coach exercise rule file",
                "$defs": {name: _object(name) for name in SECTIONS if name != "file"}})
    return out


_SECTION_TITLES = {
    "file": "Top level", "exercise": "[exercise]", "measure": "[measures.NAME]", "rep": "[rep]",
    "phase": "[[rep.phases]]", "hold": "[rep.hold]", "range": "[rep.range]", "check": "[[checks]]",
    "condition": "Conditions (`enter`, `expect`, and each item of `all`/`any`/`all_seen`)", "feedback": "[feedback]",
}


def _fmt_default(k: Key) -> str:
    if k.required:
        return "required"
    if k.default is None or k.default in ("", [], {}):
        return "—"
    if isinstance(k.default, str):
        return f'`"{k.default}"`'
    return f"`{k.default}`"


def _fmt_range(k: Key) -> str:
    """' Range: 0 to 600.' for keys with bounds (the loader rejects values outside)."""
    if k.minimum is None and k.maximum is None:
        return ""
    if k.maximum is None:
        return f" Range: {k.minimum:g} or more."
    if k.minimum is None:
        return f" Range: up to {k.maximum:g}."
    return f" Range: {k.minimum:g} to {k.maximum:g}."


def markdown_reference() -> str:
    """The key reference tables of docs/rules.md, generated from the catalogue (a test keeps
    the document identical to this)."""
    out = []
    for section, keys in SECTIONS.items():
        out.append(f"### {_SECTION_TITLES[section]}\n")
        out.append("| key | type | unit | default | meaning | example |")
        out.append("|---|---|---|---|---|---|")
        for name, k in keys.items():
            choices = f" One of: {', '.join(f'`{c}`' for c in k.choices)}." if k.choices else ""
            choices += _fmt_range(k)
            example = EXAMPLES[section][name].replace("|", "\\|")
            out.append(f"| `{name}` | {k.type} | {k.unit or '—'} | {_fmt_default(k)} | {k.doc}{choices} | `{example}` |")
        out.append("")
    return "\n".join(out)
