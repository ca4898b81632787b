"""The records a case manager keeps (DOMAIN.md "What is recorded").

Enum values are the snake_case strings of INTERCHANGE.md; they are stored as
those strings, so the database reads the same as the interchange file.
Times are naive local office time (stored as plain DATETIME, not UTC).
Notes are append-only: a correction is a new `Note` whose `amends_id` points
at the original (the store also refuses UPDATE and DELETE on notes).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from caseterm.vocabulary import (  # noqa: F401 - re-exported for the tables' users
    ClientStatus,
    StageOfChange,
    ExitReason,
    AppointmentKind,
    Place,
    AppointmentStatus,
    NoteType,
    ContactMethod,
    ContactOutcome,
    AssessmentKind,
    Activity,
    VerifiedBy,
    Responsible,
    TaskStatus,
    DueAction,
    WorkerRole,
)


def _enum(enum: type[StrEnum]) -> sa.Enum:
    """Store an enum as its value string (portable to PostgreSQL as VARCHAR)."""
    return sa.Enum(
        enum,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        validate_strings=True,
        length=32,
    )


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


class Client(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True, unique=True, max_length=40)
    legal_name: str
    preferred_name: str | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    contact_preference: str | None = None
    program: str = "TANF"
    status: ClientStatus = Field(default=ClientStatus.OPEN, sa_type=_enum(ClientStatus))
    close_pending: bool = False
    exempt_hours: float | None = None
    penalty_start: dt.date | None = None
    two_parent: bool = False
    needs_childcare: bool = False
    remote: bool = False
    dv_in_home: bool = False
    stage_of_change: StageOfChange | None = Field(default=None, sa_type=_enum(StageOfChange))
    months_used: int = 0
    follow_up_days: int | None = None
    follow_up_permission: bool = False
    plan_review_date: dt.date | None = None
    referral_date: dt.date | None = None
    initial_contact_date: dt.date | None = None
    first_interview_date: dt.date | None = None
    shelter_entry_date: dt.date | None = None
    exit_date: dt.date | None = None
    exit_reason: ExitReason | None = Field(default=None, sa_type=_enum(ExitReason))
    #: The worker the client is assigned to now (history: `Assignment`). Empty on
    #: SQLite (solo mode) means the one solo worker (services.workers).
    worker_id: int | None = Field(default=None, foreign_key="worker.id", index=True)

    @property
    def display_name(self) -> str:
        """The name the client asked to be called by, then the legal name."""
        return self.preferred_name or self.legal_name


def new_uid() -> str:
    """A record's own stable id: kept across export and import, never a row id."""
    return str(uuid.uuid4())


class Appointment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: Stable across machines (export/import, calendar event UIDs). Nullable
    #: in the database only because 0003 added it to existing rows in place.
    uid: str = Field(default_factory=new_uid, index=True, unique=True, max_length=36, nullable=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    start: dt.datetime = Field(index=True, sa_type=sa.DateTime())
    minutes: int = 60
    kind: AppointmentKind = Field(default=AppointmentKind.OTHER, sa_type=_enum(AppointmentKind))
    place: Place = Field(default=Place.OFFICE, sa_type=_enum(Place))
    status: AppointmentStatus = Field(
        default=AppointmentStatus.SCHEDULED, sa_type=_enum(AppointmentStatus)
    )
    reminder_called: bool = False
    #: How the reminder call went (a ContactOutcome value), when one was made.
    reminder_outcome: str | None = Field(default=None, max_length=32)
    #: Who last saved it from a form, and when (the edit form's version check).
    changed_by: str | None = None
    changed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime())


class Note(SQLModel, table=True):
    """One entry of the case narrative. Never updated, never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(index=True, unique=True, max_length=36)
    client_id: int = Field(foreign_key="client.id", index=True)
    contact_at: dt.datetime = Field(index=True, sa_type=sa.DateTime())
    written_at: dt.datetime = Field(sa_type=sa.DateTime())
    type: NoteType = Field(sa_type=_enum(NoteType))
    method: ContactMethod | None = Field(default=None, sa_type=_enum(ContactMethod))
    outcome: ContactOutcome | None = Field(default=None, sa_type=_enum(ContactOutcome))
    minutes: int | None = None
    author: str = ""
    text: str = ""
    late_entry: bool = False
    amends_id: int | None = Field(default=None, foreign_key="note.id", index=True)
    #: Why an amendment was made (required for amendments; shown with it).
    amend_reason: str | None = None
    #: The appointment this note documents, when it was written for one.
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    #: A collateral note: who was contacted about the client (23.6).
    party: str | None = Field(default=None, max_length=200)
    #: Why it was shared with no current release covering the party ("consent given verbally: …").
    release_reason: str | None = Field(default=None, max_length=400)


class NoteDraft(SQLModel, table=True):
    """The note being typed, saved on every pause so a crash loses nothing."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    amends_id: int | None = Field(default=None, foreign_key="note.id")
    #: The appointment the note is for: a free note and an appointment's note
    #: of the same client are separate drafts.
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    fields_json: str = "{}"
    text: str = ""
    updated_at: dt.datetime = Field(sa_type=sa.DateTime())


class CasePlan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    reviewed_on: dt.date | None = None
    signed_on: dt.date | None = None
    services: str | None = None
    supports: str | None = None


