"""The caseterm/1 JSON export (`caseterm export`), the inverse of the import."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from caseterm.confidential import CONFIDENTIAL_LINE
from caseterm.hmis import interchange as _hmis
from caseterm.models import (
    Appointment,
    Assessment,
    AuditEntry,
    CasePlan,
    Client,
    Goal,
    HoursEntry,
    ManualTask,
    Note,
    Objective,
    PlanTask,
    Referral,
    Release,
)
from caseterm.services.interchange.records import ClientRecord, FORMAT


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def _fmt(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes" if value.second == 0 and not value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _row(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _fmt(getattr(obj, name)) for name in fields}


def _rows(session: Session, table: type) -> list[Any]:
    """Plain rows (attribute access like the models) without building ORM objects: export reads a lot."""
    return list(session.execute(select(table.__table__)).all())


def export_data(session: Session) -> dict[str, Any]:
    """The whole database as a `caseterm/1` document (deterministic order)."""
    clients = list(session.execute(select(Client.__table__).order_by(Client.case_number)).all())
    case_of = {c.id: c.case_number for c in clients}
    client_fields = list(ClientRecord.model_fields)

    def by_case(rows: Iterable[Any], *keys: str) -> list[Any]:
        return sorted(rows, key=lambda r: (case_of.get(r.client_id) or "", *[_sortable(getattr(r, k)) for k in keys]))

    doc: dict[str, Any] = {"format": FORMAT, "notice": CONFIDENTIAL_LINE}
    doc["clients"] = [_row(c, client_fields) for c in clients]
    appointments = by_case(_rows(session, Appointment), "start", "kind")
    doc["appointments"] = [
        {"case_number": case_of[a.client_id],
         **_row(a, ("start", "minutes", "kind", "place", "status", "reminder_called", "reminder_outcome", "uid"))}
        for a in appointments
    ]
    appointment_uid = {a.id: a.uid for a in appointments}
    notes = by_case(_rows(session, Note), "contact_at", "id")
    uid_of = {n.id: n.uid for n in notes}
    doc["notes"] = [
        {
            "case_number": case_of[n.client_id],
            **_row(n, ("contact_at", "written_at", "type", "method", "outcome", "minutes", "author", "text", "uid")),
            "amends": uid_of.get(n.amends_id) if n.amends_id else None,
            "amend_reason": n.amend_reason,
            "appointment": appointment_uid.get(n.appointment_id) if n.appointment_id else None,
            "late_entry": n.late_entry,
        }
        for n in notes
    ]
    doc["case_plans"] = _export_plans(session, case_of)
    doc["assessments"] = [
        {"case_number": case_of[a.client_id], **_row(a, ("kind", "date", "score"))}
        for a in by_case(_rows(session, Assessment), "date", "kind")
    ]
    doc["hours"] = [
        {"case_number": case_of[h.client_id], **_row(h, ("week", "activity", "hours", "verified_by"))}
        for h in by_case(_rows(session, HoursEntry), "week", "activity")
    ]
    doc["releases"] = [
        {"case_number": case_of[r.client_id], **_row(r, ("party", "signed_on", "expires_on"))}
        for r in by_case(_rows(session, Release), "party", "signed_on")
    ]
    doc["referrals"] = [
        {"case_number": case_of[r.client_id], **_row(r, ("agency", "service", "referred_on", "outcome"))}
        for r in by_case(_rows(session, Referral), "referred_on", "agency", "service")
    ]
    tasks = _rows(session, ManualTask)
    doc["tasks"] = [
        {"case_number": case_of.get(t.client_id) if t.client_id else None, **_row(t, ("title", "due", "priority", "done"))}
        for t in sorted(tasks, key=lambda t: (case_of.get(t.client_id) or "", t.due, t.title))
    ]
    doc.update(_hmis.export(session, case_of))
    entries = session.execute(select(AuditEntry.__table__).order_by(AuditEntry.at, AuditEntry.id)).all()
    doc["audit"] = [_row(e, ("at", "user", "action", "case_number", "detail")) for e in entries]
    return doc


def _sortable(value: Any) -> Any:
    return "" if value is None else value


def _export_plans(session: Session, case_of: dict[int | None, str]) -> list[dict[str, Any]]:
    plans = sorted(_rows(session, CasePlan), key=lambda p: (case_of[p.client_id], _sortable(p.reviewed_on), p.id))
    goals = sorted(_rows(session, Goal), key=lambda g: (g.plan_id, g.position, g.id))
    objectives = sorted(_rows(session, Objective), key=lambda o: (o.goal_id, o.position, o.id))
    tasks = sorted(_rows(session, PlanTask), key=lambda t: (t.objective_id, t.position, t.id))
    tasks_of: dict[int | None, list[PlanTask]] = {}
    for task in tasks:
        tasks_of.setdefault(task.objective_id, []).append(task)
    objectives_of: dict[int | None, list[Objective]] = {}
    for objective in objectives:
        objectives_of.setdefault(objective.goal_id, []).append(objective)
    goals_of: dict[int | None, list[Goal]] = {}
    for goal in goals:
        goals_of.setdefault(goal.plan_id, []).append(goal)

    def goal_doc(goal: Goal) -> str | dict[str, Any]:
        objs = objectives_of.get(goal.id, [])
        if not objs:
            return goal.text
        return {
            "text": goal.text,
            "objectives": [
                {"text": o.text, "tasks": [_row(t, ("title", "responsible", "target_date", "status")) for t in tasks_of.get(o.id, [])]}
                for o in objs
            ],
        }

    return [
        {
            "case_number": case_of[p.client_id],
            **_row(p, ("reviewed_on", "signed_on", "services", "supports")),
            "goals": [goal_doc(g) for g in goals_of.get(p.id, [])],
        }
        for p in plans
    ]


def export_json(session: Session) -> str:
    """One record a line: readable, diff-friendly, and fast (json's C encoder per record)."""
    doc = export_data(session)
    lines = ["{"]
    last = len(doc) - 1
    for index, (key, value) in enumerate(doc.items()):
        comma = "," if index < last else ""
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join("    " + json.dumps(record, ensure_ascii=False) for record in value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
