"""The `caseterm/1` interchange file (INTERCHANGE.md): import and export.

Import is all or nothing, and reads the file a record at a time, in two passes,
so memory stays bounded by the largest record plus the keys the checks need
(a 50 MB file no longer becomes a few hundred MB of Python objects):

1. `read_file` reads and validates every record, and checks what the file
   alone can tell (duplicates, amendments and appointment links inside the
   file). Every problem is collected and reported at once, as
   `FILE: $.path: what is wrong` (JSON) or `FILE:LINE: what is wrong` (CSV).
   The database is not touched. A file that is not what it claims (deeply
   nested JSON, NaN, duplicate keys, NUL bytes, invalid UTF-8, a zip or a
   database file, a CSV cell over the csv module's field limit...) is bad
   input, never a crash.
2. `import_data` first takes the database's write lock (SQLite `BEGIN
   IMMEDIATE`), so what exists is read under the lock and two imports at once
   cannot both insert the same case number; then it checks what only the
   database can tell (unknown case numbers, amendments and appointment links
   to records outside the file), reads the file again and writes it in
   batches (Core executemany) in the caller's one transaction. Problems found
   while writing (a note whose uid is recorded with other content; the file
   changed since step 1) are all collected and raised at the end, and the
   caller's rollback leaves the database as it was.

What an import changes:
- Clients are matched by case number; appointments by `uid` (by client, start
  and kind when the file has no uid); notes by `uid` (derived from the note's
  content and time when the file has none); the other records by their
  natural key (`NATURAL_KEYS`). A new record takes the defaults of the format
  for whatever the file does not say.
- An existing record changes only in the fields the file carries: a key
  absent from a JSON object (or a column absent from a CSV) keeps the stored
  value; a key present with `null` clears an optional field and is an error
  for a field that cannot be empty.
- CSV cells: an empty cell in a present column clears an optional field and is
  an error for a field that cannot be empty (case_number, legal_name,
  program, status, the true/false flags, months_used). Text is taken as
  written; spaces around a case number, date, number, flag or closed-set
  value are ignored.
- CSV formulas (OWASP CSV injection): every CSV caseterm writes puts a `'`
  before a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return,
  so a spreadsheet shows it as text; and before a cell that starts with `'`
  followed by one of those or by another `'`. The CSV import removes one
  leading `'` when the next character is one of those or `'` — so
  `=1+2` exports as `'=1+2` and imports as `=1+2`, a phone `-555` or
  `+1 503…` round-trips, and a value that really starts with `'=` (exported
  `''=`) keeps its `'`. A `'` before anything else is kept as written.
- Audit entries (the `audit` list) are appended, never changed: an entry the
  database already holds (same time, user, action, case number and detail,
  as many times as the file has it) is not added again.
- A note is never changed or deleted; a case plan's goals are replaced
  (children first) only when they differ from what is stored.
- The summary counts what was added and what was updated; re-importing a file
  caseterm wrote changes nothing (and says "nothing changed").
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from caseterm.errors import BadInput, StoreError
from caseterm.models import (
    Appointment,
    Assessment,
    AuditEntry,
    CasePlan,
    Client,
    Goal,
    HoursEntry,
    ManualTask,
    Note,
    Objective,
    PlanTask,
    Referral,
    Release,
    new_uid,
)
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    AuditAction,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    ExitReason,
    NoteType,
    Place,
    Responsible,
    StageOfChange,
    TaskStatus,
    VerifiedBy,
)
from caseterm.confidential import CONFIDENTIAL_LINE
from caseterm.hmis import interchange as _hmis
from caseterm.services.notes import is_late_entry

FORMAT = "caseterm/1"
NOTE_UID_NAMESPACE = uuid.UUID("6f1c2f4e-3a51-4d8e-9a57-2b1f0c8d7e10")

#: Records written per executemany (and looked up per query) while importing.
BATCH = 2000
#: Problems listed before the rest are only counted (a broken 50 MB file would
#: otherwise print hundreds of thousands of lines).
MAX_ERRORS = 1000
#: How long an import waits for another writer (an import, the app saving a
#: note) before it gives up with "busy" (exit 2). SQLite's own busy timeout
#: applies within each attempt.
LOCK_WAIT_SECONDS = 60.0

# --------------------------------------------------------------------------
# The file's shape: pydantic models, strict, unknown keys rejected.
# --------------------------------------------------------------------------

#: The largest integer SQLite stores; a bigger one in a file is bad input, not a crash.
SQL_INT_MAX = 2**63 - 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, use_enum_values=False)


CaseNumber = Annotated[str, Field(min_length=1, max_length=40)]
Hours = Annotated[float, Field(ge=0, le=168)]
Count = Annotated[int, Field(ge=0, le=SQL_INT_MAX)]
#: Days of a follow-up interval: bounded so date arithmetic in the rules cannot overflow.
Days = Annotated[int, Field(ge=1, le=36_600)]
Uid = Annotated[str, Field(min_length=1, max_length=36)]

#: Dates a caseload can hold: the rules add and subtract days and months, so a
#: date like 9999-12-31 let in by an import would crash the due list later.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _plausible(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{value.isoformat()} is outside the years {EARLIEST.year}-{LATEST.year}")
    return value


Day = Annotated[dt.date, AfterValidator(_plausible)]
Moment = Annotated[dt.datetime, AfterValidator(_plausible)]


class ClientRecord(_Record):
    case_number: CaseNumber
    legal_name: Annotated[str, Field(min_length=1)]
    preferred_name: str | None = None
    birth_date: Day | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    contact_preference: str | None = None
    program: str = "TANF"
    status: ClientStatus = ClientStatus.OPEN
    close_pending: bool = False
    exempt_hours: Hours | None = None
    penalty_start: Day | None = None
    two_parent: bool = False
    needs_childcare: bool = False
    remote: bool = False
    dv_in_home: bool = False
    stage_of_change: StageOfChange | None = None
    months_used: Count = 0
    follow_up_days: Days | None = None
    follow_up_permission: bool = False
    plan_review_date: Day | None = None
    referral_date: Day | None = None
    initial_contact_date: Day | None = None
    first_interview_date: Day | None = None
    shelter_entry_date: Day | None = None
    exit_date: Day | None = None
    exit_reason: ExitReason | None = None


class AppointmentRecord(_Record):
    case_number: CaseNumber
    start: Moment
    minutes: Annotated[int, Field(gt=0, le=24 * 60)] = 60
    kind: AppointmentKind = AppointmentKind.OTHER
    place: Place = Place.OFFICE
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    reminder_called: bool = False
    reminder_outcome: ContactOutcome | None = None
    #: The appointment's own id (calendar event UID); matched first on re-import.
    uid: Uid | None = None


class NoteRecord(_Record):
    case_number: CaseNumber
    contact_at: Moment
    written_at: Moment | None = None
    type: NoteType
    method: ContactMethod | None = None
    outcome: ContactOutcome | None = None
    minutes: Count | None = None
    author: str = ""
    text: str = ""
    uid: Uid | None = None
    amends: str | None = None
    amend_reason: str | None = None
    #: The uid of the appointment this note documents.
    appointment: str | None = None
    late_entry: bool | None = None


class PlanTaskRecord(_Record):
    title: Annotated[str, Field(min_length=1)]
    responsible: Responsible = Responsible.CLIENT
    target_date: Day | None = None
    status: TaskStatus = TaskStatus.OPEN


class ObjectiveRecord(_Record):
    text: Annotated[str, Field(min_length=1)]
    tasks: list[PlanTaskRecord] = []


class GoalRecord(_Record):
    text: Annotated[str, Field(min_length=1)]
    objectives: list[ObjectiveRecord] = []


class CasePlanRecord(_Record):
    case_number: CaseNumber
    reviewed_on: Day | None = None
    signed_on: Day | None = None
    services: str | None = None
    supports: str | None = None
    goals: list[str | GoalRecord] = []


class AssessmentRecord(_Record):
    case_number: CaseNumber
    kind: AssessmentKind
    date: Day
    score: Annotated[int, Field(ge=-SQL_INT_MAX, le=SQL_INT_MAX)] | None = None


class HoursRecord(_Record):
    case_number: CaseNumber
    week: Day
    activity: Activity
    hours: Hours
    verified_by: VerifiedBy | None = None

    @field_validator("week")
    @classmethod
    def _monday(cls, value: dt.date) -> dt.date:
        if value.weekday() != 0:
            raise ValueError(f"{value.isoformat()} is a {value:%A}; week must be the Monday of the week")
        return value


class ReleaseRecord(_Record):
    case_number: CaseNumber
    party: Annotated[str, Field(min_length=1)]
    signed_on: Day | None = None
    expires_on: Day | None = None


class ReferralRecord(_Record):
    case_number: CaseNumber
    agency: Annotated[str, Field(min_length=1)]
    service: str = ""
    referred_on: Day
    outcome: str | None = None


class TaskRecord(_Record):
    case_number: CaseNumber | None = None
    title: Annotated[str, Field(min_length=1)]
    due: Day
    priority: Annotated[int, Field(ge=1, le=3)] = 2
    done: bool = False


class AuditRecord(_Record):
    """One entry of the audit trail (never a note's text, a name or an address)."""

    at: Moment
    user: str = ""
    action: AuditAction
    case_number: CaseNumber | None = None
    detail: str = ""


class InterchangeFile(_Record):
    """A whole `caseterm/1` file (the schema; import reads it a record at a time)."""

    format: Literal["caseterm/1"]
    #: Export marks every file CONFIDENTIAL here; import accepts and ignores it.
    notice: str | None = None
    clients: list[ClientRecord] = []
    appointments: list[AppointmentRecord] = []
    notes: list[NoteRecord] = []
    case_plans: list[CasePlanRecord] = []
    assessments: list[AssessmentRecord] = []
    hours: list[HoursRecord] = []
    releases: list[ReleaseRecord] = []
    referrals: list[ReferralRecord] = []
    tasks: list[TaskRecord] = []
    #: HUD HMIS records (caseterm/hmis/interchange.py).
    hmis_organization: list[_hmis.OrganizationRecord] = []
    hmis_projects: list[_hmis.ProjectRecord] = []
    hmis_enrollments: list[_hmis.EnrollmentRecord] = []
    hmis_clients: list[_hmis.ClientElementsRecord] = []
    hmis_collections: list[_hmis.CollectionRecord] = []
    #: The audit trail, so a caseload moved to another machine keeps its history.
    audit: list[AuditRecord] = []


RECORD_LISTS = ("appointments", "notes", "case_plans", "assessments", "hours", "releases", "referrals", "tasks",
                *_hmis.LISTS, "audit")
#: Every list of the format, in the order an export writes them (and import writes them).
ALL_LISTS = ("clients", *RECORD_LISTS)
RECORD_MODELS: dict[str, type[_Record]] = {
    "clients": ClientRecord, "appointments": AppointmentRecord, "notes": NoteRecord,
    "case_plans": CasePlanRecord, "assessments": AssessmentRecord, "hours": HoursRecord,
    "releases": ReleaseRecord, "referrals": ReferralRecord, "tasks": TaskRecord, "audit": AuditRecord,
    **_hmis.MODELS,
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the interchange format (`caseterm export --schema`)."""
    schema = InterchangeFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://caseterm.invalid/schema/caseterm-1.json"
    schema["title"] = "caseterm/1 interchange file"
    return schema


#: How a record is recognised on re-import (the file may not repeat a key).
#: Appointments with a uid are recognised by it; these keys serve those without.
NATURAL_KEYS: dict[str, Callable[[Any], tuple]] = {
    "appointments": lambda r: (r.case_number, r.start, r.kind.value),
    "case_plans": lambda r: (r.case_number, r.reviewed_on),
    "assessments": lambda r: (r.case_number, r.kind.value, r.date),
    "hours": lambda r: (r.case_number, r.week, r.activity.value),
    "releases": lambda r: (r.case_number, r.party, r.signed_on),
    "referrals": lambda r: (r.case_number, r.agency, r.service, r.referred_on),
    "tasks": lambda r: (r.case_number, r.title, r.due),
}


def derived_note_uid(case_number: str, record: NoteRecord) -> str:
    """A note without a uid gets one from its content and time, so re-import finds it."""
    basis = f"{case_number}|{record.contact_at.isoformat()}|{record.type.value}|{record.author}|{record.text}"
    return str(uuid.uuid5(NOTE_UID_NAMESPACE, basis))


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


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class _Errors:
    """Every problem found, up to MAX_ERRORS lines (the rest are counted)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_ERRORS:
            self.lines.append(line)
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self, *extra: str) -> None:
        if self.lines:
            tail = [f"... and {self.more} more problems (the first {MAX_ERRORS} are listed)"] if self.more else []
            raise BadInput(*self.lines, *tail, *extra)


class _Fatal(Exception):
    """The file cannot be read any further (syntax, nesting, encoding): stop and report."""


def _json_path(loc: Iterable[Any], prefix: str = "$") -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("str", "GoalRecord") or "[" in str(part):
            continue  # pydantic's union-branch labels are not part of the file
        else:
            path += f".{part}"
    return path


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error" and error["loc"] == ("format",):
        return f"format must be {FORMAT!r}, not {value!r}"
    if kind == "enum":
        allowed = error.get("ctx", {}).get("expected", "")
        return f"{value!r} is not one of {allowed}"
    if kind.startswith(("date_", "datetime_")):
        return f"{value!r} is not a valid {'date (YYYY-MM-DD)' if kind.startswith('date_') else 'time (YYYY-MM-DDTHH:MM)'}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "expected an object"
    if kind == "json_invalid":
        return f"not valid JSON ({error.get('ctx', {}).get('error', error['msg'])})"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "value_error":
        return message  # caseterm's own checks name the value
    if isinstance(value, str) and len(value) > 80:
        value = value[:77] + "..."
    return f"{message} (got {value!r})" if value is not None and not isinstance(value, (dict, list)) else message


def _errors_from(exc: ValidationError, where: str, prefix: str) -> list[str]:
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for error in exc.errors():
        path, message = _json_path(error["loc"], prefix), _describe(error)
        # A union (goal as string or object) reports every branch; keep one line a path.
        if any(p == path for p, _ in seen) and error["type"] in ("string_type", "model_type"):
            continue
        if (path, message) not in seen:
            seen.add((path, message))
            lines.append(f"{where}: {path}: {message}")
    return lines


# --------------------------------------------------------------------------
# Reading a file: bytes -> text, a chunk at a time, hashed
# --------------------------------------------------------------------------

CHUNK = 1 << 20


class _HashingReader(io.RawIOBase):
    """The file's bytes as read, hashed on the way (pass 2 checks it read the same file)."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
        return n or 0


#: Leading bytes of files people import by mistake, and what to say.
_NOT_TEXT = (
    (b"PK\x03\x04", "is a zip archive, not {what} (the csv export is a zip: unzip it and import clients.csv)"),
    (b"SQLite format 3\x00", "is a SQLite database, not {what}"),
    (b"\x1f\x8b", "is gzip-compressed; decompress it first"),
    (b"%PDF", "is a PDF document, not {what}"),
    (b"\xff\xfe", "is UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "is UTF-16 text; save it as UTF-8"),
)


class _Source:
    """One import file opened as UTF-8 text (a BOM is allowed), checked as it is read."""

    def __init__(self, path: Path, where: str, what: str) -> None:
        self.path, self.where = path, where
        import stat

        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise BadInput(f"{where}: no such file") from None
        except OSError as err:
            raise BadInput(f"{where}: cannot read the file ({err.strerror or type(err).__name__})") from None
        if stat.S_ISDIR(mode):
            raise BadInput(f"{where}: is a folder; name a file")
        if not stat.S_ISREG(mode):
            # A pipe blocks until a writer comes and cannot be read twice (the import reads the file twice).
            raise BadInput(f"{where}: not a regular file (a pipe, device or socket); "
                           "save it to a file first and import that")
        try:
            self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise BadInput(f"{where}: no such file") from None
        except IsADirectoryError:
            raise BadInput(f"{where}: is a folder; name a file") from None
        except OSError as err:
            raise BadInput(f"{where}: cannot read the file ({err.strerror or type(err).__name__})") from None
        try:
            head = self.raw.read(16)
            self.raw.seek(0)
        except OSError as err:
            self.raw.close()
            raise BadInput(f"{where}: cannot read the file ({err.strerror or type(err).__name__})") from None
        for magic, message in _NOT_TEXT:
            if head.startswith(magic):
                self.raw.close()
                raise BadInput(f"{where}: {message.format(what=what)}")
        self.hashing = _HashingReader(self.raw)
        self.text = io.TextIOWrapper(io.BufferedReader(self.hashing, CHUNK), encoding="utf-8-sig",
                                     errors="strict", newline="")
        #: Newlines in the text handed out so far (for NUL messages).
        self.lines_read = 0

    def close(self) -> None:
        self.text.close()

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def digest(self) -> str:
        return self.hashing.sha.hexdigest()

    def _check(self, text: str) -> str:
        nul = text.find("\x00")
        if nul >= 0:
            line = self.lines_read + text.count("\n", 0, nul) + 1
            raise _Fatal(f"{self.where}:{line}: contains a NUL byte; this is not a text file")
        self.lines_read += text.count("\n")
        return text

    def read(self, size: int) -> str:
        """Up to `size` characters ("" at the end)."""
        try:
            return self._check(self.text.read(size))
        except UnicodeDecodeError:
            raise _Fatal(self._decode_error()) from None
        except OSError as err:
            raise _Fatal(f"{self.where}: cannot read the file ({err.strerror})") from None

    def lines(self) -> Iterator[str]:
        """The text a line at a time, line ends kept (as the csv module wants them)."""
        try:
            for line in self.text:
                yield self._check(line)
        except UnicodeDecodeError:
            raise _Fatal(self._decode_error()) from None
        except OSError as err:
            raise _Fatal(f"{self.where}: cannot read the file ({err.strerror})") from None

    def _decode_error(self) -> str:
        """Where the first byte that is not UTF-8 is (read again: an error path only)."""
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        line = 1
        with open(self.path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as err:
                    line += chunk.count(b"\n", 0, max(err.start, 0))
                    bad = chunk[max(err.start, 0):max(err.start, 0) + 1]
                    return (f"{self.where}:{line}: not UTF-8 text (byte 0x{bad.hex()}); "
                            "save the file as UTF-8")
                line += chunk.count(b"\n")
        return f"{self.where}:{line}: not UTF-8 text (it ends in the middle of a character); save the file as UTF-8"


# --------------------------------------------------------------------------
# JSON, a record at a time
# --------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
#: json's C scanner may stop this close to the end of the buffer on input that
#: simply continues in the next chunk (a cut `true`, number or escape).
_CUT_MARGIN = 16


class _ElementProblems(list):
    """Problems the decoder noticed inside one value (the value itself still parses)."""


def _type_name(text: str) -> str:
    return {"[": "a list", "{": "an object", '"': "a string", "t": "true", "f": "false", "n": "null"}.get(text[:1], "a number")


class _JsonReader:
    """Reads a `caseterm/1` object's lists element by element, without loading the file.

    Each element is located with json's C decoder (`raw_decode`, which also
    catches duplicate keys, NaN/Infinity and nesting too deep to parse) and
    handed out as its own text, for pydantic to validate in JSON mode.
    """

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.where = source.where
        self.buf = ""
        self.pos = 0
        self.base_line = 1  # line number of buf[0]
        self.eof = False
        self.problems = _ElementProblems()
        self.decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=self._constant)
        #: Top-level facts, filled while reading.
        self.format: Any = None
        self.has_format = False
        self.order: list[str] = []
        self.errors: list[str] = []

    # -- decoder hooks: note the problem, keep parsing -------------------
    def _pairs(self, pairs: list[tuple[str, Any]]) -> None:
        if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.problems.append(f"key {key!r} appears twice in one object")
                seen.add(key)
        return None  # the objects themselves are not needed: pydantic reads the text

    def _constant(self, name: str) -> None:
        self.problems.append(f"{name} is not a JSON number")
        return None

    # -- buffer ------------------------------------------------------------
    def line_at(self, pos: int) -> int:
        return self.base_line + self.buf.count("\n", 0, pos)

    def _more(self, size: int = CHUNK) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.base_line += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos:]
            self.pos = 0
        chunk = self.source.read(max(size, CHUNK))
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _syntax(self, expected: str) -> _Fatal:
        found = self.buf[self.pos:self.pos + 20]
        got = f"found {found!r}" if found else "the file ends"
        return _Fatal(f"{self.where}:{self.line_at(self.pos)}: not valid JSON (expected {expected}, {got})")

    def _expect(self, chars: str, expected: str) -> str:
        char = self._peek()
        if not char or char not in chars:
            raise self._syntax(expected)
        self.pos += 1
        return char

    def _value(self, path: str) -> str:
        """The text of the next JSON value (self.problems: what the decoder noticed in it)."""
        self._peek()
        size = CHUNK
        while True:
            self.problems = _ElementProblems()
            try:
                _, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                line, column = self.line_at(err.pos), err.pos - self.buf.rfind("\n", 0, err.pos)
                cut = err.msg.startswith("Unterminated string") or err.pos >= len(self.buf) - _CUT_MARGIN
                if cut and self._more(size):
                    size *= 2
                    continue
                raise _Fatal(f"{self.where}:{line}: not valid JSON ({err.msg}, column {column}, in {path})") from None
            except RecursionError:
                raise _Fatal(f"{self.where}:{self.line_at(self.pos)}: {path}: nested too deeply to be a "
                             "caseterm/1 file") from None
            except ValueError as err:  # an integer of more than 4,300 digits
                what = "has a number too long to read" if "digits" in str(err) else f"cannot be read ({err})"
                raise _Fatal(f"{self.where}:{self.line_at(self.pos)}: {path}: {what}") from None
            if end == len(self.buf) and self._more(size):
                continue  # a number at the very end of the buffer may go on
            start, self.pos = self.pos, end
            return self.buf[start:end]

    # -- the document --------------------------------------------------------
    def records(self, wanted: Iterable[str] = ALL_LISTS) -> Iterator[tuple[str, int, str, list[str]]]:
        """(list name, index, element text, problems) for each element of the wanted lists."""
        wanted = set(wanted)
        first = self._peek()
        if first != "{":
            if not first:
                raise _Fatal(f"{self.where}: the file is empty; expected a {FORMAT} object")
            raise _Fatal(f"{self.where}: $: expected an object with \"format\": \"{FORMAT}\", not {_type_name(first)}")
        self.pos += 1
        seen: set[str] = set()
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                if self._peek() != '"':
                    raise self._syntax("a key in double quotes")
                key_text = self._value("$")
                key = json.loads(key_text)
                self._expect(":", "':'")
                path = f"$.{key}"
                if key in seen:
                    self.errors.append(f"{self.where}: {path}: appears twice")
                seen.add(key)
                known = key in RECORD_MODELS or key in ("format", "notice")
                if not known:
                    self.errors.append(f"{self.where}: {path}: unknown key")
                if self._peek() == "[":
                    self.pos += 1
                    if key in RECORD_MODELS:
                        self.order.append(key)
                    elif known:
                        self.errors.append(f"{self.where}: {path}: expected a string, not a list")
                    index = 0
                    if self._peek() == "]":
                        self.pos += 1
                    else:
                        while True:
                            element = self._value(f"{path}[{index}]")
                            if key in wanted and key in RECORD_MODELS:
                                yield key, index, element, list(self.problems)
                            index += 1
                            if self._expect(",]", "',' or ']'") == "]":
                                break
                else:
                    value = self._value(path)
                    if key == "format":
                        self.has_format = True
                        self.format = json.loads(value) if not self.problems else value
                    elif key == "notice":
                        if not (value == "null" or value.startswith('"')):
                            self.errors.append(f"{self.where}: {path}: expected a string, not {_type_name(value)}")
                    elif key in RECORD_MODELS:
                        self.errors.append(f"{self.where}: {path}: expected a list, not {_type_name(value)}")
                if self._expect(",}", "',' or '}'") == "}":
                    break
        if self._peek():
            raise self._syntax("the end of the file after the closing '}'")
        if not self.has_format:
            self.errors.append(f"{self.where}: $.format: required key is missing")
        elif self.format != FORMAT:
            self.errors.append(f"{self.where}: $.format: format must be {FORMAT!r}, not {self.format!r}")


def _validate_json(model: type[_Record], text_: str, where: str, path: str) -> tuple[Any, list[str]]:
    """One element's text -> (record, []) or (None, error lines)."""
    try:
        return model.model_validate_json(text_, strict=True), []
    except ValidationError as exc:
        return None, _errors_from(exc, where, path)


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


