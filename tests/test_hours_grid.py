"""The month hours grid (issue 13): last month's hours for every client who
owes them, typed cell by cell with real key presses."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlmodel import select

from test_app_flow import until

from caseterm import clock, store
from caseterm.app import CasetermApp
from caseterm.models import Client, HoursEntry
from caseterm.screens.hours_grid import HoursGrid, HoursGridScreen
from caseterm.services import due
from caseterm.services import hours as hours_service
from caseterm.store import open_store, resolve_url, session_scope
from caseterm.vocabulary import Activity, VerifiedBy

MON = dt.date(2026, 11, 2)
OCTOBER = [dt.date(2026, 10, d) for d in (5, 12, 19, 26)]


def seed(engine) -> None:  # noqa: ANN001
    clock.pin(MON)
    with session_scope(engine) as s:
        for cn, name, program, extra in (
            ("TA-1", "Ana Diaz", "TANF", {}),
            ("TA-2", "Ben Cole", "TANF", {"exempt_hours": 20}),
            ("SN-3", "Cy Moss", "SNAP E&T", {}),
            ("HF-4", "Dee Fox", "Housing First", {}),
        ):
            s.add(Client(case_number=cn, legal_name=name, program=program, initial_contact_date=dt.date(2026, 1, 5), **extra))
        s.flush()
        cy = s.exec(select(Client).where(Client.case_number == "SN-3")).one()
        # Cy's first October week was entered in the client file already.
        s.add(HoursEntry(client_id=cy.id, week=OCTOBER[0], activity=Activity.WORK_SEARCH, hours=12, verified_by=VerifiedBy.TIMESHEET))


@pytest.fixture
def seeded(engine):  # noqa: ANN001
    seed(engine)
    return engine


def work_items(engine) -> list[str]:  # noqa: ANN001
    with session_scope(engine) as s:
        return sorted(i.case_number for i in due.due_items(s, MON) if i.rule == "work-verification")


def hours_rows(engine) -> list[tuple]:  # noqa: ANN001
    with session_scope(engine) as s:
        rows = s.exec(select(HoursEntry, Client).join(Client, Client.id == HoursEntry.client_id).order_by(Client.case_number, HoursEntry.week)).all()
        return [(c.case_number, e.week.day, e.activity.value, e.hours, e.verified_by.value if e.verified_by else None) for e, c in rows]


def test_the_grid_lists_who_owes_last_months_hours(seeded):
    with session_scope(seeded) as s:
        grid = hours_service.month_grid(s, MON)
    assert grid.month == dt.date(2026, 10, 1) and grid.weeks == tuple(OCTOBER)
    assert [r.case_number for r in grid.rows] == ["TA-1", "TA-2", "SN-3"]  # by name; not Housing First
    ana, ben, cy = grid.rows
    assert (ana.required, ben.required) == (40.0, 20.0)
    assert cy.entered == {OCTOBER[0]: 12.0}
    assert (cy.activity, cy.source) == (Activity.WORK_SEARCH, VerifiedBy.TIMESHEET)  # from the last entry
    assert (ana.activity, ana.source) == (Activity.EMPLOYMENT, None)


async def open_grid(app, pilot):  # noqa: ANN001
    await until(pilot, lambda: app.screen.query_one("#caseload-table") is not None)
    await pilot.press("h")
    await until(pilot, lambda: isinstance(app.screen, HoursGridScreen))
    return app.screen.query_one(HoursGrid)


async def test_filling_a_week_for_three_clients_saves_hours_and_clears_items(seeded):
    assert work_items(seeded) == ["SN-3", "TA-1", "TA-2"]
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        grid = await open_grid(app, pilot)
        assert grid.cursor == (0, 0)  # Ana's source: none chosen yet
        # Ana: paystub, then all four weeks
        await pilot.press("p", *"32", "tab", *"40", "tab", *"38.5", "enter", *"40", "enter")
        # Ben (exempt, 20 h): timesheet, four weeks
        await pilot.press("t", *"20", "tab", *"20", "tab", *"20", "tab", *"20", "tab")
        # Cy: the source row is set from his last entry, so Tab starts on his source;
        # his first week is entered already and Tab skips it
        assert grid.cursor == (2, 0)
        await pilot.press("e", *"10", "tab", *"12", "tab", *"9", "tab")
        await until(pilot, lambda: app.due_items is not None and not any(i.rule == "work-verification" for i in app.due_items))
        title = str(app.screen.query_one("#hours-grid-title").render())
        assert "3 clients (0 still owing)" in title
    assert hours_rows(seeded) == [
        ("SN-3", 5, "work_search", 12.0, "timesheet"),
        ("SN-3", 12, "work_search", 10.0, "employer_call"),
        ("SN-3", 19, "work_search", 12.0, "employer_call"),
        ("SN-3", 26, "work_search", 9.0, "employer_call"),
        ("TA-1", 5, "employment", 32.0, "paystub"),
        ("TA-1", 12, "employment", 40.0, "paystub"),
        ("TA-1", 19, "employment", 38.5, "paystub"),
        ("TA-1", 26, "employment", 40.0, "paystub"),
        ("TA-2", 5, "employment", 20.0, "timesheet"),
        ("TA-2", 12, "employment", 20.0, "timesheet"),
        ("TA-2", 19, "employment", 20.0, "timesheet"),
        ("TA-2", 26, "employment", 20.0, "timesheet"),
    ]
    assert work_items(seeded) == []


def notes_of(app) -> list[str]:  # noqa: ANN001
    return [n.message for n in app.notice_log]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (("p", "minus", "5"), "Ana Diaz (TA-1), week of Oct 5: hours: must be between 0 and 168"),
        (("p", "a", "b", "c"), "Ana Diaz (TA-1), week of Oct 5: hours: 'abc' is not a number"),
        (("right", "right", "4", "0"), "Ana Diaz (TA-1), week of Oct 5: verification source: required"),
    ],
    ids=["negative", "not-a-number", "no-source"],
)
async def test_bad_cells_are_refused_naming_the_cell(seeded, keys, message):
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        grid = await open_grid(app, pilot)
        await pilot.press(*keys, "tab")
        await until(pilot, lambda: any(message in m for m in notes_of(app)))
        week = OCTOBER[0]
        assert grid.cursor == (0, 2)  # stays on the cell
        cell = grid.cells[(0, week)]
        assert cell.failed and cell.entry_id is None
        await pilot.press("escape")  # puts the cell back; a second Esc leaves
        assert (0, week) not in grid.cells and isinstance(app.screen, HoursGridScreen)
    assert hours_rows(seeded) == [("SN-3", 5, "work_search", 12.0, "timesheet")]


async def test_a_busy_database_keeps_the_typed_hours(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "busy.db"
    engine = open_store(resolve_url(str(path)))
    seed(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        grid = await open_grid(app, pilot)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program writing
        await pilot.press("p", "4", "0", "tab")
        await until(pilot, lambda: any("the database is busy" in m for m in notes_of(app)))
        assert grid.cursor == (0, 2) and grid.cells[(0, OCTOBER[0])].text == "40"
        other.execute("ROLLBACK")
        other.close()
        await pilot.press("enter")
        await until(pilot, lambda: grid.cursor == (0, 3))
        assert grid.cells[(0, OCTOBER[0])].entry_id is not None
    assert hours_rows(engine) == [("SN-3", 5, "work_search", 12.0, "timesheet"), ("TA-1", 5, "employment", 40.0, "paystub")]


async def test_editing_a_saved_cell_updates_its_entry(seeded):
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_grid(app, pilot)
        await pilot.press("p", "3", "0", "tab", "shift+tab", "backspace", "5", "enter")
        await until(pilot, lambda: ("TA-1", 5, "employment", 35.0, "paystub") in hours_rows(seeded))
    assert [r for r in hours_rows(seeded) if r[0] == "TA-1"] == [("TA-1", 5, "employment", 35.0, "paystub")]


async def test_reached_from_the_palette_and_the_due_item(seeded):
    from test_app_flow import wait_for_palette_results

    from caseterm.messages import DueTarget

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.due_items is not None)
        await pilot.press("ctrl+p")
        await pilot.press(*"hours grid")
        await wait_for_palette_results(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, HoursGridScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HoursGridScreen))
        ben = next(i for i in app.due_items if i.rule == "work-verification" and i.case_number == "TA-2")
        app.post_message(DueTarget(ben))
        await until(pilot, lambda: isinstance(app.screen, HoursGridScreen))
        assert app.screen.query_one(HoursGrid).cursor == (1, 0)  # Ben's row


def test_nobody_owes_hours(engine):
    clock.pin(MON)
    with session_scope(engine) as s:
        grid = hours_service.month_grid(s, MON)
    assert grid.rows == []


# -- snapshots -----------------------------------------------------------------

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_hours_grid_snapshot(seeded, snap_compare, size):  # noqa: ANN001
    from test_app_flow import settle, write_settings

    write_settings()

    async def typed(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        # Ana: two weeks saved, the third typed wrong (refused, kept, shown in error)
        await pilot.press("p", "4", "0", "tab", "3", "8", ".", "5", "tab", "x", "tab")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=size, run_before=typed)
