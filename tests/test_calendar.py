"""Business days: weekends, US federal holidays (observed), agency closures."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseterm.rules.calendar import (
    BusinessCalendar,
    add_business_days,
    add_months,
    business_days_between,
    is_business_day,
    last_business_days,
    monday_of,
    nth_business_day,
)

D = dt.date
CAL = BusinessCalendar()


@pytest.mark.parametrize(
    ("day", "expected", "why"),
    [
        (D(2026, 11, 2), True, "a Monday"),
        (D(2026, 11, 7), False, "Saturday"),
        (D(2026, 11, 8), False, "Sunday"),
        (D(2026, 11, 11), False, "Veterans Day (Wednesday)"),
        (D(2026, 11, 26), False, "Thanksgiving"),
        (D(2026, 11, 27), True, "the Friday after Thanksgiving is not federal"),
        (D(2026, 7, 3), False, "Independence Day observed on Friday (July 4 is a Saturday)"),
        (D(2027, 7, 5), False, "Independence Day observed on Monday (July 4 is a Sunday)"),
        (D(2027, 12, 31), False, "New Year's Day 2028 observed on Friday Dec 31"),
        (D(2026, 6, 19), False, "Juneteenth"),
        (D(2026, 12, 24), True, "Christmas Eve is not federal"),
    ],
)
def test_is_business_day(day: dt.date, expected: bool, why: str) -> None:
    assert CAL.is_business_day(day) is expected, why
    assert is_business_day(day) is expected


def test_agency_closure_days() -> None:
    closed = BusinessCalendar([D(2026, 12, 24)])
    assert not closed.is_business_day(D(2026, 12, 24))
    assert closed.holiday_name(D(2026, 12, 24)) == "agency closure"
    assert closed.add_business_days(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert not is_business_day(D(2026, 12, 24), [D(2026, 12, 24)])


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 11, 2), 1, D(2026, 11, 3)),      # Monday + 1
        (D(2026, 11, 6), 1, D(2026, 11, 9)),      # Friday + 1 = Monday
        (D(2026, 11, 7), 1, D(2026, 11, 9)),      # Saturday + 1 = Monday
        (D(2026, 11, 10), 1, D(2026, 11, 12)),    # over Veterans Day
        (D(2026, 11, 25), 1, D(2026, 11, 27)),    # over Thanksgiving
        (D(2026, 11, 2), 5, D(2026, 11, 9)),      # a week, no holiday
        (D(2026, 11, 6), 5, D(2026, 11, 16)),     # a week with Veterans Day inside
        (D(2026, 11, 7), 0, D(2026, 11, 9)),      # 0 rolls a weekend forward
        (D(2026, 11, 2), 0, D(2026, 11, 2)),      # 0 keeps a business day
        (D(2026, 11, 12), -1, D(2026, 11, 10)),   # backwards over the holiday
        (D(2026, 11, 9), -1, D(2026, 11, 6)),     # Monday - 1 = Friday
    ],
)
def test_add_business_days(start: dt.date, n: int, expected: dt.date) -> None:
    assert CAL.add_business_days(start, n) == expected
    assert add_business_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 11, 2), D(2026, 11, 2), 0),
        (D(2026, 11, 2), D(2026, 11, 9), 5),
        (D(2026, 11, 6), D(2026, 11, 16), 5),   # Veterans Day inside
        (D(2026, 11, 9), D(2026, 11, 2), -5),
    ],
)
def test_business_days_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert business_days_between(start, end) == expected


def test_month_positions() -> None:
    # November 2026: the 1st is a Sunday; the 11th and 26th are holidays.
    assert nth_business_day(2026, 11, 1) == D(2026, 11, 2)
    assert nth_business_day(2026, 11, 10) == D(2026, 11, 16)
    assert nth_business_day(2026, 11, -1) == D(2026, 11, 30)
    assert nth_business_day(2026, 11, 40) is None
    assert last_business_days(2026, 11, 5) == (D(2026, 11, 23), D(2026, 11, 24), D(2026, 11, 25), D(2026, 11, 27), D(2026, 11, 30))
    assert CAL.business_day_index(D(2026, 11, 12)) == 8
    assert CAL.business_day_index(D(2026, 11, 11)) is None
    # January 2027: the 1st is a holiday (Friday); first business day is Monday the 4th.
    assert nth_business_day(2027, 1, 1) == D(2027, 1, 4)


def test_plain_date_helpers() -> None:
    assert monday_of(D(2026, 11, 8)) == D(2026, 11, 2)
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 11, 15), -12) == D(2025, 11, 15)


days = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))
closures = st.lists(st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31)), max_size=5)


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=0, max_value=40), closures)
def test_adding_never_lands_on_a_non_business_day(day: dt.date, n: int, closed: list[dt.date]) -> None:
    cal = BusinessCalendar(closed)
    result = cal.add_business_days(day, n)
    assert cal.is_business_day(result)
    assert result >= day
    if n > 0:
        assert result > day
        assert cal.business_days_between(day, result) == n


@settings(max_examples=200, deadline=None)
@given(days, days, st.integers(min_value=0, max_value=25))
def test_adding_is_monotonic(a: dt.date, b: dt.date, n: int) -> None:
    first, second = sorted((a, b))
    assert CAL.add_business_days(first, n) <= CAL.add_business_days(second, n)


@settings(max_examples=100, deadline=None)
@given(days, st.integers(min_value=1, max_value=25))
def test_backwards_undoes_forwards_on_business_days(day: dt.date, n: int) -> None:
    start = CAL.next_business_day(day)
    assert CAL.add_business_days(CAL.add_business_days(start, n), -n) == start


@settings(max_examples=100, deadline=None)
@given(days, st.integers(min_value=1, max_value=8))
def test_last_business_days_are_business_days_at_the_end(day: dt.date, n: int) -> None:
    last = CAL.last_business_days(day.year, day.month, n)
    assert len(last) == n
    assert all(CAL.is_business_day(d) and d.month == day.month for d in last)
    assert CAL.business_days_between(last[-1], add_months(day.replace(day=1), 1) - dt.timedelta(days=1)) == 0


@pytest.mark.parametrize(
    ("day", "rule", "counted", "why"),
    [
        (dt.date(2026, 12, 18), "before", dt.date(2026, 12, 18), ""),                     # a Friday: unmoved
        (dt.date(2026, 12, 19), "before", dt.date(2026, 12, 18), "a Saturday"),
        (dt.date(2026, 12, 20), "before", dt.date(2026, 12, 18), "a Sunday"),
        (dt.date(2026, 12, 20), "after", dt.date(2026, 12, 21), "a Sunday"),
        (dt.date(2026, 12, 20), "as-is", dt.date(2026, 12, 20), ""),              # kept: nothing to say
        (dt.date(2026, 12, 25), "before", dt.date(2026, 12, 24), "Christmas Day"),
        (dt.date(2027, 1, 18), "after", dt.date(2027, 1, 19), "Martin Luther King Jr. Day"),
    ],
)
def test_deadline_off_a_non_business_day(day: dt.date, rule: str, counted: dt.date, why: str) -> None:
    from caseterm.rules.calendar import BusinessCalendar

    cal = BusinessCalendar()
    assert cal.moved_deadline(day, rule) == (counted, why)
    assert cal.deadline(day, rule) == counted


def test_a_closure_day_says_so() -> None:
    from caseterm.rules.calendar import BusinessCalendar

    cal = BusinessCalendar([dt.date(2026, 12, 24)])
    assert cal.moved_deadline(dt.date(2026, 12, 24), "before") == (dt.date(2026, 12, 23), "an agency closure day")
