"""Encryption at rest with SQLCipher 4 (the `sqlcipher3` package bundles it).

The passphrase is held in this module's memory only while caseterm runs: never
written to a file, a log, a crash report or a URL (SQLAlchemy gets a creator
function, not a `sqlite+pysqlcipher://:passphrase@` URL). It comes from the
TUI's unlock screen, a terminal prompt, or `CASETERM_PASSPHRASE` (for scripts,
like PGPASSWORD).

An encrypted file has no "SQLite format 3" header (its first bytes are the
salt), so "encrypted" and "not a database at all" look alike until a
passphrase opens it: a wrong one is "wrong passphrase, or not a caseterm
database" (exit 2), and the file is not touched.

Every connection to an encrypted file goes through `connect`, so backups
(automatic, `caseterm backup`, pre-migration) are keyed with the same
passphrase and stay encrypted.
"""

from __future__ import annotations

import hmac
import os
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from caseterm.errors import BadInput, StoreError

#: For scripts only (like PGPASSWORD): the passphrase of an encrypted database.
ENV = "CASETERM_PASSPHRASE"
SQLITE_HEADER = b"SQLite format 3\x00"

_passphrase: str | None = None


def _dbapi() -> Any:
    try:
        from sqlcipher3 import dbapi2
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise StoreError("encryption needs the sqlcipher3 package: pip install sqlcipher3") from None
    return dbapi2


def _errors() -> tuple[type[BaseException], ...]:
    try:
        from sqlcipher3 import dbapi2
    except ImportError:  # pragma: no cover
        return (sqlite3.DatabaseError,)
    return (sqlite3.DatabaseError, dbapi2.DatabaseError)


#: Database errors of either driver (plain sqlite3 or SQLCipher): `cipher.DB_ERRORS`,
#: worked out on first use (`__getattr__` below) so that importing this module does
#: not load SQLCipher (the app's first frame on a plain file never needs it).
DB_ERRORS: tuple[type[BaseException], ...]


def db_errors() -> tuple[type[BaseException], ...]:
    """`DB_ERRORS` (this module's own code uses this: a global name does not go through `__getattr__`)."""
    errors = globals().get("DB_ERRORS")
    if errors is None:
        errors = _errors()
        globals()["DB_ERRORS"] = errors
    return errors


def __getattr__(name: str) -> Any:
    if name == "DB_ERRORS":
        return db_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def set_passphrase(passphrase: str | None) -> None:
    """Hold the passphrase in memory for this process (None forgets it)."""
    global _passphrase
    _passphrase = passphrase


def passphrase() -> str | None:
    return _passphrase


def key_text(key: str) -> str:
    """The passphrase as SQLCipher gets it: Unicode NFC, as the lock passphrase is hashed
    (the same word typed on two keyboards is one passphrase). A NUL cannot be in SQL text."""
    if "\x00" in key:
        raise BadInput("passphrase: a passphrase cannot hold a NUL character (\\0); nothing was changed")
    return unicodedata.normalize("NFC", key)


def matches(candidate: str) -> bool:
    """Whether `candidate` is the passphrase the database was opened with (the idle lock)."""
    if _passphrase is None or "\x00" in candidate:
        return False
    return hmac.compare_digest(key_text(candidate).encode("utf-8"), key_text(_passphrase).encode("utf-8"))


def from_environment() -> str | None:
    return os.environ.get(ENV) or None


def is_encrypted(path: Path) -> bool:
    """A non-empty file without SQLite's header: encrypted, or not a database at all."""
    from caseterm.dbfile import read_header  # never closes a descriptor this process has on the file

    try:
        header = read_header(path)
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER


def quote(key: str) -> str:
    """A passphrase as an SQL string literal (PRAGMA key and ATTACH ... KEY take no parameters; NFC: `key_text`)."""
    text = key_text(key)
    return "'" + text.replace("'", "''") + "'"



def hot_journal(path: Path) -> bool:
    """A rollback journal with content beside `path`: a write was interrupted (an old caseterm's
    in-place `PRAGMA rekey`, killed). Only a read-write open rolls it back; a read-only one
    fails whatever the key, so both passphrases looked wrong."""
    try:
        return Path(f"{path}-journal").stat().st_size > 0
    except OSError:
        return False


def wrong_passphrase(path: Path | str) -> StoreError:
    return StoreError(f"{path}: wrong passphrase, or not a caseterm database (the file was left as it was)")


