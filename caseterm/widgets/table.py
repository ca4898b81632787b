"""A DataTable whose cells are drawn again when its columns widen.

Textual's DataTable measures new rows when the app is idle, but caches each
cell's drawing under a key without the column's width. A frame drawn between
`add_row` and that measurement (a busy start-up, a reflow at 80 columns) left
cells cut to the heading's width — "TA-100" for "TA-1001" — until the next
change. Dropping the drawings whenever a measurement changes a width fixes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class MeasuredTable(DataTable):
    """DataTable that redraws its cells when a column's measured width changes."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = [column.get_render_width(self) for column in self.ordered_columns]
        super()._update_dimensions(new_rows)
        if [column.get_render_width(self) for column in self.ordered_columns] != before:
            self._clear_caches()
            self.refresh()

    def measure_now(self) -> None:
        """Measure the rows added so far now, not when the app is next idle (what
        DataTable's idle handler does): the frame about to be drawn then has the
        columns' real widths, instead of being drawn once with the headings' widths
        and again after the measurement (a third of the caseload's first frame)."""
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)
