"""One way to the database file: its header bytes, read without costing SQLite its locks.

POSIX advisory locks belong to the process, not to the descriptor: closing *any*
descriptor on a file drops every lock the process holds on it. SQLite holds a
shared lock on the database for as long as a connection is open in WAL mode; a
process that opens the file by another path (`open(path, 'rb')` to look at the
header) and closes it again silently loses that lock, and the next program to
close its connection thinks it is alone: it checkpoints and deletes the WAL the
first process is still writing to (issue 21, item 1: the app's writes never
reached the file, an index was damaged).

So caseterm reads the header (plain SQLite or SQLCipher) through here only:

- if this process already has a descriptor on the file (an open connection), the
  bytes are read through that descriptor with `pread` (no open, no close, the
  descriptor's offset untouched);
- otherwise the file is opened, read and closed as usual: with no descriptor on
  it, the process holds no lock to lose.

`connecting()` serialises the two: a connection made under it cannot open the
file between the look for a descriptor and the close of a fresh one. The
SQLite connections caseterm makes (`cipher.connect`, the engine's connect,
the light start's read-only connection) are made under it.

Nothing here imports SQLAlchemy (the light start imports it).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The first 16 bytes of every plain SQLite file (an encrypted one starts with its salt).
SQLITE_HEADER = b"SQLite format 3\x00"

_lock = threading.RLock()
#: Descriptors opened on a file that turned out to be open here without a readable
#: descriptor (never seen in practice): kept, since closing them would drop the locks.
_kept: list[int] = []


@contextmanager
def connecting() -> Iterator[None]:
    """Hold while opening a SQLite connection (see the module's docstring)."""
    with _lock:
        yield


def _descriptors_on(info: os.stat_result) -> list[int]:
    """The descriptors this process has open on the file `info` describes."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found = []
        for name in names:
            try:
                fd = int(name)
                other = os.fstat(fd)
            except (ValueError, OSError):
                continue
            if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
                found.append(fd)
        return found
    return []


def _pread_same(fd: int, info: os.stat_result, size: int) -> bytes | None:
    """`size` bytes from the start through `fd`, if it still names the same file (it may
    have been closed by another thread meanwhile: its number then names something else)."""
    try:
        data = os.pread(fd, size, 0)
        after = os.fstat(fd)
    except OSError:
        return None
    if (after.st_dev, after.st_ino) != (info.st_dev, info.st_ino):
        return None
    return data


def read_header(path: Path | str, size: int = len(SQLITE_HEADER)) -> bytes:
    """The file's first `size` bytes, without ever closing a descriptor on a file this
    process has open. Raises what `open(path, 'rb')` raises (FileNotFoundError, ...)."""
    with _lock:
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode):
            open_here = _descriptors_on(info)
            for fd in open_here:
                data = _pread_same(fd, info, size)
                if data is not None:
                    return data
            if open_here:  # open here, but no descriptor to read through (write-only?): never close ours
                fd = os.open(path, os.O_RDONLY)
                _kept.append(fd)
                return os.pread(fd, size, 0)
        with open(path, "rb") as handle:
            return handle.read(size)
