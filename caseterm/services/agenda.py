"""One day at a glance: the day template (001) with the day's appointments placed
in their blocks, the month-phase block (work verification, childcare) and the
due list. `Agenda.to_json()` is the `caseterm agenda --json` contract (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from caseterm.policy import BlockKind, Policy, load_policy
from caseterm.rules.engine import DueItem
from caseterm.services.appointments import AppointmentRow, list_for_day
from caseterm.services.day_template import day_blocks, day_note, phase_blocks
from caseterm.services.due_table import stored_due_items

__all__ = ["Agenda", "AgendaBlock", "build_agenda", "day_blocks", "day_note", "phase_blocks"]


@dataclass(frozen=True)
class AgendaBlock:
    start: dt.time
    end: dt.time
    kind: BlockKind
    title: str
    appointments: tuple[AppointmentRow, ...] = ()

    def contains(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "kind": self.kind.value,
            "title": self.title,
            "appointments": [a.to_json() for a in self.appointments],
        }


@dataclass(frozen=True)
class Agenda:
    date: dt.date
    blocks: tuple[AgendaBlock, ...]
    appointments: tuple[AppointmentRow, ...]
    due: tuple[DueItem, ...]
    #: why the day is special, in words (not a business day, month phase...)
    notes: tuple[str, ...] = field(default=())

    @property
    def loose_appointments(self) -> tuple[AppointmentRow, ...]:
        """Appointments outside every block of the template."""
        placed = {a.id for b in self.blocks for a in b.appointments}
        return tuple(a for a in self.appointments if a.id not in placed)

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "blocks": [b.to_json() for b in self.blocks],
            "appointments": [a.to_json() for a in self.appointments],
            "due": [item.to_json() for item in self.due],
        }


def build_agenda(session: Session, day: dt.date, policy: Policy | None = None) -> Agenda:
    """The agenda of `day`: template blocks, appointments placed, due list."""
    policy = policy or load_policy()
    appointments = list_for_day(session, day)
    blocks = []
    placed: set[int] = set()
    for b in day_blocks(day, policy):
        inside = []
        for appt in appointments:
            if appt.id not in placed and b.start <= appt.start.time() < b.end:
                inside.append(appt)
                placed.add(appt.id)
        blocks.append(AgendaBlock(b.start, b.end, b.kind, b.title, tuple(inside)))
    note = day_note(day, policy)
    notes = [f"{note[0].upper()}{note[1:]}."]
    for b in blocks:
        if b.kind in (BlockKind.WORK_VERIFICATION, BlockKind.CHILDCARE):
            notes.append(f"{b.title} ({b.start:%H:%M}-{b.end:%H:%M}).")
    due = stored_due_items(session, day, policy)  # the stored list (issue 25), current first
    return Agenda(day, tuple(blocks), tuple(appointments), tuple(due), tuple(notes))
