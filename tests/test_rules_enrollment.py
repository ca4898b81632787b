"""not-initialized, initial-interview, vi-spdat, case-plan-review, release, plan-date (001, 004)."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_support import D, appt, at, client, one, run_rule, snap

from caseterm.vocabulary import AppointmentKind, AppointmentStatus, AssessmentKind, ClientStatus
from caseterm.rules.engine import Priority, RoutineGroup
from caseterm.rules.snapshot import AssessmentSnap, ReleaseSnap

MON = D(2026, 11, 2)


# -- not-initialized (001) ---------------------------------------------------

def test_not_initialized() -> None:
    item = one("not-initialized", snap(client(status=ClientStatus.NOT_INITIALIZED, initial_contact_date=D(2026, 10, 30))), MON)
    assert item is not None and item.due == D(2026, 10, 30) and item.overdue
    assert item.priority == Priority.URGENT_IMPORTANT and item.group == RoutineGroup.DEADLINES  # a deadline (23.7)
    fresh = one("not-initialized", snap(client(status=ClientStatus.NOT_INITIALIZED)), MON)
    assert fresh.due == MON and not fresh.overdue
    assert one("not-initialized", snap(client(status=ClientStatus.OPEN)), MON) is None


# -- initial-interview (004): 10 days from contact, 15 from referral --------

@pytest.mark.parametrize(
    ("day", "overdue", "priority"),
    [(D(2026, 11, 1), False, Priority.IMPORTANT), (D(2026, 11, 2), False, Priority.URGENT_IMPORTANT),
     (D(2026, 11, 3), True, Priority.URGENT_IMPORTANT)],
)
def test_initial_interview_deadline(day: dt.date, overdue: bool, priority: Priority) -> None:
    c = client(initial_contact_date=D(2026, 10, 23), referral_date=D(2026, 10, 20))  # 10 days: Nov 2; 15 days: Nov 4
    item = one("initial-interview", snap(c), day)
    assert item.due == D(2026, 11, 2) and item.overdue is overdue and item.priority == priority


def test_initial_interview_from_referral_alone() -> None:
    assert one("initial-interview", snap(client(referral_date=D(2026, 10, 20))), MON).due == D(2026, 11, 4)
    assert one("initial-interview", snap(client()), MON) is None


def test_initial_interview_cleared_by_holding_or_booking_it() -> None:
    base = dict(initial_contact_date=D(2026, 10, 28))  # due Nov 7
    assert one("initial-interview", snap(client(**base, first_interview_date=D(2026, 11, 1))), MON) is None
    booked = appt(at(D(2026, 11, 5)), kind=AppointmentKind.INITIAL_INTERVIEW)
    assert one("initial-interview", snap(client(**base, appointments=(booked,))), MON) is None
    too_late = appt(at(D(2026, 11, 12)), kind=AppointmentKind.INITIAL_INTERVIEW)
    assert one("initial-interview", snap(client(**base, appointments=(too_late,))), MON) is not None
    kept = appt(at(D(2026, 10, 30)), kind=AppointmentKind.INITIAL_INTERVIEW, status=AppointmentStatus.KEPT)
    assert one("initial-interview", snap(client(**base, appointments=(kept,))), MON) is None


# -- vi-spdat (004) ----------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [(D(2026, 10, 25), False, False), (D(2026, 11, 1), True, False), (D(2026, 11, 2), True, False), (D(2026, 11, 3), True, True)],
)
def test_vi_spdat_within_7_days_of_shelter_entry(day: dt.date, fires: bool, overdue: bool) -> None:
    item = one("vi-spdat", snap(client(shelter_entry_date=D(2026, 10, 26))), day)
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 11, 2) and item.overdue is overdue and item.title.startswith("VI-SPDAT")


def test_full_spdat_within_7_days_of_the_vi_spdat() -> None:
    vi = AssessmentSnap(AssessmentKind.VI_SPDAT, D(2026, 10, 30))
    item = one("vi-spdat", snap(client(shelter_entry_date=D(2026, 10, 26), assessments=(vi,))), MON)
    assert item.due == D(2026, 11, 6) and "full SPDAT" in item.title
    spdat = AssessmentSnap(AssessmentKind.SPDAT, D(2026, 11, 4))
    assert one("vi-spdat", snap(client(shelter_entry_date=D(2026, 10, 26), assessments=(vi, spdat))), MON) is None


def test_a_vi_spdat_before_this_shelter_stay_does_not_count() -> None:
    old = AssessmentSnap(AssessmentKind.VI_SPDAT, D(2026, 3, 1))
    assert one("vi-spdat", snap(client(shelter_entry_date=D(2026, 10, 26), assessments=(old,))), MON).title.startswith("VI-SPDAT")
    assert one("vi-spdat", snap(client(shelter_entry_date=D(2026, 10, 26), exit_date=D(2026, 10, 30))), MON) is None


# -- case-plan-review (004) --------------------------------------------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [(D(2026, 11, 1), False, False), (D(2026, 11, 2), True, False), (D(2026, 11, 3), True, True)],
)
def test_case_plan_every_30_days(day: dt.date, fires: bool, overdue: bool) -> None:
    c = client(has_plan=True, plan_reviewed_on=D(2026, 10, 3))
    item = one("case-plan-review", snap(c), day)
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 11, 2) and item.overdue is overdue and item.target["tab"] == "plan"


def test_a_new_client_needs_a_first_plan() -> None:
    item = one("case-plan-review", snap(client(first_interview_date=D(2026, 10, 30))), MON)
    assert item is not None and "first case plan" in item.title and item.due == D(2026, 10, 30)
    # first interview still ahead: not yet
    assert one("case-plan-review", snap(client(first_interview_date=D(2026, 11, 5))), MON) is None
    assert one("case-plan-review", snap(client(status=ClientStatus.NOT_INITIALIZED)), MON) is None


def test_case_plan_groups_with_todays_interview() -> None:
    c = client(has_plan=True, plan_reviewed_on=D(2026, 9, 1), appointments=(appt(at(MON, "08:30")),))
    assert one("case-plan-review", snap(c), MON).group == RoutineGroup.INTERVIEWS


# -- release (004) -----------------------------------------------------------

def test_no_release_on_file() -> None:
    item = one("release", snap(client(first_interview_date=D(2026, 10, 1))), MON)
    assert item is not None and "none on file" in item.title and item.overdue
    unsigned = ReleaseSnap("Housing Authority", None, None)
    assert one("release", snap(client(first_interview_date=D(2026, 10, 1), releases=(unsigned,))), MON) is not None


@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [(D(2026, 10, 31), False, False), (D(2026, 11, 1), True, False), (D(2026, 12, 1), True, False), (D(2026, 12, 2), True, True)],
)
def test_release_expiring_within_30_days(day: dt.date, fires: bool, overdue: bool) -> None:
    r = ReleaseSnap("Housing Authority", D(2025, 12, 1), D(2026, 12, 1))
    item = one("release", snap(client(releases=(r,))), day)
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 12, 1) and item.overdue is overdue and "Housing Authority" in item.title


def test_a_newer_release_for_the_same_party_clears_it() -> None:
    old = ReleaseSnap("Housing Authority", D(2025, 12, 1), D(2026, 12, 1))
    new = ReleaseSnap("housing authority ", D(2026, 11, 20), D(2027, 11, 20))
    assert one("release", snap(client(releases=(old, new))), D(2026, 11, 25)) is None
    never = ReleaseSnap("Goodwill", D(2026, 1, 1), None)
    assert one("release", snap(client(releases=(never,))), D(2026, 11, 25)) is None


# -- plan-date (001) ---------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [(D(2026, 11, 1), False, False), (D(2026, 11, 2), True, False), (D(2026, 11, 3), True, True)],
)
def test_plan_date(day: dt.date, fires: bool, overdue: bool) -> None:
    item = one("plan-date", snap(client(plan_review_date=MON)), day)
    assert (item is not None) is fires
    if item:
        assert item.due == MON and item.overdue is overdue


def test_plan_date_cleared_by_a_kept_fssp_or_a_review() -> None:
    kept = appt(at(MON, "08:30"), kind=AppointmentKind.FSSP, status=AppointmentStatus.KEPT)
    assert one("plan-date", snap(client(plan_review_date=MON, appointments=(kept,))), D(2026, 11, 3)) is None
    assert one("plan-date", snap(client(plan_review_date=MON, has_plan=True, plan_reviewed_on=MON)), D(2026, 11, 3)) is None
    assert run_rule("plan-date", snap(client()), MON) == []


# -- deadlines on a weekend or holiday count as the business day before -------

SUN_DEC_20 = D(2026, 12, 20)
FRI_DEC_18 = D(2026, 12, 18)
CASES = {
    # rule: (client fields that put the calendar deadline on Sun Dec 20, words in the title)
    "initial-interview": (dict(initial_contact_date=D(2026, 12, 10)), "by Fri Dec 18 (20th is a Sunday)"),
    "vi-spdat": (dict(shelter_entry_date=D(2026, 12, 13)), "due Fri Dec 18 (20th is a Sunday)"),
    "case-plan-review": (dict(has_plan=True, plan_reviewed_on=D(2026, 11, 20)), "due Fri Dec 18 (20th is a Sunday)"),
    "plan-date": (dict(plan_review_date=SUN_DEC_20), "(Fri Dec 18; 20th is a Sunday)"),
}


@pytest.mark.parametrize("rule", sorted(CASES))
@pytest.mark.parametrize(
    ("day", "shown", "overdue"),
    [
        (D(2026, 12, 17), None, False),   # the day before the moved deadline
        (FRI_DEC_18, True, False),         # the day of: Friday, not Sunday
        (D(2026, 12, 19), True, True),     # the day after
    ],
)
def test_deadline_on_a_sunday_counts_as_the_friday(rule: str, day: dt.date, shown: bool | None, overdue: bool) -> None:
    fields, words = CASES[rule]
    item = one(rule, snap(client(**fields)), day)
    if shown is None and rule in ("initial-interview", "vi-spdat"):
        # shown ahead of the deadline: not overdue yet
        assert item is not None and item.due == FRI_DEC_18 and not item.overdue
        return
    if shown is None:
        assert item is None  # shown from the deadline on
        return
    assert item is not None and item.due == FRI_DEC_18 and item.overdue is overdue
    assert words in item.title


def test_a_holiday_deadline_says_which_holiday() -> None:
    item = one("initial-interview", snap(client(initial_contact_date=D(2026, 12, 15))), D(2026, 12, 21))
    assert item.due == D(2026, 12, 24) and "by Thu Dec 24 (25th is Christmas Day)" in item.title
