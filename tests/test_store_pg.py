"""The store on PostgreSQL (agency mode, issue 15): plain libpq URLs, the same
migrations, append-only notes and audit by triggers, no password anywhere.

Needs PostgreSQL 15 (see tests/pg_support.py): skipped without it, a failure with CI=true.
"""

from __future__ import annotations

import datetime as dt

import pytest
import subprocess
import sys
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from caseterm.models import Client
from caseterm.services.notes import add_note
from caseterm.store import (
    HEAD_REVISION,
    check,
    is_postgres,
    location,
    make_engine,
    normalise_url,
    open_store,
    resolve_url,
    session_scope,
    stored_revision,
)
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it (exit status and both streams)."""
    result = subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True, timeout=120)
    result.output = result.stdout + result.stderr  # type: ignore[attr-defined]
    return result


def test_plain_libpq_urls_use_psycopg() -> None:
    assert normalise_url("postgresql://ana@db.example:5433/agency") == "postgresql+psycopg://ana@db.example:5433/agency"
    assert normalise_url("postgres://ana@/agency?host=/run/pg&port=5433") == "postgresql+psycopg://ana@/agency?host=/run/pg&port=5433"
    assert normalise_url("postgresql+psycopg://ana@h/db") == "postgresql+psycopg://ana@h/db"
    assert resolve_url("postgresql://ana@h/db") == "postgresql+psycopg://ana@h/db"
    assert normalise_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert is_postgres("postgresql://ana@h/db") and not is_postgres("sqlite:////tmp/x.db")


def test_messages_never_show_the_password() -> None:
    shown = location("postgresql://ana:s3cret@db.example/agency")
    assert "s3cret" not in shown and "ana" in shown and "db.example/agency" in shown


def test_open_store_migrates_an_empty_database(pg_url: str) -> None:
    engine = make_engine(pg_url)
    assert engine.dialect.name == "postgresql"
    assert stored_revision(engine) is None
    engine = open_store(pg_url)
    assert stored_revision(engine) == HEAD_REVISION
    report = check(engine)
    assert report.ok and report.counts["client"] == 0
    assert "postgresql" in report.location
    # Opening again is a no-op.
    assert stored_revision(open_store(pg_url)) == HEAD_REVISION


def test_migrations_go_down_and_up_again(pg_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from caseterm import migrations_dir

    engine = open_store(pg_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert stored_revision(engine) is None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'caseterm_refuse'")).scalar() == 0
    engine = open_store(pg_url)
    assert stored_revision(engine) == HEAD_REVISION


def _a_note(engine) -> int:  # noqa: ANN001
    with session_scope(engine) as session:
        client = Client(case_number="TA-1", legal_name="Ana Reyes")
        session.add(client)
        session.flush()
        note = add_note(session, client, contact_at=dt.datetime(2026, 11, 2, 10, 0), type=NoteType.CONTACT, text="Called about the rent.", author="ana", method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=10)
        assert note.id is not None
        return note.id


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE note SET text = 'changed' WHERE id = :id", "append-only"),
        ("DELETE FROM note WHERE id = :id", "never deleted"),
        ("TRUNCATE note CASCADE", "never deleted"),
        ("INSERT INTO note (id, uid, client_id, contact_at, written_at, type, author, text, late_entry) "
         "SELECT id, uid, client_id, contact_at, written_at, type, author, text, late_entry FROM note WHERE id = :id "
         "ON CONFLICT (id) DO UPDATE SET text = 'overwritten'", "append-only"),
    ],
)
def test_notes_are_append_only_on_the_server(pg_url: str, sql: str, words: str) -> None:
    engine = open_store(pg_url)
    note_id = _a_note(engine)
    with pytest.raises(IntegrityError, match=words), engine.begin() as conn:
        conn.execute(text(sql), {"id": note_id})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM note")).scalars().all() == ["Called about the rent."]


@pytest.mark.parametrize("sql", ["UPDATE audit SET detail = 'x'", "DELETE FROM audit", "TRUNCATE audit"])
def test_the_audit_trail_is_append_only_on_the_server(pg_url: str, sql: str) -> None:
    engine = open_store(pg_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit (at, \"user\", action, detail) VALUES (now(), 'ana', 'export', 'all')"))
    with pytest.raises(IntegrityError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit")).scalar() == 1


def test_backup_and_restore_name_pg_dump(pg_url: str) -> None:
    open_store(pg_url)
    for command in (["backup"], ["restore", "x.db", "--yes"]):
        result = run("--db", pg_url, *command)
        assert result.returncode == 2, result.output
        assert "pg_dump" in result.output and "agency's job" in result.output


def test_check_through_the_cli(pg_url: str) -> None:
    open_store(pg_url)
    result = run("--db", pg_url, "check")
    assert result.returncode == 0, result.output
    assert "schema:       " + HEAD_REVISION in result.output


def test_an_unreachable_server_is_exit_2_without_the_password(tmp_path) -> None:  # noqa: ANN001
    url = f"postgresql://ana:s3cret@/agency?host={tmp_path}&port=5999"
    result = run("--db", url, "check")
    assert result.returncode == 2, result.output
    assert "s3cret" not in result.output
    assert "cannot open the database" in result.output
