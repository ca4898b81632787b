"""The month's hours in one grid (Work Activity Verification, 001): every
client who owes last month's hours down, the weeks of that month across.

Type the hours and Tab (or Enter) to the next cell: each cell is saved at once,
in its own transaction, by the same service function as the hours dialog
(hours.save_grid_hours -> hours.save_hours), and the due list refreshes, so a
client's work-verification item clears when the row is complete.

The verification source is chosen once per row (first column: `p` paystub,
`t` timesheet, `e` employer call, `o` other) and goes with every hours cell
saved on that row: a client's month is nearly always verified by one kind of
document, so one key per client beats one per cell. The activity is per row
too (second column, reached with the arrows), starting from the client's last
entry. Weeks already entered show their total and are left alone (edit them
in the client's hours tab).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.messages import DataChanged
from caseterm.services import hours as hours_service
from caseterm.services.hours import GridRow, MonthGrid
from caseterm.text import plural
from caseterm.vocabulary import label, Activity, VerifiedBy
from caseterm.screens.resume import RestyledWhenChanged
from caseterm.widgets.footer import KeyFooter

#: keys of the source column, and of the activity column
SOURCE_KEYS = {"p": VerifiedBy.PAYSTUB, "t": VerifiedBy.TIMESHEET, "e": VerifiedBy.EMPLOYER_CALL, "o": VerifiedBy.OTHER}
ACTIVITY_KEYS = {
    "e": Activity.EMPLOYMENT,
    "s": Activity.WORK_SEARCH,
    "x": Activity.WORK_EXPERIENCE,
    "d": Activity.EDUCATION,
    "b": Activity.BARRIER_RESOLUTION,
}
SHORT_SOURCE = {VerifiedBy.PAYSTUB: "paystub", VerifiedBy.TIMESHEET: "timesheet", VerifiedBy.EMPLOYER_CALL: "employer", VerifiedBy.OTHER: "other"}
SHORT_ACTIVITY = {
    Activity.EMPLOYMENT: "employ",
    Activity.WORK_SEARCH: "search",
    Activity.WORK_EXPERIENCE: "work exp",
    Activity.EDUCATION: "educ",
    Activity.BARRIER_RESOLUTION: "barrier",
}
SOURCE, ACTIVITY = "source", "activity"
#: the longest text an hours cell takes (anything not a number is refused on save, naming the cell)
MAX_CELL = 6


def fmt_hours(value: float) -> str:
    return f"{value:g}"


@dataclass
class Cell:
    """An hours cell typed in this grid: its text, the entry it saved, whether that failed."""

    text: str = ""
    entry_id: int | None = None
    failed: bool = False
    editing: bool = False


class HoursGrid(Widget, can_focus=True):
    """Clients down, weeks across; a cursor, and the cell being typed."""

    DEFAULT_CSS = """
    HoursGrid { height: auto; width: 1fr; }
    """
    BINDINGS = [
        Binding("tab,enter", "next_cell", "Next cell", show=True, key_display="Tab/Enter"),
        Binding("shift+tab", "prev_cell", "Previous", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("backspace", "erase", "Erase", show=False),
    ]
    COMPONENT_CLASSES = {"hours-grid--cursor", "hours-grid--dim", "hours-grid--saved", "hours-grid--error", "hours-grid--short", "hours-grid--done"}

    cursor: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, grid: MonthGrid, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.grid = grid
        self.columns: list[str | dt.date] = [SOURCE, ACTIVITY, *grid.weeks]
        self.cells: dict[tuple[int, dt.date], Cell] = {}
        if grid.rows:
            self.cursor = (0, self._first_stop(0))

    # -- geometry ------------------------------------------------------------------

    def _widths(self) -> tuple[int, int, int, int, int]:
        """name, source, activity, week, total: narrow labels under 120 columns."""
        width = self.size.width or 80
        wide = width >= 120
        source, activity, week, total = (13, 18, 8, 21) if wide else (9, 8, 6, 11)
        fixed = source + activity + week * len(self.grid.weeks) + total + (3 + len(self.grid.weeks))
        return max(8, min(34 if wide else 24, width - fixed)), source, activity, week, total

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return max(1, len(self.grid.rows))

    # -- drawing -------------------------------------------------------------------

    def header(self) -> Text:
        """The column headings, in the grid's widths (shown above the scrolling rows)."""
        name_w, source_w, activity_w, week_w, total_w = self._widths()
        head = Text(style="bold")
        head.append("Client".ljust(name_w)[:name_w] + " ")
        head.append("Source".ljust(source_w) + " ")
        head.append("Activity".ljust(activity_w) + " ")
        for week in self.grid.weeks:
            label = f"{week:%b} {week.day}" if week_w > 6 else f"{week:%b}{week.day:>3}"[:week_w]
            head.append(label.rjust(week_w) + " ")
        head.append(("Month/req" if source_w > 9 else "Month").rjust(total_w))
        return head

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    class Resized(Message):
        """The grid's widths changed: the headings above it follow."""

    def render(self) -> Text:
        name_w, source_w, activity_w, week_w, total_w = self._widths()
        wide = source_w > 9
        dim = self.get_component_rich_style("hours-grid--dim")
        cursor_style = self.get_component_rich_style("hours-grid--cursor")
        saved = self.get_component_rich_style("hours-grid--saved")
        error = self.get_component_rich_style("hours-grid--error")
        short = self.get_component_rich_style("hours-grid--short")
        done = self.get_component_rich_style("hours-grid--done")
        lines: list[Text] = []
        row_at, col_at = self.cursor
        for r, row in enumerate(self.grid.rows):
            line = Text()
            room = name_w - len(row.case_number) - 1
            name = row.name if len(row.name) <= room else row.name[: max(0, room - 1)] + "…"
            line.append(f"{name} {row.case_number}"[-name_w:].ljust(name_w) + " ")
            for c, column in enumerate(self.columns):
                focused = self.has_focus and (r, c) == (row_at, col_at)
                if column == SOURCE:
                    text = (label(row.source) if wide else SHORT_SOURCE[row.source]) if row.source else "? p t e o"[:source_w]
                    style = dim if row.source is None else ""
                    width, align = source_w, "left"
                elif column == ACTIVITY:
                    text = label(row.activity) if wide else SHORT_ACTIVITY[row.activity]
                    style, width, align = "", activity_w, "left"
                else:
                    assert isinstance(column, dt.date)
                    cell = self.cells.get((r, column))
                    width, align = week_w, "right"
                    if cell is not None and (cell.editing or cell.failed):
                        text, style = cell.text + ("▏" if focused and cell.editing else ""), error if cell.failed else ""
                    elif cell is not None and cell.entry_id is not None:
                        text, style = cell.text, saved
                    elif column in row.entered:
                        # Met or short of the week's requirement, in the grid's met/short colours
                        # (the words are on the row's line under the grid).
                        met = self.grid.week_met(row, column)
                        text, style = fmt_hours(row.entered[column]), done if met else short
                    else:
                        text, style = "·", dim
                text = text[:width]
                text = text.ljust(width) if align == "left" else text.rjust(width)
                line.append(text, style=cursor_style if focused else style)
                line.append(" ")
            # The month in words: met, or short by how much (partial weeks prorated, `MonthGrid`).
            total = round(self.grid.hours_total(row), 1)
            required = round(self.grid.required_total(row), 1)
            met = self.grid.month_met(row)
            word = "met" if met else f"short {fmt_hours(round(required - total, 1))}"
            text = f"{fmt_hours(total)}/{fmt_hours(required)} {word}" if wide else word
            line.append(text.rjust(total_w)[-total_w:], style=done if met else short)
            lines.append(line)
        if not self.grid.rows:
            lines.append(Text("Nobody owes hours for this month.", style=dim))
        return Text("\n").join(lines)

    # -- movement ------------------------------------------------------------------

    def _editable(self, r: int, c: int) -> bool:
        column = self.columns[c]
        if column in (SOURCE, ACTIVITY):
            return True
        assert isinstance(column, dt.date)
        return column not in self.grid.rows[r].entered or (r, column) in self.cells

    def _first_stop(self, r: int) -> int:
        """Where Tab lands on a row: its source if not chosen yet, else its first open week."""
        if self.grid.rows[r].source is None:
            return 0
        for c in range(2, len(self.columns)):
            if self._editable(r, c):
                return c
        return 0

    def _stops(self) -> list[tuple[int, int]]:
        """Tab order: each row's source, then its weeks not entered before (the activity by arrows)."""
        return [
            (r, c)
            for r in range(len(self.grid.rows))
            for c in range(len(self.columns))
            if c != 1 and self._editable(r, c)
        ]

    def watch_cursor(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        self.scroll_visible_row(new[0])
        self.refresh()
        self.post_message(self.RowShown())

    class RowShown(Message):
        """The cursor moved (or a cell was saved): the line under the grid says the row's weeks in words."""

    def row_summary(self) -> str:
        """The cursor's client, week by week: hours, met or short (policy hours), and the month."""
        row = self.current_row()
        if row is None:
            return ""
        grid = self.grid
        parts = []
        for week in grid.counted_weeks():
            share = grid.share(week)
            days = f" ({round(share * 5)} of 5 workdays in {grid.month:%B})" if share < 1 else ""
            if week not in row.entered:
                state = "not entered"
            else:
                hours = row.entered[week]
                state = f"{fmt_hours(hours)} h " + ("met" if grid.week_met(row, week) else f"short {fmt_hours(round(row.required - hours, 1))}")
            parts.append(f"{week:%b} {week.day}{days}: {state}")
        total, required = round(grid.hours_total(row), 1), round(grid.required_total(row), 1)
        month = "met" if grid.month_met(row) else f"short {fmt_hours(round(required - total, 1))}"
        return (
            f"{row.name}, {fmt_hours(row.required)} h a week · " + " · ".join(parts)
            + f" · {grid.month:%B}: {fmt_hours(total)} of {fmt_hours(required)} h, {month}"
        )

    def scroll_visible_row(self, r: int) -> None:
        parent = self.parent
        if isinstance(parent, VerticalScroll):
            parent.scroll_to_region(Region(0, r, 1, 1), animate=False)

    def current_column(self) -> str | dt.date:
        return self.columns[self.cursor[1]]

    def current_row(self) -> GridRow | None:
        return self.grid.rows[self.cursor[0]] if self.grid.rows else None

    def _leave(self) -> bool:
        """Save the cell being typed before the cursor leaves it; False keeps it there."""
        if not self.grid.rows:
            return False
        return self.commit()

    def action_next_cell(self) -> None:
        self._step(1)

    def action_prev_cell(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if not self._leave():
            return
        stops = self._stops()
        if not stops:
            return
        here = self.cursor
        if direction > 0:
            later = [s for s in stops if s > here]
            self.cursor = later[0] if later else stops[-1]
        else:
            earlier = [s for s in stops if s < here]
            self.cursor = earlier[-1] if earlier else stops[0]

    def action_move(self, rows: int, cols: int) -> None:
        if not self._leave():
            return
        r, c = self.cursor
        self.cursor = (max(0, min(len(self.grid.rows) - 1, r + rows)), max(0, min(len(self.columns) - 1, c + cols)))

    # -- typing --------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        row = self.current_row()
        char = (event.character or "").lower()
        if row is None or not char or not char.isprintable() or event.key in ("tab", "enter"):
            return
        column = self.current_column()
        if column == SOURCE:
            event.stop()
            if char in SOURCE_KEYS:
                row.source = SOURCE_KEYS[char]
                self.refresh()
                self.action_next_cell()
            elif char != " ":
                self.notify("Verification source: p paystub, t timesheet, e employer call, o other.", severity="warning", timeout=3)
        elif column == ACTIVITY:
            event.stop()
            if char in ACTIVITY_KEYS:
                row.activity = ACTIVITY_KEYS[char]
                self.refresh()
            elif char != " ":
                self.notify("Activity: e employment, s work search, x work experience, d education, b barrier resolution.", severity="warning", timeout=4)
        else:
            assert isinstance(column, dt.date)
            event.stop()
            if not self._editable(self.cursor[0], self.cursor[1]):
                self.notify(f"{row.name}: the week of {column:%b} {column.day} is entered already; edit it in the client's hours tab.", severity="warning", timeout=4)
                return
            cell = self.cells.setdefault((self.cursor[0], column), Cell())
            if not cell.editing:
                cell.text, cell.editing = "", True
            if len(cell.text) < MAX_CELL and char != " ":
                cell.text += char
            cell.failed = False
            self.refresh()

    def action_erase(self) -> None:
        column = self.current_column()
        cell = self.cells.get((self.cursor[0], column)) if isinstance(column, dt.date) else None
        if cell is None:
            return
        if not cell.editing:
            cell.editing = True
        cell.text = cell.text[:-1]
        cell.failed = False
        self.refresh()

    def cancel_edit(self) -> bool:
        """Esc while typing: put the cell back as it was. False if nothing was being typed."""
        column = self.current_column()
        key = (self.cursor[0], column)
        cell = self.cells.get(key) if isinstance(column, dt.date) else None  # type: ignore[arg-type]
        if cell is None or not (cell.editing or cell.failed):
            return False
        if cell.entry_id is None:
            del self.cells[key]  # type: ignore[arg-type]
        else:
            row = self.grid.rows[self.cursor[0]]
            assert isinstance(column, dt.date)
            cell.text, cell.editing, cell.failed = fmt_hours(row.entered[column]), False, False
        self.refresh()
        return True

    # -- saving --------------------------------------------------------------------

    def commit(self) -> bool:
        """Save the cell under the cursor if it was typed into. True when the cursor may move on."""
        column = self.current_column()
        r = self.cursor[0]
        if not isinstance(column, dt.date):
            return True
        cell = self.cells.get((r, column))
        if cell is None or not (cell.editing or cell.failed):
            return True
        row = self.grid.rows[r]
        where = f"{row.name} ({row.case_number}), week of {column:%b} {column.day}"
        if not cell.text.strip() and cell.entry_id is None:
            del self.cells[(r, column)]
            self.refresh()
            return True
        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                entry = hours_service.save_grid_hours(
                    session, row.case_number, column, cell.text, row.activity, row.source, record_id=cell.entry_id
                )
                entry_id, value = entry.id, entry.hours
        except BadInput as err:
            cell.failed = True
            self.refresh()
            self.notify(f"{where}: " + "; ".join(err.errors), title="Not saved", severity="error", timeout=6)
            return False
        except SQLAlchemyError as err:
            cell.failed = True
            self.refresh()
            reason = "the database is busy" if "locked" in str(err) else type(err).__name__
            self.notify(f"{where}: not saved, {reason}; the hours you typed are kept: press Enter to try again.", title="Not saved", severity="error", timeout=8)
            return False
        cell.entry_id, cell.text, cell.editing, cell.failed = entry_id, fmt_hours(value), False, False
        row.entered[column] = value
        self.refresh()
        self.post_message(DataChanged(case_number=row.case_number))
        return True

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class HoursGridScreen(RestyledWhenChanged, Screen):
    """Last month's hours for every client who owes them, one keyboard grid."""

    CSS_PATH = "client.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+o", "open_client", "Open client", show=True, tooltip="The highlighted client's hours tab"),
    ]

    def __init__(self, case_number: str | None = None) -> None:
        super().__init__()
        self.start_case = case_number

    def compose(self) -> ComposeResult:
        with self.app.session() as session:  # type: ignore[attr-defined]
            self.grid = hours_service.month_grid(session, clock.today())
        yield Header()
        yield Static(self._title(), id="hours-grid-title", markup=False)
        yield Static("", id="hours-grid-head")
        with VerticalScroll(id="hours-grid-scroll"):
            yield HoursGrid(self.grid, id="hours-grid")
        yield Static("", id="hours-grid-row", markup=False)
        yield Static(
            "Type hours, Tab/Enter: next cell · source: p paystub, t timesheet, e employer call, o other · "
            "activity (←): e employ s search x work exp d educ b barrier",
            id="hours-grid-help",
            markup=False,
        )
        yield KeyFooter()

    def _title(self) -> str:
        g = self.grid
        owing = sum(1 for row in g.rows if not all(w in row.entered for w in g.weeks))
        return (
            f"{g.month:%B %Y} hours: {plural(len(g.rows), 'client')} "
            f"({owing} still owing) · verify and enter by {g.deadline:%b} {g.deadline.day} (001)"
        )

    def on_mount(self) -> None:
        grid = self.query_one(HoursGrid)
        grid.focus()
        self.on_hours_grid_row_shown()
        if self.start_case:
            for r, row in enumerate(self.grid.rows):
                if row.case_number == self.start_case:
                    grid.cursor = (r, grid._first_stop(r))
                    break

    def on_hours_grid_resized(self) -> None:
        grid = self.query_one(HoursGrid)
        head = grid.header()
        head.append("\n" + "─" * head.cell_len, style="dim")
        self.query_one("#hours-grid-head", Static).update(head)

    def on_data_changed(self, message: DataChanged) -> None:
        """A cell was saved: the title's count and the row's line move; the app refreshes the due list."""
        self.query_one("#hours-grid-title", Static).update(self._title())
        self.on_hours_grid_row_shown()

    def on_hours_grid_row_shown(self, message: object = None) -> None:
        self.query_one("#hours-grid-row", Static).update(self.query_one(HoursGrid).row_summary())

    def action_back(self) -> None:
        grid = self.query_one(HoursGrid)
        if grid.cancel_edit():
            return
        self.dismiss(None)

    def action_open_client(self) -> None:
        grid = self.query_one(HoursGrid)
        row = grid.current_row()
        if row is not None and grid.commit():
            self.app.open_client(row.case_number, "hours")  # type: ignore[attr-defined]
