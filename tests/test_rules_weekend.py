"""No due item is due on a weekend, a federal holiday or a closure day (issue 23.4).

DOMAIN.md: "A deadline that falls on a weekend or holiday counts as the
business day before (policy)". One table over EVERY rule id of the registry:
each row builds a case whose nominal date falls on a Saturday, Sunday or
holiday (or, for a rule counted in business days, spans one) and checks the
date the item is due, and the dates its title gives as "due", "by" or
"deadline", are business days. A rule added without a row fails
`test_every_rule_has_a_row`; one whose dates skip `rules.common.item` fails its row.

close-case is the one rule whose date moves the other way: 001 says to close
the case AFTER the 20th, so its date is the first business day after the 20th
(a Saturday 21st: the Monday), never the business day before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from caseterm.policy import load_policy
from caseterm.rules.common import business_calendar
from caseterm.rules.engine import load_rules
from caseterm.rules.snapshot import (
    DraftSnap,
    HmisEnrollmentSnap,
    HmisStageSnap,
    HoursSnap,
    ReferralSnap,
    ReleaseSnap,
    Snapshot,
    TaskSnap,
)
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
)
from rules_support import D, appt, at, client, note, run_rule, snap, with_policy

HF = "Housing First"
SAT_DEC_12 = D(2026, 12, 12)
FRI_DEC_11 = D(2026, 12, 11)


def _weeks(last_monday: dt.date, n: int) -> tuple[HoursSnap, ...]:
    return tuple(HoursSnap(last_monday - dt.timedelta(weeks=i), Activity.WORK_SEARCH, 10) for i in range(n))


#: rule id -> (day, snapshot, the nominal date, the date it must count as).
Row = tuple[dt.date, Snapshot, dt.date, dt.date]
ROWS: dict[str, Callable[[], Row]] = {
    # a Saturday appointment is called the Friday before (nobody is at the desk on its morning)
    "reminder-call": lambda: (FRI_DEC_11, snap(client(appointments=(appt(at(SAT_DEC_12)),))), SAT_DEC_12, FRI_DEC_11),
    # kept Friday 10:00: its 24 hours end Saturday 10:00
    "finish-note": lambda: (FRI_DEC_11, snap(client(appointments=(
        appt(at(FRI_DEC_11), status=AppointmentStatus.KEPT),))), SAT_DEC_12, FRI_DEC_11),
    "follow-up": lambda: (FRI_DEC_11, snap(client(last_contact_at=at(D(2026, 11, 28)))), SAT_DEC_12, FRI_DEC_11),
    "referral-follow-up": lambda: (FRI_DEC_11, snap(client(open_referrals=(
        ReferralSnap(1, "Food bank", "", D(2026, 12, 5)),))), SAT_DEC_12, FRI_DEC_11),
    "draft": lambda: (FRI_DEC_11, Snapshot(day=FRI_DEC_11, clients=(client(),), drafts=(
        DraftSnap(1, "TA-1", "Mari", at(FRI_DEC_11)),)), SAT_DEC_12, FRI_DEC_11),
    # business days across Christmas: Thu Dec 24 + 1 business day is Mon Dec 28
    "missed-activity": lambda: (D(2026, 12, 28), snap(client(appointments=(
        appt(at(D(2026, 12, 24)), status=AppointmentStatus.NO_SHOW),))), D(2026, 12, 25), D(2026, 12, 28)),
    "engagement": lambda: (D(2026, 12, 21), snap(client(appointments=(
        appt(at(D(2026, 12, 18)), status=AppointmentStatus.NO_SHOW),))), D(2026, 12, 25), D(2026, 12, 28)),
    # the second attempt (a call on Saturday) failed on a Saturday
    "re-engagement": lambda: (D(2026, 12, 14), snap(client(
        appointments=(appt(at(D(2026, 12, 1)), status=AppointmentStatus.NO_SHOW),),
        notes=(note(at(D(2026, 12, 2), "11:00"), NoteType.LETTER, ContactMethod.LETTER, None),
               note(at(SAT_DEC_12), NoteType.ENGAGEMENT, ContactMethod.PHONE, ContactOutcome.NO_ANSWER)),
    )), SAT_DEC_12, FRI_DEC_11),
    "good-cause": lambda: (FRI_DEC_11, snap(client(penalty_start=SAT_DEC_12)), SAT_DEC_12, FRI_DEC_11),
    "not-initialized": lambda: (D(2026, 12, 7), snap(client(
        status=ClientStatus.NOT_INITIALIZED, referral_date=D(2026, 12, 5))), D(2026, 12, 5), D(2026, 12, 4)),
    # Monday Jan 18 2027 is Martin Luther King Jr. Day: the list is printed on the Tuesday
    "caseload-print": lambda: (D(2027, 1, 19), snap(client()), D(2027, 1, 18), D(2027, 1, 19)),
    "work-verification": lambda: (D(2026, 12, 10), snap(client(initial_contact_date=D(2026, 1, 5))),
                                  D(2026, 12, 20), D(2026, 12, 18)),
    # 001: close AFTER the 20th; the 21st of November 2026 is a Saturday: Monday the 23rd
    "close-case": lambda: (D(2026, 11, 10), snap(client(close_pending=True, initial_contact_date=D(2026, 1, 5))),
                           D(2026, 11, 21), D(2026, 11, 23)),
    "childcare": lambda: (D(2026, 12, 28), snap(client(needs_childcare=True)), D(2026, 12, 31), D(2026, 12, 31)),
    # the week of the MLK Day holiday: the debrief is due on its Tuesday
    "participation": lambda: (D(2027, 1, 19), snap(client(hours=(HoursSnap(D(2027, 1, 11), Activity.EMPLOYMENT, 20),))),
                              D(2027, 1, 18), D(2027, 1, 19)),
    # the 10th work-search week is the one starting on MLK Day
    "work-search-limit": lambda: (D(2027, 1, 19), snap(client(hours=_weeks(D(2027, 1, 18), 10))),
                                  D(2027, 1, 18), D(2027, 1, 15)),
    # penalty month 3 starts Mon Dec 28: the day before is a Sunday, and Fri Dec 25 is Christmas
    "penalty": lambda: (D(2026, 12, 7), snap(client(penalty_start=D(2026, 10, 28))), D(2026, 12, 27), D(2026, 12, 24)),
    "initial-interview": lambda: (D(2026, 12, 7), snap(client(initial_contact_date=D(2026, 12, 2))),
                                  SAT_DEC_12, FRI_DEC_11),
    "vi-spdat": lambda: (D(2026, 12, 7), snap(client(shelter_entry_date=D(2026, 12, 5))), SAT_DEC_12, FRI_DEC_11),
    "case-plan-review": lambda: (FRI_DEC_11, snap(client(has_plan=True, plan_reviewed_on=D(2026, 11, 12))),
                                 SAT_DEC_12, FRI_DEC_11),
    "release": lambda: (D(2026, 12, 7), snap(client(releases=(ReleaseSnap("Landlord", D(2026, 1, 5), D(2026, 12, 19)),))),
                        D(2026, 12, 19), D(2026, 12, 18)),
    # New Year's Day 2027 is a Friday: the month's first business day is Monday Jan 4
    "home-visits": lambda: (D(2027, 1, 5), snap(client(program=HF)), D(2027, 1, 1), D(2027, 1, 4)),
    "dv-home-visit": lambda: (D(2026, 12, 7), snap(client(dv_in_home=True, appointments=(
        appt(at(SAT_DEC_12), AppointmentKind.HOME_VISIT),))), D(2026, 12, 7), D(2026, 12, 7)),
    "plan-date": lambda: (FRI_DEC_11, snap(client(plan_review_date=SAT_DEC_12)), SAT_DEC_12, FRI_DEC_11),
    "manual": lambda: (FRI_DEC_11, snap(client(), tasks=(TaskSnap(1, "Call the landlord", SAT_DEC_12, 2, "TA-1"),)),
                       SAT_DEC_12, FRI_DEC_11),
    # anniversary Nov 19 2026: the window closes 30 days after, on Saturday Dec 19
    "hmis-annual-assessment": lambda: (D(2026, 12, 7), snap(client(hmis_enrollments=(
        HmisEnrollmentSnap(7, "PSH", True, D(2025, 11, 19), stages=(HmisStageSnap(1, D(2025, 11, 19)),)),))),
        D(2026, 12, 19), D(2026, 12, 18)),
    # entered Mon Dec 7 with nothing recorded: due 5 days later, a Saturday
    "hmis-missing-data": lambda: (D(2026, 12, 7), snap(client(hmis_enrollments=(
        HmisEnrollmentSnap(7, "PSH", True, D(2026, 12, 7)),))), SAT_DEC_12, FRI_DEC_11),
    "hmis-exit": lambda: (D(2026, 12, 8), snap(client(exit_date=D(2026, 12, 7), hmis_enrollments=(
        HmisEnrollmentSnap(7, "PSH", True, D(2026, 6, 1)),))), SAT_DEC_12, FRI_DEC_11),
}

_SAID = re.compile(
    r"\b(?:due|by|deadline)(?: by)? (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d+)"
)
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _said_due(title: str, day: dt.date) -> list[dt.date]:
    """The dates a title gives as due ("due Fri Dec 18", "by Fri Dec 11", "deadline Fri Dec 18")."""
    found = []
    for month, number in _SAID.findall(title):
        m = _MONTHS.index(month) + 1
        year = day.year + (1 if m < day.month - 6 else -1 if m > day.month + 6 else 0)
        found.append(D(year, m, int(number)))
    return found


def test_every_rule_has_a_row() -> None:
    """A new rule needs a row here: its weekend handling is checked like every other's."""
    assert set(ROWS) == set(load_rules())


