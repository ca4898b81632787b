"""A day's appointments and what happens to them: kept, no-show, cancelled,
rescheduled, reminder call logged. Each write is the caller's one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Appointment, AppointmentKind, AppointmentStatus, Client, Place

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
    def status_label(self) -> str:
        return STATUS_LABELS.get(AppointmentStatus(self.status), str(self.status))


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
    )


def list_for_day(session: Session, day: dt.date) -> list[AppointmentRow]:
    """The day's appointments in time order, with the client's name."""
    start = dt.datetime.combine(day, dt.time.min)
    end = start + dt.timedelta(days=1)
    query = (
        select(Appointment, Client)
        .join(Client, col(Client.id) == Appointment.client_id)
        .where(Appointment.start >= start, Appointment.start < end)
        .order_by(col(Appointment.start), col(Appointment.id))
    )
    return [_row(appt, client) for appt, client in session.exec(query).all()]


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
    if new in (AppointmentStatus.KEPT, AppointmentStatus.NO_SHOW) and appt.start.date() > clock.today():
        raise BadInput(
            f"appointment on {appt.start:%Y-%m-%d}: cannot be marked {STATUS_LABELS[new]} before it happens"
        )
    appt.status = new
    session.add(appt)
    session.flush()
    return appt


def log_reminder_call(session: Session, appointment_id: int, called: bool = True) -> Appointment:
    """Record (or undo) the reminder call for an appointment."""
    appt = _get(session, appointment_id)
    appt.reminder_called = called
    session.add(appt)
    session.flush()
    return appt


def reschedule(session: Session, appointment_id: int, new_start: dt.datetime) -> Appointment:
    """Mark the appointment rescheduled and book the same kind/place/length at `new_start`."""
    old = _get(session, appointment_id)
    if new_start.date() < clock.today():
        raise BadInput(f"new time {new_start:%Y-%m-%d %H:%M}: is in the past")
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


def _block_for_due(blocks: list[ScheduleBlock], item: object, appointment_block: dict[int, int]) -> int | None:
    """Where a due item belongs in the day: its appointment's block, else by routine group."""
    target = getattr(item, "target", None) or {}
    appt = target.get("appointment_id")
    group = getattr(getattr(item, "group", None), "name", "")
    kinds = {
        "MORNING": ("morning",),
        "INTERVIEWS": ("interview",),
        "NOTES": ("notes",),
        "DEADLINES": ("work_verification", "childcare", "notes"),
    }.get(group, ("notes",))
    if group in ("INTERVIEWS",) and appt in appointment_block:
        return appointment_block[appt]
    for kind in kinds:
        for index, block in enumerate(blocks):
            if block.kind == kind:
                return index
    return None


def day_schedule(session: Session, day: dt.date, now: dt.datetime, due_items: list | None = None) -> list[ScheduleBlock]:
    """The day template for `day` with its appointments placed and its due items beside them.

    Uses the agenda (template + month-phase blocks) and puts each appointment
    in the block its start falls in; appointments outside every block get a
    block of their own so nothing is hidden.
    """
    try:
        from caseterm.services.agenda import build_agenda
    except ImportError:  # the agenda service not installed: the plain template
        from types import SimpleNamespace

        from caseterm.policy import load_policy

        agenda = SimpleNamespace(blocks=load_policy().day.blocks, due=[])
    else:
        agenda = build_agenda(session, day)
    rows = {row.id: row for row in list_for_day(session, day)}
    blocks: list[ScheduleBlock] = []
    for block in agenda.blocks:
        blocks.append(
            ScheduleBlock(
                start=block.start if isinstance(block.start, dt.time) else block.start.time(),
                end=block.end if isinstance(block.end, dt.time) else block.end.time(),
                kind=str(getattr(block.kind, "value", block.kind)),
                title=block.title,
                appointments=[],
            )
        )
    placed: dict[int, int] = {}
    loose: list[AppointmentRow] = []
    for row in rows.values():
        for index, block in enumerate(blocks):
            if _contains(block.start, block.end, row.start.time()):
                block.appointments.append(row)
                placed[row.id] = index
                break
        else:
            loose.append(row)
    for row in loose:
        extra = ScheduleBlock(row.start.time(), row.end.time(), "other", "Outside the day template", [row])
        blocks.append(extra)
    blocks.sort(key=lambda b: (b.start, b.end))
    placed = {appt.id: index for index, block in enumerate(blocks) for appt in block.appointments}
    items = due_items if due_items is not None else list(getattr(agenda, "due", []) or [])
    for item in items:
        index = _block_for_due(blocks, item, placed)
        if index is not None:
            blocks[index].due.append(item)
    current = current_block_index(blocks, day, now)
    if current is not None:
        blocks[current].current = True
    return blocks
