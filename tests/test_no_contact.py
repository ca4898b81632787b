"""Finding who has not been reached (issue 23.5): sorting, the window, one definition."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from test_app_flow import TODAY, seeded, settle, until  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.services.caseload import CaseloadRow, QuickFilter, filter_rows, parse_no_contact_days, quick_counts, sort_rows
from caseterm.vocabulary import ClientStatus

import pytest


def row(case_number: str, last: int | None, status: ClientStatus = ClientStatus.OPEN, name: str = "") -> CaseloadRow:
    return CaseloadRow(
        case_number=case_number, name=name or case_number, legal_name=name or case_number, program="TANF", status=status,
        penalty=False, exempt=False, remote=False, dv=False, close_pending=False,
        last_contact=None if last is None else TODAY - dt.timedelta(days=last), next_appointment=None,
    )


ROWS = [
    row("A-1", 3), row("A-2", None, name="Ahmed Ali"), row("A-3", 40), row("A-4", 15),
    row("Z-1", 90, ClientStatus.CLOSED), row("Z-2", None, ClientStatus.DENIED), row("A-5", None, name="Bea"),
]


def test_never_contacted_is_the_oldest_contact_and_closed_cases_go_last() -> None:
    oldest_first = [r.case_number for r in sort_rows(ROWS, "last_contact")]
    assert oldest_first == ["A-2", "A-5", "A-3", "A-4", "A-1", "Z-2", "Z-1"]
    newest_first = [r.case_number for r in sort_rows(ROWS, "last_contact", reverse=True)]
    assert newest_first == ["A-1", "A-4", "A-3", "A-2", "A-5", "Z-1", "Z-2"]
    # Every other column: ended cases after the open ones in both directions too.
    for column in ("name", "case_number", "due", "next_appointment"):
        for reverse in (False, True):
            statuses = [r.status for r in sort_rows(ROWS, column, reverse)]
            assert set(statuses[-2:]) == {ClientStatus.CLOSED, ClientStatus.DENIED}, (column, reverse)


def test_the_window_is_the_user_s_and_the_count_matches_the_filter() -> None:
    for days, expected in ((14, {"A-2", "A-3", "A-4", "A-5"}), (30, {"A-2", "A-3", "A-5"}), (2, {"A-1", "A-2", "A-3", "A-4", "A-5"})):
        shown = {r.case_number for r in filter_rows(ROWS, QuickFilter.NO_CONTACT, "", TODAY, days)}
        assert shown == expected
        assert quick_counts(ROWS, TODAY, days)[QuickFilter.NO_CONTACT] == len(expected)
    assert parse_no_contact_days(" 30 ") == 30 and parse_no_contact_days("45d") == 45
    for bad in ("", "0", "-3", "two weeks", "99999999999999999999"):
        with pytest.raises(BadInput, match="No-contact window"):
            parse_no_contact_days(bad)


def test_the_team_screen_counts_no_contact_as_the_caseload_does(seeded: Engine) -> None:  # noqa: F811
    from caseterm.services import team
    from caseterm.services.caseload import caseload_rows
    from caseterm.store import session_scope

    with session_scope(seeded) as s:
        rows, days, _ = team.overview(s, TODAY)
        caseload = caseload_rows(s, TODAY)
        s.execute(__import__("sqlalchemy").text("UPDATE client SET status = 'closed' WHERE case_number = 'TA-1003'"))
    with session_scope(seeded) as s:
        rows, days, _ = team.overview(s, TODAY)
        caseload = caseload_rows(s, TODAY)
    assert sum(r.no_contact for r in rows) == quick_counts(caseload, TODAY, days)[QuickFilter.NO_CONTACT]


async def test_n_again_asks_for_the_window(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("n")
        await pilot.pause()
        assert screen.quick is QuickFilter.NO_CONTACT
        before = {r.case_number for r in screen.visible_rows()}
        await pilot.press("n")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("ctrl+a", "ctrl+k", "4", "enter")  # clear the prefilled window, type 4
        await until(pilot, lambda: app.screen is screen)
        assert screen.no_contact_days == 4
        after = {r.case_number for r in screen.visible_rows()}
        assert before < after  # Lena, reached 5 days ago, is now in
        assert "no contact 4d" in str(screen.query_one("#quick-bar").render())


async def test_down_from_a_one_match_filter_moves_into_the_list(seeded: Engine) -> None:  # noqa: F811
    """`w` after ↓ writes a note for the match; it is not filter text (issue 23.9)."""
    from caseterm.screens.caseload import CaseloadTable
    from caseterm.screens.note import NoteScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *"lena", "down")
        table = screen.query_one(CaseloadTable)
        assert app.focused is table
        assert [r.case_number for r in screen.visible_rows()] == ["TA-1004"]
        assert screen.query_one("#caseload-filter").value == "lena"
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        assert app.screen.case_number == "TA-1004"


async def test_slash_and_a_name_in_one_burst_all_land_in_the_filter(seeded: Engine) -> None:  # noqa: F811
    """A fast typist's "/lena": every key is queued before "/" is handled; none is lost or run as a command."""
    from textual import events

    from caseterm.screens.caseload import CaseloadScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        for ch in "/lena":
            app.post_message(events.Key("slash" if ch == "/" else ch, ch))  # all queued at once
        # the box's text first, then the list it filters (Input.Changed is handled a moment later)
        await until(pilot, lambda: screen.query_one("#caseload-filter").value == "lena")
        await until(pilot, lambda: [r.case_number for r in screen.visible_rows()] == ["TA-1004"])
        assert app.screen is screen and isinstance(screen, CaseloadScreen)
        assert screen.query_one("#caseload-filter").value == "lena"
        assert [r.case_number for r in screen.visible_rows()] == ["TA-1004"]
