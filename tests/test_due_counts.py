"""The due list counts what is due (issue 23.4): today or overdue in the heading, the rest "coming up", every item dated."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.rules.engine import split_due
from caseterm.services import demo
from caseterm.services.due import due_items
from caseterm.store import session_scope
from test_app_flow import screen_text, settle, write_settings

MONDAY = dt.date(2026, 12, 7)


def demo_on_monday(engine: Engine) -> list:
    # 09:00: the list as the app and the agenda see it then (an appointment begun has no reminder call)
    clock.pin(MONDAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, MONDAY)
    with session_scope(engine) as s:
        return due_items(s, MONDAY)


def test_split_counts_today_and_overdue_only(engine: Engine) -> None:
    items = demo_on_monday(engine)
    now, later = split_due(items, MONDAY)
    assert later, "the demo has items shown ahead of their date (a case to close after a date, a release to renew)"
    assert all(i.overdue or i.due <= MONDAY for i in now)
    assert all(i.due > MONDAY and not i.overdue for i in later)
    assert [i.due for i in later] == sorted(i.due for i in later)
    assert len(now) + len(later) == len(items)


async def test_the_sidebar_heading_counts_due_and_lists_the_rest_as_coming_up(engine: Engine) -> None:
    items = demo_on_monday(engine)
    now, later = split_due(items, MONDAY)
    clock.pin(MONDAY, dt.time(9, 0))
    write_settings()
    from caseterm.widgets.due_today import DueList

    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        title = str(app.screen.query_one("#due-title").render())
        assert f"Due today {len(now)}" in title
        assert f"{len(later)} coming up" in title
        prompts = [str(o.prompt) for o in app.screen.query_one(DueList).options]
        headings = [p for p in prompts if p.isupper() or p.split(" ")[0].isupper()]
        assert any(h.startswith("COMING UP") for h in headings), headings
        coming = next(i for i, p in enumerate(prompts) if p.startswith("COMING UP"))
        # Every item says when; the coming-up ones name their date, never "today".
        items_shown = [p for p in prompts if "\n" in p]
        assert items_shown and all(" · due " in p for p in items_shown)
        assert all("due today" not in p for p in prompts[coming + 1 :] if "\n" in p)
        # The caseload's `d` filter counts the clients with something due now, by the same definition.
        clients_due = len({i.case_number for i in now if i.case_number})
        clients_any = len({i.case_number for i in items if i.case_number})
        assert clients_due < clients_any, "the demo has a client whose only item is coming up"
        assert f"d due today {clients_due}" in screen_text(app)


def test_agenda_text_counts_the_same_way(engine: Engine, db_path: Path) -> None:
    items = demo_on_monday(engine)
    now, later = split_due(items, MONDAY)
    env = dict(os.environ, COLUMNS="200", CASETERM_NOW="09:00")
    proc = subprocess.run(
        [sys.executable, "-m", "caseterm", "--db", str(db_path), "--today", MONDAY.isoformat(), "agenda"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    overdue = sum(1 for i in now if i.overdue)
    assert f"Due: {len(now)} items, {overdue} overdue; {len(later)} coming up" in proc.stdout
    assert f"Coming up ({len(later)})" in proc.stdout
