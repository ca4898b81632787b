"""Workers, assignments and coverage (agency mode, DESIGN.md "Agency mode").

Solo mode (SQLite): one worker, made from settings.toml (`user`, `full_name`)
the first time something asks for it; a client with no `worker_id` is theirs,
so nothing changes for a solo user. Agency mode (PostgreSQL): each worker is a
PostgreSQL login, `session_user` says who is at the desk (not `current_user`,
which `SET ROLE` changes), and the server's row-level security (migrations
0006 and 0007) decides what each login sees and writes; a client changes hands
only through the server's `caseterm_assign`. The checks here only give a clear
message before the server would refuse.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Assignment, Client, Coverage, Note, Worker
from caseterm.vocabulary import NoteType, WorkerRole

#: The PostgreSQL group role each worker role is granted (`caseterm team init` makes them).
GROUP_ROLES: dict[WorkerRole, str] = {
    WorkerRole.CASE_MANAGER: "caseterm_case_manager",
    WorkerRole.SUPERVISOR: "caseterm_supervisor",
    WorkerRole.ADMIN: "caseterm_admin",
}

#: A login caseterm accepts: PostgreSQL's unquoted identifiers (lower case), at most 63 bytes.
LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")


def is_agency(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def current_login(session: Session) -> str:
    """The PostgreSQL login (agency), or settings.toml's `user` (solo)."""
    if is_agency(session):
        return str(session.connection().execute(text("SELECT session_user")).scalar_one())
    from caseterm.config import load_settings

    return load_settings().user


def agency_today(session: Session) -> dt.date:
    """The agency's date (its time zone, kept in the database by `team init`): what the policies call
    "today". Solo mode: the clock's."""
    if not is_agency(session):
        return clock.today()
    return session.connection().execute(text("SELECT caseterm_today()")).scalar_one()


#: login -> the worker's name (agency mode: read again with each due-list refresh), for showing authors.
_NAMES: dict[str, str] = {}


def remember_names(session: Session) -> None:
    """Agency mode: keep the workers' names, so a note shows its author's name (`display_author`)."""
    if is_agency(session):
        rows = session.connection().execute(text("SELECT login, full_name FROM worker")).all()
        _NAMES.clear()
        _NAMES.update({login: name.strip() for login, name in rows if name and name.strip()})


def display_author(login: str) -> str:
    """A note's author as shown: who the database says wrote it (the login) by name: the worker
    record's (agency), settings' `full_name` for the solo user; else the login itself."""
    if login in _NAMES:
        return _NAMES[login]
    from caseterm.config import load_settings

    settings = load_settings()
    if login and login == settings.user and settings.full_name.strip():
        return settings.full_name.strip()
    return login


def check_login(login: str, where: str = "LOGIN") -> str:
    if not LOGIN.match(login or ""):
        raise BadInput(f"{where} {login!r}: not a login name (lower-case letters, digits, _ . -; "
                       "starting with a letter or _; at most 63 characters)")
    return login


def find_worker(session: Session, login: str) -> Worker | None:
    return session.exec(select(Worker).where(Worker.login == login)).first()


def get_worker(session: Session, login: str, where: str = "LOGIN") -> Worker:
    """The worker with this login, or BadInput naming the option and the login."""
    worker = find_worker(session, login)
    if worker is None:
        if not is_agency(session) and login == current_login(session):
            return solo_worker(session)
        raise BadInput(f"{where} {login!r}: no such worker (see `caseterm worker list`)")
    return worker


def solo_worker(session: Session) -> Worker:
    """Solo mode's one worker (settings.toml), made the first time it is needed."""
    from caseterm.config import load_settings

    settings = load_settings()
    worker = find_worker(session, settings.user)
    if worker is None:
        worker = Worker(login=settings.user, full_name=settings.full_name.strip(), role=WorkerRole.CASE_MANAGER)
        session.add(worker)
        session.flush()
    return worker


def current_worker(session: Session) -> Worker | None:
    """Who is at the desk: the login's worker (None: a login that is not a worker, such as the owner)."""
    if is_agency(session):
        return find_worker(session, current_login(session))
    return solo_worker(session)


