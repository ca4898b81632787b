"""What a due item is, and the one registry where each rule is found by its id.

Rules are pure: a caseload snapshot, the policy and a date in; `DueItem`s out.
No database, no clock, no I/O in here or in any rule module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class RoutineGroup(StrEnum):
    """The day's routine (DOMAIN.md): the sidebar shows groups in this order."""

    MORNING = "morning routine"
    INTERVIEWS = "today's interviews"
    NOTES = "notes to finish"
    DEADLINES = "deadlines"

    @property
    def order(self) -> int:
        return _GROUP_ORDER[self]


_GROUP_ORDER: dict[RoutineGroup, int] = {g: i for i, g in enumerate(RoutineGroup)}


_LAST = dt.datetime.max


class Priority(IntEnum):
    """004's time-management criteria."""

    URGENT_IMPORTANT = 1
    IMPORTANT = 2
    NOT_TIME_LIMITED = 3


@dataclass(frozen=True, slots=True)  # slots: ~15,000 of them at 10,000 clients, each without a __dict__
class DueItem:
    rule: str
    case_number: str | None
    title: str
    why: str
    source: str
    due: dt.date
    overdue: bool
    priority: Priority
    group: RoutineGroup
    #: What distinguishes this occurrence from the next one of the same rule
    #: for the same client (an appointment id, a month, a due date...).
    occurrence: str = ""
    #: Where the item is done: e.g. {"screen": "note", "appointment_id": 12}.
    target: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: The appointment the item belongs to today (a reminder call, an item for a
    #: client seen today): the morning and interview groups run in this order.
    at: dt.datetime | None = field(default=None, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Stable id of this occurrence: what a snooze or dismissal is stored under."""
        return f"{self.rule}|{self.case_number or '-'}|{self.occurrence or self.due.isoformat()}"

    def sort_key(self) -> tuple:
        """Routine order; today's interviews by appointment time; then overdue
        first, priority, date, and appointment time before the case number."""
        at = self.at or _LAST
        first = at if self.group is RoutineGroup.INTERVIEWS else _LAST
        safety = self.rule not in SAFETY_RULES  # a client's safety comes before the rest of its group
        return (self.group.order, safety, first, not self.overdue, int(self.priority), self.due, at, self.case_number or "")

    def to_json(self) -> dict[str, Any]:
        """The shape DESIGN.md gives for `caseterm agenda --json`."""
        return {
            "rule": self.rule,
            "case_number": self.case_number,
            "title": self.title,
            "due": self.due.isoformat(),
            "overdue": self.overdue,
            "priority": int(self.priority),
            "group": self.group.value,
            "source": self.source,
        }


#: A rule: (snapshot, policy, day) -> items. The snapshot and policy types
#: are defined in `caseterm.rules.snapshot` and `caseterm.policy`.
Rule = Callable[[Any, Any, dt.date], Iterable[DueItem]]

RULES: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    """Register a rule function under its DOMAIN.md id."""

    def register(fn: Rule) -> Rule:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = fn
        return fn

    return register


#: Rules about a client's physical safety (004): first in their routine group, whatever the time.
SAFETY_RULES = frozenset({"dv-home-visit"})


#: Rules whose items belong to the caseload as a whole, not to one client: they
#: read the whole snapshot (the caseload count). Every other rule yields, for
#: each client, items computed from that client's snapshot alone (its record,
#: its manual tasks and drafts), so the due list can be kept per client and one
#: client's change recomputes that client only (`services.due.DueCache`; a
#: property test holds the two ways equal).
CASELOAD_WIDE_RULES = frozenset({"caseload-print"})


def client_rule_ids() -> tuple[str, ...]:
    """The ids of the per-client rules, in registry order."""
    return tuple(rid for rid in load_rules() if rid not in CASELOAD_WIDE_RULES)


def sort_items(items: Iterable[DueItem]) -> list[DueItem]:
    return sorted(items, key=DueItem.sort_key)


def split_due(items: Iterable[DueItem], day: dt.date) -> tuple[list[DueItem], list[DueItem]]:
    """(due on `day` or overdue, coming up by date): a "due today" count counts only the first.

    Some rules show an item ahead of its date (a release about to expire, a case
    to close after a date); those are listed, but not counted as due."""
    now: list[DueItem] = []
    later: list[DueItem] = []
    for item in items:
        (now if item.overdue or item.due <= day else later).append(item)
    later.sort(key=lambda i: (i.due, i.sort_key()))
    return now, later


#: The modules whose @rule functions make up the registry (imported on first use).
RULE_MODULES = (
    "caseterm.rules.contact",
    "caseterm.rules.engagement",
    "caseterm.rules.monthly",
    "caseterm.rules.participation",
    "caseterm.rules.enrollment",
    "caseterm.rules.caseload",
    "caseterm.rules.hmis",
)


def load_rules() -> dict[str, Rule]:
    """Import every rule module so RULES holds every rule id of DOMAIN.md."""
    import importlib

    for name in RULE_MODULES:
        importlib.import_module(name)
    return RULES


def compute_due(snapshot: Any, policy: Any, day: dt.date, only: Iterable[str] | None = None) -> list[DueItem]:
    """Run every rule (or the ids in `only`) and sort: routine group, overdue first, priority, date."""
    rules = load_rules()
    chosen = rules if only is None else {rid: rules[rid] for rid in only}
    items: list[DueItem] = []
    for fn in chosen.values():
        items.extend(fn(snapshot, policy, day))
    return sort_items(items)
