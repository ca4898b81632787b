"""The caseload list: one row per client with what the morning review needs.

Last contact and next appointment are aggregated in SQL (one grouped query
each, not one per client), so the list stays fast at 10,000 clients. Due-item
counts are not computed here: the caller passes counts taken from the one due
list it already has (`count_due`), so the rules run once, not once per row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from enum import StrEnum
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from caseterm import clock
from caseterm.services.reached import last_contact_sql, reached_sql  # re-exported: the first frame's name for it
from caseterm.vocabulary import AppointmentStatus, AuditAction, ClientStatus

if TYPE_CHECKING:
    from sqlmodel import Session

# This module is on the path to the first frame: SQLAlchemy, SQLModel and the
# table definitions are imported only by the functions that need a session.


class QuickFilter(StrEnum):
    ALL = "all"
    DUE = "due today"
    NOT_INITIALIZED = "not initialized"
    PENALTY = "in penalty"
    NO_CONTACT = "no recent contact"
    CLOSING = "closing"
    #: Agency mode: the clients of workers the login covers today (kept out of "my caseload").
    COVERING = "covering"


class CaseloadRow(NamedTuple):
    """One client's row: a tuple (no per-row dict), 10,000 of them in about 1.5 MB."""

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
    #: agency mode: the worker the client is assigned to (a supervisor's caseload is the team's)
    worker: str = ""

    @property
    def flags(self) -> str:
        """Fixed-position flag letters: P penalty, E exempt, R remote, D DV in home."""
        return _FLAGS[(self.penalty, self.exempt, self.remote, self.dv)]

    def search_text(self) -> str:
        return f"{self.case_number} {self.name} {self.legal_name} {self.program} {self.status.value} {self.worker}".casefold()


def _flag_letters(penalty: bool, exempt: bool, remote: bool, dv: bool) -> str:
    letters = (("P", penalty), ("E", exempt), ("R", remote), ("D", dv))
    return "".join(letter if on else "·" for letter, on in letters)


_FLAGS = {
    (p, e, r, d): _flag_letters(p, e, r, d)
    for p in (False, True)
    for e in (False, True)
    for r in (False, True)
    for d in (False, True)
}


#: "D" is the DV flag, worded by what it means for the worker: a passer-by reads it too.
FLAG_LEGEND = "P penalty · E exempt · R remote (mail only) · D no home visits · ✎ unsaved note"
#: After the name of a client with an unsaved note (a draft).
DRAFT_MARK = "✎"


def follow_up_days() -> int:
    """The policy's default follow-up interval (the "no contact in N days" filter)."""
    from caseterm.policy import load_policy

    return int(load_policy().follow_up.default_days)


def caseload_sql(worker: bool = False) -> str:
    """One query for every client's row: last contact, next appointment from
    `:start` on (the day, 00:00), drafts; with `worker` (agency mode) the assigned
    worker's name. Named parameters, so the same text runs through stdlib
    sqlite3 / sqlcipher3 and through SQLAlchemy's `text()`."""
    scheduled = AppointmentStatus.SCHEDULED.value
    who = ", coalesce(nullif(w.full_name, ''), w.login)" if worker else ""
    join = "LEFT OUTER JOIN worker AS w ON w.id = c.worker_id" if worker else ""
    return f"""
SELECT c.case_number, c.preferred_name, c.legal_name, c.program, c.status,
       c.penalty_start, c.exempt_hours, c.remote, c.dv_in_home, c.close_pending,
       lc.last, na.next, d.n{who}
FROM client AS c
{join}
LEFT OUTER JOIN ({last_contact_sql()}) AS lc ON lc.client_id = c.id
LEFT OUTER JOIN (SELECT client_id, min(start) AS next FROM appointment
                 WHERE start >= :start AND status = '{scheduled}' GROUP BY client_id) AS na
       ON na.client_id = c.id
LEFT OUTER JOIN (SELECT client_id, count(*) AS n FROM notedraft GROUP BY client_id) AS d
       ON d.client_id = c.id
ORDER BY c.case_number
"""


