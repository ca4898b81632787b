"""The README's rule table documents exactly the rule ids the code registers."""

from __future__ import annotations

import re
from pathlib import Path

from caseterm.rules.engine import load_rules

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_documents_every_registered_rule() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The due list: every rule", 1)[1].split("\n## ", 1)[0]
    ids = re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(load_rules())
