"""The database: where it is, how it is opened, and keeping its schema current.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout;
its file is readable by the owner only (0600) in an owner-only directory
(0700). Opening a database migrates it to the schema this caseterm knows,
taking an online backup first. Alembic is imported only when a migration is
actually needed, so a normal start-up does not pay for it.

Why one module of 600 lines: opening, identifying, migrating, checking and copying the file
are one subject (the file's life); what replaces a file lives in `swap.py`, locks in `applock.py`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from caseterm import cipher, clock, paths
from caseterm.cipher import integrity  # re-exported: backups and the CLI know it as store.integrity
from caseterm.errors import DiskFull, StoreError, damaged_message, full_message, store_error_from

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from caseterm import applock

# SQLAlchemy and SQLModel are imported by the functions that make or use an
# engine, not here: the first frame of the app reads its first page through
# `caseterm.readonly` and must not pay for them (issue 14).

#: The Alembic head this package's code expects. `tests/test_store.py` keeps
#: it equal to the newest script in `migrations/versions/`.
HEAD_REVISION = "0011"

BUSY_TIMEOUT_MS = 5000


def resolve_url(db: str | None = None) -> str:
    """`--db PATH|URL`, else `CASETERM_DB`, else the default file."""
    chosen = db or os.environ.get("CASETERM_DB") or str(paths.default_db_path())
    if "://" in chosen:
        return normalise_url(chosen)
    return f"sqlite:///{Path(chosen).expanduser().absolute()}"


#: Plain libpq URL schemes, and the driver caseterm uses for them (psycopg 3).
_PG_SCHEMES = ("postgresql://", "postgres://")
PG_DRIVER = "postgresql+psycopg"


def normalise_url(url: str) -> str:
    """A libpq URL (`postgresql://user@host:port/db`, a socket as `?host=/path`)
    becomes SQLAlchemy's `postgresql+psycopg://…`; other URLs pass unchanged."""
    for scheme in _PG_SCHEMES:
        if url.startswith(scheme):
            return f"{PG_DRIVER}://{url[len(scheme):]}"
    return url


def backend_name(url: str) -> str:
    """'sqlite', 'postgresql', …: the URL's scheme without its driver (as SQLAlchemy names it)."""
    return url.partition("://")[0].partition("+")[0]


def is_postgres(url_or_engine: "str | Engine") -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return backend_name(normalise_url(url)) == "postgresql"


