"""Regenerate the key reference in docs/rules.md from the language definition (coach/rules/schema.py).

    python tools/update_rules_doc.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coach.rules.jsonschema import markdown_reference  # noqa: E402

doc = REPO / "docs" / "rules.md"
text = doc.read_text(encoding="utf-8")
new = re.sub(r"(<!-- reference:start -->\n).*(<!-- reference:end -->)",
             lambda m: m.group(1) + markdown_reference() + "\n" + m.group(2), text, flags=re.S)
doc.write_text(new, encoding="utf-8")
print("docs/rules.md " + ("updated" if new != text else "already up to date"))
