"""Issue 11 in the app: a damaged file is reported, a busy one keeps what was typed,
and the day's automatic backup is taken after the first screen is painted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.widgets import Input

from caseterm import backups
from caseterm.app import CasetermApp
from caseterm.store import open_store, resolve_url
from test_app_flow import seeded, settle, until  # noqa: F401 - fixtures
from test_store_trust import damage


def db_file(engine: Engine) -> Path:
    return Path(engine.url.database)


async def test_the_day_s_backup_is_taken_once_after_start_up(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.store_checked)
    found = [b for b in backups.list_backups(db_file(seeded)) if b.automatic]
    assert len(found) == 1
    assert backups.inspect_backup(found[0].path).clients > 0
    again = CasetermApp(seeded, idle_lock_seconds=0)
    async with again.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: again.store_checked)
    assert len([b for b in backups.list_backups(db_file(seeded)) if b.automatic]) == 1


async def test_a_damaged_file_is_said_on_screen_and_the_app_stays(seeded: Engine) -> None:  # noqa: F811
    path = db_file(seeded)
    seeded.dispose()
    damage(path)
    engine = open_store(resolve_url(str(path)))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any("damaged" in n.message for n in app.notice_log))
        assert app.return_code is None and app.crash_report is None
        message = next(n.message for n in app.notice_log if "damaged" in n.message)
        assert "caseterm restore" in message
    assert not list((path.parent / "backups").glob("*.db"))


async def test_a_busy_database_keeps_the_typed_text(seeded: Engine) -> None:  # noqa: F811
    path = db_file(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        holder = sqlite3.connect(path)
        holder.execute("BEGIN IMMEDIATE")  # another program is writing
        try:
            app.action_add_task()  # the due list's `+`
            await pilot.pause()
            await pilot.press(*"Call the landlord")
            await pilot.press("enter")
            await until(pilot, lambda: "in use by another program" in str(app.screen.query_one("#prompt-error").render()))
            assert app.return_code is None and app.crash_report is None
            assert app.screen.query_one("#task-title", Input).value == "Call the landlord"
        finally:
            holder.rollback()
            holder.close()
        await pilot.press("enter")  # the other program is done: the same text saves
        await until(pilot, lambda: any("Task added" in n.message for n in app.notice_log))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM task WHERE title = 'Call the landlord'").fetchone()[0] == 1
    conn.close()
