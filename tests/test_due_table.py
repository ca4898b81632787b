"""The stored due list (issue 25.1): `due_item`, its stamps and marks, with real files and processes.

The property test that the stored list equals a full recomputation is in
tests/test_due_incremental.py; here: a second program's write, a writer
without caseterm's hook, a new day, decisions, and migration 0010 on a file
made by 0009.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from test_app_flow import TODAY, seeded, settle, until, write_settings  # noqa: F401 - the app's seeded caseload (fixture)

from caseterm import clock, migrations_dir
from caseterm.policy import load_policy
from caseterm.services import due, due_table
from caseterm.store import make_engine, open_store, resolve_url, session_scope


def _shape(items: list) -> list[tuple]:
    return [(i, i.key, i.at, i.target) for i in items]


def _marks(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT client_id FROM due_stale"))]


def _path(engine: sa.Engine) -> Path:
    return Path(engine.url.database)  # type: ignore[arg-type]


def test_a_read_of_a_current_table_recomputes_nothing_and_a_new_day_recomputes_once(seeded) -> None:  # noqa: ANN001, F811
    policy = load_policy()
    with session_scope(seeded) as s:
        first = due_table.stored_due_items(s, TODAY)
        assert _shape(first) == _shape(due.due_items(s, TODAY))
        assert due_table.bring_up_to_date(s, TODAY, policy) == 0
        clients = s.execute(text("SELECT count(*) FROM client")).scalar_one()
    tomorrow = TODAY + dt.timedelta(days=1)
    clock.pin(tomorrow)
    with session_scope(seeded) as s:
        assert due_table.stale_clients(s, tomorrow, policy) == set(range(1, clients + 1))
        assert due_table.bring_up_to_date(s, tomorrow, policy) == clients  # the day arrived: everyone, once
        assert due_table.bring_up_to_date(s, tomorrow, policy) == 0
        assert _shape(due_table.stored_due_items(s, tomorrow)) == _shape(due.due_items(s, tomorrow))


def test_decisions_apply_to_the_stored_list(seeded) -> None:  # noqa: ANN001, F811
    with session_scope(seeded) as s:
        items = due_table.stored_due_items(s, TODAY)
        snoozed, dismissed = items[0], items[1]
        due.snooze(s, snoozed.key, TODAY + dt.timedelta(days=2))
        due.dismiss(s, dismissed.key, "handled by phone")
    with session_scope(seeded) as s:
        keys = [i.key for i in due_table.stored_due_items(s, TODAY)]
        assert snoozed.key not in keys and dismissed.key not in keys
        assert _shape(due_table.stored_due_items(s, TODAY)) == _shape(due.due_items(s, TODAY))
    back = TODAY + dt.timedelta(days=2)
    clock.pin(back)
    with session_scope(seeded) as s:
        keys = [i.key for i in due_table.stored_due_items(s, back)]
        assert dismissed.key not in keys
        assert _shape(due_table.stored_due_items(s, back)) == _shape(due.due_items(s, back))


def test_a_writer_without_the_hook_leaves_a_mark_the_next_read_recomputes(seeded) -> None:  # noqa: ANN001, F811
    """A plain sqlite3 program (no caseterm, no hook) adds a note and changes a client: the triggers mark
    both clients in its transaction; the next read stores them and equals a full recomputation."""
    with session_scope(seeded) as s:
        due_table.stored_due_items(s, TODAY)
        ids = [r[0] for r in s.execute(text("SELECT id FROM client ORDER BY id")).all()]
    conn = sqlite3.connect(_path(seeded))
    with conn:
        conn.execute("INSERT INTO note (uid, client_id, contact_at, written_at, type, method, outcome, author, text,"
                     " late_entry) VALUES (?, ?, '2026-11-02 08:00:00', '2026-11-02 08:05:00', 'contact', 'phone',"
                     " 'reached', 'me', 'Called.', 0)", (str(uuid.uuid4()), ids[0]))
        conn.execute("UPDATE client SET dv_in_home = 1 WHERE id = ?", (ids[1],))
    conn.close()
    assert sorted(_marks(seeded)) == [ids[0], ids[1]]
    with session_scope(seeded) as s:
        assert _shape(due_table.stored_due_items(s, TODAY)) == _shape(due.due_items(s, TODAY))
    assert _marks(seeded) == []


@pytest.mark.slow
async def test_a_second_program_s_write_keeps_the_table_current_while_the_app_is_open(
    seeded, tmp_path: Path  # noqa: ANN001, F811
) -> None:
    """The app open on the file; `caseterm letter` in a process of its own logs a letter note: the
    client's rows are stored again in that command's transaction (new rows, no mark left), the stored
    list equals a full recomputation, and the app's next refresh shows it."""
    from caseterm.app import CasetermApp

    write_settings('user = "casey"\nfull_name = "Casey Jones"\nphone = "503-555-0100"\n')
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with session_scope(seeded) as s:
            due_table.stored_due_items(s, TODAY)
            rows = "SELECT min(d.id) FROM due_item d JOIN client c ON c.id = d.client_id WHERE c.case_number = 'TA-1001'"
            before = s.execute(text(rows)).scalar_one()
        done = subprocess.run(
            [sys.executable, "-m", "caseterm", "--db", str(_path(seeded)), "--today", TODAY.isoformat(),
             "letter", "-t", "appointment", "TA-1001", "-o", str(tmp_path / "letters")],
            capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert _marks(seeded) == []  # stored in the command's own transaction
        with session_scope(seeded) as s:
            assert s.execute(text("SELECT count(*) FROM note WHERE type = 'letter'")).scalar_one() == 1
            stored = _shape(due_table.stored_due_items(s, TODAY))
            assert due_table.bring_up_to_date(s, TODAY, load_policy()) == 0
            assert stored == _shape(due.due_items(s, TODAY))
            assert s.execute(text(rows)).scalar_one() > before  # the client's rows were stored again
        runs = app.due_cache().runs
        app.refresh_due()
        await until(pilot, lambda: app.due_cache().runs > runs and not app.workers)
        assert _shape(app.due_items) == stored


def test_migration_0010_on_a_0009_file(tmp_path: Path) -> None:
    """A file made by 0009 with clients: 0010 adds the empty tables and the triggers; the first read
    stores every client; a write after it leaves a mark; down to 0009 and up again works."""
    from alembic import command
    from alembic.config import Config

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
        for n in (1, 2):
            conn.execute(text(
                "INSERT INTO client (id, case_number, legal_name, program, status, close_pending, two_parent, "
                "needs_childcare, remote, dv_in_home, months_used, follow_up_permission, referral_date) VALUES "
                f"({n}, 'TA-{n}', 'Name', 'TANF', 'not_initialized', 0, 0, 0, 0, 0, 0, 0, '2026-10-20')"))
    engine.dispose()
    migrated = open_store(resolve_url(str(db)))
    day = dt.date(2026, 11, 2)
    clock.pin(day)
    try:
        with migrated.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM due_item")).scalar_one() == 0
        with session_scope(migrated) as s:
            items = due_table.stored_due_items(s, day)
            assert {i.case_number for i in items if i.rule == "initial-interview"} == {"TA-1", "TA-2"}
            assert _shape(items) == _shape(due.due_items(s, day))
        with migrated.begin() as conn:
            conn.execute(text("UPDATE client SET status = 'closed' WHERE id = 2"))
        assert _marks(migrated) == [2]  # a Core write: the trigger's mark (the hook is for sessions)
        with session_scope(migrated) as s:
            assert _shape(due_table.stored_due_items(s, day)) == _shape(due.due_items(s, day))
        with migrated.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009")
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
            assert not {n for n in names if n.startswith("due_stale") or n in ("due_item", "due_client")}
            command.upgrade(cfg, "head")
        with session_scope(migrated) as s:
            assert _shape(due_table.stored_due_items(s, day)) == _shape(due.due_items(s, day))
    finally:
        clock.pin(None)
        migrated.dispose()


def test_a_new_day_stored_in_chunks_equals_a_full_recomputation(seeded, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001, F811
    """A new day recomputes every client a chunk at a time (bounded memory): two clients per snapshot
    here, and the list is the same as one snapshot of everyone gives."""
    monkeypatch.setattr(due_table, "CHUNK_CLIENTS", 2)
    tomorrow = TODAY + dt.timedelta(days=1)
    clock.pin(tomorrow)
    with session_scope(seeded) as s:
        clients = s.execute(text("SELECT count(*) FROM client")).scalar_one()
        assert clients > 2
        assert due_table.bring_up_to_date(s, tomorrow, load_policy()) == clients
        assert _shape(due_table.stored_due_items(s, tomorrow)) == _shape(due.due_items(s, tomorrow))
        assert s.execute(text("SELECT count(DISTINCT client_id) FROM due_client WHERE day = :d"),
                         {"d": tomorrow.isoformat()}).scalar_one() == clients


def test_a_chunk_s_ids_are_one_json_value_not_an_in_list_of_literals(seeded, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001, F811
    """Issue 25.5 (round 4): a new day's store inlined each chunk's 1,000 ids as literals in a dozen
    queries; SQLite compiles such a list to a ~150 KB program and the driver keeps 128 statements per
    connection prepared: ~20 MiB held at 10,000 clients. More than `INLINE_IDS` ids now go as one JSON
    text (`json_each`); the stored list is the same as a full recomputation's."""
    import re

    monkeypatch.setattr(due_table, "CHUNK_CLIENTS", 3)
    monkeypatch.setattr(due, "INLINE_IDS", 1)
    tomorrow = TODAY + dt.timedelta(days=1)
    clock.pin(tomorrow)
    statements: list[str] = []
    with session_scope(seeded) as s:
        s.connection().connection.driver_connection.set_trace_callback(statements.append)
        try:
            clients = s.execute(text("SELECT count(*) FROM client")).scalar_one()
            assert clients > 3
            assert due_table.bring_up_to_date(s, tomorrow, load_policy()) == clients
        finally:
            s.connection().connection.driver_connection.set_trace_callback(None)
        assert _shape(due_table.stored_due_items(s, tomorrow)) == _shape(due.due_items(s, tomorrow))
    listed = [sql for sql in statements if re.search(r"IN \(\d+, \d+", sql)]
    assert not listed, listed[:2]
    assert any("json_each('[" in sql for sql in statements)
