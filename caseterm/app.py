"""CasetermApp: the shell around the screens.

Header (date, user), footer (the current screen's keys), the due-today list
worked out in a worker and shared by every sidebar, the command palette,
help, the privacy key and idle lock, and a crash handler that writes a report
instead of showing a traceback that could hold client data. Screens do the
work; this file routes messages between them.

The parts live in `caseterm/shell/` (issue 26): the start-up sequence and the
due list (`startup`), lock and unlock (`screen_lock`), where the app goes
(`routes`), the terminal and crashes (`terminal`). This file keeps the class, its
keys, reactive state and message handlers (Textual's `@on` needs them here).
"""

from __future__ import annotations

import threading
import weakref
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker

from caseterm import clock
from caseterm.messages import DataChanged, DueTarget, MakeRecord, OpenClient, OpenNote, OpenSchedule, ScreenReady
from caseterm.shell.key_order import KeyOrderMixin
from caseterm.shell.routes import RoutesMixin
from caseterm.shell.screen_lock import ScreenLockMixin
from caseterm.shell.startup import StartupMixin
from caseterm.shell.terminal import TerminalMixin, printable_strip, printable_update

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine
    from textual.screen import Screen

__all__ = ["CasetermApp", "printable_strip", "printable_update"]


def _caseload_screen() -> "Screen":
    from caseterm.screens.caseload import CaseloadScreen

    return CaseloadScreen()  # not _styled_now: at start-up the theme's variables are set after the stylesheet is read


def _schedule_screen() -> "Screen":
    from caseterm.screens.schedule import ScheduleScreen

    return _styled_now(ScheduleScreen())


def _styled_now(screen: "Screen") -> "Screen":
    """A mode's screen made just now is styled from the stylesheet in force when it mounts.

    Textual marks a new screen's styles out of date (`_css_update_count` -1), so the
    first switch to its mode re-read every stylesheet and restyled every widget of
    every screen (`App.refresh_css`), twice for the first schedule (~20 ms of CPU each
    on a loaded machine; issue 25.3). A theme change still refreshes it (`watch_theme`)."""
    from textual._context import active_app

    screen._css_update_count = active_app.get()._css_update_count
    return screen


def _team_screen() -> "Screen":
    from caseterm.screens.team import TeamScreen

    return _styled_now(TeamScreen())


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


class CasetermApp(StartupMixin, ScreenLockMixin, RoutesMixin, TerminalMixin, KeyOrderMixin, App[None]):
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
        #: the due list kept per client between changes (services.due_table.DueCache, made on first use)
        self._due_cache_made: Any = None
        self._due_cache_lock = threading.Lock()
        self._due_published = -1  # the number of the newest due list shown
        #: Screens that have drawn a frame, and what waits for a screen's first one (shell/terminal.py).
        self._screens_drawn: "weakref.WeakSet[Any]" = weakref.WeakSet()
        self._after_first_frame: dict[int, list[Callable[[], Any]]] = {}
        self._frame_dropped = False
        #: Widgets handed keys since a priority binding last waited for them (shell/key_order.py);
        #: weak, so a closed note form's text box is not kept alive by the keys typed into it.
        self._keys_out: "weakref.WeakValueDictionary[int, Any]" = weakref.WeakValueDictionary()
        self._keys_requeued = 0  # keys posted again to keep their order, not yet acted on

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

    def on_unmount(self) -> None:
        from caseterm.shell import heap

        heap.thaw(self)

    def on_resize(self, event: events.Resize) -> None:
        """Reflow at 80 columns: fields on two rows, narrower columns, the due list a count."""
        compact = event.size.width < COMPACT_WIDTH
        if compact != self.compact:
            self.set_class(compact, "-compact")
            self.screen.refresh_bindings()  # the footer's words change (screens/footer.py)

    @property
    def compact(self) -> bool:
        return self.has_class("-compact")

    # -- messages (handled in the shell's parts) ----------------------------------

    @on(ScreenReady)
    def _screen_ready(self) -> None:
        self._start_due()

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        self._worker_ended(event)

    @on(DataChanged)
    def _data_changed_message(self, message: DataChanged) -> None:
        self._data_changed(message)

    @on(DueTarget)
    def _due_target_message(self, message: DueTarget) -> None:
        self._go_to_due_item(message)

    @on(MakeRecord)
    def _make_record_message(self, message: MakeRecord) -> None:
        self._make_record(message)

    @on(OpenClient)
    def _open_client_message(self, message: OpenClient) -> None:
        self.open_client(message.case_number, message.tab)

    @on(OpenNote)
    def _open_note_message(self, message: OpenNote) -> None:
        self.open_note(message.case_number, message.appointment_id, message.due_item_key)

    @on(OpenSchedule)
    def _open_schedule_message(self, message: OpenSchedule) -> None:
        self.open_schedule(message.appointment_id)

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

    def action_set_aside(self) -> None:
        """The snoozed and dismissed due items, each one undoable."""
        from caseterm.screens.set_aside import SetAsideScreen

        self.push_screen(SetAsideScreen())

    def action_toggle_sidebar(self) -> None:
        self.show_sidebar = not self.show_sidebar

    def action_switch_mode(self, mode: str) -> None:  # type: ignore[override]
        if self.current_mode == mode and len(self.screen_stack) > 1:
            # Pressing the key of the screen you are on leaves any client file on it.
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        self.switch_mode(mode)
