"""CSV formula escaping, shared by every CSV caseterm writes and by the CSV import."""

from __future__ import annotations

# --------------------------------------------------------------------------
# CSV cells a spreadsheet would evaluate (OWASP "CSV injection")
# --------------------------------------------------------------------------

#: A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_START = frozenset("=+-@\t\r")
_ESCAPED_AFTER_QUOTE = FORMULA_START | {"'"}


def csv_safe(cell: str) -> str:
    """The cell as every caseterm CSV writes it: `'` before anything a spreadsheet would run.

    Also before a cell that starts with `'` and then a formula character or
    another `'`, so that `csv_restore` gives back exactly the original text.
    """
    if cell and (cell[0] in FORMULA_START or (cell[0] == "'" and len(cell) > 1 and cell[1] in _ESCAPED_AFTER_QUOTE)):
        return "'" + cell
    return cell


def csv_restore(cell: str) -> str:
    """The original text of a cell `csv_safe` wrote (also a hand-neutralised `'=...`)."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _ESCAPED_AFTER_QUOTE:
        return cell[1:]
    return cell
