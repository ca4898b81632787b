"""The caseload list: one row per client with what the morning review needs.

Last contact and next appointment are aggregated in SQL (one grouped query
each, not one per client), so the list stays fast at 10,000 clients. Due-item
counts are not computed here: the caller passes counts taken from the one due
list it already has (`count_due`), so the rules run once, not once per row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from enum import StrEnum

from sqlalchemy import func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from caseterm import clock
from caseterm.models import Appointment, Client, Note, NoteDraft
from caseterm.vocabulary import AppointmentStatus, AuditAction, ClientStatus


class QuickFilter(StrEnum):
    ALL = "all"
    DUE = "due today"
    NOT_INITIALIZED = "not initialized"
    PENALTY = "in penalty"
    NO_CONTACT = "no recent contact"
    CLOSING = "closing"


@dataclass(frozen=True)
class CaseloadRow:
    case_number: str
    name: str
    legal_name: str
    program: str
    status: ClientStatus
    penalty: bool
    exempt: bool
    remote: bool
    dv: bool
    close_pending: bool
    last_contact: dt.date | None
    next_appointment: dt.datetime | None
    due: int = 0
    #: unsaved note drafts of the client (marked on the row)
    drafts: int = 0

    @property
    def flags(self) -> str:
        """Fixed-position flag letters: P penalty, E exempt, R remote, D DV in home."""
        letters = (("P", self.penalty), ("E", self.exempt), ("R", self.remote), ("D", self.dv))
        return "".join(letter if on else "·" for letter, on in letters)

    def search_text(self) -> str:
        return f"{self.case_number} {self.name} {self.legal_name} {self.program} {self.status.value}".casefold()


#: "D" is the DV flag, worded by what it means for the worker: a passer-by reads it too.
FLAG_LEGEND = "P penalty · E exempt · R remote (mail only) · D no home visits · ✎ unsaved note"
#: After the name of a client with an unsaved note (a draft).
DRAFT_MARK = "✎"


def follow_up_days() -> int:
    """The policy's default follow-up interval (the "no contact in N days" filter)."""
    from caseterm.policy import load_policy

    return int(load_policy().follow_up.default_days)


def caseload_rows(session: Session, day: dt.date) -> list[CaseloadRow]:
    """Every client, with last contact and next appointment from `day` on."""
    from caseterm.services.due import reached_sql

    last_contact = (
        select(Note.client_id, func.max(Note.contact_at).label("last"))
        # the client reached, as the rules count it (never a collateral contact or a letter)
        .where(text(reached_sql()))
        .group_by(Note.client_id)
        .subquery()
    )
    start_of_day = dt.datetime.combine(day, dt.time.min)
    next_appt = (
        select(Appointment.client_id, func.min(Appointment.start).label("next"))
        .where(Appointment.start >= start_of_day, Appointment.status == AppointmentStatus.SCHEDULED)
        .group_by(Appointment.client_id)
        .subquery()
    )
    drafts = (
        select(NoteDraft.client_id, func.count().label("n")).group_by(NoteDraft.client_id).subquery()
    )
    c = Client.__table__.c  # plain columns, not ORM objects: 10,000 rows in a blink
    query = (
        sa_select(
            c.case_number,
            c.preferred_name,
            c.legal_name,
            c.program,
            c.status,
            c.penalty_start,
            c.exempt_hours,
            c.remote,
            c.dv_in_home,
            c.close_pending,
            last_contact.c.last,
            next_appt.c.next,
            drafts.c.n,
        )
        .select_from(Client.__table__)
        .outerjoin(last_contact, last_contact.c.client_id == c.id)
        .outerjoin(next_appt, next_appt.c.client_id == c.id)
        .outerjoin(drafts, drafts.c.client_id == c.id)
        .order_by(c.case_number)
    )
    return [
        CaseloadRow(
            case_number=r.case_number,
            name=r.preferred_name or r.legal_name,
            legal_name=r.legal_name,
            program=r.program,
            status=ClientStatus(r.status),
            penalty=r.penalty_start is not None,
            exempt=r.exempt_hours is not None,
            remote=bool(r.remote),
            dv=bool(r.dv_in_home),
            close_pending=bool(r.close_pending),
            last_contact=_as_date(r.last),
            next_appointment=_as_datetime(r.next),
            drafts=int(r.n or 0),
        )
        for r in session.execute(query)
    ]


def _as_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.fromisoformat(str(value)).date()


