"""Pass 2 of an import: the write lock, the database's checks, then the sweeps of writes."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from caseterm.errors import StoreError
from caseterm.hmis import interchange as _hmis
from caseterm.models import Appointment, Client, Note
from caseterm.services.interchange import limits
from caseterm.services.interchange.problems import _Errors
from caseterm.services.interchange.records import RECORD_MODELS
from caseterm.services.interchange.validate import CheckedFile, _records_again, read_file
from caseterm.services.interchange.writer import ImportResult, _Writer, _chunks


# --------------------------------------------------------------------------
# Pass 2: the write lock, the database's checks, then the writes
# --------------------------------------------------------------------------


def _database_name(conn: Connection) -> str:
    url = conn.engine.url
    return str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


def _take_write_lock(conn: Connection) -> None:
    """Hold the database's write lock before reading what exists (two imports at once must not both insert).

    SQLite: `BEGIN IMMEDIATE` on the session's connection (pysqlite starts no
    transaction for reads, so nothing was begun yet). Another writer makes it
    wait (SQLite's busy timeout, retried up to LOCK_WAIT_SECONDS), then it is
    "busy": StoreError, exit status 2.
    """
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if getattr(dbapi, "in_transaction", False):
            return  # this transaction has written already: it holds the lock
        deadline = time.monotonic() + limits.LOCK_WAIT_SECONDS
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as err:
                reason = str(err.orig)
                if "locked" not in reason and "busy" not in reason:
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{_database_name(conn)}: the database is busy (another import or caseterm is "
                        "writing to it); nothing was imported, try again"
                    ) from None
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('caseterm import'))"))


def _check_database(conn: Connection, checked: CheckedFile, case_ids: dict[str, int], errors: _Errors) -> None:
    """What only the database can confirm: the clients, notes and appointments a file names but does not hold."""
    where = checked.where
    for case_number, (at, count) in checked.cases_to_find.items():
        if case_number not in case_ids:
            others = f" (and {count - 1} more records name it)" if count > 1 else ""
            errors.add(f"{where}: {at}: no client {case_number!r} in the file or the database{others}")
    for table, wanted, what in ((Note.__table__, checked.amends_to_find, "note"),
                                (Appointment.__table__, checked.appointments_to_find, "appointment")):
        found: set[str] = set()
        for batch in _chunks(list(wanted)):
            found.update(conn.execute(select(table.c.uid).where(table.c.uid.in_(batch))).scalars())
        for uid, at in wanted.items():
            if uid not in found:
                errors.add(f"{where}: {at}: no {what} with uid {uid!r}")


def _sweeps(order: list[str]) -> list[list[str]]:
    """The file's lists grouped into reads that write parents before children.

    Clients must exist before anything names them and appointments before the
    notes that link to them: an export's order needs one read; a hand-made
    file with another order is read once per group.
    """
    present = [k for k in order if k in RECORD_MODELS]
    hmis = [k for k in present if k in _hmis.MODELS]  # HMIS lists: parents first, in _hmis.LISTS order
    ok = (not present or "clients" not in present or present[0] == "clients") and (
        "appointments" not in present or "notes" not in present or present.index("appointments") < present.index("notes")) \
        and hmis == [k for k in _hmis.LISTS if k in hmis]
    if ok:
        return [present] if present else []
    groups = [["clients"], ["appointments"], *[[k] for k in _hmis.LISTS],
              [k for k in present if k not in ("clients", "appointments", *_hmis.LISTS)]]
    return [[k for k in g if k in present] for g in groups if any(k in present for k in g)]


def import_data(session: Session, checked: CheckedFile) -> ImportResult:
    """Pass 2: write a checked file into the session's transaction and say what changed.

    Takes the write lock first. Raises BadInput (StoreError when the database
    stays busy) with every problem found; the caller must then roll back
    (`store.session_scope` does), which leaves the database unchanged.
    """
    conn = session.connection()
    _take_write_lock(conn)
    errors = _Errors()
    client = Client.__table__
    case_ids: dict[str, int] = dict(conn.execute(select(client.c.case_number, client.c.id)).all())
    _check_database(conn, checked, case_ids, errors)
    errors.raise_if_any()
    writer = _Writer(conn, checked.where, case_ids, errors)
    for sweep in _sweeps(checked.order):
        current = None
        for list_name, index, record in _records_again(checked, sweep, errors):
            if list_name != current:
                writer.flush()
                current = list_name
            writer.add(list_name, index, record)
        writer.flush()
        if errors:
            break
    writer.finish()
    errors.raise_if_any()
    if writer.new_client_ids:
        # a new client is enrolled in the agency's default project unless the file enrolled it (docs/hmis.md)
        from caseterm.hmis.records import enroll_new_clients

        writer.result.enrolled, writer.result.not_enrolled = enroll_new_clients(session, writer.new_client_ids)
    return writer.result


def import_path(session: Session, path: Path) -> ImportResult:
    """Read, check and import one file (the caller's transaction)."""
    return import_data(session, read_file(path))