def _rows_from(result: Iterable[tuple[Any, ...]]) -> list[CaseloadRow]:
    statuses = {s.value: s for s in ClientStatus}
    make = CaseloadRow
    return [
        make(
            case_number,
            preferred or legal,
            legal,
            program,
            statuses[status],
            penalty_start is not None,
            exempt is not None,
            bool(remote),
            bool(dv),
            bool(close_pending),
            _as_date(last),
            _as_datetime(nxt),
            0,
            int(drafts or 0),
            (worker[0] or "") if worker else "",
        )
        for (case_number, preferred, legal, program, status, penalty_start, exempt, remote, dv,
             close_pending, last, nxt, drafts, *worker) in result
    ]


def caseload_rows(session: Session, day: dt.date) -> list[CaseloadRow]:
    """Every client, with last contact and next appointment from `day` on."""
    from sqlalchemy import text

    start = dt.datetime.combine(day, dt.time.min)
    agency = session.get_bind().dialect.name == "postgresql"
    param: object = _sqlite_datetime(start) if session.get_bind().dialect.name == "sqlite" else start
    return _rows_from(session.execute(text(caseload_sql(worker=agency)), {"start": param}))


def workers_of(rows: Iterable[CaseloadRow]) -> list[str]:
    """The workers the rows are assigned to, by name (more than one: a supervisor's or an admin's view)."""
    return sorted({row.worker for row in rows if row.worker}, key=str.casefold)


def of_worker(rows: Iterable[CaseloadRow], worker: str | None) -> list[CaseloadRow]:
    """The rows of one worker (None: all)."""
    return list(rows) if worker is None else [row for row in rows if row.worker == worker]


def caseload_rows_readonly(conn: Any, day: dt.date) -> list[CaseloadRow]:
    """`caseload_rows` through a plain DB-API connection to SQLite (`caseterm.readonly`)."""
    start = _sqlite_datetime(dt.datetime.combine(day, dt.time.min))
    cursor = conn.execute(caseload_sql(), {"start": start})
    try:
        return _rows_from(cursor)
    finally:
        cursor.close()


class FirstPage(NamedTuple):
    """The first frame's rows (`first_page_readonly`)."""

    rows: list[CaseloadRow]
    #: Only the first screenful of clients, their own columns: the rest and the details follow.
    partial: bool
    #: How many clients the caseload has (all of them, also when `rows` is a screenful).
    total: int


#: A large caseload's first screenful: the clients' own columns in the caseload's opening
#: order (`sort_rows` by name: open cases first, names case-blind, ties by case number).
_FIRST_SCREEN_SQL = f"""
SELECT case_number, preferred_name, legal_name, program, status,
       penalty_start, exempt_hours, remote, dv_in_home, close_pending, NULL, NULL, NULL
FROM client
ORDER BY status IN ({", ".join(f"'{s.value}'" for s in (ClientStatus.CLOSED, ClientStatus.DENIED))}),
         caseterm_casefold(coalesce(nullif(preferred_name, ''), legal_name)), case_number
LIMIT :rows
"""


def _casefold(text: object) -> object:
    return text.casefold() if isinstance(text, str) else text


