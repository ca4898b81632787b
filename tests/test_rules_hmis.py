"""hmis-annual-assessment, hmis-missing-data, hmis-exit: table-driven, pure (snapshots by hand)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseterm.policy import load_policy
from caseterm.rules.common import business_calendar
from caseterm.rules.engine import compute_due
from caseterm.rules.hmis import anniversary, current_anniversary
from caseterm.rules.snapshot import HmisEnrollmentSnap, HmisPersonSnap, HmisStageSnap, Snapshot
from caseterm.vocabulary import ClientStatus
from rules_support import client

D = dt.date
PERSON = HmisPersonSnap(1, 1, 1, True, None, 0, 0)


def stage(kind: int, day: dt.date, **over) -> HmisStageSnap:
    return replace(HmisStageSnap(kind, day, 1, 1, 1, 0, True), **over)


def enrollment(entry: dt.date = D(2025, 12, 1), hud: bool = True, stages=None, **over) -> HmisEnrollmentSnap:
    base = HmisEnrollmentSnap(7, "PSH", hud, entry, relationship_to_hoh=1, living_situation=116,
                              disabling_condition=1, enrollment_coc="OR-501",
                              stages=tuple(stages if stages is not None else [stage(1, entry)]))
    return replace(base, **over)


def due(rule: str, day: dt.date, *enrollments: HmisEnrollmentSnap, person=PERSON, **client_fields):
    snap = Snapshot(day=day, clients=(client("HF-1", hmis_enrollments=enrollments, hmis_person=person,
                                             **client_fields),))
    return compute_due(snap, load_policy(), day, only=[rule])


# --- hmis-annual-assessment -------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "day", "stages", "expect"), [
    (D(2025, 12, 1), D(2026, 10, 31), None, None),                         # window not open (opens Nov 1)
    (D(2025, 12, 1), D(2026, 11, 1), None, (D(2026, 12, 31), False)),      # opens 30 days before
    (D(2025, 12, 1), D(2027, 1, 1), None, (D(2026, 12, 31), True)),        # missed: overdue
    (D(2025, 12, 1), D(2026, 12, 5), [stage(1, D(2025, 12, 1)), stage(5, D(2026, 11, 20))], None),  # done in window
    (D(2025, 12, 1), D(2026, 12, 5), [stage(1, D(2025, 12, 1)), stage(5, D(2026, 10, 20))], (D(2026, 12, 31), False)),  # too early
    (D(2025, 12, 1), D(2026, 12, 5), [stage(1, D(2025, 12, 1)), stage(2, D(2026, 11, 20))], (D(2026, 12, 31), False)),  # an update is not annual
    (D(2024, 2, 29), D(2025, 2, 1), None, (D(2025, 3, 28), False)),       # leap day: the 28th; Sun Mar 30: the Friday
    (D(2024, 12, 1), D(2026, 11, 15), [stage(1, D(2024, 12, 1)), stage(5, D(2025, 12, 1))], (D(2026, 12, 31), False)),  # second year
])
def test_annual_assessment(entry, day, stages, expect) -> None:
    items = due("hmis-annual-assessment", day, enrollment(entry, stages=stages))
    assert [(i.due, i.overdue) for i in items] == ([expect] if expect else [])


def test_annual_assessment_not_for_non_hud_or_exited() -> None:
    day = D(2026, 12, 5)
    assert due("hmis-annual-assessment", day, enrollment(hud=False)) == []
    assert due("hmis-annual-assessment", day, enrollment(exit_date=D(2026, 12, 1), destination=435)) == []
    assert due("hmis-annual-assessment", day, enrollment(exit_date=D(2026, 12, 20), destination=435))  # exit ahead


@given(st.dates(D(2000, 1, 1), D(2030, 12, 31)), st.integers(0, 3000))
def test_anniversary_window_contains_day_or_has_passed(entry: dt.date, offset: int) -> None:
    day = entry + dt.timedelta(days=offset)
    found = current_anniversary(entry, day, 30)
    if found is not None:
        assert found - dt.timedelta(days=30) <= day  # never due before its window opens
        assert found.year > entry.year and found.month == entry.month
    else:
        assert day < anniversary(entry, entry.year + 1) - dt.timedelta(days=30)


# --- hmis-missing-data -----------------------------------------------------------------------

@pytest.mark.parametrize(("change", "person", "expect"), [
    ({}, PERSON, []),
    ({"stages": []}, PERSON, [("entry", "income, benefits, insurance, disabilities, DV (not recorded)")]),
    ({"stages": [stage(1, D(2025, 12, 1), insurance_any=99)]}, PERSON, [("entry", "insurance")]),
    ({"stages": [stage(1, D(2025, 12, 1), insurance_any=9, dv_survivor=8)]}, PERSON, []),   # 8, 9 are answers
    ({"disabling_condition": 99, "enrollment_coc": None}, PERSON, [("entry", "disabling condition, enrollment CoC")]),
    ({}, replace(PERSON, sex=99, has_race=False, race_none=None), [("entry", "sex, race and ethnicity")]),
    ({}, replace(PERSON, has_race=False, race_none=9), []),
    ({}, None, [("entry", "name, SSN and DOB quality, race and ethnicity, sex, veteran status")]),
    ({"exit_date": D(2026, 6, 1), "destination": 435}, PERSON,
     [("exit", "income, benefits, insurance, disabilities, DV (not recorded)")]),
    ({"stages": [stage(1, D(2025, 12, 1)), stage(5, D(2026, 12, 1), has_disabilities=False)]}, PERSON,
     [("annual", "disabilities")]),
])
def test_missing_data(change, person, expect) -> None:
    items = due("hmis-missing-data", D(2026, 12, 6), enrollment(**change), person=person)
    got = [(i.title.split(" data for ")[0].removeprefix("HMIS "), i.title.split(": ", 1)[1]) for i in items]
    assert got == expect


def test_missing_data_due_date_from_policy_and_not_for_non_hud() -> None:
    items = due("hmis-missing-data", D(2025, 12, 3), enrollment(stages=[]))
    days = load_policy().hmis.data_entry_days
    nominal = D(2025, 12, 1) + dt.timedelta(days=days)
    assert [(i.due, i.overdue) for i in items] == [(business_calendar(load_policy()).previous_business_day(nominal), False)]
    assert due("hmis-missing-data", D(2026, 12, 6), enrollment(hud=False, stages=[])) == []
    lookback = load_policy().hmis.lookback_days
    exited = enrollment(stages=[], entry=D(2024, 1, 2), exit_date=D(2024, 6, 1), destination=435)
    assert due("hmis-missing-data", D(2024, 6, 1) + dt.timedelta(days=lookback), exited)  # still in the year
    assert due("hmis-missing-data", D(2024, 6, 2) + dt.timedelta(days=lookback), exited) == []  # older: left alone


# --- hmis-exit ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "client_fields", "expect"), [
    ({}, {}, None),                                                            # open case, open enrollment
    ({"exit_date": D(2026, 11, 1), "destination": 435}, {}, None),             # destination recorded
    ({"exit_date": D(2026, 11, 1), "destination": 30}, {}, None),              # "no exit interview" is an answer
    ({"exit_date": D(2026, 11, 1)}, {}, D(2026, 11, 1)),                       # exited, no destination
    ({"exit_date": D(2026, 11, 1), "destination": 99}, {}, D(2026, 11, 1)),    # 99 counts as none
    ({}, {"status": ClientStatus.CLOSED, "exit_date": D(2026, 11, 20)}, D(2026, 11, 20)),  # case closed, still enrolled
    ({}, {"exit_date": D(2026, 12, 20)}, None),                                 # case exits later
])
def test_exit(change, client_fields, expect) -> None:
    items = due("hmis-exit", D(2026, 12, 6), enrollment(**change), **client_fields)
    days = dt.timedelta(days=load_policy().hmis.data_entry_days)
    assert [i.due for i in items] == ([expect + days] if expect else [])
