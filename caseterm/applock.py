"""The app's lock: who has a database open, held for as long as they have it.

Every caseterm process that opens a SQLite database (the app for its whole life,
every command while its engine lives) holds a *shared* `fcntl` lock on a lock file
beside it (`NAME.db.lock`, 0600). Commands that replace or rewrite the file —
`restore`, `encrypt`, `decrypt`, `passphrase`, a migration, `import` (whose backup
must be the file as it was) — take it *exclusively*, and refuse with exit 2 while
anyone else holds it: "caseterm is open on this database (pid N); close it first",
nothing changed (issue 21, item 2). Only another command's exclusive step is ever
waited for (bounded: WAIT_SECONDS): a command opening the file during a restore, an
import after another import. Someone who merely has the file open is never waited for.

Why a file of its own, and not SQLite's locks: SQLite's locks show only what a
connection is doing at the moment (an idle app holds no write lock, so an
"exclusive check" passes between two of its writes), and POSIX locks belong to
the process, so any descriptor closed on the database itself would drop them.
The lock file is opened here only, once per process, and its descriptor stays
open while the lock is held: nothing else in caseterm opens it.

Within one process the holds are counted (the app, its engine, a command's own
exclusive step): POSIX locks do not conflict with their own process, so a
command that holds the shared lock through its engine can still take it
exclusively, and gives it back as shared when done.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from caseterm.errors import StoreError

SUFFIX = ".lock"


def lock_path(db_path: Path) -> Path:
    """`NAME.db.lock` beside the database (the real file: a link to it shares its lock)."""
    real = Path(os.path.realpath(db_path))
    return real.with_name(real.name + SUFFIX)


@dataclass
class _Held:
    fd: int
    shared: int = 0
    exclusive: int = 0


_held: dict[str, _Held] = {}
_mutex = threading.RLock()


def _open(lock: Path) -> int:
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:  # another user's file: its mode is theirs to set
        pass
    return fd


#: How long a process waits for another caseterm's exclusive step (a restore, an import,
#: an encryption: short) to end before giving up. The app only ever holds the lock shared.
WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.05


def conflict(fd: int) -> tuple[int, int | None] | None:
    """The lock another process holds that an exclusive one would conflict with, as
    (fcntl.F_RDLCK or F_WRLCK, its pid or None); None if there is none now
    (F_GETLK, Linux's `struct flock` layout)."""
    unknown = (fcntl.F_WRLCK, None)  # cannot tell: as if someone were replacing the file (waited for, bounded)
    if not sys.platform.startswith("linux"):
        return unknown  # another layout of `struct flock`
    layout = "hhqqi"  # l_type, l_whence, l_start, l_len, l_pid (native alignment)
    request = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0).ljust(32, b"\0")
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, request)
    except OSError:
        return unknown
    kind, _whence, _start, _length, pid = struct.unpack(layout, answer[: struct.calcsize(layout)])
    if kind == fcntl.F_UNLCK:
        return None
    return (kind, pid if pid > 0 else None)


def _refusal(db_path: Path, pid: int | None, exclusive: bool) -> StoreError:
    who = f" (pid {pid})" if pid else ""
    if exclusive:
        return StoreError(f"{db_path}: caseterm is open on this database{who}; close it first (nothing was changed)")
    return StoreError(f"{db_path}: the database is busy: another caseterm{who} is replacing or rewriting it; "
                      "try again when it has finished (nothing was changed)")