# --------------------------------------------------------------------------
# Pass 1: read and check the whole file (no database)
# --------------------------------------------------------------------------


@dataclass
class CheckedFile:
    """A file that passed every check the file alone allows; what the database must still confirm."""

    path: Path
    where: str
    kind: Literal["json", "csv"]
    sha256: str
    #: The lists in the order the file has them (pass 2 writes clients first).
    order: list[str]
    counts: Counter[str]
    #: Case numbers named by records but not clients of the file -> (first path, how many records).
    cases_to_find: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Note uids amended by the file but not in it -> first path.
    amends_to_find: dict[str, str] = field(default_factory=dict)
    #: Appointment uids named by notes but not in the file -> first path.
    appointments_to_find: dict[str, str] = field(default_factory=dict)


class _Checker:
    """What pass 1 remembers: keys and uids only, never the records."""

    def __init__(self, where: str, csv_lines: bool = False) -> None:
        self.where = where
        self.csv_lines = csv_lines
        self.errors = _Errors()
        self.counts: Counter[str] = Counter()
        self.client_at: dict[str, str] = {}
        self.cases: dict[str, list] = {}
        self.keys: dict[str, dict[tuple, int]] = defaultdict(dict)
        self.note_at: dict[str, int] = {}
        self.amends: dict[str, str] = {}
        self.appointment_refs: dict[str, str] = {}
        self.appointment_uids: set[str] = set()

    def add(self, kind: str, index: int, record: Any, at: str) -> None:
        """`at`: `$.kind[i]` (JSON) or `LINE` (CSV): where the record is, for messages."""
        self.counts[kind] += 1
        where = self.where
        if kind == "audit":
            return  # history: its case numbers need not be clients, and an entry may repeat
        if kind in _hmis.MODELS:  # recognised by uid; only their clients are checked here
            case_number = getattr(record, "case_number", None)
            if case_number is not None:
                self.cases.setdefault(case_number, [f"{at}.case_number", 0])[1] += 1
            return
        if kind == "clients":
            first = self.client_at.get(record.case_number)
            if first is not None:
                place = f"{where}:{at}: case_number" if self.csv_lines else f"{where}: {at}.case_number"
                self.errors.add(f"{place}: {record.case_number!r} appears more than once in the file (first at {first})")
            else:
                self.client_at[record.case_number] = f"line {at}" if self.csv_lines else at
            return
        if record.case_number is not None:
            entry = self.cases.get(record.case_number)
            if entry is None:
                self.cases[record.case_number] = [f"{at}.case_number", 1]
            else:
                entry[1] += 1
        if kind == "appointments":
            plain = NATURAL_KEYS[kind](record)
            if record.uid is not None:
                self._unique(kind, ("uid", record.uid), index, f"uid {record.uid}")
                self.appointment_uids.add(record.uid)
                self.keys["appointments:plain"].setdefault(plain, index)
            else:
                self._unique("appointments:plain", plain, index, ", ".join(map(str, plain)), kind)
        elif kind == "notes":
            uid = record.uid or derived_note_uid(record.case_number, record)
            first_note = self.note_at.get(uid)
            if first_note is not None:
                same = "same uid" if record.uid else "same client, time, type, author and text"
                self.errors.add(f"{where}: {at}: same note as $.notes[{first_note}] ({same})")
            else:
                self.note_at[uid] = index
            if record.amends is not None:
                if record.amends == uid:
                    self.errors.add(f"{where}: {at}.amends: a note cannot amend itself")
                self.amends.setdefault(record.amends, f"{at}.amends")
            if record.appointment is not None:
                self.appointment_refs.setdefault(record.appointment, f"{at}.appointment")
        elif kind in NATURAL_KEYS:
            key = NATURAL_KEYS[kind](record)
            self._unique(kind, key, index, ", ".join(map(str, key)))

    def _unique(self, table: str, key: tuple, index: int, label: str, kind: str | None = None) -> None:
        kind = kind or table
        seen = self.keys[table]
        if key in seen:
            self.errors.add(f"{self.where}: $.{kind}[{index}]: same record as $.{kind}[{seen[key]}] ({label})")
        else:
            seen[key] = index

    def finish(self, path: Path, kind: Literal["json", "csv"], digest: str, order: list[str]) -> CheckedFile:
        return CheckedFile(
            path=path, where=self.where, kind=kind, sha256=digest, order=order, counts=self.counts,
            cases_to_find={cn: (at, n) for cn, (at, n) in self.cases.items() if cn not in self.client_at},
            amends_to_find={uid: at for uid, at in self.amends.items() if uid not in self.note_at},
            appointments_to_find={uid: at for uid, at in self.appointment_refs.items()
                                  if uid not in self.appointment_uids},
        )


