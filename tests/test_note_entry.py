"""Pilot tests of note entry: typing, saving, late entry, drafts, amendments."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from textual.app import App

from test_app_flow import until

from caseterm import clock
from caseterm.models import Client, Note, NoteDraft
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
from caseterm.screens.note import NoteScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.widgets.note_editor import NoteEditor

NOW = dt.datetime(2026, 11, 2, 10, 0)


class Host(App):
    """Just enough app for a screen: `session()` as CasetermApp provides it."""

    def __init__(self, engine, screen_factory) -> None:
        super().__init__()
        self.engine = engine
        self.screen_factory = screen_factory
        self.results: list = []
        self.notice_log: list = []

    def session(self):
        return session_scope(self.engine)

    def notify(self, message, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        """Kept as CasetermApp keeps them (`notice_log`): a toast expires with the wall clock."""
        from caseterm.messages import Notice

        self.notice_log.append(Notice(str(message), str(kwargs.get("severity", "information")), clock.now()))
        super().notify(message, *args, **kwargs)

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory(), callback=self.results.append)


@pytest.fixture
def client(engine) -> Client:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate")
        s.add(c)
        s.flush()
        return c


def fill_contact(screen) -> None:
    """What a contact note needs besides its text: method, outcome, minutes."""
    from textual.widgets import Select

    screen.query_one("#note-method", Select).value = "phone"
    screen.query_one("#note-outcome", Select).value = "reached"
    screen.query_one("#note-minutes").value = "10"


def _notes(engine) -> list[Note]:
    with session_scope(engine) as s:
        return list(s.exec(select(Note).order_by(Note.id)).all())


async def test_type_and_save_a_note(engine, client):
    app = Host(engine, lambda: NoteScreen("C100"))
    async with app.run_test() as pilot:
        await pilot.pause()
        editor = app.screen.query_one(NoteEditor)
        editor.set_text("")
        fill_contact(app.screen)
        editor.focus_text()
        await pilot.press(*"Met client", "ctrl+s")
        await pilot.pause()
    saved = _notes(engine)
    assert [n.text for n in saved] == ["Met client"]
    assert saved[0].contact_at == NOW and not saved[0].late_entry
    assert saved[0].type is NoteType.CONTACT


async def test_late_entry_flag_shown_and_stored(engine, client):
    app = Host(engine, lambda: NoteScreen("C100"))
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        date_input = screen.query_one("#contact-date")
        date_input.value = "2026-10-30"
        await pilot.pause()
        assert "LATE ENTRY" in str(screen.query_one("#note-status").render())
        screen.query_one(NoteEditor).set_text("Phone call on Friday")
        fill_contact(screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = _notes(engine)
    assert saved[-1].late_entry and saved[-1].contact_at.date() == dt.date(2026, 10, 30)


async def test_bad_field_is_named_and_nothing_saved(engine, client):
    app = Host(engine, lambda: NoteScreen("C100"))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one("#contact-time").value = "25:99"
        await pilot.press("x", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        messages = [n.message for n in app.notice_log]
        assert any("contact time" in m for m in messages)
    assert _notes(engine) == []


async def test_draft_saved_on_pause_and_offered_back(engine, client):
    app = Host(engine, lambda: NoteScreen("C100"))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one(NoteEditor).set_text("")
        await pilot.press(*"Client reports new job")

        def draft_written() -> bool:
            with session_scope(engine) as s:
                draft = s.exec(select(NoteDraft)).first()
                return draft is not None and draft.text == "Client reports new job"

        await until(pilot, draft_written)  # the pause-debounced save, however busy the machine
        with session_scope(engine) as s:
            draft = s.exec(select(NoteDraft)).one()
            assert draft.text == "Client reports new job"
    # a new screen restores it
    app = Host(engine, lambda: NoteScreen("C100"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.screen.query_one(NoteEditor).text == "Client reports new job"
        assert app.screen.query("#draft-banner")
        fill_contact(app.screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
    with session_scope(engine) as s:
        assert s.exec(select(NoteDraft)).all() == []
    assert _notes(engine)[-1].text == "Client reports new job"


async def test_amend_keeps_original(engine, client):
    with session_scope(engine) as s:
        original = notes_service.add_note(s, client, type=NoteType.CONTACT, text="Has three children.", contact_at=NOW,
                                            method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED, minutes=30)
    app = Host(engine, lambda: NoteScreen("C100", amends_id=original.id))
    async with app.run_test() as pilot:
        await pilot.pause()
        editor = app.screen.query_one(NoteEditor)
        assert editor.text == "Has three children."
        editor.set_text("Has two children.")
        app.screen.query_one("#amend-reason").value = "two, not three"
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = _notes(engine)
    assert [n.text for n in saved] == ["Has three children.", "Has two children."]
    assert saved[1].amends_id == saved[0].id


async def test_a_locked_database_keeps_the_text_on_screen(engine, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    real_add_note = notes_service.add_note
    state = {"locked": True}

    def add_note(*args, **kwargs):
        if state["locked"]:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real_add_note(*args, **kwargs)

    monkeypatch.setattr(notes_service, "add_note", add_note)
    app = Host(engine, lambda: NoteScreen("C100"))
    async with app.run_test() as pilot:
        await pilot.pause()
        editor = app.screen.query_one(NoteEditor)
        editor.set_text("Important words")
        fill_contact(app.screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        assert editor.text == "Important words"
        assert any("database is busy" in n.message for n in app.notice_log)
        state["locked"] = False
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteScreen)
    assert [n.text for n in _notes(engine)] == ["Important words"]
