"""Shared fixtures: every test gets its own private data/config/state folders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from caseterm import clock, config
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
    config.load_settings.cache_clear()  # settings and policy are read from these folders
    yield home
    clock.pin(None)
    config.load_settings.cache_clear()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "caseterm.db"


@pytest.fixture
def engine(db_path: Path) -> Engine:
    """A real, migrated SQLite database in tmp_path."""
    return open_store(resolve_url(str(db_path)))