def first_page_readonly(conn: Any, day: dt.date, details_up_to: int, screenful: int) -> FirstPage | None:
    """The rows of the first frame, read through `conn` (`caseterm.readonly`) on the
    UI thread before that frame is drawn (issue 25.4): a worker would only get the
    interpreter between the frame's own steps.

    Up to `details_up_to` clients: the full rows (a few ms). More: `screenful` clients'
    own columns in the opening order (`partial`; ~10 ms at 10,000 instead of ~60 for
    all of them) — every row and the details follow from a worker. None when the file
    cannot be read this way (busy, let go of): the caller reads as before, and the
    store reports real damage.
    """
    from caseterm.cipher import DB_ERRORS

    try:
        cursor = conn.execute("SELECT count(*) FROM client")
        try:
            (clients,) = cursor.fetchone()
        finally:
            cursor.close()
        if clients <= details_up_to:
            return FirstPage(caseload_rows_readonly(conn, day), False, clients)
        # Python's case-blind order, the one `sort_rows` uses (SQLite's lower() is ASCII only).
        conn.create_function("caseterm_casefold", 1, _casefold, deterministic=True)
        cursor = conn.execute(_FIRST_SCREEN_SQL, {"rows": screenful})
        try:
            return FirstPage(_rows_from(cursor), True, clients)
        finally:
            cursor.close()
    except DB_ERRORS:
        return None


def _sqlite_datetime(when: dt.datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (compared as text)."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def read_caseload(
    session_scope: Callable[[], AbstractContextManager[Session]],
    day: dt.date,
    readonly: Any | None = None,
) -> list[CaseloadRow]:
    """The caseload's rows: through `readonly` (a read-only DB-API connection from
    `caseterm.readonly`, while the full store is still coming up) when there is
    one, else through a session of the store."""
    if readonly is not None:
        try:
            return caseload_rows_readonly(readonly, day)
        except Exception as err:
            from caseterm.cipher import DB_ERRORS

            if not isinstance(err, DB_ERRORS):
                raise
            # busy, or let go of meanwhile: the store reads it (and reports real damage)
    with session_scope() as session:
        return caseload_rows(session, day)


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


def count_due(items: Iterable[Any], day: dt.date) -> Counter[str]:
    """Items due on `day` or overdue, per case number (caseload-wide items are not counted).

    Items a rule shows ahead of their date are "coming up", not due: the
    caseload's Due column and `d` filter agree with the sidebar's heading."""
    from caseterm.rules.engine import split_due

    counts: Counter[str] = Counter()
    for item in split_due(items, day)[0]:
        case_number = getattr(item, "case_number", None)
        if case_number:
            counts[case_number] += 1
    return counts


def with_due_counts(rows: Iterable[CaseloadRow], counts: Counter[str] | dict[str, int]) -> list[CaseloadRow]:
    """The rows with their due counts (a row whose count is unchanged is the same tuple)."""
    out = []
    for row in rows:
        due = counts.get(row.case_number, 0)
        out.append(row if row.due == due else row._replace(due=due))
    return out


#: Cases that are over: they go to the end in every sort, and no one is late reaching them.
_ENDED = (ClientStatus.CLOSED, ClientStatus.DENIED)


def matches(row: CaseloadRow, quick: QuickFilter, day: dt.date, no_contact_days: int) -> bool:
    """Does a row pass a quick filter on `day`?"""
    if quick is QuickFilter.ALL or quick is QuickFilter.COVERING:
        return True  # who is covered is not the row's: split_covered decides it
    if quick is QuickFilter.DUE:
        return row.due > 0
    if quick is QuickFilter.NOT_INITIALIZED:
        return row.status is ClientStatus.NOT_INITIALIZED
    if quick is QuickFilter.PENALTY:
        return row.penalty
    if quick is QuickFilter.CLOSING:
        return row.close_pending
    if quick is QuickFilter.NO_CONTACT:
        return no_recent_contact(row, day - dt.timedelta(days=no_contact_days))
    raise ValueError(quick)


def no_recent_contact(row: CaseloadRow, cutoff: dt.date) -> bool:
    """Not reached since `cutoff` (never reached counts): the one definition of the
    caseload's `n` filter, its count and the Team screen's "No contact" column.
    Closed and denied cases are no one's to reach."""
    if row.status in _ENDED:
        return False
    return row.last_contact is None or row.last_contact < cutoff


#: The longest "no contact" window a user can ask for (ten years): past it, every client is listed anyway.
MAX_NO_CONTACT_DAYS = 3650


