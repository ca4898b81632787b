"""The services behind the client file's tabs: validation names the bad field
and writes nothing; hours against the requirement; work-search weeks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, HoursEntry, Referral, Release
from caseterm.vocabulary import Activity
from caseterm.services import hours, plans, records
from caseterm.store import session_scope

TODAY = dt.date(2026, 11, 2)


@pytest.fixture
def client(engine) -> Client:
    clock.pin(TODAY, dt.time(10, 0))
    with session_scope(engine) as s:
        c = Client(case_number="C1", legal_name="Ann Able")
        other = Client(case_number="C2", legal_name="Bo Other")
        s.add_all([c, other])
        s.flush()
        return c


def errors_of(call) -> list[str]:
    with pytest.raises(BadInput) as err:
        call()
    return err.value.errors


def test_appointment_errors_name_every_bad_field(engine, client):
    with session_scope(engine) as s:
        errs = errors_of(lambda: records.save_appointment(s, client, {"start": "2026-02-30 09:00", "minutes": "lots", "kind": "party", "place": "office"}))
    assert [e.split(":")[0] for e in errs] == ["start", "minutes", "kind"]
    with session_scope(engine) as s:
        assert s.exec(select(Appointment)).all() == []


def test_appointment_add_then_edit(engine, client):
    with session_scope(engine) as s:
        a = records.save_appointment(s, client, {"start": "2026-11-04 09:00", "minutes": "45", "kind": "fssp", "place": "home"})
    with session_scope(engine) as s:
        records.save_appointment(s, client, {"start": "2026-11-04 10:00", "minutes": "45", "kind": "fssp", "place": "home", "status": "kept"}, a.id)
    with session_scope(engine) as s:
        [row] = s.exec(select(Appointment)).all()
        assert row.start == dt.datetime(2026, 11, 4, 10) and row.status.value == "kept"


def test_records_of_another_client_cannot_be_edited(engine, client):
    with session_scope(engine) as s:
        other = s.exec(select(Client).where(Client.case_number == "C2")).one()
        r = records.save_release(s, other, {"party": "Clinic", "signed_on": "2026-10-01", "expires_on": "2027-10-01"})
    with session_scope(engine) as s, pytest.raises(BadInput, match="not found for case C1"):
        records.save_release(s, client, {"party": "X"}, r.id)


def test_release_and_referral_dates_checked(engine, client):
    with session_scope(engine) as s:
        errs = errors_of(lambda: records.save_release(s, client, {"party": "", "signed_on": "2026-10-01", "expires_on": "2026-09-01"}))
        assert errs == ["party: required", "expires on: is before the date it was signed"]
        errs = errors_of(lambda: records.save_referral(s, client, {"agency": "Goodwill", "referred_on": "2026-12-01"}))
        assert errs == ["referred on: cannot be in the future"]
        records.save_referral(s, client, {"agency": "Goodwill", "service": "job readiness", "referred_on": "2026-10-20"})
    with session_scope(engine) as s:
        assert s.exec(select(Referral)).one().outcome is None
        assert s.exec(select(Release)).all() == []


def test_hours_by_week_against_required_and_exempt(engine, client):
    with session_scope(engine) as s:
        hours.save_hours(s, client, {"week": "2026-10-28", "activity": "employment", "hours": "20", "verified_by": "paystub"})  # a Wednesday
        hours.save_hours(s, client, {"week": "2026-10-26", "activity": "work_search", "hours": "12.5", "verified_by": "other"})
        errs = errors_of(lambda: hours.save_hours(s, client, {"week": "2026-11-09", "activity": "hiking", "hours": "-1"}))
        assert [e.split(":")[0] for e in errs] == ["activity", "hours", "verified by", "week"]
        # No source: refused as the hours grid refuses it (one record standard, 23.6).
        errs = errors_of(lambda: hours.save_hours(s, client, {"week": "2026-10-26", "activity": "employment", "hours": "8"}))
        assert errs == ["verified by: required (paystub, timesheet, employer_call, other)"]
    with session_scope(engine) as s:
        [week] = hours.weekly_hours(s, client)
        assert week.week == dt.date(2026, 10, 26) and week.total == 32.5
        assert week.required == 40 and week.short  # the policy's weekly hours
        client.exempt_hours = 20
        assert hours.required_hours(client) == 20


def test_work_search_weeks_in_the_trailing_twelve_months(engine, client):
    with session_scope(engine) as s:
        start = dt.date(2025, 10, 27)  # a Monday just outside the window
        for i in range(14):
            s.add(HoursEntry(client_id=client.id, week=start + dt.timedelta(weeks=4 * i), activity=Activity.WORK_SEARCH, hours=5))
        s.add(HoursEntry(client_id=client.id, week=dt.date(2026, 10, 5), activity=Activity.EMPLOYMENT, hours=30))
    with session_scope(engine) as s:
        count = hours.work_search_weeks(s, client, TODAY)
        assert count.window_start == dt.date(2025, 11, 2)
        assert count.weeks == 13 and count.level == "limit"  # Mondays 2025-11-24 ... 2026-10-26
        assert (count.warn_at, count.limit) == (10, 12)


def test_plan_goal_objective_task_and_bad_fields(engine, client):
    with session_scope(engine) as s:
        assert errors_of(lambda: plans.save_objective(s, client, {"text": "x"})) == ["goal: add a goal first, then its objectives"]
        goal = plans.save_goal(s, client, {"text": "Stable housing"})
        obj = plans.save_objective(s, client, {"text": "Sign a lease by Jan 31", "goal_id": goal.id})
        errs = errors_of(lambda: plans.save_task(s, client, {"title": "", "responsible": "neighbor", "target_date": "soon", "objective_id": obj.id}))
        assert [e.split(":")[0] for e in errs] == ["task", "responsible", "target date"]
        plans.save_task(s, client, {"title": "Apply at 3 buildings", "responsible": "client", "target_date": "2026-11-20", "objective_id": obj.id})
        plans.save_plan(s, client, {"reviewed_on": "2026-11-02", "signed_on": "2026-11-02", "services": "Rapid rehousing"})
        assert errors_of(lambda: plans.save_plan(s, client, {"signed_on": "2026-12-01"})) == ["client signed: cannot be in the future"]
    with session_scope(engine) as s:
        view = plans.plan_view(s, client)
        assert view.plan.reviewed_on == TODAY
        [gv] = view.goals
        [ov] = gv.objectives
        assert [t.title for t in ov.tasks] == ["Apply at 3 buildings"]
        assert plans.get_plan_item(s, client, "task", ov.tasks[0].id).title == "Apply at 3 buildings"
