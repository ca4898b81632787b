"""participation (40 h/week, exempt hours) and work-search-limit (001)."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_support import D, appt, at, client, one, snap

from caseterm.vocabulary import Activity, AppointmentKind
from caseterm.rules.engine import Priority
from caseterm.rules.snapshot import HoursSnap

MON = D(2026, 11, 2)
LAST_WEEK = D(2026, 10, 26)


def week_hours(amount: float, week: dt.date = LAST_WEEK, activity: Activity = Activity.EMPLOYMENT) -> HoursSnap:
    return HoursSnap(week, activity, amount)


@pytest.mark.parametrize(
    ("entries", "exempt", "fires"),
    [
        ((24,), None, True),
        ((39.5,), None, True),
        ((40,), None, False),            # the boundary: 40 is enough
        ((20, 20), None, False),         # hours of several activities add up
        ((12,), 20, True),               # exempt: below the allowed hours
        ((20,), 20, False),
        ((), None, False),               # nothing entered: that is work-verification's
    ],
)
def test_participation(entries: tuple[float, ...], exempt: float | None, fires: bool) -> None:
    c = client(hours=tuple(week_hours(h) for h in entries), exempt_hours=exempt)
    item = one("participation", snap(c), MON)
    assert (item is not None) is fires
    if item:
        assert item.occurrence == LAST_WEEK.isoformat() and item.due == MON and not item.overdue
        assert item.priority == Priority.IMPORTANT


def test_participation_looks_at_last_week_only() -> None:
    c = client(hours=(week_hours(10, D(2026, 10, 19)), week_hours(40)))
    assert one("participation", snap(c), MON) is None
    # a week later, "last week" (Nov 2) has nothing entered: nothing for this rule
    assert one("participation", snap(client(hours=(week_hours(10),))), D(2026, 11, 9)) is None


def test_participation_clears_with_a_debriefing_or_contact_this_week() -> None:
    short = (week_hours(24),)
    debrief = appt(at(D(2026, 11, 4)), kind=AppointmentKind.DEBRIEFING)
    assert one("participation", snap(client(hours=short, appointments=(debrief,))), MON) is None
    assert one("participation", snap(client(hours=short, last_contact_at=at(MON, "09:00"))), D(2026, 11, 3)) is None
    assert one("participation", snap(client(hours=short, last_contact_at=at(D(2026, 10, 30)))), MON) is not None


def test_participation_holiday_monday_is_due_on_tuesday() -> None:
    # Monday Jan 18 2027 is MLK Day: the debrief is due Tuesday.
    c = client(hours=(week_hours(20, D(2027, 1, 11)),))
    assert one("participation", snap(c), D(2027, 1, 19)).due == D(2027, 1, 19)
    # opened on the holiday itself: listed, due the Tuesday (no item is due on a holiday, 23.4)
    assert one("participation", snap(c), D(2027, 1, 18)).due == D(2027, 1, 19)


def ws_weeks(n: int, last: dt.date = LAST_WEEK) -> tuple[HoursSnap, ...]:
    return tuple(week_hours(20, last - dt.timedelta(days=7 * i), Activity.WORK_SEARCH) for i in range(n))


@pytest.mark.parametrize(
    ("weeks", "level", "priority"),
    [(9, None, None), (10, "warn", Priority.IMPORTANT), (11, "warn", Priority.IMPORTANT),
     (12, "limit", Priority.URGENT_IMPORTANT), (15, "limit", Priority.URGENT_IMPORTANT)],
)
def test_work_search_limit(weeks: int, level: str | None, priority: Priority | None) -> None:
    item = one("work-search-limit", snap(client(hours=ws_weeks(weeks))), MON)
    assert (item.occurrence.split("-")[0] if item else None) == level
    if item:
        assert item.priority == priority and not item.overdue and item.due <= MON


def test_work_search_weeks_older_than_twelve_months_do_not_count() -> None:
    old = week_hours(20, D(2025, 10, 27), Activity.WORK_SEARCH)      # 12 months + 6 days before: out
    inside = week_hours(20, D(2025, 11, 3), Activity.WORK_SEARCH)    # just inside the window
    nine = ws_weeks(9)
    assert one("work-search-limit", snap(client(hours=nine + (old,))), MON) is None
    assert one("work-search-limit", snap(client(hours=nine + (inside,))), MON) is not None


def test_work_search_weeks_from_the_aggregated_list() -> None:
    weeks = tuple(LAST_WEEK - dt.timedelta(days=7 * i) for i in range(12))
    item = one("work-search-limit", snap(client(work_search_weeks=weeks)), MON)
    assert item is not None and item.occurrence.startswith("limit")