def _file_kind(path: Path, where: str) -> Literal["json", "csv"]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    raise BadInput(f"{where}: unknown file type {suffix or '(none)'!r}; use .json (caseterm/1) or .csv (clients)")


def read_file(path: Path) -> CheckedFile:
    """Pass 1: read and validate the whole file, a record at a time; BadInput lists every problem."""
    where = str(path)
    kind = _file_kind(path, where)
    checker = _Checker(where, csv_lines=kind == "csv")
    order: list[str] = []
    with _Source(path, where, "a caseterm/1 file" if kind == "json" else "a CSV of clients") as source:
        reader = _JsonReader(source)
        try:
            if kind == "json":
                for list_name, index, element, problems in reader.records():
                    at = f"$.{list_name}[{index}]"
                    if problems:
                        for problem in dict.fromkeys(problems):
                            checker.errors.add(f"{where}: {at}: {problem}")
                        continue
                    record, lines = _validate_json(RECORD_MODELS[list_name], element, where, at)
                    for line in lines:
                        checker.errors.add(line)
                    if record is not None:
                        checker.add(list_name, index, record, at)
                for line in reader.errors:
                    checker.errors.add(line)
                order = reader.order
            else:
                for index, (line, record) in enumerate(_CsvReader(source).rows(checker.errors)):
                    checker.add("clients", index, record, str(line))
                order = ["clients"]
        except _Fatal as fatal:
            for line in reader.errors if kind == "json" else ():
                checker.errors.add(line)
            checker.errors.add(str(fatal))
        checker.errors.raise_if_any()
        digest = source.digest
    return checker.finish(path, kind, digest, order)