def parse_no_contact_days(text: str) -> int:
    """A "no contact in N days" window typed by the user: a whole number of days."""
    from caseterm.errors import BadInput

    value = text.strip().removesuffix("d").strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_NO_CONTACT_DAYS:
        raise BadInput(f"No-contact window: {text.strip()!r} is not a number of days from 1 to {MAX_NO_CONTACT_DAYS}")
    return int(value)


def filter_rows(
    rows: Iterable[CaseloadRow], quick: QuickFilter, text: str, day: dt.date, no_contact_days: int
) -> list[CaseloadRow]:
    """Quick filter, then every word of `text` must appear in the row."""
    words = text.casefold().split()
    if quick is QuickFilter.ALL and not words:
        return list(rows)
    return [
        row
        for row in rows
        if matches(row, quick, day, no_contact_days) and all(w in row.search_text() for w in words)
    ]


def split_covered(rows: Iterable[CaseloadRow], covered: Collection[str]) -> tuple[list[CaseloadRow], list[CaseloadRow]]:
    """(my caseload, the clients I cover today): a covering worker sees both, but apart (issue 15)."""
    mine: list[CaseloadRow] = []
    theirs: list[CaseloadRow] = []
    for row in rows:
        (theirs if row.case_number in covered else mine).append(row)
    return mine, theirs


def quick_counts(rows: Iterable[CaseloadRow], day: dt.date, no_contact_days: int) -> dict[QuickFilter, int]:
    """How many clients each quick filter would show (for the quick-filter bar)."""
    # One pass with the tests of `matches` written out (six passes of it: 70 ms at 10,000 rows).
    cutoff = day - dt.timedelta(days=no_contact_days)
    not_initialized = ClientStatus.NOT_INITIALIZED
    total = due = init = penalty = closing = no_contact = 0
    for row in rows:
        total += 1
        due += row.due > 0
        init += row.status is not_initialized
        penalty += row.penalty
        closing += row.close_pending
        no_contact += no_recent_contact(row, cutoff)
    return {
        QuickFilter.ALL: total,
        QuickFilter.DUE: due,
        QuickFilter.NOT_INITIALIZED: init,
        QuickFilter.PENALTY: penalty,
        QuickFilter.NO_CONTACT: no_contact,
        QuickFilter.CLOSING: closing,
    }


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
    from sqlmodel import select

    from caseterm.models import Client

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


#: Columns where a blank is the oldest value, not a missing one: never contacted
#: is the longest without contact, so it sorts first oldest-first and last newest-first.
BLANK_IS_OLDEST = {"last_contact"}

def sort_rows(rows: Iterable[CaseloadRow], column: str, reverse: bool = False) -> list[CaseloadRow]:
    """Sort by any column; blanks stay at the end either way (except where a blank is the
    oldest, `BLANK_IS_OLDEST`), closed and denied cases after every open one, ties by case number."""
    rows = sorted(rows, key=_by_case_number)
    open_rows = [row for row in rows if row.status not in _ENDED]
    ended = [row for row in rows if row.status in _ENDED]
    return _sorted_part(open_rows, column, reverse) + _sorted_part(ended, column, reverse)


def _sorted_part(rows: list[CaseloadRow], column: str, reverse: bool) -> list[CaseloadRow]:
    get = attrgetter(column)
    present: list[CaseloadRow] = []
    blank: list[CaseloadRow] = []
    for row in rows:
        (blank if get(row) is None else present).append(row)
    # One column holds one type: text sorts case-blind (as `_sort_value`), the rest as is.
    if present and isinstance(get(present[0]), str):
        ordered = sorted(present, key=lambda r: get(r).casefold(), reverse=reverse)
    else:
        ordered = sorted(present, key=get, reverse=reverse)
    if column in BLANK_IS_OLDEST and not reverse:
        return blank + ordered
    return ordered + blank


_by_case_number = attrgetter("case_number")


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
