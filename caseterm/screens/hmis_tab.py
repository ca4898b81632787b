"""The client file's HMIS tab: the client's HUD universal data elements, enrollments and each stage's
elements, read-only; the keys i, u and x open the forms that record them (`screens/hmis_forms.py`), as
`caseterm hmis enroll|client|record|exit` do."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

HINT = ("Keys: i intake (enrolls when needed) · u income, benefits, insurance, disabilities, DV at a stage · "
        "x exit and destination. Or: caseterm hmis client CASE ... · hmis enroll CASE --project P --entry D · "
        "hmis record CASE --stage entry|update|annual|exit ... · hmis exit CASE --date D --destination N")


class HmisPanel(VerticalScroll, can_focus=True):
    """What `caseterm hmis show` prints, scrollable with the keyboard."""

    DEFAULT_CSS = """
    HmisPanel { height: 1fr; padding: 0 1; }
    HmisPanel > #hmis-hint { color: $text-muted; margin-top: 1; }
    """

    def compose(self):  # type: ignore[override]
        yield Static("", id="hmis-lines", markup=False)
        yield Static(HINT, id="hmis-hint", markup=False)

    def show(self, lines: list[str], case_number: str) -> None:
        self.query_one("#hmis-lines", Static).update("\n".join(lines))
        self.query_one("#hmis-hint", Static).update(HINT.replace("CASE", case_number))
