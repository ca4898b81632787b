"""Rules tied to the phase of the month (001, 004): verification, childcare,
closing cases, home visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ClientStatus, ContactMethod, NoteType, Place
from caseterm.policy import DayUnit
from caseterm.rules.calendar import BusinessCalendar, last_of_month, monday_of, month_key, previous_month
from caseterm.rules.common import (
    business_calendar,
    business_deadline,
    enrolled_by,
    enrolled_on,
    fmt_day,
    group_for,
    item,
    kind_label,
)
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.snapshot import ApptSnap, ClientSnap, Snapshot
from caseterm.text import plural


def in_verification_phase(day: dt.date, policy: Any, cal: BusinessCalendar | None = None) -> bool:
    """The first days of the month blocked for Work Activity Verification (001)."""
    phase = policy.month_phase
    if phase.work_verification_day_unit == DayUnit.CALENDAR_DAYS:
        return day.day <= phase.work_verification_days
    cal = cal or business_calendar(policy)
    return cal.in_first_business_days(day, phase.work_verification_days)


def in_childcare_phase(day: dt.date, policy: Any, cal: BusinessCalendar | None = None) -> bool:
    """The last business days of the month blocked for childcare requests (001)."""
    cal = cal or business_calendar(policy)
    return cal.in_last_business_days(day, policy.month_phase.childcare_last_business_days)


def participates(client: ClientSnap, day: dt.date, policy: Any) -> bool:
    """An open case in a program with participation hours (TANF, SNAP E&T...)."""
    return (
        client.status == ClientStatus.OPEN
        and client.is_active(day)
        and policy.applies_to(client.program, policy.participation.programs)
    )


@lru_cache(maxsize=64)
def weeks_of_month(month_first: dt.date) -> tuple[dt.date, ...]:
    """Mondays that fall in the month: the weeks that belong to it."""
    monday = monday_of(month_first)
    if monday < month_first:
        monday += dt.timedelta(days=7)
    weeks = []
    while monday.month == month_first.month and monday.year == month_first.year:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return tuple(weeks)


def missing_weeks(client: ClientSnap, month_first: dt.date, day: dt.date) -> list[dt.date]:
    """Weeks of a month with no hours entered: weeks that ended before `day` and
    did not end before the client was enrolled (first contact or referral)."""
    entered = {h.week for h in client.hours}
    started = enrolled_on(client)
    return [
        w
        for w in weeks_of_month(month_first)
        if w not in entered
        and w + dt.timedelta(days=6) < day
        and (started is None or w + dt.timedelta(days=6) >= started)
    ]


def verification_month(day: dt.date, cal: BusinessCalendar) -> dt.date:
    """First day of the month whose verification runs on `day`: this month from
    its first business day on, else the month before."""
    first_bd = cal.nth_business_day(day.year, day.month, 1)
    if first_bd is not None and day >= first_bd:
        return day.replace(day=1)
    return previous_month(day)


@rule("work-verification")
def work_verification(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """From the month's first business day: verify and enter last month's hours for
    each participating client, deadline the 20th (001; on a non-business day the
    business day before, policy). Cleared when every week of last month (since
    the client's enrollment) has hours entered."""
    cal = business_calendar(policy)
    month = verification_month(day, cal)
    hours_month = previous_month(month)
    # the 20th; on a weekend or holiday, the business day before (policy deadlines.weekend_rule)
    deadline, moved = business_deadline(policy, month.replace(day=policy.monthly.verification_deadline_day))
    moved = f" {moved}" if moved else ""
    phase = in_verification_phase(day, policy, cal)
    for client in snap.clients:
        if not participates(client, day, policy):
            continue
        missing = missing_weeks(client, hours_month, day)
        if not missing:
            continue
        total = len(weeks_of_month(hours_month))
        yield item(
            "work-verification",
            client,
            policy=policy,
            title=(
                f"Verify and enter {hours_month:%B} hours: {client.name} "
                f"({len(missing)} of {total} weeks missing; deadline {fmt_day(deadline)}{moved})"
            ),
            why=(
                "Work Activity Verification in the first days of the month: obtain paystubs, call the "
                "employer, gather timesheets and enter all hours, even if exempt or in penalty; enter "
                "work activities by the 20th (001)."
            ),
            source="001",
            due=deadline,
            day=day,
            priority=Priority.IMPORTANT if phase and day <= deadline else Priority.URGENT_IMPORTANT,
            group=RoutineGroup.DEADLINES,
            occurrence=month_key(hours_month),
            target={"screen": "hours", "month": month_key(hours_month), "week": missing[0].isoformat()},
        )


@rule("childcare")
def childcare(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Last 5 business days of the month: issue childcare requests for clients who
    need child care (001). A month's request not marked done stays on the list,
    overdue, through the following month, for clients enrolled by that month's end."""
    cal = business_calendar(policy)
    n = policy.month_phase.childcare_last_business_days
    window = cal.last_business_days(day.year, day.month, n)
    if window and day >= window[0]:
        month, due, overdue = day.replace(day=1), window[-1], day > window[-1]
    else:
        month = previous_month(day)
        last = cal.last_business_days(month.year, month.month, n)
        due, overdue = last[-1], True
    for client in snap.clients:
        if not client.needs_childcare or not client.is_active(day) or client.status != ClientStatus.OPEN:
            continue
        if not enrolled_by(client, last_of_month(month)):
            continue  # first contact or referral after that month: nothing owed for it
        yield item(
            "childcare",
            client,
            policy=policy,
            title=f"Issue the childcare request: {client.name} ({month:%B} end-of-month requests)",
            why="Toward the end of the month, block a few hours to issue childcare requests (001).",
            source="001",
            due=due,
            day=day,
            priority=Priority.URGENT_IMPORTANT if overdue or day == due else Priority.IMPORTANT,
            group=RoutineGroup.DEADLINES,
            occurrence=month_key(month),
            target={"screen": "client", "tab": "profile"},
            overdue=overdue,
        )


@rule("close-case")
def close_case(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """A case marked to close: close it after the 20th, once last month's
    activities are entered (001). Shown from the day it is marked; due the
    first business day after the 20th. Cleared when the case is closed."""
    cal = business_calendar(policy)
    after = policy.monthly.close_after_day
    threshold = day.replace(day=after)
    close_on = cal.next_business_day(threshold + dt.timedelta(days=1))
    last_month = previous_month(day)
    for client in snap.clients:
        if not client.close_pending or client.status in (ClientStatus.CLOSED, ClientStatus.DENIED):
            continue
        missing = (
            missing_weeks(client, last_month, day) if policy.applies_to(client.program, policy.participation.programs) else []
        )
        first = f"enter {last_month:%B} activities ({plural(len(missing), 'week')} missing), then " if missing else ""
        when = "now" if day >= close_on else f"after {fmt_day(threshold)}"
        yield item(
            "close-case",
            client,
            policy=policy,
            title=f"Close {client.name}'s case: {first}close it {when}",
            why="Closing cases: enter work activities by the 20th of the following month and close the case after the 20th (001).",
            source="001",
            due=close_on,
            day=day,
            priority=Priority.URGENT_IMPORTANT if day >= close_on else Priority.NOT_TIME_LIMITED,
            group=RoutineGroup.DEADLINES,
            occurrence=f"close-{month_key(day)}",
            target={"screen": "client", "tab": "profile"} if not missing else {"screen": "hours", "month": month_key(last_month)},
        )


@rule("home-visits")
def home_visits(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """First business day of the month: schedule this month's home visits (004);
    never for a client flagged for domestic violence in the home. A client
    enrolled during the month owes it from their enrollment. Cleared by a home
    visit (kind home visit, or place home) booked or held in the month, or a
    home-visit note of the month that reached the client."""
    cal = business_calendar(policy)
    first_bd = cal.nth_business_day(day.year, day.month, 1)
    if first_bd is None or day < first_bd:
        return
    for client in snap.clients:
        # 004: no home visits where domestic violence is reported; never suggest one
        if client.dv_in_home or client.status != ClientStatus.OPEN or not client.is_active(day):
            continue
        if not policy.applies_to(client.program, policy.home_visits.programs):
            continue
        started = enrolled_on(client)
        if started is not None and started > day:
            continue
        booked = any(
            is_home_visit(a)
            and a.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED)
            and (a.start.year, a.start.month) == (day.year, day.month)
            for a in client.appointments
        )
        # A home visit that happened is the month's home visit, booked or not (23.3):
        # a home-visit note (or one by the home-visit method) that reached the client.
        visits = [n.contact_at for n in client.notes
                  if (n.type == NoteType.HOME_VISIT or n.method == ContactMethod.HOME_VISIT) and n.reached]
        if client.last_home_visit_at is not None:
            visits.append(client.last_home_visit_at)
        held = any((at.year, at.month) == (day.year, day.month) and at.date() <= day for at in visits)
        if booked or held:
            continue
        # enrolled during the month: due from enrollment, not from before it
        due = max(first_bd, cal.next_business_day(started)) if started is not None else first_bd
        yield item(
            "home-visits",
            client,
            policy=policy,
            title=f"Schedule {client.name}'s {day:%B} home visit",
            why=(
                "Schedule all home visits for the month at the beginning of each month, at a time convenient "
                "for the client; no home visits where domestic violence is reported (004)."
            ),
            source="004",
            due=due,
            day=day,
            priority=Priority.URGENT_IMPORTANT if day > due else Priority.IMPORTANT,
            # Booking a visit is desk work, not something for today's interview (issue 13).
            group=RoutineGroup.DEADLINES,
            occurrence=month_key(day),
            target={"screen": "schedule", "kind": AppointmentKind.HOME_VISIT.value},
        )


def is_home_visit(appt: ApptSnap) -> bool:
    """A meeting in the client's home: kind home visit, or place home (004)."""
    return appt.kind == AppointmentKind.HOME_VISIT or appt.place == Place.HOME


@rule("dv-home-visit")
def dv_home_visit(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Every scheduled home visit (kind home visit, or place home) from `day` on
    of a client flagged for domestic violence in the home: move it to the
    office (004: "Home visits should not take place if there is a report of
    domestic violence in the home. Instead, schedule the meeting in your
    office."). Due at once; cleared when the visit is moved (kind and place no
    longer home), cancelled or rescheduled, or the flag is cleared."""
    for client in snap.clients:
        if not client.dv_in_home:
            continue
        for appt in client.appointments:
            if appt.status != AppointmentStatus.SCHEDULED or appt.day < day or not is_home_visit(appt):
                continue
            what = "home visit" if appt.kind == AppointmentKind.HOME_VISIT else f"{kind_label(appt.kind)} at home"
            yield item(
                "dv-home-visit",
                client,
                policy=policy,
                title=f"Move {client.name}'s {what} of {fmt_day(appt.day)} to the office",
                why=(
                    "Home visits should not take place if there is a report of domestic violence in the home. "
                    "Instead, schedule the meeting in your office (004)."
                ),
                source="004",
                due=day,
                day=day,
                priority=Priority.URGENT_IMPORTANT,
                group=RoutineGroup.MORNING,
                occurrence=f"appt{appt.id}",
                # the client file's appointments, where the visit is edited (the schedule shows one day)
                target={"screen": "client", "tab": "appointments", "appointment_id": appt.id},
            )
