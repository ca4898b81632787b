"""Drafts while typing: saved on every pause, at least every second while
typing on, kept on Esc, deleted by saving the note."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Client, Note, NoteDraft
from caseterm.screens.note import DRAFT_MAX_SECONDS, NoteScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.widgets.note_editor import NoteEditor

NOW = dt.datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def client(engine) -> Client:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example")
        s.add(c)
        s.flush()
        return c


def draft_text(engine) -> str | None:
    with session_scope(engine) as s:
        draft = s.exec(select(NoteDraft)).first()
        return draft.text if draft else None


async def open_note(app, pilot) -> NoteScreen:
    await pilot.pause()
    await app.workers.wait_for_complete()
    app.open_note("C100")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, NoteScreen)
    screen.query_one(NoteEditor).set_text("")
    await pilot.pause()
    return screen


async def test_continuous_typing_is_saved_at_least_every_second(engine, client, monkeypatch):
    """A key every 80 ms for 3 s (on a clock the test moves, so a busy machine cannot
    stretch it): never pausing long enough for the idle save, yet saved every second."""
    from caseterm.screens import note as note_screen

    fake = [1000.0]
    monkeypatch.setattr(note_screen, "draft_clock", lambda: fake[0])
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        screen = await open_note(app, pilot)
        start = fake[0]
        worst = 0.0
        last_saved_len = 0
        last_saved_at = start
        saves = 0
        while fake[0] - start < 3.0:
            await pilot.press("a")
            fake[0] += 0.08
            screen._maybe_save_draft()  # what the screen's timer does, at this moment
            await pilot.pause()
            saved = draft_text(engine) or ""
            if len(saved) > last_saved_len:
                last_saved_len, last_saved_at = len(saved), fake[0]
                saves += 1
            worst = max(worst, fake[0] - last_saved_at)
        # Saved again and again while typing on, never waiting for a pause...
        assert saves >= 2, saves
        # ...so at most about a second of typing is at risk.
        assert worst <= DRAFT_MAX_SECONDS + 0.1, worst


async def test_no_draft_without_typing_and_esc_keeps_typed_draft(engine, client):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await open_note(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NoteScreen)
    # clearing the template is a change, but an empty text leaves no draft
    assert draft_text(engine) is None
    async with CasetermApp(engine, idle_lock_seconds=0).run_test() as pilot:
        app = pilot.app
        await open_note(app, pilot)
        await pilot.press(*"Unfinished", "escape")  # Esc saves at once, no debounce wait
        await pilot.pause()
    assert draft_text(engine) == "Unfinished"
    with session_scope(engine) as s:
        assert s.exec(select(Note)).all() == []


async def test_opening_without_a_template_change_saves_no_draft(engine, client, monkeypatch):
    from caseterm.screens import note as note_screen

    fake = [1000.0]
    monkeypatch.setattr(note_screen, "draft_clock", lambda: fake[0])
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.open_note("C100")
        await pilot.pause()
        fake[0] += 10 * note_screen.DRAFT_MAX_SECONDS  # long past any save the timer would make
        app.screen._maybe_save_draft()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert draft_text(engine) is None


async def test_restored_draft_remembers_its_due_item(engine, client):
    with session_scope(engine) as s:
        notes_service.save_draft(s, client, text="For the good-cause item", fields={"type": "good_cause", "due_item_key": "good-cause|C100|x"})
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.open_note("C100")
        await pilot.pause()
        screen = app.screen
        assert screen.due_item_key == "good-cause|C100|x"
        assert screen.editor.values().type == "good_cause"


async def test_covering_the_screen_saves_the_draft_at_once(engine, client):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await open_note(app, pilot)
        await pilot.press(*"Typed just now")
        app.action_hide()  # the privacy key covers the screen
        await pilot.pause()
        assert draft_text(engine) == "Typed just now"