class Goal(SQLModel, table=True):
    """A long-term goal of a case plan (housing should always be one, 004)."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="caseplan.id", index=True)
    position: int = 0
    text: str


class Objective(SQLModel, table=True):
    """A measurable short-term objective (SMARTS) toward a goal."""

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    position: int = 0
    text: str


class PlanTask(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    position: int = 0
    title: str
    responsible: Responsible = Field(default=Responsible.CLIENT, sa_type=_enum(Responsible))
    target_date: dt.date | None = None
    status: TaskStatus = Field(default=TaskStatus.OPEN, sa_type=_enum(TaskStatus))


class Assessment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    kind: AssessmentKind = Field(sa_type=_enum(AssessmentKind))
    date: dt.date
    score: int | None = None
    #: Who last saved it from a form, and when (the edit form's version check).
    changed_by: str | None = None
    changed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime())


class HoursEntry(SQLModel, table=True):
    """Participation hours of one activity in one week (week = its Monday)."""

    __tablename__ = "hours"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    week: dt.date = Field(index=True)
    activity: Activity = Field(sa_type=_enum(Activity))
    hours: float
    verified_by: VerifiedBy | None = Field(default=None, sa_type=_enum(VerifiedBy))
    #: Who last saved it from a form, and when (the edit form's version check).
    changed_by: str | None = None
    changed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime())


class Release(SQLModel, table=True):
    """A signed release of information (consent to share, 004)."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    party: str
    signed_on: dt.date | None = None
    expires_on: dt.date | None = None
    #: Who last saved it from a form, and when (the edit form's version check).
    changed_by: str | None = None
    changed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime())


class Referral(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    agency: str
    service: str = ""
    referred_on: dt.date
    outcome: str | None = None
    #: Who last saved it from a form, and when (the edit form's version check).
    changed_by: str | None = None
    changed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime())


class ManualTask(SQLModel, table=True):
    """A task the user added; `client_id` is empty for caseload-wide tasks."""

    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    title: str
    due: dt.date
    priority: int = 2
    done: bool = False


class DueState(SQLModel, table=True):
    """A due item the user marked done, snoozed or dismissed.

    `item_key` names one occurrence of one rule for one client (see
    `rules.engine.DueItem.key`), so a dismissal does not hide the next one.
    """

    __tablename__ = "due_state"

    id: int | None = Field(default=None, primary_key=True)
    item_key: str = Field(index=True, max_length=200)
    action: DueAction = Field(sa_type=_enum(DueAction))
    until: dt.date | None = None
    reason: str | None = None
    created_at: dt.datetime = Field(sa_type=sa.DateTime())


class StoredDueItem(SQLModel, table=True):
    """One computed due item, kept per client (issue 25): `services.due_table`.

    Derived data, never a record: rebuilt for a client in the transaction that
    changes the client's records, and for everyone when the day or the policy
    changes (`DueClient` says for which day and policy a client's rows hold).
    `seq` is the item's place in the rules' output for its client (the order
    of equal sort keys in a full recomputation).
    """

    __tablename__ = "due_item"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(index=True)
    rule: str = Field(max_length=40)
    #: the item's key (`rules.engine.DueItem.key`): the occurrence a decision names
    subject: str = Field(max_length=200)
    case_number: str | None = Field(default=None, max_length=40)
    title: str
    why: str
    source: str
    due: dt.date
    overdue: bool
    priority: int
    grp: str = Field(max_length=40)
    occurrence: str = ""
    #: the item's target as JSON
    target: str = "{}"
    at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime())
    seq: int = 0


class DueClient(SQLModel, table=True):
    """For which day and policy (a fingerprint) a client's stored due items were computed."""

    __tablename__ = "due_client"

    client_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    day: dt.date
    fingerprint: str = Field(max_length=64)


class DueStale(SQLModel, table=True):
    """Clients whose records changed since their due items were stored (written by triggers)."""

    __tablename__ = "due_stale"

    client_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})


class AuditEntry(SQLModel, table=True):
    """Who opened, wrote, printed or exported what (HIPAA 164.312(b)).

    Append-only like notes (the database refuses UPDATE, DELETE and REPLACE).
    Never holds note text, names or addresses: only the case number and a
    short detail such as a format, a count or a file name.
    """

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True, sa_type=sa.DateTime())
    user: str = ""
    action: str = Field(index=True, max_length=40)
    case_number: str | None = Field(default=None, index=True, max_length=40)
    detail: str = ""
    #: The hash chain (migration 0007): sha256 over the previous live entry's hash and this
    #: entry's fields (`services.audit.chain_hash`); `caseterm check` verifies it.
    hash: str | None = Field(default=None, max_length=64)
    #: History brought in by `caseterm import`: kept apart, never spliced into the live chain.
    imported: bool = Field(default=False)


class Worker(SQLModel, table=True):
    """A case manager, supervisor or admin; `login` is their PostgreSQL login (agency mode).

    Solo mode (SQLite) has one, made from settings.toml on first need.
    """

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(index=True, unique=True, max_length=63)
    full_name: str = ""
    role: WorkerRole = Field(default=WorkerRole.CASE_MANAGER, sa_type=_enum(WorkerRole))
    supervisor_id: int | None = Field(default=None, foreign_key="worker.id")
    phone: str | None = None
    active: bool = True

    @property
    def display_name(self) -> str:
        return self.full_name or self.login


class Assignment(SQLModel, table=True):
    """One stretch of a client's history of case managers (`to_date` empty: current)."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    worker_id: int = Field(foreign_key="worker.id", index=True)
    from_date: dt.date
    to_date: dt.date | None = None
    reason: str = ""


class Coverage(SQLModel, table=True):
    """`covered_by` acts for `worker` from `from_date` until `until` (inclusive)."""

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="worker.id")
    covered_by_id: int = Field(foreign_key="worker.id", index=True)
    from_date: dt.date
    until: dt.date

