"""Replacing the database file so that a kill at any moment leaves the old file or the new one.

`encrypt`, `decrypt`, `passphrase` and `restore` never change the live file's pages in place
(an in-place `PRAGMA rekey` killed half-way left a journal that made both passphrases refused).
They build the new database in a temp beside it (`NAME.db.rekey-PID`, `NAME.db.restore-PID`,
0600, same folder so the rename is atomic), check it (integrity_check, row counts), fsync it,
then rename it over the live file while holding the live file's exclusive lock, and fsync the
folder. A kill before the rename leaves the old file with the old key; after it, the new file
with the new key. What an interrupted run leaves behind is removed by `recover` at the next
start of any caseterm command on that database.

A plain copy of an encrypted database never touches the disk: the rekey goes
encrypted -> encrypted with `ATTACH ... KEY` + `sqlcipher_export`; only `decrypt` writes plain
pages, and only into the file that becomes the database.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from caseterm import cipher, paths
from caseterm.errors import StoreError, busy_message

#: A temp of this module: `NAME.db.rekey-PID` (encrypt, decrypt, passphrase) or
#: `NAME.db.restore-PID`, with SQLite's side files.
_TEMP = re.compile(r"^(?P<name>.+)\.(?:rekey|restore)-(?P<pid>\d+)(?:-journal|-wal|-shm)?$")
#: What caseterm before this module left in backups/: `.STEM-converting-PID.db` (a full copy,
#: plain after `decrypt`) and `.STEM-restoring-STAMP.db`.
_LEGACY = r"^\.{stem}-(?:converting-(?P<pid>\d+)|restoring-\d{{8}}-\d{{6}})\.db(?:-journal|-wal|-shm)?$"

SIDES = ("-wal", "-shm")
#: The tables whose row counts must match before and after a rewrite.
COUNTED = ("client", "appointment", "note", "audit")


class Busy(StoreError):
    """Another program has the database open: nothing was changed."""


def temp_for(path: Path, kind: str) -> Path:
    """This process's temp for rewriting `path` (kind: 'rekey' or 'restore')."""
    return path.with_name(f"{path.name}.{kind}-{os.getpid()}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not ours to judge
        return True
    return True


def recover(path: Path | None) -> list[Path]:
    """Remove what an interrupted encrypt/decrypt/passphrase/restore left beside `path`.

    Only temps of processes that are gone: a rewrite running now in another process keeps
    its temp. The live file needs no repair: it is always the old or the new database
    (an old caseterm's interrupted `PRAGMA rekey` journal is rolled back by `cipher.verify`).
    Returns what was removed.
    """
    if path is None:
        return []
    removed: list[Path] = []
    legacy = re.compile(_LEGACY.format(stem=re.escape(path.stem)))
    for folder, pattern in ((path.parent, None), (paths.backups_dir_for(path), legacy)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if pattern is None:
                found = _TEMP.match(name)
                if found is None or found["name"] != path.name:
                    continue
            else:
                found = pattern.match(name)
                if found is None:
                    continue
            pid = found["pid"]
            if pid is not None and _alive(int(pid)):
                continue
            leftover = folder / name
            try:
                if leftover.is_file() and not leftover.is_symlink():
                    leftover.unlink()
                    removed.append(leftover)
            except OSError:
                continue
    return removed


def _discard(temp: Path) -> None:
    for suffix in ("", "-journal", *SIDES):
        Path(f"{temp}{suffix}").unlink(missing_ok=True)


def _fresh(temp: Path) -> None:
    _discard(temp)
    paths.write_private(temp, b"")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def counts(conn: Any) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def _busy(err: BaseException) -> bool:
    text = str(err).lower()
    return "locked" in text or "busy" in text


@contextmanager
def holding(path: Path, key: str | None, *, unreadable_ok: bool = False) -> Iterator[Any]:
    """A SQLCipher-driver connection to `path` that holds its exclusive lock until the block ends.

    The WAL is folded into the file first (journal_mode=DELETE, which fails while another
    program has the file open), so nothing else can read or write it, and no WAL of the old
    file can outlive the rename. Busy: `Busy` naming it; nothing changed. A file that cannot
    be opened at all (damaged): StoreError, or None with `unreadable_ok` (nobody can be using it).
    """
    try:
        conn = cipher.connect_cipher(path, key=key, timeout=1)
    except cipher.db_errors() as err:
        conn, failure = None, err
    else:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            failure = None
        except cipher.db_errors() as err:
            conn.close()
            conn, failure = None, err
    if failure is not None:
        if _busy(failure):
            raise Busy(busy_message(path) + " Close caseterm there first.")
        if unreadable_ok:
            yield None
            return
        raise cipher.wrong_passphrase(path) if key else StoreError(f"{path}: cannot open the database ({failure})")
    assert conn is not None
    try:
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
        except cipher.db_errors() as err:
            if _busy(err):
                raise Busy(busy_message(path) + " Close caseterm there first.") from None
            raise StoreError(f"{path}: cannot open the database ({err})") from None
        if str(mode).lower() != "delete":
            raise Busy(busy_message(path) + " Close caseterm there first.")
        yield conn
    finally:
        conn.close()


def _check(temp: Path, key: str | None, expected: dict[str, int], what: Path) -> None:
    """The new file opens with its key, passes integrity_check and holds the expected rows."""
    conn = cipher.connect_cipher(temp, key=key)
    try:
        verdict, found = cipher.integrity(conn), counts(conn)
    except cipher.db_errors() as err:
        verdict, found = str(err), {}
    finally:
        conn.close()
    if verdict != "ok" or found != expected:
        raise StoreError(f"{what}: the new copy did not check out ({verdict}; {found} vs {expected}); "
                         "the database was left as it was")


def _replace(temp: Path, path: Path) -> None:
    """Rename `temp` over `path` (the caller holds `path`'s exclusive lock), durably."""
    fsync_file(temp)
    os.chmod(temp, 0o600)
    for suffix in SIDES:  # the old file's WAL is folded in; a stale one must not meet the new file
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(temp, path)
    fsync_dir(path.parent)


def rewrite(path: Path, *, src_key: str | None, dest_key: str | None) -> None:
    """Rewrite `path` with another key (None or '' = plain): encrypt, decrypt, passphrase.

    Export into `NAME.db.rekey-PID` from a connection holding the live file's exclusive
    lock, check, fsync, rename. Any failure or kill before the rename leaves `path` as it was.
    """
    temp = temp_for(path, "rekey")
    _fresh(temp)
    try:
        with holding(path, src_key) as conn:
            before = counts(conn)
            conn.execute(f"ATTACH DATABASE ? AS target KEY {cipher.quote(dest_key or '')}", (str(temp),))
            # A temp: no journal, no syncs while it is written; it is fsynced once, whole, before the rename.
            conn.execute("PRAGMA target.journal_mode=OFF")
            conn.execute("PRAGMA target.synchronous=OFF")
            conn.execute("SELECT sqlcipher_export('target')")
            conn.execute("DETACH DATABASE target")
            _check(temp, dest_key or None, before, path)
            _replace(temp, path)
    finally:
        _discard(temp)


def build_from(backup: Path, temp: Path, *, backup_key: str | None, dest_key: str | None) -> dict[str, int]:
    """Export `backup` (read-only, its own key) into the fresh file `temp` keyed with `dest_key`."""
    conn = cipher.connect_cipher(temp, key=dest_key or None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        source = f"{backup.absolute().as_uri()}?mode=ro"
        conn.execute(f"ATTACH DATABASE ? AS source KEY {cipher.quote(backup_key or '')}", (source,))
        expected = {t: conn.execute(f"SELECT count(*) FROM source.{t}").fetchone()[0] for t in COUNTED}
        conn.execute("SELECT sqlcipher_export('main', 'source')")
        conn.execute("DETACH DATABASE source")
    finally:
        conn.close()
    return expected


def restore_over(db_path: Path, backup: Path, kept: Path | None, *, backup_key: str | None,
                 live_key: str | None, dest_key: str | None) -> Path | None:
    """Put `backup` in as `db_path`, keyed with `dest_key`; the live file stays as `kept`.

    The backup is exported into `NAME.db.restore-PID` beside the database and checked; then,
    holding the live file's lock, the live file is linked as `kept` and the new one renamed
    over it: there is never a moment without a database at `db_path`. Returns `kept`
    (None when there was no live file).
    """
    temp = temp_for(db_path, "restore")
    _fresh(temp)
    try:
        try:
            expected = build_from(backup, temp, backup_key=backup_key, dest_key=dest_key)
        except cipher.db_errors() as err:
            raise StoreError(f"{backup}: cannot be read ({err}); the database was left as it was") from None
        _check(temp, dest_key or None, expected, db_path)
        if not db_path.exists():
            _replace(temp, db_path)
            return None
        assert kept is not None
        with holding(db_path, live_key, unreadable_ok=True) as conn:
            _keep(db_path, kept, conn, live_key)
            if conn is None:  # damaged beyond opening: its WAL and journal go with the kept copy, as they are
                for suffix in ("-journal", *SIDES):
                    side = Path(f"{db_path}{suffix}")
                    if side.exists():
                        os.replace(side, Path(f"{kept}{suffix}"))
            _replace(temp, db_path)
        return kept
    finally:
        _discard(temp)


def _keep(db_path: Path, kept: Path, conn: Any, key: str | None) -> None:
    """`kept` becomes a copy of the live file: a hard link (no second copy of the data), else a copy
    through the connection that holds the lock (a second descriptor on the file would drop it)."""
    if kept.exists():  # never over an earlier kept copy
        raise StoreError(f"{kept}: already exists; the database was left as it was (try again in a second)")
    try:
        os.link(db_path, kept)
        return
    except OSError:
        pass
    if conn is None:
        shutil.copyfile(db_path, kept)
    else:
        paths.write_private(kept, b"")
        target = cipher.connect_cipher(kept, key=key)
        try:
            conn.backup(target)
        finally:
            target.close()
    os.chmod(kept, 0o600)
