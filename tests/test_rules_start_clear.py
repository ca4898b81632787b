"""DOMAIN.md's rule table, rule by rule: which record starts it, which record satisfies it
(issue 23.3). Through the real store: the records go in through the services (or
the tables where a form writes them), the due list comes from `services.due.due_items`
(the SQL snapshot and the rules), on a pinned Monday morning.

Each row: the client as it is before (no item), the record that starts the rule
(the item appears), the record that satisfies it (the item goes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from caseterm import clock
from caseterm.models import (
    Appointment,
    Assessment,
    CasePlan,
    Client,
    HoursEntry,
    ManualTask,
    Referral,
    Release,
)
from caseterm.rules.engine import load_rules
from caseterm.services import appointments as appts
from caseterm.services import due
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)

MON = dt.date(2026, 12, 7)
D = dt.date
CASE = "TA-5"


def at(day: dt.date, hhmm: str = "10:00") -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m))


def note(type_: NoteType, when: dt.datetime, method: ContactMethod = ContactMethod.PHONE,
         outcome: ContactOutcome | None = ContactOutcome.REACHED) -> Callable[[Session, Client], Any]:
    def add(s: Session, c: Client) -> None:
        notes_service.add_note(s, c, type=type_, text="Talked about the plan.", contact_at=when, method=method,
                               outcome=outcome, minutes=10, written_at=when + dt.timedelta(hours=1), author="casey")
    return add


def appt(when: dt.datetime, kind: AppointmentKind = AppointmentKind.FSSP,
         status: AppointmentStatus = AppointmentStatus.SCHEDULED, place: Place = Place.OFFICE) -> Callable:
    def add(s: Session, c: Client) -> None:
        s.add(Appointment(client_id=c.id, start=when, minutes=60, kind=kind, status=status, place=place))
    return add


def fields(**values: Any) -> Callable:
    def change(s: Session, c: Client) -> None:
        for k, v in values.items():
            setattr(c, k, v)
        s.add(c)
    return change


def add(*rows: Callable[[Client], Any]) -> Callable:
    def put(s: Session, c: Client) -> None:
        for row in rows:
            s.add(row(c))
    return put


def both(*steps: Callable) -> Callable:
    def run(s: Session, c: Client) -> None:
        for step in steps:
            step(s, c)
            s.flush()
    return run


def _set_status(kind: AppointmentKind, status: AppointmentStatus) -> Callable:
    def change(s: Session, c: Client) -> None:
        a = s.exec(select(Appointment).where(Appointment.client_id == c.id, Appointment.kind == kind)).first()
        appts.set_status(s, a.id, status)
    return change


def _reminder_logged(s: Session, c: Client) -> None:
    a = s.exec(select(Appointment).where(Appointment.client_id == c.id)).first()
    appts.log_reminder_call(s, a.id, True, ContactOutcome.REACHED)


def _mark_done(rule: str) -> Callable:
    def done(s: Session, c: Client) -> None:
        for item in due.due_items(s, MON):
            if item.rule == rule and item.case_number in (c.case_number, None):
                due.mark_done(s, item.key)
    return done


def _moved_to_office(s: Session, c: Client) -> None:
    a = s.exec(select(Appointment).where(Appointment.client_id == c.id)).first()
    a.kind, a.place = AppointmentKind.OTHER, Place.OFFICE
    s.add(a)


def _draft(s: Session, c: Client) -> None:
    clock.pin(MON, dt.time(7, 0))
    notes_service.save_draft(s, c, text="Called about the bus pass", fields={"type": "contact"})


def _discard(s: Session, c: Client) -> None:
    notes_service.discard_draft(s, c)


def _weeks(*mondays: dt.date, hours: float = 40, activity: Activity = Activity.EMPLOYMENT) -> Callable:
    return add(*(lambda c, w=w: HoursEntry(client_id=c.id, week=w, activity=activity, hours=hours) for w in mondays))


NOV_WEEKS = (D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16), D(2026, 11, 23), D(2026, 11, 30))
ENROLLED = {"first_interview_date": D(2026, 3, 2), "initial_contact_date": D(2026, 3, 1)}
HF = {"program": "Housing First", **ENROLLED}

#: rule id -> (the client before, the record that starts the rule, the record that satisfies it)
ROWS: dict[str, tuple[dict[str, Any], Callable, Callable]] = {
    "reminder-call": (HF, appt(at(MON, "10:00")), _reminder_logged),
    "finish-note": (HF, appt(at(D(2026, 12, 4)), status=AppointmentStatus.KEPT),
                    note(NoteType.CONTACT, at(D(2026, 12, 4), "10:05"), ContactMethod.OFFICE)),
    "missed-activity": (HF, appt(at(D(2026, 12, 4)), status=AppointmentStatus.NO_SHOW),
                        note(NoteType.ENGAGEMENT, at(D(2026, 12, 4), "15:00"), outcome=ContactOutcome.NO_ANSWER)),
    "engagement": (HF, appt(at(D(2026, 12, 4)), status=AppointmentStatus.NO_SHOW),
                   note(NoteType.CONTACT, at(D(2026, 12, 5)))),
    # a no-show, a letter and a call that failed: re-engagement; the staffing booked settles it
    "re-engagement": (HF, both(appt(at(D(2026, 11, 16)), status=AppointmentStatus.NO_SHOW),
                               note(NoteType.LETTER, at(D(2026, 11, 17)), ContactMethod.LETTER, None),
                               note(NoteType.ENGAGEMENT, at(D(2026, 11, 18)), outcome=ContactOutcome.NO_ANSWER)),
                      appt(at(D(2026, 12, 9)), AppointmentKind.RE_ENGAGEMENT_STAFFING)),
    "good-cause": (HF, fields(penalty_start=D(2026, 12, 1)), note(NoteType.GOOD_CAUSE, at(D(2026, 12, 4)))),
    "penalty": (HF, fields(penalty_start=D(2026, 12, 1)),
                appt(at(D(2026, 12, 10)), AppointmentKind.HOME_VISIT, place=Place.HOME)),
    "not-initialized": (HF, fields(status=ClientStatus.NOT_INITIALIZED), fields(status=ClientStatus.OPEN)),
    "caseload-print": (HF, lambda s, c: None, _mark_done("caseload-print")),
    # enrolled in January: November's weeks are owed; entering them settles it
    "work-verification": ({"initial_contact_date": MON}, fields(initial_contact_date=D(2026, 1, 5)),
                          _weeks(*NOV_WEEKS)),
    "close-case": (HF, fields(close_pending=True), fields(status=ClientStatus.CLOSED)),
    "childcare": (HF, fields(needs_childcare=True), _mark_done("childcare")),
    "participation": ({**ENROLLED}, _weeks(D(2026, 11, 30), hours=20),
                      appt(at(D(2026, 12, 9)), AppointmentKind.DEBRIEFING)),
    "work-search-limit": ({**ENROLLED}, _weeks(*(D(2026, 9, 28) + dt.timedelta(weeks=i) for i in range(10)),
                                              hours=20, activity=Activity.WORK_SEARCH),
                          None),  # no record clears it: old weeks roll out of the 12 months
    "initial-interview": ({"program": "Housing First"}, fields(initial_contact_date=D(2026, 11, 20)),
                          both(appt(at(D(2026, 12, 4)), AppointmentKind.INITIAL_INTERVIEW),
                               _set_status(AppointmentKind.INITIAL_INTERVIEW, AppointmentStatus.KEPT))),
    "vi-spdat": (HF, fields(shelter_entry_date=D(2026, 11, 25)),
                 add(lambda c: Assessment(client_id=c.id, kind=AssessmentKind.VI_SPDAT, date=D(2026, 11, 30)),
                     lambda c: Assessment(client_id=c.id, kind=AssessmentKind.SPDAT, date=D(2026, 12, 3)))),
    # the first interview starts the first plan and the first release (23.3); met Dec 3, interview due by Dec 11
    "case-plan-review": ({"program": "Housing First", "initial_contact_date": D(2026, 12, 3)},
                         both(appt(at(D(2026, 12, 4)), AppointmentKind.INITIAL_INTERVIEW),
                              _set_status(AppointmentKind.INITIAL_INTERVIEW, AppointmentStatus.KEPT)),
                         add(lambda c: CasePlan(client_id=c.id, reviewed_on=D(2026, 12, 4)))),
    "release": ({"program": "Housing First", "initial_contact_date": D(2026, 12, 3)},
                both(appt(at(D(2026, 12, 4)), AppointmentKind.INITIAL_INTERVIEW),
                     _set_status(AppointmentKind.INITIAL_INTERVIEW, AppointmentStatus.KEPT)),
                add(lambda c: Release(client_id=c.id, party="Coordinated Entry", signed_on=D(2026, 12, 4),
                                      expires_on=D(2027, 12, 4)))),
    # enrolled in November (before: enrolled later in December); a home-visit note of the month settles it
    "home-visits": ({"program": "Housing First", "initial_contact_date": D(2026, 12, 20)},
                    fields(initial_contact_date=D(2026, 11, 2), first_interview_date=D(2026, 11, 2)),
                    note(NoteType.HOME_VISIT, at(D(2026, 12, 3)), ContactMethod.HOME_VISIT)),
    "dv-home-visit": ({**HF, "dv_in_home": True}, appt(at(D(2026, 12, 10)), AppointmentKind.HOME_VISIT, place=Place.HOME),
                      _moved_to_office),
    # first contact Dec 1: the default 14 days run to Dec 15; agreeing on every 3 days starts it
    "follow-up": ({"program": "Housing First", "initial_contact_date": D(2026, 12, 1)}, fields(follow_up_days=3),
                  note(NoteType.CONTACT, at(D(2026, 12, 5)))),
    "referral-follow-up": (HF, add(lambda c: Referral(client_id=c.id, agency="Food bank", referred_on=D(2026, 11, 20))),
                           lambda s, c: [setattr(r, "outcome", "linked") or s.add(r) for r in
                                         s.exec(select(Referral).where(Referral.client_id == c.id)).all()]),
    "plan-date": (HF, fields(plan_review_date=D(2026, 12, 1)),
                  appt(at(D(2026, 12, 3)), AppointmentKind.FSSP, status=AppointmentStatus.KEPT)),
    "manual": (HF, add(lambda c: ManualTask(client_id=c.id, title="Call the landlord", due=MON)),
               lambda s, c: [setattr(t, "done", True) or s.add(t) for t in s.exec(select(ManualTask)).all()]),
    "draft": (HF, _draft, _discard),
}

#: HMIS rules start and clear on HMIS records (enrollments, stage collections, exits):
#: tests/test_rules_hmis.py covers both for each, and tests/test_hmis_record.py the records.
HMIS = {"hmis-annual-assessment", "hmis-missing-data", "hmis-exit"}


def test_every_rule_has_a_row() -> None:
    assert set(ROWS) | HMIS == set(load_rules())


def _present(engine: Engine, rule: str) -> bool:
    with session_scope(engine) as s:
        return any(i.rule == rule and i.case_number in (CASE, None) for i in due.due_items(s, MON))


@pytest.mark.parametrize("rule", sorted(ROWS))
def test_the_record_that_starts_it_and_the_record_that_satisfies_it(engine: Engine, rule: str) -> None:
    clock.pin(MON, dt.time(7, 0))  # Monday morning, before the day's appointments
    before, start, satisfy = ROWS[rule]
    with session_scope(engine) as s:
        c = Client(case_number=CASE, legal_name="Rae Ortiz", **{"program": "TANF", **before})
        s.add(c)
    if rule != "caseload-print":  # a Monday's list is due for any caseload
        assert not _present(engine, rule), "before the record that starts it"
    with session_scope(engine) as s:
        start(s, s.exec(select(Client)).one())
    assert _present(engine, rule), "the record that starts it"
    if satisfy is None:
        return
    with session_scope(engine) as s:
        satisfy(s, s.exec(select(Client)).one())
    assert not _present(engine, rule), "the record that satisfies it"
