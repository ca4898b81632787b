"""Snooze dates for a due item (the quick choices and a typed date), and the list of
snoozed and dismissed items with undo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, DueState, ManualTask
from caseterm.vocabulary import DueAction

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


# -- the snoozed and dismissed items, and undo (23.10) ----------------------------------


@dataclass(frozen=True)
class SetAside:
    """A due item the user snoozed (still hidden) or dismissed, as the list of them shows it."""

    item_key: str
    case_number: str
    client: str
    rule: str
    label: str
    action: DueAction
    until: dt.date | None
    decided_at: dt.datetime
    reason: str


def _label(session: Session, rule: str, occurrence: str) -> str:
    """The rule's short label; a manual task's own title."""
    from caseterm.services.reports import RULE_LABELS

    if rule == "manual" and occurrence.startswith("task") and occurrence[4:].isdigit():
        task = session.get(ManualTask, int(occurrence[4:]))
        if task is not None:
            return f"Task: {task.title}"
    return RULE_LABELS.get(rule, rule)


def _newest_decisions(session: Session, item_key: str | None = None) -> dict[str, DueState]:
    """The newest decision row per item key (whole rows: this list shows when and why; the due
    list itself reads only (action, until) through the plain driver)."""
    query = sa.select(DueState).order_by(DueState.id)
    if item_key is not None:
        query = query.where(DueState.item_key == item_key)
    return {state.item_key: state for state in session.scalars(query)}


def set_aside(session: Session, today: dt.date) -> list[SetAside]:
    """Every item whose newest decision is a snooze still running on `today`, or a dismissal.

    Newest decision first. Only the newest row of an item counts (as for the due list).
    """
    rows = [
        state for state in _newest_decisions(session).values()
        if state.action == DueAction.DISMISSED
        or (state.action == DueAction.SNOOZED and state.until is not None and today < state.until)
    ]
    cases = {state.item_key.split("|")[1] for state in rows if state.item_key.count("|") >= 2}
    names = {
        case: name for case, name in session.execute(
            sa.select(Client.case_number, sa.func.coalesce(Client.preferred_name, Client.legal_name))
            .where(Client.case_number.in_(cases))
        )
    } if cases else {}
    out = []
    for state in sorted(rows, key=lambda s: s.id or 0, reverse=True):
        rule, case, occurrence = (state.item_key.split("|", 2) + ["", ""])[:3]
        out.append(SetAside(
            item_key=state.item_key, case_number=case, client=names.get(case, case or "caseload"), rule=rule,
            label=_label(session, rule, occurrence), action=state.action, until=state.until,
            decided_at=state.created_at, reason=state.reason or "",
        ))
    return out


def undo(session: Session, item_key: str, today: dt.date) -> DueState:
    """Put a snoozed or dismissed item back on the due list.

    Appends a "restored" decision (the snooze or dismissal stays on record); refused,
    naming the item, if the item is not snoozed or dismissed now (undone twice, or the
    snooze already ran out)."""
    from caseterm.services.due import _record

    key = (item_key or "").strip()
    state = _newest_decisions(session, key).get(key)
    current = state is not None and (
        state.action == DueAction.DISMISSED
        or (state.action == DueAction.SNOOZED and state.until is not None and today < state.until)
    )
    if not current:
        raise BadInput(f"undo: {key!r} is not snoozed or dismissed (already back on the due list?)")
    return _record(session, key, DueAction.RESTORED)
