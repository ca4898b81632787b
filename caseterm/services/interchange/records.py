"""The caseterm/1 file's shape: the pydantic record models, their keys and the JSON Schema."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from caseterm.hmis import interchange as _hmis
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


FORMAT = "caseterm/1"
NOTE_UID_NAMESPACE = uuid.UUID("6f1c2f4e-3a51-4d8e-9a57-2b1f0c8d7e10")

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
