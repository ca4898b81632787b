"""The client file's HMIS tab (real keys through App.run_test): `]` reaches it and it shows the client's
HUD data; a due item of an hmis-* rule opens the file on that tab, with its form."""

from __future__ import annotations

import datetime as dt

from test_app_flow import screen_text, settle

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.screens.client import TABS, ClientScreen
from caseterm.services import demo
from caseterm.store import session_scope

TODAY = dt.date(2026, 12, 7)


async def test_hmis_tab_shows_enrollments_and_elements(engine) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.open_client("HF-10843")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        for _ in range([t for t, _ in TABS].index("hmis")):
            await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.active_tab == "hmis"
        shown = screen_text(app)
        assert "Riverside Housing First PSH: since" in shown, shown
        assert "Employment Services (TANF, SNAP E&T):" in shown  # the earlier stay
        assert "Name quality " in shown and "SSN quality " in shown
        assert "hmis enroll HF-10843 --project" in shown


async def test_an_hmis_due_item_opens_the_hmis_tab(engine) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        item = next(i for i in app.due_items if i.rule == "hmis-exit")
        from caseterm.messages import DueTarget

        app.post_message(DueTarget(item))
        await settle(pilot)
        # the exit form opens over the file's HMIS tab (test_hmis_forms fills it)
        from caseterm.widgets.record_form import RecordForm

        assert isinstance(app.screen, RecordForm) and app.screen.form_title.startswith("HMIS exit")
        under = app.screen_stack[-2]
        assert isinstance(under, ClientScreen) and under.active_tab == "hmis"
        assert "Employment Services" in screen_text(app)
