"""A case manager's morning, pressed key by key on a real SQLite file.

Open the caseload, filter it, open a client, go to the schedule, mark a
no-show and see the missed-activity item appear in the sidebar, snooze it,
hide the screen and unlock it. Also the shared test caseload for the other
TUI tests (`seed_caseload`, `settle`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.css.query import QueryError
from sqlalchemy.engine import Engine

from caseterm import clock, config, paths
from caseterm.app import CasetermApp
from caseterm.models import Appointment, Client
from caseterm.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)
from caseterm.services.notes import add_note
from caseterm.store import session_scope

TODAY = dt.date(2026, 11, 2)  # a Monday (conftest.PINNED_TODAY)
NINE = dt.time(9, 0)


def at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour, minute))


def seed_caseload(engine: Engine) -> None:
    """Five households and today's appointments (deterministic, no demo data)."""
    with session_scope(engine) as s:
        clients = [
            Client(case_number="TA-1001", legal_name="Maria Lopez", preferred_name="Mari", program="TANF"),
            Client(
                case_number="TA-1002",
                legal_name="James Carter",
                program="TANF",
                penalty_start=TODAY - dt.timedelta(days=40),
            ),
            Client(case_number="TA-1003", legal_name="Ana Silva", program="SNAP E&T", status=ClientStatus.NOT_INITIALIZED),
            Client(
                case_number="HF-2001",
                legal_name="Robert King",
                preferred_name="Bob",
                program="Housing First",
                dv_in_home=True,
                remote=True,
            ),
            Client(case_number="TA-1004", legal_name="Lena Park", program="TANF", close_pending=True, exempt_hours=20),
        ]
        for client in clients:
            s.add(client)
        s.flush()
        mari, james, _ana, bob, lena = clients
        s.add(Appointment(client_id=mari.id, start=at(8, 30), minutes=60, kind=AppointmentKind.FSSP))
        s.add(Appointment(client_id=james.id, start=at(10), minutes=60, kind=AppointmentKind.EA, reminder_called=True))
        s.add(Appointment(client_id=bob.id, start=at(13, 30), minutes=60, kind=AppointmentKind.DEBRIEFING, place=Place.NEUTRAL))
        s.add(Appointment(client_id=mari.id, start=at(15, days=2), minutes=60, kind=AppointmentKind.DEBRIEFING))
        s.add(
            Appointment(
                client_id=lena.id, start=at(10, days=-5), minutes=60, kind=AppointmentKind.EA, status=AppointmentStatus.KEPT
            )
        )
        add_note(
            s,
            mari,
            type=NoteType.CONTACT,
            text="Talked about the FSSP.",
            contact_at=at(10, days=-3),
            written_at=at(11, days=-3),
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.REACHED,
            minutes=15,
            author="casey",
        )
        add_note(
            s,
            lena,
            type=NoteType.CONTACT,
            text="EA kept.",
            contact_at=at(10, days=-5),
            written_at=at(12, days=-5),
            method=ContactMethod.OFFICE,
            outcome=ContactOutcome.REACHED,
            minutes=45,
            author="casey",
        )


def write_settings(text: str = 'user = "casey"\n') -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    config.load_settings.cache_clear()


async def workers_done(app) -> None:  # noqa: ANN001
    """Wait for the app's workers; one that failed is the app's to report (a notification), not the test's."""
    from textual.worker import WorkerFailed

    try:
        await app.workers.wait_for_complete()
    except WorkerFailed:
        pass


async def settle(pilot, rounds: int = 3) -> None:  # noqa: ANN001
    """Let the workers (due list, loads) finish and the screen redraw.

    The due list starts only once the first screen has its rows, so on a slow
    machine it may not have begun after a few rounds: wait for it (up to 20 s).
    """
    for _ in range(rounds):
        await pilot.pause()
        await workers_done(pilot.app)
    app = pilot.app
    for _ in range(200):
        due_known = getattr(app, "due_items", True) is not None or getattr(app, "due_failed", False)
        # The start-up store check (quick_check, automatic backup) runs beside the due list;
        # a snapshot taken before it ends may or may not carry its notification.
        checked = getattr(app, "store_check_ended", True) or not getattr(app, "_due_started", True)
        if due_known and checked and not app.workers:
            break
        await pilot.pause(0.1)  # polls the condition above
        await workers_done(app)
    # A blinking cursor is drawn or not depending on the moment of the screenshot: hold it drawn.
    from textual.widgets import Input, TextArea

    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    # The sidebars and the table redraw through call_after_refresh chains: a few frames.
    for _ in range(rounds):
        await pilot.pause()
    # A blink tick already queued when the blink was turned off may still have hidden the
    # cursor (seen on a loaded machine): set it to what the focus says, and draw once more.
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)) and widget._cursor_visible != widget.has_focus:
            widget._cursor_visible = widget.has_focus
            await pilot.pause()


