"""A read-only picture of the caseload, as much as the rules need.

Plain frozen dataclasses, built by `caseterm.services.due.load_snapshot` from a
handful of bulk queries (or by hand in tests). Recent rows only: appointments
and notes in a window around the day, hours for the work-search window; older
history is summarised (last contact, last good-cause note, last plan review).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

# NEVER_REACHES_CLIENT and NOT_CONTACT_TYPES are vocabulary's (the first frame reads them without this module).
from caseterm.vocabulary import (
    NEVER_REACHES_CLIENT,
    NOT_CONTACT_TYPES,
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)

#: Statuses of a case the case manager still works.
ACTIVE_STATUSES = frozenset({ClientStatus.OPEN, ClientStatus.PENDED, ClientStatus.NOT_INITIALIZED})

#: Note types that are an attempt to reach the client (003 "engagement contact").
ATTEMPT_TYPES = frozenset({NoteType.ENGAGEMENT, NoteType.CONTACT, NoteType.HOME_VISIT, NoteType.LETTER})


@dataclass(frozen=True)
class ApptSnap:
    id: int
    start: dt.datetime
    minutes: int
    kind: AppointmentKind
    status: AppointmentStatus
    reminder_called: bool = False
    place: Place = Place.OFFICE
    #: whether a note for the client exists on the appointment's date (the
    #: loader works it out in SQL for kept appointments); None: look at the notes
    noted: bool | None = None
    #: the start's date (None: worked out here). A plain field, not a cached
    #: property: the rules read it for each of ~34,000 appointments at 10,000
    #: clients, and Python 3.11's cached_property takes a (class-wide) lock on
    #: each instance's first read.
    day: dt.date = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.day is None:
            object.__setattr__(self, "day", self.start.date())


@dataclass(frozen=True)
class NoteSnap:
    id: int
    contact_at: dt.datetime
    type: NoteType
    method: ContactMethod | None = None
    outcome: ContactOutcome | None = None

    @property
    def is_attempt(self) -> bool:
        return self.type in ATTEMPT_TYPES

    @property
    def reached(self) -> bool:
        """The client was actually reached (not a letter, no answer or returned mail)."""
        return is_reached(self.type, self.method, self.outcome)


def is_reached(note_type: NoteType, method: ContactMethod | None, outcome: ContactOutcome | None) -> bool:
    """Whether a note records reaching the client (`rules.common.client_reached`;
    `services.due.reached_sql` is the same test in SQL)."""
    if note_type in NEVER_REACHES_CLIENT or method == ContactMethod.LETTER:
        return False
    if outcome is not None:
        return outcome == ContactOutcome.REACHED
    return note_type not in NOT_CONTACT_TYPES and method != ContactMethod.LETTER


@dataclass(frozen=True)
class HoursSnap:
    week: dt.date
    #: None when the loader summed the week's activities into one entry
    activity: Activity | None
    hours: float


@dataclass(frozen=True)
class ReleaseSnap:
    party: str
    signed_on: dt.date | None
    expires_on: dt.date | None


@dataclass(frozen=True)
class ReferralSnap:
    id: int
    agency: str
    service: str
    referred_on: dt.date
    outcome: str | None = None


@dataclass(frozen=True)
class AssessmentSnap:
    kind: AssessmentKind
    date: dt.date


@dataclass(frozen=True)
class TaskSnap:
    id: int
    title: str
    due: dt.date
    priority: int
    case_number: str | None = None
    done: bool = False


@dataclass(frozen=True)
class DraftSnap:
    """A note started and not saved (the draft kept on every pause)."""

    id: int
    case_number: str
    name: str
    updated_at: dt.datetime
    #: the note type chosen in the draft ("" when none)
    type: str = ""
    appointment_id: int | None = None
    amends_id: int | None = None


@dataclass(frozen=True)
class HmisStageSnap:
    """One stage's data elements of an HMIS enrollment (5.03 stage: 1 entry, 2 update, 3 exit, 5 annual)."""

    stage: int
    date: dt.date
    income_any: int | None = None
    benefits_any: int | None = None
    insurance_any: int | None = None
    dv_survivor: int | None = None
    has_disabilities: bool = False


@dataclass(frozen=True)
class HmisPersonSnap:
    """The client's universal data elements about the person (3.01-3.07); None: nothing recorded."""

    name_quality: int | None = None
    ssn_quality: int | None = None
    dob_quality: int | None = None
    has_race: bool = False
    race_none: int | None = None
    sex: int | None = None
    veteran: int | None = None


