"""Shared fixtures: every test gets its own private data/config/state folders."""

from __future__ import annotations

import datetime as dt
import os
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
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh, empty database in the session's cluster (a plain postgresql:// URL)."""
    return pg_cluster.url(pg_cluster.create_database())


@pytest.fixture(params=ENGINES)
def store_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """The database URL, once per engine: SQLite always, PostgreSQL where available."""
    if request.param == "sqlite":
        return resolve_url(str(db_path))
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_engine(store_url: str) -> Iterator[Engine]:
    """A real, migrated database on each engine (modules opt in by overriding `engine`)."""
    engine = open_store(store_url)
    yield engine
    engine.dispose()