def _records_again(checked: CheckedFile, wanted: Iterable[str], errors: _Errors) -> Iterator[tuple[str, int, Any]]:
    """Pass 2: the file's records once more, for writing (the file must not have changed)."""
    changed = f"{checked.where}: the file changed while it was being imported; nothing was imported, try again"
    with _Source(checked.path, checked.where, "an import file") as source:
        try:
            if checked.kind == "json":
                for list_name, index, element, problems in _JsonReader(source).records(wanted):
                    record, lines = _validate_json(RECORD_MODELS[list_name], element, checked.where,
                                                   f"$.{list_name}[{index}]")
                    if record is None or problems:
                        raise _Fatal(changed)
                    yield list_name, index, record
            else:
                again = _Errors()
                for index, (_, record) in enumerate(_CsvReader(source).rows(again)):
                    yield "clients", index, record
                if again:
                    raise _Fatal(changed)
            # Read to the end, so the digest covers the whole file.
            while source.read(CHUNK):
                pass
        except _Fatal:
            errors.add(changed)
            return
        if source.digest != checked.sha256:
            errors.add(changed)


# --------------------------------------------------------------------------
# Pass 2: the write lock, the database's checks, then the writes
# --------------------------------------------------------------------------

KIND_LABELS = {
    "clients": ("client", "clients"), "appointments": ("appointment", "appointments"), "notes": ("note", "notes"),
    "case_plans": ("case plan", "case plans"), "assessments": ("assessment", "assessments"),
    "hours": ("hours entry", "hours entries"), "releases": ("release", "releases"),
    "referrals": ("referral", "referrals"), "tasks": ("task", "tasks"),
    "audit": ("audit entry", "audit entries"),
    **_hmis.LABELS,
}


