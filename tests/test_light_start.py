"""Issue 14, a light first frame: the caseload's first page is read with the plain
DB-API driver, read-only, before SQLAlchemy & co. are imported; the store comes
up in a worker after it. What the full path did (create, refuse, migrate with a
backup, unlock) still happens when the light path cannot serve."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.drivers.headless_driver import HeadlessDriver

from caseterm import cipher, readonly
from caseterm.cli import CliContext
from caseterm.errors import BadInput
from caseterm.services.caseload import caseload_rows, read_caseload
from caseterm.store import HEAD_REVISION, resolve_url, session_scope
from caseterm.tui import make_app
from test_app_flow import TODAY, seeded, until  # noqa: F401 - fixtures

#: What the first frame must not import (issue 14); the due rules' snapshot types are
#: for the due list's worker, after the first frame (issue 25.4: 16-21 ms of dataclasses).
HEAVY = ["sqlalchemy", "sqlmodel", "pydantic", "alembic", "jinja2", "icalendar", "holidays", "caseterm.rules.snapshot"]

#: The modules on the path to the first painted caseload.
FIRST_FRAME = [
    "caseterm.__main__",
    "caseterm.cli",
    "caseterm.tui",
    "caseterm.app",
    "caseterm.store",
    "caseterm.readonly",
    "caseterm.screens.caseload",
    "caseterm.services.caseload",
    "caseterm.widgets.due_today",
    "caseterm.screens.unlock",
    "caseterm.vocabulary",
    "caseterm.messages",
]


def run_fresh(code: str) -> dict:
    """Run `code` in a fresh interpreter (same environment); it prints one JSON line last."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_first_frame_modules_and_the_light_read_import_nothing_heavy(seeded: Engine) -> None:  # noqa: F811
    url = str(seeded.url)
    result = run_fresh(
        f"""
        import datetime as dt, importlib, json, sys
        for name in {FIRST_FRAME!r}:
            importlib.import_module(name)
        from caseterm import readonly
        from caseterm.services.caseload import read_caseload
        conn = readonly.connect({url!r})
        def no_store():
            raise AssertionError("the light read opened the store")
        rows = read_caseload(no_store, dt.date.fromisoformat({TODAY.isoformat()!r}), readonly=conn)
        print(json.dumps({{"rows": len(rows), "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
        """
    )
    assert result["heavy"] == []
    with session_scope(seeded) as session:
        assert result["rows"] == len(caseload_rows(session, TODAY)) > 0


def test_the_app_paints_its_rows_before_the_store_comes_up(seeded: Engine) -> None:  # noqa: F811
    """The real start (`tui.make_app`) in a fresh interpreter: when the store is first
    opened, nothing heavy had been imported and the caseload already had its rows;
    then the due list and the file check arrive as before."""
    path = Path(seeded.url.database)
    seeded.dispose()
    result = run_fresh(
        f"""
        import asyncio, json, sys
        from caseterm import clock
        from caseterm.cli import CliContext
        from caseterm.tui import make_app
        clock.pin(clock.parse_date({TODAY.isoformat()!r}, "today"))
        app = make_app(CliContext(db={str(path)!r}))
        seen = {{}}
        opener = app._open_engine
        def open_engine():
            seen["heavy"] = [m for m in {HEAVY!r} if m in sys.modules]
            seen["started_light"] = app.readonly is not None
            return opener()
        app._open_engine = open_engine

        async def main():
            from textual.widgets import DataTable
            async with app.run_test(size=(120, 40)) as pilot:
                for _ in range(300):
                    if app.due_items is not None and app.store_check_ended:
                        break
                    await pilot.pause(0.1)  # polls the condition above
                seen["rows"] = app.screen.query_one("#caseload-table", DataTable).row_count
                seen["due"] = app.due_items is not None
                seen["checked"] = app.store_checked
                seen["let_go"] = app.readonly is None
        asyncio.run(main())
        print(json.dumps(seen))
        """
    )
    assert result["heavy"] == []
    assert result["started_light"] is True
    assert result["rows"] > 0 and result["due"] and result["checked"] and result["let_go"]


def test_the_light_read_gives_the_same_rows_as_the_store(seeded: Engine) -> None:  # noqa: F811
    conn = readonly.connect(str(seeded.url))
    assert conn is not None
    with session_scope(seeded) as session:
        assert read_caseload(lambda: session_scope(seeded), TODAY, readonly=conn) == caseload_rows(session, TODAY)
    # read-only: a write is refused by SQLite itself
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("UPDATE client SET program = 'x'")
    conn.close()