async def until(pilot, predicate, timeout: float = 15.0) -> None:  # noqa: ANN001
    """Pump the app until `predicate()` holds (messages and workers are asynchronous)."""
    for _ in range(int(timeout / 0.1)):
        try:
            if predicate():
                return
        except (AttributeError, LookupError, QueryError):
            pass  # not mounted yet
        await pilot.pause(0.1)  # polls the condition above
        await workers_done(pilot.app)


async def wait_for_palette_results(pilot) -> None:  # noqa: ANN001
    """The palette searches in the background: wait until it lists something (or 10 s)."""
    from textual.command import CommandList

    for _ in range(100):
        await pilot.pause(0.1)  # polls the condition below
        lists = pilot.app.screen.query(CommandList)
        if lists and lists.first().option_count and not lists.first().has_class("--populating"):
            return


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    clock.pin(TODAY, NINE)
    write_settings()
    seed_caseload(engine)
    yield engine
    config.load_settings.cache_clear()


def screen_text(app: CasetermApp) -> str:
    """What is on screen, as plain text (from the SVG screenshot)."""
    import html
    import re

    svg = app.export_screenshot()
    body = svg[svg.find("<g class=") :] if "<g class=" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")


async def test_a_morning_with_the_keyboard(seeded: Engine, tmp_path: Path) -> None:
    from caseterm.screens.caseload import CaseloadScreen, CaseloadTable
    from caseterm.screens.client import ClientScreen
    from caseterm.screens.lock import LockScreen
    from caseterm.screens.schedule import AppointmentItem, ScheduleScreen
    from caseterm.widgets.due_today import DueList, DueToday

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        table = app.screen.query_one(CaseloadTable)
        assert table.row_count == 5

        # Filter as you type; Enter keeps the filter and goes to the table.
        await pilot.press("slash", *"ta-100")
        await settle(pilot)
        assert table.row_count == 4
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is table
        # Enter opens the highlighted client.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        opened = app.screen.case_number
        assert opened.startswith("TA-100")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        # One match: Enter in the filter box opens it straight away.
        await pilot.press("slash", "ctrl+u", *"lopez", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert app.screen.case_number == "TA-1001"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert table.row_count == 1  # the filter is kept

        # The schedule: it opens on the current block's appointment (09:00 -> Mari's 08:30).
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleScreen)
        assert isinstance(app.focused, AppointmentItem)
        assert app.focused.row.case_number == "TA-1001"
        assert not any(i.rule == "missed-activity" for i in app.due_items)

        # A no-show makes the missed-activity item appear in the sidebar at once.
        await pilot.press("n")
        await settle(pilot)
        missed = [i for i in app.due_items if i.rule == "missed-activity" and i.case_number == "TA-1001"]
        assert missed, [i.rule for i in app.due_items]
        sidebar = app.screen.query_one(DueToday)
        assert any(item.key == missed[0].key for item in sidebar.items or [])
        assert isinstance(app.focused, AppointmentItem) and app.focused.row.status is AppointmentStatus.NO_SHOW

        # Tab to the sidebar, walk down to the item, snooze it three days.
        await pilot.press("tab")
        assert isinstance(app.focused, DueList)
        for _ in range(60):
            if sidebar.current is not None and sidebar.current.key == missed[0].key:
                break
            await pilot.press("down")
        assert sidebar.current is not None and sidebar.current.key == missed[0].key
        await pilot.press("z")
        await pilot.pause()
        await pilot.press("3", "enter")  # the digit chooses, Enter confirms
        await settle(pilot)
        assert all(i.key != missed[0].key for i in app.due_items)

        # Hide the screen: nothing with client data shows; unlock with a key and a confirm.
        assert "Mari" in screen_text(app) and "TA-1001" in screen_text(app)
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        for secret in ("Mari", "Lopez", "TA-1001", "Carter", "Bob"):
            assert secret not in text
        await pilot.press("2")  # app keys are off while locked: this only wakes the lock
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ScheduleScreen)
        assert not app.locked


