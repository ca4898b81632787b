"""Client safety and the case-record standard (issue 12), in the services:
DV home visits refused, the fields each note type needs, prompt-only notes,
amendment reasons and their word diff, reminder-call outcomes, and which form
`x` opens for each due item. Each refusal leaves the database unchanged."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import text as sql_text
from sqlmodel import select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, Note
from caseterm.services import appointments, due, notes, records
from caseterm.services.due_records import record_for
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType, Place

NOW = dt.datetime(2026, 11, 2, 10, 0)
MET = dict(method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED, minutes=30)


@pytest.fixture
def dana(engine) -> Client:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="DV-1", legal_name="Dana Doe", preferred_name="Dana", dv_in_home=True)
        s.add(c)
        s.add(Client(case_number="OK-1", legal_name="Olga Okay"))
        s.flush()
        return c


def dump(engine) -> list:
    """Every row of the tables these writes touch: to show nothing changed."""
    with engine.connect() as conn:
        return [conn.execute(sql_text(f"SELECT * FROM {t} ORDER BY id")).all() for t in ("appointment", "note", "due_state")]


def client(s, case: str) -> Client:
    return s.exec(select(Client).where(Client.case_number == case)).one()


# -- DV home visits (004) ------------------------------------------------------


@pytest.mark.parametrize(
    "kind, place",
    [("home_visit", "home"), ("home_visit", "office"), ("fssp", "home")],
)
def test_booking_a_home_visit_for_a_dv_client_is_refused(engine, dana, kind, place):
    before = dump(engine)
    with pytest.raises(appointments.HomeVisitRefused) as err, session_scope(engine) as s:
        records.save_appointment(s, client(s, "DV-1"), {"start": "2026-11-04 10:00", "minutes": "60", "kind": kind, "place": place})
    assert err.value.errors[0].startswith("place: no home visits for Dana (DV-1)")
    assert err.value.fix["place"] == "office"
    assert ("kind" in err.value.fix) == (kind == "home_visit")
    assert dump(engine) == before


def test_the_office_is_accepted_and_other_clients_get_home_visits(engine, dana):
    with session_scope(engine) as s:
        records.save_appointment(s, client(s, "DV-1"), {"start": "2026-11-04 10:00", "minutes": "60", "kind": "other", "place": "office"})
        records.save_appointment(s, client(s, "OK-1"), {"start": "2026-11-04 12:00", "minutes": "60", "kind": "home_visit", "place": "home"})
    with session_scope(engine) as s:
        assert len(s.exec(select(Appointment)).all()) == 2


def test_editing_into_a_home_visit_is_refused_moving_one_out_is_not(engine, dana):
    with session_scope(engine) as s:
        office = records.save_appointment(s, client(s, "DV-1"), {"start": "2026-11-04 10:00", "minutes": "60", "kind": "fssp", "place": "office"})
        # booked before the flag was set / imported: written directly
        old = Appointment(client_id=dana.id, start=dt.datetime(2026, 11, 5, 10), kind=AppointmentKind.HOME_VISIT, place=Place.HOME)
        s.add(old)
        s.flush()
        office_id, old_id = office.id, old.id
    before = dump(engine)
    with pytest.raises(BadInput, match="no home visits"), session_scope(engine) as s:
        records.save_appointment(s, client(s, "DV-1"), {"start": "2026-11-04 10:00", "minutes": "60", "kind": "fssp", "place": "home"}, office_id)
    with pytest.raises(BadInput, match="no home visits"), session_scope(engine) as s:
        # still a scheduled home visit: moving its time is not enough
        records.save_appointment(s, client(s, "DV-1"), {"start": "2026-11-06 10:00", "minutes": "60", "kind": "home_visit", "place": "home"}, old_id)
    with pytest.raises(BadInput, match="no home visits"), session_scope(engine) as s:
        appointments.reschedule(s, old_id, dt.datetime(2026, 11, 9, 10))
    assert dump(engine) == before
    with session_scope(engine) as s:
        moved = records.save_appointment(s, client(s, "DV-1"), {"start": "2026-11-05 10:00", "minutes": "60", "kind": "other", "place": "office"}, old_id)
        assert moved.place is Place.OFFICE
    with session_scope(engine) as s:
        s.add(Appointment(client_id=dana.id, start=dt.datetime(2026, 11, 6, 10), kind=AppointmentKind.HOME_VISIT,
                          place=Place.HOME, status=AppointmentStatus.CANCELLED))
    with session_scope(engine) as s:
        cancelled = s.exec(select(Appointment).where(Appointment.status == AppointmentStatus.CANCELLED)).one()
        with pytest.raises(BadInput, match="no home visits"):
            appointments.set_status(s, cancelled.id, "scheduled")


# -- the fields each note type needs -------------------------------------------


@pytest.mark.parametrize(
    "note_type, fields, missing",
    [
        (NoteType.CONTACT, {}, ["method", "outcome", "minutes"]),
        (NoteType.CONTACT, {"method": ContactMethod.PHONE, "outcome": ContactOutcome.REACHED}, ["minutes"]),
        (NoteType.CONTACT, {"method": ContactMethod.PHONE, "outcome": ContactOutcome.REACHED, "minutes": 0}, ["minutes"]),
        (NoteType.COLLATERAL, {"outcome": ContactOutcome.REACHED, "minutes": 10}, ["method"]),
        (NoteType.HOME_VISIT, {"method": ContactMethod.HOME_VISIT, "minutes": 60}, ["outcome"]),
        (NoteType.ENGAGEMENT, {"method": ContactMethod.PHONE, "minutes": 5}, ["outcome"]),
        (NoteType.CASE_PLAN, {}, ["minutes"]),
        (NoteType.LETTER, {}, ["method"]),
    ],
)
def test_a_note_without_its_fields_is_refused_naming_them(engine, dana, note_type, fields, missing):
    before = dump(engine)
    with pytest.raises(BadInput) as err, session_scope(engine) as s:
        notes.add_note(s, client(s, "DV-1"), type=note_type, text="Talked about the bus pass.", **fields)
    assert [e.split(":")[0] for e in err.value.errors] == missing
    assert dump(engine) == before


@pytest.mark.parametrize(
    "note_type, fields",
    [
        (NoteType.CONTACT, MET),
        # a letter or an e-mail just sent has no outcome yet
        (NoteType.ENGAGEMENT, {"method": ContactMethod.EMAIL, "minutes": 5}),
        (NoteType.CASE_PLAN, {"minutes": 20}),
        (NoteType.GOOD_CAUSE, {}),
        (NoteType.LETTER, {"method": ContactMethod.LETTER}),
    ],
)
def test_a_note_with_its_fields_is_saved(engine, dana, note_type, fields):
    with session_scope(engine) as s:
        notes.add_note(s, client(s, "DV-1"), type=note_type, text="Talked about the bus pass.", **fields)


def test_requirements_are_said_per_type():
    assert notes.requirement_text(NoteType.CONTACT) == "A contact note needs a method, an outcome and minutes."
    assert notes.requirement_text(NoteType.CASE_PLAN) == "A case plan note needs minutes."
    assert notes.requirement_text(NoteType.GOOD_CAUSE) == "A good cause note needs its text."
    assert set(notes.REQUIRED_FIELDS) == set(NoteType)


def test_quick_log_and_letters_meet_the_standard(engine, dana):
    with session_scope(engine) as s:
        attempt = notes.quick_log(s, client(s, "DV-1"), ContactMethod.PHONE, ContactOutcome.NO_ANSWER)
        assert attempt.minutes == 5  # policy notes.attempt_minutes


def test_template_prompts_alone_are_an_empty_note(engine, dana):
    template = notes.note_template(NoteType.CONTACT)
    assert "D (data): what happened" in template
    before = dump(engine)
    with pytest.raises(BadInput) as err, session_scope(engine) as s:
        notes.add_note(s, client(s, "DV-1"), type=NoteType.CONTACT, text=template, **MET)
    assert err.value.errors[0].startswith("text: only the template's headings and prompts")
    assert dump(engine) == before
    with session_scope(engine) as s:
        filled = template.replace("said and did.\n", "said and did.\nDana came in; her car broke down.\n", 1)
        notes.add_note(s, client(s, "DV-1"), type=NoteType.CONTACT, text=filled, **MET)
        # a line that starts with a prompt and goes on is the writer's own words
        notes.add_note(s, client(s, "DV-1"), type=NoteType.HOME_VISIT, text="Present: Dana and her sister.",
                       method=ContactMethod.HOME_VISIT, outcome=ContactOutcome.REACHED, minutes=45)


# -- amendments ----------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   ", "two\nlines"])
def test_an_amendment_needs_a_one_line_reason(engine, dana, reason):
    with session_scope(engine) as s:
        original = notes.add_note(s, client(s, "DV-1"), type=NoteType.CONTACT, text="Client has three children.", **MET)
    before = dump(engine)
    with pytest.raises(BadInput, match="^reason:"), session_scope(engine) as s:
        notes.amend_note(s, original.id, text="Client has two children.", reason=reason)
    assert dump(engine) == before


def test_an_amendment_keeps_its_reason_and_diffs_by_word(engine, dana):
    with session_scope(engine) as s:
        original = notes.add_note(s, client(s, "DV-1"), type=NoteType.CONTACT, text="Client has three children.", **MET)
    with session_scope(engine) as s:
        amendment = notes.amend_note(s, original.id, text="Client has two children.", reason=" misheard the number ")
        assert amendment.amend_reason == "misheard the number"
    parts = notes.word_diff("Client has three children.", "Client has two children.")
    assert [(p.op, p.text) for p in parts] == [
        ("same", "Client has "), ("removed", "three "), ("added", "two "), ("same", "children."),
    ]


def test_the_diff_shows_the_change_not_the_whole_note():
    old = " ".join(f"w{i}" for i in range(40))
    new = old.replace("w20", "CHANGED")
    hunks = notes.diff_hunks(notes.word_diff(old, new), context=3)
    shown = "".join(p.text for p in hunks)
    assert shown == "… w17 w18 w19 w20 CHANGED w21 w22 w23 …"
    assert [p.op for p in hunks] == ["same", "removed", "added", "same"]
    assert notes.diff_hunks(notes.word_diff(old, old)) == []


# -- reminder calls --------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["reached", "left_message", "no_answer", "wrong_number"])
def test_a_reminder_call_records_how_it_went(engine, dana, outcome):
    with session_scope(engine) as s:
        appt = Appointment(client_id=dana.id, start=NOW.replace(hour=14), kind=AppointmentKind.FSSP)
        s.add(appt)
        s.flush()
        appt_id = appt.id
    with session_scope(engine) as s:
        appointments.log_reminder_call(s, appt_id, True, outcome)
    with session_scope(engine) as s:
        appt = s.get(Appointment, appt_id)
        assert appt.reminder_called and appt.reminder_outcome == outcome
        note = s.exec(select(Note)).one()
        assert (note.type, note.method, note.outcome.value, note.appointment_id) == (NoteType.CONTACT, ContactMethod.PHONE, outcome, appt_id)
        assert note.minutes == 5 and "Reminder call for the FSSP of Mon Nov 02 14:00" in note.text
        assert not [i for i in due.due_items(s, NOW.date()) if i.rule == "reminder-call"]


def test_a_reminder_call_is_not_the_appointments_note(engine, dana):
    """The call made in the morning does not document the meeting held later (finish-note)."""
    with session_scope(engine) as s:
        appt = Appointment(client_id=dana.id, start=NOW.replace(hour=9), kind=AppointmentKind.FSSP)
        s.add(appt)
        s.flush()
        appt_id = appt.id
    clock.pin(NOW.date(), dt.time(8, 15))
    with session_scope(engine) as s:
        appointments.log_reminder_call(s, appt_id, True, "reached")
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        appointments.set_status(s, appt_id, "kept")
    with session_scope(engine) as s:
        assert [i.rule for i in due.due_items(s, NOW.date()) if i.case_number == "DV-1" and i.rule == "finish-note"] == ["finish-note"]


def test_a_reminder_call_outcome_must_be_one_of_the_four(engine, dana):
    with session_scope(engine) as s:
        appt = Appointment(client_id=dana.id, start=NOW.replace(hour=14), kind=AppointmentKind.FSSP)
        s.add(appt)
        s.flush()
        appt_id = appt.id
    before = dump(engine)
    with pytest.raises(BadInput, match="^outcome:"), session_scope(engine) as s:
        appointments.log_reminder_call(s, appt_id, True, "returned_mail")
    assert dump(engine) == before


# -- what `x` opens -------------------------------------------------------------


def _item(rule: str, target: dict | None = None, case: str | None = "C1", title: str = "t") -> SimpleNamespace:
    return SimpleNamespace(rule=rule, case_number=case, target=target or {}, title=title, key=f"{rule}|{case}|x")


@pytest.mark.parametrize(
    "rule, target, form",
    [
        ("finish-note", {"screen": "note", "appointment_id": 3}, "note"),
        ("participation", {"screen": "hours"}, "note"),
        ("follow-up", {"screen": "note"}, "note"),
        ("engagement", {"screen": "note"}, "note"),
        ("reminder-call", {"screen": "schedule", "appointment_id": 3}, "reminder"),
        ("release", {"screen": "client", "tab": "releases"}, "release"),
        ("case-plan-review", {"screen": "client", "tab": "plan"}, "plan"),
        ("referral-follow-up", {"screen": "client", "tab": "referrals", "referral_id": 4}, "referral"),
        ("work-verification", {"screen": "hours", "week": "2026-10-05"}, "hours"),
        ("re-engagement", {"screen": "schedule"}, "appointment"),
        ("vi-spdat", {"screen": "client"}, "assessment"),
        ("caseload-print", {"screen": "caseload"}, "direct"),
        ("childcare", {"screen": "client"}, "direct"),
        ("manual", {"screen": "tasks"}, "direct"),
        ("not-initialized", {"screen": "client"}, "go"),
    ],
)
def test_done_needs_its_record(rule, target, form):
    request = record_for(_item(rule, target), NOW.date())
    assert request.form == form
    if form == "referral":
        assert request.record_id == 4
    if form == "hours":
        assert request.prefill == {"week": "2026-10-05"}
    if form == "plan":
        assert request.prefill == {"reviewed_on": "2026-11-02"}


@pytest.mark.parametrize("status", ["kept", "no_show"])
def test_an_appointment_that_has_not_started_cannot_be_kept(engine, dana, status):
    with session_scope(engine) as s:
        appt = Appointment(client_id=dana.id, start=NOW.replace(hour=13, minute=30), kind=AppointmentKind.FSSP)
        s.add(appt)
        s.flush()
        appt_id = appt.id
    before = dump(engine)
    with pytest.raises(BadInput, match="starts at 13:30"), session_scope(engine) as s:
        appointments.set_status(s, appt_id, status)
    assert dump(engine) == before
    clock.pin(NOW.date(), dt.time(13, 30))
    with session_scope(engine) as s:
        assert appointments.set_status(s, appt_id, status).status.value == status


@pytest.mark.parametrize("note_type", [t for t in NoteType if t is not NoteType.TRANSFER])
def test_every_template_alone_is_an_empty_note_for_every_type(engine, dana, note_type: NoteType) -> None:
    """The appointment kinds' templates (the FSSP's) count as empty too, under any note type (23.2)."""
    from caseterm.vocabulary import AppointmentKind

    bodies = {notes.appointment_template(kind.value, note_type) for kind in AppointmentKind}
    bodies |= set(notes.all_templates().values())
    bodies.discard("")  # a type without a template starts empty: that is the "text required" refusal
    assert any("FSSP" in body for body in bodies)
    before = dump(engine)
    for body in bodies:
        with pytest.raises(BadInput) as err, session_scope(engine) as s:
            notes.add_note(s, client(s, "DV-1"), type=note_type, text=body, **MET)
        assert any(e.startswith("text: only the template's headings and prompts") for e in err.value.errors), body[:40]
    assert dump(engine) == before
