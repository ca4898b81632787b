"""Errors the user caused and can fix: shown as a message, never a traceback."""

from __future__ import annotations


class BadInput(Exception):
    """Input that cannot be accepted: a message naming what and where.

    The CLI prints each line of `errors` on stderr and exits with status 2;
    the TUI shows them as a notification. The database is left unchanged.
    """

    def __init__(self, *errors: str) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


class StoreError(BadInput):
    """The database cannot be used: locked, corrupt, or from a newer caseterm."""


#: What SQLite says when another connection holds the lock it needs.
_BUSY_SIGNS = ("database is locked", "database table is locked", "database is busy", "sqlite_busy",
               # PostgreSQL (agency mode): a row or table lock not granted in time
               "lock timeout", "could not obtain lock", "deadlock detected")
class DiskFull(StoreError):
    """No space left where a file was being written: the device's fault, not the database's
    (so no 'damaged' wording and no restore hint)."""


#: What SQLite (and PostgreSQL) say when the device holding a file is full.
_FULL_SIGNS = ("database or disk is full", "disk is full", "no space left on device", "sqlite_full")
#: What SQLite says when the file's pages are not what they should be.
_DAMAGED_SIGNS = ("malformed", "file is not a database", "not a database", "database disk image", "disk i/o error")


def _named(where: object | None) -> str:
    return f"{where}: the database" if where else "The database"


def busy_message(where: object | None = None) -> str:
    return (
        f"{_named(where)} is in use by another program (it holds a write lock); "
        "nothing was written. Try again when it has finished."
    )


def damaged_message(where: object | None = None, detail: str = "") -> str:
    said = f" (SQLite: {detail})" if detail else ""
    return (
        f"{_named(where)} file is damaged{said}; nothing was changed. "
        "Run `caseterm check`, then restore the newest good backup with `caseterm restore BACKUP` "
        "(see docs/troubleshooting.md)."
    )


#: Less free space than this on a database's device: an I/O error there is the full disk.
_NEARLY_FULL_BYTES = 64 * 1024


def _no_space_at(where: object | None) -> bool:
    """Is the device holding `where` (a file path) full? SQLite says "disk I/O error", not
    "disk is full", when it cannot grow the -shm file beside a database on a full device."""
    if not where:
        return False
    import os
    from pathlib import Path

    try:
        path = Path(str(where))
        folder = path if path.is_dir() else path.parent
        stats = os.statvfs(folder)
    except (OSError, ValueError):
        return False
    return stats.f_bavail * stats.f_frsize < _NEARLY_FULL_BYTES


def full_message(where: object | None = None) -> str:
    """Disk full, naming the device's file, never blaming the source (issue 21 item 9)."""
    named = f"the device holding {where}" if where else "the device holding the database"
    return f"no space left on {named}; nothing was written. Free some space there and try again."


def store_error_from(err: BaseException, where: object | None = None) -> StoreError | None:
    """A database-level failure (busy, damaged) as a StoreError, or None for anything else.

    Looks at the exception and its causes by class name and message, so this module
    needs neither sqlite3 nor SQLAlchemy imported. Only the SQLite error text is kept
    (never SQL parameters, which can hold client data).
    """
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, StoreError):
            return seen
        orig = getattr(seen, "orig", None)  # SQLAlchemy wraps the driver's error
        inner = orig if isinstance(orig, BaseException) else seen
        if {k.__name__ for k in type(inner).__mro__} & {"OperationalError", "DatabaseError"}:
            text = str(inner.args[0] if inner.args else "").lower()
            if any(sign in text for sign in _FULL_SIGNS) or ("i/o error" in text and _no_space_at(where)):
                return DiskFull(full_message(where))
            if any(sign in text for sign in _BUSY_SIGNS):
                return StoreError(busy_message(where))
            if any(sign in text for sign in _DAMAGED_SIGNS):
                return StoreError(damaged_message(where, text))
        seen = seen.__cause__ or seen.__context__
    return None