def test_the_light_condition_on_notes_is_the_due_service_s() -> None:
    from caseterm.services import caseload, due

    assert caseload.reached_sql() == due.reached_sql()


def test_only_a_caseterm_file_at_the_head_revision_is_read_light(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = str(engine.url)
    assert readonly.connect(url) is not None
    missing, empty, foreign = tmp_path / "missing.db", tmp_path / "empty.db", tmp_path / "foreign.db"
    empty.write_bytes(b"")
    other = sqlite3.connect(foreign)
    other.execute("CREATE TABLE recipes (name TEXT)")
    other.commit()
    other.close()
    for path in (missing, empty, foreign):
        assert readonly.connect(resolve_url(str(path))) is None
    assert readonly.connect("postgresql+psycopg://nobody@localhost/caseterm") is None
    # a relative `sqlite:///` URL, and a folder name that needs escaping in a file URI
    odd = tmp_path / "a folder #1" / "case load.db"
    odd.parent.mkdir()
    with sqlite3.connect(Path(engine.url.database)) as src, sqlite3.connect(odd) as dst:
        src.backup(dst)
    monkeypatch.chdir(odd.parent)
    for odd_url in ("sqlite:///case load.db", resolve_url(str(odd))):
        conn = readonly.connect(odd_url)
        assert conn is not None and conn.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD_REVISION,)
        conn.close()
    engine.dispose()
    raw = sqlite3.connect(Path(engine.url.database))
    raw.execute("UPDATE alembic_version SET version_num = '0001'")
    raw.commit()
    raw.close()
    assert readonly.connect(url) is None  # the full path migrates it
    assert not foreign.with_name("foreign.db-wal").exists()


