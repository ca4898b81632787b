"""widgets/table.py: a frame drawn before the table measures its new rows is not kept."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from caseterm.widgets.table import MeasuredTable


class _Host(App[None]):
    def __init__(self, table: DataTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


async def first_row_after_an_early_frame(table: DataTable) -> str:
    """The caseload's reflow at 80 columns: the same rows filled again into new columns.

    The table's overall size ends where it was, so nothing else asks for a redraw.
    """
    app = _Host(table)

    def fill() -> None:
        table.clear(columns=True)
        table.add_column("Case #", key="case")
        table.add_column("Name", key="name")
        table.add_row("TA-1001", "James Carter", key="TA-1001")

    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        fill()
        await pilot.pause()
        fill()
        table.render_line(1)  # drawn (and cached) before the idle measurement, as on a busy start-up
        await pilot.pause()
        return table.render_line(1).text


async def test_cells_are_drawn_again_at_their_measured_width() -> None:
    line = await first_row_after_an_early_frame(MeasuredTable())
    assert "TA-1001" in line and "James Carter" in line


async def test_the_plain_data_table_keeps_the_early_frame() -> None:
    """Why MeasuredTable exists: if Textual fixes this, this test says the subclass can go."""
    line = await first_row_after_an_early_frame(DataTable())
    assert "James Carter" not in line
