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
        messages = [n.message for n in app.notice_log]
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


# -- pure pieces: the year on far dates, the draft rule, the order of the day -------

def test_dates_more_than_six_months_away_show_their_year() -> None:
    from caseterm.clock import short_date

    today = dt.date(2026, 12, 1)
    assert short_date(dt.date(2026, 11, 30), today) == "Nov 30"
    assert short_date(dt.date(2026, 6, 1), today) == "Jun 01"  # exactly six months
    assert short_date(dt.date(2026, 5, 31), today) == "May 31 2026"
    assert short_date(dt.date(2025, 12, 5), today) == "Dec 05 2025"
    assert short_date(dt.date(2027, 6, 2), today) == "Jun 02 2027"
    assert short_date(None, today) == "—"
    assert short_date(dt.date(2026, 5, 31), today, months=12) == "May 31"


def test_draft_rule_lists_each_draft_under_notes_to_finish() -> None:
    from rules_support import D, run_rule
    from caseterm.rules.engine import RoutineGroup
    from caseterm.rules.snapshot import DraftSnap, Snapshot

    drafts = (
        DraftSnap(1, "TA-1", "Lan", dt.datetime(2026, 11, 1, 16, 20), "contact"),
        DraftSnap(2, "TA-1", "Lan", dt.datetime(2026, 11, 2, 9, 0), "", appointment_id=7),
    )
    items = run_rule("draft", Snapshot(day=D(2026, 11, 2), drafts=drafts), D(2026, 11, 2))
    assert [i.occurrence for i in items] == ["draft1", "draft2"]
    assert all(i.group is RoutineGroup.NOTES and i.source == "001" for i in items)
    assert items[0].title == "Finish the unsaved contact note: Lan (started Sun Nov 1 16:20)"
    assert items[1].target["appointment_id"] == 7 and "appointment_id" not in items[0].target
    assert not items[0].overdue  # 24 h run out on Nov 2 at 16:20
    assert run_rule("draft", Snapshot(day=D(2026, 11, 3), drafts=drafts[:1]), D(2026, 11, 3))[0].overdue


def test_reminder_calls_and_interviews_run_in_appointment_order() -> None:
    from rules_support import D, appt, at, client, snap

    from caseterm.policy import load_policy
    from caseterm.rules.engine import RoutineGroup, compute_due
    from caseterm.vocabulary import AppointmentKind

    day = D(2026, 11, 2)
    caseload = snap(
        client("TA-1", name="Aaron", appointments=(appt(at(day, "15:00")),), plan_review_date=day),
        client("TA-2", name="Zoe", appointments=(appt(at(day, "08:30")),), plan_review_date=day),
        client("TA-3", name="Mia", appointments=(appt(at(day, "10:00"), AppointmentKind.EA),), plan_review_date=day),
        day=day,
    )
    items = compute_due(caseload, load_policy(), day)
    calls = [i.case_number for i in items if i.rule == "reminder-call"]
    assert calls == ["TA-2", "TA-3", "TA-1"]
    interviews = [i.case_number for i in items if i.group is RoutineGroup.INTERVIEWS]
    assert list(dict.fromkeys(interviews)) == ["TA-2", "TA-3", "TA-1"]  # each client's items together, by time
    # Booking a home visit is desk work: a deadline, even for a client seen today.
    assert all(i.group is RoutineGroup.DEADLINES for i in items if i.rule == "home-visits")


async def test_the_fssp_note_starts_as_a_contact_with_the_fssp_template(engine) -> None:
    clock.pin(TODAY, NOW)
    write_settings()
    seed_caseload(engine)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_note("TA-1001", _mari_fssp(engine))
        await _note_open(app, pilot)
        values = app.screen.query_one(NoteEditor).values()
        assert values.type == "contact"
        assert values.text.startswith("FSSP (Family Self-Sufficiency Plan) meeting.")