def agency_login(engine: Engine) -> str | None:
    """Agency mode's login (the URL's user, else libpq's default: PGUSER, the OS user); None on SQLite.

    Read from the URL, not the server, so the app's header costs no query at start-up.
    """
    if engine.dialect.name != "postgresql":
        return None
    if engine.url.username:
        return engine.url.username
    import getpass

    return os.environ.get("PGUSER") or getpass.getuser()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases / memory.

    Parsed by hand (as `sqlalchemy.engine.make_url` does for SQLite: `sqlite:///rel`,
    `sqlite:////abs`, a `?query` after the file) so that it costs no import.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.partition("+")[0] != "sqlite" or not rest.startswith("/"):
        return None
    database = rest[1:].partition("?")[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the directory 0700 and the file 0600 before SQLite touches them."""
    if not path.parent.exists():
        paths.ensure_private_dir(path.parent)
    elif path.parent == paths.data_dir():
        os.chmod(path.parent, 0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _connect_serialised(dialect, _record, cargs, cparams):  # noqa: ANN001, ANN202 - SQLAlchemy's hook
    """The engine's connections are opened under `dbfile.connecting()` (see caseterm.dbfile)."""
    from caseterm.dbfile import connecting

    with connecting():
        return dialect.connect(*cargs, **cparams)


def make_engine(url: str) -> Engine:
    """An engine with caseterm's connection settings; does not migrate."""
    from sqlmodel import create_engine

    url = normalise_url(url)
    path = sqlite_path(url)
    if path is not None:
        _prepare_sqlite_file(path)
        from caseterm import applock

        # "caseterm has this file open" while the engine has a connection on it (restore
        # and the other commands that replace the file refuse meanwhile: caseterm.applock).
        holds = applock.Connections(path)
        holds.opened()  # before SQLite touches the file; stands for the first connection
        try:
            engine = _make_sqlite_engine(url, path, holds)
        except BaseException:
            holds.let_go()
            raise
        holds.closed()  # the pool's own count (its first connection is still open) goes on
        import weakref

        weakref.finalize(engine, holds.let_go)
        return engine
    if is_postgres(url):
        return _make_pg_engine(url)
    return create_engine(url)


def _make_sqlite_engine(url: str, path: Path, holds: "applock.Connections") -> Engine:
    """WAL, foreign keys, a busy timeout; SQLCipher for an encrypted file. `holds` counts
    the connections open on the file (the app's lock while there are any)."""
    from sqlalchemy import event
    from sqlalchemy.exc import DatabaseError
    from sqlmodel import create_engine

    if cipher.is_encrypted(path) or (cipher.passphrase() is not None and path.stat().st_size == 0):
        # (a new file made while a passphrase is held is encrypted from its first page)
        # SQLCipher through a creator: the passphrase never goes into the URL (logs, reprs).
        engine = create_engine(url, module=cipher._dbapi(),
                               creator=lambda: cipher.connect_encrypted(path, timeout=BUSY_TIMEOUT_MS / 1000))
    else:
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "do_connect", _connect_serialised)
    event.listen(engine, "connect", lambda _conn, _record: holds.opened())  # first: a refusal stops it here
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "close", lambda _conn, _record: holds.closed())
    event.listen(engine, "close_detached", lambda _conn: holds.closed())
    # The WAL and shared-memory files carry client data too.
    old_umask = os.umask(0o077)
    try:
        with engine.connect():
            pass
    except DatabaseError as err:
        raise _store_error(url, err) from None
    finally:
        os.umask(old_umask)
    return engine


def _make_pg_engine(url: str) -> Engine:
    """PostgreSQL through psycopg 3; the password comes from libpq (PGPASSWORD,
    ~/.pgpass, certificates), never from caseterm. Connects once to fail early."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DatabaseError
    from sqlmodel import create_engine

    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(
            f"{location(url)}: PostgreSQL needs the driver; install it with "
            "pip install 'caseterm[postgres]'"
        ) from None
    # JIT off: caseterm's queries are short, and under row-level security the planner's cost
    # estimates climb past jit_above_cost, so a 70 ms query spent ~3 s compiling (agenda, 2,000 clients).
    options = make_url(url).query.get("options")
    options = f"{options} -c jit=off" if isinstance(options, str) else "-c jit=off"
    engine = create_engine(url, pool_pre_ping=True, connect_args={"options": options})
    try:
        with engine.connect():
            pass
    except DatabaseError as err:
        engine.dispose()
        raise _store_error(url, err) from None
    return engine


def stored_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database (None when empty)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        with engine.connect() as conn:
            if engine.dialect.name != "sqlite":
                from sqlalchemy import inspect

                if not inspect(conn).has_table("alembic_version"):
                    return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except OperationalError as err:
        if "no such table" in str(err):
            return None
        raise _store_error(url=str(engine.url), err=err) from None
    except DatabaseError as err:
        raise _store_error(url=str(engine.url), err=err) from None
    return row[0] if row else None


def _store_error(url: str, err: Exception) -> StoreError:
    where = location(url)
    known = store_error_from(err, where)
    if known is not None:
        return known
    reason = " ".join(str(getattr(err, "orig", err)).split())  # libpq's messages span lines
    return StoreError(f"{where}: cannot open the database ({reason})")


def location(url: str) -> str:
    """The file, or the URL without its password: what messages name."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class FileKind(StrEnum):
    """What is at a --db path, found without writing a byte to it."""

    MISSING = "missing"
    EMPTY = "empty"  # a zero-length file, or SQLite with no tables: ours to fill
    CASETERM = "caseterm"
    FOREIGN = "foreign"  # SQLite, but another program's tables
    NOT_SQLITE = "not sqlite"


