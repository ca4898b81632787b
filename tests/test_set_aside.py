"""23.10: the snoozed and dismissed due items, listed with undo (service and pilot)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from test_app_flow import settle, until

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client
from caseterm.screens.set_aside import SetAsideScreen
from caseterm.services import due
from caseterm.services.snooze import set_aside, undo
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, DueAction
from caseterm.widgets.prompts import SnoozePrompt

NOW = dt.datetime(2026, 11, 2, 10, 0)  # a Monday
TODAY = NOW.date()


@pytest.fixture
def two(engine: Engine) -> Engine:
    """Kate and Lee each missed an FSSP: each has a missed-activity item and an engagement item."""
    clock.pin(TODAY, NOW.time())
    with session_scope(engine) as s:
        for case, name in (("TA-1", "Kate"), ("TA-2", "Lee")):
            client = Client(case_number=case, legal_name=f"{name} Example", preferred_name=name, program="TANF")
            s.add(client)
            s.flush()
            s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 10, 29, 8, 30),
                              kind=AppointmentKind.FSSP, status=AppointmentStatus.NO_SHOW))
    return engine


def items(engine: Engine, case: str, rule: str) -> list:
    with session_scope(engine) as s:
        return [i for i in due.due_items(s, TODAY) if i.case_number == case and i.rule == rule]


def test_set_aside_lists_current_snoozes_and_dismissals_and_undo_brings_them_back(two: Engine) -> None:
    [kate] = items(two, "TA-1", "missed-activity")
    [lee] = items(two, "TA-2", "engagement")
    with session_scope(two) as s:
        due.snooze(s, kate.key, TODAY + dt.timedelta(days=3))
        due.dismiss(s, lee.key, "moved out of state")
    assert not items(two, "TA-1", "missed-activity") and not items(two, "TA-2", "engagement")
    with session_scope(two) as s:
        listed = set_aside(s, TODAY)
    assert [(e.client, e.label, e.action, e.until, e.reason) for e in listed] == [
        ("Lee", "Engagement attempts", DueAction.DISMISSED, None, "moved out of state"),
        ("Kate", "No-show: engagement contact", DueAction.SNOOZED, TODAY + dt.timedelta(days=3), ""),
    ]
    # A snooze that has run out is not set aside any more.
    with session_scope(two) as s:
        assert [e.client for e in set_aside(s, TODAY + dt.timedelta(days=3))] == ["Lee"]

    with session_scope(two) as s:
        undo(s, lee.key, TODAY)
    assert items(two, "TA-2", "engagement")  # back on the due list
    with session_scope(two) as s:
        assert [e.client for e in set_aside(s, TODAY)] == ["Kate"]
        with pytest.raises(BadInput, match="not snoozed or dismissed"):
            undo(s, lee.key, TODAY)  # undone once is enough
        with pytest.raises(BadInput, match="not snoozed or dismissed"):
            undo(s, "missed-activity|TA-9|x", TODAY)


async def test_snooze_in_the_due_list_then_u_lists_it_and_enter_undoes(two: Engine) -> None:
    app = CasetermApp(two, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.screen.query_one("#due-list").focus()
        await pilot.pause()
        item = app.screen.query_one("DueToday").current
        assert item is not None
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, SnoozePrompt))
        await pilot.press("1", "enter")  # the first quick choice: tomorrow
        await until(pilot, lambda: all(i.key != item.key for i in app.due_items or []))

        await pilot.press("u")  # from the due list
        await until(pilot, lambda: isinstance(app.screen, SetAsideScreen) and app.screen.entries)
        screen = app.screen
        assert [e.item_key for e in screen.entries] == [item.key]
        shown = str(screen.query_one("#set-aside-list").get_option_at_index(0).prompt)
        name = {"TA-1": "Kate", "TA-2": "Lee"}.get(item.case_number, "caseload")
        assert "snoozed until Tue Nov 03" in shown and name in shown, shown

        await pilot.press("enter")
        await until(pilot, lambda: any(i.key == item.key for i in app.due_items or []))
        assert screen.entries == []
        assert "Nothing is snoozed or dismissed." in str(screen.query_one("#set-aside-list").get_option_at_index(0).prompt)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SetAsideScreen))
