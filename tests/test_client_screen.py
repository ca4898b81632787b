"""Pilot tests of the client file inside the real app, on a real SQLite file."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Appointment, Client, HoursEntry, Note, Objective, PlanTask
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
)
from caseterm.screens.client import ClientScreen
from caseterm.screens.note import NoteScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.widgets.note_card import NoteTimeline
from caseterm.widgets.note_editor import NoteEditor
from caseterm.widgets.record_form import RecordForm

NOW = dt.datetime(2026, 11, 2, 10, 0)
SIZE = (150, 45)
#: What the record standard asks of a contact note.
MET = dict(method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED, minutes=30)


@pytest.fixture
def client(engine) -> Client:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate")
        s.add(c)
        s.flush()
        return c


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_client(app, pilot, tab: str | None = None) -> ClientScreen:
    await settle(app, pilot)
    app.open_client("C100", tab)
    await settle(app, pilot)
    assert isinstance(app.screen, ClientScreen)
    return app.screen


def timeline(screen: ClientScreen) -> NoteTimeline:
    return screen.query_one(NoteTimeline)


def entry_text(screen: ClientScreen, index: int = 0):
    """The Rich Text of one timeline entry (what the user sees)."""
    return timeline(screen).get_option_at_index(index).prompt


async def test_note_from_due_item_clears_it(engine, client):
    with session_scope(engine) as s:
        appt = Appointment(client_id=client.id, start=NOW.replace(hour=8, minute=30), minutes=45,
                           kind=AppointmentKind.FSSP, status=AppointmentStatus.KEPT)
        s.add(appt)
        s.flush()
        appt_id = appt.id
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        item = next(i for i in app.due_items if i.rule == "finish-note" and i.case_number == "C100")
        app.open_note("C100", item.target.get("appointment_id"), item.key)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        values = screen.editor.values()
        assert (values.contact_date, values.contact_time, values.minutes) == ("2026-11-02", "08:30", "45")
        screen.editor.set_text("")
        await pilot.press(*"Reviewed FSSP goals; client starts job search Monday.", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoteScreen)
        assert all(i.key != item.key for i in app.due_items)
    with session_scope(engine) as s:
        note = s.exec(select(Note)).one()
        assert note.contact_at == NOW.replace(hour=8, minute=30) and note.minutes == 45
        assert appt_id is not None


async def test_amend_shows_both_versions(engine, client):
    with session_scope(engine) as s:
        notes_service.add_note(s, client, type=NoteType.CONTACT, text="Client has three children.", **MET,
                               contact_at=NOW - dt.timedelta(hours=1), author="jdoe")
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, NoteScreen)
        app.screen.query_one(NoteEditor).set_text("Client has two children.")
        app.screen.query_one("#amend-reason").value = "two, not three"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        [thread] = timeline(screen).threads
        assert [n.text for n in thread.superseded] == ["Client has three children."]
        assert thread.current.text == "Client has two children."
        text = entry_text(screen)
        plain = text.plain
        amendment = plain.index("Amendment by")
        assert plain.index("three children") < amendment < plain.index("Reason: two, not three")
        assert "2026-11-02 10:00" in plain[amendment:]

        def struck(at: int) -> bool:
            return any(getattr(span.style, "strike", False) for span in text.spans if span.start <= at < span.end)

        # the amendment is a word diff: "three" struck through, "two" added, the rest once
        diff = plain.index("\n", plain.index("Reason:"))
        removed = plain.index("three", diff)
        added = plain.index("two ", removed)
        assert struck(removed), "the corrected word is struck through"
        assert not struck(added)
        assert plain[diff:].count("Client has") == 1
    with session_scope(engine) as s:
        rows = s.exec(select(Note).order_by(Note.id)).all()
        assert [r.text for r in rows] == ["Client has three children.", "Client has two children."]
        assert rows[1].amends_id == rows[0].id


async def test_late_entry_marked_on_timeline(engine, client):
    with session_scope(engine) as s:
        notes_service.add_note(s, client, type=NoteType.CONTACT, text="Phone call last week.", **MET,
                               contact_at=NOW - dt.timedelta(days=3))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot)
        [thread] = timeline(screen).threads
        assert thread.original.late_entry
        assert "LATE ENTRY" in entry_text(screen).plain


async def test_quick_log_and_engagement_filter(engine, client):
    with session_scope(engine) as s:
        notes_service.add_note(s, client, type=NoteType.CONTACT, text="Office visit.", **MET, contact_at=NOW - dt.timedelta(hours=2))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot)
        await pilot.press("l", "p", "2", "3", "enter")  # log attempt: phone, left message
        await settle(app, pilot)
        assert isinstance(app.screen, ClientScreen)
        await pilot.press("l", "l", "4", "enter")  # log attempt: letter, returned mail (letter · sent writes one)
        await settle(app, pilot)
        assert len(timeline(screen).threads) == 3
        await pilot.press("f")
        await settle(app, pilot)
        threads = timeline(screen).threads
        assert len(threads) == 2 and all(t.is_engagement for t in threads)
        assert entry_text(screen).plain.startswith("◆")
        await pilot.press("f")
        await settle(app, pilot)
        assert len(timeline(screen).threads) == 3
    with session_scope(engine) as s:
        logged = s.exec(select(Note).where(Note.type == NoteType.ENGAGEMENT).order_by(Note.id)).all()
        assert [(n.method, n.outcome) for n in logged] == [(ContactMethod.PHONE, ContactOutcome.LEFT_MESSAGE), (ContactMethod.LETTER, ContactOutcome.RETURNED_MAIL)]


async def test_hours_form_names_the_bad_field(engine, client):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot, tab="hours")
        await pilot.press("a")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#field-hours").value = "lots"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        errors = str(form.query_one("#form-errors").render())
        assert "hours: 'lots' is not a number" in errors and "verified by: required" in errors
        form.query_one("#field-hours").value = "12.5"
        form.query_one("#field-verified_by").focus()
        await pilot.press("t")  # one key: timesheet
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert "12.5" in str(screen.query_one("#hours-table").get_row_at(0))
    with session_scope(engine) as s:
        entry = s.exec(select(HoursEntry)).one()
        assert entry.hours == 12.5 and entry.week == dt.date(2026, 10, 26) and entry.activity is Activity.EMPLOYMENT
        assert entry.verified_by == "timesheet"


async def test_case_plan_goal_objective_task(engine, client):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot, tab="plan")
        await pilot.press("g")
        await settle(app, pilot)
        app.screen.query_one("#field-text").value = "Stable housing"
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        app.screen.query_one("#field-text").value = "Apply to 3 apartments by Nov 30"
        await pilot.press("enter")
        await settle(app, pilot)
        screen.query_one("#plan-table").move_cursor(row=1)
        await pilot.press("t")
        await settle(app, pilot)
        app.screen.query_one("#field-title").value = "Get ID card"
        app.screen.query_one("#field-target_date").value = "2026-11-15"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.query_one("#plan-table").row_count == 3
        assert "Last reviewed 2026-11-02" in str(screen.query_one("#plan-summary").render())
    with session_scope(engine) as s:
        task = s.exec(select(PlanTask)).one()
        assert task.title == "Get ID card" and task.target_date == dt.date(2026, 11, 15)
        assert s.exec(select(Objective)).one().text.startswith("Apply")


async def test_draft_is_offered_when_the_client_opens(engine, client):
    with session_scope(engine) as s:
        notes_service.save_draft(s, client, text="Half-written note about the voucher", fields={"type": "contact"})
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot)
        banner = screen.query_one("#client-drafts")
        assert banner.display and "Unsaved draft" in str(banner.render())
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.query_one(NoteEditor).text == "Half-written note about the voucher"


async def test_unknown_case_number_is_a_notification_not_a_crash(engine, client):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        base = app.screen
        app.open_client("NOPE")
        await settle(app, pilot)
        assert app.screen is base
        app.open_note("NOPE")
        await settle(app, pilot)
        assert app.screen is base
        messages = [n.message for n in app.notice_log]
        assert sum("case number 'NOPE': no such client" in m for m in messages) == 2


async def test_note_for_an_appointment_from_the_appointments_tab(engine, client):
    with session_scope(engine) as s:
        s.add(Appointment(client_id=client.id, start=NOW.replace(hour=9), minutes=30,
                          kind=AppointmentKind.HOME_VISIT, status=AppointmentStatus.KEPT))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, tab="appointments")
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        values = screen.editor.values()
        assert (values.type, values.method, values.outcome, values.minutes) == ("home_visit", "home_visit", "reached", "30")
        assert values.text.startswith("Purpose of the visit")  # the home-visit template


async def test_closing_note_entry_with_a_draft_shows_the_banner(engine, client):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot)
        assert not screen.query_one("#client-drafts").display
        await pilot.press("n")
        await settle(app, pilot)
        app.screen.query_one(NoteEditor).set_text("")
        await pilot.press(*"Half a thought", "escape")
        await settle(app, pilot)
        assert app.screen is screen
        banner = screen.query_one("#client-drafts")
        assert banner.display and "Unsaved draft" in str(banner.render())


async def test_missed_activity_item_cleared_by_the_engagement_note(engine, client):
    with session_scope(engine) as s:
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 10, 30, 13, 30), minutes=60,
                          kind=AppointmentKind.DEBRIEFING, status=AppointmentStatus.NO_SHOW))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        item = next(i for i in app.due_items if i.rule == "missed-activity" and i.case_number == "C100")
        app.open_note("C100", item.target.get("appointment_id"), item.key)
        await settle(app, pilot)
        screen = app.screen
        values = screen.editor.values()
        # the attempt happens now, about the missed activity: not a late entry
        assert (values.type, values.contact_date, values.contact_time) == ("engagement", "2026-11-02", "10:00")
        assert "missed the debriefing of 2026-10-30 13:30" in values.text
        assert not screen.editor.late
        screen.query_one("#note-method").value = "phone"
        screen.query_one("#note-outcome").value = "no_answer"
        screen.query_one("#note-minutes").value = "5"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert all(i.key != item.key for i in app.due_items)
    with session_scope(engine) as s:
        note = s.exec(select(Note)).one()
        assert note.type is NoteType.ENGAGEMENT and not note.late_entry


async def test_tabs_are_built_when_first_shown_and_reload_when_stale(engine, client):
    with session_scope(engine) as s:
        s.add(Appointment(client_id=client.id, start=NOW.replace(hour=14), kind=AppointmentKind.FSSP))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_client(app, pilot)
        assert not screen.query("#appointments-table")  # not built until shown
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        table = screen.query_one("#appointments-table")
        assert table.row_count == 1 and app.focused is table
        # a change made elsewhere while the tab is hidden shows when it is shown again
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        with session_scope(engine) as s:
            s.add(Appointment(client_id=client.id, start=NOW.replace(hour=15), kind=AppointmentKind.EA))
        from caseterm.messages import DataChanged

        app.post_message(DataChanged())
        await settle(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.query_one("#appointments-table").row_count == 2


async def test_an_amendment_starts_in_its_reason_field(engine, client):
    """Typed straight after `m`, the words are the reason, not note text (issue 23.9)."""
    with session_scope(engine) as s:
        notes_service.add_note(s, client, type=NoteType.CONTACT, text="Client has three children.", **MET,
                               contact_at=NOW - dt.timedelta(hours=1), author="jdoe")
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.focused is app.screen.query_one("#amend-reason")
        await pilot.press(*"two not three")
        assert app.screen.query_one("#amend-reason").value == "two not three"
        assert app.screen.query_one(NoteEditor).values().text == "Client has three children."
