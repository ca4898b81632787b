"""caseload-print (001), manual (004), and the engine: registry, sorting, properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import D, appt, at, client, note, one, run_rule, snap

from caseterm.vocabulary import AppointmentStatus, ContactMethod, NoteType
from caseterm.policy import load_policy
from caseterm.rules.caseload import caseload_print_key
from caseterm.rules.common import business_calendar
from caseterm.rules.engine import RULES, Priority, RoutineGroup, compute_due, load_rules
from caseterm.rules.snapshot import TaskSnap

#: The rule ids of DOMAIN.md's table "The due today list".
DOMAIN_RULE_IDS = {
    "reminder-call", "finish-note", "missed-activity", "engagement", "good-cause", "not-initialized",
    "caseload-print", "work-verification", "close-case", "childcare", "participation", "work-search-limit",
    "penalty", "initial-interview", "vi-spdat", "case-plan-review", "release", "home-visits", "follow-up",
    "referral-follow-up", "plan-date", "manual", "re-engagement", "dv-home-visit", "draft",
}
#: HUD HMIS rules (issue 24; HUD's data standards, not in DOMAIN.md's table): documented in docs/due-rules.md.
HMIS_RULE_IDS = {"hmis-annual-assessment", "hmis-missing-data", "hmis-exit"}


def test_every_domain_rule_is_registered_once() -> None:
    assert set(load_rules()) == DOMAIN_RULE_IDS | HMIS_RULE_IDS
    assert RULES is load_rules()


# -- caseload-print (001) ----------------------------------------------------

@pytest.mark.parametrize(
    ("day", "due", "overdue"),
    [
        (D(2026, 11, 2), D(2026, 11, 2), False),    # Monday
        (D(2026, 11, 4), D(2026, 11, 2), True),     # stays for the week until done
        (D(2026, 11, 8), D(2026, 11, 2), True),     # Sunday: still that week
        (D(2026, 9, 8), D(2026, 9, 8), False),      # Labor Day week: Tuesday
    ],
)
def test_caseload_print(day: dt.date, due: dt.date, overdue: bool) -> None:
    item = one("caseload-print", snap(client(), day=day), day)
    assert item is not None and item.case_number is None
    assert (item.due, item.overdue) == (due, overdue) and item.group == RoutineGroup.MORNING
    assert item.key == caseload_print_key(day, load_policy())


def test_caseload_print_not_on_a_holiday_monday() -> None:
    assert one("caseload-print", snap(client()), D(2026, 9, 7)) is None   # Labor Day


# -- manual (004) ------------------------------------------------------------

def test_manual_tasks() -> None:
    tasks = [
        TaskSnap(1, "Staff meeting prep", D(2026, 11, 2), 2),
        TaskSnap(2, "Mail bus tickets", D(2026, 10, 30), 1, "TA-1"),
        TaskSnap(3, "Training video", D(2026, 11, 3), 3),
        TaskSnap(4, "Old", D(2026, 10, 1), 2, None, done=True),
    ]
    items = {i.occurrence: i for i in run_rule("manual", snap(client(), tasks=tasks), D(2026, 11, 2))}
    assert set(items) == {"task1", "task2"}
    assert not items["task1"].overdue and items["task1"].case_number is None and items["task1"].priority == Priority.IMPORTANT
    assert items["task2"].overdue and items["task2"].case_number == "TA-1" and items["task2"].priority == Priority.URGENT_IMPORTANT
    assert "Mari" in items["task2"].title
    # the day before a task is due it is not shown; the day it is due it is
    assert [i.occurrence for i in run_rule("manual", snap(tasks=tasks[2:3]), D(2026, 11, 2))] == []
    assert [i.occurrence for i in run_rule("manual", snap(tasks=tasks[2:3]), D(2026, 11, 3))] == ["task3"]


def test_a_task_for_a_client_not_in_the_snapshot_keeps_its_case_number() -> None:
    item = one("manual", snap(tasks=[TaskSnap(9, "Call back", D(2026, 11, 2), 2, "TA-99")]), D(2026, 11, 2))
    assert item.case_number == "TA-99" and item.target["case_number"] == "TA-99"


# -- the engine --------------------------------------------------------------

def test_compute_due_sorts_by_routine_then_overdue_first() -> None:
    day = D(2026, 11, 3)
    c = client(
        appointments=(
            appt(at(day, "08:30")),                                           # reminder call (morning)
            appt(at(D(2026, 11, 2)), status=AppointmentStatus.KEPT),         # note (notes)
            appt(at(D(2026, 10, 28)), status=AppointmentStatus.KEPT),        # late note (notes, overdue)
        ),
        plan_review_date=D(2026, 11, 3),
    )
    items = compute_due(snap(c, tasks=[TaskSnap(1, "x", D(2026, 10, 1), 3)]), load_policy(), day)
    orders = [(i.group.order, not i.overdue) for i in items]
    assert orders == sorted(orders)
    # Tuesday: Monday's caseload list is overdue, so it comes before today's reminder call
    assert [i.rule for i in items[:2]] == ["caseload-print", "reminder-call"]
    notes = [i for i in items if i.rule == "finish-note"]
    assert [i.overdue for i in notes] == [True, False]
    assert len({i.key for i in items}) == len(items)


def test_compute_due_only() -> None:
    items = compute_due(snap(client(plan_review_date=D(2026, 11, 2))), load_policy(), D(2026, 11, 2), only=["plan-date"])
    assert [i.rule for i in items] == ["plan-date"]


days = st.dates(min_value=D(2026, 1, 1), max_value=D(2027, 12, 31))


@settings(max_examples=150, deadline=None)
@given(days, st.integers(min_value=0, max_value=40), st.sampled_from(["08:30", "10:00", "13:30", "15:00"]),
       st.booleans(), st.integers(min_value=-1, max_value=6))
def test_no_item_is_due_before_its_trigger(day: dt.date, back: int, hhmm: str, kept: bool, attempt_after: int) -> None:
    """Whatever the dates: a deadline never precedes what triggered it, and overdue means past due."""
    when = day - dt.timedelta(days=back)
    a = appt(at(when, hhmm), status=AppointmentStatus.KEPT if kept else AppointmentStatus.NO_SHOW)
    notes = ()
    if attempt_after >= 0:
        notes = (note(at(when + dt.timedelta(days=attempt_after), "17:00"), NoteType.ENGAGEMENT, ContactMethod.PHONE, None),)
    c = client(appointments=(a,), notes=notes, penalty_start=when, shelter_entry_date=when, plan_review_date=when,
               initial_contact_date=when, needs_childcare=True)
    for item in compute_due(snap(c), load_policy(), day):
        if item.rule in ("finish-note", "missed-activity", "engagement", "penalty", "vi-spdat", "initial-interview"):
            assert item.due >= when, item
        if item.rule == "plan-date":
            # a review date on a weekend or holiday counts as the business day before (policy)
            assert item.due == business_calendar(load_policy()).previous_business_day(when), item
        if item.overdue and item.rule not in ("childcare",):
            assert item.due < day, item
        if item.rule not in ("close-case", "initial-interview", "vi-spdat", "penalty", "engagement",
                             "missed-activity", "finish-note", "release", "work-verification", "childcare"):
            assert item.due <= day, item