SQLITE_HEADER = b"SQLite format 3\x00"


def identify(path: Path, key: str | None = None) -> FileKind:
    """Look at a file read-only: is it ours, empty, or someone else's?

    `key`: an encrypted file's passphrase when it is not the held one (a backup's own).
    """
    from caseterm.dbfile import read_header

    try:
        header = read_header(path)  # never closes a descriptor this process has on the file
    except FileNotFoundError:
        return FileKind.MISSING
    except IsADirectoryError:
        raise StoreError(f"{path}: is a folder; name a database file") from None
    except OSError as err:
        raise StoreError(f"{path}: cannot read ({err.strerror})") from None
    if not header:
        return FileKind.EMPTY
    opening = None  # plain: the plain driver
    if header != SQLITE_HEADER:
        opening = key or cipher.passphrase()
        if opening is None:
            return FileKind.NOT_SQLITE
        cipher.verify(path, opening)  # encrypted: the passphrase must open it
    try:
        # (read-write only to roll back a hot journal, as any opener would)
        conn = cipher.connect(path, key=opening, readonly=not cipher.hot_journal(path), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except cipher.DB_ERRORS as err:
        raise _store_error(f"sqlite:///{path}", err) from None
    if not tables:
        return FileKind.EMPTY
    if "alembic_version" in tables and "client" in tables:
        return FileKind.CASETERM
    return FileKind.FOREIGN


def refuse_unless_ours(path: Path, *, create: bool) -> None:
    """Stop before touching a file that is not a caseterm database (or absent when it must exist)."""
    kind = identify(path)
    if kind is FileKind.MISSING and not create:
        if not path.parent.exists():
            raise StoreError(f"{path}: no such folder ({path.parent}); check the --db path (nothing was created)")
        raise StoreError(
            f"{path}: no database here; check the --db path, or create one with "
            "`caseterm import FILE` or `caseterm demo` (nothing was created)"
        )
    if kind is FileKind.NOT_SQLITE:
        raise StoreError(
            f"{path}: not a caseterm database (not an SQLite file), or an encrypted one whose passphrase was "
            f"not given (a terminal asks for it; scripts set {cipher.ENV}); it was left as it was"
        )
    if kind is FileKind.FOREIGN:
        raise StoreError(
            f"{path}: not a caseterm database (it holds another program's tables); it was left as it was"
        )


def has_tables(engine: Engine) -> bool:
    from sqlalchemy import text

    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            row = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE type='table'")
            ).scalar_one()
            return bool(row)
    from sqlalchemy import inspect

    return bool(inspect(engine).get_table_names())


def open_store(url: str, *, create: bool = True) -> Engine:
    """Open and migrate to the head; back up before migrating.

    `create=False` (reading commands): a missing file or folder is an error, not a
    new empty caseload. A file that is not caseterm's is refused before SQLite
    writes anything to it (no tables, no WAL switch).
    """
    path = sqlite_path(url)
    if path is not None:
        from caseterm import swap

        swap.recover(path)  # an interrupted encrypt/decrypt/passphrase/restore: its leftovers go
        refuse_unless_ours(path, create=create)
    engine = make_engine(url)
    current = stored_revision(engine)
    if current == HEAD_REVISION:
        return engine
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"{sqlite_path(url) or url}: schema revision {current} is newer than this "
            "caseterm knows; upgrade caseterm"
        )
    let_go = lambda: None  # noqa: E731
    if path is not None:  # a migration rewrites the file: nobody else may have it open (caseterm.applock)
        from caseterm import applock

        try:
            let_go = applock.hold_exclusive(path)
        except BaseException:
            engine.dispose()
            raise
    from sqlalchemy.exc import DatabaseError

    try:
        if path is not None and current is not None:
            backup(engine, backup_path_for(path, reason=f"pre-migration-{current}"))
        migrate(engine)
    except DatabaseError as err:
        if path is None and _refused(err):
            # Agency mode: only the database owner changes the schema.
            raise StoreError(
                f"{location(url)}: the schema is at revision {current or 'none'} and this caseterm needs "
                f"{HEAD_REVISION}; only the database owner can upgrade it: ask them to run "
                "`caseterm team init` (it migrates)"
            ) from None
        raise
    finally:
        let_go()
    return engine