def assigned_worker(session: Session, client: Client) -> Worker | None:
    """The client's worker now; in solo mode an unassigned client is the solo worker's."""
    if client.worker_id is None and client.id is not None and is_agency(session):
        session.refresh(client, ["worker_id"])  # the server assigns a new client to its maker (0006)
    if client.worker_id is not None:
        return session.get(Worker, client.worker_id)
    if is_agency(session):
        return None
    return solo_worker(session)


def assigned_name(session: Session, client: Client) -> str:
    """The client header's "assigned to" (full name, else login; "" when nobody)."""
    worker = assigned_worker(session, client)
    return worker.display_name if worker is not None else ""


def card_name(session: Session, client: Client) -> str | None:
    """Who the client header names: always in agency mode ("nobody" when unassigned); in solo
    mode only a worker other than the solo user (so a solo user's screen stays as it was)."""
    if is_agency(session):
        worker = assigned_worker(session, client)
        return worker.display_name if worker is not None else "nobody"
    if client.worker_id is None:
        return None
    worker = session.get(Worker, client.worker_id)
    from caseterm.config import load_settings

    if worker is None or worker.login == load_settings().user:
        return None
    return worker.display_name


# -- workers ------------------------------------------------------------------------------------


def add_worker(session: Session, login: str, *, name: str, role: WorkerRole | str,
               supervisor: str | None = None, phone: str | None = None) -> Worker:
    """A new worker row (the login role itself: `ensure_login_role`)."""
    check_login(login)
    try:
        role = WorkerRole(role)
    except ValueError:
        raise BadInput(f"--role {role!r}: not a role (case_manager, supervisor or admin)") from None
    if not name.strip():
        raise BadInput("--name: empty; give the worker's full name")
    if find_worker(session, login) is not None:
        raise BadInput(f"LOGIN {login!r}: already a worker (see `caseterm worker list`)")
    boss = None
    if supervisor:
        boss = get_worker(session, supervisor, "--supervisor")
        if boss.role is WorkerRole.CASE_MANAGER:
            raise BadInput(f"--supervisor {supervisor!r}: is a case manager, not a supervisor or an admin")
    worker = Worker(login=login, full_name=name.strip(), role=role, supervisor_id=boss.id if boss else None,
                    phone=phone or None)
    session.add(worker)
    session.flush()
    return worker


@dataclass(frozen=True)
class WorkerRow:
    login: str
    full_name: str
    role: str
    supervisor: str | None
    phone: str | None
    active: bool
    clients: int

    def as_json(self) -> dict:
        return {"login": self.login, "full_name": self.full_name, "role": self.role, "supervisor": self.supervisor,
                "phone": self.phone, "active": self.active, "clients": self.clients}


def list_workers(session: Session) -> list[WorkerRow]:
    """Every worker, by login, with the number of clients assigned to them that this login can see."""
    if not is_agency(session):
        solo_worker(session)
    workers = list(session.exec(select(Worker).order_by(col(Worker.login))).all())
    logins = {w.id: w.login for w in workers}
    counts = dict(session.exec(select(Client.worker_id, func.count()).group_by(Client.worker_id)).all())  # type: ignore[call-overload]
    if not is_agency(session) and None in counts:
        solo = solo_worker(session)
        counts[solo.id] = counts.get(solo.id, 0) + counts.pop(None)
    return [WorkerRow(w.login, w.full_name, w.role.value, logins.get(w.supervisor_id), w.phone, w.active,
                      counts.get(w.id, 0)) for w in workers]


# -- assignment and coverage --------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    case_number: str
    from_login: str | None
    to_login: str


def assign(session: Session, case_numbers: list[str], to: str, reason: str = "", *,
           today: dt.date | None = None) -> list[Transfer]:
    """Move clients to worker `to`: close the current history row, open a new one, add a transfer note.

    Every case number is checked first; any problem is BadInput and nothing changes.
    A client already with `to` is left as it is (no history row, no note).
    """
    from caseterm.services.clients import find_client

    today = today or clock.today()
    target = get_worker(session, to, "--to")
    if not target.active:
        raise BadInput(f"--to {to!r}: is no longer active")
    _may_assign(session, target)
    errors: list[str] = []
    clients: list[Client] = []
    for number in dict.fromkeys(case_numbers):
        client = find_client(session, number)
        if client is None:
            errors.append(f"CASE {number!r}: no such client")
        else:
            clients.append(client)
    if errors:
        raise BadInput(*errors)
    moved: list[Transfer] = []
    if is_agency(session):
        for client in clients:
            transfer = _assign_on_server(session, client, target, reason)
            if transfer is not None:
                moved.append(transfer)
        return moved
    for client in clients:
        before = assigned_worker(session, client)
        if before is not None and before.id == target.id:
            continue
        moved.append(_move(session, client, before, target, reason, today))
    return moved


