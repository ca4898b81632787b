"""Building caseload snapshots by hand for the rule tests (no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from caseterm.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)
from caseterm.policy import load_policy
from caseterm.rules.engine import DueItem, load_rules
from caseterm.rules.snapshot import ApptSnap, ClientSnap, NoteSnap, Snapshot, TaskSnap

D = dt.date
_ids = iter(range(1, 10**9))


def client(case_number: str = "TA-1", **fields: Any) -> ClientSnap:
    """An open TANF client in good order unless `fields` say otherwise."""
    base = ClientSnap(id=next(_ids), case_number=case_number, name="Mari")
    return replace(base, **fields)


def appt(start: dt.datetime, kind: AppointmentKind = AppointmentKind.FSSP,
         status: AppointmentStatus = AppointmentStatus.SCHEDULED, called: bool = False, minutes: int = 60,
         place: Place = Place.OFFICE) -> ApptSnap:
    return ApptSnap(next(_ids), start, minutes, kind, status, called, place)


def note(at: dt.datetime, type_: NoteType = NoteType.CONTACT, method: ContactMethod | None = ContactMethod.OFFICE,
         outcome: ContactOutcome | None = ContactOutcome.REACHED) -> NoteSnap:
    return NoteSnap(next(_ids), at, type_, method, outcome)


def at(day: dt.date, hhmm: str = "10:00") -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m))


def snap(*clients: ClientSnap, tasks: Iterable[TaskSnap] = (), day: dt.date = D(2026, 11, 2)) -> Snapshot:
    return Snapshot(day=day, clients=tuple(clients), tasks=tuple(tasks))


def with_policy(**sections: dict[str, Any]) -> Any:
    """The shipped policy with some values changed: with_policy(deadlines={"weekend_rule": "after"})."""
    from caseterm.policy import WeekendRule

    policy = load_policy()
    for section, values in sections.items():
        current = getattr(policy, section)
        converted = {k: WeekendRule(v) if k == "weekend_rule" else v for k, v in values.items()}
        policy = replace(policy, **{section: replace(current, **converted)})
    return policy


def run_rule(rule_id: str, snapshot: Snapshot, day: dt.date, policy: Any = None) -> list[DueItem]:
    """Items of one rule, checked for the invariants every item must keep."""
    policy = policy or load_policy()
    items = list(load_rules()[rule_id](snapshot, policy, day))
    for i in items:
        assert i.rule == rule_id
        assert i.title and i.why and i.source
        assert 1 <= int(i.priority) <= 3
        assert i.target.get("screen"), i
        if i.case_number is not None:
            assert i.target.get("case_number") == i.case_number
    return items


def one(rule_id: str, snapshot: Snapshot, day: dt.date, policy: Any = None) -> DueItem | None:
    """The single item of a rule (None when it does not fire)."""
    items = run_rule(rule_id, snapshot, day, policy)
    assert len(items) <= 1, items
    return items[0] if items else None