def _refused(err: Exception) -> bool:
    text_ = str(getattr(err, "orig", err)).lower()
    return "permission denied" in text_ or "must be owner" in text_


def known_revisions() -> set[str]:
    from caseterm import migrations_dir

    versions = migrations_dir() / "versions"
    return {p.name.split("_", 1)[0] for p in versions.glob("*.py") if p.name[0].isdigit()}


def migrate(engine: Engine) -> None:
    """Run Alembic to the head on this engine (imports Alembic: not on the fast path)."""
    from alembic import command
    from alembic.config import Config

    from caseterm import migrations_dir

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def backup_path_for(db_path: Path, reason: str = "backup") -> Path:
    stamp = clock.real_now().strftime("%Y%m%d-%H%M%S")
    return db_path.with_name(f"{db_path.stem}-{reason}-{stamp}{db_path.suffix or '.db'}")  # backups.backup_of reads it


def backup(engine: Engine, dest: Path, flag: str = "-o") -> Path:
    """Copy a live SQLite database with the online backup API (file made 0600).

    The copy is made in a hidden temp beside `dest` and put in place only once it checks
    out; `dest` must not exist and must not be a symbolic link (`paths.check_output`).
    """
    from caseterm.errors import BadInput

    src_path = sqlite_path(str(engine.url))
    if src_path is None:
        raise StoreError("backup: only SQLite databases can be backed up here; use the server's tools")
    dest = paths.check_output(Path(dest), flag=flag, force_hint=False)
    folder = dest.absolute().parent
    if not folder.exists():
        paths.ensure_private_dir(folder)
    temp = folder / f".{dest.name}.{os.getpid()}.tmp"
    try:
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            os.close(fd)
        except OSError as err:
            raise BadInput(f"{flag} {dest}: cannot write ({paths.os_reason(err, folder)}); nothing was written") from None
        try:
            copy_database(src_path, temp)
        except DiskFull:  # name the folder the user chose, not the hidden temp
            raise DiskFull(full_message(folder)) from None
        try:
            paths._link_no_clobber(temp, dest)
        except FileExistsError:
            raise BadInput(f"{flag} {dest}: already exists; choose another file (nothing was written)") from None
        except OSError as err:
            raise BadInput(f"{flag} {dest}: cannot write ({paths.os_reason(err, folder)}); nothing was written") from None
    finally:
        temp.unlink(missing_ok=True)
    return dest


def copy_database(src_path: Path, dest: Path) -> None:
    """Online-backup `src_path` into `dest` (an empty 0600 file), and prove the copy sound.

    A copy of a damaged database would carry the damage into every later
    restore, so a copy that fails `integrity_check` is refused.
    """
    encrypted = cipher.is_encrypted(src_path)
    source = cipher.connect(src_path, timeout=BUSY_TIMEOUT_MS / 1000)
    # A copy of an encrypted database is keyed with the same passphrase: it stays encrypted.
    target = cipher.connect(dest, key=cipher.passphrase() if encrypted else None)
    try:
        with target:
            source.backup(target)
        verdict = integrity(target)
    except cipher.DB_ERRORS as err:
        full = store_error_from(err, dest)
        if isinstance(full, DiskFull):  # the copy's device is full: not the source's fault
            raise full from None
        raise _store_error(f"sqlite:///{src_path}", err) from None
    finally:
        target.close()
        source.close()
    os.chmod(dest, 0o600)
    if verdict != "ok":
        raise StoreError(damaged_message(src_path, verdict) + " No backup was written: it would copy the damage.")


