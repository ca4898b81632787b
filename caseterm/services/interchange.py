"""The `caseterm/1` interchange file (INTERCHANGE.md): import and export.

Import is all or nothing: the whole file is validated first (every error is
collected and reported as `FILE: $.path: what is wrong` or `FILE:LINE: ...`),
and only a clean file is written, in the caller's one transaction.
Re-importing a file changes nothing: clients are upserted by case number,
other records by their natural key (below), notes by `uid` (derived from the
note's content and time when the file has none), and a note is never changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, select

from caseterm.errors import BadInput
from caseterm.models import (
    Appointment,
    Assessment,
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
)
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
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
from caseterm.services.notes import is_late_entry

FORMAT = "caseterm/1"
CONFIDENTIAL_NOTICE = (
    "CONFIDENTIAL: client information. Share only as the clients' signed releases allow; "
    "do not remove from the agency."
)
NOTE_UID_NAMESPACE = uuid.UUID("6f1c2f4e-3a51-4d8e-9a57-2b1f0c8d7e10")

# --------------------------------------------------------------------------
# The file's shape: pydantic models, strict, unknown keys rejected.
# --------------------------------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, use_enum_values=False)


CaseNumber = Annotated[str, Field(min_length=1, max_length=40)]
Hours = Annotated[float, Field(ge=0, le=168)]


class ClientRecord(_Record):
    case_number: CaseNumber
    legal_name: Annotated[str, Field(min_length=1)]
    preferred_name: str | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    contact_preference: str | None = None
    program: str = "TANF"
    status: ClientStatus = ClientStatus.OPEN
    close_pending: bool = False
    exempt_hours: Hours | None = None
    penalty_start: dt.date | None = None
    two_parent: bool = False
    needs_childcare: bool = False
    remote: bool = False
    dv_in_home: bool = False
    stage_of_change: StageOfChange | None = None
    months_used: Annotated[int, Field(ge=0)] = 0
    follow_up_days: Annotated[int, Field(ge=1)] | None = None
    follow_up_permission: bool = False
    plan_review_date: dt.date | None = None
    referral_date: dt.date | None = None
    initial_contact_date: dt.date | None = None
    first_interview_date: dt.date | None = None
    shelter_entry_date: dt.date | None = None
    exit_date: dt.date | None = None
    exit_reason: ExitReason | None = None


class AppointmentRecord(_Record):
    case_number: CaseNumber
    start: dt.datetime
    minutes: Annotated[int, Field(gt=0, le=24 * 60)] = 60
    kind: AppointmentKind = AppointmentKind.OTHER
    place: Place = Place.OFFICE
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    reminder_called: bool = False
    reminder_outcome: ContactOutcome | None = None
    #: The appointment's own id (calendar event UID); matched first on re-import.
    uid: Annotated[str, Field(min_length=1, max_length=36)] | None = None


class NoteRecord(_Record):
    case_number: CaseNumber
    contact_at: dt.datetime
    written_at: dt.datetime | None = None
    type: NoteType
    method: ContactMethod | None = None
    outcome: ContactOutcome | None = None
    minutes: Annotated[int, Field(ge=0)] | None = None
    author: str = ""
    text: str = ""
    uid: Annotated[str, Field(min_length=1, max_length=36)] | None = None
    amends: str | None = None
    amend_reason: str | None = None
    #: The uid of the appointment this note documents.
    appointment: str | None = None
    late_entry: bool | None = None


class PlanTaskRecord(_Record):
    title: Annotated[str, Field(min_length=1)]
    responsible: Responsible = Responsible.CLIENT
    target_date: dt.date | None = None
    status: TaskStatus = TaskStatus.OPEN


class ObjectiveRecord(_Record):
    text: Annotated[str, Field(min_length=1)]
    tasks: list[PlanTaskRecord] = []


class GoalRecord(_Record):
    text: Annotated[str, Field(min_length=1)]
    objectives: list[ObjectiveRecord] = []


class CasePlanRecord(_Record):
    case_number: CaseNumber
    reviewed_on: dt.date | None = None
    signed_on: dt.date | None = None
    services: str | None = None
    supports: str | None = None
    goals: list[str | GoalRecord] = []


class AssessmentRecord(_Record):
    case_number: CaseNumber
    kind: AssessmentKind
    date: dt.date
    score: int | None = None


class HoursRecord(_Record):
    case_number: CaseNumber
    week: dt.date
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
    signed_on: dt.date | None = None
    expires_on: dt.date | None = None


class ReferralRecord(_Record):
    case_number: CaseNumber
    agency: Annotated[str, Field(min_length=1)]
    service: str = ""
    referred_on: dt.date
    outcome: str | None = None


class TaskRecord(_Record):
    case_number: CaseNumber | None = None
    title: Annotated[str, Field(min_length=1)]
    due: dt.date
    priority: Annotated[int, Field(ge=1, le=3)] = 2
    done: bool = False


class InterchangeFile(_Record):
    """A whole `caseterm/1` file."""

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


RECORD_LISTS = ("appointments", "notes", "case_plans", "assessments", "hours", "releases", "referrals", "tasks")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the interchange format (`caseterm export --schema`)."""
    schema = InterchangeFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://caseterm.invalid/schema/caseterm-1.json"
    schema["title"] = "caseterm/1 interchange file"
    return schema


