"""Backups a user never has to think about, and a restore that is one command.

Automatic backups go to `backups/` beside the database (for the default
database: in the data folder), at most one a day, taken when the app starts or
before an import writes. They are kept on a rotation (policy `backups`): the
newest of each of the `keep_daily` newest days that have one, and of each of the
`keep_weekly` newest weeks before the newest backup's week. The rotation ranks the backups among
themselves and never by today's date, so a clock set wrong (2020, 2030) cannot
make them all look too old and delete them. Every copy is checked with
`integrity_check` before it is kept, so damage is never rotated in over the good copies.

A backup belongs to exactly one database: its name is `STEM-REASON-YYYYMMDD-HHMMSS.db`
with REASON one of a closed list (none of which ends another), so `work.db`'s
backups are never `work-2025.db`'s, whose names also start with `work-`.

`restore` checks the backup (a caseterm database, sound, a schema this caseterm
knows), keeps the current file as a dated copy, then swaps the backup in.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from caseterm import cipher, clock, paths
from caseterm.errors import StoreError, busy_message

AUTO = "auto"
#: Every reason caseterm names a backup after: automatic, `caseterm backup`, the file
#: `restore` replaced, the copy before a migration (`store.backup_path_for`).
_REASONS = rf"{AUTO}|backup|before-restore|pre-migration-\w+"
_NAME = re.compile(rf"(?P<stem>.+)-(?P<reason>{_REASONS})-(?P<date>\d{{8}})-(?P<time>\d{{6}})(?P<suffix>\.[^.]+)")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken: dt.datetime
    automatic: bool


def stamp(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def taken_at(path: Path) -> dt.datetime | None:
    """When a backup was taken, from its name (every backup caseterm writes is stamped)."""
    found = _NAME.fullmatch(path.name)
    if not found:
        return None
    try:
        return dt.datetime.strptime(found["date"] + found["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def backup_suffix(db_path: Path) -> str:
    """The suffix of this database's backups: its own (`.db` for a file without one)."""
    return db_path.suffix or ".db"


def backup_of(db_path: Path, path: Path) -> BackupFile | None:
    """`path` as a backup of `db_path`, or None if its name is not exactly one of its backups'."""
    found = _NAME.fullmatch(path.name)
    if found is None or found["stem"] != db_path.stem or found["suffix"] != backup_suffix(db_path):
        return None
    when = taken_at(path)
    if when is None:
        return None
    return BackupFile(path, when, found["reason"] == AUTO)


def list_backups(db_path: Path) -> list[BackupFile]:
    """Every stamped backup of this database, newest first: automatic ones, the
    copies kept by restore, and the manual and pre-migration ones beside it."""
    found: list[BackupFile] = []
    folders = [paths.backups_dir_for(db_path), db_path.parent]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.glob(f"{glob.escape(db_path.stem)}-*{backup_suffix(db_path)}"):
            backup = backup_of(db_path, path)
            if backup is not None and path != db_path:
                found.append(backup)
    return sorted(found, key=lambda b: (b.taken, b.path.name), reverse=True)


def restore_hint(db_path: Path) -> str:
    """One line naming the backup to restore from (for messages about a damaged file)."""
    newest = next(iter(list_backups(db_path)), None)
    if newest is None:
        return "No backup of it was found."
    return f"The newest backup is {newest.path} ({newest.taken:%Y-%m-%d %H:%M})."


def to_keep(taken: Iterable[dt.datetime], keep_daily: int, keep_weekly: int) -> set[dt.datetime]:
    """The rotation (pure), by the backups' own order and never by today's date: the
    newest backup of each of the `keep_daily` newest days that have one, and of each
    of the `keep_weekly` newest ISO weeks before the newest backup's week.

    Today's date is not an input: with the clock set to 2020 (or 2030) every backup
    would look to be from the future (or years old), and a window around today
    would delete them all.
    """
    newest_of_day: dict[dt.date, dt.datetime] = {}
    newest_of_week: dict[tuple[int, int], dt.datetime] = {}
    for when in taken:
        day = when.date()
        if day not in newest_of_day or when > newest_of_day[day]:
            newest_of_day[day] = when
        week = tuple(day.isocalendar())[:2]
        if week not in newest_of_week or when > newest_of_week[week]:
            newest_of_week[week] = when
    if not newest_of_day:
        return set()
    keep = {newest_of_day[day] for day in sorted(newest_of_day, reverse=True)[:max(keep_daily, 0)]}
    latest_week = max(newest_of_week)  # ISO (year, week) pairs sort in time order
    earlier = sorted((week for week in newest_of_week if week < latest_week), reverse=True)
    keep.update(newest_of_week[week] for week in earlier[:max(keep_weekly, 0)])
    return keep


