"""dv-home-visit in the TUI: the item leads the morning, Enter opens the client's
appointments, and it goes away once the visit is moved to the office."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from test_app_flow import TODAY, seeded, settle, until  # noqa: F401 - the fixture

from caseterm.app import CasetermApp
from caseterm.models import Appointment, Client
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, Place


async def test_a_dv_clients_home_visit_is_listed_first_and_enter_opens_the_appointments(seeded: Engine) -> None:  # noqa: F811
    from caseterm.messages import DataChanged
    from caseterm.screens.client import ClientScreen
    from caseterm.widgets.due_today import DueList, DueToday

    with session_scope(seeded) as s:
        bob = s.execute(sa.select(Client).where(Client.case_number == "HF-2001")).scalar_one()
        visit = Appointment(client_id=bob.id, start=dt.datetime.combine(TODAY + dt.timedelta(days=2), dt.time(11)),
                            kind=AppointmentKind.HOME_VISIT, place=Place.HOME)
        s.add(visit)
        s.flush()
        visit_id = visit.id

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(DueToday)
        app.screen.query_one(DueList).focus()
        await until(pilot, lambda: sidebar.current is not None)
        # Safety first: priority 1 in the morning routine, ahead of the reminder calls.
        assert sidebar.current.rule == "dv-home-visit"
        assert sidebar.current.title == "Move Bob's home visit of Wed Nov 4 to the office"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.active_tab == "appointments")
        assert app.screen.case_number == "HF-2001" and app.screen.active_tab == "appointments"

        # Moved to the office: the item clears itself.
        with session_scope(seeded) as s:
            row = s.get(Appointment, visit_id)
            row.kind, row.place = AppointmentKind.FSSP, Place.OFFICE
        app.post_message(DataChanged())
        await settle(pilot)
        await until(pilot, lambda: not any(i.rule == "dv-home-visit" for i in app.due_items))
        assert not any(i.rule == "dv-home-visit" for i in app.due_items)


async def test_the_quick_log_offers_no_home_visit_for_a_dv_household(seeded: Engine) -> None:  # noqa: F811
    """004: no home visits when domestic violence in the home is reported; the quick log does not offer one."""
    from caseterm.screens.client import ClientScreen
    from caseterm.vocabulary import ContactMethod
    from caseterm.widgets.quick_log import QuickLog

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for case_number, offered in (("HF-2001", False), ("TA-1001", True)):  # Bob has DV in the home; Mari not
            app.open_client(case_number)
            await until(pilot, lambda: isinstance(app.screen, ClientScreen))
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, QuickLog))
            log = app.screen
            assert bool(log.query("#ql-method-h")) is offered
            await pilot.press("h")
            await pilot.pause()
            assert (log.method is ContactMethod.HOME_VISIT) is offered
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, ClientScreen))
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ClientScreen))
        assert any("No home visits" in n.message for n in app.notice_log)
