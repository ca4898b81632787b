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
import hashlib
from dataclasses import dataclass
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


def _field(value: str | None) -> str:
    """One field of the canonical form: its length, a colon, the text (None as '-'): no
    separator inside a value can make two different entries read the same."""
    return "-" if value is None else f"{len(value)}:{value}"


def canonical(at: dt.datetime, user: str, action: str, case_number: str | None, detail: str) -> str:
    """The fields an entry's hash covers, as one text. Migration 0007's PostgreSQL trigger
    builds the same text (`to_char(at, 'YYYY-MM-DD HH24:MI:SS')`, `length(x) || ':' || x`)."""
    stamp = at.replace(microsecond=0).isoformat(sep=" ", timespec="seconds")
    return "|".join((_field(stamp), _field(user), _field(action), _field(case_number), _field(detail)))


def chain_hash(previous: str | None, at: dt.datetime, user: str, action: str, case_number: str | None,
               detail: str) -> str:
    """sha256(previous hash, newline, canonical fields), hex. Why a chain: an entry edited,
    deleted or slipped in through `sqlite3` breaks the link after it, and `check` names it."""
    text = f"{previous or ''}\n{canonical(at, user, action, case_number, detail)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last_hash(session: Session) -> str | None:
    row = session.exec(
        select(AuditEntry.hash).where(col(AuditEntry.imported).is_(False)).order_by(col(AuditEntry.id).desc()).limit(1)
    ).first()
    return row


def record(session: Session, action: AuditAction | str, case_number: str | None = None, detail: str = "") -> AuditEntry:
    """Append one entry in the caller's transaction (flushed, not committed), chained to the last.

    On PostgreSQL the server sets the user (migration 0006) and so works the hash out itself
    (migration 0007's trigger, under a lock: two logins never chain to the same entry).
    """
    entry = AuditEntry(
        # whole seconds: the interchange file writes seconds, and re-import matches entries exactly
        at=clock.now().replace(microsecond=0),
        user=current_user(),
        action=AuditAction(action).value,
        case_number=case_number,
        detail=detail,
    )
    if session.get_bind().dialect.name == "sqlite":
        entry.hash = chain_hash(_last_hash(session), entry.at, entry.user, entry.action, entry.case_number, entry.detail)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What `caseterm check` says of the audit trail."""

    live: int
    imported: int
    #: None when every link holds; else the first broken one, in words.
    broken: str | None


def verify_chain(session: Session) -> ChainReport:
    """Walk the live entries in order and recompute each link; name the first that does not hold."""
    rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    previous: str | None = None
    live = imported = 0
    for entry in rows:
        if entry.imported:
            imported += 1
            continue
        live += 1
        expected = chain_hash(previous, entry.at, entry.user, entry.action, entry.case_number, entry.detail)
        if entry.hash != expected:
            what = "has no hash (added outside caseterm)" if not entry.hash else (
                "does not match the chain: it was changed, or an entry before it was deleted or slipped in")
            return ChainReport(live, imported, f"audit entry {entry.id} ({entry.at:%Y-%m-%d %H:%M:%S}, "
                                               f"{entry.action}) {what}")
        previous = entry.hash
    return ChainReport(live, imported, None)


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
