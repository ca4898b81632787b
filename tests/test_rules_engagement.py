"""missed-activity, engagement, good-cause, penalty (003, 000, 001)."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_support import D, appt, at, client, note, one, run_rule, snap

from caseterm.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
)
from caseterm.rules.engine import Priority

NO_SHOW = AppointmentStatus.NO_SHOW


def no_show(day: dt.date, hhmm: str = "10:00"):
    return appt(at(day, hhmm), status=NO_SHOW, called=True)


def letter(day: dt.date):
    return note(at(day, "11:00"), NoteType.LETTER, ContactMethod.LETTER, None)


def call(day: dt.date, outcome: ContactOutcome = ContactOutcome.NO_ANSWER):
    return note(at(day, "09:00"), NoteType.ENGAGEMENT, ContactMethod.PHONE, outcome)


# -- missed-activity (003): within 1 business day ----------------------------

@pytest.mark.parametrize(
    ("missed", "day", "due", "overdue"),
    [
        (D(2026, 11, 6), D(2026, 11, 6), D(2026, 11, 9), False),   # Friday: due Monday (weekend)
        (D(2026, 11, 6), D(2026, 11, 9), D(2026, 11, 9), False),   # the day it is due
        (D(2026, 11, 6), D(2026, 11, 10), D(2026, 11, 9), True),   # the day after
        (D(2026, 11, 10), D(2026, 11, 11), D(2026, 11, 12), False),  # Veterans Day inside
        (D(2026, 11, 10), D(2026, 11, 13), D(2026, 11, 12), True),
    ],
)
def test_missed_activity_deadline(missed: dt.date, day: dt.date, due: dt.date, overdue: bool) -> None:
    item = one("missed-activity", snap(client(appointments=(no_show(missed),))), day)
    assert item is not None
    assert (item.due, item.overdue) == (due, overdue)
    assert item.target["note_type"] == "engagement"


def test_a_no_show_today_is_followed_up_with_todays_interviews() -> None:
    from caseterm.rules.engine import RoutineGroup

    today = one("missed-activity", snap(client(appointments=(no_show(D(2026, 11, 10)),))), D(2026, 11, 10))
    earlier = one("missed-activity", snap(client(appointments=(no_show(D(2026, 11, 9)),))), D(2026, 11, 10))
    assert today is not None and today.group is RoutineGroup.INTERVIEWS
    assert earlier is not None and earlier.group is RoutineGroup.DEADLINES


def test_missed_activity_clears_with_an_attempt_or_reaching_the_client() -> None:
    a = no_show(D(2026, 11, 6))
    assert one("missed-activity", snap(client(appointments=(a,), notes=(letter(D(2026, 11, 6)),))), D(2026, 11, 10)) is None
    reached = client(appointments=(a,), last_contact_at=at(D(2026, 11, 9)))
    assert one("missed-activity", snap(reached), D(2026, 11, 10)) is None


def test_a_no_show_later_than_the_day_is_not_known_yet() -> None:
    assert one("missed-activity", snap(client(appointments=(no_show(D(2026, 11, 9)),))), D(2026, 11, 6)) is None


# -- engagement (003, 000): 2 attempts, one written, within 5 business days --

@pytest.mark.parametrize(
    ("missed", "day", "due", "overdue"),
    [
        (D(2026, 11, 2), D(2026, 11, 6), D(2026, 11, 9), False),
        (D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 9), False),
        (D(2026, 11, 2), D(2026, 11, 10), D(2026, 11, 9), True),
        (D(2026, 11, 6), D(2026, 11, 13), D(2026, 11, 16), False),  # a holiday and a weekend inside
    ],
)
def test_engagement_window(missed: dt.date, day: dt.date, due: dt.date, overdue: bool) -> None:
    item = one("engagement", snap(client(appointments=(no_show(missed),))), day)
    assert item is not None and (item.due, item.overdue) == (due, overdue)
    assert "0 of 2" in item.title and "one in writing" in item.title


def test_after_a_first_attempt_the_second_has_no_deadline_of_its_own() -> None:
    """003: contact within five business days; the two attempts precede re-engagement, undated."""
    c = client(appointments=(no_show(D(2026, 11, 2)),), notes=(call(D(2026, 11, 3)),))
    item = one("engagement", snap(c), D(2026, 11, 20))
    assert item is not None and not item.overdue and item.priority == Priority.IMPORTANT
    assert "1 of 2" in item.title and "one in writing" in item.title


def test_engagement_needs_one_attempt_in_writing() -> None:
    c = client(appointments=(no_show(D(2026, 11, 2)),), notes=(call(D(2026, 11, 3)), call(D(2026, 11, 4))))
    item = one("engagement", snap(c), D(2026, 11, 5))
    assert "2 of 2" in item.title and "one in writing" in item.title and not item.title.startswith("Begin")


# -- re-engagement (003): two unsuccessful attempts, a letter only after its window --

@pytest.mark.parametrize(
    ("letter_on", "call_on", "day", "fires", "due", "overdue"),
    [
        # letter Tue Nov 3: 5 business days pass on Tue Nov 10 (the window, policy)
        (D(2026, 11, 3), D(2026, 11, 4), D(2026, 11, 9), False, None, None),            # day before
        (D(2026, 11, 3), D(2026, 11, 4), D(2026, 11, 10), True, D(2026, 11, 10), False),  # day of
        (D(2026, 11, 12), D(2026, 11, 12), D(2026, 11, 12), False, None, None),         # same day: never at once
        (D(2026, 11, 3), D(2026, 11, 4), D(2026, 11, 11), True, D(2026, 11, 10), True),   # day after (Veterans Day)
        # Fri Nov 6: Veterans Day inside the window: Mon 9, Tue 10, Thu 12, Fri 13, Mon 16
        (D(2026, 11, 6), D(2026, 11, 6), D(2026, 11, 13), False, None, None),
        (D(2026, 11, 6), D(2026, 11, 6), D(2026, 11, 16), True, D(2026, 11, 16), False),
        (D(2026, 11, 6), D(2026, 11, 6), D(2026, 11, 17), True, D(2026, 11, 16), True),
        # the call comes after the letter's window: due the day of the call
        (D(2026, 11, 3), D(2026, 11, 18), D(2026, 11, 18), True, D(2026, 11, 18), False),
    ],
)
def test_re_engagement_waits_for_the_letters_response_window(
    letter_on: dt.date, call_on: dt.date, day: dt.date, fires: bool, due: dt.date | None, overdue: bool | None
) -> None:
    c = client(appointments=(no_show(D(2026, 11, 2)),), notes=(letter(letter_on), call(call_on, ContactOutcome.LEFT_MESSAGE)))
    item = one("re-engagement", snap(c), day)
    assert (item is not None) is fires
    # the two attempts are made: the engagement stage asks nothing more meanwhile
    assert one("engagement", snap(c), day) is None
    # and good cause comes with re-engagement, not before it
    assert (one("good-cause", snap(c), day) is not None) is fires
    if item:
        assert (item.due, item.overdue) == (due, overdue)
        assert item.title.startswith("Begin re-engagement: book the staffing for Mari")
        assert item.priority == Priority.URGENT_IMPORTANT and item.source == "003"
        assert item.target["kind"] == "re_engagement_staffing"
        assert item.key == "re-engagement|TA-1|reengage-2026-11-02"


def test_the_letter_window_is_policy() -> None:
    from dataclasses import replace

    from caseterm.policy import load_policy

    policy = load_policy()
    assert policy.engagement.letter_response_business_days == 5
    quick = replace(policy, engagement=replace(policy.engagement, letter_response_business_days=1))
    c = client(appointments=(no_show(D(2026, 11, 2)),), notes=(letter(D(2026, 11, 3)), call(D(2026, 11, 3))))
    assert one("re-engagement", snap(c), D(2026, 11, 4), quick).due == D(2026, 11, 4)
    assert one("re-engagement", snap(c), D(2026, 11, 4)) is None


def test_two_calls_never_begin_re_engagement() -> None:
    c = client(appointments=(no_show(D(2026, 11, 2)),), notes=(call(D(2026, 11, 3)), call(D(2026, 11, 4))))
    assert one("re-engagement", snap(c), D(2026, 11, 30)) is None
    assert one("engagement", snap(c), D(2026, 11, 30)) is not None


def test_re_engagement_clears_with_a_booked_staffing_or_reaching_the_client() -> None:
    notes = (letter(D(2026, 11, 3)), call(D(2026, 11, 4)))
    assert one("re-engagement", snap(client(appointments=(no_show(D(2026, 11, 2)),), notes=notes)), D(2026, 11, 12))
    staffing = appt(at(D(2026, 11, 19)), kind=AppointmentKind.RE_ENGAGEMENT_STAFFING)
    booked = client(appointments=(no_show(D(2026, 11, 2)), staffing), notes=notes)
    assert one("re-engagement", snap(booked), D(2026, 11, 12)) is None
    reached = client(appointments=(no_show(D(2026, 11, 2)),), notes=notes, last_contact_at=at(D(2026, 11, 11)))
    assert one("re-engagement", snap(reached), D(2026, 11, 12)) is None


def test_engagement_ends_when_the_client_is_reached() -> None:
    c = client(appointments=(no_show(D(2026, 11, 2)),), last_contact_at=at(D(2026, 11, 3), "14:00"))
    assert one("engagement", snap(c), D(2026, 11, 5)) is None


# -- good-cause (000) --------------------------------------------------------

def test_good_cause_before_re_engagement() -> None:
    c = client(appointments=(no_show(D(2026, 11, 2)),), notes=(letter(D(2026, 11, 3)), call(D(2026, 11, 4))))
    assert one("good-cause", snap(c), D(2026, 11, 5)) is None     # the letter's window is still open
    item = one("good-cause", snap(c), D(2026, 11, 10))
    assert item is not None and item.due == D(2026, 11, 10) and "before re-engagement" in item.title
    documented = client(appointments=c.appointments, notes=c.notes, last_good_cause_at=at(D(2026, 11, 10)))
    assert one("good-cause", snap(documented), D(2026, 11, 10)) is None


def test_good_cause_before_a_booked_staffing() -> None:
    staffing = appt(at(D(2026, 11, 12)), kind=AppointmentKind.RE_ENGAGEMENT_STAFFING)
    item = one("good-cause", snap(client(appointments=(staffing,))), D(2026, 11, 5))
    assert item.due == D(2026, 11, 12) and not item.overdue


@pytest.mark.parametrize(
    ("good_cause_on", "fires"),
    [(None, True), (D(2026, 10, 1), False), (D(2026, 6, 1), True)],  # lookback 60 days before the penalty
)
def test_good_cause_for_a_penalty(good_cause_on: dt.date | None, fires: bool) -> None:
    c = client(penalty_start=D(2026, 10, 15), last_good_cause_at=at(good_cause_on) if good_cause_on else None)
    item = one("good-cause", snap(c), D(2026, 11, 2))
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 10, 15) and item.overdue


# -- penalty (001): warn before month 3 --------------------------------------

@pytest.mark.parametrize(
    ("day", "month", "overdue", "priority"),
    [
        (D(2026, 10, 20), 1, False, Priority.IMPORTANT),
        (D(2026, 11, 30), 2, False, Priority.URGENT_IMPORTANT),   # the last day of month 2: due
        (D(2026, 12, 1), 3, True, Priority.URGENT_IMPORTANT),     # month 3 started
    ],
)
def test_penalty_month_and_warning(day: dt.date, month: int, overdue: bool, priority: Priority) -> None:
    item = one("penalty", snap(client(penalty_start=D(2026, 10, 1))), day)
    assert item is not None
    assert item.due == D(2026, 11, 30) and item.overdue is overdue and item.priority == priority
    assert f"penalty month {month}" in item.title and "home visit" in item.title


def test_penalty_clears_with_a_home_visit_and_respects_dv() -> None:
    visit = appt(at(D(2026, 11, 10)), kind=AppointmentKind.HOME_VISIT)
    assert one("penalty", snap(client(penalty_start=D(2026, 10, 1), appointments=(visit,))), D(2026, 11, 2)) is None
    dv = one("penalty", snap(client(penalty_start=D(2026, 10, 1), dv_in_home=True)), D(2026, 11, 2))
    assert "office" in dv.title and "penalty-resolution home visit" not in dv.title


def test_no_penalty_no_item() -> None:
    assert run_rule("penalty", snap(client()), D(2026, 11, 2)) == []
    assert one("penalty", snap(client(penalty_start=D(2026, 12, 1))), D(2026, 11, 2)) is None