def connect(path: Path | str, *, key: str | None = None, readonly: bool = False, timeout: float = 5.0) -> Any:
    """A DB-API connection: SQLCipher keyed with `key` (default: the held passphrase) when
    the file is encrypted or a key is given; plain sqlite3 otherwise."""
    from caseterm.dbfile import connecting

    path = Path(path)
    target = f"{path.absolute().as_uri()}?mode=ro" if readonly else str(path)  # as_uri needs an absolute path
    with connecting():  # not between another thread's look at the header and its close
        key = key if key is not None else (_passphrase if is_encrypted(path) else None)
        if key is None:
            if is_encrypted(path):
                raise StoreError(f"{path}: encrypted (or not a caseterm database); its passphrase is needed "
                                 f"(a terminal asks for it; scripts set {ENV})")
            return sqlite3.connect(target, uri=readonly, timeout=timeout)
        # Not tied to one thread: the engine's pool hands connections to the app's workers,
        # as SQLAlchemy does for plain SQLite files.
        conn = _dbapi().connect(target, uri=readonly, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not SQLCipher's log
        conn.execute(f"PRAGMA key = {quote(key)}")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_cipher(path: Path | str, *, key: str | None, timeout: float = 5.0) -> Any:
    """A connection through the SQLCipher driver (keyed when `key` is given, plain otherwise):
    the one driver with `sqlcipher_export`, for rewriting a file with another key."""
    # uri=True: `ATTACH 'file:...?mode=ro'` (a backup is only ever read) is a URI, never a file name.
    conn = _dbapi().connect(str(path), timeout=timeout, check_same_thread=False, uri=True)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key:
            conn.execute(f"PRAGMA key = {quote(key)}")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_encrypted(path: Path, timeout: float = 5.0) -> Any:
    """A SQLCipher connection keyed with the held passphrase (the engine's creator)."""
    if _passphrase is None:
        raise StoreError(f"{path}: encrypted (or not a caseterm database); its passphrase is needed "
                         f"(a terminal asks for it; scripts set {ENV})")
    return connect(path, key=_passphrase, timeout=timeout)


def verify(path: Path, key: str) -> None:
    """Open `path` with `key` and read its schema; StoreError 'wrong passphrase' if it cannot.

    Read-only, unless an interrupted write left a hot journal: then read-write, which rolls it
    back (SQLite copies the journal's pages back as they are, whatever the key).
    """
    if "\x00" in key:  # no passphrase can hold one (`key_text`): a wrong passphrase, not a crash
        raise wrong_passphrase(path)
    try:
        conn = connect(path, key=key, readonly=not hot_journal(path))
    except db_errors():
        raise wrong_passphrase(path) from None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except db_errors():
        raise wrong_passphrase(path) from None
    finally:
        conn.close()


def unlock(path: Path, key: str) -> None:
    """Check `key` against the file, then hold it for this process."""
    verify(path, key)
    set_passphrase(key)


def needs_passphrase(path: Path | None) -> bool:
    """An existing file that looks encrypted, and no passphrase held yet."""
    return path is not None and _passphrase is None and path.exists() and is_encrypted(path)


def unlock_from(path: Path | None, ask: Any = None) -> None:
    """Hold the passphrase for `path` if it is encrypted: CASETERM_PASSPHRASE, else `ask()`
    (a terminal prompt), checked against the file. Wrong: StoreError, file untouched.
    With neither, opening reports the file as encrypted or not caseterm's."""
    if path is None or not needs_passphrase(path):
        return
    key = from_environment()
    if key is None and ask is not None:
        key = ask()
    if key is not None:
        unlock(path, key)


def export(src: Path, dest: Path, *, src_key: str | None, dest_key: str) -> None:
    """`sqlcipher_export` `src` into a new file `dest` keyed with `dest_key` ('' = plain).

    (Rewriting the database itself goes through `caseterm.swap`, which also holds its lock.)
    """
    conn = connect_cipher(src, key=src_key)
    try:
        conn.execute(f"ATTACH DATABASE ? AS target KEY {quote(dest_key)}", (str(dest),))
        conn.execute("SELECT sqlcipher_export('target')")
        conn.execute("DETACH DATABASE target")
    finally:
        conn.close()


def integrity(conn: sqlite3.Connection, pragma: str = "integrity_check") -> str:
    """'ok', or SQLite's findings joined on one line (at most ten). Here, below
    `store` and `swap`, which both check copies with it."""
    rows = conn.execute(f"PRAGMA {pragma}(10)").fetchall()
    return "; ".join(str(r[0]) for r in rows)