# --------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------


def _json_path(loc: Iterable[Any]) -> str:
    path = "$"
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
    message = error["msg"].removeprefix("Value error, ")
    return f"{message} (got {value!r})" if value is not None and not isinstance(value, (dict, list)) else message


def _errors_from(exc: ValidationError, where: str) -> list[str]:
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for error in exc.errors():
        path, text = _json_path(error["loc"]), _describe(error)
        # A union (goal as string or object) reports every branch; keep one line a path.
        if any(p == path for p, _ in seen) and error["type"] in ("string_type", "model_type"):
            continue
        if (path, text) not in seen:
            seen.add((path, text))
            lines.append(f"{where}: {path}: {text}")
    return lines


def parse_json(raw: str, where: str) -> InterchangeFile:
    """Parse and validate a JSON interchange text; BadInput lists every problem."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise BadInput(f"{where}:{err.lineno}: not valid JSON ({err.msg}, column {err.colno})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{where}: $: expected an object with \"format\": \"{FORMAT}\"")
    try:
        parsed = InterchangeFile.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise BadInput(*_errors_from(exc, where)) from None
    return parsed


CSV_BOOL = {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False, "n": False, "0": False}


def parse_clients_csv(raw: str, where: str) -> InterchangeFile:
    """A caseload CSV: a header of client field names, one client a row.

    caseterm's own caseload report reads back too: its CONFIDENTIAL first line
    and its computed columns (hours, due items...) are skipped.
    """
    skipped_lines = 0
    if raw.startswith("CONFIDENTIAL"):
        raw = raw.split("\n", 1)[1] if "\n" in raw else ""
        skipped_lines = 1
    reader = csv.DictReader(io.StringIO(raw))
    header = reader.fieldnames or []
    errors: list[str] = []
    known = ClientRecord.model_fields
    unknown = [name for name in header if name not in known]
    ignored: set[str] = set()
    if unknown:
        from caseterm.services.reports import CASELOAD_CSV_COLUMNS

        ignored = set(CASELOAD_CSV_COLUMNS) - set(known)
    header_line = 1 + skipped_lines
    for name in unknown:
        if name not in ignored:
            errors.append(f"{where}:{header_line}: unknown column {name!r}")
    for required in ("case_number", "legal_name"):
        if required not in header:
            errors.append(f"{where}:{header_line}: required column {required!r} is missing")
    if errors:
        raise BadInput(*errors)
    clients: list[ClientRecord] = []
    for row in reader:
        line = reader.line_num + skipped_lines
        values: dict[str, Any] = {}
        for name, cell in row.items():
            if name is None:
                errors.append(f"{where}:{line}: more cells than header columns")
                continue
            if name in ignored:
                continue
            cell = (cell or "").strip()
            if cell == "":
                continue
            values[name] = _csv_value(name, cell)
        try:
            clients.append(ClientRecord.model_validate(values, strict=False))
        except ValidationError as exc:
            for error in exc.errors():
                column = ".".join(str(p) for p in error["loc"])
                errors.append(f"{where}:{line}: column {column!r}: {_describe(error)}")
    if errors:
        raise BadInput(*errors)
    return InterchangeFile(format=FORMAT, clients=clients)


def _csv_value(name: str, cell: str) -> Any:
    """CSV cells are text: turn booleans into bools and let pydantic (lax) do the rest."""
    annotation = str(ClientRecord.model_fields[name].annotation)
    if "bool" in annotation:
        return CSV_BOOL.get(cell.lower(), cell)
    if "date" in annotation:
        # Lax mode would accept "20260101" as a timestamp; only ISO dates are allowed.
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return f"{cell}!"  # still a string: the validator reports it as a bad date
    return cell


def read_file(path: Path) -> InterchangeFile:
    where = str(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise BadInput(f"{where}: cannot read the file ({err})") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        return parse_json(raw, where)
    if suffix == ".csv":
        return parse_clients_csv(raw, where)
    raise BadInput(f"{where}: unknown file type {suffix or '(none)'!r}; use .json (caseterm/1) or .csv (clients)")


# --------------------------------------------------------------------------
# Writing into the database
# --------------------------------------------------------------------------


def derived_note_uid(case_number: str, record: NoteRecord) -> str:
    """A note without a uid gets one from its content and time, so re-import finds it."""
    basis = f"{case_number}|{record.contact_at.isoformat()}|{record.type.value}|{record.author}|{record.text}"
    return str(uuid.uuid5(NOTE_UID_NAMESPACE, basis))


def _check_references(data: InterchangeFile, where: str, known_cases: set[str]) -> list[str]:
    errors: list[str] = []
    first_at: dict[str, int] = {}
    for index, client in enumerate(data.clients):
        if client.case_number in first_at:
            errors.append(
                f"{where}: $.clients[{index}].case_number: {client.case_number!r} appears more than once "
                f"in the file (first at $.clients[{first_at[client.case_number]}])"
            )
        first_at.setdefault(client.case_number, index)
    cases = known_cases | set(first_at)
    for kind in RECORD_LISTS:
        for index, record in enumerate(getattr(data, kind)):
            case_number = record.case_number
            if case_number is not None and case_number not in cases:
                errors.append(f"{where}: $.{kind}[{index}].case_number: no client {case_number!r} in the file or the database")
    for kind, key in NATURAL_KEYS.items():
        seen: dict[tuple, int] = {}
        for index, record in enumerate(getattr(data, kind)):
            k = key(record)
            if k in seen:
                errors.append(f"{where}: $.{kind}[{index}]: same record as $.{kind}[{seen[k]}] ({', '.join(map(str, k))})")
            else:
                seen[k] = index
    return errors


#: How a record is recognised on re-import (the file may not repeat a key).
NATURAL_KEYS = {
    "appointments": lambda r: (r.case_number, r.start, r.kind.value),
    "case_plans": lambda r: (r.case_number, r.reviewed_on),
    "assessments": lambda r: (r.case_number, r.kind.value, r.date),
    "hours": lambda r: (r.case_number, r.week, r.activity.value),
    "releases": lambda r: (r.case_number, r.party, r.signed_on),
    "referrals": lambda r: (r.case_number, r.agency, r.service, r.referred_on),
    "tasks": lambda r: (r.case_number, r.title, r.due),
}


def import_data(session: Session, data: InterchangeFile, where: str = "input") -> dict[str, int]:
    """Write a validated file into the session's transaction; returns counts of new rows.

    Raises BadInput (before writing anything) for references or duplicates the
    schema alone cannot see. The caller commits (or rolls back) the transaction.
    """
    clients_by_case = {c.case_number: c for c in session.exec(select(Client)).all()}
    errors = _check_references(data, where, set(clients_by_case))
    notes_by_uid = {n.uid: n for n in _rows(session, Note)}
    note_uids = [(r, r.uid or derived_note_uid(r.case_number, r)) for r in data.notes]
    file_uids = {uid for _, uid in note_uids}
    appointment_uids = {r.uid for r in data.appointments if r.uid} | set(
        session.exec(select(Appointment.uid)).all() if any(r.appointment for r in data.notes) else ()
    )
    for index, (record, uid) in enumerate(note_uids):
        existing = notes_by_uid.get(uid)
        if existing is not None and (existing.text != record.text or existing.contact_at != record.contact_at):
            errors.append(f"{where}: $.notes[{index}].uid: note {uid} is already recorded with other content; notes are never overwritten (add an amendment)")
        if record.amends is not None and record.amends not in file_uids and record.amends not in notes_by_uid:
            errors.append(f"{where}: $.notes[{index}].amends: no note with uid {record.amends!r}")
        if record.appointment is not None and record.appointment not in appointment_uids:
            errors.append(f"{where}: $.notes[{index}].appointment: no appointment with uid {record.appointment!r}")
    if errors:
        raise BadInput(*errors)

    added: Counter[str] = Counter()
    for record in data.clients:
        values = record.model_dump()
        client = clients_by_case.get(record.case_number)
        if client is None:
            client = Client(**values)
            session.add(client)
            clients_by_case[record.case_number] = client
            added["clients"] += 1
        else:
            for name, value in values.items():
                setattr(client, name, value)
    session.flush()
    client_id = {cn: c.id for cn, c in clients_by_case.items()}

    appointment_ids = _import_appointments(session, data.appointments, client_id, added)
    _upsert(session, Assessment, data.assessments, client_id, added, "assessments",
            key=lambda r: (r.client_id, r.kind, r.date),
            new_key=lambda r: (client_id[r.case_number], r.kind, r.date))
    _upsert(session, HoursEntry, data.hours, client_id, added, "hours",
            key=lambda r: (r.client_id, r.week, r.activity),
            new_key=lambda r: (client_id[r.case_number], r.week, r.activity))
    _upsert(session, Release, data.releases, client_id, added, "releases",
            key=lambda r: (r.client_id, r.party, r.signed_on),
            new_key=lambda r: (client_id[r.case_number], r.party, r.signed_on))
    _upsert(session, Referral, data.referrals, client_id, added, "referrals",
            key=lambda r: (r.client_id, r.agency, r.service, r.referred_on),
            new_key=lambda r: (client_id[r.case_number], r.agency, r.service, r.referred_on))
    _upsert(session, ManualTask, data.tasks, client_id, added, "tasks",
            key=lambda r: (r.client_id, r.title, r.due),
            new_key=lambda r: (client_id.get(r.case_number) if r.case_number else None, r.title, r.due))
    _import_plans(session, data.case_plans, client_id, added)
    _import_notes(session, note_uids, client_id, notes_by_uid, appointment_ids, added)
    session.flush()
    return dict(added)


def _import_appointments(session: Session, records: list[AppointmentRecord], client_id: dict[str, int | None],
                         added: Counter[str]) -> dict[str, int]:
    """Upsert appointments, matched by uid when the file has one, else by client, start and kind.

    Returns every appointment's uid -> id, for notes that name their appointment.
    """
    rows = session.exec(select(Appointment)).all()
    by_uid = {row.uid: row for row in rows}
    by_key = {(row.client_id, row.start, row.kind): row for row in rows}
    for record in records:
        values = record.model_dump(exclude={"case_number", "uid"})
        values["client_id"] = client_id[record.case_number]
        key = (values["client_id"], record.start, record.kind)
        row = (by_uid.get(record.uid) if record.uid else None) or by_key.get(key)
        if row is None:
            row = Appointment(**values, **({"uid": record.uid} if record.uid else {}))
            session.add(row)
            by_uid[row.uid] = row
            added["appointments"] += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
        by_key[key] = row
    session.flush()
    return {uid: row.id for uid, row in by_uid.items() if row.id is not None}


def _upsert(session: Session, table: type, records: list, client_id: dict[str, int | None],
            added: Counter[str], name: str, key, new_key) -> None:  # noqa: ANN001
    if not records:
        return
    existing = {key(row): row for row in session.exec(select(table)).all()}
    for record in records:
        values = record.model_dump(exclude={"case_number"})
        values["client_id"] = client_id.get(record.case_number) if record.case_number else None
        row = existing.get(new_key(record))
        if row is None:
            row = table(**values)
            session.add(row)
            existing[new_key(record)] = row
            added[name] += 1
        else:
            for field, value in values.items():
                setattr(row, field, value)


def _import_plans(session: Session, records: list[CasePlanRecord], client_id: dict[str, int | None],
                  added: Counter[str]) -> None:
    if not records:
        return
    existing = {(p.client_id, p.reviewed_on): p for p in session.exec(select(CasePlan)).all()}
    for record in records:
        cid = client_id[record.case_number]
        plan = existing.get((cid, record.reviewed_on))
        if plan is None:
            plan = CasePlan(client_id=cid, reviewed_on=record.reviewed_on)
            session.add(plan)
            added["case_plans"] += 1
        else:
            _delete_goals(session, plan.id)
        plan.signed_on, plan.services, plan.supports = record.signed_on, record.services, record.supports
        session.flush()
        for g_pos, goal_record in enumerate(record.goals):
            goal_record = GoalRecord(text=goal_record) if isinstance(goal_record, str) else goal_record
            goal = Goal(plan_id=plan.id, position=g_pos, text=goal_record.text)
            session.add(goal)
            session.flush()
            for o_pos, obj_record in enumerate(goal_record.objectives):
                objective = Objective(goal_id=goal.id, position=o_pos, text=obj_record.text)
                session.add(objective)
                session.flush()
                for t_pos, task in enumerate(obj_record.tasks):
                    session.add(PlanTask(objective_id=objective.id, position=t_pos, **task.model_dump()))


def _delete_goals(session: Session, plan_id: int | None) -> None:
    goals = session.exec(select(Goal).where(Goal.plan_id == plan_id)).all()
    for goal in goals:
        for objective in session.exec(select(Objective).where(Objective.goal_id == goal.id)).all():
            for task in session.exec(select(PlanTask).where(PlanTask.objective_id == objective.id)).all():
                session.delete(task)
            session.delete(objective)
        session.delete(goal)
    session.flush()


def _import_notes(session: Session, note_uids: list[tuple[NoteRecord, str]], client_id: dict[str, int | None],
                  notes_by_uid: dict[str, Note], appointment_ids: dict[str, int], added: Counter[str]) -> None:
    """Add the notes not yet recorded, originals before the amendments that point at them."""
    latest: dict[int, dt.datetime] = {}
    for note in notes_by_uid.values():
        if note.client_id not in latest or note.contact_at > latest[note.client_id]:
            latest[note.client_id] = note.contact_at
    pending = [(r, uid) for r, uid in note_uids if uid not in notes_by_uid]
    while pending:
        waiting = []
        for record, uid in pending:
            if record.amends is not None and record.amends not in notes_by_uid:
                waiting.append((record, uid))
                continue
            cid = client_id[record.case_number]
            written = record.written_at or record.contact_at
            late = record.late_entry
            if late is None:
                late = is_late_entry(record.contact_at, written, latest.get(cid))
            note = Note(
                uid=uid, client_id=cid, contact_at=record.contact_at, written_at=written,
                type=record.type, method=record.method, outcome=record.outcome, minutes=record.minutes,
                author=record.author, text=record.text, late_entry=late,
                amends_id=notes_by_uid[record.amends].id if record.amends else None,
                amend_reason=record.amend_reason,
                appointment_id=appointment_ids.get(record.appointment) if record.appointment else None,
            )
            session.add(note)
            session.flush()
            notes_by_uid[uid] = note
            latest[cid] = max(latest.get(cid, record.contact_at), record.contact_at)
            added["notes"] += 1
        if len(waiting) == len(pending):
            raise BadInput("notes: amendments form a cycle; an amendment must point at an earlier note")
        pending = waiting


def import_path(session: Session, path: Path) -> dict[str, int]:
    """Read, validate and import one file (the caller's transaction)."""
    return import_data(session, read_file(path), where=str(path))


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

    doc: dict[str, Any] = {"format": FORMAT, "notice": CONFIDENTIAL_NOTICE}
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
