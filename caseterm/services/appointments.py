"""A day's appointments and what happens to them: kept, no-show, cancelled,
rescheduled, reminder call logged. Each write is the caller's one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client
from caseterm.vocabulary import label, AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType, Place

KIND_LABELS = {
    AppointmentKind.EA: "EA",
    AppointmentKind.FSSP: "FSSP",
    AppointmentKind.DEBRIEFING: "debriefing",
    AppointmentKind.INITIAL_INTERVIEW: "initial interview",
    AppointmentKind.HOME_VISIT: "home visit",
    AppointmentKind.CASE_PLAN_REVIEW: "plan review",
    AppointmentKind.RE_ENGAGEMENT_STAFFING: "re-engagement",
    AppointmentKind.CASE_CONFERENCE: "case conference",
    AppointmentKind.OTHER: "appointment",
}

STATUS_LABELS = {
    AppointmentStatus.SCHEDULED: "scheduled",
    AppointmentStatus.KEPT: "kept",
    AppointmentStatus.NO_SHOW: "no-show",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.RESCHEDULED: "rescheduled",
}


@dataclass(frozen=True)
class AppointmentRow:
    id: int
    case_number: str
    name: str
    start: dt.datetime
    minutes: int
    kind: AppointmentKind
    place: Place
    status: AppointmentStatus
    reminder_called: bool
    dv: bool = False
    #: What the reminder call got (reached, left message, ...): None for a call logged without one.
    reminder_outcome: str | None = None
    #: Overlaps another scheduled appointment of the same worker (a double booking).
    clash: bool = False
    #: Over (by the clock) but still "scheduled": its outcome is not recorded yet.
    unrecorded: bool = False

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.minutes)

    @property
    def time_label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(AppointmentKind(self.kind), str(self.kind))

    @property
    def reminder_label(self) -> str:
        """'not called', 'called', or what the call got: a message left is not a client reached."""
        if not self.reminder_called:
            return "not called"
        return f"called: {label(self.reminder_outcome)}" if self.reminder_outcome else "called"

    @property
    def reminder_reached(self) -> bool:
        return self.reminder_called and self.reminder_outcome in (None, ContactOutcome.REACHED.value)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(AppointmentStatus(self.status), str(self.status))

    def to_json(self) -> dict[str, Any]:
        """The appointment as `caseterm agenda --json` gives it (DESIGN.md)."""
        return {
            "case_number": self.case_number,
            "start": self.start.strftime("%Y-%m-%dT%H:%M"),
            "minutes": self.minutes,
            "kind": self.kind.value,
            "status": self.status.value,
        }


def _row(appt: Appointment, client: Client) -> AppointmentRow:
    assert appt.id is not None
    return AppointmentRow(
        id=appt.id,
        case_number=client.case_number,
        name=client.display_name,
        start=appt.start,
        minutes=appt.minutes,
        kind=AppointmentKind(appt.kind),
        place=Place(appt.place),
        status=AppointmentStatus(appt.status),
        reminder_called=appt.reminder_called,
        dv=client.dv_in_home,
        reminder_outcome=appt.reminder_outcome,
    )


# -- safety: no home visits where there is domestic violence in the home (004) --


def is_home_visit(kind: AppointmentKind | str | None, place: Place | str | None) -> bool:
    """A home visit: kind "home visit", or any appointment at the client's home."""
    return kind == AppointmentKind.HOME_VISIT or place == Place.HOME


class HomeVisitRefused(BadInput):
    """A home visit for a client flagged for domestic violence in the home (004).

    `fix`: the form values that book the same meeting at the office instead.
    """

    def __init__(self, client: Client, kind: AppointmentKind | str | None) -> None:
        super().__init__(
            f"place: no home visits for {client.display_name} ({client.case_number}): domestic violence "
            "in the home is reported. \"Instead, schedule the meeting in your office\" (004)."
        )
        self.fix: dict[str, str] = {"place": Place.OFFICE.value}
        if kind == AppointmentKind.HOME_VISIT:
            self.fix["kind"] = AppointmentKind.OTHER.value
        self.fix_label = "Book it at the office instead"


def check_home_visit_safety(
    client: Client,
    kind: AppointmentKind | str | None,
    place: Place | str | None,
    status: AppointmentStatus | str | None = AppointmentStatus.SCHEDULED,
    before: Appointment | None = None,
) -> None:
    """Refuse to book (or edit into) a home visit for a DV-flagged client (004).

    A new appointment at home is refused whatever its status; an existing one
    may be edited only to stop being a scheduled home visit (moved to the
    office, cancelled, recorded as kept or no-show): one booked before the flag
    was set, or imported, is the `dv-home-visit` rule's to show.
    """
    if not client.dv_in_home or not is_home_visit(kind, place):
        return
    if before is not None and is_home_visit(before.kind, before.place) and status != AppointmentStatus.SCHEDULED:
        return
    raise HomeVisitRefused(client, kind)


