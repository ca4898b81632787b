"""work-verification, childcare, close-case, home-visits (001, 004) and the month phases."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from rules_support import D, appt, at, client, one, run_rule, snap, with_policy

from caseterm.vocabulary import Activity, AppointmentKind, AppointmentStatus, ClientStatus, Place
from caseterm.rules.engine import RoutineGroup
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


def test_a_home_visit_that_happened_is_the_month_s_home_visit() -> None:
    """A home-visit note that reached the client clears the month's item, booked or not (23.3)."""
    from rules_support import note

    from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

    day = D(2026, 11, 20)
    visit = note(at(D(2026, 11, 12)), NoteType.HOME_VISIT, ContactMethod.HOME_VISIT, ContactOutcome.REACHED)
    assert one("home-visits", snap(client(program=HF, notes=(visit,)), day=day), day) is None
    by_method = note(at(D(2026, 11, 12)), NoteType.CONTACT, ContactMethod.HOME_VISIT, ContactOutcome.REACHED)
    assert one("home-visits", snap(client(program=HF, notes=(by_method,)), day=day), day) is None
    # Not this month's, or nobody home: the item stays.
    last_month = note(at(D(2026, 10, 28)), NoteType.HOME_VISIT, ContactMethod.HOME_VISIT, ContactOutcome.REACHED)
    nobody = note(at(D(2026, 11, 12)), NoteType.HOME_VISIT, ContactMethod.HOME_VISIT, ContactOutcome.NO_ANSWER)
    for n in (last_month, nobody):
        assert one("home-visits", snap(client(program=HF, notes=(n,)), day=day), day) is not None


# -- dv-home-visit (004): move a DV-flagged client's home visit to the office --

HF = "Housing First"
VISIT_DAY = D(2026, 12, 9)   # Wed Dec 9


@pytest.mark.parametrize(
    ("day", "fires"),
    [
        (D(2026, 12, 8), True),    # the day before the visit
        (D(2026, 12, 9), True),    # the day of the visit (still scheduled)
        (D(2026, 12, 10), False),  # the day after: no longer a future visit
    ],
)
def test_dv_home_visit(day: dt.date, fires: bool) -> None:
    visit = appt(at(VISIT_DAY, "11:00"), kind=AppointmentKind.HOME_VISIT, place=Place.HOME)
    c = client(name="Dana", program=HF, dv_in_home=True, appointments=(visit,))
    item = one("dv-home-visit", snap(c), day)
    assert (item is not None) is fires
    if item:
        assert item.title == "Move Dana's home visit of Wed Dec 9 to the office"
        assert (item.due, item.overdue, item.priority) == (day, False, Priority.URGENT_IMPORTANT)
        assert item.source == "004" and item.group is RoutineGroup.MORNING
        assert item.target == {"screen": "client", "tab": "appointments", "appointment_id": visit.id, "case_number": "TA-1"}
        assert item.key == f"dv-home-visit|TA-1|appt{visit.id}"


@pytest.mark.parametrize(
    ("kind", "place", "status", "fires"),
    [
        (AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.SCHEDULED, True),
        (AppointmentKind.HOME_VISIT, Place.OFFICE, AppointmentStatus.SCHEDULED, True),   # kind says home visit
        (AppointmentKind.FSSP, Place.HOME, AppointmentStatus.SCHEDULED, True),           # place says home
        (AppointmentKind.FSSP, Place.OFFICE, AppointmentStatus.SCHEDULED, False),        # moved to the office
        (AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.CANCELLED, False),
        (AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.RESCHEDULED, False),
    ],
)
def test_dv_home_visit_cleared_when_moved_or_cancelled(kind, place, status, fires: bool) -> None:
    visit = appt(at(VISIT_DAY, "11:00"), kind=kind, place=place, status=status)
    c = client(name="Dana", program=HF, dv_in_home=True, appointments=(visit,))
    item = one("dv-home-visit", snap(c), D(2026, 12, 1))
    assert (item is not None) is fires
    if item and kind is AppointmentKind.FSSP:
        assert item.title == "Move Dana's FSSP at home of Wed Dec 9 to the office"


def test_dv_home_visit_only_for_dv_flagged_clients_and_every_visit() -> None:
    visits = tuple(appt(at(d, "11:00"), kind=AppointmentKind.HOME_VISIT, place=Place.HOME) for d in (VISIT_DAY, D(2027, 3, 1)))
    assert run_rule("dv-home-visit", snap(client(program=HF, appointments=visits)), D(2026, 12, 1)) == []
    items = run_rule("dv-home-visit", snap(client(program=HF, dv_in_home=True, appointments=visits)), D(2026, 12, 1))
    assert len(items) == 2


def test_home_visits_never_suggested_for_dv_even_with_a_visit_booked() -> None:
    visit = appt(at(D(2026, 12, 9), "11:00"), kind=AppointmentKind.HOME_VISIT, place=Place.HOME)
    for day in (D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 2)):
        assert one("home-visits", snap(client(program=HF, dv_in_home=True)), day) is None
        assert one("home-visits", snap(client(program=HF, dv_in_home=True, appointments=(visit,))), day) is None