def _move(session: Session, client: Client, before: Worker | None, target: Worker, reason: str,
          today: dt.date) -> Transfer:
    from caseterm.services.notes import add_note

    assert client.id is not None and target.id is not None
    open_rows = session.exec(select(Assignment).where(Assignment.client_id == client.id,
                                                      col(Assignment.to_date).is_(None))).all()
    for row in open_rows:
        row.to_date = today
        session.add(row)
    if not open_rows and before is not None and before.id is not None:
        # The first transfer of a client that was never assigned through caseterm: its history starts here.
        session.add(Assignment(client_id=client.id, worker_id=before.id, from_date=today, to_date=today,
                               reason="assigned before the history began"))
    client.worker_id = target.id
    session.add(client)
    session.add(Assignment(client_id=client.id, worker_id=target.id, from_date=today, reason=reason))
    session.flush()
    said = f"Transferred from {before.display_name} to {target.display_name}" if before is not None \
        else f"Assigned to {target.display_name}"
    add_note(session, client, type=NoteType.TRANSFER, text=said + (f". Reason: {reason}" if reason else "."),
             audited=False)
    return Transfer(client.case_number, before.login if before is not None else None, target.login)


def _assign_on_server(session: Session, client: Client, target: Worker, reason: str, *,
                      note: bool = True) -> Transfer | None:
    """Agency mode: the server's `caseterm_assign` checks the caller, moves the client and writes the
    history and the transfer note (migration 0007); None when the client was already with `target`."""
    session.flush()
    before = session.connection().execute(text("SELECT caseterm_assign(:c, :to, :reason, :note)"),
                                          {"c": client.id, "to": target.login, "reason": reason,
                                           "note": note}).scalar_one()
    session.expire(client)
    if before is None:
        return None
    return Transfer(client.case_number, before or None, target.login)


def _may_assign(session: Session, target: Worker) -> None:
    """Agency mode: an admin (or the owner) moves anyone; a supervisor within the team; a case manager nobody."""
    if not is_agency(session):
        return
    me = current_worker(session)
    if me is None or me.role is WorkerRole.ADMIN:
        return
    if me.role is WorkerRole.CASE_MANAGER:
        raise BadInput(f"assign: {me.login} is a case manager; a supervisor or an admin transfers clients")
    if target.id != me.id and target.supervisor_id != me.id:
        raise BadInput(f"--to {target.login!r}: not in {me.login}'s team; an admin transfers clients between teams")


def _check_team(session: Session, *named: tuple[Worker, str]) -> None:
    """Agency mode: a supervisor arranges coverage only between workers of their own team (an admin
    or the owner crosses teams; the cover command audits it). The server's policy refuses the rest."""
    if not is_agency(session):
        return
    me = current_worker(session)
    if me is None or me.role is not WorkerRole.SUPERVISOR:
        return
    for worker, where in named:
        if worker.id != me.id and worker.supervisor_id != me.id:
            raise BadInput(f"{where} {worker.login!r}: not in {me.login}'s team; an admin arranges coverage "
                           "between teams")


def assign_unassigned(session: Session, to: str | None, *, after_id: int = 0,
                      today: dt.date | None = None) -> tuple[int, int]:
    """After an import: clients with no worker go to `to`, or to the importing worker.

    Agency mode: every client this login sees with no worker. Solo mode only
    with `to` (an unassigned client there is the solo worker's): the clients
    the import added (`id > after_id`). Returns (assigned, left with nobody:
    the importing login is not a worker and no `to` was given).
    """
    agency = is_agency(session)
    if to is None and not agency:
        return 0, 0
    target = get_worker(session, to, "--assign-to") if to else current_worker(session)
    if to:
        _may_assign(session, target)
    query = select(Client).where(col(Client.worker_id).is_(None))
    if not agency:
        query = query.where(col(Client.id) > after_id)
    clients = list(session.exec(query).all())
    if target is None:
        return 0, len(clients)
    if agency:
        for client in clients:
            _assign_on_server(session, client, target, "import", note=False)
        return len(clients), 0
    today = today or clock.today()
    for client in clients:
        client.worker_id = target.id
        session.add(client)
        session.add(Assignment(client_id=client.id, worker_id=target.id, from_date=today, reason="import"))
    session.flush()
    return len(clients), 0