def list_for_day(session: Session, day: dt.date) -> list[AppointmentRow]:
    """The day's appointments in time order, with the client's name; double bookings marked."""
    start = dt.datetime.combine(day, dt.time.min)
    end = start + dt.timedelta(days=1)
    query = (
        select(Appointment, Client)
        .join(Client, col(Client.id) == Appointment.client_id)
        .where(Appointment.start >= start, Appointment.start < end)
        .order_by(col(Appointment.start), col(Appointment.id))
    )
    pairs = session.exec(query).all()
    clashing = overlapping_ids([(a.id, a.start, a.minutes, a.status, c.worker_id) for a, c in pairs])
    return [replace(_row(appt, client), clash=appt.id in clashing) for appt, client in pairs]


def overlapping_ids(slots: list[tuple[Any, dt.datetime, int, Any, Any]]) -> set[Any]:
    """Ids of scheduled appointments that overlap another scheduled one of the same worker.

    `slots`: (id, start, minutes, status, worker id). A pure function: the schedule marks what it returns."""
    live = sorted((s for s in slots if s[3] == AppointmentStatus.SCHEDULED), key=lambda s: s[1])
    found: set[Any] = set()
    for i, (aid, start, minutes, _, worker) in enumerate(live):
        end = start + dt.timedelta(minutes=minutes)
        for other_id, other_start, _, _, other_worker in live[i + 1:]:
            if other_start >= end:
                break
            if other_worker == worker:
                found.update((aid, other_id))
    return found


def clash_warning(session: Session, appt: Appointment) -> str:
    """'' or the words saying what a just-saved appointment overlaps (the same worker's, still scheduled)."""
    if appt.status != AppointmentStatus.SCHEDULED:
        return ""
    client = session.get(Client, appt.client_id)
    assert client is not None
    end = appt.start + dt.timedelta(minutes=appt.minutes)
    query = (
        select(Appointment, Client)
        .join(Client, col(Client.id) == Appointment.client_id)
        .where(Appointment.id != appt.id, Appointment.status == AppointmentStatus.SCHEDULED,
               Appointment.start < end, Appointment.start >= appt.start - dt.timedelta(days=1))
        .order_by(col(Appointment.start))
    )
    others = [
        f"{other.start:%H:%M} {KIND_LABELS.get(AppointmentKind(other.kind), 'appointment')} ({who.display_name})"
        for other, who in session.exec(query).all()
        if other.start + dt.timedelta(minutes=other.minutes) > appt.start and who.worker_id == client.worker_id
    ]
    if not others:
        return ""
    return f"Booked {appt.start:%a %b %d %H:%M}; it overlaps " + ", ".join(others) + "."


def get_row(session: Session, appointment_id: int) -> AppointmentRow:
    appt = _get(session, appointment_id)
    client = session.get(Client, appt.client_id)
    assert client is not None
    return _row(appt, client)


def _get(session: Session, appointment_id: int) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise BadInput(f"appointment {appointment_id}: no such appointment")
    return appt


def set_status(session: Session, appointment_id: int, status: AppointmentStatus | str) -> Appointment:
    """Mark an appointment kept / no-show / cancelled / rescheduled (or back to scheduled)."""
    try:
        new = AppointmentStatus(status)
    except ValueError:
        raise BadInput(f"status: {status!r} is not one of {', '.join(s.value for s in AppointmentStatus)}") from None
    appt = _get(session, appointment_id)
    if new is AppointmentStatus.SCHEDULED and appt.status is not AppointmentStatus.SCHEDULED:
        client = session.get(Client, appt.client_id)
        assert client is not None
        check_home_visit_safety(client, appt.kind, appt.place)
    if new in (AppointmentStatus.KEPT, AppointmentStatus.NO_SHOW) and appt.start.date() > clock.today():
        raise BadInput(
            f"appointment on {appt.start:%Y-%m-%d}: cannot be marked {STATUS_LABELS[new]} before it happens"
        )
    if new in (AppointmentStatus.KEPT, AppointmentStatus.NO_SHOW) and appt.start > clock.now():
        # Its note could not be saved either: a contact cannot be after the time the note is written.
        raise BadInput(
            f"appointment: starts at {appt.start:%H:%M}; it cannot be marked {STATUS_LABELS[new]} before it starts"
        )
    appt.status = new
    session.add(appt)
    session.flush()
    record_consequences(session, appt)
    return appt