@dataclass
class ImportResult:
    """What an import changed: records added and records updated, by list name."""

    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.added or +self.updated)

    def summary(self) -> str:
        """"2 clients, 14 notes added; 3 clients updated", or "nothing changed"."""
        def part(counts: Counter[str], verb: str) -> str:
            items = [f"{counts[k]} {KIND_LABELS[k][counts[k] != 1]}" for k in ALL_LISTS if counts[k]]
            return f"{', '.join(items)} {verb}" if items else ""

        parts = [p for p in (part(self.added, "added"), part(self.updated, "updated")) if p]
        return "; ".join(parts) or "nothing changed"


def _database_name(conn: Connection) -> str:
    url = conn.engine.url
    return str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


def _take_write_lock(conn: Connection) -> None:
    """Hold the database's write lock before reading what exists (two imports at once must not both insert).

    SQLite: `BEGIN IMMEDIATE` on the session's connection (pysqlite starts no
    transaction for reads, so nothing was begun yet). Another writer makes it
    wait (SQLite's busy timeout, retried up to LOCK_WAIT_SECONDS), then it is
    "busy": StoreError, exit status 2.
    """
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if getattr(dbapi, "in_transaction", False):
            return  # this transaction has written already: it holds the lock
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as err:
                reason = str(err.orig)
                if "locked" not in reason and "busy" not in reason:
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{_database_name(conn)}: the database is busy (another import or caseterm is "
                        "writing to it); nothing was imported, try again"
                    ) from None
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('caseterm import'))"))


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _check_database(conn: Connection, checked: CheckedFile, case_ids: dict[str, int], errors: _Errors) -> None:
    """What only the database can confirm: the clients, notes and appointments a file names but does not hold."""
    where = checked.where
    for case_number, (at, count) in checked.cases_to_find.items():
        if case_number not in case_ids:
            others = f" (and {count - 1} more records name it)" if count > 1 else ""
            errors.add(f"{where}: {at}: no client {case_number!r} in the file or the database{others}")
    for table, wanted, what in ((Note.__table__, checked.amends_to_find, "note"),
                                (Appointment.__table__, checked.appointments_to_find, "appointment")):
        found: set[str] = set()
        for batch in _chunks(list(wanted)):
            found.update(conn.execute(select(table.c.uid).where(table.c.uid.in_(batch))).scalars())
        for uid, at in wanted.items():
            if uid not in found:
                errors.add(f"{where}: {at}: no {what} with uid {uid!r}")


def _sweeps(order: list[str]) -> list[list[str]]:
    """The file's lists grouped into reads that write parents before children.

    Clients must exist before anything names them and appointments before the
    notes that link to them: an export's order needs one read; a hand-made
    file with another order is read once per group.
    """
    present = [k for k in order if k in RECORD_MODELS]
    hmis = [k for k in present if k in _hmis.MODELS]  # HMIS lists: parents first, in _hmis.LISTS order
    ok = (not present or "clients" not in present or present[0] == "clients") and (
        "appointments" not in present or "notes" not in present or present.index("appointments") < present.index("notes")) \
        and hmis == [k for k in _hmis.LISTS if k in hmis]
    if ok:
        return [present] if present else []
    groups = [["clients"], ["appointments"], *[[k] for k in _hmis.LISTS],
              [k for k in present if k not in ("clients", "appointments", *_hmis.LISTS)]]
    return [[k for k in g if k in present] for g in groups if any(k in present for k in g)]


def import_data(session: Session, checked: CheckedFile) -> ImportResult:
    """Pass 2: write a checked file into the session's transaction and say what changed.

    Takes the write lock first. Raises BadInput (StoreError when the database
    stays busy) with every problem found; the caller must then roll back
    (`store.session_scope` does), which leaves the database unchanged.
    """
    conn = session.connection()
    _take_write_lock(conn)
    errors = _Errors()
    client = Client.__table__
    case_ids: dict[str, int] = dict(conn.execute(select(client.c.case_number, client.c.id)).all())
    _check_database(conn, checked, case_ids, errors)
    errors.raise_if_any()
    writer = _Writer(conn, checked.where, case_ids, errors)
    for sweep in _sweeps(checked.order):
        current = None
        for list_name, index, record in _records_again(checked, sweep, errors):
            if list_name != current:
                writer.flush()
                current = list_name
            writer.add(list_name, index, record)
        writer.flush()
        if errors:
            break
    writer.finish()
    errors.raise_if_any()
    return writer.result


def import_path(session: Session, path: Path) -> ImportResult:
    """Read, check and import one file (the caller's transaction)."""
    return import_data(session, read_file(path))


# --------------------------------------------------------------------------
# The writes: a batch at a time, Core statements, only what changed
# --------------------------------------------------------------------------


def _same(stored: Any, new: Any) -> bool:
    """Equal as stored: enums by value, 20 == 20.0."""
    return _value(stored) == _value(new)


def _changes(record: _Record, row: Any, skip: frozenset[str]) -> dict[str, Any]:
    """The fields the file carries whose value differs from the stored row's."""
    out = {}
    for name in record.model_fields_set - skip:
        value = getattr(record, name)
        if not _same(getattr(row, name), value):
            out[name] = value
    return out


