"""What the tabs of a client's file share: the tab ids, the record table, small formatters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caseterm.widgets.table import MeasuredTable

#: Tab ids, in order; `ClientScreen(tab=...)` accepts any of them.
TABS: list[tuple[str, str]] = [
    ("notes", "Notes"),
    ("appointments", "Appointments"),
    ("plan", "Case plan"),
    ("assessments", "Assessments"),
    ("hours", "Hours"),
    ("releases", "Releases"),
    ("referrals", "Referrals"),
    ("hmis", "HMIS"),
]
TAB_ALIASES = {"case_plan": "plan", "caseplan": "plan", "participation": "hours", "appointment": "appointments"}
#: Record tabs whose rows are edited with `e`.
RECORD_TABS = {"appointments", "plan", "assessments", "hours", "releases", "referrals"}
BAR_WIDTH = 20


def _label(value: Any) -> str:
    from caseterm.vocabulary import label

    return "" if value is None else label(str(getattr(value, "value", value)))


def _date(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def hours_bar(total: float, required: float, width: int = BAR_WIDTH) -> str:
    """A text bar of hours against the requirement (full width = required)."""
    if required <= 0:
        return ""
    filled = min(width, round(width * total / required))
    return "█" * filled + "░" * (width - filled)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _hours(value: float) -> str:
    return f"{value:g}"


class RecordTable(MeasuredTable):
    """A table of one kind of record; row keys are "<kind>:<id>"."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - empty or moving table
            return None
        return key.value


#: The record kind (services.records) each record tab edits.
RECORD_KIND = {"appointments": "appointment", "assessments": "assessment", "hours": "hours",
               "releases": "release", "referrals": "referral"}
