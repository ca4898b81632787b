"""The store: migrations, file modes, pragmas, append-only notes, backup, check."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from caseterm import migrations_dir, paths
from caseterm.errors import StoreError
from caseterm.models import Client
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
from caseterm.services.notes import add_note
from caseterm.store import HEAD_REVISION, backup, check, make_engine, open_store, resolve_url, session_scope, stored_revision

#: The store's own tests: every new database here is made by the real migrations (tests/conftest.py).
pytestmark = pytest.mark.real_migrations


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_head_revision_matches_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate against a migrated database finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import caseterm.hmis.models  # noqa: F401 - the HMIS tables live in their own module

    engine = open_store(resolve_url(str(tmp_path / "m.db")))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # The FTS5 tables and the composite indexes are SQLite extras made by hand.
    extras = {"ix_appointment_client_start", "ix_hours_client_week", "ix_note_client_contact_cover", "ix_appointment_day_cover"}
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith(("note_fts", "note_words")))
            and not (d[0] == "remove_index" and d[1].name in extras)]
    assert diff == []


def test_default_database_is_private(isolated_dirs: Path) -> None:
    engine = open_store(resolve_url(None))
    db = paths.default_db_path()
    assert db.is_relative_to(isolated_dirs)
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    with session_scope(engine) as session:
        session.add(Client(case_number="TA-1", legal_name="Ana"))
    for sidecar in db.parent.glob("caseterm.db-*"):
        assert mode(sidecar) & 0o077 == 0, sidecar


def test_env_var_chooses_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETERM_DB", str(tmp_path / "env.db"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url(str(tmp_path / "flag.db")) == f"sqlite:///{tmp_path / 'flag.db'}"


def test_pragmas(engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_notes_cannot_be_changed_or_deleted(engine) -> None:
    with session_scope(engine) as session:
        client = Client(case_number="TA-1", legal_name="Ana")
        session.add(client)
        session.flush()
        add_note(session, client, type=NoteType.CONTACT, text="first words", method=ContactMethod.OFFICE,
                 outcome=ContactOutcome.REACHED, minutes=30)
    with engine.begin() as conn:
        with pytest.raises(IntegrityError, match="append-only"):
            conn.execute(text("UPDATE note SET text = 'changed'"))
    with engine.begin() as conn:
        with pytest.raises(IntegrityError, match="never deleted"):
            conn.execute(text("DELETE FROM note"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM note")).scalar() == "first words"
        assert conn.execute(text("SELECT count(*) FROM note_fts WHERE note_fts MATCH 'words'")).scalar() == 1


def test_current_schema_opens_without_importing_alembic(db_path: Path) -> None:
    open_store(resolve_url(str(db_path)))
    code = (
        "import sys; from caseterm.store import open_store, resolve_url; "
        f"open_store(resolve_url({str(db_path)!r})); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_older_schema_is_migrated_after_a_backup(tmp_path: Path) -> None:
    """A database left at revision 0001 by an older caseterm: backed up, then upgraded."""
    from alembic import command
    from alembic.config import Config

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:  # Core: the model's later columns are not in a 0001 table
        conn.execute(Client.__table__.insert().values(case_number="TA-1", legal_name="Ana"))
    engine.dispose()

    migrated = open_store(resolve_url(str(db)))
    assert stored_revision(migrated) == HEAD_REVISION
    backups = list(tmp_path.glob("old-pre-migration-0001-*.db"))
    assert len(backups) == 1 and mode(backups[0]) == 0o600
    old = make_engine(resolve_url(str(backups[0])))
    assert stored_revision(old) == "0001"
    assert check(old).counts["client"] == 1
    with migrated.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='index'"))}
    assert {"ix_note_client_contact_cover", "ix_appointment_day_cover"} <= names
    assert "ix_note_client_contact" not in names


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    engine = open_store(resolve_url(str(db)))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="9999 is newer"):
        open_store(resolve_url(str(db)))


def test_backup_is_a_private_consistent_copy(engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        session.add(Client(case_number="TA-1", legal_name="Ana"))
    dest = backup(engine, tmp_path / "copy.db")
    assert mode(dest) == 0o600
    copy = make_engine(resolve_url(str(dest)))
    assert stored_revision(copy) == HEAD_REVISION
    assert check(copy).counts["client"] == 1


def test_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a caseterm database"):
        open_store(resolve_url(str(junk)))


def test_quick_check_lets_go_of_the_pages_it_read(tmp_path: Path) -> None:
    """`quick_check` reads every page through a pooled connection; its page cache (2 MiB, kept as long
    as the connection is pooled) is let go of after the check (issue 25.5: the app's start-up check
    runs beside the due list). Measured with SQLite's own heap counter, in the library `sqlite3` uses."""
    import ctypes
    import sqlite3

    from caseterm.store import quick_check

    try:
        lib = ctypes.CDLL("libsqlite3.so.0")
    except OSError:
        pytest.skip("no shared libsqlite3 to read the heap counter from")
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    if lib.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        pytest.skip("the sqlite3 module is not linked with this libsqlite3")
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    engine = open_store(f"sqlite:///{tmp_path / 'big.db'}")
    with engine.begin() as conn:  # ~6 MiB of pages, more than the 2 MiB page cache holds
        conn.exec_driver_sql("CREATE TABLE filler (x TEXT)")
        conn.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)"
                             " INSERT INTO filler SELECT hex(randomblob(2000)) FROM n")
    engine.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").fetchall()  # the pooled connection, open and idle
        before = lib.sqlite3_memory_used()
        quick_check(engine)
        grown = lib.sqlite3_memory_used() - before
        assert grown < 512 * 1024, f"the check left {grown / 2**20:.1f} MiB of pages held"
    finally:
        engine.dispose()