@dataclass(frozen=True)
class HmisEnrollmentSnap:
    """One HMIS enrollment as the hmis-* rules see it; `hud`: a continuum (HUD CoC) project."""

    id: int
    project: str
    hud: bool
    entry_date: dt.date
    exit_date: dt.date | None = None
    destination: int | None = None
    relationship_to_hoh: int | None = None
    living_situation: int | None = None
    disabling_condition: int | None = None
    enrollment_coc: str | None = None
    stages: tuple[HmisStageSnap, ...] = ()


@dataclass(frozen=True)
class ClientSnap:
    id: int
    case_number: str
    name: str
    program: str = "TANF"
    status: ClientStatus = ClientStatus.OPEN
    close_pending: bool = False
    exempt_hours: float | None = None
    penalty_start: dt.date | None = None
    needs_childcare: bool = False
    remote: bool = False
    dv_in_home: bool = False
    follow_up_days: int | None = None
    follow_up_permission: bool = False
    plan_review_date: dt.date | None = None
    referral_date: dt.date | None = None
    initial_contact_date: dt.date | None = None
    first_interview_date: dt.date | None = None
    shelter_entry_date: dt.date | None = None
    exit_date: dt.date | None = None
    #: appointments in the snapshot window, by start
    appointments: tuple[ApptSnap, ...] = ()
    #: notes whose contact is in the snapshot window, by contact time (amendments
    #: excluded). The database loader fills them only for clients with a no-show
    #: in the window (the engagement rules are their only reader); kept
    #: appointments carry `noted` instead.
    notes: tuple[NoteSnap, ...] = ()
    #: hours entries of the recent weeks (those the monthly and weekly rules look
    #: at), by week; the loader gives one summed entry per week
    hours: tuple[HoursSnap, ...] = ()
    #: Mondays of the weeks with work-search hours in the work-search window
    #: (None: derive them from `hours`). The loader fills them only for clients
    #: at or over the warning count, the only ones the rule reports.
    work_search_weeks: tuple[dt.date, ...] | None = None
    releases: tuple[ReleaseSnap, ...] = ()
    #: referrals still without an outcome
    open_referrals: tuple[ReferralSnap, ...] = ()
    #: (the loader gives the VI-SPDAT/SPDAT of the current shelter stay only)
    assessments: tuple[AssessmentSnap, ...] = ()
    has_plan: bool = False
    #: newest reviewed (or signed) date over the client's case plans
    plan_reviewed_on: dt.date | None = None
    #: newest contact in which the client was reached: a note or a kept appointment (all history)
    last_contact_at: dt.datetime | None = None
    #: newest good-cause note (all history)
    last_good_cause_at: dt.datetime | None = None
    #: newest home visit of the day's month that reached the client, by its note
    last_home_visit_at: dt.datetime | None = None
    #: HUD HMIS: the client's enrollments (oldest first) and universal data elements
    hmis_enrollments: tuple[HmisEnrollmentSnap, ...] = ()
    hmis_person: HmisPersonSnap | None = None

    def is_active(self, day: dt.date) -> bool:
        """A case still worked on `day`: open, pended or not initialized, not exited."""
        return self.status in ACTIVE_STATUSES and (self.exit_date is None or self.exit_date > day)

    def appointments_on(self, day: dt.date) -> tuple[ApptSnap, ...]:
        return tuple(a for a in self.appointments if a.day == day)

    def has_appointment_on(self, day: dt.date) -> bool:
        """A scheduled or kept appointment that day."""
        return day in self._appointment_days

    @cached_property
    def _appointment_days(self) -> frozenset[dt.date]:
        return frozenset(
            a.day for a in self.appointments if a.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.KEPT)
        )

    def notes_since(self, moment: dt.datetime) -> tuple[NoteSnap, ...]:
        return tuple(n for n in self.notes if n.contact_at >= moment)


@dataclass(frozen=True)
class Snapshot:
    day: dt.date
    clients: tuple[ClientSnap, ...] = ()
    #: manual tasks not done yet
    tasks: tuple[TaskSnap, ...] = ()
    #: unsaved note drafts of any client, oldest first
    drafts: tuple[DraftSnap, ...] = ()
    #: first day covered by `appointments` / `notes` of each client
    window_start: dt.date | None = None
    #: how many clients the caseload has when `clients` holds only some of them
    #: (the incremental due list's caseload-wide part); None: len(clients)
    client_count: int | None = None
    #: closed cases no longer worked on whose HMIS enrollments still owe something (an exit destination,
    #: exit data): only the hmis-* rules look at them, and they are not counted in the caseload
    hmis_only: tuple[ClientSnap, ...] = ()
    by_case: dict[str, ClientSnap] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.by_case:
            self.by_case.update({c.case_number: c for c in self.clients})
