"""Issue 12 pressed key by key: a home visit for a DV client refused with the
office offered, a contact note without a method refused with the draft kept,
`x` on a finish-note item opening the note form, an amendment without a
reason refused, and a reminder call's outcome logged."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from textual.widgets import Select

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Appointment, Client, Note, NoteDraft
from caseterm.screens.client import ClientScreen
from caseterm.screens.note import NoteScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType, Place
from caseterm.widgets.due_today import DueList, DueToday
from caseterm.widgets.quick_log import ReminderCall
from caseterm.widgets.record_form import RecordForm

NOW = dt.datetime(2026, 11, 2, 10, 0)
SIZE = (150, 45)


@pytest.fixture
def seeded(engine):
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        dana = Client(case_number="DV-1", legal_name="Dana Doe", preferred_name="Dana", dv_in_home=True)
        s.add(dana)
        s.flush()
        # booked before the flag was set (or imported)
        s.add(Appointment(client_id=dana.id, start=dt.datetime(2026, 11, 4, 10), kind=AppointmentKind.HOME_VISIT,
                          place=Place.HOME, reminder_called=True))
    return engine


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def appointments_of(engine) -> list[tuple]:
    with session_scope(engine) as s:
        return [(a.kind, a.place, a.start) for a in s.exec(select(Appointment).order_by(Appointment.id)).all()]


def notifications(app) -> str:
    return "\n".join(str(n.message) for n in app.notice_log)


async def test_a_new_appointment_for_a_dv_client_never_offers_home(seeded):
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_client("DV-1", "appointments")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        places = [value for _, value in form.query_one("#field-place", Select)._options if value is not Select.BLANK]
        kinds = [value for _, value in form.query_one("#field-kind", Select)._options if value is not Select.BLANK]
        assert "home" not in places and "office" in places
        assert "home_visit" not in kinds
        assert "no home visits" in str(form.query_one(".form-help").render())


async def test_a_home_visit_for_a_dv_client_is_refused_and_the_office_offered(seeded):
    before = appointments_of(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_client("DV-1", "appointments")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        screen.query_one("#appointments-table").focus()
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        # move it two hours later, still at home: refused, the reason named
        start = form.query_one("#field-start")
        start.value = "2026-11-04 12:00"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        errors = str(form.query_one("#form-errors").render())
        assert "no home visits for Dana" in errors and "office" in errors
        assert "Ctrl+O" in str(form.query_one("#form-offer").render())
        assert appointments_of(seeded) == before
        # the offer: the office, one key; Enter-save books it there
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert form.query_one("#field-place", Select).value == "office"
        assert form.query_one("#field-kind", Select).value == "other"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
    assert appointments_of(seeded) == [(AppointmentKind.OTHER, Place.OFFICE, dt.datetime(2026, 11, 4, 12))]


async def test_a_contact_note_without_a_method_is_refused_and_the_draft_kept(seeded):
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_note("DV-1")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        assert "A contact note needs a method, an outcome and minutes." in str(screen.query_one("#note-status").render())
        screen.editor.set_text("")
        screen.query_one("#note-outcome", Select).value = "reached"
        screen.query_one("#note-minutes").value = "20"
        await pilot.press("tab")  # back to the text
        screen.editor.focus_text()
        await pilot.press(*"Dana called about the bus pass.", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen  # still open, text on screen
        shown = notifications(app)
        assert "method: required for a contact note" in shown and "draft is kept" in shown
        assert screen.editor.text == "Dana called about the bus pass."
        with session_scope(seeded) as s:
            assert s.exec(select(Note)).all() == []
            assert s.exec(select(NoteDraft)).one().text == "Dana called about the bus pass."
        # with a method it saves
        screen.query_one("#note-method", Select).value = "phone"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoteScreen)
    with session_scope(seeded) as s:
        note = s.exec(select(Note)).one()
        assert (note.method, note.outcome, note.minutes) == (ContactMethod.PHONE, ContactOutcome.REACHED, 20)
        assert s.exec(select(NoteDraft)).all() == []


async def test_a_note_of_template_prompts_only_is_refused(seeded):
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_note("DV-1")
        await settle(app, pilot)
        screen = app.screen
        assert "D (data): what happened" in screen.editor.text  # the template is in the editor
        for name, value in (("#note-method", "phone"), ("#note-outcome", "reached")):
            screen.query_one(name, Select).value = value
        screen.query_one("#note-minutes").value = "10"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert "only the template's headings and prompts" in notifications(app)
    with session_scope(seeded) as s:
        assert s.exec(select(Note)).all() == []


async def test_x_on_a_finish_note_item_opens_the_note_form_and_the_note_clears_it(engine):
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate")
        s.add(c)
        s.flush()
        s.add(Appointment(client_id=c.id, start=NOW.replace(hour=8, minute=30), minutes=45, kind=AppointmentKind.FSSP,
                          status=AppointmentStatus.KEPT, reminder_called=True))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sidebar = app.screen.query_one(DueToday)
        app.screen.query_one(DueList).focus()
        await pilot.pause()
        items = app.screen.query_one(DueList)
        item = next(i for i in app.due_items if i.rule == "finish-note")
        items.highlighted = items.get_option_index(item.key)
        await pilot.pause()
        assert sidebar.current.key == item.key
        await pilot.press("x")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)  # not ticked off: the form that makes the record
        assert any(i.key == item.key for i in app.due_items)
        values = screen.editor.values()
        assert (values.contact_time, values.method, values.outcome, values.minutes) == ("08:30", "office", "reached", "45")
        screen.editor.set_text("")
        await pilot.press(*"Reviewed the FSSP; job search starts Monday.", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoteScreen)
        assert all(i.key != item.key for i in app.due_items)
    with session_scope(engine) as s:
        assert s.exec(select(Note)).one().text == "Reviewed the FSSP; job search starts Monday."


async def test_amending_without_a_reason_is_refused(engine):
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate")
        s.add(c)
        s.flush()
        notes_service.add_note(s, c, type=NoteType.CONTACT, text="Client has three children.", contact_at=NOW,
                               method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED, minutes=30)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_client("C100")
        await settle(app, pilot)
        client_screen = app.screen
        client_screen.query_one("#note-list").focus()
        await pilot.press("m")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen) and screen.amends_id is not None
        screen.editor.set_text("Client has two children.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert "reason: an amendment needs a reason" in notifications(app)
        with session_scope(engine) as s:
            assert len(s.exec(select(Note)).all()) == 1
        screen.query_one("#amend-reason").focus()
        await pilot.press(*"misheard the number", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is client_screen
        # the timeline: the reason, and the change as a word diff
        shown = client_screen.query_one("#note-list").get_option_at_index(0).prompt.plain
        assert "Reason: misheard the number" in shown
        assert shown.count("Client has") == 2  # the original, then the diff (not the whole note twice over)
        assert "threetwo" in shown.replace(" ", "")
    with session_scope(engine) as s:
        amendment = s.exec(select(Note).where(Note.amends_id.is_not(None))).one()
        assert amendment.amend_reason == "misheard the number"


async def test_a_reminder_call_records_how_it_went(engine):
    from caseterm.screens.schedule import AppointmentItem

    clock.pin(NOW.date(), dt.time(8, 10))
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate")
        s.add(c)
        s.flush()
        appt = Appointment(client_id=c.id, start=NOW.replace(hour=14), kind=AppointmentKind.FSSP)
        s.add(appt)
        s.flush()
        appt_id = appt.id
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        app.screen.query_one(f"#appt-{appt_id}", AppointmentItem).focus()
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, ReminderCall)
        await pilot.press("2")  # left message
        await settle(app, pilot)
        assert not [i for i in app.due_items if i.rule == "reminder-call"]
    with session_scope(engine) as s:
        appt = s.get(Appointment, appt_id)
        assert appt.reminder_called and appt.reminder_outcome == "left_message"
        note = s.exec(select(Note)).one()
        assert (note.method, note.outcome) == (ContactMethod.PHONE, ContactOutcome.LEFT_MESSAGE)


async def test_x_on_a_release_item_opens_the_release_form_and_the_release_clears_it(engine):
    from caseterm.models import Release

    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        s.add(Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate",
                     referral_date=dt.date(2026, 6, 1), initial_contact_date=dt.date(2026, 6, 3)))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        items = app.screen.query_one(DueList)
        items.focus()
        item = next(i for i in app.due_items if i.rule == "release")
        items.highlighted = items.get_option_index(item.key)
        await pilot.pause()
        await pilot.press("x")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        assert "Saving this clears: Get a signed release" in str(form.query_one(".form-help").render())
        assert form.query_one("#field-signed_on").value == "2026-11-02"
        assert any(i.key == item.key for i in app.due_items)  # not ticked off
        await pilot.press(*"Housing Authority", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ClientScreen)
        assert all(i.key != item.key for i in app.due_items)
    with session_scope(engine) as s:
        assert s.exec(select(Release)).one().party == "Housing Authority"


async def test_x_on_a_dv_home_visit_item_opens_its_form_with_the_office_offered(seeded):
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        items = app.screen.query_one(DueList)
        items.focus()
        item = next(i for i in app.due_items if i.rule == "dv-home-visit")
        items.highlighted = items.get_option_index(item.key)
        await pilot.pause()
        await pilot.press("x")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        assert "Ctrl+O: Move it to the office" in str(form.query_one("#form-offer").render())
        await pilot.press("ctrl+o", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ClientScreen)
        assert all(i.rule != "dv-home-visit" for i in app.due_items)
    assert appointments_of(seeded) == [(AppointmentKind.OTHER, Place.OFFICE, dt.datetime(2026, 11, 4, 10))]
