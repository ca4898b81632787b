"""Shared fixtures: every test gets its own private data/config/state folders."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from caseterm import cipher, clock, config
from caseterm.store import open_store, resolve_url

#: A Monday, not a holiday, early in the month (work-verification days).
PINNED_TODAY = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point platformdirs (XDG on Linux) at tmp_path; unpin the clock afterwards."""
    home = tmp_path / "home"
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("CASETERM_DB", raising=False)
    monkeypatch.delenv("CASETERM_TODAY", raising=False)
    monkeypatch.delenv("CASETERM_NOW", raising=False)
    monkeypatch.delenv("CASETERM_PASSPHRASE", raising=False)
    cipher.set_passphrase(None)  # an encrypted database's passphrase is per process: per test here
    # Settings are read once per process; each test has its own settings.toml (the audit reads the user).
    config.load_settings.cache_clear()
    yield home
    clock.pin(None)
    config.load_settings.cache_clear()
    cipher.set_passphrase(None)


# ---------------------------------------------------------------------------
# A migrated template per process: a new, empty SQLite file gets the head schema by a
# page copy of a file that the real migrations made once in this process (issue 25.7:
# the migrations cost ~0.2 s of CPU each time, in hundreds of tests). The template
# *is* the migrations' output, so a broken migration still fails every test that
# opens a database. Tests about the migrations themselves opt out with
# `@pytest.mark.real_migrations` (test_store.py, test_migration_0004.py, ...); a file
# that is not empty, an encrypted file and PostgreSQL always run the real thing.
# ---------------------------------------------------------------------------

_TEMPLATE: dict[str, Path] = {}
#: False while a test marked `real_migrations` runs (CASETERM_TEST_TEMPLATE=0: never, to compare).
_TEMPLATE_ON = os.environ.get("CASETERM_TEST_TEMPLATE", "1") != "0"
_FROM_TEMPLATE = [_TEMPLATE_ON]


def _migrated_template(real_migrate) -> Path:  # noqa: ANN001 - store.migrate
    """This process's migrated, empty SQLite file (made by the real migrations on first use)."""
    made = _TEMPLATE.get("sqlite")
    if made is not None and made.exists():
        return made
    import atexit
    import shutil
    import sqlite3
    import tempfile

    from caseterm.store import make_engine

    folder = Path(tempfile.mkdtemp(prefix="caseterm-migrated-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "template.db"
    engine = make_engine(resolve_url(str(path)))
    try:
        real_migrate(engine)
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:  # one file, no -wal beside it: the copy reads it whole
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _TEMPLATE["sqlite"] = path
    return path


def _is_empty_sqlite(engine: Engine) -> bool:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one() == 0


def _install_template_migrate() -> None:
    """`store.migrate` on a new, empty SQLite file: the template's pages, copied in (see above)."""
    from caseterm import store

    real_migrate = store.migrate

    def migrate(engine: Engine) -> None:
        if (not _FROM_TEMPLATE[0] or engine.dialect.name != "sqlite" or cipher.passphrase() is not None
                or not _is_empty_sqlite(engine)):
            real_migrate(engine)
            return
        import sqlite3

        template = sqlite3.connect(_migrated_template(real_migrate))
        try:
            with engine.connect() as conn:
                template.backup(conn.connection.driver_connection)  # the page copy, in one transaction
        finally:
            template.close()

    migrate.__doc__ = real_migrate.__doc__
    store.migrate = migrate


_install_template_migrate()


@pytest.fixture(autouse=True)
def real_migrations_when_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """`@pytest.mark.real_migrations`: this test's new databases get the real Alembic run."""
    real = request.node.get_closest_marker("real_migrations") is not None
    _FROM_TEMPLATE[0] = _TEMPLATE_ON and not real
    yield
    _FROM_TEMPLATE[0] = _TEMPLATE_ON


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "caseterm.db"


#: CASETERM_TEST_ENCRYPTED=1 runs the tests that use `engine` on a SQLCipher-encrypted file
#: (the store, notes and search tests must pass on both: `.ci/run` runs them both ways).
TEST_PASSPHRASE = "test passphrase"


@pytest.fixture
def engine(db_path: Path) -> Engine:
    """A real, migrated SQLite database in tmp_path (encrypted when CASETERM_TEST_ENCRYPTED=1)."""
    if os.environ.get("CASETERM_TEST_ENCRYPTED") == "1":
        cipher.set_passphrase(TEST_PASSPHRASE)
    return open_store(resolve_url(str(db_path)))


# ---------------------------------------------------------------------------
# PostgreSQL (agency mode): a throwaway cluster, and the store on both engines
# ---------------------------------------------------------------------------

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL 15 cluster on a Unix socket in a temp folder, for the whole session."""
    import pg_support

    reason = pg_support.unavailable_reason()
    if reason is not None:
        pg_support.skip_or_fail(reason)
    cluster = pg_support.start_cluster()
    try:
        yield cluster
    finally:
        _record_server_cpu(cluster)
        cluster.stop()


def _record_server_cpu(cluster) -> None:  # noqa: ANN001
    """Under CASETERM_TEST_CPU: the server's CPU seconds (its own and its exited backends')."""
    target = os.environ.get("CASETERM_TEST_CPU")
    if not target:
        return
    import json

    try:
        pid = (cluster.folder / "data" / "postmaster.pid").read_text().split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return
    seconds = sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"{target}.{worker}", "a", encoding="utf-8") as out:
        out.write(json.dumps({"test": "postgresql server", "own": 0, "children": round(seconds, 2), "wall": 0}) + "\n")


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh, empty database in the session's cluster (a plain postgresql:// URL)."""
    return pg_cluster.url(pg_cluster.create_database())


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:  # noqa: ANN001
    """A database the real migrations brought to the head, once per session (per worker):
    the migrations' DDL costs the server ~3 s a database; a copy of this one ~0.3 s."""
    name = pg_cluster.create_database()
    open_store(pg_cluster.url(name)).dispose()  # PostgreSQL never takes the SQLite template
    return name


@pytest.fixture
def pg_migrated_url(pg_cluster, pg_template: str) -> str:  # noqa: ANN001
    """A fresh database at the head revision, no rows: CREATE DATABASE ... TEMPLATE the migrated one."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg_cluster.psql(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    return pg_cluster.url(name)


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """The database URL, once per engine: SQLite always, PostgreSQL where available (at the head revision)."""
    if request.param == "sqlite":
        return resolve_url(str(db_path))
    return request.getfixturevalue("pg_migrated_url")


@pytest.fixture
def any_engine(store_url: str) -> Iterator[Engine]:
    """A real, migrated database on each engine (modules opt in by overriding `engine`)."""
    engine = open_store(store_url)
    yield engine
    engine.dispose()


# ---------------------------------------------------------------------------
# CASETERM_TEST_CPU=FILE: each test's CPU seconds (this process and its waited-for
# children), a JSON line per test, one file per xdist worker. Wall time on a shared
# machine is noise; CPU time says which tests cost (issue 25.7).
# ---------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    target = os.environ.get("CASETERM_TEST_CPU")
    if not target:
        yield
        return
    import json
    import resource
    import time

    def cpu() -> tuple[float, float]:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime

    own0, kids0 = cpu()
    wall0 = time.perf_counter()
    yield
    own1, kids1 = cpu()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"{target}.{worker}", "a", encoding="utf-8") as out:
        out.write(json.dumps({"test": item.nodeid, "own": round(own1 - own0, 3), "children": round(kids1 - kids0, 3),
                              "wall": round(time.perf_counter() - wall0, 3)}) + "\n")
