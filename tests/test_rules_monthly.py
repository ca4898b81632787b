"""work-verification, childcare, close-case, home-visits (001, 004) and the month phases."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from rules_support import D, appt, at, client, one, run_rule, snap

from caseterm.vocabulary import Activity, AppointmentKind, AppointmentStatus, ClientStatus
from caseterm.policy import DayUnit, load_policy
from caseterm.rules.engine import Priority
from caseterm.rules.monthly import in_childcare_phase, in_verification_phase, weeks_of_month
from caseterm.rules.snapshot import HoursSnap

OCT_WEEKS = [D(2026, 10, 5), D(2026, 10, 12), D(2026, 10, 19), D(2026, 10, 26)]
SEP_WEEKS = [D(2026, 9, 7), D(2026, 9, 14), D(2026, 9, 21), D(2026, 9, 28)]


def hours(weeks: list[dt.date], amount: float = 40) -> tuple[HoursSnap, ...]:
    return tuple(HoursSnap(w, Activity.EMPLOYMENT, amount) for w in weeks)


def test_weeks_of_month() -> None:
    assert list(weeks_of_month(D(2026, 10, 1))) == OCT_WEEKS
    assert list(weeks_of_month(D(2026, 11, 1))) == [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16), D(2026, 11, 23), D(2026, 11, 30)]


# -- phases ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "calendar_days", "business_days"),
    [
        (D(2026, 11, 2), True, True),
        (D(2026, 11, 10), True, True),
        (D(2026, 11, 11), False, False),   # Veterans Day is no business day
        (D(2026, 11, 13), False, True),    # business day 9
        (D(2026, 11, 16), False, True),    # business day 10
        (D(2026, 11, 17), False, False),
    ],
)
def test_verification_phase_units(day: dt.date, calendar_days: bool, business_days: bool) -> None:
    policy = load_policy()
    assert in_verification_phase(day, policy) is calendar_days
    business = dataclasses.replace(
        policy, month_phase=dataclasses.replace(policy.month_phase, work_verification_day_unit=DayUnit.BUSINESS_DAYS)
    )
    assert in_verification_phase(day, business) is business_days


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2026, 11, 20), False), (D(2026, 11, 23), True), (D(2026, 11, 26), False), (D(2026, 11, 30), True)],
)
def test_childcare_phase(day: dt.date, expected: bool) -> None:
    assert in_childcare_phase(day, load_policy()) is expected


# -- work-verification (001) -------------------------------------------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue", "priority"),
    [
        (D(2026, 11, 2), True, False, Priority.IMPORTANT),          # business day 1, in the phase
        (D(2026, 11, 19), True, False, Priority.URGENT_IMPORTANT),  # after the phase, before the 20th
        (D(2026, 11, 20), True, False, Priority.URGENT_IMPORTANT),  # the deadline
        (D(2026, 11, 21), True, True, Priority.URGENT_IMPORTANT),   # the day after
    ],
)
def test_work_verification_deadline(day: dt.date, fires: bool, overdue: bool, priority: Priority) -> None:
    c = client(hours=hours(SEP_WEEKS + OCT_WEEKS[:2]))
    item = one("work-verification", snap(c), day)
    assert item is not None
    assert item.due == D(2026, 11, 20) and item.overdue is overdue and item.priority == priority
    assert "October" in item.title and "2 of 4 weeks missing" in item.title
    assert item.occurrence == "2026-10" and item.target["screen"] == "hours"


def test_before_the_first_business_day_the_previous_month_is_still_verified() -> None:
    # Sunday Nov 1 is before business day 1: October's verification (September hours) still runs.
    c = client(hours=hours(OCT_WEEKS))
    item = one("work-verification", snap(c), D(2026, 11, 1))
    assert item is not None and item.occurrence == "2026-09" and item.overdue
    assert one("work-verification", snap(client(hours=hours(SEP_WEEKS))), D(2026, 11, 1)) is None


def test_work_verification_clears_when_hours_are_entered() -> None:
    assert one("work-verification", snap(client(hours=hours(OCT_WEEKS))), D(2026, 11, 2)) is None


def test_work_verification_only_participating_open_cases() -> None:
    assert one("work-verification", snap(client(program="Housing First")), D(2026, 11, 2)) is None
    assert one("work-verification", snap(client(status=ClientStatus.CLOSED)), D(2026, 11, 2)) is None
    # a client who started mid-October owes only the weeks since
    late = client(initial_contact_date=D(2026, 10, 20), hours=hours([D(2026, 10, 26)]))
    assert one("work-verification", snap(late), D(2026, 11, 2)).title.count("1 of 4 weeks missing") == 1


# -- childcare (001) ---------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "month", "due", "overdue"),
    [
        (D(2026, 11, 20), "2026-10", D(2026, 10, 30), True),   # before the window: October's, if not done
        (D(2026, 11, 23), "2026-11", D(2026, 11, 30), False),  # first of the last 5 business days
        (D(2026, 11, 30), "2026-11", D(2026, 11, 30), False),  # the last business day
        (D(2026, 12, 1), "2026-11", D(2026, 11, 30), True),    # the day after
    ],
)
def test_childcare(day: dt.date, month: str, due: dt.date, overdue: bool) -> None:
    item = one("childcare", snap(client(needs_childcare=True)), day)
    assert item is not None and (item.occurrence, item.due, item.overdue) == (month, due, overdue)
    assert one("childcare", snap(client()), day) is None


# -- close-case (001) --------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "overdue", "priority", "words"),
    [
        (D(2026, 11, 2), False, Priority.NOT_TIME_LIMITED, "after Fri Nov 20"),
        (D(2026, 11, 20), False, Priority.NOT_TIME_LIMITED, "after Fri Nov 20"),
        (D(2026, 11, 23), False, Priority.URGENT_IMPORTANT, "now"),   # the first business day after the 20th
        (D(2026, 11, 24), True, Priority.URGENT_IMPORTANT, "now"),
    ],
)
def test_close_case(day: dt.date, overdue: bool, priority: Priority, words: str) -> None:
    c = client(close_pending=True, hours=hours(OCT_WEEKS))
    item = one("close-case", snap(c), day)
    assert item is not None and item.due == D(2026, 11, 23)
    assert item.overdue is overdue and item.priority == priority and words in item.title


def test_close_case_asks_for_last_months_hours_first_and_clears_when_closed() -> None:
    item = one("close-case", snap(client(close_pending=True)), D(2026, 11, 23))
    assert "enter October activities (4 weeks missing)" in item.title and item.target["screen"] == "hours"
    assert one("close-case", snap(client(close_pending=True, status=ClientStatus.CLOSED)), D(2026, 11, 23)) is None


# -- home-visits (004) -------------------------------------------------------

HF = "Housing First"


@pytest.mark.parametrize(
    ("day", "fires", "due", "overdue"),
    [
        (D(2026, 11, 1), False, None, False),                  # Sunday before business day 1
        (D(2026, 11, 2), True, D(2026, 11, 2), False),         # business day 1
        (D(2026, 11, 3), True, D(2026, 11, 2), True),
        (D(2027, 1, 1), False, None, False),                   # New Year's Day
        (D(2027, 1, 4), True, D(2027, 1, 4), False),           # first business day after the holiday
    ],
)
def test_home_visits(day: dt.date, fires: bool, due: dt.date | None, overdue: bool) -> None:
    item = one("home-visits", snap(client(program=HF)), day)
    assert (item is not None) is fires
    if item:
        assert item.due == due and item.overdue is overdue and item.target["kind"] == "home_visit"


def test_home_visits_cleared_by_a_booking_never_for_dv_or_other_programs() -> None:
    booked = appt(at(D(2026, 11, 18), "11:00"), kind=AppointmentKind.HOME_VISIT)
    assert one("home-visits", snap(client(program=HF, appointments=(booked,))), D(2026, 11, 2)) is None
    cancelled = appt(at(D(2026, 11, 18)), kind=AppointmentKind.HOME_VISIT, status=AppointmentStatus.CANCELLED)
    assert one("home-visits", snap(client(program=HF, appointments=(cancelled,))), D(2026, 11, 2)) is not None
    assert one("home-visits", snap(client(program=HF, dv_in_home=True)), D(2026, 11, 2)) is None
    assert run_rule("home-visits", snap(client(program="TANF")), D(2026, 11, 2)) == []
