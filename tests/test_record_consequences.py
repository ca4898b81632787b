"""Doing the real thing clears and starts the right items (issue 23.3), through the real store."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.engine import Engine

from caseterm import clock
from caseterm.models import Appointment, Client, Note
from caseterm.services import appointments as appts
from caseterm.services import records
from caseterm.services.due import due_items
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType, Place

MON = dt.date(2026, 12, 7)


def rules_for(engine: Engine, case_number: str, day: dt.date = MON) -> set[str]:
    with session_scope(engine) as s:
        return {i.rule for i in due_items(s, day) if i.case_number == case_number}


def test_a_kept_initial_interview_is_the_first_interview_and_starts_intake(engine: Engine) -> None:
    clock.pin(MON, dt.time(16, 0))
    with session_scope(engine) as s:
        aisha = Client(case_number="TA-9", legal_name="Aisha Noor", program="TANF",
                       initial_contact_date=MON - dt.timedelta(days=2))
        s.add(aisha)
        s.flush()
        interview = Appointment(client_id=aisha.id, start=dt.datetime.combine(MON, dt.time(15)), minutes=60,
                                kind=AppointmentKind.INITIAL_INTERVIEW, place=Place.OFFICE)
        s.add(interview)
        s.flush()
        interview_id = interview.id
    before = rules_for(engine, "TA-9")
    assert "release" not in before and "case-plan-review" not in before  # not due before the interview
    with session_scope(engine) as s:
        appts.set_status(s, interview_id, AppointmentStatus.KEPT)
    with session_scope(engine) as s:
        assert s.get(Client, 1).first_interview_date == MON
    after = rules_for(engine, "TA-9")
    assert {"release", "case-plan-review"} <= after
    assert "initial-interview" not in after


def test_kept_through_the_appointment_form_too(engine: Engine) -> None:
    clock.pin(MON, dt.time(16, 0))
    with session_scope(engine) as s:
        c = Client(case_number="TA-8", legal_name="Omar Haddad", program="TANF")
        s.add(c)
        s.flush()
        records.save_appointment(s, c, {"start": f"{MON} 09:00", "minutes": "60", "kind": "initial_interview",
                                        "place": "office", "status": "kept"})
    with session_scope(engine) as s:
        assert s.get(Client, 1).first_interview_date == MON


def test_a_home_visit_note_clears_the_month_s_home_visit(engine: Engine) -> None:
    clock.pin(MON, dt.time(16, 0))
    with session_scope(engine) as s:
        c = Client(case_number="HF-7", legal_name="Latoya Harris", program="Housing First",
                   first_interview_date=dt.date(2026, 3, 2))
        s.add(c)
        s.flush()
        cid = c.id
    assert "home-visits" in rules_for(engine, "HF-7")
    with session_scope(engine) as s:
        at = dt.datetime.combine(MON, dt.time(11))
        s.add(Note(uid=str(uuid.uuid4()), client_id=cid, contact_at=at, written_at=at, type=NoteType.HOME_VISIT,
                   method=ContactMethod.HOME_VISIT, outcome=ContactOutcome.REACHED, minutes=45, author="casey",
                   text="Visited; the heating is fixed."))
    assert "home-visits" not in rules_for(engine, "HF-7")
