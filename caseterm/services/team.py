"""The supervisor's Team screen: each worker's caseload at a glance (agency mode).

Per worker of the team: how many clients, how many due items are overdue,
how many notes were written later than the late-entry threshold (24 h) in the
last N days, and how many clients have had no contact in N days (N: the
policy's follow-up interval, as the caseload's "no recent contact" filter).
What the login may see is the server's business (row-level security): a
supervisor's query returns their team's clients and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from caseterm.errors import BadInput
from caseterm.models import Client, Note, Worker
from caseterm.services import workers
from caseterm.vocabulary import label, WorkerRole


@dataclass(frozen=True)
class TeamRow:
    login: str
    name: str
    role: str
    clients: int
    overdue: int
    late_notes: int
    no_contact: int


@dataclass(frozen=True)
class MemberClient:
    case_number: str
    name: str
    last_contact: dt.date | None
    overdue: int


def team_members(session: Session) -> list[Worker]:
    """Whose caseloads the login oversees: an admin everyone, a supervisor themself and their team.

    Solo mode: the one worker. A case manager has no team (BadInput).
    """
    me = workers.current_worker(session)
    if not workers.is_agency(session):
        return list(session.exec(select(Worker).where(col(Worker.active)).order_by(col(Worker.login))).all()) \
            or [workers.solo_worker(session)]
    if me is None or me.role is WorkerRole.ADMIN:
        return list(session.exec(select(Worker).where(col(Worker.active)).order_by(col(Worker.login))).all())
    if me.role is WorkerRole.SUPERVISOR:
        team = session.exec(select(Worker).where(Worker.supervisor_id == me.id, col(Worker.active))
                            .order_by(col(Worker.login))).all()
        return [me, *team]
    raise BadInput(f"Team: for supervisors and admins; {me.login} is a case manager")


def _worker_of(session: Session) -> dict[str, int | None]:
    solo = None if workers.is_agency(session) else workers.solo_worker(session).id
    rows = session.exec(select(Client.case_number, Client.worker_id)).all()
    return {number: (worker_id if worker_id is not None else solo) for number, worker_id in rows}


def overview(session: Session, day: dt.date) -> tuple[list[TeamRow], int, int]:
    """One row per team member, N (the days of "no contact"), and the late-entry threshold in hours."""
    from caseterm.services.caseload import caseload_rows, follow_up_days, no_recent_contact
    from caseterm.services.due import due_items
    from caseterm.services.notes import late_entry_threshold

    members = team_members(session)
    days = follow_up_days()
    worker_of = _worker_of(session)
    clients: dict[int | None, int] = {}
    for worker_id in worker_of.values():
        clients[worker_id] = clients.get(worker_id, 0) + 1
    overdue: dict[int | None, int] = {}
    for item in due_items(session, day):
        if item.overdue and item.case_number:
            who = worker_of.get(item.case_number)
            overdue[who] = overdue.get(who, 0) + 1
    since = dt.datetime.combine(day - dt.timedelta(days=days), dt.time.min)
    threshold = late_entry_threshold()
    late: dict[str, int] = {}
    for author, contact_at, written_at in session.exec(
            select(Note.author, Note.contact_at, Note.written_at).where(col(Note.contact_at) >= since)).all():
        if written_at - contact_at > threshold:
            late[author] = late.get(author, 0) + 1
    quiet: dict[int | None, int] = {}
    cutoff = day - dt.timedelta(days=days)
    for row in caseload_rows(session, day):
        if no_recent_contact(row, cutoff):
            who = worker_of.get(row.case_number)
            quiet[who] = quiet.get(who, 0) + 1
    rows = [TeamRow(w.login, w.display_name, label(w.role), clients.get(w.id, 0),
                    overdue.get(w.id, 0), late.get(w.login, 0), quiet.get(w.id, 0)) for w in members]
    return rows, days, int(threshold.total_seconds() // 3600)


def member_caseload(session: Session, login: str, day: dt.date) -> list[MemberClient]:
    """One worker's clients (those the login may see), with last contact and overdue items."""
    from caseterm.services.caseload import caseload_rows
    from caseterm.services.due import due_items

    member = workers.get_worker(session, login)
    worker_of = _worker_of(session)
    overdue: dict[str, int] = {}
    for item in due_items(session, day):
        if item.overdue and item.case_number:
            overdue[item.case_number] = overdue.get(item.case_number, 0) + 1
    return [MemberClient(r.case_number, r.name, r.last_contact, overdue.get(r.case_number, 0))
            for r in caseload_rows(session, day) if worker_of.get(r.case_number) == member.id]