async def test_enter_on_a_due_item_goes_where_it_is_done(seeded: Engine) -> None:
    from caseterm.screens.note import NoteScreen
    from caseterm.screens.schedule import ScheduleScreen
    from caseterm.widgets.due_today import DueList, DueToday

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(DueToday)
        app.screen.query_one(DueList).focus()
        await until(pilot, lambda: sidebar.current is not None)
        # The first item of the morning is a reminder call: Enter goes to its appointment.
        assert sidebar.current is not None and sidebar.current.rule == "reminder-call"
        appointment_id = sidebar.current.target["appointment_id"]
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: app.focused.row.id == appointment_id)  # type: ignore[union-attr]
        assert isinstance(app.screen, ScheduleScreen)
        assert app.focused.row.id == appointment_id  # type: ignore[union-attr]
        # l asks how the call went; 1 (reached) logs it: the reminder item goes away at once.
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)

        def reminder_still_due() -> bool:
            return any(i.rule == "reminder-call" and i.target.get("appointment_id") == appointment_id for i in app.due_items)

        await until(pilot, lambda: not reminder_still_due())
        assert not reminder_still_due()
        # Enter on an appointment writes its note.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.appointment_id == appointment_id


async def test_dismiss_needs_a_reason_and_done_clears(seeded: Engine) -> None:
    from caseterm.widgets.due_today import DueList, DueToday
    from caseterm.widgets.prompts import TextPrompt

    clock.pin(TODAY, dt.time(8, 0))  # before Mari's 08:30 FSSP: both reminder calls are listed
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(DueToday)
        app.screen.query_one(DueList).focus()
        await pilot.pause()
        first = sidebar.current
        assert first is not None
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # no reason: refused, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"called already", "enter")
        await settle(pilot)
        assert all(i.key != first.key for i in app.due_items)
        second = sidebar.current
        assert second is not None and second.key != first.key
        # x on a reminder call asks how the call went: the record clears the item
        from caseterm.widgets.quick_log import ReminderCall

        assert second.rule == "reminder-call"
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ReminderCall)
        await pilot.press("2")
        await settle(pilot)
        assert all(i.key != second.key for i in app.due_items)


async def test_help_lists_every_binding(seeded: Engine) -> None:
    from caseterm.screens.caseload import CaseloadScreen
    from caseterm.screens.help import HelpScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(".help-section"))
        for binding in CaseloadScreen.BINDINGS:
            assert binding.description in text  # type: ignore[union-attr]
        for words in ("Hide", "No-show", "Snooze", "Dismiss", "Log the reminder call"):
            assert words in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)


async def test_palette_jumps_to_a_client_by_name(seeded: Engine) -> None:
    from caseterm.screens.client import ClientScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"lena")
        await wait_for_palette_results(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        assert app.screen.case_number == "TA-1004"


async def test_palette_runs_an_action(seeded: Engine) -> None:
    from caseterm.screens.caseload import CaseloadScreen
    from caseterm.services.caseload import QuickFilter

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"in penalty")
        await wait_for_palette_results(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert app.screen.quick is QuickFilter.PENALTY


async def test_a_crash_writes_a_report_without_client_data(seeded: Engine) -> None:
    def boom() -> None:
        raise RuntimeError("Maria Lopez TA-1001 secret")

    app = CasetermApp(seeded, idle_lock_seconds=0)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.screen.call_later(boom)  # an error inside the message loop, like a bug in a handler
            await pilot.pause()
            await pilot.pause()
    assert app.return_code == 1
    assert app.crash_report is not None
    report = Path(app.crash_report).read_text()
    assert "RuntimeError" in report and "Maria" not in report and "TA-1001" not in report
    assert oct(Path(app.crash_report).stat().st_mode & 0o777) == "0o600"


async def test_bad_input_is_a_notification_not_a_crash(seeded: Engine) -> None:
    from caseterm.screens.schedule import AppointmentItem

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert isinstance(app.focused, AppointmentItem)  # Mari's debriefing in two days
        await pilot.press("k")  # cannot be kept before it happens
        await settle(pilot)
        messages = [n.message for n in app.notice_log]
        assert any("before it happens" in m for m in messages)
        assert app.return_code is None or app.return_code == 0


async def test_add_a_task_for_a_client_from_the_caseload(seeded: Engine) -> None:
    from caseterm.widgets.prompts import TaskPrompt

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"lena park")
        await settle(pilot)
        await pilot.press("tab")  # to the table, without opening the file
        await pilot.press("plus")
        await pilot.pause()
        assert isinstance(app.screen, TaskPrompt)
        await pilot.press(*"Call the landlord", "tab", *"2026-10-01", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TaskPrompt)  # a date in the past is refused
        await pilot.press("tab", "shift+tab", "ctrl+u", "enter")
        await settle(pilot)
        tasks = [i for i in app.due_items if i.rule == "manual"]
        assert [(t.title.startswith("Call the landlord"), t.case_number) for t in tasks] == [(True, "TA-1004")]


