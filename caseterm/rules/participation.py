"""Participation hours (001): the weekly 40 hours and the work-search limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from caseterm.vocabulary import Activity, AppointmentKind, AppointmentStatus
from caseterm.rules.calendar import add_months, monday_of
from caseterm.rules.common import business_calendar, fmt_day, group_for, item
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.monthly import participates
from caseterm.rules.snapshot import Snapshot
from caseterm.text import plural


def _fmt_hours(hours: float) -> str:
    return f"{hours:g}"


@rule("participation")
def participation(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Last week's entered hours below 40 (or the exempt client's allowed hours): debrief (001).

    Only weeks with hours entered count (missing weeks are work-verification's).
    Cleared when the hours reach the requirement, a debriefing is booked or held
    this week, or the client is reached this week.
    """
    cal = business_calendar(policy)
    this_monday = monday_of(day)
    last_week = this_monday - dt.timedelta(days=7)
    # the week's first business day (a Monday holiday: the Tuesday, listed as coming up)
    due = cal.next_business_day(this_monday)
    since = dt.datetime.combine(this_monday, dt.time())
    for client in snap.clients:
        if not participates(client, day, policy):
            continue
        entries = [h for h in client.hours if h.week == last_week]
        if not entries:
            continue
        required = client.exempt_hours if client.exempt_hours is not None else policy.participation.weekly_hours
        total = sum(h.hours for h in entries)
        if total >= required:
            continue
        debriefed = any(
            a.kind == AppointmentKind.DEBRIEFING
            and a.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.KEPT)
            and a.day >= this_monday
            for a in client.appointments
        ) or (client.last_contact_at is not None and client.last_contact_at >= since)
        if debriefed:
            continue
        exempt = " (exempt)" if client.exempt_hours is not None else ""
        yield item(
            "participation",
            client,
            policy=policy,
            title=(
                f"Debrief {client.name}: {_fmt_hours(total)} of {_fmt_hours(required)} hours{exempt} "
                f"the week of {fmt_day(last_week)}"
            ),
            why=(
                f"Participation is based on {_fmt_hours(policy.participation.weekly_hours)} hours a week; "
                "exempt clients participate up to the amount "
                "they are allowed and able. Call clients to debrief and discuss solutions (001)."
            ),
            source="001",
            due=due,
            day=day,
            priority=Priority.IMPORTANT,
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=last_week.isoformat(),
            target={"screen": "hours", "week": last_week.isoformat()},
            overdue=False,
        )


@rule("work-search-limit")
def work_search_limit(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Work-search weeks in the trailing 12 months reach 10 (warn) or 12 (the
    limit for participation rates) (001). Clears when old weeks roll out of the window."""
    p = policy.participation
    window_start = add_months(day, -p.work_search_window_months)
    for client in snap.clients:
        if not participates(client, day, policy):
            continue
        source = (
            client.work_search_weeks
            if client.work_search_weeks is not None
            else [h.week for h in client.hours if h.activity == Activity.WORK_SEARCH and h.hours > 0]
        )
        weeks = sorted({w for w in source if window_start < w <= day})
        count = len(weeks)
        if count >= p.work_search_limit_weeks:
            level, threshold, priority = "limit", p.work_search_limit_weeks, Priority.URGENT_IMPORTANT
            title = (
                f"Work search limit reached: {client.name} has {plural(count, 'work-search week')} in "
                f"{plural(p.work_search_window_months, 'month')}; more no longer count: review the plan"
            )
        elif count >= p.work_search_warn_weeks:
            level, threshold, priority = "warn", p.work_search_warn_weeks, Priority.IMPORTANT
            title = (
                f"Work search nearing the limit: {client.name} has {count} of "
                f"{plural(p.work_search_limit_weeks, 'week')} in {plural(p.work_search_window_months, 'month')}"
            )
        else:
            continue
        crossed = weeks[threshold - 1]
        yield item(
            "work-search-limit",
            client,
            policy=policy,
            title=title,
            why=(
                f"Only {plural(p.work_search_limit_weeks, 'week')} of work search count for participation rates in the "
                f"past {plural(p.work_search_window_months, 'month')}; review what is appropriate for each client (001)."
            ),
            source="001",
            due=crossed,
            day=day,
            priority=priority,
            group=group_for(client, day, RoutineGroup.DEADLINES),
            occurrence=f"{level}-{crossed.isoformat()}",
            target={"screen": "hours"},
            overdue=False,
        )
