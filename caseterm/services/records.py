"""A client's other records, added and edited from the client file.

Appointments, assessments, releases of information and referrals. Each write
validates first and raises BadInput naming every bad field, so nothing is
half-written; the caller's session is one transaction.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Appointment, Assessment, Client, Referral, Release
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, AssessmentKind, Place

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=SQLModel)


class Errors:
    """Collects bad fields so one message names them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, name: str, problem: str) -> None:
        self.items.append(f"{name}: {problem}")

    def raise_if_any(self) -> None:
        if self.items:
            raise BadInput(*self.items)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(errors: Errors, name: str, value: Any, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if _blank(value):
        if required:
            errors.add(name, "required (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(name, f"{value!r} is not a valid date (YYYY-MM-DD)")
        return None


def parse_datetime(errors: Errors, name: str, value: Any, required: bool = False) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if _blank(value):
        if required:
            errors.add(name, "required (YYYY-MM-DD HH:MM)")
        return None
    try:
        return dt.datetime.strptime(str(value).strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        errors.add(name, f"{value!r} is not a valid date and time (YYYY-MM-DD HH:MM)")
        return None


def parse_int(errors: Errors, name: str, value: Any, lo: int | None = None, hi: int | None = None, required: bool = False) -> int | None:
    if isinstance(value, bool):
        value = int(value)
    if _blank(value):
        if required:
            errors.add(name, "required (a whole number)")
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(name, f"{value!r} is not a whole number")
        return None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        errors.add(name, f"must be between {lo} and {hi}")
        return None
    return number


def parse_float(errors: Errors, name: str, value: Any, lo: float | None = None, hi: float | None = None, required: bool = False) -> float | None:
    if _blank(value):
        if required:
            errors.add(name, "required (a number)")
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        errors.add(name, f"{value!r} is not a number")
        return None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        errors.add(name, f"must be between {lo:g} and {hi:g}")
        return None
    return number


def parse_enum(errors: Errors, name: str, value: Any, enum: type[E], required: bool = False) -> E | None:
    if isinstance(value, enum):
        return value
    if _blank(value):
        if required:
            errors.add(name, "required (" + ", ".join(m.value for m in enum) + ")")
        return None
    try:
        return enum(str(value).strip())
    except ValueError:
        errors.add(name, f"{value!r} is not one of " + ", ".join(m.value for m in enum))
        return None


def parse_text(errors: Errors, name: str, value: Any, required: bool = False, max_len: int = 500) -> str | None:
    if _blank(value):
        if required:
            errors.add(name, "required")
        return None
    text = str(value).strip()
    if len(text) > max_len:
        errors.add(name, f"longer than {max_len} characters")
        return None
    return text


def _owned(session: Session, model: type[M], record_id: int, client: Client, what: str) -> M:
    record = session.get(model, record_id)
    if record is None or getattr(record, "client_id", None) != client.id:
        raise BadInput(f"{what} {record_id}: not found for case {client.case_number}")
    return record


#: Record kinds the client file edits, by the name its tables use.
KINDS: dict[str, type[SQLModel]] = {
    "appointment": Appointment,
    "assessment": Assessment,
    "release": Release,
    "referral": Referral,
}


def get_record(session: Session, client: Client, kind: str, record_id: int) -> Any:
    """One of this client's records by kind and id (BadInput if it is not theirs)."""
    if kind == "hours":
        from caseterm.models import HoursEntry

        return _owned(session, HoursEntry, record_id, client, "hours entry")
    return _owned(session, KINDS[kind], record_id, client, kind)


# --------------------------------------------------------------------------
# The edit form's version check: two workers (or two windows) editing one record
# --------------------------------------------------------------------------


def _model_of(kind: str) -> type[SQLModel]:
    from caseterm.models import CasePlan, Goal, HoursEntry, Objective, PlanTask

    plan_kinds: dict[str, type[SQLModel]] = {
        "hours": HoursEntry, "case plan": CasePlan, "goal": Goal, "objective": Objective, "task": PlanTask,
    }
    return plan_kinds.get(kind) or KINDS[kind]


def stamp_of(record: Any) -> dict[str, Any]:
    """The record's stored values as a form opened it (what the version check compares)."""
    return {column.key: getattr(record, column.key) for column in type(record).__table__.columns}


def check_unchanged(session: Session, kind: str, record_id: int, opened: dict[str, Any]) -> None:
    """Refuse to save over a record changed since the form opened it: BadInput saying who
    changed it and when. `opened` then becomes what is stored now, so saving again replaces it."""
    current = session.get(_model_of(kind), record_id)
    if current is None:
        raise BadInput(f"{kind} {record_id}: deleted since the form was opened; nothing was saved")
    session.refresh(current)  # what the database holds now, not what this session remembers
    now = stamp_of(current)
    if now == opened:
        return
    opened.clear()
    opened.update(now)
    what = "hours entry" if kind == "hours" else kind
    # The case plan's tables carry no stamp (0006 gave it to the record tabs): "someone".
    who = getattr(current, "changed_by", None) or "someone"
    changed_at = getattr(current, "changed_at", None)
    when = f" at {changed_at:%H:%M on %b %d}" if changed_at else ""
    raise BadInput(f"Not saved: {who} changed this {what}{when}, after you opened it. Your values are still "
                   "in the form: compare them with the record, then save again to replace it.")


def mark_changed(session: Session, record: Any) -> None:
    """Stamp who saved the record from a form, and when (agency mode: the login)."""
    from caseterm.services.workers import current_login

    record.changed_by = current_login(session)
    record.changed_at = clock.now().replace(microsecond=0)
    session.add(record)
    session.flush()


def _save(session: Session, record: M) -> M:
    session.add(record)
    session.flush()
    return record


# --------------------------------------------------------------------------
# Appointments
# --------------------------------------------------------------------------


def list_appointments(session: Session, client: Client) -> list[Appointment]:
    """Newest first: what is coming, then what happened."""
    query = select(Appointment).where(Appointment.client_id == client.id).order_by(col(Appointment.start).desc())
    return list(session.exec(query).all())


def save_appointment(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> Appointment:
    """Add (record_id None) or edit an appointment. Keys: start, minutes, kind, place, status."""
    errors = Errors()
    start = parse_datetime(errors, "start", values.get("start"), required=True)
    minutes = parse_int(errors, "minutes", values.get("minutes"), lo=5, hi=600, required=True)
    kind = parse_enum(errors, "kind", values.get("kind"), AppointmentKind, required=True)
    place = parse_enum(errors, "place", values.get("place"), Place, required=True)
    status = parse_enum(errors, "status", values.get("status") or AppointmentStatus.SCHEDULED.value, AppointmentStatus)
    errors.raise_if_any()
    assert client.id is not None
    from caseterm.services.appointments import check_home_visit_safety

    before = _owned(session, Appointment, record_id, client, "appointment") if record_id else None
    check_home_visit_safety(client, kind, place, status or AppointmentStatus.SCHEDULED, before=before)
    appt = before if before is not None else Appointment(client_id=client.id, start=start)
    appt.start, appt.minutes, appt.kind, appt.place = start, minutes, kind, place  # type: ignore[assignment]
    appt.status = status or AppointmentStatus.SCHEDULED
    if "reminder_called" in values:
        appt.reminder_called = bool(values["reminder_called"])
    saved = _save(session, appt)
    from caseterm.services.appointments import record_consequences

    record_consequences(session, saved)
    return saved


def get_appointment(session: Session, appointment_id: int) -> Appointment | None:
    return session.get(Appointment, appointment_id)


# --------------------------------------------------------------------------
# Assessments
# --------------------------------------------------------------------------


def list_assessments(session: Session, client: Client) -> list[Assessment]:
    query = select(Assessment).where(Assessment.client_id == client.id).order_by(col(Assessment.date).desc())
    return list(session.exec(query).all())


def save_assessment(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> Assessment:
    """Keys: kind, date, score."""
    errors = Errors()
    kind = parse_enum(errors, "kind", values.get("kind"), AssessmentKind, required=True)
    date = parse_date(errors, "date", values.get("date"), required=True)
    score = parse_int(errors, "score", values.get("score"), lo=0, hi=1000)
    if date is not None and date > clock.today():
        errors.add("date", "an assessment cannot be dated in the future")
    errors.raise_if_any()
    assert client.id is not None and kind is not None and date is not None
    record = _owned(session, Assessment, record_id, client, "assessment") if record_id else Assessment(client_id=client.id, kind=kind, date=date)
    record.kind, record.date, record.score = kind, date, score
    return _save(session, record)


# --------------------------------------------------------------------------
# Releases of information
# --------------------------------------------------------------------------


def list_releases(session: Session, client: Client) -> list[Release]:
    query = select(Release).where(Release.client_id == client.id).order_by(col(Release.expires_on).desc())
    return list(session.exec(query).all())


def save_release(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> Release:
    """Keys: party, signed_on, expires_on."""
    errors = Errors()
    party = parse_text(errors, "party", values.get("party"), required=True, max_len=200)
    signed = parse_date(errors, "signed on", values.get("signed_on"))
    expires = parse_date(errors, "expires on", values.get("expires_on"))
    if signed and expires and expires < signed:
        errors.add("expires on", "is before the date it was signed")
    if signed and signed > clock.today():
        errors.add("signed on", "cannot be in the future")
    errors.raise_if_any()
    assert client.id is not None and party is not None
    record = _owned(session, Release, record_id, client, "release") if record_id else Release(client_id=client.id, party=party)
    record.party, record.signed_on, record.expires_on = party, signed, expires
    return _save(session, record)


# --------------------------------------------------------------------------
# Referrals
# --------------------------------------------------------------------------


def list_referrals(session: Session, client: Client) -> list[Referral]:
    query = select(Referral).where(Referral.client_id == client.id).order_by(col(Referral.referred_on).desc())
    return list(session.exec(query).all())


def save_referral(session: Session, client: Client, values: dict[str, Any], record_id: int | None = None) -> Referral:
    """Keys: agency, service, referred_on, outcome."""
    errors = Errors()
    agency = parse_text(errors, "agency", values.get("agency"), required=True, max_len=200)
    service = parse_text(errors, "service", values.get("service"), max_len=200) or ""
    referred = parse_date(errors, "referred on", values.get("referred_on"), required=True)
    outcome = parse_text(errors, "outcome", values.get("outcome"), max_len=500)
    if referred and referred > clock.today():
        errors.add("referred on", "cannot be in the future")
    errors.raise_if_any()
    assert client.id is not None and agency is not None and referred is not None
    record = _owned(session, Referral, record_id, client, "referral") if record_id else Referral(client_id=client.id, agency=agency, referred_on=referred)
    record.agency, record.service, record.referred_on, record.outcome = agency, service, referred, outcome
    return _save(session, record)