def assign_imported_tasks(session: Session, to: str, after_id: int) -> int:
    """Agency mode, `import --assign-to`: the caseload-wide tasks the import added (made by this login)
    become `to`'s, as its clients do. Returns how many."""
    if not is_agency(session):
        return 0
    target = get_worker(session, to, "--assign-to")
    result = session.connection().execute(
        text("UPDATE task SET owner = :to WHERE client_id IS NULL AND id > :after AND owner = session_user"),
        {"to": target.login, "after": after_id})
    return result.rowcount or 0


def max_task_id(session: Session) -> int:
    from caseterm.models import ManualTask

    return session.exec(select(func.coalesce(func.max(ManualTask.id), 0))).one()  # type: ignore[call-overload]


def max_client_id(session: Session) -> int:
    return session.exec(select(func.coalesce(func.max(Client.id), 0))).one()  # type: ignore[call-overload]


def cover(session: Session, login: str, by: str, until: dt.date, *, today: dt.date | None = None) -> Coverage:
    """`by` acts for `login` from today (the agency's) until `until` (inclusive)."""
    today = today or agency_today(session)
    absent = get_worker(session, login, "LOGIN")
    covering = get_worker(session, by, "--by")
    _check_team(session, (absent, "LOGIN"), (covering, "--by"))
    if absent.id == covering.id:
        raise BadInput(f"--by {by!r}: is the worker being covered; name someone else")
    if until < today:
        raise BadInput(f"--until {until.isoformat()}: is before today ({today.isoformat()})")
    if not covering.active:
        raise BadInput(f"--by {by!r}: is no longer active")
    row = Coverage(worker_id=absent.id, covered_by_id=covering.id, from_date=today, until=until)
    session.add(row)
    session.flush()
    return row


def covering_for(session: Session, today: dt.date | None = None) -> list[Worker]:
    """The workers the current login covers today."""
    me = current_worker(session)
    if me is None:
        return []
    today = today or clock.today()
    ids = session.exec(select(Coverage.worker_id).where(Coverage.covered_by_id == me.id,
                                                        col(Coverage.from_date) <= today,
                                                        col(Coverage.until) >= today)).all()
    return [w for w in (session.get(Worker, i) for i in ids) if w is not None]


def covered_cases(session: Session, today: dt.date | None = None) -> dict[str, str]:
    """Case number -> the absent worker's name, for the clients the current login covers today.

    The due list marks their items "covering for …" (issue 15); in solo mode there is nobody to cover.
    """
    if not is_agency(session):
        return {}
    if today is None:  # the agency's date, as its row-level security decides who sees what
        today = agency_today(session)
    absent = {w.id: w.full_name or w.login for w in covering_for(session, today)}
    if not absent:
        return {}
    rows = session.exec(select(Client.case_number, Client.worker_id).where(col(Client.worker_id).in_(list(absent)))).all()
    return {case_number: absent[worker_id] for case_number, worker_id in rows}


def history(session: Session, client: Client) -> list[tuple[Assignment, str]]:
    """The client's case managers, oldest first, with each one's login."""
    rows = session.exec(select(Assignment, Worker.login).join(Worker, Worker.id == Assignment.worker_id)
                        .where(Assignment.client_id == client.id)
                        .order_by(col(Assignment.from_date), col(Assignment.id))).all()
    return [(a, login) for a, login in rows]


def transfer_notes(session: Session, client: Client) -> list[Note]:
    return list(session.exec(select(Note).where(Note.client_id == client.id, Note.type == NoteType.TRANSFER)).all())


# -- PostgreSQL roles (agency mode) -------------------------------------------------------------


