"""The guide's rule table (docs/due-rules.md) documents exactly the rule ids the code registers;
no link in the README or the guide leaves the repository."""

from __future__ import annotations

import re
from pathlib import Path

from caseterm.rules.engine import load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES_DOC = ROOT / "docs" / "due-rules.md"


def test_readme_documents_every_registered_rule() -> None:
    section = RULES_DOC.read_text(encoding="utf-8")
    ids = re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(load_rules())


def test_every_link_of_the_readme_and_the_guide_stays_in_the_repository() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
            assert "://" not in target, (page.name, target)
            assert (page.parent / target).resolve().is_relative_to(ROOT), (page.name, target)
            assert (page.parent / target).exists(), (page.name, target)


def test_the_readme_fits_on_a_screen_or_two() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 80
