"""CasetermApp: the shell around the screens.

Header (date, user), footer (the current screen's keys), the due-today list
worked out in a worker and shared by every sidebar, the command palette,
help, the privacy key and idle lock, and a crash handler that writes a report
instead of showing a traceback that could hold client data. Screens do the
work; this file routes messages between them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.text import CONTROL_CHARACTERS
from caseterm.messages import DataChanged, DueTarget, MakeRecord, OpenClient, OpenNote, OpenSchedule, ScreenReady

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine
    from sqlmodel import Session
    from textual.screen import Screen

    from caseterm.vocabulary import AuditAction


def _caseload_screen() -> "Screen":
    from caseterm.screens.caseload import CaseloadScreen

    return CaseloadScreen()


def _schedule_screen() -> "Screen":
    from caseterm.screens.schedule import ScheduleScreen

    return ScheduleScreen()


def _team_screen() -> "Screen":
    from caseterm.screens.team import TeamScreen

    return TeamScreen()


def _clients_provider():  # noqa: ANN202 - lazy provider for the palette
    from caseterm.commands_palette import ClientsProvider

    return ClientsProvider


def _actions_provider():  # noqa: ANN202
    from caseterm.commands_palette import ActionsProvider

    return ActionsProvider


#: Below this many columns the screens reflow for a small terminal (80×24): the
#: app carries the class "-compact", and the stylesheets and screens follow it.
COMPACT_WIDTH = 100

#: How often the due list is worked out again with no change in the data.
DUE_REFRESH_SECONDS = 300
#: Notices kept for rereading (the most recent).
NOTICES_KEPT = 200
#: Start the due list this long after start-up if no screen has said it is ready.
DUE_START_FALLBACK_SECONDS = 1.5


class CasetermApp(App[None]):
    CSS_PATH = "caseterm.tcss"
    TITLE = "caseterm"
    MODES = {"caseload": _caseload_screen, "schedule": _schedule_screen, "team": _team_screen}
    DEFAULT_MODE = "caseload"
    COMMANDS = App.COMMANDS | {_clients_provider, _actions_provider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    NOTIFICATION_TIMEOUT = 4

    BINDINGS = [
        # F12, or ctrl+l ("lock") where the desktop takes F12 for itself.
        Binding("f12,ctrl+l", "hide", "Hide", show=True, priority=True, tooltip="Blank the screen now"),
        Binding("question_mark,f1", "help", "Help", show=True),
        # Shown in the footer by the screens that have room for them.
        Binding("1", "switch_mode('caseload')", "Caseload", show=False),
        Binding("2", "switch_mode('schedule')", "Schedule", show=False),
        Binding("3", "switch_mode('team')", "Team", show=False),
        Binding("f2", "toggle_sidebar", "Due list", show=False),
        Binding("ctrl+f", "search_notes", "Search notes", show=False, tooltip="Full-text search of every note"),
        Binding("f4", "open_draft", "Unsaved notes", show=False, tooltip="Open the unsaved notes one after another"),
        Binding("ctrl+q", "quit", "Quit", show=False, tooltip="Quit (asks first while a changed note is open)"),
    ]

    #: The one due-today list every sidebar shows; None while it is worked out.
    due_items: reactive[list[Any] | None] = reactive(None, always_update=True, init=False)
    #: Bumped after every write so screens reload what they show.
    data_version: reactive[int] = reactive(0, init=False)
    show_sidebar: reactive[bool] = reactive(True, init=False)
    locked: reactive[bool] = reactive(False, init=False)
    #: The last attempt to work out the due list failed (the sidebar says so).
    due_failed: reactive[bool] = reactive(False, init=False)
    #: Agency mode: case number -> the absent worker the login covers for today (the due list marks them).
    covering: reactive[dict[str, str]] = reactive(dict, init=False)

    def __init__(
        self,
        engine: "Engine | None" = None,
        idle_lock_seconds: float | None = None,
        letters_dir: "Path | None" = None,
        *,
        idle_clock: Callable[[], float] = time.monotonic,
        idle_check_seconds: float | None = None,
        automatic_backups: bool = True,
        start_unlock: tuple[int, str] | None = None,
        open_engine: "Callable[[], Engine] | None" = None,
        readonly: Any | None = None,
    ) -> None:
        """`idle_clock` measures idle time (tests pass a clock they move by hand);
        `idle_check_seconds` is how often the idle time is looked at; `start_unlock`
        is (wrong tries, how) of the unlock that opened an encrypted file, for the audit trail.

        The light start (issue 14): no `engine` but `open_engine`, which opens the
        store (SQLAlchemy, schema check) in a worker after the first frame, and
        `readonly`, a read-only DB-API connection (`caseterm.readonly`) the first
        screen reads its first page through meanwhile. Anything that needs the
        store before it is up waits for it (or opens it) through `engine`.
        """
        super().__init__()
        if engine is None and open_engine is None:
            raise TypeError("CasetermApp needs an engine or a way to open one")
        self._engine: "Engine | None" = engine
        self._open_engine = open_engine
        self._engine_error: BaseException | None = None
        self._engine_lock = threading.Lock()
        #: The read-only connection of the first page; let go of once the store is up.
        self.readonly = readonly if engine is None else None
        #: Started light (the store opened by the app, after the first frame).
        self.readonly_start = engine is None
        #: where letters are written (None: letters/ in the data folder; --demo gives its own)
        self.letters_dir = letters_dir
        self._idle_lock_seconds = idle_lock_seconds
        self._idle_clock = idle_clock
        self._idle_check_seconds = idle_check_seconds
        self._last_input = idle_clock()
        #: How many times the idle time was looked at (tests wait on it, not on time).
        self.idle_checks = 0
        self.crash_report = None
        #: Take the daily automatic backup (off for the throwaway --demo database).
        self.automatic_backups = automatic_backups
        #: The start-up check of the file has finished (tests wait on it).
        self.store_checked = False
        self.store_check_ended = False  # checked or failed: tests wait on it
        self._held_notifications: list[tuple[str, tuple, dict]] = []
        #: Every notice shown this session, newest last (toasts expire; this does not).
        self.notice_log: deque[Any] = deque(maxlen=NOTICES_KEPT)
        #: which unsaved note F4 opens next (it cycles through them)
        self._next_draft = 0
        self._start_unlock = start_unlock
        #: the due list kept per client between changes (services.due.DueCache, made on first use)
        self._due_cache_made: Any = None
        self._due_cache_lock = threading.Lock()
        self._due_published = -1  # the number of the newest due list shown

    # -- the terminal ----------------------------------------------------------

    #: Signals that end the app the way ctrl+q does (issue 21 item 10): the terminal is
    #: given back (alternate screen left, mouse reporting off), a note's draft is already saved.
    EXIT_SIGNALS = ("SIGTERM", "SIGHUP")

    def _catch_signals(self) -> None:
        """Turn SIGTERM and SIGHUP into a normal exit on the app's own loop (a handler that
        runs on the loop, not in the middle of a frame); the default action would stop
        Python with the terminal still in the app's modes."""
        import asyncio
        import signal

        self._caught_signals: list[int] = []
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for name in self.EXIT_SIGNALS:
            number = getattr(signal, name, None)
            if number is None:
                continue
            try:
                loop.add_signal_handler(number, self._signalled, int(number))
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no such signals
                continue
            self._caught_signals.append(int(number))

    def _signalled(self, number: int) -> None:
        """Exit through Textual's shutdown (it restores the terminal); status 128 + the signal, as a shell reports it."""
        self.exit(return_code=128 + number)

    def on_unmount(self) -> None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for number in getattr(self, "_caught_signals", []):
            loop.remove_signal_handler(number)

    def _display(self, screen: "Screen", renderable: Any) -> None:
        """Every frame the app writes goes through here: the data's control characters are
        shown visibly (U+FFFD) before it reaches the terminal (issue 21 item 6), whatever
        widget, notification or title drew them. Textual's own codes are not in the text."""
        super()._display(screen, printable_update(renderable))

    # -- the store -------------------------------------------------------------

    @property
    def engine(self) -> "Engine":
        """The store's engine; on a light start, opened here if the worker has not yet."""
        if self._engine is None:
            self._bring_up_engine()
        if self._engine is None:
            assert self._engine_error is not None
            raise self._engine_error
        return self._engine

    @engine.setter
    def engine(self, engine: "Engine") -> None:
        self._engine = engine

    @property
    def store_up(self) -> bool:
        return self._engine is not None

    def _bring_up_engine(self) -> None:
        with self._engine_lock:  # the worker may be opening it: wait for that one
            if self._engine is not None or self._engine_error is not None or self._open_engine is None:
                return
            try:
                self._engine = self._open_engine()
            except BaseException as err:
                self._engine_error = err
                raise

    @work(thread=True, exclusive=True, group="store-open", exit_on_error=False)
    def open_store(self) -> None:
        """The light start's second half: the full store (SQLAlchemy, schema check), then
        what needs it (the due list, the file check, the unsaved-notes notice)."""
        self.engine  # noqa: B018 - opens it (or re-raises why it could not be opened)
        self.call_from_thread(self._store_opened)

    def _store_opened(self) -> None:
        # Let go of the first page's connection (it closes when the last reader drops it:
        # a caseload worker may still be reading with it).
        self.readonly = None
        self._due_started = True
        self.refresh_due()
        self.check_store()
        self._announce_drafts()
        self._audit_start_unlock_once()

    # -- helpers -----------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator["Session"]:
        """One transaction on the app's database (store.session_scope).

        A busy or damaged database comes out as StoreError (a BadInput), so every
        screen that shows bad input shows it too and keeps what was typed; an
        exception a screen does not catch would stop that screen's messages.
        """
        from caseterm.errors import store_error_from
        from caseterm.store import session_scope

        try:
            with session_scope(self.engine) as session:
                yield session
        except BadInput:
            raise
        except Exception as err:
            known = store_error_from(err)
            if known is None:
                raise
            raise known from None

    def audit(self, action: "AuditAction", case_number: str | None = None, detail: str = "") -> None:
        """One audit-trail entry in a transaction of its own (screen actions without a write).

        Never stops what it records: the lock must cover the screen even when
        the database is busy, so a failure is a notification, not an error.
        """
        from caseterm.services import audit

        try:
            with self.session() as session:
                audit.record(session, action, case_number, detail)
        except Exception as err:  # noqa: BLE001 - the action goes ahead; the user is told
            self.notify(f"audit trail: the entry could not be written ({type(err).__name__})", severity="error")

    def _audit_start_unlock_once(self) -> None:
        if self._start_unlock is not None:
            self.call_after_refresh(self._audit_start_unlock, *self._start_unlock)
            self._start_unlock = None

    def _audit_start_unlock(self, wrong: int, how: str) -> None:
        """The encrypted file could not take entries before it was open: the unlock's wrong tries now."""
        from caseterm.vocabulary import AuditAction

        if wrong:
            self.audit(AuditAction.UNLOCK_FAILED, None, f"at=start-up tries={wrong}")
        self.audit(AuditAction.UNLOCK, None, f"at=start-up with={how}")

    @property
    def idle_lock_seconds(self) -> float:
        if self._idle_lock_seconds is None:
            from caseterm.policy import load_policy

            self._idle_lock_seconds = float(load_policy().privacy.idle_lock_minutes) * 60
        return self._idle_lock_seconds

    def on_mount(self) -> None:
        from caseterm.config import load_settings

        from caseterm.store import agency_login

        self._catch_signals()
        login = agency_login(self._engine) if self.store_up else None  # a light start is never PostgreSQL
        self.sub_title = f"{clock.today():%a %b %d %Y} · {f'agency · {login}' if login else load_settings().user}"
        self.set_class(self.size.width < COMPACT_WIDTH, "-compact")
        if self.store_up:  # a light start does both once the store is up (_store_opened)
            self.call_after_refresh(self._announce_drafts)
            self._audit_start_unlock_once()
        # The due list waits for the first screen's rows (ScreenReady) so the two do not
        # compete for the interpreter at start-up; a timer starts it if no screen says so.
        self._due_started = False
        self._store_opening = False
        self.set_timer(DUE_START_FALLBACK_SECONDS, self._start_due)
        # Time alone makes items due or overdue (a note's 24 h): look again now and then.
        self.set_interval(DUE_REFRESH_SECONDS, self.refresh_due)
        if self.idle_lock_seconds > 0:
            every = self._idle_check_seconds or min(15.0, max(self.idle_lock_seconds / 4, 0.05))
            self.set_interval(every, self._check_idle)

    def on_resize(self, event: events.Resize) -> None:
        """Reflow at 80 columns: fields on two rows, narrower columns, the due list a count."""
        compact = event.size.width < COMPACT_WIDTH
        if compact != self.compact:
            self.set_class(compact, "-compact")
            self.screen.refresh_bindings()  # the footer's words change (screens/footer.py)

    @property
    def compact(self) -> bool:
        return self.has_class("-compact")

    # -- the due list --------------------------------------------------------

    @on(ScreenReady)
    def _start_due(self) -> None:
        if self._due_started:
            return
        if not self.store_up:
            if not self._store_opening:
                self._store_opening = True
                self.open_store()  # and then the due list (_store_opened)
            return
        self._due_started = True
        self.refresh_due()
        self.check_store()

    @work(thread=True, exclusive=True, group="store-check", exit_on_error=False)
    def check_store(self) -> None:
        """After the first paint: is the file sound (quick_check), and today's automatic backup.

        A damaged file is reported (BadInput via _worker_failed) without stopping the app.
        """
        from caseterm.backups import auto_backup
        from caseterm.policy import load_policy
        from caseterm.store import quick_check, sqlite_path

        path = sqlite_path(str(self.engine.url))
        try:
            quick_check(self.engine)
        except BadInput as err:
            from caseterm.backups import restore_hint

            raise type(err)(*err.errors, restore_hint(path) if path else "") from None
        if path is not None and self.automatic_backups:
            rotation = load_policy().backups
            made = auto_backup(path, rotation.keep_daily, rotation.keep_weekly)
            if made is not None:
                from caseterm.services import audit
                from caseterm.vocabulary import AuditAction

                with self.session() as session:
                    audit.record(session, AuditAction.BACKUP, None, audit.detail_of(automatic="yes", file=made))
        self.store_checked = True

    def due_cache(self) -> Any:
        """The app's `services.due.DueCache` (the due list kept per client)."""
        with self._due_cache_lock:
            if self._due_cache_made is None:
                from caseterm.services.due import DueCache

                self._due_cache_made = DueCache()
            return self._due_cache_made

    def refresh_due(self, client_id: int | None = None, case_number: str | None = None) -> Any:
        """Work out today's due list again off the UI thread, then hand it to the sidebars.

        With a client (id or case number): only that client's items and the
        caseload-wide ones are recomputed; without: everything (start-up, the
        periodic refresh, a change to several clients). A new day recomputes
        everything whatever is asked.
        """
        self.due_cache().invalidate(client_id, case_number)
        return self._refresh_due_worker()

    @work(thread=True, exclusive=True, group="due", exit_on_error=False)
    def _refresh_due_worker(self) -> list[Any]:
        cache = self.due_cache()
        with self.session() as session:
            number, items = cache.refresh_numbered(session, clock.today())
            covered = self._covered_cases(session)
        if covered != self.covering:
            self.call_from_thread(setattr, self, "covering", covered)
        # Each run applies every change pending when it starts, and the runs are
        # numbered in order: the newest list wins, whichever thread ends last.
        self.call_from_thread(self._show_due, number, items)
        return items

    def _covered_cases(self, session: Any) -> dict[str, str]:
        """Agency mode: whose clients the login covers today ({} in solo mode)."""
        from caseterm.services.workers import covered_cases, remember_names

        remember_names(session)  # notes show their authors' names
        return covered_cases(session)  # on the server's date, as its policies are

    def _show_due(self, number: int, items: list[Any]) -> None:
        if number < self._due_published:
            return
        self._due_published = number
        self.due_failed = False
        self.due_items = items

    @on(Worker.StateChanged)
    def _worker_ended(self, event: Worker.StateChanged) -> None:
        self._worker_failed(event)
        if event.worker.group == "store-check" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.store_check_ended = True

    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if event.worker.group in ("due", "store-open"):  # no store, no due list: say so
                self.due_failed = True
            from caseterm.errors import store_error_from

            known = error if isinstance(error, BadInput) else store_error_from(error)
            if known is not None:
                self.notify("\n".join(known.errors), severity="error", timeout=30 if event.worker.group == "store-check" else 8)
                return
            from caseterm.crash import write_report

            try:
                where = f"a report was written to {write_report(error)}"
            except Exception:  # noqa: BLE001 - never fail while failing
                where = "no report could be written"
            self.notify(
                f"Something went wrong ({type(error).__name__}); {where}",
                severity="error",
                timeout=10,
            )

    @on(DataChanged)
    def _data_changed(self, message: DataChanged) -> None:
        self.data_version += 1
        self._due_started = True
        self.refresh_due(message.client_id, message.case_number)

    # -- navigation ------------------------------------------------------------

    @on(OpenClient)
    def _open_client_message(self, message: OpenClient) -> None:
        self.open_client(message.case_number, message.tab)

    @on(OpenNote)
    def _open_note_message(self, message: OpenNote) -> None:
        self.open_note(message.case_number, message.appointment_id, message.due_item_key)

    @on(OpenSchedule)
    def _open_schedule_message(self, message: OpenSchedule) -> None:
        self.open_schedule(message.appointment_id)

    def open_client(self, case_number: str, tab: str | None = None, note_id: int | None = None) -> None:
        """The client's file (on `tab`, with `note_id` highlighted on the notes tab).
        Screens open a file through here rather than importing the client screen."""
        from caseterm.screens.client import ClientScreen

        self.push_screen(ClientScreen(case_number, tab=tab, note_id=note_id))

    def open_note(
        self,
        case_number: str,
        appointment_id: int | None = None,
        due_item_key: str | None = None,
        *,
        amends_id: int | None = None,
    ) -> None:
        from caseterm.screens.note import NoteScreen

        self.push_screen(
            NoteScreen(case_number, appointment_id=appointment_id, due_item_key=due_item_key, amends_id=amends_id)
        )

    # -- unsaved notes (drafts) ------------------------------------------------

    def unsaved_notes(self) -> list[Any]:
        from caseterm.services.notes import all_drafts

        with self.session() as session:
            return all_drafts(session)

    def _announce_drafts(self) -> None:
        """At start-up: the notes left unsaved (after Esc, a crash or kill -9)."""
        from caseterm.text import plural

        try:
            drafts = self.unsaved_notes()
        except Exception:  # noqa: BLE001 - the screens report a broken database
            return
        if not drafts:
            return
        names = list(dict.fromkeys(d.name for d in drafts))
        self.notify(
            f"{plural(len(drafts), 'unsaved note')}: {', '.join(names)} — press F4 to open "
            f"{'it' if len(drafts) == 1 else 'them one by one'} (also under Notes to finish).",
            title="Notes to finish",
            timeout=10,
        )

    def action_open_draft(self) -> None:
        from caseterm.screens.note import NoteScreen

        if isinstance(self.screen, NoteScreen):
            self.notify("Save (Ctrl+S) or close (Esc) this note first.", timeout=3)
            return
        drafts = self.unsaved_notes()
        if not drafts:
            self.notify("No unsaved notes.", timeout=3)
            return
        draft = drafts[self._next_draft % len(drafts)]
        self._next_draft += 1
        self.open_note(draft.case_number, draft.appointment_id, amends_id=draft.amends_id)

    def open_note_screens(self) -> list[Any]:
        """Note screens with changes, in every mode's stack."""
        from caseterm.screens.note import NoteScreen

        return [
            screen
            for stack in self._screen_stacks.values()
            for screen in stack
            if isinstance(screen, NoteScreen) and screen.changed
        ]

    async def action_quit(self) -> None:
        """Quit; with a changed note open, ask first (its draft is kept either way)."""
        from caseterm.widgets.prompts import ConfirmPrompt

        changed = self.open_note_screens()
        if not changed or self.locked:
            for screen in changed:
                screen.save_draft_now()
            self.exit()
            return
        if any(isinstance(screen, ConfirmPrompt) for screen in self.screen_stack):
            return
        for screen in changed:
            screen.save_draft_now()
        names = ", ".join(dict.fromkeys(screen.client_label for screen in changed))

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmPrompt(
                "Quit with a note not saved?",
                f"The note for {names} is not saved as a note. Its draft is kept and offered "
                "back (F4, Notes to finish), but until it is saved it didn't happen.",
                yes="quit, keep the draft",
                no="back to the note",
            ),
            answered,
        )

    def open_schedule(self, appointment_id: int | None = None) -> None:
        def select() -> None:
            selector = getattr(self.screen, "select_appointment", None)
            if appointment_id is not None and selector is not None:
                selector(appointment_id)

        if self.current_mode == "schedule":
            while len(self.screen_stack) > 1:
                self.pop_screen()
            select()
        else:
            self.switch_mode("schedule")
            self.call_after_refresh(select)

    def run_screen_action(self, mode: str, action: str) -> None:
        """Show a main screen (leaving any client file over it) and run one of its actions."""
        if self.current_mode != mode:
            self.switch_mode(mode)
        else:
            while len(self.screen_stack) > 1:
                self.pop_screen()

        async def run() -> None:
            while len(self.screen_stack) > 1 and self.current_mode == mode:
                self.pop_screen()
            await self.screen_stack[0].run_action(action)

        self.call_after_refresh(run)

    @on(DueTarget)
    def _go_to_due_item(self, message: DueTarget) -> None:
        """Go where the item is done (`DueItem.target`, set by its rule)."""
        item = message.item
        target = dict(getattr(item, "target", None) or {})
        where = target.get("screen")
        case_number = target.get("case_number") or item.case_number
        if where == "note" and case_number:
            # A draft remembers the item it was started for: that one is cleared on save.
            key = None if item.rule == "draft" else item.key
            self.open_note(case_number, target.get("appointment_id"), key, amends_id=target.get("amends_id"))
        elif where == "schedule" and target.get("appointment_id") is not None:
            self.open_schedule(target["appointment_id"])
        elif where == "schedule" and case_number:
            # "Schedule a home visit / staffing": appointments are booked in the client's file.
            self.open_client(case_number, "appointments")
        elif where == "schedule":
            self.open_schedule()
        elif where == "hours" and target.get("month"):
            self.action_hours_grid(case_number)
        elif where in ("hours", "client") and case_number:
            self.open_client(case_number, target.get("tab") or ("hours" if where == "hours" else None))
        elif where == "caseload":
            action = {"export": "print_caseload"}.get(target.get("action", ""), "show_all")
            self.run_screen_action("caseload", action)
        elif case_number:
            self.open_client(case_number, target.get("tab"))
        else:
            self.notify(item.why, title=item.title, timeout=8)

    @on(MakeRecord)
    def _make_record(self, message: MakeRecord) -> None:
        """`x` on an item a record clears: open the form that makes the record, prefilled.

        The item leaves the list because the record exists (the rules see it),
        not because it was ticked off.
        """
        from caseterm.services.due_records import RecordRequest

        item, request = message.item, message.request
        assert isinstance(request, RecordRequest)
        case_number = request.case_number
        if request.form == "note" and case_number:
            self.open_note(case_number, request.appointment_id, getattr(item, "key", None))
            self.notify("Done needs its record: save the note and the item clears.", timeout=4)
        elif request.form == "reminder" and request.appointment_id is not None:
            self.ask_reminder_call(request.appointment_id, getattr(item, "title", "reminder call"))
        elif request.tab is not None and case_number:
            from caseterm.screens.client import ClientScreen

            self.push_screen(ClientScreen(case_number, tab=request.tab, form=request, form_reason=getattr(item, "title", "")))
        else:
            self.notify("Done needs its record: do it here and the item clears.", timeout=4)
            self.post_message(DueTarget(item))

    def ask_reminder_call(self, appointment_id: int, what: str, done: Any = None) -> None:
        """Ask how the reminder call went and log it (a phone contact attempt)."""
        from caseterm.services.appointments import log_reminder_call
        from caseterm.widgets.quick_log import ReminderCall

        from caseterm.vocabulary import label

        def logged(outcome: Any) -> None:
            if outcome is None:
                return
            try:
                with self.session() as session:
                    client_id = log_reminder_call(session, appointment_id, True, outcome).client_id
            except BadInput as err:
                self.notify("\n".join(err.errors), severity="error")
                return
            self.notify(f"Reminder call logged: {label(outcome)}.", timeout=3)
            self.post_message(DataChanged(client_id))
            if done is not None:
                done()

        self.push_screen(ReminderCall(what), logged)

    def action_add_task(self, case_number: str | None = None) -> None:
        """A manual task on the due list (optionally for one client)."""
        from caseterm.services import due
        from caseterm.services.snooze import parse_task_due
        from caseterm.widgets.prompts import TaskPrompt

        def save(title: str, when: str, priority: str) -> str:
            if priority.strip() not in ("", "1", "2", "3"):
                raise BadInput("priority: 1, 2 or 3")
            with self.session() as session:
                due.add_task(
                    session,
                    title.strip(),
                    parse_task_due(when, clock.today()),
                    int(priority.strip() or 2),
                    case_number=case_number,
                )
            return title.strip()

        def saved(title: str | None) -> None:
            if title:
                from caseterm.messages import NO_CLIENT

                self.notify(f"Task added: {title}", timeout=3)
                self.post_message(DataChanged(case_number=(case_number or "").strip() or NO_CLIENT))

        self.push_screen(TaskPrompt(save, who=case_number or ""), saved)

    def action_search_notes(self) -> None:
        from caseterm.screens.search import SearchScreen

        self.push_screen(SearchScreen())

    def action_hours_grid(self, case_number: str | None = None) -> None:
        """Last month's hours for every client who owes them (work-activity verification)."""
        from caseterm.screens.hours_grid import HoursGridScreen

        self.push_screen(HoursGridScreen(case_number))

    # -- actions ---------------------------------------------------------------

    def get_system_commands(self, screen: "Screen") -> Iterable[SystemCommand]:
        """Textual's palette commands, less "Screenshot": it would write client data
        to an ordinary file (004: do not remove client information)."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self.notify("Screenshots are off: they would copy client data to a file.", severity="warning")

    def action_help(self) -> None:
        from caseterm.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen, list(self.BINDINGS)))

    def action_recent_notices(self) -> None:
        from caseterm.screens.notices import NoticesScreen

        self.push_screen(NoticesScreen(self.notice_log))

    def action_toggle_sidebar(self) -> None:
        self.show_sidebar = not self.show_sidebar

    def action_switch_mode(self, mode: str) -> None:  # type: ignore[override]
        if self.current_mode == mode and len(self.screen_stack) > 1:
            # Pressing the key of the screen you are on leaves any client file on it.
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        self.switch_mode(mode)

    # -- privacy -----------------------------------------------------------------

    def action_hide(self) -> None:
        self.lock(reason="hidden")

    def lock(self, reason: str = "idle") -> None:
        """Cover the screen at once; nothing with client data shows until unlocked."""
        if self.locked:
            return
        from caseterm.screens.lock import LockScreen

        self.clear_notifications()
        self.locked = True
        self.push_screen(LockScreen(reason=reason))
        from caseterm.vocabulary import AuditAction

        self.audit(AuditAction.LOCK, detail=f"reason={reason}")

    def unlocked(self) -> None:
        """Called by the lock screen once the user has confirmed."""
        self.locked = False
        self._last_input = self._idle_clock()
        held, self._held_notifications = self._held_notifications, []
        for message, args, kwargs in held:
            self.notify(message, *args, **kwargs)

    def _check_idle(self) -> None:
        self.idle_checks += 1
        if not self.locked and self._idle_clock() - self._last_input >= self.idle_lock_seconds:
            self.lock(reason="idle")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = self._idle_clock()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked and action not in ("quit",):
            return False
        return True

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if self.locked:
            # A toast could show a client's name over the lock screen: hold it until unlocked.
            self._held_notifications.append((message, args, kwargs))
            return
        from caseterm.messages import Notice

        # A toast goes after a few seconds; what it said stays readable (memory only, this session).
        self.notice_log.append(Notice(str(message), str(kwargs.get("severity", "information")), clock.now()))
        super().notify(message, *args, **kwargs)

    # -- crashes -------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """Bad input and a busy or damaged database become a notification (the screen,
        and whatever was typed on it, stays); anything else a crash report, no traceback."""
        from caseterm.errors import store_error_from

        known = error if isinstance(error, BadInput) else store_error_from(error)
        if known is not None:
            self.notify("\n".join(known.errors), severity="error", timeout=8)
            return
        from rich.text import Text

        from caseterm.crash import write_report

        try:
            report = write_report(error)
            where = f"a report was written to {report}"
        except Exception:  # noqa: BLE001 - never fail while failing
            report, where = None, "no report could be written"
        self.crash_report = report
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self.panic(Text(f"caseterm: unexpected error ({type(error).__name__}); {where}"))


def printable_strip(strip: Any) -> Any:
    """`strip` with every control character of its text (C0 but none of Textual's own codes,
    which are styles, not text; DEL; C1) replaced by U+FFFD, cropped back to its width.
    The check runs on every line of every frame: no import or allocation unless it finds one."""
    if strip is None or not _find_control("".join([seg.text for seg in strip])):
        return strip
    from rich.segment import Segment
    from textual.strip import Strip

    width = strip.cell_length
    segments = [
        seg if seg.control else Segment(CONTROL_CHARACTERS.sub("\ufffd", seg.text), seg.style, seg.control)
        for seg in strip
    ]
    return Strip(segments).crop(0, width)


def printable_update(renderable: Any) -> Any:
    """A compositor update (Textual's LayoutUpdate, ChopsUpdate, InlineUpdate) with clean strips."""
    if hasattr(renderable, "chops"):
        renderable.chops = [{x: printable_strip(strip) for x, strip in line.items()} for line in renderable.chops]
    elif hasattr(renderable, "strips"):
        from textual.strip import Strip

        renderable.strips = [
            printable_strip(line) if isinstance(line, Strip) else [printable_strip(s) for s in line]
            for line in renderable.strips
        ]
    return renderable


_find_control = CONTROL_CHARACTERS.search
