"""Small helpers the rule modules share: building items, groups, the calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caseterm.rules.calendar import BusinessCalendar, calendar_for
from caseterm.rules.engine import DueItem, Priority, RoutineGroup
from caseterm.rules.snapshot import ClientSnap, NoteSnap, is_reached

#: The source documents by their number in seeds/ (what `source` names).
DOCS = {
    "000": "000 Due diligence and engagement",
    "001": "001 Case management best practices / A day in the life",
    "003": "003 Engagement and re-engagement transmittal",
    "004": "004 Homeless-services case management standards",
}


def business_calendar(policy: Any) -> BusinessCalendar:
    return calendar_for(tuple(sorted(policy.calendar.closure_days)))


def client_reached(note: NoteSnap) -> bool:
    """Whether a note records reaching the client themself: the one answer every
    rule uses (participation debrief, follow-up, engagement, first interview...).

    A collateral contact (employer, landlord, provider) or a letter never
    reaches the client, whatever its outcome says; see `snapshot.is_reached`
    (the database loader builds its SQL from the same sets)."""
    return is_reached(note.type, note.method, note.outcome)


def enrolled_on(client: ClientSnap) -> dt.date | None:
    """The first day the client was known to the program: the earliest of
    referral, initial contact, first interview and shelter entry (None: unknown).
    A period that ended before it owes nothing (carry-over, DOMAIN.md)."""
    known = [
        d
        for d in (client.referral_date, client.initial_contact_date, client.first_interview_date, client.shelter_entry_date)
        if d is not None
    ]
    return min(known) if known else None


def enrolled_by(client: ClientSnap, last_day_of_period: dt.date) -> bool:
    """The client was enrolled on or before the period's last day (unknown: yes)."""
    start = enrolled_on(client)
    return start is None or start <= last_day_of_period


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def business_deadline(policy: Any, nominal: dt.date, not_before: dt.date | None = None) -> tuple[dt.date, str]:
    """(the date a deadline counts as, the words saying why it moved).

    A deadline on a weekend, holiday or closure day moves to the business day
    before (policy `deadlines.weekend_rule`: before / after / as-is); the words
    are '' when it did not move, else e.g. '(20th is a Sunday)'. Never before
    `not_before` (what started it: a note is not due before its appointment,
    held on a holiday): then the business day after."""
    cal = business_calendar(policy)
    counted, why = cal.moved_deadline(nominal, str(policy.deadlines.weekend_rule))
    if not_before is not None and counted < not_before:
        counted, why = cal.moved_deadline(nominal, "after")
    if counted == nominal:
        return nominal, ""
    which = _ordinal(nominal.day) if (counted.year, counted.month) == (nominal.year, nominal.month) else (
        f"{_MONTHS[nominal.month]} {nominal.day}"
    )
    return counted, f"({which} is {why})"


def counted_due(policy: Any, nominal: dt.date, not_before: dt.date | None = None) -> dt.date:
    """The date a deadline counts as (`business_deadline` without the words):
    what `item` makes of every rule's due date, so no item is due on a weekend,
    holiday or closure day (DOMAIN.md "Carry-over"; policy `deadlines.weekend_rule`)."""
    return business_deadline(policy, nominal, not_before)[0]


def group_for(client: ClientSnap | None, day: dt.date, default: RoutineGroup) -> RoutineGroup:
    """Things to bring up with a client seen today belong to today's interviews."""
    if client is not None and client.has_appointment_on(day):
        return RoutineGroup.INTERVIEWS
    return default


def deadline_priority(day: dt.date, due: dt.date) -> Priority:
    """Due today or late: urgent and important; still ahead: important, not urgent."""
    return Priority.URGENT_IMPORTANT if day >= due else Priority.IMPORTANT


def item(
    rule_id: str,
    client: ClientSnap | None,
    *,
    policy: Any,
    title: str,
    why: str,
    source: str,
    due: dt.date,
    day: dt.date,
    priority: Priority,
    group: RoutineGroup,
    occurrence: str,
    target: dict[str, Any],
    overdue: bool | None = None,
    at: dt.datetime | None = None,
) -> DueItem:
    """A DueItem; overdue by default when `day` is past `due`.

    Every rule's item is made here, and here its due date moves off a weekend,
    holiday or closure day (`counted_due`): a rule that already moved it (to say
    so in its title) is unchanged, one that did not cannot show a Saturday."""
    due = counted_due(policy, due)
    case_number = client.case_number if client is not None else None
    if case_number is not None and "case_number" not in target:
        target["case_number"] = case_number  # rules pass a fresh dict each time
    return DueItem(
        rule=rule_id,
        case_number=case_number,
        title=title,
        why=why,
        source=source,
        due=due,
        overdue=(day > due) if overdue is None else overdue,
        priority=priority,
        group=group,
        occurrence=occurrence,
        target=target,
        at=at if at is not None or group is not RoutineGroup.INTERVIEWS else first_appointment_at(client, day),
    )


def first_appointment_at(client: ClientSnap | None, day: dt.date) -> dt.datetime | None:
    """When the client is seen on `day` (their first scheduled or kept appointment)."""
    if client is None:
        return None
    times = [
        a.start for a in client.appointments
        if a.day == day and str(a.status) in ("scheduled", "kept")
    ]
    return min(times) if times else None


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_day(day: dt.date) -> str:
    """'Mon Nov 2' — how a case manager writes a date on a to-do list (English, like the titles)."""
    return f"{_WEEKDAYS[day.weekday()]} {_MONTHS[day.month]} {day.day}"


def fmt_time(moment: dt.datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def kind_label(kind: str) -> str:
    """An appointment kind in a sentence ("the FSSP", "the appointment" for other)."""
    from caseterm.vocabulary import label

    return "appointment" if str(kind) == "other" else label(kind)
