"""docs/routines.md stays in step with the routine-file keys and the store's schema."""
from __future__ import annotations

import re
from pathlib import Path

from coach.routine import KEYS
from coach.store import Store

DOC = (Path(__file__).resolve().parents[1] / "docs" / "routines.md").read_text(encoding="utf-8")


def test_every_routine_key_is_documented():
    for section in ("routine", "step"):
        for key in KEYS[section]:
            assert re.search(rf"^\| `{key}` \|", DOC, re.M), (section, key)


def test_every_table_and_column_of_the_store_is_documented(tmp_path):
    with Store(tmp_path) as st:
        tables = [r[0] for r in st.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for t in tables:
            m = re.search(rf"^`{t}`: (.*?)(?=\n\n)", DOC, re.M | re.S)
            assert m, t
            cols = [r[1] for r in st.db.execute(f"PRAGMA table_info({t})")]
            missing = [c for c in cols if f"`{c}`" not in m.group(1)]
            assert not missing, (t, missing)
        assert "now 2" in DOC and st.version == 2
