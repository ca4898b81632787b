"""Migration 0004: decisions stored under the old `engagement|…|reengage-…` key
move to the new rule id `re-engagement` (and back on downgrade)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from caseterm import migrations_dir
from caseterm.store import HEAD_REVISION, make_engine, open_store, resolve_url, stored_revision

#: The store's own tests: every new database here is made by the real migrations (tests/conftest.py).
pytestmark = pytest.mark.real_migrations

KEYS = [
    "engagement|TA-1|reengage-2026-10-28",   # the re-engagement stage: moves
    "engagement|TA-1|2026-10-28",            # the engagement stage: stays
    "good-cause|TA-1|reengage-2026-10-28",   # another rule: stays
]


def _keys(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT item_key FROM due_state ORDER BY id"))]


def test_re_engagement_decisions_keep_their_item(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        for key in KEYS:
            conn.execute(
                text("INSERT INTO due_state (item_key, action, created_at) VALUES (:k, 'dismissed', '2026-11-02 09:00:00')"),
                {"k": key},
            )
    engine.dispose()

    migrated = open_store(resolve_url(str(db)))
    assert stored_revision(migrated) == HEAD_REVISION
    assert _keys(migrated) == ["re-engagement|TA-1|reengage-2026-10-28", *KEYS[1:]]
    with migrated.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert _keys(migrated) == KEYS
