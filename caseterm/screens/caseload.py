"""The caseload: the morning review of every client, filtered and sorted.

Why one module of 600 lines: the table's chunked fill, the quick filters, sorting, typing to
filter and the 80-column reflow all work on the same rows and redraw the same table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from caseterm.screens.footer import CompactFooterMixin
from caseterm.screens.resume import RestyledWhenChanged
from caseterm.widgets.table import MeasuredTable
from caseterm import clock
from caseterm.messages import OpenClient, ScreenReady
from caseterm.text import plural
from caseterm.services.caseload import (
    FLAG_LEGEND,
    STATUS_LABELS,
    DRAFT_MARK,
    CaseloadRow,
    QuickFilter,
    count_due,
    filter_rows,
    short_date,
    next_label,
    sort_rows,
    with_due_counts,
)
from caseterm.widgets.due_today import DueToday
from caseterm.widgets.footer import KeyFooter

#: (column key, heading, sort attribute)
#: (column key = CaseloadRow attribute, heading). What the morning review
#: needs first comes first, so it is on screen at 80 columns with the sidebar.
COLUMNS: list[tuple[str, str]] = [
    ("case_number", "Case #"),
    ("name", "Name"),
    ("due", "Due"),
    ("flags", "Flags"),
    ("next_appointment", "Next appt"),
    ("last_contact", "Last contact"),
    ("status", "Status"),
    ("program", "Program"),
]

#: Agency mode, when the rows are more than one worker's (a supervisor's team, an admin): who has the client.
WORKER_COLUMN = ("worker", "Worker")

#: Shorter headings at 80 columns (the app's "-compact"), and the widest cells cut.
COMPACT_HEADINGS: dict[str, str] = {"next_appointment": "Next", "last_contact": "Last", "program": "Program"}
COMPACT_CUT: dict[str, int] = {"name": 14, "status": 8, "program": 8}
COMPACT_LEGEND = "P penalty · E exempt · R remote · D no home visits · ✎ unsaved note"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


#: Quick filters: (key, filter, label in the bar)
QUICK_KEYS: list[tuple[str, QuickFilter, str]] = [
    ("a", QuickFilter.ALL, "all"),
    ("d", QuickFilter.DUE, "due today"),
    ("i", QuickFilter.NOT_INITIALIZED, "not init"),
    ("p", QuickFilter.PENALTY, "penalty"),
    ("n", QuickFilter.NO_CONTACT, "no contact {n}d"),
    ("c", QuickFilter.CLOSING, "closing"),
    ("v", QuickFilter.COVERING, "covering"),  # agency mode, while covering: shown only then
]


@lru_cache(maxsize=256)
def _due_cell(count: int) -> Content:
    return Content.from_markup("[b $text-warning]$n[/]", n=str(count)) if count else Content("·")


@lru_cache(maxsize=64)
def _flags_cell(flags: str, loud: bool) -> Content:
    return Content.from_markup("[b $text-error]$f[/]", f=flags) if loud else Content(flags)


#: Rows added before the first paint (a screenful: the terminal's height, at least
#: this many; each is also measured before that paint), then per chunk after it.
FIRST_CHUNK = 24
CHUNK = 2000
#: Above this many clients, filtering waits for a pause in typing.
DEBOUNCE_ROWS = 1500
#: Above this many clients, a light start paints the clients' own columns first and
#: last contact / next appointment a moment later (their query is 250 ms at 10,000).
DETAILS_LATER_ROWS = 1500
#: In those two columns while they are still being read.
PENDING = "…"


class CaseloadTable(MeasuredTable):
    """The caseload table (row cursor)."""


class CaseloadScreen(CompactFooterMixin, RestyledWhenChanged, Screen):
    TITLE = "caseterm · Caseload"

    BINDINGS = [
        Binding("slash", "filter", "Filter", show=True, key_display="/"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("down", "to_table", "To the list", show=False),
        Binding("o", "sort_next", "Sort", show=True),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
        Binding("w", "write_note", "Note", show=True, tooltip="Write a note for the highlighted client"),
        Binding("e", "print_caseload", "Print", show=True, tooltip="Print or export the caseload list (CSV and HTML, CONFIDENTIAL)"),
        Binding("h", "app.hours_grid", "Hours", show=True, tooltip="Enter last month's hours for every client who owes them"),
        Binding("plus", "add_task", "Add task", show=False, key_display="+", tooltip="A task for the highlighted client"),
        Binding("2", "app.switch_mode('schedule')", "Schedule", show=True),
        Binding("f2", "app.toggle_sidebar", "Due", show=True, tooltip="Show or hide the due-today list"),
        Binding("ctrl+q", "app.quit", "Quit", show=True, tooltip="Quit caseterm (asks first while a changed note is open)"),
        *[Binding(key, f"quick('{quick.name}')", label.replace(" {n}d", ""), show=False) for key, quick, label in QUICK_KEYS],
        Binding("u", "next_worker", "Worker", show=False, tooltip="One worker's clients, the next, then all (a team's caseload)"),
    ]

    #: Focused from the start (Textual's default is the first focusable widget, the hidden
    #: filter box: the focus then moved, and the first frame was styled and drawn twice).
    AUTO_FOCUS = "CaseloadTable"

    quick: reactive[QuickFilter] = reactive(QuickFilter.ALL, init=False)
    filter_text: reactive[str] = reactive("", init=False)
    sort_column: reactive[str] = reactive("name", init=False)
    sort_reverse: reactive[bool] = reactive(False, init=False)

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[CaseloadRow] = []
        self._due_counts: dict[str, int] = {}
        self._loaded = False
        self._ready_sent = False
        #: last contact, next appointment and drafts are still being read (a large light start)
        self._details_pending = False
        #: a large light start's first frame holds a screenful of this many clients (the rest follow)
        self._screenful_of: int | None = None
        self._stale = False  # the data changed while another screen showed
        self._due_stale = False  # the due list changed while another screen showed
        self._generation = 0  # of table fills: a newer one stops an older one's chunks
        self._no_contact_days: int | None = None
        #: dates further than this from today show their year (policy, read once)
        self._year_months = clock.year_after_months()
        self._compact = False
        #: agency mode: the workers the rows belong to (a worker column and filter when more than one)
        self._workers: list[str] = []
        self.worker_filter: str | None = None

    @property
    def columns(self) -> list[tuple[str, str]]:
        """The table's columns: a team's caseload also shows whose each client is."""
        return [*COLUMNS, WORKER_COLUMN] if len(self._workers) > 1 else COLUMNS

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="main"):
            with Vertical(id="caseload-pane", classes="pane"):
                yield Static("", id="quick-bar")
                box = Input(placeholder="filter: name, case #, program… (Enter keeps, Esc clears)", id="caseload-filter")
                box.display = False  # shown by `/`; hidden from the start, not after the first layout
                yield box
                yield CaseloadTable(id="caseload-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="caseload-status")
                yield Static(Content.from_markup("[$text-muted]flags: $legend[/]", legend=FLAG_LEGEND), id="flag-legend")
            yield DueToday(id="sidebar")
        yield KeyFooter(compact=True)

    def _add_columns(self) -> None:
        table = self.query_one(CaseloadTable)
        headings = COMPACT_HEADINGS if self._compact else {}
        for key, heading in self.columns:
            table.add_column(headings.get(key, heading), key=key)

    #: The table's keys, left out of the compact footer while the due list has the focus.
    TABLE_KEYS: frozenset[str] = frozenset({"slash", "o", "w", "e", "h"})

    def spare_keys(self) -> frozenset[str]:
        """At 80 columns the footer has room for the due list's keys or the table's, not both."""
        if self.query_one(DueToday).has_focus_within:
            return self.SPARE_KEYS | self.TABLE_KEYS
        return self.SPARE_KEYS - {"f12", "ctrl+l"}  # the table's footer has room for Hide

    def on_mount(self) -> None:
        table = self.query_one(CaseloadTable)
        self._compact = not getattr(self.app, "compact", False)
        self._reflow()
        self.watch(self.app, "show_sidebar", self._sidebar_shown)
        self.watch(self.app, "due_items", self._due_changed)
        if hasattr(self.app, "covering"):
            self.watch(self.app, "covering", self._covering_changed, init=False)
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self._show_quick_bar()
        if not self._first_page():
            self.load_rows()
        table.focus()

    def _first_page(self) -> bool:
        """A light start reads its first page here, so the first frame has the rows
        (issue 25.4); False when there is nothing to read it with (the worker reads)."""
        readonly = getattr(self.app, "readonly", None)
        if readonly is None or self._loaded:
            return False
        from caseterm.services.caseload import first_page_readonly

        first = first_page_readonly(readonly, clock.today(), DETAILS_LATER_ROWS,
                                    max(self.app.size.height, FIRST_CHUNK))
        if first is None:
            return False
        # A large caseload's first frame has a screenful: the status line counts them all.
        self._screenful_of = first.total if first.partial else None
        self._rows_loaded(first.rows, first.partial)
        return True

    @property
    def no_contact_days(self) -> int:
        if self._no_contact_days is None:
            from caseterm.services.caseload import follow_up_days

            self._no_contact_days = follow_up_days()
        return self._no_contact_days

    # -- data ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="caseload-load", exit_on_error=False)
    def load_rows(self) -> None:
        from caseterm.services.caseload import read_caseload

        # On a light start the rows come through the app's read-only connection while
        # the store is still coming up; the service chooses (issue 14).
        app: Any = self.app
        day, readonly = clock.today(), app.readonly
        rows = read_caseload(app.session, day, readonly=readonly)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._rows_loaded, rows)

    def _rows_loaded(self, rows: list[CaseloadRow], partial: bool = False) -> None:
        from caseterm.services.caseload import workers_of

        self._rows = rows
        workers = workers_of(rows)
        if (len(workers) > 1) != (len(self._workers) > 1):
            self._workers = workers
            self.query_one(CaseloadTable).clear(columns=True)
            self._add_columns()
        self._workers = workers
        if self.worker_filter not in (None, *workers):
            self.worker_filter = None
        self._loaded = True
        self._stale = False
        self._details_pending = partial
        if not partial:
            self._screenful_of = None
        self._populate()
        if partial:
            # The full rows after this frame is painted: reading them meanwhile would hold
            # the interpreter the frame needs.
            self._after_frame(self.load_rows)
        if not partial and not self._ready_sent:
            self._ready_sent = True
            # After the frame with the rows: what starts on it (the store, the due list)
            # must not hold the interpreter that frame needs.
            self._after_frame(self.post_message, ScreenReady())

    def _after_frame(self, callback: Any, *args: Any) -> None:
        """After this screen's next frame — on start-up its first, which the rows are in."""
        self.app.call_after_first_frame(self, callback, *args)  # type: ignore[attr-defined]

    def _due_changed(self, items: list[Any] | None) -> None:
        if items is None:
            return
        self._due_counts = dict(count_due(items, clock.today()))
        if self._loaded and self.is_current:
            self._populate()
        elif self._loaded:
            self._due_stale = True

    def _covering_changed(self, _covering: dict[str, str]) -> None:
        if self._loaded:
            self._populate()

    def _data_changed(self, _version: int) -> None:
        if self.is_current:
            self.load_rows()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self.load_rows()
        elif self._due_stale:
            self._populate()
        self._due_stale = False
        self.query_one(DueToday).catch_up()

    def _sidebar_shown(self, shown: bool) -> None:
        self.set_class(not shown, "-no-sidebar")
        self.call_after_refresh(self._show_quick_bar)
        if not shown and self.focused is not None and self.query_one(DueToday) in self.focused.ancestors:
            self.query_one(CaseloadTable).focus()

    # -- showing -----------------------------------------------------------------

    def _mine_and_covered(self, rows: list[CaseloadRow]) -> tuple[list[CaseloadRow], list[CaseloadRow]]:
        """My caseload, and apart from it the clients of workers I cover today (agency mode)."""
        covered = getattr(self.app, "covering", None) or {}
        if not covered:
            return rows, []
        from caseterm.services.caseload import split_covered

        return split_covered(rows, covered)

    def visible_rows(self) -> list[CaseloadRow]:
        from caseterm.services.caseload import of_worker

        mine, covered = self._mine_and_covered(of_worker(with_due_counts(self._rows, self._due_counts),
                                                         self.worker_filter))
        days = self.no_contact_days if self.quick is QuickFilter.NO_CONTACT else 0
        if self.quick is QuickFilter.COVERING:
            rows = filter_rows(covered, QuickFilter.ALL, self.filter_text, clock.today(), 0)
        else:
            rows = filter_rows(mine, self.quick, self.filter_text, clock.today(), days)
        return sort_rows(rows, self.sort_column, self.sort_reverse)

    def _populate(self) -> None:
        """Fill the table: the first rows at once (they paint), the rest in chunks after."""
        table = self.query_one(CaseloadTable)
        keep = None
        if table.row_count and table.cursor_row is not None:
            try:
                keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            except Exception:  # noqa: BLE001 - cursor past the end after a reload
                keep = None
        self._generation += 1
        self._show_quick_bar()
        rows = self.visible_rows()
        table.clear()
        self._add_rows(self._generation, rows, keep, max(self.app.size.height, FIRST_CHUNK), first=True)
        self._show_status(len(rows))

    def _add_rows(self, generation: int, rows: list[CaseloadRow], keep: Any, size: int, first: bool = False) -> None:
        if generation != self._generation:
            return  # a newer filter or sort is filling the table
        table = self.query_one(CaseloadTable)
        today = clock.today()
        for row in rows[:size]:
            table.add_row(*self._cells(row, today), key=row.case_number)
        if first:
            table.measure_now()  # the rows on screen are drawn once, at their widths
        rest = rows[size:]
        if rest:
            self._after_frame(self._add_rows, generation, rest, keep, CHUNK)
        elif keep is not None:
            try:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
            except Exception:  # noqa: BLE001 - the row is filtered out now
                pass

    def _cells(self, row: CaseloadRow, today: Any) -> list[Any]:
        due = _due_cell(row.due)
        status = STATUS_LABELS.get(row.status, row.status.value)
        if row.close_pending:
            status += " →close"
        flags = _flags_cell(row.flags, row.dv or row.penalty)
        name = row.name
        program = row.program
        if self._compact:
            name = _cut(name, COMPACT_CUT["name"] - (2 if row.drafts else 0))
            status = _cut(status.replace(" →close", "→cl"), COMPACT_CUT["status"])
            program = _cut(program, COMPACT_CUT["program"])
        cells = {
            "case_number": row.case_number,
            "name": f"{name} {DRAFT_MARK}" if row.drafts else name,
            "due": due,
            "flags": flags,
            "next_appointment": PENDING if self._details_pending else next_label(row.next_appointment, today, self._year_months),
            "last_contact": PENDING if self._details_pending else short_date(row.last_contact, today, self._year_months),
            "status": status,
            "program": program,
            "worker": row.worker,
        }
        return [cells[key] for key, _ in self.columns]

    def _show_status(self, shown: int) -> None:
        heading = dict(self.columns).get(self.sort_column, self.sort_column)
        arrow = "▼" if self.sort_reverse else "▲"
        loading = "" if self.app.due_items is not None else " · due counts…"  # type: ignore[attr-defined]
        if self._details_pending:
            loading = " · last contacts…" + loading
        self.query_one("#caseload-status", Static).update(
            Content.from_markup(
                "$shown of $total · sorted by $col $arrow$loading",
                shown=str(shown),
                total=plural(len(self._rows) if self._screenful_of is None else self._screenful_of, 'client'),
                col=heading,
                arrow=arrow,
                loading=loading,
            )
        )

    def _show_quick_bar(self) -> None:
        from caseterm.services.caseload import quick_counts

        counts = {}
        covered: list[CaseloadRow] = []
        if self._loaded and self._screenful_of is None:  # a first screenful counts nothing yet
            mine, covered = self._mine_and_covered(with_due_counts(self._rows, self._due_counts))
            counts = quick_counts(mine, clock.today(), self.no_contact_days)
            counts[QuickFilter.COVERING] = len(covered)
        parts = []
        for key, quick, label in QUICK_KEYS:
            if quick is QuickFilter.COVERING and not covered and self.quick is not quick:
                continue  # nobody to cover today
            text = label.format(n=self.no_contact_days) if "{n}" in label else label
            known = quick is not QuickFilter.DUE or self.app.due_items is not None  # type: ignore[attr-defined]
            if quick is QuickFilter.NO_CONTACT and self._details_pending:
                known = False  # last contacts are still being read
            if quick in counts and known:
                text += f" {counts[quick]}"
            style = "reverse b $text-accent" if quick is self.quick else "$text-muted"
            parts.append(Content.from_markup(f"[b]$key[/][{style}] $label [/]", key=key, label=text))
        if len(self._workers) > 1:
            style = "reverse b $text-accent" if self.worker_filter else "$text-muted"
            parts.append(Content.from_markup(f"[b]u[/][{style}] $label [/]",
                                             label=f"worker: {self.worker_filter or 'all'}"))
        bar = self.query_one("#quick-bar", Static)
        # Break between items, never inside one, at the bar's width.
        width = max(bar.size.width - 2, 20) if bar.size.width else 200
        lines: list[list[Content]] = [[]]
        used = 0
        for part in parts:
            if lines[-1] and used + 1 + part.cell_length > width:
                lines.append([])
                used = 0
            used += part.cell_length + (1 if lines[-1] else 0)
            lines[-1].append(part)
        bar.update(Content("\n").join(Content(" ").join(line) for line in lines))

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_quick_bar)
        self.call_after_refresh(self._reflow)

    def _reflow(self) -> None:
        """At 80 columns: short headings and cut cells, so every column is on screen."""
        compact = bool(getattr(self.app, "compact", False))
        if compact == getattr(self, "_compact", compact):
            return
        self._compact = compact
        self.query_one("#flag-legend", Static).update(
            Content.from_markup("[$text-muted]flags: $legend[/]", legend=COMPACT_LEGEND if compact else FLAG_LEGEND)
        )
        self.query_one(CaseloadTable).clear(columns=True)
        self._add_columns()
        if self._loaded:
            self._populate()

    def watch_quick(self) -> None:
        self._populate()

    def watch_filter_text(self) -> None:
        self._populate()

    def watch_sort_column(self) -> None:
        self._populate()

    def watch_sort_reverse(self) -> None:
        self._populate()

    # -- actions ---------------------------------------------------------------

    def action_quick(self, name: str) -> None:
        quick = QuickFilter[name]
        if quick is QuickFilter.NO_CONTACT and self.quick is QuickFilter.NO_CONTACT:
            self.pick_no_contact_days()
            return
        self.quick = quick

    def pick_no_contact_days(self) -> None:
        """`n` again: how long without contact? (14, 30, any number; the policy's by default)."""
        from caseterm.services.caseload import follow_up_days, parse_no_contact_days
        from caseterm.widgets.prompts import TextPrompt

        def chosen(days: int | None) -> None:
            if days is not None and days != self._no_contact_days:
                self._no_contact_days = days
                self._populate()
                self._show_quick_bar()

        self.app.push_screen(
            TextPrompt(
                "No contact in how many days?",
                help_text=f"14, 30, or any number of days (the policy's follow-up interval is {follow_up_days()}).",
                placeholder="days",
                parse=parse_no_contact_days,
                value=str(self.no_contact_days),
            ),
            chosen,
        )

    def action_next_worker(self) -> None:
        """A team's caseload: one worker's clients, the next worker's, ..., then everyone's again."""
        if len(self._workers) < 2:
            return
        order: list[str | None] = [None, *self._workers]
        self.worker_filter = order[(order.index(self.worker_filter) + 1) % len(order)]
        self._populate()

    def action_show_all(self) -> None:
        self.quick = QuickFilter.ALL
        self.query_one("#caseload-filter", Input).value = ""

    def action_filter(self) -> None:
        box = self.query_one("#caseload-filter", Input)
        box.display = True
        # Focus now, not via focus()'s call_later: keys typed right after "/" are
        # already queued and must land in the box, not fire the caseload's keys.
        self.set_focus(box)

    def action_to_table(self) -> None:
        """↓ in the filter box: into the list, the filter kept (the next keys are the list's, 23.9)."""
        box = self.query_one("#caseload-filter", Input)
        if self.focused is box:
            timer = getattr(self, "_filter_timer", None)
            if timer is not None:
                timer.stop()
            self.filter_text = box.value
            table = self.query_one(CaseloadTable)
            table.focus()
            if table.row_count:
                table.move_cursor(row=0)

    def on_key(self, event: events.Key) -> None:
        """Letters typed in one burst with "/" ("/ahmed") reach the table before the box has the
        focus; they bubble up here once it has it, and would be dropped: they go into the box."""
        box = self.query_one("#caseload-filter", Input)
        if event.key == "slash" and not isinstance(self.focused, Input):
            # Opened here, as the key passes, not when it reaches the app's bindings: the keys
            # behind it are already on their way to the table.
            event.stop()
            event.prevent_default()
            self.action_filter()
        elif self.focused is box and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)

    def action_clear_filter(self) -> None:
        box = self.query_one("#caseload-filter", Input)
        if box.value or box.display:
            box.value = ""
            box.display = False
            self.query_one(CaseloadTable).focus()
        elif self.quick is not QuickFilter.ALL:
            self.quick = QuickFilter.ALL

    @on(Input.Changed, "#caseload-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if len(self._rows) <= DEBOUNCE_ROWS:
            self.filter_text = event.value
            return
        timer = getattr(self, "_filter_timer", None)
        if timer is not None:
            timer.stop()
        value = event.value
        self._filter_timer = self.set_timer(0.25, lambda: setattr(self, "filter_text", value))

    @on(Input.Submitted, "#caseload-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        box = self.query_one("#caseload-filter", Input)
        timer = getattr(self, "_filter_timer", None)
        if timer is not None:
            timer.stop()
        self.filter_text = box.value
        if not box.value:
            box.display = False
        table = self.query_one(CaseloadTable)
        table.focus()
        rows = self.visible_rows()
        typed = box.value.strip().casefold()
        exact = [i for i, row in enumerate(rows) if row.case_number.casefold() == typed]
        if exact:
            # A full case number opens that client, even when others start with it (A-KEPT, A-KEPTNOTE).
            table.move_cursor(row=exact[0])
            self.post_message(OpenClient(rows[exact[0]].case_number))
        elif len(rows) == 1:
            # One match: Enter opens it (type a name, press Enter, you are in the file).
            table.move_cursor(row=0)
            self.post_message(OpenClient(rows[0].case_number))
        # Several matches: Enter has moved into the table; arrows pick one.

    def action_sort_next(self) -> None:
        from caseterm.services.caseload import DESCENDING_FIRST

        keys = [key for key, _ in self.columns]
        column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.set_reactive(CaseloadScreen.sort_reverse, column in DESCENDING_FIRST)
        self.sort_column = column

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse

    def action_sort_by(self, column: str) -> None:
        from caseterm.services.caseload import DESCENDING_FIRST

        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.set_reactive(CaseloadScreen.sort_reverse, column in DESCENDING_FIRST)
            self.sort_column = column

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        self.action_sort_by(str(event.column_key.value))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(OpenClient(str(event.row_key.value)))

    def _highlighted_case_number(self) -> str | None:
        table = self.query_one(CaseloadTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def action_add_task(self) -> None:
        self.app.action_add_task(self._highlighted_case_number())  # type: ignore[attr-defined]

    def action_write_note(self) -> None:
        """Note entry for the highlighted client, straight from the morning review."""
        case_number = self._highlighted_case_number()
        if case_number is None:
            self.notify("No client is highlighted.", severity="warning")
            return
        self.app.open_note(case_number)  # type: ignore[attr-defined]

    def action_print_caseload(self) -> None:
        self.notify("Writing the caseload list…", timeout=2)
        self.print_caseload()

    @work(thread=True, exclusive=True, group="caseload-print", exit_on_error=False)
    def print_caseload(self) -> None:
        from caseterm.services.caseload import export_caseload

        with self.app.session() as session:  # type: ignore[attr-defined]
            written = export_caseload(session, clock.today(), self.app.due_items or [])  # type: ignore[attr-defined]
        self.app.call_from_thread(self._printed, written)

    def _printed(self, written: list[Any]) -> None:
        from caseterm.messages import DataChanged

        from caseterm.text import file_lines

        self.notify(f"CONFIDENTIAL caseload list written (owner-only files):\n{file_lines(written)}", timeout=10)
        self.post_message(DataChanged())