def test_a_visit_at_home_of_another_kind_books_the_months_home_visit() -> None:
    at_home = appt(at(D(2026, 11, 9), "11:00"), kind=AppointmentKind.CASE_PLAN_REVIEW, place=Place.HOME)
    assert one("home-visits", snap(client(program=HF, appointments=(at_home,))), D(2026, 11, 2)) is None


# -- carry-over only from enrollment (DOMAIN.md) -------------------------------

@pytest.mark.parametrize(
    ("first_contact", "owes_october"),
    [
        (D(2026, 10, 30), True),   # enrolled before October's end
        (D(2026, 10, 31), True),   # on its last day
        (D(2026, 11, 1), False),   # the day after: nothing owed for October
        (D(2026, 11, 2), False),   # the example
    ],
)
def test_childcare_carry_over_only_for_clients_enrolled_that_month(first_contact: dt.date, owes_october: bool) -> None:
    c = client(needs_childcare=True, initial_contact_date=first_contact, referral_date=first_contact)
    item = one("childcare", snap(c), D(2026, 11, 3))
    assert (item is not None) is owes_october
    if item:
        assert "October end-of-month" in item.title


def test_childcare_enrollment_counts_from_the_earliest_of_referral_and_contact() -> None:
    c = client(needs_childcare=True, referral_date=D(2026, 10, 20), initial_contact_date=D(2026, 11, 2))
    assert one("childcare", snap(c), D(2026, 11, 3)) is not None


@pytest.mark.parametrize(
    ("first_contact", "missing"),
    [
        (D(2026, 10, 31), 1),      # the week of Oct 26 ends Sun Nov 1: owed
        (D(2026, 11, 1), 1),       # enrolled on its last day: still owed
        (D(2026, 11, 2), 0),       # after it: October owes nothing
    ],
)
def test_work_verification_only_for_weeks_since_enrollment(first_contact: dt.date, missing: int) -> None:
    c = client(initial_contact_date=first_contact)
    item = one("work-verification", snap(c), D(2026, 11, 3))
    assert (item is not None) is bool(missing)
    if item:
        assert f"{missing} of 4 weeks missing" in item.title


@pytest.mark.parametrize(
    ("day", "fires", "due", "overdue"),
    [
        (D(2026, 11, 15), False, None, False),           # the day before enrollment
        (D(2026, 11, 16), True, D(2026, 11, 16), False),  # enrolled today: due today, not since Nov 2
        (D(2026, 11, 17), True, D(2026, 11, 16), True),   # the day after
    ],
)
def test_home_visits_for_a_client_enrolled_during_the_month(day: dt.date, fires: bool, due, overdue: bool) -> None:
    c = client(program=HF, initial_contact_date=D(2026, 11, 16), referral_date=D(2026, 11, 16))
    item = one("home-visits", snap(c), day)
    assert (item is not None) is fires
    if item:
        assert (item.due, item.overdue) == (due, overdue)


# -- deadlines on non-business days (policy deadlines.weekend_rule) ----------

@pytest.mark.parametrize(
    ("day", "overdue"),
    [
        (D(2026, 12, 17), False),  # the day before the moved deadline
        (D(2026, 12, 18), False),  # Fri Dec 18: the deadline (the 20th is a Sunday)
        (D(2026, 12, 19), True),   # the day after
    ],
)
def test_work_verification_deadline_on_a_sunday_counts_as_the_friday(day: dt.date, overdue: bool) -> None:
    item = one("work-verification", snap(client(initial_contact_date=D(2026, 1, 5))), day)
    assert item is not None
    assert (item.due, item.overdue) == (D(2026, 12, 18), overdue)
    assert item.title.endswith("deadline Fri Dec 18 (20th is a Sunday))")


@pytest.mark.parametrize(
    ("rule", "due", "words"),
    [
        ("before", D(2026, 12, 18), "deadline Fri Dec 18 (20th is a Sunday)"),
        ("after", D(2026, 12, 21), "deadline Mon Dec 21 (20th is a Sunday)"),
        ("as-is", D(2026, 12, 20), "deadline Sun Dec 20)"),
    ],
)
def test_the_weekend_rule_is_policy(rule: str, due: dt.date, words: str) -> None:
    policy = with_policy(deadlines={"weekend_rule": rule})
    item = one("work-verification", snap(client(initial_contact_date=D(2026, 1, 5))), D(2026, 12, 10), policy)
    assert item.due == due and words in item.title


def test_a_business_day_deadline_is_not_moved() -> None:
    item = one("work-verification", snap(client(initial_contact_date=D(2026, 1, 5))), D(2026, 11, 10))
    assert item.due == D(2026, 11, 20) and item.title.endswith("deadline Fri Nov 20)")
