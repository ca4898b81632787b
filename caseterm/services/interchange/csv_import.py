"""The clients CSV import: a row at a time, cells typed and formula escapes undone."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from caseterm.services.interchange.escape import csv_restore
from caseterm.services.interchange.problems import _Errors, _Fatal, _describe
from caseterm.services.interchange.records import ClientRecord, FORMAT, InterchangeFile
from caseterm.services.interchange.source import _Source


# --------------------------------------------------------------------------
# CSV of clients, a row at a time
# --------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CSV_BOOL = {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False, "n": False, "0": False}


@dataclass(frozen=True)
class _CsvField:
    """How a client column's cells are read."""

    kind: str  # "text" | "bool" | "date" | "value" (numbers and closed sets: pydantic's lax mode)
    nullable: bool


def _csv_fields() -> dict[str, _CsvField]:
    out = {}
    for name, info in ClientRecord.model_fields.items():
        annotation = str(info.annotation)
        nullable = not info.is_required() and info.default is None
        if "bool" in annotation:
            kind = "bool"
        elif "date" in annotation:
            kind = "date"
        elif info.annotation in (str, str | None) and name != "case_number":
            kind = "text"
        else:
            kind = "value"
        out[name] = _CsvField(kind, nullable)
    return out


CSV_FIELDS = _csv_fields()


def _csv_cell(name: str, cell: str) -> tuple[Any, str | None]:
    """(value, None) or (None, what is wrong) for one cell of a present column.

    Empty: None for an optional field, an error for one that cannot be empty.
    Text is taken as written; spaces around typed values are ignored.
    """
    spec = CSV_FIELDS[name]
    cell = csv_restore(cell)
    if spec.kind != "text":
        cell = cell.strip()
    if cell == "":
        if spec.nullable:
            return None, None
        return None, "is empty, and this field cannot be empty (leave the column out to keep what is stored)"
    if spec.kind == "bool":
        value = CSV_BOOL.get(cell.lower())
        return (value, None) if value is not None else (None, f"{cell!r} is not true or false")
    if spec.kind == "date":
        # Only YYYY-MM-DD, as in JSON (fromisoformat alone also takes "20260101").
        try:
            if _ISO_DATE.fullmatch(cell):
                return dt.date.fromisoformat(cell), None
        except ValueError:
            pass
        return None, f"{cell!r} is not a valid date (YYYY-MM-DD)"
    return cell, None


class _CsvReader:
    """A caseload CSV: a header of client field names, one client a row.

    caseterm's own caseload report reads back too: its CONFIDENTIAL first line
    and its computed columns (hours, due items...) are skipped.
    """

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.where = source.where

    def rows(self, errors: _Errors) -> Iterator[tuple[int, ClientRecord]]:
        """(line, client) for every good row; problems go to `errors`."""
        where = self.where
        from caseterm.services.caseload_csv import CASELOAD_CSV_COLUMNS

        reader = csv.reader(self.source.lines())
        try:
            header = next(reader, None)
            if header is not None and len(header) == 1 and header[0].startswith("CONFIDENTIAL"):
                header = next(reader, None)
            if header is None:
                raise _Fatal(f"{where}: the file is empty; expected a header row of client field names")
            header_line = reader.line_num
            ignored = set(CASELOAD_CSV_COLUMNS) - set(CSV_FIELDS)
            problems = False
            for position, name in enumerate(header):
                if name not in CSV_FIELDS and name not in ignored:
                    hint = "; the file seems to use ';' between cells: caseterm reads comma-separated CSV" \
                        if ";" in name and len(header) == 1 else ""
                    errors.add(f"{where}:{header_line}: unknown column {name!r}{hint}")
                    problems = True
                elif name in header[:position]:
                    errors.add(f"{where}:{header_line}: column {name!r} appears twice")
                    problems = True
            for required in ("case_number", "legal_name"):
                if required not in header:
                    errors.add(f"{where}:{header_line}: required column {required!r} is missing")
                    problems = True
            if problems:
                return
            columns = [(i, name) for i, name in enumerate(header) if name not in ignored]
            for row in reader:
                line = reader.line_num
                if not row:
                    continue  # a blank line
                if len(row) != len(header):
                    more = "more" if len(row) > len(header) else "fewer"
                    hint = " (is a '\"' left unclosed?)" if any("\n" in c or "\r" in c for c in row) else ""
                    errors.add(f"{where}:{line}: {len(row)} cells, {more} than the {len(header)} header columns{hint}")
                    continue
                values: dict[str, Any] = {}
                bad: set[str] = set()
                for i, name in columns:
                    value, problem = _csv_cell(name, row[i])
                    if problem:
                        errors.add(f"{where}:{line}: column {name!r}: {problem}")
                        bad.add(name)
                    else:
                        values[name] = value
                try:
                    record = ClientRecord.model_validate(values, strict=False)
                except ValidationError as exc:
                    for error in exc.errors():
                        column = ".".join(str(p) for p in error["loc"])
                        if column not in bad:  # a bad cell is reported once
                            errors.add(f"{where}:{line}: column {column!r}: {_describe(error)}")
                    continue
                if not bad:
                    yield line, record
        except csv.Error as err:
            raise _Fatal(f"{where}:{reader.line_num}: not a readable CSV row ({err})") from None


def parse_clients_csv(raw: str, where: str) -> InterchangeFile:
    """A caseload CSV given as text (small inputs, tests): its clients, or BadInput with every problem."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.csv"
        path.write_text(raw, encoding="utf-8", newline="")
        errors = _Errors()
        try:
            with _Source(path, where, "a CSV of clients") as source:
                clients = [record for _, record in _CsvReader(source).rows(errors)]
        except _Fatal as fatal:
            errors.add(str(fatal))
        errors.raise_if_any()
    return InterchangeFile(format=FORMAT, clients=clients)