def _dbapi(session: Session):  # noqa: ANN202 - psycopg's connection
    return session.connection().connection.dbapi_connection


def _role_exists(session: Session, name: str) -> bool:
    return bool(session.connection().execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first())


def team_init(session: Session, time_zone: str | None = None) -> list[str]:
    """Group roles, grants and policies; safe to repeat. Returns what was created this time.

    The grants are the second wall beside the policies (issue 22): no temp tables (they would shadow
    tables by name) and no objects in the schema for anyone; sequences usable, not readable
    (`last_value` counts the agency); `client.worker_id`, the assignment history and the agency's
    settings not writable by workers (`caseterm_assign` writes them). `time_zone` (an IANA name) is the
    agency's: its date is "today" for coverage, whatever a session's TimeZone says.
    """
    from psycopg import sql

    conn = session.connection()
    made: list[str] = []
    raw = _dbapi(session)
    for group in GROUP_ROLES.values():
        if not _role_exists(session, group):
            conn.exec_driver_sql(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)).as_string(raw))
            made.append(group)
    groups = sql.SQL(", ").join(sql.Identifier(g) for g in GROUP_ROLES.values())
    schema, database = conn.execute(text("SELECT current_schema(), current_database()")).one()
    client_columns = conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'client' AND column_name NOT IN ('id', 'worker_id') ORDER BY ordinal_position")).scalars().all()
    has_settings = conn.execute(text("SELECT to_regclass('caseterm_setting') IS NOT NULL")).scalar_one()
    if has_settings:
        zone = time_zone or conn.execute(text("SELECT value FROM caseterm_setting WHERE key = 'time_zone'")).scalar()
        zone = zone or conn.execute(text("SELECT current_setting('TimeZone')")).scalar_one()
        if not conn.execute(text("SELECT 1 FROM pg_timezone_names WHERE name = :z"), {"z": zone}).first():
            raise BadInput(f"--time-zone {zone!r}: not a time zone the server knows (e.g. America/Chicago)")
        conn.execute(text("INSERT INTO caseterm_setting (key, value) VALUES ('time_zone', :z) "
                          "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"), {"z": zone})
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), groups),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), groups),
        # Notes and the audit trail are append-only: no UPDATE or DELETE to grant.
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON note, audit FROM {}").format(groups),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {}").format(groups),
        sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(sql.Identifier(schema), groups),
        sql.SQL("REVOKE SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(sql.Identifier(schema), groups),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON assignment FROM {}").format(groups),
        sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)),
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(schema)),
        # Every column of a client but who it belongs to (and its id).
        sql.SQL("REVOKE UPDATE ON client FROM {}").format(groups),
        sql.SQL("GRANT UPDATE ({}) ON client TO {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in client_columns), groups),
    ]
    if has_settings:
        statements.append(sql.SQL("REVOKE ALL ON caseterm_setting FROM PUBLIC, {}").format(groups))
    for statement in statements:
        conn.exec_driver_sql(statement.as_string(raw))
    # The policies come with the schema (migration 0006); make sure each of their tables enforces them.
    tables = conn.execute(text("SELECT DISTINCT tablename FROM pg_policies WHERE policyname LIKE 'caseterm%' "
                               "AND schemaname = current_schema() ORDER BY 1")).scalars().all()
    for table in tables:
        conn.exec_driver_sql(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(
            sql.Identifier(table)).as_string(raw))
    return made


def ensure_login_role(session: Session, login: str, role: WorkerRole, password: str | None) -> bool:
    """Create the PostgreSQL login role (or adopt an existing one), grant its group. True when created."""
    from psycopg import sql

    group = GROUP_ROLES[WorkerRole(role)]
    if not _role_exists(session, group):
        raise BadInput(f"worker add: the group role {group} does not exist yet; run `caseterm team init` first "
                       "(as the database owner)")
    conn = session.connection()
    raw = _dbapi(session)
    created = not _role_exists(session, login)
    if created:
        statement = sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login))
    elif password is not None:
        statement = sql.SQL("ALTER ROLE {}").format(sql.Identifier(login))
    else:
        statement = None
    if statement is not None:
        if password is not None:
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
        conn.exec_driver_sql(statement.as_string(raw))
    conn.exec_driver_sql(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login)).as_string(raw))
    return created