def test_an_older_revision_takes_the_full_path_backup_then_migration(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    from caseterm import migrations_dir

    path = Path(engine.url.database)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:  # one revision back, as an older caseterm left it
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    engine.dispose()
    assert readonly.connect(str(engine.url)) is None
    app = make_app(CliContext(db=str(path)))
    assert app.store_up and app.readonly is None
    assert list(path.parent.glob("caseterm-pre-migration-*.db"))
    with app.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD_REVISION


def test_a_foreign_file_is_refused_and_a_new_one_created(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    other = sqlite3.connect(foreign)
    other.execute("CREATE TABLE recipes (name TEXT)")
    other.commit()
    other.close()
    before = foreign.read_bytes()
    with pytest.raises(BadInput, match="not a caseterm database"):
        make_app(CliContext(db=str(foreign)))
    assert foreign.read_bytes() == before
    new = tmp_path / "new.db"
    app = make_app(CliContext(db=str(new)))
    assert app.store_up and new.exists()
    app.engine.dispose()
    # opened again, it is caseterm's at the head: the light start
    again = make_app(CliContext(db=str(new)))
    assert not again.store_up and again.readonly is not None
    again.readonly.close()


def test_an_encrypted_file_starts_light_once_unlocked(engine: Engine, tmp_path: Path) -> None:
    plain = Path(engine.url.database)
    engine.dispose()
    secret = tmp_path / "secret.db"
    cipher.export(plain, secret, src_key=None, dest_key="light passphrase")
    cipher.set_passphrase(None)
    assert readonly.connect(resolve_url(str(secret))) is None  # no passphrase held: the full path says so
    cipher.set_passphrase("wrong passphrase")
    assert readonly.connect(resolve_url(str(secret))) is None
    cipher.set_passphrase("light passphrase")
    app = make_app(CliContext(db=str(secret)))
    assert app.readonly is not None and not app.store_up
    rows = read_caseload(lambda: pytest.fail("the store was opened"), TODAY, readonly=app.readonly)  # type: ignore[arg-type]
    assert isinstance(rows, list)
    assert app.engine is not None and app.store_up  # opened on first use
    app.engine.dispose()


async def test_the_light_app_works_as_the_full_one(seeded: Engine) -> None:  # noqa: F811
    """Rows, due list, the file check and today's backup, opening a client, writing."""
    from caseterm import backups
    from caseterm.screens.client import ClientScreen

    path = Path(seeded.url.database)
    seeded.dispose()
    app = make_app(CliContext(db=str(path)))
    app._idle_lock_seconds = 0
    assert not app.store_up
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.due_items is not None and app.store_checked)
        assert app.store_up and app.readonly is None
        table = app.screen.query_one("#caseload-table")
        assert table.row_count > 0
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
    assert [b for b in backups.list_backups(path) if b.automatic]
    app.engine.dispose()


def test_quick_counts_in_one_pass_are_the_filters_counts(seeded: Engine) -> None:  # noqa: F811
    from caseterm.services.caseload import QuickFilter, matches, quick_counts, with_due_counts

    with session_scope(seeded) as session:
        rows = caseload_rows(session, TODAY)
    rows = with_due_counts(rows, {row.case_number: i % 3 for i, row in enumerate(rows)})
    for days in (0, 7, 30, 3650):
        expected = {q: sum(1 for row in rows if matches(row, q, TODAY, days)) for q in QuickFilter
                    if q is not QuickFilter.COVERING}  # the screen counts that one (split_covered)
        assert quick_counts(rows, TODAY, days) == expected


async def test_a_large_caseload_paints_its_clients_then_their_details(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """Above DETAILS_LATER_ROWS the light start paints the clients' own columns first
    (last contact and next appointment "…"), then the full rows replace them."""
    from caseterm.screens import caseload as screen_module

    monkeypatch.setattr(screen_module, "DETAILS_LATER_ROWS", 0)
    seen: list[bool] = []
    loaded = screen_module.CaseloadScreen._rows_loaded

    def spy(self, rows, partial=False):  # noqa: ANN001, ANN202
        seen.append(partial)
        return loaded(self, rows, partial)

    monkeypatch.setattr(screen_module.CaseloadScreen, "_rows_loaded", spy)
    path = Path(seeded.url.database)
    seeded.dispose()
    app = make_app(CliContext(db=str(path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.due_items is not None and app.store_check_ended)
        table = app.screen.query_one("#caseload-table")
        cells = [str(c) for row in range(table.row_count) for c in table.get_row_at(row)]
        with session_scope(app.engine) as session:
            full = caseload_rows(session, TODAY)
    assert seen[:2] == [True, False]
    assert screen_module.PENDING not in cells
    assert table.row_count == len(full)
    app.engine.dispose()


async def test_a_store_that_cannot_come_up_is_said_and_the_rows_stay(seeded: Engine) -> None:  # noqa: F811
    """Between the light read and the store, the file went wrong (here: the opener
    fails): a notification says why, the due list says it could not be worked out,
    and the painted caseload stays."""
    from caseterm.errors import StoreError

    path = Path(seeded.url.database)
    seeded.dispose()
    app = make_app(CliContext(db=str(path)))

    def cannot_open():  # noqa: ANN202
        raise StoreError(f"{path}: the database file is damaged (test)")

    app._open_engine = cannot_open
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.due_failed)
        assert app.screen.query_one("#caseload-table").row_count > 0
        assert any("damaged (test)" in str(n.message) for n in app.notice_log)
    app.readonly.close()


class FrameRecorder(HeadlessDriver):
    """A driver that keeps what the app writes, frame by frame (a terminal that records).

    Textual's HeadlessDriver says it is headless, so the app draws nothing through it;
    this one says it is not, so every frame is rendered and written as for a terminal."""

    frames: list[str]

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        if len(data) >= 64:  # smaller writes are cursor and mode sequences, not a frame
            type(self).frames.append(data)


def recording(app: Any) -> type[FrameRecorder]:
    """The app draws through a fresh FrameRecorder class (run it with `run_test(headless=False)`)."""
    recorder = type("Recorder", (FrameRecorder,), {"frames": []})
    app.driver_class = recorder
    return recorder


async def test_the_first_frame_written_has_the_rows_and_the_store_waits_for_it(seeded: Engine) -> None:  # noqa: F811
    """Issue 25.4: a light start reads its first page before the first frame and that
    frame, the first one written, draws the rows; the store (SQLAlchemy's import, the
    schema check) starts only after it, so it never competes with that frame. Before,
    the rows came from a worker after the first frame; and Textual drops the frame it
    draws inside its start-up batch, so the first frame written had no rows."""
    path = Path(seeded.url.database)
    seeded.dispose()
    app = make_app(CliContext(db=str(path)))
    recorder = recording(app)
    frames_before_store: list[int] = []
    opener = app._open_engine

    def open_engine():  # noqa: ANN202
        frames_before_store.append(len(recorder.frames))
        return opener()

    app._open_engine = open_engine
    async with app.run_test(size=(120, 40), headless=False) as pilot:
        await until(pilot, lambda: app.due_items is not None and app.store_check_ended)
        table = app.screen.query_one("#caseload-table")
        first_row = [str(cell) for cell in table.get_row_at(0)]
    assert recorder.frames, "nothing was written"
    first = recorder.frames[0]
    assert first_row[0] in first and first_row[1] in first  # case number and name: the first row is drawn
    assert "Filter" in first  # and the rest of the screen with it (the footer)
    assert frames_before_store and frames_before_store[0] >= 1
    app.engine.dispose()


async def test_a_first_page_that_cannot_be_read_light_comes_from_the_worker(seeded: Engine) -> None:  # noqa: F811
    """The read-only connection went away before the first page (closed here): the
    caseload still fills, read by the worker through the store."""
    from caseterm.services.caseload import first_page_readonly

    path = Path(seeded.url.database)
    seeded.dispose()
    app = make_app(CliContext(db=str(path)))
    app.readonly.close()
    assert first_page_readonly(app.readonly, TODAY, 10, 10) is None
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.due_items is not None and app.store_check_ended)
        with session_scope(app.engine) as session:
            expected = len(caseload_rows(session, TODAY))
        assert app.screen.query_one("#caseload-table").row_count == expected > 0
    app.engine.dispose()


def test_the_first_page_is_full_rows_up_to_the_limit_then_a_screenful_in_the_opening_order(
    seeded: Engine,  # noqa: F811
) -> None:
    """Up to `details_up_to` clients the first page is every full row. Above it, a
    screenful of the clients' own columns in exactly the order the caseload opens in
    (sort_rows by name: case-blind, accents included, closed and denied cases last,
    ties by case number), and the count of all of them."""
    from caseterm.models import Client
    from caseterm.services.caseload import first_page_readonly, sort_rows
    from caseterm.vocabulary import ClientStatus

    with session_scope(seeded) as session:
        session.add(Client(case_number="TA-1090", legal_name="Émile Zola", preferred_name="émile"))
        session.add(Client(case_number="TA-1091", legal_name="aaron Ash", status=ClientStatus.CLOSED))
        session.add(Client(case_number="TA-1089", legal_name="Bob Two", preferred_name=""))  # blank preferred: legal
        session.add(Client(case_number="TA-1088", legal_name="bob"))  # the same key as the seeded "Bob": by case number
        session.add(Client(case_number="TA-1087", legal_name="Zed Denied", status=ClientStatus.DENIED))
    with session_scope(seeded) as session:
        full = caseload_rows(session, TODAY)
    opening = sort_rows(full, "name")
    conn = readonly.connect(str(seeded.url))
    try:
        first = first_page_readonly(conn, TODAY, len(full), 4)
        assert first is not None and not first.partial and first.rows == full and first.total == len(full)
        for screenful in (1, 4, len(full) - 1, len(full) + 5):
            first = first_page_readonly(conn, TODAY, len(full) - 1, screenful)
            assert first is not None and first.partial and first.total == len(full)
            assert [r.case_number for r in first.rows] == [r.case_number for r in opening[:screenful]]
            assert all(r.last_contact is None and r.next_appointment is None for r in first.rows)
        assert any(r.last_contact is not None for r in full)
        assert [r.case_number for r in opening[-2:]] == ["TA-1091", "TA-1087"]  # ended cases last ("aaron" < "Zed")
    finally:
        conn.close()


async def test_a_large_caseload_s_first_frame_counts_every_client(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The first frame of a large caseload holds a screenful; its status line says how many
    clients there are in all and the quick filters show no counts until every row is read."""
    from caseterm.screens import caseload as screen_module

    monkeypatch.setattr(screen_module, "DETAILS_LATER_ROWS", 0)
    monkeypatch.setattr(screen_module, "FIRST_CHUNK", 1)
    seen: list[tuple[int, str, str]] = []
    loaded = screen_module.CaseloadScreen._rows_loaded

    def spy(self, rows, partial=False):  # noqa: ANN001, ANN202
        result = loaded(self, rows, partial)
        status = str(self.query_one("#caseload-status").render())
        bar = str(self.query_one("#quick-bar").render())
        seen.append((len(rows), status, bar))
        return result

    monkeypatch.setattr(screen_module.CaseloadScreen, "_rows_loaded", spy)
    path = Path(seeded.url.database)
    seeded.dispose()
    app = make_app(CliContext(db=str(path)))
    async with app.run_test(size=(120, 3)) as pilot:  # a terminal 3 lines tall: a screenful is 3 rows
        await until(pilot, lambda: app.due_items is not None and app.store_check_ended)
    (first_rows, first_status, first_bar), (all_rows, all_status, all_bar) = seen[0], seen[-1]
    assert first_rows == 3 < all_rows == 5
    assert "3 of 5 clients" in first_status and "last contacts…" in first_status
    assert "all 5" not in first_bar and "all 3" not in first_bar
    assert "5 of 5 clients" in all_status and "all 5" in all_bar
    app.engine.dispose()
