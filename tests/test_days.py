"""Issue 13, "drafts you can find" and "seeing the day": each note in progress
is its own draft, drafts are listed at start-up, in the due list and on the
caseload, quitting with a changed note asks; Enter on an exact case number;
the snooze dialog's keys do what its text says."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from test_app_flow import TODAY, seed_caseload, settle, until, write_settings

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Appointment, Client, NoteDraft
from caseterm.screens.note import NoteScreen
from caseterm.store import session_scope
from caseterm.widgets.note_editor import NoteEditor
from caseterm.widgets.prompts import ConfirmPrompt

NOW = dt.time(9, 0)


def _mari_fssp(engine) -> int:
    with session_scope(engine) as s:
        mari = s.exec(select(Client).where(Client.case_number == "TA-1001")).one()
        appt = s.exec(select(Appointment).where(Appointment.client_id == mari.id).order_by(Appointment.start)).first()
        assert appt is not None and appt.id is not None
        return appt.id


def _drafts(engine) -> list[tuple[int | None, str]]:
    with session_scope(engine) as s:
        return sorted(((d.appointment_id, d.text) for d in s.exec(select(NoteDraft)).all()), key=lambda t: (t[0] is not None, t[0] or 0))


async def _note_open(app, pilot) -> None:
    await until(pilot, lambda: isinstance(app.screen, NoteScreen) and app.screen.query_one(NoteEditor).is_mounted)
    await pilot.pause()


async def _type_note(app, pilot, text: str, appointment_id: int | None = None) -> NoteScreen:
    app.open_note("TA-1001", appointment_id)
    await _note_open(app, pilot)
    screen = app.screen
    assert isinstance(screen, NoteScreen)
    screen.query_one(NoteEditor).set_text(text)
    await until(pilot, lambda: screen.changed)
    return screen


async def test_two_drafts_for_one_client_are_kept_apart_and_listed_at_start_up(engine) -> None:
    clock.pin(TODAY, NOW)
    write_settings()
    seed_caseload(engine)
    fssp = _mari_fssp(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await settle(pilot)
        await _type_note(app, pilot, "Free note about the bus pass.")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await _type_note(app, pilot, "FSSP signed today.", fssp)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        assert _drafts(engine) == [(None, "Free note about the bus pass."), (fssp, "FSSP signed today.")]
        # Each note opens its own draft back.
        app.open_note("TA-1001")
        await _note_open(app, pilot)
        assert app.screen.query_one(NoteEditor).text == "Free note about the bus pass."
        await pilot.press("escape")
        app.open_note("TA-1001", fssp)
        await _note_open(app, pilot)
        assert app.screen.query_one(NoteEditor).text == "FSSP signed today."
        await pilot.press("escape")
        await settle(pilot)
        drafts = [i for i in app.due_items if i.rule == "draft"]
        assert len(drafts) == 2 and {i.case_number for i in drafts} == {"TA-1001"}
        assert all(i.source == "001" and i.group.value == "notes to finish" for i in drafts)
        # The caseload row carries the marker.
        await until(pilot, lambda: "✎" in str(app.screen.query_one("#caseload-table").get_row("TA-1001")[1]))

    # Next start: the notice names them and F4 opens them one by one.
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("2 unsaved notes: Mari — press F4") for m in messages), messages
        await pilot.press("f4")
        await _note_open(app, pilot)
        first = app.screen.query_one(NoteEditor).text
        await pilot.press("escape")
        await pilot.press("f4")
        await _note_open(app, pilot)
        second = app.screen.query_one(NoteEditor).text
        assert {first, second} == {"Free note about the bus pass.", "FSSP signed today."}
        # Discarding one draft clears its item; the other stays.
        await pilot.press("f8", "f8")
        await until(pilot, lambda: not isinstance(app.screen, NoteScreen))
        await settle(pilot)
        await until(pilot, lambda: len([i for i in app.due_items if i.rule == "draft"]) == 1)
        assert [text for _appt, text in _drafts(engine)] == [first]


async def test_quit_with_a_changed_note_asks_first(engine) -> None:
    clock.pin(TODAY, NOW)
    write_settings()
    seed_caseload(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await settle(pilot)
        await _type_note(app, pilot, "Half a thought")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPrompt))
        assert app.is_running
        # The draft is already kept; n goes back to the note.
        assert _drafts(engine) == [(None, "Half a thought")]
        await pilot.press("n")
        await _note_open(app, pilot)
        assert app.is_running
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmPrompt))
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running)
    assert _drafts(engine) == [(None, "Half a thought")]


async def test_quit_without_a_changed_note_does_not_ask(engine) -> None:
    clock.pin(TODAY, NOW)
    write_settings()
    seed_caseload(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_note("TA-1001")
        await _note_open(app, pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running)


async def test_snooze_digit_selects_and_enter_confirms(engine) -> None:
    from caseterm.widgets.due_today import DueList, DueToday
    from caseterm.widgets.prompts import SnoozePrompt

    clock.pin(TODAY, NOW)
    write_settings()
    seed_caseload(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(DueToday)
        app.screen.query_one(DueList).focus()
        await pilot.pause()
        item = sidebar.current
        assert item is not None
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, SnoozePrompt))
        await pilot.press("3")
        await pilot.pause()
        # The digit only chooses: the dialog is still open and says what Enter will do.
        assert isinstance(app.screen, SnoozePrompt)
        assert "until Thu Nov 05" in str(app.screen.query_one("#prompt-error").render())
        assert any(i.key == item.key for i in app.due_items)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, SnoozePrompt))
        await settle(pilot)
        assert all(i.key != item.key for i in app.due_items)
        # The Enter was used by the dialog: no note or client file opened behind it.
        assert app.screen is app.screen_stack[0]


async def test_enter_on_an_exact_case_number_opens_it_even_if_others_start_with_it(engine) -> None:
    from caseterm.screens.client import ClientScreen

    clock.pin(TODAY, NOW)
    write_settings()
    seed_caseload(engine)
    with session_scope(engine) as s:
        s.add(Client(case_number="A-KEPT", legal_name="Kept Client"))
        s.add(Client(case_number="A-KEPTNOTE", legal_name="Other Client"))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"a-kept", "enter")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        assert app.screen.case_number == "A-KEPT"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ClientScreen))
        # Several matches and none exact: Enter moves into the table.
        await pilot.press("slash")
        await pilot.press("ctrl+a", "ctrl+k", *"A-KEP", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, ClientScreen)
        assert app.focused is app.screen.query_one("#caseload-table")
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        assert app.screen.case_number == "A-KEPTNOTE"