def _try_lock(fd: int, exclusive: bool) -> bool:
    try:
        fcntl.lockf(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True


def _lock(db_path: Path, fd: int, exclusive: bool, wait: bool) -> None:
    """Take the lock, or StoreError. Someone else's exclusive step is waited for (up to
    WAIT_SECONDS) when `wait`; someone who merely has the file open is never waited for."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            if _try_lock(fd, exclusive):
                return
        except OSError as err:  # a file system without locks: say so rather than pretend
            raise StoreError(f"{lock_path(db_path)}: cannot lock ({err.strerror}); nothing was changed") from None
        held = conflict(fd)
        if held is None:  # let go of just now: try again
            if time.monotonic() >= deadline:
                raise _refusal(db_path, None, exclusive)
            continue
        kind, pid = held
        if not wait or kind != fcntl.F_WRLCK or time.monotonic() >= deadline:
            raise _refusal(db_path, pid, exclusive)
        time.sleep(_POLL_SECONDS)


def _acquire(db_path: Path, exclusive: bool, wait: bool = True) -> Callable[[], None]:
    """Count one hold (taking the lock if this process does not hold it that strongly yet);
    returns the function that gives it back (safe to call more than once)."""
    key = str(lock_path(db_path))
    with _mutex:
        held = _held.get(key)
        fresh = held is None
        if held is None:
            if not Path(key).parent.is_dir():  # no folder, no file: nobody can have it open
                return lambda: None
            try:
                held = _Held(_open(Path(key)))
            except OSError as err:
                if not exclusive:  # a folder nobody may write in: nobody can replace the file either
                    return lambda: None
                raise StoreError(f"{key}: cannot create the lock file ({err.strerror}); nothing was changed") from None
        needs = (exclusive and held.exclusive == 0) or (fresh and not exclusive)
        if needs:
            try:
                _lock(db_path, held.fd, exclusive, wait)
            except BaseException:
                if fresh:
                    os.close(held.fd)  # held nothing on it: closing drops nothing
                raise
        _held[key] = held
        if exclusive:
            held.exclusive += 1
        else:
            held.shared += 1
    done = False

    def release() -> None:
        nonlocal done
        with _mutex:
            if done:
                return
            done = True
            _let_go(key, exclusive)

    return release


def _let_go(key: str, exclusive: bool) -> None:
    held = _held[key]
    if exclusive:
        held.exclusive -= 1
    else:
        held.shared -= 1
    if held.exclusive:
        return
    if held.shared:
        if exclusive:  # back to what the rest of this process needs
            fcntl.lockf(held.fd, fcntl.LOCK_SH)
        return
    del _held[key]
    os.close(held.fd)  # the only descriptor on the lock file: this lets go of the lock


def hold_shared(db_path: Path) -> Callable[[], None]:
    """Say "caseterm has this database open" until the returned function is called.

    Waits for another process that is replacing or rewriting it (up to WAIT_SECONDS);
    StoreError if that takes longer.
    """
    return _acquire(db_path, exclusive=False, wait=True)


def hold_exclusive(db_path: Path, *, wait: bool = False) -> Callable[[], None]:
    """Make sure no other caseterm has the database open, and keep it so until the
    returned function is called (or, inside a command, until the command ends).

    StoreError "caseterm is open on this database (pid N); close it first" otherwise:
    call this before changing anything, and before looking at what to change (`wait`:
    another command's exclusive step is waited for, so what it changed must not matter).
    """
    release = _acquire(db_path, exclusive=True, wait=wait)
    try:
        import click

        current = click.get_current_context(silent=True)
    except ImportError:  # pragma: no cover - click is a dependency
        current = None
    if current is not None:
        current.call_on_close(release)
    return release


def holds(db_path: Path) -> str | None:
    """What this process holds on the database: 'exclusive', 'shared' or None (tests, messages)."""
    with _mutex:
        held = _held.get(str(lock_path(db_path)))
        if held is None:
            return None
        return "exclusive" if held.exclusive else "shared"


class Connections:
    """The shared hold of one engine: taken while it has a connection open on the file
    (the store counts them with its pool's events), given back when the last one closes
    (`engine.dispose()`), taken again by the next."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._open = 0
        self._release: Callable[[], None] | None = None
        self._mutex = threading.Lock()

    def opened(self) -> None:
        """One more connection (StoreError, and not counted, if the file is being replaced)."""
        with self._mutex:
            if self._open == 0:
                self._release = hold_shared(self._db_path)
            self._open += 1

    def closed(self) -> None:
        with self._mutex:
            if self._open == 0:
                return
            self._open -= 1
            if self._open == 0 and self._release is not None:
                self._release()
                self._release = None

    def let_go(self) -> None:
        """Whatever is still counted (the engine itself is gone)."""
        with self._mutex:
            self._open = 0
            if self._release is not None:
                self._release()
                self._release = None