def _as_datetime(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value  # type: ignore[return-value]
    return dt.datetime.fromisoformat(str(value))


def count_due(items: Iterable[object]) -> Counter[str]:
    """Due items per case number (caseload-wide items are not counted)."""
    counts: Counter[str] = Counter()
    for item in items:
        case_number = getattr(item, "case_number", None)
        if case_number:
            counts[case_number] += 1
    return counts


def with_due_counts(rows: Iterable[CaseloadRow], counts: Counter[str] | dict[str, int]) -> list[CaseloadRow]:
    return [replace(row, due=counts.get(row.case_number, 0)) for row in rows]


def matches(row: CaseloadRow, quick: QuickFilter, day: dt.date, no_contact_days: int) -> bool:
    """Does a row pass a quick filter on `day`?"""
    if quick is QuickFilter.ALL:
        return True
    if quick is QuickFilter.DUE:
        return row.due > 0
    if quick is QuickFilter.NOT_INITIALIZED:
        return row.status is ClientStatus.NOT_INITIALIZED
    if quick is QuickFilter.PENALTY:
        return row.penalty
    if quick is QuickFilter.CLOSING:
        return row.close_pending
    if quick is QuickFilter.NO_CONTACT:
        if row.status in (ClientStatus.CLOSED, ClientStatus.DENIED):
            return False
        return row.last_contact is None or row.last_contact < day - dt.timedelta(days=no_contact_days)
    raise ValueError(quick)


def filter_rows(
    rows: Iterable[CaseloadRow], quick: QuickFilter, text: str, day: dt.date, no_contact_days: int
) -> list[CaseloadRow]:
    """Quick filter, then every word of `text` must appear in the row."""
    words = text.casefold().split()
    return [
        row
        for row in rows
        if matches(row, quick, day, no_contact_days) and all(w in row.search_text() for w in words)
    ]


def quick_counts(rows: Iterable[CaseloadRow], day: dt.date, no_contact_days: int) -> dict[QuickFilter, int]:
    """How many clients each quick filter would show (for the quick-filter bar)."""
    rows = list(rows)
    return {quick: sum(1 for row in rows if matches(row, quick, day, no_contact_days)) for quick in QuickFilter}


# -- display helpers (formatting only; no rules) -----------------------------

STATUS_LABELS = {
    ClientStatus.NOT_INITIALIZED: "not init",
    ClientStatus.OPEN: "open",
    ClientStatus.PENDED: "pended",
    ClientStatus.CLOSED: "closed",
    ClientStatus.DENIED: "denied",
}


def short_date(day: dt.date | None, today: dt.date | None = None, months: int | None = None) -> str:
    """'Nov 12'; with its year when more than the policy's months from today."""
    return clock.short_date(day, today, months=months)


def short_datetime(when: dt.datetime | None) -> str:
    return when.strftime("%b %d %H:%M") if when else "—"


def next_label(when: dt.datetime | None, today: dt.date, months: int | None = None) -> str:
    """Next appointment, short: "10:00" today, "Wed 13:30" within the week, else "Nov 12"."""
    if when is None:
        return "—"
    days = (when.date() - today).days
    if days == 0:
        return f"{when:%H:%M}"
    if 0 < days < 7:
        return f"{when:%a %H:%M}"
    return clock.short_date(when, today, months=months)


def client_index(session: Session) -> list[tuple[str, str, str]]:
    """(case number, name they go by, legal name) of every client, for lookups."""
    rows = session.exec(select(Client.case_number, Client.preferred_name, Client.legal_name)).all()
    return [(cn, preferred or legal, legal) for cn, preferred, legal in rows]


def _sort_value(row: CaseloadRow, column: str) -> tuple:
    value = getattr(row, column)
    if value is None:
        return (1, "")  # blanks sort last
    if isinstance(value, str):
        return (0, value.casefold())
    return (0, value)


#: Columns whose natural first sort is descending (most due items first).
DESCENDING_FIRST = {"due"}


def sort_rows(rows: Iterable[CaseloadRow], column: str, reverse: bool = False) -> list[CaseloadRow]:
    """Sort by any column; blanks stay at the end either way, ties by case number."""
    rows = sorted(rows, key=lambda r: r.case_number)
    present = [r for r in rows if getattr(r, column) is not None]
    blank = [r for r in rows if getattr(r, column) is None]
    return sorted(present, key=lambda r: _sort_value(r, column), reverse=reverse) + blank


def export_dir() -> Path:
    from caseterm import paths

    return paths.ensure_private_dir(paths.data_dir() / "exports")


def export_caseload(session: Session, day: dt.date, due_items: Iterable[object] = ()) -> list[Path]:
    """The Monday "print caseload" action: CSV + HTML print view (CONFIDENTIAL, 0600).

    Writing the list is doing the caseload-print item, so today's one is marked done.
    """
    from caseterm.services import reports

    directory = export_dir()
    csv_path = directory / f"caseload-{day.isoformat()}.csv"
    html_path = directory / f"caseload-{day.isoformat()}.html"
    report = reports.caseload_report(session, day)
    reports.write_caseload_csv(session, csv_path, day, report)
    reports.write_caseload_html(session, html_path, day, report)
    reports.audit_export(session, AuditAction.PRINT, "csv+html", len(report.lines), csv_path, html=html_path)
    done = [item for item in due_items if getattr(item, "rule", None) == "caseload-print"]
    if done:
        from caseterm.services import due

        for item in done:
            due.mark_done(session, item.key)  # type: ignore[attr-defined]
    return [csv_path, html_path]
