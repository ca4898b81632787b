"""Read-only access to a caseterm SQLite file with the plain DB-API driver.

The first frame of the app (the caseload's first page) is read through here,
before SQLAlchemy, SQLModel and the table definitions are imported: the
standard `sqlite3` module, or `sqlcipher3` on an encrypted file (after the
unlock screen has given the passphrase), opened with a `mode=ro` URI so
nothing is written. It serves only a file the full store would open as it is:
one of caseterm's (its tables), at the schema revision this code knows
(`store.HEAD_REVISION`, the same check as `store.open_store`). Anything else
(a new file, one to migrate, someone else's file, PostgreSQL) is None, and the
caller takes the full path (`store.open_store`), which creates, refuses or
migrates as it always did.

Nothing here imports SQLAlchemy; `tests/test_light_start.py` keeps it so.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from caseterm import cipher
from caseterm.dbfile import connecting, read_header
from caseterm.errors import StoreError
from caseterm.store import BUSY_TIMEOUT_MS, HEAD_REVISION, SQLITE_HEADER, sqlite_path


def connect(url: str) -> Any | None:
    """A read-only DB-API connection to the caseterm database at `url`, or None.

    None: not a SQLite file, missing or empty, not caseterm's, not at the head
    revision, encrypted without the passphrase held, or unreadable. The
    connection may be used from another thread (one at a time).
    """
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    path = path.absolute()  # `sqlite:///relative.db`: a file URI names an absolute path
    # Reading a WAL file makes its -wal and -shm files if missing: they carry client data too.
    old_umask = os.umask(0o077)
    try:
        return _checked(path)
    finally:
        os.umask(old_umask)


def _checked(path: Path) -> Any | None:
    try:
        conn = _open(path)
    except (StoreError, *cipher.DB_ERRORS, OSError):
        return None
    if conn is None:
        return None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "client"} <= tables:
            conn.close()
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except cipher.DB_ERRORS:  # a wrong key, a damaged or busy file: the full path says what
        conn.close()
        return None
    if row is None or row[0] != HEAD_REVISION:
        conn.close()
        return None
    return conn


def _open(path: Path) -> Any | None:
    header = read_header(path)  # never closes a descriptor this process has on the file (issue 21)
    if header == SQLITE_HEADER:
        uri = f"{path.as_uri()}?mode=ro"
        with connecting():
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    if not header or cipher.passphrase() is None:
        return None
    # SQLCipher, keyed with the passphrase the unlock screen (or CASETERM_PASSPHRASE) gave.
    return cipher.connect(path, readonly=True, timeout=BUSY_TIMEOUT_MS / 1000)