#: Where the last sound check of each database file is remembered (state folder; paths and
#: file stamps only, never client data).
CHECKED_FILE = "checked.json"


def file_stamp(path: Path) -> list[int] | None:
    """What changes when the file (or its write-ahead log) changes: device, inode, size, mtime."""
    stamp: list[int] = []
    for part in (path, path.with_name(path.name + "-wal")):
        try:
            st = part.stat()
        except FileNotFoundError:
            stamp += [0, 0, 0, 0]
            continue
        except OSError:
            return None
        stamp += [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
    return stamp


def _checked() -> dict[str, list[int]]:
    import json

    from caseterm import paths

    try:
        data = json.loads((paths.state_dir() / CHECKED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def checked_unchanged(path: Path) -> bool:
    """The file passed a check and has not changed since: a read need not check it again."""
    stamp = file_stamp(path)
    return stamp is not None and _checked().get(str(path.resolve())) == stamp


def remember_checked(path: Path, sound: bool = True) -> None:
    """Remember (or forget) that the file as it is now is sound. Never fails: it only saves time."""
    import json
    import os

    from caseterm import paths

    key = str(path.resolve())
    data = _checked()
    stamp = file_stamp(path) if sound else None
    if stamp is None:
        data.pop(key, None)
    else:
        data[key] = stamp
    data = dict(list(data.items())[-50:])  # the files this user works on, not every file ever opened
    target = paths.state_dir() / CHECKED_FILE
    temp = target.with_name(f"{CHECKED_FILE}.{os.getpid()}.tmp")
    try:
        paths.write_private(temp, json.dumps(data))
        os.replace(temp, target)
    except OSError:
        try:
            temp.unlink()
        except OSError:
            pass


def quick_check(engine: Engine) -> None:
    """Refuse a damaged SQLite file before a command reads it (StoreError).

    `PRAGMA quick_check` reads every page (about 0.4 s for 10,000 clients), so
    commands that only touch some pages still notice damage anywhere.
    """
    from sqlalchemy.exc import DatabaseError

    path = sqlite_path(str(engine.url))
    if path is None:
        return
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("PRAGMA quick_check(10)").fetchall()
            # It read every page through this pooled connection's page cache (2 MiB, kept while the
            # connection is pooled): let it go, the app's start-up check runs beside the due list
            # (issue 25.5: -1.8 MiB of the max RSS at 10,000 clients).
            conn.exec_driver_sql("PRAGMA shrink_memory")
    except DatabaseError as err:
        raise _store_error(str(engine.url), err) from None
    verdict = "; ".join(str(r[0]) for r in rows)
    if verdict != "ok":
        remember_checked(path, sound=False)
        raise StoreError(damaged_message(path, verdict))


@dataclass(frozen=True)
class CheckReport:
    location: str
    integrity: str
    revision: str | None
    expected_revision: str
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.revision == self.expected_revision


def check(engine: Engine) -> CheckReport:
    """Integrity check and schema revision, without migrating."""
    from sqlalchemy import text

    revision = stored_revision(engine)
    integrity = "ok"
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("PRAGMA integrity_check")).fetchall()
            integrity = "; ".join(r[0] for r in rows)
        counts: dict[str, int] = {}
        if revision is not None:
            for table in ("client", "appointment", "note", "hours", "task"):
                counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    location = str(sqlite_path(str(engine.url)) or engine.url.render_as_string(hide_password=True))
    return CheckReport(location, integrity, revision, HEAD_REVISION, counts)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
