"""The import's writes: a batch at a time, Core statements, only what changed."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection

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
    new_uid,
)
from caseterm.services.interchange import limits
from caseterm.services.interchange.problems import _Errors
from caseterm.services.interchange.records import (
    ALL_LISTS,
    AppointmentRecord,
    AuditRecord,
    CasePlanRecord,
    ClientRecord,
    NoteRecord,
    _Record,
    derived_note_uid,
)
from caseterm.services.notes import is_late_entry


KIND_LABELS = {
    "clients": ("client", "clients"), "appointments": ("appointment", "appointments"), "notes": ("note", "notes"),
    "case_plans": ("case plan", "case plans"), "assessments": ("assessment", "assessments"),
    "hours": ("hours entry", "hours entries"), "releases": ("release", "releases"),
    "referrals": ("referral", "referrals"), "tasks": ("task", "tasks"),
    "audit": ("audit entry", "audit entries"),
    **_hmis.LABELS,
}


@dataclass
class ImportResult:
    """What an import changed: records added and records updated, by list name."""

    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    #: New clients enrolled in their default HMIS project (the file brought no enrollment for them).
    enrolled: int = 0
    #: ... and those left without one (agency mode: no project for their program, and only an admin adds one).
    not_enrolled: int = 0

    @property
    def changed(self) -> bool:
        return bool(+self.added or +self.updated)

    def summary(self) -> str:
        """"2 clients, 14 notes added; 3 clients updated", or "nothing changed"."""
        def part(counts: Counter[str], verb: str) -> str:
            items = [f"{counts[k]} {KIND_LABELS[k][counts[k] != 1]}" for k in ALL_LISTS if counts[k]]
            return f"{', '.join(items)} {verb}" if items else ""

        parts = [p for p in (part(self.added, "added"), part(self.updated, "updated")) if p]
        if self.enrolled:
            parts.append(f"{self.enrolled} new {'client' if self.enrolled == 1 else 'clients'} enrolled in "
                         "the default HMIS project")
        if self.not_enrolled:
            parts.append(f"{self.not_enrolled} not enrolled in HMIS (no project for their program: an admin adds "
                         "one with `caseterm project add`, then `caseterm hmis enroll`)")
        return "; ".join(parts) or "nothing changed"


def _chunks(items: list, size: int = limits.BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]

# --------------------------------------------------------------------------
# The writes: a batch at a time, Core statements, only what changed
# --------------------------------------------------------------------------


def _same(stored: Any, new: Any) -> bool:
    """Equal as stored: enums by value, 20 == 20.0."""
    return _value(stored) == _value(new)


def _changes(record: _Record, row: Any, skip: frozenset[str]) -> dict[str, Any]:
    """The fields the file carries whose value differs from the stored row's."""
    out = {}
    for name in record.model_fields_set - skip:
        value = getattr(record, name)
        if not _same(getattr(row, name), value):
            out[name] = value
    return out