async def test_ctrl_f_opens_note_search(seeded: Engine) -> None:
    from caseterm.screens.search import SearchScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)


async def test_palette_action_from_a_client_file_goes_back_to_the_caseload(seeded: Engine) -> None:
    from caseterm.screens.caseload import CaseloadScreen
    from caseterm.screens.client import ClientScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"sort by due", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert app.screen.sort_column == "due" and app.screen.sort_reverse


async def test_no_screenshot_command(seeded: Engine) -> None:
    """A screenshot would copy client data into an ordinary file."""
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Theme" in titles


async def test_f2_hides_and_shows_the_sidebar_everywhere(seeded: Engine) -> None:
    from caseterm.screens.caseload import CaseloadTable
    from caseterm.widgets.due_today import DueList, DueToday

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(DueList).focus()
        await pilot.press("f2")
        await pilot.pause()
        assert not app.screen.query_one(DueToday).display
        assert isinstance(app.focused, CaseloadTable)
        await pilot.press("2")
        await settle(pilot)
        assert not app.screen.query_one(DueToday).display
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen.query_one(DueToday).display
        await pilot.press("enter")  # the client file: its sidebar follows too
        await settle(pilot)
        if app.screen.query(DueToday):
            assert app.screen.query_one(DueToday).display


async def test_a_failing_due_list_says_so_and_writes_a_report(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from caseterm.services import due, due_table
    from caseterm.widgets.due_today import DueToday

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("Maria Lopez")

    monkeypatch.setattr(due, "_load_snapshot", broken)  # computing the list (stale clients, due_items)
    monkeypatch.setattr(due_table, "stored_entries", broken)  # and reading the stored one (issue 25)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.due_failed and app.return_code is None
        assert "could not be worked out" in screen_text(app)
        assert any("report was written" in n.message for n in app.notice_log)
        assert app.screen.query_one(DueToday).items is None


async def test_w_on_the_caseload_writes_a_note_for_the_highlighted_client(seeded: Engine) -> None:
    from caseterm.screens.caseload import CaseloadTable
    from caseterm.screens.note import NoteScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseloadTable)
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        highlighted = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.case_number == highlighted


async def test_at_80_columns_the_footer_is_shorter_but_every_key_still_works(seeded: Engine) -> None:
    """screens/footer.py: F12, Ctrl+F and ] leave the client file's footer below 100 columns, not the keyboard."""
    from caseterm.screens.client import ClientScreen
    from caseterm.screens.search import SearchScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client("TA-1001")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        shown = {active.binding.description for active in app.screen.active_bindings.values() if active.binding.show}
        assert "Log" in shown and "Search notes" not in shown and "Hide" not in shown
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: not app.compact)
        shown = {active.binding.description for active in app.screen.active_bindings.values() if active.binding.show}
        assert {"Log attempt", "Search notes", "Hide"} <= shown


async def test_a_notice_stays_readable_after_its_toast_goes(seeded: Engine) -> None:
    """Toasts expire with the clock; the notice log does not (tests and users read it, not the toasts)."""
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.notify("first", timeout=0.01)
        app.notify("second", severity="warning")
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        assert not [n for n in app._notifications if n.message in ("first", "second")]  # the toasts are gone
        assert [(n.message, n.severity) for n in app.notice_log][-2:] == [("first", "information"), ("second", "warning")]


async def test_recent_messages_from_the_palette(seeded: Engine) -> None:
    from caseterm.screens.notices import NoticesScreen

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.notify("Task added: call the landlord", timeout=0.01)
        await pilot.press("ctrl+p", *"recent messages")
        await wait_for_palette_results(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NoticesScreen))
        assert isinstance(app.screen, NoticesScreen)
        assert "Task added: call the landlord" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NoticesScreen))
        assert not isinstance(app.screen, NoticesScreen)
