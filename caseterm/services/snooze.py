"""Snooze dates for a due item: the quick choices and a typed date."""

from __future__ import annotations

import datetime as dt

from caseterm import clock
from caseterm.errors import BadInput

#: The snooze dialog's quick choices, in days from today.
QUICK_DAYS = (1, 3, 7)


def snooze_choices(today: dt.date) -> list[tuple[int, dt.date]]:
    """(days, date) for each quick choice."""
    return [(days, today + dt.timedelta(days=days)) for days in QUICK_DAYS]


def parse_snooze(text: str, today: dt.date) -> dt.date:
    """A typed snooze date: "YYYY-MM-DD" or "+N" days; must be after today."""
    text = text.strip()
    if text.startswith("+") and text[1:].isdigit():
        until = today + dt.timedelta(days=int(text[1:]))
    else:
        until = clock.parse_date(text, "snooze until")
    if until <= today:
        raise BadInput(f"snooze until {until.isoformat()}: pick a date after today ({today.isoformat()})")
    return until


def parse_task_due(text: str, today: dt.date) -> dt.date:
    """A new task's due date: empty for today, "YYYY-MM-DD" or "+N" days; not in the past."""
    text = text.strip()
    if not text:
        return today
    if text.startswith("+") and text[1:].isdigit():
        return today + dt.timedelta(days=int(text[1:]))
    due = clock.parse_date(text, "due")
    if due < today:
        raise BadInput(f"due {due.isoformat()}: is in the past")
    return due