@pytest.mark.parametrize("rule_id", sorted(ROWS))
def test_no_item_is_due_on_a_non_business_day(rule_id: str) -> None:
    day, snapshot, nominal, counted = ROWS[rule_id]()
    cal = business_calendar(load_policy())
    if rule_id not in ("dv-home-visit", "childcare"):  # due today / the month's last business day by nature
        assert not cal.is_business_day(nominal), "the row must start from a non-business day"
    items = run_rule(rule_id, snapshot, day)
    assert items, f"{rule_id}: the row must make an item"
    assert [i.due for i in items] == [counted] * len(items)
    for i in items:
        assert cal.is_business_day(i.due), (rule_id, i.due)
        assert not i.overdue or day > i.due, "overdue only after the date it counts as"
        for said in _said_due(i.title, day):
            assert cal.is_business_day(said), (rule_id, i.title)


@pytest.mark.parametrize(
    ("rule_id", "words"),
    [
        ("release", "expires Sat Dec 19; renew by Fri Dec 18"),
        ("penalty", "before Mon Dec 28"),
        ("finish-note", "due by Fri Dec 11 (12th is a Saturday)"),
        ("reminder-call", "FSSP at Sat Dec 12 10:00"),
    ],
)
def test_the_title_says_when_it_counts(rule_id: str, words: str) -> None:
    day, snapshot, _, _ = ROWS[rule_id]()
    (found,) = run_rule(rule_id, snapshot, day)
    assert words in found.title


def test_the_weekend_rule_after_moves_every_deadline_forward() -> None:
    """The policy's "after": the business day after (a release expiring Saturday: Monday)."""
    day, snapshot, _, _ = ROWS["release"]()
    (found,) = run_rule("release", snapshot, day, with_policy(deadlines={"weekend_rule": "after"}))
    assert found.due == D(2026, 12, 21)
    day, snapshot, _, _ = ROWS["penalty"]()
    (found,) = run_rule("penalty", snapshot, day, with_policy(deadlines={"weekend_rule": "after"}))
    assert found.due == D(2026, 12, 28)


def test_a_reminder_call_is_never_due_after_its_appointment() -> None:
    """Even with "after", a Saturday appointment is called the Friday before (not the Monday after it)."""
    day, snapshot, _, _ = ROWS["reminder-call"]()
    policy = with_policy(deadlines={"weekend_rule": "after"})
    (found,) = run_rule("reminder-call", snapshot, day, policy)
    assert found.due == FRI_DEC_11
    assert run_rule("reminder-call", snapshot, D(2026, 12, 10), policy) == []  # not before that Friday
