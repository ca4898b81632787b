"""The audit trail (HIPAA 164.312(b)): who opened, wrote, printed or exported what, and when.

One function writes it, `record`, in the caller's session, so an entry is
committed with the action it describes (or rolled back with it). An entry
holds the user (settings `full_name`, else the login), the time
(`clock.now()`), the action, the case number where there is one, and a short
detail: a format, a count, a file path, a template. Never a note's text, a
name or an address. The table is append-only: the database refuses UPDATE,
DELETE and REPLACE (migration 0003's triggers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.models import AuditEntry
from caseterm.vocabulary import AuditAction


def current_user() -> str:
    """Who is at the desk: the settings' full name, else the login."""
    from caseterm.config import load_settings

    settings = load_settings()
    return settings.full_name.strip() or settings.user


def detail_of(**parts: Any) -> str:
    """`format=ics; clients=12; file=/tmp/x.ics` from keyword parts (None parts left out)."""
    return "; ".join(f"{key}={value}" for key, value in parts.items() if value is not None)


def record(session: Session, action: AuditAction | str, case_number: str | None = None, detail: str = "") -> AuditEntry:
    """Append one entry in the caller's transaction (flushed, not committed)."""
    entry = AuditEntry(
        # whole seconds: the interchange file writes seconds, and re-import matches entries exactly
        at=clock.now().replace(microsecond=0),
        user=current_user(),
        action=AuditAction(action).value,
        case_number=case_number,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    case_number: str | None = None,
    since: dt.date | None = None,
    actions: Iterable[AuditAction] | None = None,
) -> list[AuditEntry]:
    """The trail, oldest first, optionally for one client, from one day, of some actions."""
    query = select(AuditEntry)
    if case_number is not None:
        query = query.where(AuditEntry.case_number == case_number)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= dt.datetime.combine(since, dt.time()))
    if actions is not None:
        query = query.where(col(AuditEntry.action).in_([a.value for a in actions]))
    return list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))).all())


def as_json(entry: AuditEntry) -> dict[str, Any]:
    """The CLI's and the interchange file's shape: {"at", "user", "action", "case_number", "detail"}."""
    return {
        "at": entry.at.isoformat(timespec="seconds"),
        "user": entry.user,
        "action": entry.action,
        "case_number": entry.case_number,
        "detail": entry.detail,
    }