def auto_backup(db_path: Path, keep_daily: int, keep_weekly: int, now: dt.datetime | None = None) -> Path | None:
    """Take today's automatic backup if there is none yet, then rotate. Returns the new file.

    Raises StoreError if the database is damaged (nothing is kept then).
    """
    from caseterm.store import copy_database

    now = now or clock.real_now()
    automatic = [b for b in list_backups(db_path) if b.automatic]
    made: Path | None = None
    if not any(b.taken.date() == now.date() for b in automatic):
        folder = paths.ensure_private_dir(paths.backups_dir_for(db_path))
        made = folder / f"{db_path.stem}-{AUTO}-{stamp(now)}{backup_suffix(db_path)}"
        paths.write_private(made, b"")
        try:
            copy_database(db_path, made)
        except BaseException:
            made.unlink(missing_ok=True)
            raise
        automatic.insert(0, BackupFile(made, now.replace(microsecond=0), True))
    keep = to_keep((b.taken for b in automatic), keep_daily, keep_weekly)
    for old in automatic:
        if old.taken not in keep and old.path != made:  # the copy just taken stays, whatever its date
            old.path.unlink(missing_ok=True)
    return made


@dataclass(frozen=True)
class BackupInfo:
    revision: str
    clients: int
    notes: int


def inspect_backup(path: Path, key: str | None = None) -> BackupInfo:
    """Is this a sound caseterm database this caseterm can open? (read-only; `key`: an
    encrypted backup's own passphrase when it is not the held one)"""
    from caseterm.store import FileKind, identify, integrity, known_revisions

    if not path.is_file():
        raise StoreError(f"{path}: no such backup file")
    if identify(path, key) is not FileKind.CASETERM:
        raise StoreError(f"{path}: not a caseterm backup (not a caseterm database)")
    conn = cipher.connect(path, key=key if key and cipher.is_encrypted(path) else None, readonly=True)
    try:
        verdict = integrity(conn)
        if verdict != "ok":
            raise StoreError(f"{path}: this backup is damaged too ({verdict}); choose an older one")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        clients = conn.execute("SELECT count(*) FROM client").fetchone()[0]
        notes = conn.execute("SELECT count(*) FROM note").fetchone()[0]
    except cipher.DB_ERRORS as err:
        raise StoreError(f"{path}: this backup is damaged too ({err}); choose an older one") from None
    finally:
        conn.close()
    if revision is None or revision[0] not in known_revisions():
        raise StoreError(f"{path}: made by a newer caseterm (schema {revision[0] if revision else '?'}); upgrade caseterm first")
    return BackupInfo(revision[0], clients, notes)


def _take_exclusive(db_path: Path) -> None:
    """Make sure no other program has the database open, and fold its WAL into the file."""
    try:
        conn = cipher.connect(db_path, timeout=1)
    except (*cipher.DB_ERRORS, StoreError):
        return  # damaged beyond opening (or encrypted with another passphrase): nobody can be using it
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except cipher.DB_ERRORS as err:
        if "locked" in str(err) or "busy" in str(err):
            raise StoreError(busy_message(db_path) + " Close caseterm there first.") from None
        return  # damaged: the raw files are kept as they are
    finally:
        conn.close()
    if str(mode).lower() != "delete":
        raise StoreError(busy_message(db_path) + " Close caseterm there first.")


def restore(db_path: Path, backup_path: Path, now: dt.datetime | None = None, *,
            backup_key: str | None = None, live_key: str | None = None) -> tuple[BackupInfo, Path | None]:
    """Swap `backup_path` in as the database; return what it holds and where the old file went.

    What protects the live file stays: over an encrypted database the restored data is keyed
    with its passphrase (`live_key`), whatever the backup's own (`backup_key`, or plain). Over a
    plain one an encrypted backup keeps its own passphrase. Atomic (`swap.restore_over`): a
    kill at any point leaves the old database or the restored one, never neither.
    """
    from caseterm import swap

    if not backup_path.is_file():
        raise StoreError(f"{backup_path}: no such backup file")
    if backup_path.resolve() == db_path.resolve():
        raise StoreError(f"{backup_path}: is the database itself; name a backup")
    info = inspect_backup(backup_path, backup_key)
    now = now or clock.real_now()
    kept: Path | None = None
    if db_path.exists():
        folder = paths.ensure_private_dir(paths.backups_dir_for(db_path))
        _take_exclusive(db_path)
        kept = folder / f"{db_path.stem}-before-restore-{stamp(now)}.db"
    dest_key = live_key or backup_key or None
    kept = swap.restore_over(db_path, backup_path, kept, backup_key=backup_key, live_key=live_key,
                             dest_key=dest_key)
    os.chmod(db_path, 0o600)
    return info, kept
