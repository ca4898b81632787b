"""The daily schedule: the day template with the real appointments in their
blocks, each block's due items beside it, and one key per appointment outcome."""

from __future__ import annotations

import datetime as dt
import asyncio
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Label, Static
from textual.worker import get_current_worker

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.messages import DataChanged, OpenClient, OpenNote, ScreenReady
from caseterm.text import plural
from caseterm.vocabulary import AppointmentStatus
from caseterm.services.appointments import AppointmentRow, DaySchedule, ScheduleBlock, is_home_visit
from caseterm.widgets.due_today import PRIORITY_MARK, PRIORITY_STYLE, DueToday
from caseterm.screens.resume import RestyledWhenChanged
from caseterm.widgets.footer import KeyFooter

#: How many of a block's due items are listed beside it (the sidebar has them all).
BLOCK_DUE_SHOWN = 4


class AppointmentItem(Static, can_focus=True):
    """One appointment: focus it and press a key to record what happened."""

    def __init__(self, row: AppointmentRow) -> None:
        super().__init__(id=f"appt-{row.id}")
        self.set_row(row)

    def set_row(self, row: AppointmentRow) -> None:
        self.row = row
        for status in AppointmentStatus:
            self.set_class(status is row.status, f"-{status.value}")
        self.set_class(row.status is not AppointmentStatus.SCHEDULED, "-done")
        self.refresh(layout=True)

    def render(self) -> Content:
        row = self.row
        # "✓" only for a call that reached the client: a message left is still a call to make again.
        style, mark = ("$text-success", "✓ ") if row.reminder_reached else ("$text-warning", "")
        called = Content.from_markup(f"[{style}]$mark$what[/]", mark=mark, what=row.reminder_label).markup
        if row.status is not AppointmentStatus.SCHEDULED:
            called = ""
        elif row.unrecorded:
            called = "[b $text-warning]over: k kept · n no-show[/]"
        # A home visit booked for a client with DV in the home is the one to catch (004).
        dv = " [b reverse $text-error] DV: no home visits [/]" if row.dv and is_home_visit(row.kind, row.place) else ""
        if row.clash and row.status is AppointmentStatus.SCHEDULED:
            dv += " [b $text-warning]⚠ double-booked[/]"
        return Content.from_markup(
            f"[b]$time[/] $name [$text-muted]$case[/] · $kind · $place{dv}\n"
            f"      [b]$status[/] {called}",
            time=f"{row.start:%H:%M}",
            name=row.name,
            case=row.case_number,
            kind=row.kind_label,
            place=row.place.value,
            status=row.status_label,
        )


def block_signature(block: ScheduleBlock) -> tuple:
    """What decides a block's widgets; the rest is updated in place."""
    return (block.start, block.end, block.kind, tuple(row.id for row in block.appointments))


class BlockView(Horizontal):
    """A block of the day: title and appointments, due items beside."""

    def __init__(self, block: ScheduleBlock) -> None:
        super().__init__(classes=f"-{block.kind}")
        self.block = block

    def compose(self) -> ComposeResult:
        block = self.block
        with Vertical(classes="block-main"):
            yield Label("", classes="block-title")
            for row in block.appointments:
                yield AppointmentItem(row)
            if not block.appointments and block.kind == "interview":
                yield Label("no appointments", classes="block-empty")
            yield Label("", classes="block-due-count")
        yield Static("", classes="block-due")

    def on_mount(self) -> None:
        self.update_block(self.block)

    def update_block(self, block: ScheduleBlock) -> None:
        """Show new statuses, due items and the current-block mark without remounting."""
        self.block = block
        self.set_class(block.current, "-current")
        now = " [reverse $text-accent] now [/]" if block.current else ""
        self.query_one(".block-title", Label).update(
            Content.from_markup(f"$time{now}  $title", time=block.time_label, title=block.title)
        )
        rows = {row.id: row for row in block.appointments}
        for item in self.query(AppointmentItem):
            if item.row.id in rows and rows[item.row.id] != item.row:
                item.set_row(rows[item.row.id])
        count = self.query_one(".block-due-count", Label)
        due = self.query_one(".block-due", Static)
        count.set_class(not block.due, "-empty")
        due.set_class(not block.due, "-empty")
        if not block.due:
            return
        count.update(
            Content.from_markup("[$text-muted]$n due in this block · see the due list[/]", n=str(len(block.due)))
        )
        lines = []
        for item in block.due[:BLOCK_DUE_SHOWN]:
            style = PRIORITY_STYLE.get(int(item.priority), "")
            mark = PRIORITY_MARK.get(int(item.priority), "·")
            lines.append(Content.from_markup(f"[{style}]{mark}[/] $title", title=item.title))
        more = len(block.due) - BLOCK_DUE_SHOWN
        if more > 0:
            lines.append(Content.from_markup("[$text-muted]+$n more in the due list[/]", n=f"{more:,}"))
        due.update(Content("\n").join(lines))