def _update(conn: Connection, table: Any, updates: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = :_id, one executemany per set of changed columns."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for params in updates:
        by_columns[tuple(sorted(params))].append(params)
    for params in by_columns.values():
        conn.execute(update(table).where(table.c.id == bindparam("_id")), params)


class _Writer:
    """Buffers records of one list and writes them a batch at a time."""

    def __init__(self, conn: Connection, where: str, case_ids: dict[str, int], errors: _Errors) -> None:
        self.conn = conn
        self.where = where
        self.case_ids = case_ids
        self.errors = errors
        self.result = ImportResult()
        self.kind: str | None = None
        self.batch: list[tuple[int, Any]] = []
        #: The newest contact time of each client's notes (late-entry flag), filled as needed.
        self.latest: dict[int, dt.datetime | None] = {}
        #: Amendments whose original is not written yet (file order), kept until it is.
        self.waiting: list[tuple[int, NoteRecord, str]] = []
        #: Audit entries: how many of each the database held before the import, and the file has so far.
        self.audit_held: dict[tuple, int] = {}
        self.audit_in_file: Counter[tuple] = Counter()
        #: Clients this import added (each gets an HMIS enrollment when the file brings none).
        self.new_client_ids: list[int] = []

    def add(self, kind: str, index: int, record: Any) -> None:
        if kind != self.kind:
            self.flush()
            self.kind = kind
        self.batch.append((index, record))
        if len(self.batch) >= limits.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch and self.kind in _hmis.MODELS:
            _hmis.write(self, self.kind, self.batch)
        elif self.batch and self.kind is not None:
            getattr(self, f"_write_{self.kind}")(self.batch)
        self.batch = []

    def finish(self) -> None:
        self.flush()
        if self.waiting:
            pending, self.waiting = self.waiting, []
            self._write_note_rows(pending, final=True)

    # -- clients -------------------------------------------------------------
    def _write_clients(self, batch: list[tuple[int, ClientRecord]]) -> None:
        table = Client.__table__
        numbers = [r.case_number for _, r in batch]
        existing = {row.case_number: row for row in self.conn.execute(select(table).where(table.c.case_number.in_(numbers)))}
        new, updates = [], []
        for _, record in batch:
            row = existing.get(record.case_number)
            if row is None:
                new.append(record.model_dump())
                continue
            changes = _changes(record, row, frozenset({"case_number"}))
            if changes:
                updates.append({"_id": row.id, **changes})
        if new:
            for id_, case_number in self.conn.execute(insert(table).returning(table.c.id, table.c.case_number), new):
                self.case_ids[case_number] = id_
                self.new_client_ids.append(id_)
            _count(self.result.added, "clients", len(new))
        _update(self.conn, table, updates)
        _count(self.result.updated, "clients", len(updates))

    # -- audit -----------------------------------------------------------------
    def _audit_user(self) -> str | None:
        """Agency mode: the user the server records for this login's entries (every worker's are
        theirs: migration 0007's trigger), so a re-import matches them; None: the file's (the owner)."""
        if not hasattr(self, "_forced_user"):
            self._forced_user = None
            if self.conn.dialect.name == "postgresql":
                login, role = self.conn.execute(text("SELECT session_user, caseterm_role()")).one()
                self._forced_user = None if role is None else str(login)
        return self._forced_user

    def _write_audit(self, batch: list[tuple[int, AuditRecord]]) -> None:
        """Append the entries the database does not hold yet (as many of each as the file has)."""
        table = AuditEntry.__table__
        forced = self._audit_user()
        keys = [(r.at, forced or r.user, r.action.value, r.case_number, r.detail) for _, r in batch]
        unseen = {key[0] for key in keys if key not in self.audit_held}
        if unseen:
            held: Counter[tuple] = Counter()
            for at_batch in _chunks(sorted(unseen)):
                held.update(tuple(row) for row in self.conn.execute(
                    select(table.c.at, table.c.user, table.c.action, table.c.case_number, table.c.detail)
                    .where(table.c.at.in_(at_batch))))
            for key in keys:
                self.audit_held.setdefault(key, held[key])
        new = []
        for key in keys:
            self.audit_in_file[key] += 1
            if self.audit_in_file[key] > self.audit_held[key]:
                # Imported history is kept apart from the live chain (marked, no hash): a file can
                # carry any date and any user name, so it never vouches for this database's trail.
                new.append({**dict(zip(("at", "user", "action", "case_number", "detail"), key)), "imported": True})
        if new:
            self.conn.execute(insert(table), new)
            _count(self.result.added, "audit", len(new))

    # -- appointments --------------------------------------------------------
    def _write_appointments(self, batch: list[tuple[int, AppointmentRecord]]) -> None:
        table = Appointment.__table__
        uids = [r.uid for _, r in batch if r.uid]
        by_uid = {row.uid: row for row in self.conn.execute(select(table).where(table.c.uid.in_(uids)))} if uids else {}
        plain_clients = {self.case_ids[r.case_number] for _, r in batch if not r.uid}
        by_key = {}
        if plain_clients:
            for row in self.conn.execute(select(table).where(table.c.client_id.in_(plain_clients))):
                by_key.setdefault((row.client_id, row.start, _value(row.kind)), row)
        new, updates = [], []
        for _, record in batch:
            client_id = self.case_ids[record.case_number]
            row = by_uid.get(record.uid) if record.uid else by_key.get((client_id, record.start, record.kind.value))
            if row is None:
                values = record.model_dump(exclude={"case_number", "uid"})
                new.append({**values, "client_id": client_id, "uid": record.uid or new_uid()})
                continue
            changes = _changes(record, row, frozenset({"case_number", "uid"}))
            if row.client_id != client_id:
                changes["client_id"] = client_id
            if changes:
                updates.append({"_id": row.id, **changes})
        if new:
            self.conn.execute(insert(table), new)
            _count(self.result.added, "appointments", len(new))
        _update(self.conn, table, updates)
        _count(self.result.updated, "appointments", len(updates))

    # -- notes ---------------------------------------------------------------
    def _write_notes(self, batch: list[tuple[int, NoteRecord]]) -> None:
        table = Note.__table__
        with_uid = [(i, r, r.uid or derived_note_uid(r.case_number, r)) for i, r in batch]
        stored = {row.uid: row for row in self.conn.execute(
            select(table.c.uid, table.c.text, table.c.contact_at).where(table.c.uid.in_([u for _, _, u in with_uid])))}
        pending = []
        for index, record, uid in with_uid:
            row = stored.get(uid)
            if row is None:
                pending.append((index, record, uid))
            elif row.text != record.text or row.contact_at != record.contact_at:
                self.errors.add(f"{self.where}: $.notes[{index}].uid: note {uid} is already recorded with other "
                                "content; notes are never overwritten (add an amendment)")
        self._write_note_rows(pending)

    def _write_note_rows(self, pending: list[tuple[int, NoteRecord, str]], final: bool = False) -> None:
        """Insert notes whose original (if an amendment) is recorded; the others wait for it."""
        table, appointments = Note.__table__, Appointment.__table__
        while pending:
            amended = {r.amends for _, r, _ in pending if r.amends}
            note_ids = dict(self.conn.execute(select(table.c.uid, table.c.id).where(table.c.uid.in_(amended))).all()) if amended else {}
            ready = [(i, r, u) for i, r, u in pending if r.amends is None or r.amends in note_ids]
            if not ready:
                break
            pending = [(i, r, u) for i, r, u in pending if not (r.amends is None or r.amends in note_ids)]
            linked = {r.appointment for _, r, _ in ready if r.appointment}
            appointment_ids = dict(self.conn.execute(select(appointments.c.uid, appointments.c.id)
                                                     .where(appointments.c.uid.in_(linked))).all()) if linked else {}
            clients = {self.case_ids[r.case_number] for _, r, _ in ready}
            unknown = [c for c in clients if c not in self.latest]
            if unknown:
                self.latest.update(dict.fromkeys(unknown))
                self.latest.update(self.conn.execute(
                    select(table.c.client_id, func.max(table.c.contact_at))
                    .where(table.c.client_id.in_(unknown)).group_by(table.c.client_id)).all())
            rows = []
            for _, record, uid in ready:
                client_id = self.case_ids[record.case_number]
                written = record.written_at or record.contact_at
                late = record.late_entry
                latest = self.latest.get(client_id)
                if late is None:
                    late = is_late_entry(record.contact_at, written, latest)
                self.latest[client_id] = record.contact_at if latest is None else max(latest, record.contact_at)
                rows.append({
                    "uid": uid, "client_id": client_id, "contact_at": record.contact_at, "written_at": written,
                    "type": record.type, "method": record.method, "outcome": record.outcome, "minutes": record.minutes,
                    "author": record.author, "text": record.text, "late_entry": late,
                    "amends_id": note_ids[record.amends] if record.amends else None,
                    "amend_reason": record.amend_reason,
                    "appointment_id": appointment_ids.get(record.appointment) if record.appointment else None,
                })
            self.conn.execute(insert(table), rows)
            _count(self.result.added, "notes", len(rows))
        if not pending:
            return
        if not final:
            self.waiting.extend(pending)  # their originals come later in the file
            return
        for index, record, _ in pending:
            self.errors.add(f"{self.where}: $.notes[{index}].amends: note {record.amends!r} is never recorded "
                            "(amendments form a cycle; an amendment must point at an earlier note)")

    # -- case plans ----------------------------------------------------------
    def _write_case_plans(self, batch: list[tuple[int, CasePlanRecord]]) -> None:
        plans, goals_t, objectives_t, tasks_t = (CasePlan.__table__, Goal.__table__, Objective.__table__,
                                                 PlanTask.__table__)
        clients = {self.case_ids[r.case_number] for _, r in batch}
        existing: dict[tuple, Any] = {}
        for row in self.conn.execute(select(plans).where(plans.c.client_id.in_(clients)).order_by(plans.c.id)):
            existing.setdefault((row.client_id, row.reviewed_on), row)
        trees = _plan_trees(self.conn, [row.id for row in existing.values()])
        replace: list[int] = []
        build: list[tuple[int, list[tuple]]] = []
        new_plans: list[tuple[dict[str, Any], list[tuple]]] = []
        updates = []
        for _, record in batch:
            client_id = self.case_ids[record.case_number]
            tree = _record_tree(record)
            row = existing.get((client_id, record.reviewed_on))
            if row is None:
                values = record.model_dump(include={"reviewed_on", "signed_on", "services", "supports"})
                new_plans.append(({**values, "client_id": client_id}, tree))
                continue
            changes = _changes(record, row, frozenset({"case_number", "reviewed_on", "goals"}))
            goals_differ = "goals" in record.model_fields_set and tree != trees.get(row.id, [])
            if changes:
                updates.append({"_id": row.id, **changes})
            if goals_differ:
                replace.append(row.id)
                build.append((row.id, tree))
            if changes or goals_differ:
                self.result.updated["case_plans"] += 1
        if new_plans:
            ids = self.conn.execute(insert(plans).returning(plans.c.id, sort_by_parameter_order=True),
                                    [values for values, _ in new_plans]).scalars().all()
            build.extend(zip(ids, (tree for _, tree in new_plans)))
            _count(self.result.added, "case_plans", len(new_plans))
        _update(self.conn, plans, updates)
        if replace:
            # Children first: tasks, then objectives, then goals (foreign keys are on).
            goal_ids = select(goals_t.c.id).where(goals_t.c.plan_id.in_(replace))
            objective_ids = select(objectives_t.c.id).where(objectives_t.c.goal_id.in_(goal_ids))
            self.conn.execute(delete(tasks_t).where(tasks_t.c.objective_id.in_(objective_ids)))
            self.conn.execute(delete(objectives_t).where(objectives_t.c.goal_id.in_(goal_ids)))
            self.conn.execute(delete(goals_t).where(goals_t.c.plan_id.in_(replace)))
        _insert_trees(self.conn, build)

    # -- records with a natural key ------------------------------------------
    def _write_keyed(self, kind: str, batch: list[tuple[int, Any]]) -> None:
        table, key_columns = KEYED_TABLES[kind]
        clients = {self.case_ids[r.case_number] for _, r in batch if r.case_number is not None}
        condition = table.c.client_id.in_(clients)
        if any(r.case_number is None for _, r in batch):
            condition = condition | table.c.client_id.is_(None)
        existing: dict[tuple, Any] = {}
        for row in self.conn.execute(select(table).where(condition).order_by(table.c.id)):
            existing.setdefault(tuple(_value(getattr(row, c)) for c in key_columns), row)
        new, updates = [], []
        for _, record in batch:
            client_id = self.case_ids[record.case_number] if record.case_number is not None else None
            values = {"client_id": client_id, **record.model_dump(exclude={"case_number"})}
            key = tuple(_value(values[c]) for c in key_columns)
            row = existing.get(key)
            if row is None:
                new.append(values)
                continue
            changes = _changes(record, row, frozenset({"case_number", *key_columns}))
            if changes:
                updates.append({"_id": row.id, **changes})
        if new:
            self.conn.execute(insert(table), new)
            _count(self.result.added, kind, len(new))
        _update(self.conn, table, updates)
        _count(self.result.updated, kind, len(updates))

    def _write_assessments(self, batch: list) -> None:
        self._write_keyed("assessments", batch)

    def _write_hours(self, batch: list) -> None:
        self._write_keyed("hours", batch)

    def _write_releases(self, batch: list) -> None:
        self._write_keyed("releases", batch)

    def _write_referrals(self, batch: list) -> None:
        self._write_keyed("referrals", batch)

    def _write_tasks(self, batch: list) -> None:
        self._write_keyed("tasks", batch)


#: The tables of NATURAL_KEYS' records, with the columns of that key.
KEYED_TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "assessments": (Assessment.__table__, ("client_id", "kind", "date")),
    "hours": (HoursEntry.__table__, ("client_id", "week", "activity")),
    "releases": (Release.__table__, ("client_id", "party", "signed_on")),
    "referrals": (Referral.__table__, ("client_id", "agency", "service", "referred_on")),
    "tasks": (ManualTask.__table__, ("client_id", "title", "due")),
}


