"""Caseload-wide items: the Monday caseload list (001) and manual tasks (004)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from caseterm.rules.calendar import monday_of
from caseterm.rules.common import business_calendar, counted_due, fmt_day, item
from caseterm.rules.engine import DueItem, Priority, RoutineGroup, rule
from caseterm.rules.snapshot import Snapshot
from caseterm.text import plural


def caseload_print_day(day: dt.date, policy: Any) -> dt.date:
    """This week's caseload-list day: the policy's weekday, or the next business
    day when that is a holiday."""
    cal = business_calendar(policy)
    planned = monday_of(day) + dt.timedelta(days=policy.caseload.print_weekday.number)
    return cal.next_business_day(planned)


def caseload_print_key(day: dt.date, policy: Any) -> str:
    """The DueItem key of this week's caseload-print item (an export can mark it done)."""
    planned = monday_of(day) + dt.timedelta(days=policy.caseload.print_weekday.number)
    return f"caseload-print|-|week-{planned.isoformat()}"


@rule("caseload-print")
def caseload_print(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """On Mondays: print or export the caseload list and check every client is yours
    and none is missing (001). Stays on the list for the week until marked done."""
    due = caseload_print_day(day, policy)
    if day < due or monday_of(due) != monday_of(day):
        return
    planned = monday_of(day) + dt.timedelta(days=policy.caseload.print_weekday.number)
    yield item(
        "caseload-print",
        None,
        policy=policy,
        title=f"Print or export the caseload list ({plural(len(snap.clients) if snap.client_count is None else snap.client_count, 'client')}): check all are yours and none is missing",
        why="On Mondays, print out the caseload list; use it to ensure all of the clients are yours and none are missing (001).",
        source="001",
        due=due,
        day=day,
        priority=Priority.IMPORTANT,
        group=RoutineGroup.MORNING,
        occurrence=f"week-{planned.isoformat()}",
        target={"screen": "caseload", "action": "export"},
    )


@rule("manual")
def manual(snap: Snapshot, policy: Any, day: dt.date) -> Iterator[DueItem]:
    """Tasks the user added, from their due date on, with their own priority (004)."""
    for task in snap.tasks:
        due = counted_due(policy, task.due)
        if task.done or due > day:
            continue  # a task for a Saturday is listed, and due, the business day before
        client = snap.by_case.get(task.case_number) if task.case_number else None
        who = f" ({client.name})" if client is not None else ""
        found = item(
            "manual",
            client,
            policy=policy,
            title=f"{task.title}{who}" + (f" — since {fmt_day(due)}" if due < day else ""),
            why="A task you added: plan each day putting the most important tasks on top (004 time management).",
            source="004",
            due=task.due,
            day=day,
            priority=Priority(min(max(int(task.priority), 1), 3)),
            group=RoutineGroup.DEADLINES,
            occurrence=f"task{task.id}",
            target={"screen": "tasks", "task_id": task.id},
        )
        if client is None and task.case_number:
            found = replace(found, case_number=task.case_number, target={**found.target, "case_number": task.case_number})
        yield found
