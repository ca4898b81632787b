"""`caseterm hmis check`: validate an HMIS CSV set (ours or another system's) against FY2026.

Pure reading: a folder or a zip in, a list of `Problem`s out, printed as
`File.csv:ROW:Column: problem` (ROW is the line in the file: 1 is the header;
0 means the file as a whole). Nothing is written anywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from caseterm.errors import BadInput
from caseterm.hmis.spec import Column, FileSpec, Spec, load_spec

_INT = re.compile(r"-?\d+\Z")
_MONEY = re.compile(r"-?\d+(\.\d{1,2})?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\Z")

#: Dates that may lie ahead: planned ends and a pregnancy's due date. Every other date is something that happened.
FUTURE_ALLOWED = frozenset({
    "DueDate", "EndDate", "OperatingEndDate", "InventoryEndDate", "HMISParticipationStatusEndDate",
    "CEParticipationStatusEndDate", "FAEndDate", "ExportEndDate",
})

#: Client columns HashStatus 4 (SHA-256) turns into 64 hex digits (the SSN: its last four, then 64).
HASHED_LENGTH = {"FirstName": 64, "MiddleName": 64, "LastName": 64, "SSN": 68}

#: Columns that name a record of another file: column -> (file, its id column).
REFERENCES: dict[str, tuple[str, str]] = {
    "PersonalID": ("Client", "PersonalID"),
    "EnrollmentID": ("Enrollment", "EnrollmentID"),
    "ProjectID": ("Project", "ProjectID"),
    "ResProjectID": ("Project", "ProjectID"),
    "OrganizationID": ("Organization", "OrganizationID"),
    "AssessmentID": ("Assessment", "AssessmentID"),
    "UserID": ("User", "UserID"),
}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


@dataclass
class Table:
    """One file as read: its header and its data rows (dicts by header name), row 2 first."""

    header: list[str]
    rows: list[dict[str, str]]


def read_set(path: Path) -> dict[str, bytes]:
    """The CSV files of a folder or zip, by file name (bytes, decoded later so a bad byte has a place)."""
    path = Path(path)
    if path.is_dir():
        return {child.name: child.read_bytes() for child in sorted(path.iterdir())
                if child.suffix.lower() == ".csv" and child.is_file()}
    if path.is_file() and zipfile.is_zipfile(path):
        found: dict[str, bytes] = {}
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    name = info.filename.rsplit("/", 1)[-1]
                    if name.lower().endswith(".csv") and not info.is_dir():
                        found[name] = zf.read(info)
        except (zipfile.BadZipFile, OSError) as err:
            raise BadInput(f"{path}: cannot read the zip ({err})") from None
        return found
    if not path.exists():
        raise BadInput(f"{path}: no such folder or zip")
    raise BadInput(f"{path}: not a folder or a zip of HMIS CSV files")


def _parse(name: str, raw: bytes, problems: list[Problem]) -> Table | None:
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.append(Problem(name, line, "-", "not UTF-8"))
        return None
    try:
        lines = list(csv.reader(io.StringIO(content, newline=""), strict=True))
    except csv.Error as err:
        problems.append(Problem(name, 0, "-", f"not valid CSV ({err})"))
        return None
    if not lines:
        problems.append(Problem(name, 1, "-", "empty file: no header"))
        return None
    header = [h.strip() for h in lines[0]]
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not cells:
            continue  # a blank line at the end
        if len(cells) != len(header):
            problems.append(Problem(name, number, "-", f"{len(cells)} fields; the header has {len(header)}"))
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)} | {"#": str(number)})
    return Table(header, rows)


def _check_header(fspec: FileSpec, table: Table, problems: list[Problem]) -> None:
    expected = fspec.header
    for position, name in enumerate(expected):
        if name not in table.header:
            problems.append(Problem(fspec.filename, 1, name, "column missing"))
        elif position < len(table.header) and table.header[position] != name:
            problems.append(Problem(fspec.filename, 1, name,
                                    f"out of order: column {position + 1} should be {name}, is {table.header[position]}"))
    for name in table.header:
        if name not in expected:
            problems.append(Problem(fspec.filename, 1, name, "not a column of this file in FY2026"))


def _value_problem(column: Column, value: str, today: dt.date, spec: Spec, hashed: bool = False) -> str | None:
    """What is wrong with one non-empty value of `column`, or None."""
    if hashed and column.name in HASHED_LENGTH:
        return None if len(value) <= HASHED_LENGTH[column.name] else f"longer than a hashed value ({len(value)})"
    if column.kind == "I":
        if not _INT.match(value):
            return f"not an integer: {value!r}"
    elif column.kind == "M":
        if not _MONEY.match(value):
            return f"not an amount of money: {value!r}"
        if column.non_negative and value.startswith("-"):
            return f"negative amount: {value}"
    elif column.kind in ("D", "T"):
        pattern, fmt = (_DATE, "%Y-%m-%d") if column.kind == "D" else (_DATETIME, "%Y-%m-%d %H:%M:%S")
        try:
            if not pattern.match(value):
                raise ValueError
            moment = dt.datetime.strptime(value, fmt)
        except ValueError:
            want = "YYYY-MM-DD" if column.kind == "D" else "YYYY-MM-DD HH:MM:SS"
            return f"not a date ({want}): {value!r}"
        if moment.date() > today and column.name not in FUTURE_ALLOWED:
            return f"in the future: {value}"
    elif column.kind == "S" and column.limit is not None and len(value) > column.limit:
        return f"longer than {column.limit} characters ({len(value)})"
    if column.list_id is not None:
        codes = spec.codes(column.list_id)
        if codes and value not in codes:
            return f"{value} is not in list {column.list_id}"
    return None


def _conditional_lists(fspec: FileSpec, row: dict[str, str], spec: Spec, problems: list[Problem]) -> None:
    for rule in spec.rules:
        if rule.file != fspec.name or not row.get(rule.column):
            continue
        value = row[rule.column]
        if rule.kind == "not_in":
            if value in rule.values:
                problems.append(Problem(fspec.filename, int(row["#"]), rule.column, f"{value} is not allowed here"))
            continue
        applies = all(row.get(col) == want for col, want in rule.when)
        if rule.kind == "unless":
            applies = not applies and bool(row.get("DisabilityType"))
        codes = spec.codes(rule.list_id)
        if applies and codes and value not in codes:
            problems.append(Problem(fspec.filename, int(row["#"]), rule.column,
                                    f"{value} is not in list {rule.list_id}"))


def check_tables(tables: dict[str, bytes], today: dt.date, spec: Spec | None = None) -> list[Problem]:
    """Every problem of a set of files (name -> bytes) against the specification, in file order."""
    spec = spec or load_spec()
    problems: list[Problem] = []
    parsed: dict[str, Table] = {}
    hashed = False
    for fspec in spec.files:
        raw = tables.get(fspec.filename)
        if raw is None:
            problems.append(Problem(fspec.filename, 0, "-", "file missing"))
            continue
        table = _parse(fspec.filename, raw, problems)
        if table is None:
            continue
        parsed[fspec.name] = table
        if fspec.name == "Export" and table.rows:
            hashed = table.rows[0].get("HashStatus") in ("2", "3", "4")
        _check_header(fspec, table, problems)
        present = [c for c in fspec.columns if c.name in table.header]
        seen: set[str] = set()
        for row in table.rows:
            number = int(row["#"])
            for column in present:
                value = row[column.name]
                if value == "":
                    if not column.nullable:
                        problems.append(Problem(fspec.filename, number, column.name, "required, but empty"))
                    continue
                wrong = _value_problem(column, value, today, spec, hashed and fspec.name == "Client")
                if wrong:
                    problems.append(Problem(fspec.filename, number, column.name, wrong))
            _conditional_lists(fspec, row, spec, problems)
            key = row.get(fspec.id_column, "")
            if key:
                if key in seen:
                    problems.append(Problem(fspec.filename, number, fspec.id_column, f"{key} appears twice"))
                seen.add(key)
    _check_across(parsed, problems)
    return sorted(problems, key=lambda p: ([f.filename for f in spec.files].index(p.file)
                                           if p.file in {f.filename for f in spec.files} else 99, p.row, p.column))


def _ids(parsed: dict[str, Table], file: str, column: str) -> set[str] | None:
    table = parsed.get(file)
    if table is None or column not in table.header:
        return None
    return {row[column] for row in table.rows if row[column]}


def _check_across(parsed: dict[str, Table], problems: list[Problem]) -> None:
    """One Export row; ExportID, UserID and the other references; exit not before entry."""
    export = parsed.get("Export")
    export_id = None
    if export is not None:
        if len(export.rows) != 1:
            row = export.rows[1]["#"] if len(export.rows) > 1 else "1"
            problems.append(Problem("Export.csv", int(row), "-", f"{len(export.rows)} Export rows; exactly one is allowed"))
        if export.rows:
            export_id = export.rows[0].get("ExportID") or None
    known = {column: _ids(parsed, file, key) for column, (file, key) in REFERENCES.items()}
    for name, table in parsed.items():
        filename = f"{name}.csv"
        for row in table.rows:
            number = int(row["#"])
            if name != "Export" and export_id is not None and "ExportID" in row and row["ExportID"] \
                    and row["ExportID"] != export_id:
                problems.append(Problem(filename, number, "ExportID", f"{row['ExportID']} is not Export's {export_id}"))
            for column, ids in known.items():
                target, key = REFERENCES[column]
                if ids is None or column not in row or not row[column] or (target == name and key == column):
                    continue
                if row[column] not in ids:
                    problems.append(Problem(filename, number, column, f"{row[column]} is not in {target}.csv"))
    enrollments = parsed.get("Enrollment")
    entry = {r["EnrollmentID"]: r for r in enrollments.rows} if enrollments and "EnrollmentID" in enrollments.header else {}
    for name, date_column in (("Exit", "ExitDate"), ("Enrollment", "MoveInDate")):
        table = parsed.get(name)
        if table is None:
            continue
        for row in table.rows:
            start = entry.get(row.get("EnrollmentID", ""), {}).get("EntryDate", "")
            end = row.get(date_column, "")
            if _DATE.match(start or "") and _DATE.match(end or "") and end < start:
                problems.append(Problem(f"{name}.csv", int(row["#"]), date_column,
                                        f"{end} is before the enrollment's EntryDate {start}"))
            if name == "Exit" and row.get("EnrollmentID") in entry and row.get("PersonalID") \
                    and entry[row["EnrollmentID"]].get("PersonalID") != row["PersonalID"]:
                problems.append(Problem("Exit.csv", int(row["#"]), "PersonalID", "not the enrollment's PersonalID"))


def check_path(path: Path, today: dt.date) -> list[Problem]:
    """Read a folder or zip and check it (BadInput when it cannot be read at all)."""
    return check_tables(read_set(path), today)
