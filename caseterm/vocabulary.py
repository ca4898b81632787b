"""The closed sets of the interchange format (INTERCHANGE.md), as `StrEnum`s.

Rules, widgets and screens need these words but not the tables, so they live
here, in a module that imports nothing heavy: the first frame of the app and
the pure rules never pay for SQLAlchemy, SQLModel or pydantic.
Values are the snake_case strings of the file format and of the database.
"""

from __future__ import annotations

from enum import StrEnum


class ClientStatus(StrEnum):
    NOT_INITIALIZED = "not_initialized"
    OPEN = "open"
    PENDED = "pended"
    CLOSED = "closed"
    DENIED = "denied"


class StageOfChange(StrEnum):
    PRECONTEMPLATION = "precontemplation"
    CONTEMPLATION = "contemplation"
    PREPARATION = "preparation"
    ACTION = "action"
    MAINTENANCE = "maintenance"


class ExitReason(StrEnum):
    HOUSED = "housed"
    LEFT_VOLUNTARILY = "left_voluntarily"
    LEFT_WITHOUT_NOTICE = "left_without_notice"
    POLICE_COURT = "police_court"
    ASKED_TO_LEAVE = "asked_to_leave"
    OTHER = "other"


class AppointmentKind(StrEnum):
    EA = "ea"
    FSSP = "fssp"
    DEBRIEFING = "debriefing"
    INITIAL_INTERVIEW = "initial_interview"
    HOME_VISIT = "home_visit"
    CASE_PLAN_REVIEW = "case_plan_review"
    RE_ENGAGEMENT_STAFFING = "re_engagement_staffing"
    CASE_CONFERENCE = "case_conference"
    OTHER = "other"


class Place(StrEnum):
    OFFICE = "office"
    HOME = "home"
    NEUTRAL = "neutral"
    PHONE = "phone"


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    KEPT = "kept"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


class NoteType(StrEnum):
    ENGAGEMENT = "engagement"
    CONTACT = "contact"
    HOME_VISIT = "home_visit"
    CASE_PLAN = "case_plan"
    ASSESSMENT = "assessment"
    COLLATERAL = "collateral"
    CASE_CONFERENCE = "case_conference"
    RE_ENGAGEMENT_STAFFING = "re_engagement_staffing"
    GOOD_CAUSE = "good_cause"
    LETTER = "letter"
    #: A supervisor's review of the file (agency mode): the one kind a supervisor may add.
    SUPERVISION = "supervision"
    #: Written when a client moves to another worker (`caseterm assign`).
    TRANSFER = "transfer"


#: Note types that are no contact with the client themself (unless their outcome
#: says the client was reached: a staffing the client attended). The rules and the
#: caseload's "last contact" read the same sets (`rules.snapshot`, `services.reached`).
NOT_CONTACT_TYPES = frozenset(
    {NoteType.COLLATERAL, NoteType.CASE_CONFERENCE, NoteType.RE_ENGAGEMENT_STAFFING, NoteType.LETTER}
)

#: Note types that never reach the client, whatever their outcome: a collateral
#: contact is with someone else (employer, landlord, provider); a letter is a
#: written attempt (its reply is a contact of its own).
NEVER_REACHES_CLIENT = frozenset({NoteType.COLLATERAL, NoteType.LETTER})


class ContactMethod(StrEnum):
    PHONE = "phone"
    TEXT = "text"
    EMAIL = "email"
    LETTER = "letter"
    HOME_VISIT = "home_visit"
    OFFICE = "office"
    OTHER = "other"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    RETURNED_MAIL = "returned_mail"
    WRONG_NUMBER = "wrong_number"


class AssessmentKind(StrEnum):
    VI_SPDAT = "vi_spdat"
    SPDAT = "spdat"
    HUD = "hud"
    FRONT_DOOR = "front_door"


class Activity(StrEnum):
    EMPLOYMENT = "employment"
    WORK_SEARCH = "work_search"
    WORK_EXPERIENCE = "work_experience"
    EDUCATION = "education"
    BARRIER_RESOLUTION = "barrier_resolution"


class VerifiedBy(StrEnum):
    PAYSTUB = "paystub"
    TIMESHEET = "timesheet"
    EMPLOYER_CALL = "employer_call"
    OTHER = "other"


class Responsible(StrEnum):
    """Who carries out a case-plan task (004)."""

    CLIENT = "client"
    CASE_MANAGER = "case_manager"
    PROVIDER = "provider"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class DueAction(StrEnum):
    """What the user did with one occurrence of a due item."""

    DONE = "done"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"
    #: A snooze or dismissal undone: the item is back on the list (the earlier row stays, as history).
    RESTORED = "restored"


class WorkerRole(StrEnum):
    """What a worker may see and do in agency mode (row-level security on PostgreSQL)."""

    CASE_MANAGER = "case_manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class AuditAction(StrEnum):
    """What the audit trail records (HIPAA 164.312(b)): who opened, wrote, printed or exported what."""

    CLIENT_OPENED = "client_opened"
    NOTE_READ = "note_read"
    NOTE_SAVED = "note_saved"
    NOTE_AMENDED = "note_amended"
    LETTER_WRITTEN = "letter_written"
    EXPORT = "export"
    PRINT = "print"
    IMPORT = "import"
    BACKUP = "backup"
    RESTORE = "restore"
    ENCRYPT = "encrypt"
    DECRYPT = "decrypt"
    PASSPHRASE_CHANGED = "passphrase_changed"
    LOCK = "lock"
    UNLOCK = "unlock"
    UNLOCK_FAILED = "unlock_failed"
    ASSIGN = "assign"
    COVER = "cover"
    HMIS_RECORDED = "hmis_recorded"


#: Display names that are not the code with spaces: acronyms and hyphenated terms.
DISPLAY_NAMES: dict[str, str] = {
    "ea": "EA",
    "fssp": "FSSP",
    "vi_spdat": "VI-SPDAT",
    "spdat": "SPDAT",
    "hud": "HUD",
    "re_engagement_staffing": "re-engagement staffing",
    "re_engagement": "re-engagement",
}


def label(value: str | StrEnum) -> str:
    """How a code reads on screen and in print ("vi_spdat" -> "VI-SPDAT", "no_show" -> "no show").

    The one place codes become words: a screen or a message never shows a stored code."""
    code = str(value)
    return DISPLAY_NAMES.get(code, code.replace("_", " "))
