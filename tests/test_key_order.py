"""Keys typed fast are acted on in the order they were typed (caseterm.shell.key_order).

Textual ran a priority binding (Ctrl+S, the quick log's Enter, the team screen's
Enter) before the keys typed just ahead of it had reached their widget: a burst
"…Thursday.⌃S" saved the note without its last words, "p 3 ⏎" logged the wrong
outcome and then switched to the Team screen. Here the keys go in as a terminal
delivers a burst — all queued at once, nothing waited for between them — which
`Pilot.press` (it waits after every key) cannot show.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual import events
from textual.widgets import Select

from caseterm.app import CasetermApp
from caseterm.models import Note
from caseterm.screens.client import ClientScreen
from caseterm.screens.note import NoteScreen
from caseterm.store import session_scope
from caseterm.vocabulary import ContactOutcome
from test_app_flow import seeded, settle, until  # noqa: F401 - fixtures

#: Printable characters and their key names (as a terminal driver reports them).
_NAMES = {" ": "space", ".": "full_stop", ";": "semicolon", ",": "comma", "'": "apostrophe", "-": "minus"}


def burst(app: Any, keys: list[str]) -> None:
    """Queue every key at once, as a fast typist, a paste-like burst or tmux sends them."""
    for key in keys:
        name = _NAMES.get(key, key)
        event = events.Key(name, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


def note_texts(engine: Any) -> list[str]:
    with session_scope(engine) as session:
        return [n.text for n in session.exec(select(Note).order_by(Note.id)).all()]


async def open_note_form(app: CasetermApp, pilot: Any, case_number: str) -> NoteScreen:
    app.open_note(case_number)
    await until(pilot, lambda: isinstance(app.screen, NoteScreen) and app.screen.is_mounted)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, NoteScreen)
    screen.query_one("#note-method", Select).value = "phone"
    screen.query_one("#note-outcome", Select).value = "reached"
    screen.query_one("#note-minutes").value = "15"
    screen.editor.set_text("")
    screen.query_one("#note-text").focus()
    await pilot.pause()
    return screen


async def open_quick_log(app: CasetermApp, pilot: Any, case_number: str) -> Any:
    """The client's file, then `l`: the quick log open over it (the file is returned)."""
    await settle(pilot)
    app.open_client(case_number)
    await until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.is_mounted)
    await settle(pilot)
    client_screen = app.screen
    await pilot.press("l")
    await until(pilot, lambda: type(app.screen).__name__ == "QuickLog")
    return client_screen


async def test_a_note_typed_and_saved_in_one_burst_is_saved_whole(seeded) -> None:  # noqa: F811
    before = note_texts(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await open_note_form(app, pilot, "TA-1001")
        await pilot.press(*"Called about the lease")  # typed at an ordinary pace
        burst(app, [*"; meeting set for Thursday.", "ctrl+s"])  # the last words and Ctrl+S at once
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await settle(pilot)
    assert note_texts(seeded)[len(before):] == ["Called about the lease; meeting set for Thursday."]


async def test_a_burst_that_is_only_text_and_ctrl_s_is_not_refused_as_empty(seeded) -> None:  # noqa: F811
    before = note_texts(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await open_note_form(app, pilot, "TA-1002")
        burst(app, [*"Left a voicemail.", "ctrl+s"])
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await settle(pilot)
        assert not any("needs some text" in n.message for n in app.notice_log)
    assert note_texts(seeded)[len(before):] == ["Left a voicemail."]


async def test_quick_log_keys_in_one_burst_log_the_outcome_typed_and_stay(seeded) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        client_screen = await open_quick_log(app, pilot, "TA-1001")
        burst(app, ["p", "3", "enter"])  # phone, left message, log it
        await until(pilot, lambda: app.screen is client_screen)
        await settle(pilot)
        assert app.current_mode == "caseload"  # "3" was the outcome, not "switch to Team"
    with session_scope(seeded) as session:
        last = session.exec(select(Note).order_by(Note.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None and last.outcome == ContactOutcome.LEFT_MESSAGE


async def test_keys_after_a_waiting_priority_key_keep_their_place(seeded) -> None:  # noqa: F811
    """A key typed after the priority key is acted on after it: the quick log's Enter
    logs and closes it, then "n" opens a new note on the client screen (not "n" first)."""
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_quick_log(app, pilot, "TA-1001")
        burst(app, ["t", "1", "enter", "n"])  # text, reached, log it; then a new note
        await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        await settle(pilot)
    with session_scope(seeded) as session:
        last = session.exec(select(Note).order_by(Note.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None and last.outcome == ContactOutcome.REACHED


async def test_a_paste_then_ctrl_s_saves_the_pasted_text(seeded) -> None:  # noqa: F811
    before = note_texts(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await open_note_form(app, pilot, "TA-1004")
        paste = events.Paste("Pasted from the intake sheet: two children, school enrolment done.")
        paste.set_sender(app)
        app._driver.send_message(paste)
        burst(app, ["ctrl+s"])
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await settle(pilot)
    assert note_texts(seeded)[len(before):] == ["Pasted from the intake sheet: two children, school enrolment done."]