class ScheduleScreen(RestyledWhenChanged, Screen):
    TITLE = "caseterm · Schedule"

    BINDINGS = [
        Binding("left_square_bracket", "prev_day", "Prev day", show=False, key_display="["),
        Binding("right_square_bracket", "next_day", "Next day", show=False, key_display="]"),
        Binding("t", "today", "Today", show=False),
        Binding("k", "mark('kept')", "Kept", show=True),
        Binding("n", "mark('no_show')", "No-show", show=True),
        Binding("x", "mark('cancelled')", "Cancel", show=True),
        Binding("r", "reschedule", "Resched", show=True),
        Binding("l", "reminder", "Called", show=True, tooltip="Log the reminder call"),
        Binding("u", "mark('scheduled')", "Undo", show=False, tooltip="Back to scheduled"),
        Binding("enter", "note", "Note", show=True, tooltip="Write the note for this appointment"),
        Binding("o", "open_client", "Client", show=False, tooltip="Open the client's file"),
        Binding("h", "app.hours_grid", "Hours", show=False, tooltip="Enter last month's hours for every client who owes them"),
        Binding("tab,shift+tab", "switch_pane", "Sidebar ⇄ day", show=False),
        Binding("escape", "app.switch_mode('caseload')", "Caseload", show=False, tooltip="Back to the caseload (also 1)"),
        Binding("down,j", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    day: reactive[dt.date] = reactive(clock.today, init=False)

    def __init__(self) -> None:
        super().__init__()
        self._stale = False
        #: The appointment to keep selected across reloads (None: pick by the clock).
        self._select: int | None = None
        #: An explicit request (a due item, the palette) that wins over focus history.
        self._pending: int | None = None
        self._show_lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="main"):
            with Vertical(id="schedule-pane", classes="pane"):
                yield Label("", id="day-heading")
                yield VerticalScroll(id="day")
                yield Label("", id="schedule-status")
            yield DueToday(id="sidebar")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.day = clock.today()
        self.watch(self.app, "show_sidebar", self._sidebar_shown)
        self.watch(self.app, "due_items", self._due_changed, init=False)
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self.load_day()
        self.set_interval(60, self._tick)

    def _tick(self) -> None:
        """As the clock moves into the next block, move the highlight with it."""
        from caseterm.services.appointments import current_block_index

        views = list(self.query(BlockView))
        if not views or not self.is_current:
            return
        shown = next((i for i, view in enumerate(views) if view.block.current), None)
        if current_block_index([view.block for view in views], self.day, clock.now()) != shown:
            self.load_day()

    def _sidebar_shown(self, shown: bool) -> None:
        self.set_class(not shown, "-no-sidebar")

    def watch_day(self, old: dt.date, new: dt.date) -> None:
        if old != new:  # another day: forget the selection (not on the first load, which
            self._select = None  # may come after an appointment was asked for)
            self._pending = None
        self.load_day()

    def on_descendant_focus(self, event: Any) -> None:
        if isinstance(event.widget, AppointmentItem) and not self._show_lock.locked():
            self._select = event.widget.row.id

    def _due_changed(self, _items: Any) -> None:
        if self.day != clock.today():
            return
        if self.is_current:
            self.load_day()
        else:
            self._stale = True

    def _data_changed(self, _version: int) -> None:
        if self.is_current:
            self.load_day()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        self.query_one(DueToday).catch_up()
        if self._stale:
            self._stale = False
            self.load_day()

    # -- loading ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="schedule-load", exit_on_error=False)
    def load_day(self) -> None:
        from caseterm.services.appointments import day_schedule

        day = self.day
        # Today's due items are the app's shared list; another day asks the agenda.
        items = self.app.due_items if day == clock.today() else None  # type: ignore[attr-defined]
        with self.app.session() as session:  # type: ignore[attr-defined]
            schedule = day_schedule(session, day, clock.now(), items)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_day, schedule)

    async def _show_day(self, schedule: DaySchedule) -> None:
        async with self._show_lock:
            await self._show_day_now(schedule)

    async def _show_day_now(self, schedule: DaySchedule) -> None:
        day, blocks = schedule.day, schedule.blocks
        if day != self.day:
            return
        container = self.query_one("#day", VerticalScroll)
        views = list(self.query(BlockView))
        signature = [block_signature(block) for block in blocks]
        if views and [block_signature(view.block) for view in views] == signature and views[0].block.start == blocks[0].start and getattr(self, "_shown_day", None) == day:
            for view, block in zip(views, blocks):
                view.update_block(block)
        else:
            with self.app.batch_update():
                await container.remove_children()
                await container.mount_all([BlockView(block) for block in blocks])
        self._shown_day = day
        today = clock.today()
        heading = Content.from_markup("[b]$day[/] · $note", day=f"{day:%a %b %d %Y}", note=schedule.note)
        if day != today:
            heading += Content.from_markup("  [b reverse $text-warning] not today [/]")
        label = self.query_one("#day-heading", Label)
        label.update(heading)
        label.set_class(day != today, "-not-today")
        appts = [row for block in blocks for row in block.appointments]
        open_count = sum(1 for row in appts if row.status is AppointmentStatus.SCHEDULED)
        uncalled = sum(1 for row in appts if row.status is AppointmentStatus.SCHEDULED and not row.reminder_called)
        self.query_one("#schedule-status", Label).update(
            Content.from_markup(
                "$n · $open to go · $uncalled not called   [b]\\[ ][/] day  [b]t[/] today",
                n=plural(len(appts), 'appt'),
                open=str(open_count),
                uncalled=str(uncalled),
            )
        )
        self._focus_after_load(blocks)
        if not getattr(self, "_ready_sent", False):
            self._ready_sent = True
            self.post_message(ScreenReady())

    def _focus_after_load(self, blocks: list[ScheduleBlock]) -> None:
        # Read what to keep now, not before the mount awaited above: an appointment asked
        # for meanwhile (a due item's Enter, select_appointment) must win.
        keep = self._pending if self._pending is not None else self._select
        asked_for = self._pending is not None
        if not asked_for and isinstance(self.focused, Widget) and self.query_one(DueToday) in self.focused.ancestors:
            return  # the user is working in the sidebar
        items = list(self.query(AppointmentItem))
        target = None
        if keep is not None:
            target = next((item for item in items if item.row.id == keep), None)
        if target is None:
            current = next((block for block in blocks if block.current), None)
            if current is not None:
                later = [i for i in items if i.row.start.time() >= current.start]
                target = later[0] if later else None
                current_view = next(v for v in self.query(BlockView) if v.block is current)
                self.query_one("#day", VerticalScroll).scroll_to_widget(current_view, top=True, animate=False)
        if target is None and items:
            target = items[0]
        if target is not None:
            if target.row.id == self._pending:
                self._pending = None
            self._select = target.row.id
            target.focus()
        else:
            self.set_focus(None)

    def select_appointment(self, appointment_id: int) -> None:
        for item in self.query(AppointmentItem):
            if item.row.id == appointment_id:
                self._select = appointment_id
                item.focus()
                item.scroll_visible()
                return
        if self.day != clock.today():
            self.day = clock.today()
        self._pending = appointment_id

    # -- actions --------------------------------------------------------------------

    @property
    def appointment(self) -> AppointmentRow | None:
        focused = self.focused
        return focused.row if isinstance(focused, AppointmentItem) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "reschedule", "reminder", "note", "open_client"):
            if self.appointment is not None:
                return True
            # In the sidebar these keys are not the day's: keep them out of the footer.
            return False if self.focused is not None and self.query_one(DueToday) in self.focused.ancestors else None
        return True

    def action_prev_day(self) -> None:
        from caseterm.services.appointments import shift_day

        self.day = shift_day(self.day, -1)

    def action_next_day(self) -> None:
        from caseterm.services.appointments import shift_day

        self.day = shift_day(self.day, 1)

    def action_today(self) -> None:
        self.day = clock.today()

    def action_switch_pane(self) -> None:
        """Tab: between the day's appointments and the due-today sidebar."""
        sidebar = self.query_one(DueToday)
        if self.focused is not None and sidebar in self.focused.ancestors_with_self:
            items = list(self.query(AppointmentItem))
            last = getattr(self, "_last_appointment", None)
            target = next((i for i in items if i.row.id == last), items[0] if items else None)
            if target is not None:
                target.focus()
        elif sidebar.display:
            if isinstance(self.focused, AppointmentItem):
                self._last_appointment = self.focused.row.id
            from caseterm.widgets.due_today import DueList

            self.query_one(DueList).focus()

    def action_move(self, step: int) -> None:
        items = list(self.query(AppointmentItem))
        if not items:
            return
        current = self.focused
        if current in items:
            index = items.index(current) + step  # type: ignore[arg-type]
        else:
            index = 0 if step > 0 else len(items) - 1
        if 0 <= index < len(items):
            items[index].focus()
            items[index].scroll_visible()

    def _write(self, fn, *args: Any, message: str, case_number: str | None = None) -> bool:  # noqa: ANN001
        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                fn(session, *args)
        except BadInput as err:
            self.notify("\n".join(err.errors), severity="error")
            return False
        self.notify(message, timeout=3)
        self.post_message(DataChanged(case_number=case_number))
        return True

    def action_mark(self, status: str) -> None:
        from caseterm.services.appointments import STATUS_LABELS, set_status

        row = self.appointment
        if row is None:
            return
        new = AppointmentStatus(status)
        self._select = row.id
        written = self._write(
            set_status, row.id, new, message=f"{row.name} {row.start:%H:%M}: {STATUS_LABELS[new]}", case_number=row.case_number
        )
        if written and new is AppointmentStatus.KEPT:
            self.app.ask_next_review(row.id)  # type: ignore[attr-defined]  # a kept FSSP: when is the next review?

    def action_reminder(self) -> None:
        from caseterm.services.appointments import log_reminder_call

        row = self.appointment
        if row is None:
            return
        self._select = row.id
        if row.reminder_called:
            self._write(
                log_reminder_call, row.id, False, message=f"Reminder call taken back: {row.name} {row.start:%H:%M}",
                case_number=row.case_number,
            )
            return
        # How the call went is the record: reached, left message, no answer, wrong number.
        self.app.ask_reminder_call(row.id, f"{row.name}, {row.kind_label} at {row.start:%H:%M}")  # type: ignore[attr-defined]

    def action_reschedule(self) -> None:
        from caseterm.services.appointments import parse_new_start, reschedule
        from caseterm.widgets.prompts import TextPrompt

        row = self.appointment
        if row is None:
            return
        today = clock.today()

        def chosen(new_start: Any) -> None:
            if new_start is not None:
                self._select = row.id
                self._write(
                    reschedule, row.id, new_start, message=f"{row.name}: rescheduled to {new_start:%a %b %d %H:%M}",
                    case_number=row.case_number,
                )

        self.app.push_screen(
            TextPrompt(
                f"Reschedule {row.name}, {row.start:%a %b %d %H:%M}",
                help_text="New time: YYYY-MM-DD HH:MM, a date (same time), HH:MM (same day) or +days",
                placeholder="+7",
                parse=lambda text: parse_new_start(text, row.start, today),
            ),
            chosen,
        )

    def action_note(self) -> None:
        row = self.appointment
        if row is not None:
            self.post_message(OpenNote(row.case_number, appointment_id=row.id))

    def action_open_client(self) -> None:
        row = self.appointment
        if row is not None:
            self.post_message(OpenClient(row.case_number))