def record_consequences(session: Session, appt: Appointment) -> None:
    """What a kept appointment makes true in the client's record (23.3), whichever path marked it.

    A kept initial interview is the first interview: its date starts the rules that
    follow it (release of information, first case plan, plan reviews). A kept FSSP
    or case-plan review is a review of the client's plan (if there is one): the
    plan's last-reviewed date moves to it, and the case-plan-review item with it;
    the next review date is asked for by the screen that marked it (`plans.review_held`)."""
    if appt.status != AppointmentStatus.KEPT:
        return
    if appt.kind in (AppointmentKind.FSSP, AppointmentKind.CASE_PLAN_REVIEW):
        _plan_reviewed(session, appt)
        return
    if appt.kind != AppointmentKind.INITIAL_INTERVIEW:
        return
    client = session.get(Client, appt.client_id)
    assert client is not None
    if client.first_interview_date is None or client.first_interview_date > appt.start.date():
        client.first_interview_date = appt.start.date()
        session.add(client)
        session.flush()


def _plan_reviewed(session: Session, appt: Appointment) -> None:
    """The client's current plan reviewed on the appointment's day (never moved back;
    no plan is made: a first plan is written, not implied by a meeting)."""
    from caseterm.models import CasePlan

    plan = session.exec(
        select(CasePlan).where(CasePlan.client_id == appt.client_id).order_by(col(CasePlan.id).desc())
    ).first()
    held = appt.start.date()
    if plan is None or (plan.reviewed_on is not None and plan.reviewed_on >= held):
        return
    plan.reviewed_on = held
    session.add(plan)
    session.flush()


#: How a reminder call can go (001: make reminder calls), as contact outcomes.
REMINDER_OUTCOMES: tuple[ContactOutcome, ...] = (
    ContactOutcome.REACHED,
    ContactOutcome.LEFT_MESSAGE,
    ContactOutcome.NO_ANSWER,
    ContactOutcome.WRONG_NUMBER,
)


def log_reminder_call(
    session: Session, appointment_id: int, called: bool = True, outcome: ContactOutcome | str | None = None
) -> Appointment:
    """Record (or undo) the reminder call for an appointment.

    With an `outcome` (reached, left message, no answer, wrong number) the call
    is also a contact attempt: a phone `contact` note linked to the appointment,
    which the contact and engagement rules read like any other. Undo only
    un-marks the appointment: the note of a call that was made stays (notes
    are never deleted).
    """
    appt = _get(session, appointment_id)
    result: ContactOutcome | None = None
    if called and outcome is not None:
        try:
            result = ContactOutcome(outcome)
        except ValueError:
            result = None
        if result not in REMINDER_OUTCOMES:
            raise BadInput(
                f"outcome: {outcome!r} is not one of " + ", ".join(label(o) for o in REMINDER_OUTCOMES)
            )
    appt.reminder_called = called
    appt.reminder_outcome = result.value if result is not None else None
    session.add(appt)
    session.flush()
    if result is not None:
        from caseterm.services import notes

        client = session.get(Client, appt.client_id)
        assert client is not None
        what = KIND_LABELS.get(AppointmentKind(appt.kind), "appointment")
        notes.add_note(
            session,
            client,
            type=NoteType.CONTACT,
            method=ContactMethod.PHONE,
            outcome=result,
            minutes=notes.attempt_minutes(),
            text=f"Reminder call for the {what} of {appt.start:%a %b %d %H:%M}: {label(result)}.",
            appointment_id=appt.id,
        )
    return appt


def reschedule(session: Session, appointment_id: int, new_start: dt.datetime) -> Appointment:
    """Mark the appointment rescheduled and book the same kind/place/length at `new_start`."""
    old = _get(session, appointment_id)
    if new_start.date() < clock.today():
        raise BadInput(f"new time {new_start:%Y-%m-%d %H:%M}: is in the past")
    client = session.get(Client, old.client_id)
    assert client is not None
    check_home_visit_safety(client, old.kind, old.place)
    old.status = AppointmentStatus.RESCHEDULED
    session.add(old)
    new = Appointment(
        client_id=old.client_id,
        start=new_start,
        minutes=old.minutes,
        kind=old.kind,
        place=old.place,
        status=AppointmentStatus.SCHEDULED,
    )
    session.add(new)
    session.flush()
    return new


def parse_new_start(text: str, old_start: dt.datetime, today: dt.date) -> dt.datetime:
    """Read a rescheduled time: "YYYY-MM-DD HH:MM", "YYYY-MM-DD" (same time),
    "+N" (N days later, same time) or "HH:MM" (same day)."""
    text = text.strip()
    if not text:
        raise BadInput("new time: type a date, a time or +days")
    if text.startswith("+") and text[1:].isdigit():
        return old_start + dt.timedelta(days=int(text[1:]))
    parts = text.split()
    if len(parts) == 2:
        day = clock.parse_date(parts[0], "new date")
        time = clock.parse_hhmm(parts[1], "new time")
        return dt.datetime.combine(day, time)
    if ":" in text:
        return dt.datetime.combine(old_start.date(), clock.parse_hhmm(text, "new time"))
    return dt.datetime.combine(clock.parse_date(text, "new date"), old_start.time())


