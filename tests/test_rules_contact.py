"""reminder-call, finish-note, follow-up, referral-follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_support import D, appt, at, client, note, one, run_rule, snap

from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ClientStatus
from caseterm.rules.engine import Priority, RoutineGroup
from caseterm.rules.snapshot import ReferralSnap

MON = D(2026, 11, 2)


# -- reminder-call (001) -----------------------------------------------------

@pytest.mark.parametrize(
    ("start_day", "status", "called", "fires"),
    [
        (MON, AppointmentStatus.SCHEDULED, False, True),
        (MON, AppointmentStatus.SCHEDULED, True, False),     # the call is logged: cleared
        (MON, AppointmentStatus.CANCELLED, False, False),
        (MON - dt.timedelta(days=1), AppointmentStatus.SCHEDULED, False, False),  # the day before
        (MON + dt.timedelta(days=1), AppointmentStatus.SCHEDULED, False, False),  # tomorrow's: not yet
    ],
)
def test_reminder_call(start_day: dt.date, status: AppointmentStatus, called: bool, fires: bool) -> None:
    a = appt(at(start_day, "08:30"), status=status, called=called)
    item = one("reminder-call", snap(client(appointments=(a,))), MON)
    assert (item is not None) is fires
    if item:
        assert item.due == MON and not item.overdue
        assert item.priority == Priority.URGENT_IMPORTANT and item.group == RoutineGroup.MORNING
        assert item.occurrence == f"appt{a.id}"
        assert item.target == {"screen": "schedule", "appointment_id": a.id, "case_number": "TA-1"}
        assert "08:30" in item.title and "FSSP" in item.title


# -- finish-note (001, 004) --------------------------------------------------

@pytest.mark.parametrize(
    ("kept_at", "day", "due", "overdue", "priority"),
    [
        (at(MON, "10:00"), MON, D(2026, 11, 3), False, Priority.IMPORTANT),        # same day: 24 h to go
        (at(MON, "10:00"), D(2026, 11, 3), D(2026, 11, 3), False, Priority.URGENT_IMPORTANT),  # the day it runs out
        (at(MON, "10:00"), D(2026, 11, 4), D(2026, 11, 3), True, Priority.URGENT_IMPORTANT),   # the day after
        # over a weekend: the 24 hours end Saturday, which counts as the Friday (23.4, policy deadlines.weekend_rule)
        (at(D(2026, 11, 6), "15:00"), D(2026, 11, 9), D(2026, 11, 6), True, Priority.URGENT_IMPORTANT),
        # the 24 hours end on Veterans Day (Wed Nov 11): due the Tuesday
        (at(D(2026, 11, 10), "10:00"), D(2026, 11, 11), D(2026, 11, 10), True, Priority.URGENT_IMPORTANT),
        (at(D(2026, 11, 9), "10:00"), D(2026, 11, 10), D(2026, 11, 10), False, Priority.URGENT_IMPORTANT),  # hours, not business days
        # held on a holiday (Fri Jun 19, Juneteenth): not due before it, so the Monday after
        (at(D(2026, 6, 19), "10:00"), D(2026, 6, 19), D(2026, 6, 22), False, Priority.IMPORTANT),
    ],
)
def test_finish_note_deadline(kept_at: dt.datetime, day: dt.date, due: dt.date, overdue: bool, priority: Priority) -> None:
    a = appt(kept_at, status=AppointmentStatus.KEPT, called=True)
    item = one("finish-note", snap(client(appointments=(a,))), day)
    assert item is not None
    assert (item.due, item.overdue, item.priority) == (due, overdue, priority)
    assert item.group == RoutineGroup.NOTES
    assert item.target["screen"] == "note" and item.target["appointment_id"] == a.id


def test_finish_note_clears_when_the_note_is_written() -> None:
    a = appt(at(MON, "10:00"), status=AppointmentStatus.KEPT)
    written = note(at(MON, "10:05"))
    assert one("finish-note", snap(client(appointments=(a,), notes=(written,))), D(2026, 11, 4)) is None


@pytest.mark.parametrize("status", [AppointmentStatus.SCHEDULED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED])
def test_finish_note_only_for_kept_appointments(status: AppointmentStatus) -> None:
    a = appt(at(MON, "10:00"), status=status)
    assert one("finish-note", snap(client(appointments=(a,))), D(2026, 11, 4)) is None


def test_finish_note_not_for_appointments_later_today_or_beyond_lookback() -> None:
    future = appt(at(D(2026, 11, 5), "10:00"), status=AppointmentStatus.KEPT)
    old = appt(at(D(2026, 8, 1), "10:00"), status=AppointmentStatus.KEPT)
    assert run_rule("finish-note", snap(client(appointments=(future, old))), MON) == []


# -- follow-up (004, 000) ----------------------------------------------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [(D(2026, 11, 1), False, False), (D(2026, 11, 2), True, False), (D(2026, 11, 3), True, True)],
)
def test_follow_up_default_interval(day: dt.date, fires: bool, overdue: bool) -> None:
    c = client(last_contact_at=at(D(2026, 10, 19)))
    item = one("follow-up", snap(c), day)
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 11, 2) and item.overdue is overdue
        assert item.occurrence == "since-2026-10-19"


def test_follow_up_uses_the_clients_interval() -> None:
    c = client(last_contact_at=at(D(2026, 10, 19)), follow_up_days=30)
    assert one("follow-up", snap(c), D(2026, 11, 3)) is None
    assert one("follow-up", snap(c), D(2026, 11, 18)).due == D(2026, 11, 18)


def test_follow_up_without_any_contact_counts_from_initial_contact() -> None:
    c = client(initial_contact_date=D(2026, 10, 1))
    assert one("follow-up", snap(c), MON).due == D(2026, 10, 15)
    assert one("follow-up", snap(client()), MON) is None


def test_follow_up_after_exit_only_with_permission() -> None:
    base = dict(status=ClientStatus.CLOSED, exit_date=D(2026, 9, 1), last_contact_at=at(D(2026, 9, 1)))
    assert one("follow-up", snap(client(**base)), MON) is None
    assert one("follow-up", snap(client(**base, follow_up_permission=True)), MON) is not None


def test_follow_up_groups_with_todays_interview() -> None:
    c = client(last_contact_at=at(D(2026, 10, 1)), appointments=(appt(at(MON, "13:30")),))
    assert one("follow-up", snap(c), MON).group == RoutineGroup.INTERVIEWS


# -- referral-follow-up (004) ------------------------------------------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [(D(2026, 11, 1), False, False), (D(2026, 11, 2), True, False), (D(2026, 11, 3), True, True)],
)
def test_referral_follow_up(day: dt.date, fires: bool, overdue: bool) -> None:
    ref = ReferralSnap(7, "Goodwill", "job readiness", D(2026, 10, 26))
    item = one("referral-follow-up", snap(client(open_referrals=(ref,))), day)
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 11, 2) and item.overdue is overdue
        assert "Goodwill" in item.title and item.occurrence == "ref7"


def test_referral_with_an_outcome_is_not_loaded_so_nothing_fires() -> None:
    assert one("referral-follow-up", snap(client()), MON) is None


def test_kind_appears_in_titles() -> None:
    a = appt(at(MON, "15:00"), kind=AppointmentKind.INITIAL_INTERVIEW)
    assert "initial interview at 15:00" in one("reminder-call", snap(client(appointments=(a,))), MON).title


# -- deadlines on a weekend count as the business day before ----------------

@pytest.mark.parametrize(
    ("day", "fires", "overdue"),
    [
        (D(2026, 12, 17), False, False),  # the day before
        (D(2026, 12, 18), True, False),   # Fri Dec 18 (14 days end on Sun Dec 20)
        (D(2026, 12, 19), True, True),    # the day after
    ],
)
def test_follow_up_due_on_a_sunday_counts_as_the_friday(day: dt.date, fires: bool, overdue: bool) -> None:
    item = one("follow-up", snap(client(last_contact_at=at(D(2026, 12, 6)))), day)
    assert (item is not None) is fires
    if item:
        assert (item.due, item.overdue) == (D(2026, 12, 18), overdue)
        assert item.title.endswith("; due Fri Dec 18 (20th is a Sunday)")


@pytest.mark.parametrize(
    ("day", "fires"),
    [(D(2026, 12, 17), False), (D(2026, 12, 18), True), (D(2026, 12, 19), True)],
)
def test_referral_follow_up_due_on_a_sunday_counts_as_the_friday(day: dt.date, fires: bool) -> None:
    ref = ReferralSnap(1, "Worksystems", "forklift", D(2026, 12, 13))
    item = one("referral-follow-up", snap(client(open_referrals=(ref,))), day)
    assert (item is not None) is fires
    if item:
        assert item.due == D(2026, 12, 18) and "(20th is a Sunday)" in item.title