def _count(counter: Counter[str], kind: str, n: int) -> None:
    if n:
        counter[kind] += n


def _value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _record_tree(record: CasePlanRecord) -> list[tuple]:
    """A plan's goals as plain tuples: (text, [(objective, [(title, responsible, target, status)])])."""
    tree = []
    for goal in record.goals:
        if isinstance(goal, str):
            tree.append((goal, []))
            continue
        tree.append((goal.text, [
            (o.text, [(t.title, _value(t.responsible), t.target_date, _value(t.status)) for t in o.tasks])
            for o in goal.objectives
        ]))
    return tree


def _plan_trees(conn: Connection, plan_ids: list[int]) -> dict[int, list[tuple]]:
    """The stored goals of these plans, in the shape of `_record_tree`."""
    if not plan_ids:
        return {}
    goals_t, objectives_t, tasks_t = Goal.__table__, Objective.__table__, PlanTask.__table__
    goals = conn.execute(select(goals_t).where(goals_t.c.plan_id.in_(plan_ids))
                         .order_by(goals_t.c.plan_id, goals_t.c.position, goals_t.c.id)).all()
    goal_ids = [g.id for g in goals]
    objectives = conn.execute(select(objectives_t).where(objectives_t.c.goal_id.in_(goal_ids))
                              .order_by(objectives_t.c.goal_id, objectives_t.c.position, objectives_t.c.id)).all() if goal_ids else []
    objective_ids = [o.id for o in objectives]
    tasks = conn.execute(select(tasks_t).where(tasks_t.c.objective_id.in_(objective_ids))
                         .order_by(tasks_t.c.objective_id, tasks_t.c.position, tasks_t.c.id)).all() if objective_ids else []
    tasks_of: dict[int, list[tuple]] = defaultdict(list)
    for t in tasks:
        tasks_of[t.objective_id].append((t.title, _value(t.responsible), t.target_date, _value(t.status)))
    objectives_of: dict[int, list[tuple]] = defaultdict(list)
    for o in objectives:
        objectives_of[o.goal_id].append((o.text, tasks_of.get(o.id, [])))
    trees: dict[int, list[tuple]] = defaultdict(list)
    for g in goals:
        trees[g.plan_id].append((g.text, objectives_of.get(g.id, [])))
    return trees