def shift_day(day: dt.date, days: int) -> dt.date:
    """The schedule's previous / next day."""
    return day + dt.timedelta(days=days)


# -- the schedule screen's day --------------------------------------------------


@dataclass
class ScheduleBlock:
    """One block of the day template with its appointments and due items."""

    start: dt.time
    end: dt.time
    kind: str
    title: str
    appointments: list[AppointmentRow]
    due: list = None  # type: ignore[assignment]
    current: bool = False

    def __post_init__(self) -> None:
        if self.due is None:
            self.due = []

    @property
    def time_label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _contains(block_start: dt.time, block_end: dt.time, when: dt.time) -> bool:
    return block_start <= when < block_end


def current_block_index(blocks: list[ScheduleBlock], day: dt.date, now: dt.datetime) -> int | None:
    """The block the clock is in (only when `day` is today)."""
    if now.date() != day:
        return None
    for index, block in enumerate(blocks):
        if _contains(block.start, block.end, now.time()):
            return index
    return None


#: Rules whose work has a month-phase block of its own (001).
PHASE_RULES = {"work-verification": "work_verification", "childcare": "childcare"}


def _block_for_due(blocks: list[ScheduleBlock], item: object, appointment_block: dict[int, int]) -> int | None:
    """Where a due item belongs in the day (001's template):

    reminder calls and the morning list in the morning routine; an interview
    item beside its appointment (else the first interview slot); notes to
    finish in the first notes block; work verification / childcare in their
    month-phase block; other deadlines in the day's last notes block.
    """
    target = getattr(item, "target", None) or {}
    group = getattr(getattr(item, "group", None), "name", "")
    rule = getattr(item, "rule", "")

    def first(kind: str) -> int | None:
        return next((i for i, b in enumerate(blocks) if b.kind == kind), None)

    def last(kind: str) -> int | None:
        return next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i].kind == kind), None)

    if rule in PHASE_RULES and first(PHASE_RULES[rule]) is not None:
        return first(PHASE_RULES[rule])
    if group == "MORNING":
        return first("morning")
    if group == "INTERVIEWS":
        appt = target.get("appointment_id")
        if appt in appointment_block:
            return appointment_block[appt]
        return first("interview")
    if group == "NOTES":
        return first("notes")
    return last("notes")


@dataclass
class DaySchedule:
    day: dt.date
    blocks: list[ScheduleBlock]
    #: "Business day 1 of November", "Not a business day (weekend)", ...
    note: str = ""


def template_blocks(day: dt.date) -> list[ScheduleBlock]:
    """The day template of the policy with the month-phase block laid over it (agenda)."""
    from caseterm.services.day_template import day_blocks

    return [ScheduleBlock(b.start, b.end, str(getattr(b.kind, "value", b.kind)), b.title, []) for b in day_blocks(day)]


def day_schedule(session: Session, day: dt.date, now: dt.datetime, due_items: list | None = None) -> DaySchedule:
    """The day template for `day` with its appointments placed and its due items beside them.

    `due_items`: the due list of `day` when the caller has it already (today's,
    from the app); otherwise it is worked out here. Appointments outside every
    block get a block of their own so nothing is hidden.
    """
    blocks = template_blocks(day)
    loose: list[AppointmentRow] = []
    for row in list_for_day(session, day):
        if row.status is AppointmentStatus.SCHEDULED and row.end <= now:
            row = replace(row, unrecorded=True)
        for block in blocks:
            if _contains(block.start, block.end, row.start.time()):
                block.appointments.append(row)
                break
        else:
            loose.append(row)
    for row in loose:
        blocks.append(ScheduleBlock(row.start.time(), row.end.time(), "other", "Outside the day template", [row]))
    blocks.sort(key=lambda b: (b.start, b.end))
    if due_items is None:
        from caseterm.services.due import due_items as compute_due

        due_items = compute_due(session, day)
    placed = {appt.id: index for index, block in enumerate(blocks) for appt in block.appointments}
    for item in due_items:
        index = _block_for_due(blocks, item, placed)
        if index is not None:
            blocks[index].due.append(item)
    current = current_block_index(blocks, day, now)
    if current is not None:
        blocks[current].current = True
    from caseterm.services.day_template import day_note

    return DaySchedule(day, blocks, day_note(day))