def _update(conn: Connection, table: Any, updates: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = :_id, one executemany per set of changed columns."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for params in updates:
        by_columns[tuple(sorted(params))].append(params)
    for params in by_columns.values():
        conn.execute(update(table).where(table.c.id == bindparam("_id")), params)


class _Writer:
    """Buffers records of one list and writes them a batch at a time."""

    def __init__(self, conn: Connection, where: str, case_ids: dict[str, int], errors: _Errors) -> None:
        self.conn = conn
        self.where = where
        self.case_ids = case_ids
        self.errors = errors
        self.result = ImportResult()
        self.kind: str | None = None
        self.batch: list[tuple[int, Any]] = []
        #: The newest contact time of each client's notes (late-entry flag), filled as needed.
        self.latest: dict[int, dt.datetime | None] = {}
        #: Amendments whose original is not written yet (file order), kept until it is.
        self.waiting: list[tuple[int, NoteRecord, str]] = []
        #: Audit entries: how many of each the database held before the import, and the file has so far.
        self.audit_held: dict[tuple, int] = {}
        self.audit_in_file: Counter[tuple] = Counter()

    def add(self, kind: str, index: int, record: Any) -> None:
        if kind != self.kind:
            self.flush()
            self.kind = kind
        self.batch.append((index, record))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch and self.kind in _hmis.MODELS:
            _hmis.write(self, self.kind, self.batch)
        elif self.batch and self.kind is not None:
            getattr(self, f"_write_{self.kind}")(self.batch)
        self.batch = []

    def finish(self) -> None:
        self.flush()
        if self.waiting:
            pending, self.waiting = self.waiting, []
            self._write_note_rows(pending, final=True)

    # -- clients -------------------------------------------------------------
    def _write_clients(self, batch: list[tuple[int, ClientRecord]]) -> None:
        table = Client.__table__
        numbers = [r.case_number for _, r in batch]
        existing = {row.case_number: row for row in self.conn.execute(select(table).where(table.c.case_number.in_(numbers)))}
        new, updates = [], []
        for _, record in batch:
            row = existing.get(record.case_number)
            if row is None:
                new.append(record.model_dump())
                continue
            changes = _changes(record, row, frozenset({"case_number"}))
            if changes:
                updates.append({"_id": row.id, **changes})
        if new:
            for id_, case_number in self.conn.execute(insert(table).returning(table.c.id, table.c.case_number), new):
                self.case_ids[case_number] = id_
            _count(self.result.added, "clients", len(new))
        _update(self.conn, table, updates)
        _count(self.result.updated, "clients", len(updates))

    # -- audit -----------------------------------------------------------------
    def _audit_user(self) -> str | None:
        """Agency mode: the user the server records for this login's entries (every worker's are
        theirs: migration 0007's trigger), so a re-import matches them; None: the file's (the owner)."""
        if not hasattr(self, "_forced_user"):
            self._forced_user = None
            if self.conn.dialect.name == "postgresql":
                login, role = self.conn.execute(text("SELECT session_user, caseterm_role()")).one()
                self._forced_user = None if role is None else str(login)
        return self._forced_user

    def _write_audit(self, batch: list[tuple[int, AuditRecord]]) -> None:
        """Append the entries the database does not hold yet (as many of each as the file has)."""
        table = AuditEntry.__table__
        forced = self._audit_user()
        keys = [(r.at, forced or r.user, r.action.value, r.case_number, r.detail) for _, r in batch]
        unseen = {key[0] for key in keys if key not in self.audit_held}
        if unseen:
            held: Counter[tuple] = Counter()
            for at_batch in _chunks(sorted(unseen)):
                held.update(tuple(row) for row in self.conn.execute(
                    select(table.c.at, table.c.user, table.c.action, table.c.case_number, table.c.detail)
                    .where(table.c.at.in_(at_batch))))
            for key in keys:
                self.audit_held.setdefault(key, held[key])
        new = []
        for key in keys:
            self.audit_in_file[key] += 1
            if self.audit_in_file[key] > self.audit_held[key]:
                # Imported history is kept apart from the live chain (marked, no hash): a file can
                # carry any date and any user name, so it never vouches for this database's trail.
                new.append({**dict(zip(("at", "user", "action", "case_number", "detail"), key)), "imported": True})
        if new:
            self.conn.execute(insert(table), new)
            _count(self.result.added, "audit", len(new))

    # -- appointments --------------------------------------------------------
    def _write_appointments(self, batch: list[tuple[int, AppointmentRecord]]) -> None:
        table = Appointment.__table__
        uids = [r.uid for _, r in batch if r.uid]
        by_uid = {row.uid: row for row in self.conn.execute(select(table).where(table.c.uid.in_(uids)))} if uids else {}
        plain_clients = {self.case_ids[r.case_number] for _, r in batch if not r.uid}
        by_key = {}
        if plain_clients:
            for row in self.conn.execute(select(table).where(table.c.client_id.in_(plain_clients))):
                by_key.setdefault((row.client_id, row.start, _value(row.kind)), row)
        new, updates = [], []
        for _, record in batch:
            client_id = self.case_ids[record.case_number]
            row = by_uid.get(record.uid) if record.uid else by_key.get((client_id, record.start, record.kind.value))
            if row is None:
                values = record.model_dump(exclude={"case_number", "uid"})
                new.append({**values, "client_id": client_id, "uid": record.uid or new_uid()})
                continue
            changes = _changes(record, row, frozenset({"case_number", "uid"}))
            if row.client_id != client_id:
                changes["client_id"] = client_id
            if changes:
                updates.append({"_id": row.id, **changes})
        if new:
            self.conn.execute(insert(table), new)
            _count(self.result.added, "appointments", len(new))
        _update(self.conn, table, updates)
        _count(self.result.updated, "appointments", len(updates))

    # -- notes ---------------------------------------------------------------
    def _write_notes(self, batch: list[tuple[int, NoteRecord]]) -> None:
        table = Note.__table__
        with_uid = [(i, r, r.uid or derived_note_uid(r.case_number, r)) for i, r in batch]
        stored = {row.uid: row for row in self.conn.execute(
            select(table.c.uid, table.c.text, table.c.contact_at).where(table.c.uid.in_([u for _, _, u in with_uid])))}
        pending = []
        for index, record, uid in with_uid:
            row = stored.get(uid)
            if row is None:
                pending.append((index, record, uid))
            elif row.text != record.text or row.contact_at != record.contact_at:
                self.errors.add(f"{self.where}: $.notes[{index}].uid: note {uid} is already recorded with other "
                                "content; notes are never overwritten (add an amendment)")
        self._write_note_rows(pending)

    def _write_note_rows(self, pending: list[tuple[int, NoteRecord, str]], final: bool = False) -> None:
        """Insert notes whose original (if an amendment) is recorded; the others wait for it."""
        table, appointments = Note.__table__, Appointment.__table__
        while pending:
            amended = {r.amends for _, r, _ in pending if r.amends}
            note_ids = dict(self.conn.execute(select(table.c.uid, table.c.id).where(table.c.uid.in_(amended))).all()) if amended else {}
            ready = [(i, r, u) for i, r, u in pending if r.amends is None or r.amends in note_ids]
            if not ready:
                break
            pending = [(i, r, u) for i, r, u in pending if not (r.amends is None or r.amends in note_ids)]
            linked = {r.appointment for _, r, _ in ready if r.appointment}
            appointment_ids = dict(self.conn.execute(select(appointments.c.uid, appointments.c.id)
                                                     .where(appointments.c.uid.in_(linked))).all()) if linked else {}
            clients = {self.case_ids[r.case_number] for _, r, _ in ready}
            unknown = [c for c in clients if c not in self.latest]
            if unknown:
                self.latest.update(dict.fromkeys(unknown))
                self.latest.update(self.conn.execute(
                    select(table.c.client_id, func.max(table.c.contact_at))
                    .where(table.c.client_id.in_(unknown)).group_by(table.c.client_id)).all())
            rows = []
            for _, record, uid in ready:
                client_id = self.case_ids[record.case_number]
                written = record.written_at or record.contact_at
                late = record.late_entry
                latest = self.latest.get(client_id)
                if late is None:
                    late = is_late_entry(record.contact_at, written, latest)
                self.latest[client_id] = record.contact_at if latest is None else max(latest, record.contact_at)
                rows.append({
                    "uid": uid, "client_id": client_id, "contact_at": record.contact_at, "written_at": written,
                    "type": record.type, "method": record.method, "outcome": record.outcome, "minutes": record.minutes,
                    "author": record.author, "text": record.text, "late_entry": late,
                    "amends_id": note_ids[record.amends] if record.amends else None,
                    "amend_reason": record.amend_reason,
                    "appointment_id": appointment_ids.get(record.appointment) if record.appointment else None,
                })
            self.conn.execute(insert(table), rows)
            _count(self.result.added, "notes", len(rows))
        if not pending:
            return
        if not final:
            self.waiting.extend(pending)  # their originals come later in the file
            return
        for index, record, _ in pending:
            self.errors.add(f"{self.where}: $.notes[{index}].amends: note {record.amends!r} is never recorded "
                            "(amendments form a cycle; an amendment must point at an earlier note)")

    # -- case plans ----------------------------------------------------------
    def _write_case_plans(self, batch: list[tuple[int, CasePlanRecord]]) -> None:
        plans, goals_t, objectives_t, tasks_t = (CasePlan.__table__, Goal.__table__, Objective.__table__,
                                                 PlanTask.__table__)
        clients = {self.case_ids[r.case_number] for _, r in batch}
        existing: dict[tuple, Any] = {}
        for row in self.conn.execute(select(plans).where(plans.c.client_id.in_(clients)).order_by(plans.c.id)):
            existing.setdefault((row.client_id, row.reviewed_on), row)
        trees = _plan_trees(self.conn, [row.id for row in existing.values()])
        replace: list[int] = []
        build: list[tuple[int, list[tuple]]] = []
        new_plans: list[tuple[dict[str, Any], list[tuple]]] = []
        updates = []
        for _, record in batch:
            client_id = self.case_ids[record.case_number]
            tree = _record_tree(record)
            row = existing.get((client_id, record.reviewed_on))
            if row is None:
                values = record.model_dump(include={"reviewed_on", "signed_on", "services", "supports"})
                new_plans.append(({**values, "client_id": client_id}, tree))
                continue
            changes = _changes(record, row, frozenset({"case_number", "reviewed_on", "goals"}))
            goals_differ = "goals" in record.model_fields_set and tree != trees.get(row.id, [])
            if changes:
                updates.append({"_id": row.id, **changes})
            if goals_differ:
                replace.append(row.id)
                build.append((row.id, tree))
            if changes or goals_differ:
                self.result.updated["case_plans"] += 1
        if new_plans:
            ids = self.conn.execute(insert(plans).returning(plans.c.id, sort_by_parameter_order=True),
                                    [values for values, _ in new_plans]).scalars().all()
            build.extend(zip(ids, (tree for _, tree in new_plans)))
            _count(self.result.added, "case_plans", len(new_plans))
        _update(self.conn, plans, updates)
        if replace:
            # Children first: tasks, then objectives, then goals (foreign keys are on).
            goal_ids = select(goals_t.c.id).where(goals_t.c.plan_id.in_(replace))
            objective_ids = select(objectives_t.c.id).where(objectives_t.c.goal_id.in_(goal_ids))
            self.conn.execute(delete(tasks_t).where(tasks_t.c.objective_id.in_(objective_ids)))
            self.conn.execute(delete(objectives_t).where(objectives_t.c.goal_id.in_(goal_ids)))
            self.conn.execute(delete(goals_t).where(goals_t.c.plan_id.in_(replace)))
        _insert_trees(self.conn, build)

    # -- records with a natural key ------------------------------------------
    def _write_keyed(self, kind: str, batch: list[tuple[int, Any]]) -> None:
        table, key_columns = KEYED_TABLES[kind]
        clients = {self.case_ids[r.case_number] for _, r in batch if r.case_number is not None}
        condition = table.c.client_id.in_(clients)
        if any(r.case_number is None for _, r in batch):
            condition = condition | table.c.client_id.is_(None)
        existing: dict[tuple, Any] = {}
        for row in self.conn.execute(select(table).where(condition).order_by(table.c.id)):
            existing.setdefault(tuple(_value(getattr(row, c)) for c in key_columns), row)
        new, updates = [], []
        for _, record in batch:
            client_id = self.case_ids[record.case_number] if record.case_number is not None else None
            values = {"client_id": client_id, **record.model_dump(exclude={"case_number"})}
            key = tuple(_value(values[c]) for c in key_columns)
            row = existing.get(key)
            if row is None:
                new.append(values)
                continue
            changes = _changes(record, row, frozenset({"case_number", *key_columns}))
            if changes:
                updates.append({"_id": row.id, **changes})
        if new:
            self.conn.execute(insert(table), new)
            _count(self.result.added, kind, len(new))
        _update(self.conn, table, updates)
        _count(self.result.updated, kind, len(updates))

    def _write_assessments(self, batch: list) -> None:
        self._write_keyed("assessments", batch)

    def _write_hours(self, batch: list) -> None:
        self._write_keyed("hours", batch)

    def _write_releases(self, batch: list) -> None:
        self._write_keyed("releases", batch)

    def _write_referrals(self, batch: list) -> None:
        self._write_keyed("referrals", batch)

    def _write_tasks(self, batch: list) -> None:
        self._write_keyed("tasks", batch)


#: The tables of NATURAL_KEYS' records, with the columns of that key.
KEYED_TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "assessments": (Assessment.__table__, ("client_id", "kind", "date")),
    "hours": (HoursEntry.__table__, ("client_id", "week", "activity")),
    "releases": (Release.__table__, ("client_id", "party", "signed_on")),
    "referrals": (Referral.__table__, ("client_id", "agency", "service", "referred_on")),
    "tasks": (ManualTask.__table__, ("client_id", "title", "due")),
}


