"""The case narrative: notes are added, amended, never changed or deleted."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session, func, select

from caseterm import clock
from caseterm.models import Client, ContactMethod, ContactOutcome, Note, NoteType

#: A note written more than this long after its contact is a "late entry" (004).
#: Overridden by the policy's value when the policy module provides one.
_DEFAULT_LATE_AFTER = dt.timedelta(hours=24)


def late_entry_threshold() -> dt.timedelta:
    try:
        from caseterm.policy import load_policy

        return dt.timedelta(hours=load_policy().notes.late_entry_hours)
    except (ImportError, AttributeError):
        return _DEFAULT_LATE_AFTER


def is_late_entry(
    contact_at: dt.datetime, written_at: dt.datetime, latest_contact: dt.datetime | None
) -> bool:
    """Late if written > threshold after the contact, or out of chronological order (004)."""
    if written_at - contact_at > late_entry_threshold():
        return True
    return latest_contact is not None and contact_at < latest_contact


def latest_contact_at(session: Session, client_id: int) -> dt.datetime | None:
    return session.exec(select(func.max(Note.contact_at)).where(Note.client_id == client_id)).one()


def add_note(
    session: Session,
    client: Client,
    *,
    type: NoteType,
    text: str,
    contact_at: dt.datetime | None = None,
    written_at: dt.datetime | None = None,
    method: ContactMethod | None = None,
    outcome: ContactOutcome | None = None,
    minutes: int | None = None,
    author: str | None = None,
    amends: Note | None = None,
    uid: str | None = None,
) -> Note:
    """Append a note; the author and written-at are filled in, late entry is derived."""
    from caseterm.config import load_settings

    written = written_at or clock.now()
    contact = contact_at or written
    assert client.id is not None
    note = Note(
        uid=uid or str(uuid.uuid4()),
        client_id=client.id,
        contact_at=contact,
        written_at=written,
        type=type,
        method=method,
        outcome=outcome,
        minutes=minutes,
        author=author or load_settings().user,
        text=text,
        late_entry=is_late_entry(contact, written, latest_contact_at(session, client.id)),
        amends_id=amends.id if amends else None,
    )
    session.add(note)
    session.flush()
    return note
