"""23.7: the hours grid says met or short in words, per week and for the month, and a week
that straddles the month's start or end counts in the month by its workdays there."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from test_app_flow import settle, until

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Client, HoursEntry
from caseterm.screens.hours_grid import HoursGrid, HoursGridScreen
from caseterm.services import hours as hours_service
from caseterm.store import session_scope
from caseterm.vocabulary import Activity, VerifiedBy

DEC7 = dt.date(2026, 12, 7)  # November's hours are verified now
NOV = {2: 40.0, 9: 40.0, 23: 32.0, 30: 40.0}  # Nov 16 not entered yet; Nov 30 is Mon: one November workday


@pytest.fixture
def ana(engine):  # noqa: ANN001
    clock.pin(DEC7, dt.time(9, 0))
    with session_scope(engine) as s:
        client = Client(case_number="TA-1", legal_name="Ana Diaz", program="TANF", initial_contact_date=dt.date(2026, 1, 5))
        s.add(client)
        s.flush()
        for day, hours in NOV.items():
            s.add(HoursEntry(client_id=client.id, week=dt.date(2026, 11, day), activity=Activity.EMPLOYMENT,
                             hours=hours, verified_by=VerifiedBy.PAYSTUB))
        # The week of Sep 28 (entered with September) has two October workdays.
        s.add(HoursEntry(client_id=client.id, week=dt.date(2026, 9, 28), activity=Activity.EMPLOYMENT,
                         hours=40, verified_by=VerifiedBy.PAYSTUB))
    return engine


def test_week_share_is_its_workdays_in_the_month() -> None:
    assert hours_service.week_share(dt.date(2026, 11, 30), dt.date(2026, 11, 1)) == pytest.approx(0.2)
    assert hours_service.week_share(dt.date(2026, 11, 30), dt.date(2026, 12, 1)) == pytest.approx(0.8)
    assert hours_service.week_share(dt.date(2026, 9, 28), dt.date(2026, 10, 1)) == pytest.approx(0.4)
    assert hours_service.week_share(dt.date(2026, 10, 26), dt.date(2026, 11, 1)) == 0  # only Sunday Nov 1
    assert hours_service.week_share(dt.date(2026, 11, 9), dt.date(2026, 11, 1)) == 1


def test_november_counts_the_week_of_nov_30_as_a_fifth(ana) -> None:  # noqa: ANN001
    with session_scope(ana) as s:
        grid = hours_service.month_grid(s, DEC7)
    assert grid.month == dt.date(2026, 11, 1) and grid.lead_in is None
    [row] = grid.rows
    assert grid.required_total(row) == pytest.approx(40 * 4.2)  # not 5 full weeks (200)
    assert grid.hours_total(row) == pytest.approx(40 + 40 + 0 + 32 + 40 * 0.2)
    assert not grid.month_met(row)
    met = {w.day: grid.week_met(row, w) for w in grid.weeks}
    assert met == {2: True, 9: True, 16: None, 23: False, 30: True}


def test_october_counts_the_lead_in_week_of_sep_28(ana) -> None:  # noqa: ANN001
    with session_scope(ana) as s:
        grid = hours_service.month_grid(s, dt.date(2026, 11, 2))
    assert grid.month == dt.date(2026, 10, 1) and grid.lead_in == dt.date(2026, 9, 28)
    [row] = grid.rows
    assert grid.required_total(row) == pytest.approx(40 * 4.4)  # Oct 1-2 of that week, then four full weeks
    assert grid.hours_total(row) == pytest.approx(40 * 0.4)


async def test_the_grid_says_met_and_short_in_words(ana) -> None:  # noqa: ANN001
    app = CasetermApp(ana, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HoursGridScreen))
        await settle(pilot)
        line = str(app.screen.query_one("#hours-grid-row").render())
        assert "Nov 23: 32 h short 8" in line and "Nov 2: 40 h met" in line and "Nov 16: not entered" in line
        assert "Nov 30 (1 of 5 workdays in November): 40 h met" in line
        assert "November: 120 of 168 h, short 48" in line
        rendered = str(app.screen.query_one(HoursGrid).render())
        assert "120/168 short 48" in rendered and "✓" not in rendered