def _count(counter: Counter[str], kind: str, n: int) -> None:
    if n:
        counter[kind] += n


def _value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _record_tree(record: CasePlanRecord) -> list[tuple]:
    """A plan's goals as plain tuples: (text, [(objective, [(title, responsible, target, status)])])."""
    tree = []
    for goal in record.goals:
        if isinstance(goal, str):
            tree.append((goal, []))
            continue
        tree.append((goal.text, [
            (o.text, [(t.title, _value(t.responsible), t.target_date, _value(t.status)) for t in o.tasks])
            for o in goal.objectives
        ]))
    return tree


def _plan_trees(conn: Connection, plan_ids: list[int]) -> dict[int, list[tuple]]:
    """The stored goals of these plans, in the shape of `_record_tree`."""
    if not plan_ids:
        return {}
    goals_t, objectives_t, tasks_t = Goal.__table__, Objective.__table__, PlanTask.__table__
    goals = conn.execute(select(goals_t).where(goals_t.c.plan_id.in_(plan_ids))
                         .order_by(goals_t.c.plan_id, goals_t.c.position, goals_t.c.id)).all()
    goal_ids = [g.id for g in goals]
    objectives = conn.execute(select(objectives_t).where(objectives_t.c.goal_id.in_(goal_ids))
                              .order_by(objectives_t.c.goal_id, objectives_t.c.position, objectives_t.c.id)).all() if goal_ids else []
    objective_ids = [o.id for o in objectives]
    tasks = conn.execute(select(tasks_t).where(tasks_t.c.objective_id.in_(objective_ids))
                         .order_by(tasks_t.c.objective_id, tasks_t.c.position, tasks_t.c.id)).all() if objective_ids else []
    tasks_of: dict[int, list[tuple]] = defaultdict(list)
    for t in tasks:
        tasks_of[t.objective_id].append((t.title, _value(t.responsible), t.target_date, _value(t.status)))
    objectives_of: dict[int, list[tuple]] = defaultdict(list)
    for o in objectives:
        objectives_of[o.goal_id].append((o.text, tasks_of.get(o.id, [])))
    trees: dict[int, list[tuple]] = defaultdict(list)
    for g in goals:
        trees[g.plan_id].append((g.text, objectives_of.get(g.id, [])))
    return trees