def _insert_trees(conn: Connection, build: list[tuple[int, list[tuple]]]) -> None:
    """Insert goals, then objectives, then tasks of these plans (ids back in parameter order)."""
    goals_t, objectives_t, tasks_t = Goal.__table__, Objective.__table__, PlanTask.__table__
    goal_rows, goal_children = [], []
    for plan_id, tree in build:
        for position, (goal_text, objectives) in enumerate(tree):
            goal_rows.append({"plan_id": plan_id, "position": position, "text": goal_text})
            goal_children.append(objectives)
    if not goal_rows:
        return
    goal_ids = conn.execute(insert(goals_t).returning(goals_t.c.id, sort_by_parameter_order=True), goal_rows).scalars().all()
    objective_rows, objective_children = [], []
    for goal_id, objectives in zip(goal_ids, goal_children):
        for position, (objective_text, tasks) in enumerate(objectives):
            objective_rows.append({"goal_id": goal_id, "position": position, "text": objective_text})
            objective_children.append(tasks)
    if not objective_rows:
        return
    objective_ids = conn.execute(insert(objectives_t).returning(objectives_t.c.id, sort_by_parameter_order=True),
                                 objective_rows).scalars().all()
    task_rows = [
        {"objective_id": objective_id, "position": position, "title": title, "responsible": responsible,
         "target_date": target, "status": status}
        for objective_id, tasks in zip(objective_ids, objective_children)
        for position, (title, responsible, target, status) in enumerate(tasks)
    ]
    if task_rows:
        conn.execute(insert(tasks_t), task_rows)