def _insert_trees(conn: Connection, build: list[tuple[int, list[tuple]]]) -> None:
    """Insert goals, then objectives, then tasks of these plans (ids back in parameter order)."""
    goals_t, objectives_t, tasks_t = Goal.__table__, Objective.__table__, PlanTask.__table__
    goal_rows, goal_children = [], []
    for plan_id, tree in build:
        for position, (goal_text, objectives) in enumerate(tree):
            goal_rows.append({"plan_id": plan_id, "position": position, "text": goal_text})
            goal_children.append(objectives)
    if not goal_rows:
        return
    goal_ids = conn.execute(insert(goals_t).returning(goals_t.c.id, sort_by_parameter_order=True), goal_rows).scalars().all()
    objective_rows, objective_children = [], []
    for goal_id, objectives in zip(goal_ids, goal_children):
        for position, (objective_text, tasks) in enumerate(objectives):
            objective_rows.append({"goal_id": goal_id, "position": position, "text": objective_text})
            objective_children.append(tasks)
    if not objective_rows:
        return
    objective_ids = conn.execute(insert(objectives_t).returning(objectives_t.c.id, sort_by_parameter_order=True),
                                 objective_rows).scalars().all()
    task_rows = [
        {"objective_id": objective_id, "position": position, "title": title, "responsible": responsible,
         "target_date": target, "status": status}
        for objective_id, tasks in zip(objective_ids, objective_children)
        for position, (title, responsible, target, status) in enumerate(tasks)
    ]
    if task_rows:
        conn.execute(insert(tasks_t), task_rows)


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def _fmt(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes" if value.second == 0 and not value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _row(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _fmt(getattr(obj, name)) for name in fields}


def _rows(session: Session, table: type) -> list[Any]:
    """Plain rows (attribute access like the models) without building ORM objects: export reads a lot."""
    return list(session.execute(select(table.__table__)).all())


def export_data(session: Session) -> dict[str, Any]:
    """The whole database as a `caseterm/1` document (deterministic order)."""
    clients = list(session.execute(select(Client.__table__).order_by(Client.case_number)).all())
    case_of = {c.id: c.case_number for c in clients}
    client_fields = list(ClientRecord.model_fields)

    def by_case(rows: Iterable[Any], *keys: str) -> list[Any]:
        return sorted(rows, key=lambda r: (case_of.get(r.client_id) or "", *[_sortable(getattr(r, k)) for k in keys]))

    doc: dict[str, Any] = {"format": FORMAT, "notice": CONFIDENTIAL_LINE}
    doc["clients"] = [_row(c, client_fields) for c in clients]
    appointments = by_case(_rows(session, Appointment), "start", "kind")
    doc["appointments"] = [
        {"case_number": case_of[a.client_id],
         **_row(a, ("start", "minutes", "kind", "place", "status", "reminder_called", "reminder_outcome", "uid"))}
        for a in appointments
    ]
    appointment_uid = {a.id: a.uid for a in appointments}
    notes = by_case(_rows(session, Note), "contact_at", "id")
    uid_of = {n.id: n.uid for n in notes}
    doc["notes"] = [
        {
            "case_number": case_of[n.client_id],
            **_row(n, ("contact_at", "written_at", "type", "method", "outcome", "minutes", "author", "text", "uid")),
            "amends": uid_of.get(n.amends_id) if n.amends_id else None,
            "amend_reason": n.amend_reason,
            "appointment": appointment_uid.get(n.appointment_id) if n.appointment_id else None,
            "late_entry": n.late_entry,
        }
        for n in notes
    ]
    doc["case_plans"] = _export_plans(session, case_of)
    doc["assessments"] = [
        {"case_number": case_of[a.client_id], **_row(a, ("kind", "date", "score"))}
        for a in by_case(_rows(session, Assessment), "date", "kind")
    ]
    doc["hours"] = [
        {"case_number": case_of[h.client_id], **_row(h, ("week", "activity", "hours", "verified_by"))}
        for h in by_case(_rows(session, HoursEntry), "week", "activity")
    ]
    doc["releases"] = [
        {"case_number": case_of[r.client_id], **_row(r, ("party", "signed_on", "expires_on"))}
        for r in by_case(_rows(session, Release), "party", "signed_on")
    ]
    doc["referrals"] = [
        {"case_number": case_of[r.client_id], **_row(r, ("agency", "service", "referred_on", "outcome"))}
        for r in by_case(_rows(session, Referral), "referred_on", "agency", "service")
    ]
    tasks = _rows(session, ManualTask)
    doc["tasks"] = [
        {"case_number": case_of.get(t.client_id) if t.client_id else None, **_row(t, ("title", "due", "priority", "done"))}
        for t in sorted(tasks, key=lambda t: (case_of.get(t.client_id) or "", t.due, t.title))
    ]
    doc.update(_hmis.export(session, case_of))
    entries = session.execute(select(AuditEntry.__table__).order_by(AuditEntry.at, AuditEntry.id)).all()
    doc["audit"] = [_row(e, ("at", "user", "action", "case_number", "detail")) for e in entries]
    return doc


def _sortable(value: Any) -> Any:
    return "" if value is None else value


def _export_plans(session: Session, case_of: dict[int | None, str]) -> list[dict[str, Any]]:
    plans = sorted(_rows(session, CasePlan), key=lambda p: (case_of[p.client_id], _sortable(p.reviewed_on), p.id))
    goals = sorted(_rows(session, Goal), key=lambda g: (g.plan_id, g.position, g.id))
    objectives = sorted(_rows(session, Objective), key=lambda o: (o.goal_id, o.position, o.id))
    tasks = sorted(_rows(session, PlanTask), key=lambda t: (t.objective_id, t.position, t.id))
    tasks_of: dict[int | None, list[PlanTask]] = {}
    for task in tasks:
        tasks_of.setdefault(task.objective_id, []).append(task)
    objectives_of: dict[int | None, list[Objective]] = {}
    for objective in objectives:
        objectives_of.setdefault(objective.goal_id, []).append(objective)
    goals_of: dict[int | None, list[Goal]] = {}
    for goal in goals:
        goals_of.setdefault(goal.plan_id, []).append(goal)

    def goal_doc(goal: Goal) -> str | dict[str, Any]:
        objs = objectives_of.get(goal.id, [])
        if not objs:
            return goal.text
        return {
            "text": goal.text,
            "objectives": [
                {"text": o.text, "tasks": [_row(t, ("title", "responsible", "target_date", "status")) for t in tasks_of.get(o.id, [])]}
                for o in objs
            ],
        }

    return [
        {
            "case_number": case_of[p.client_id],
            **_row(p, ("reviewed_on", "signed_on", "services", "supports")),
            "goals": [goal_doc(g) for g in goals_of.get(p.id, [])],
        }
        for p in plans
    ]


def export_json(session: Session) -> str:
    """One record a line: readable, diff-friendly, and fast (json's C encoder per record)."""
    doc = export_data(session)
    lines = ["{"]
    last = len(doc) - 1
    for index, (key, value) in enumerate(doc.items()):
        comma = "," if index < last else ""
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join("    " + json.dumps(record, ensure_ascii=False) for record in value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
