"""Agency mode: `team init`, `worker add|list`, `assign`, `cover` (DESIGN.md "Agency mode")."""

from __future__ import annotations

import json
import sys

import click

from caseterm import clock
from caseterm.cli import CliContext
from caseterm.errors import BadInput


def _agency(ctx: CliContext) -> bool:
    from caseterm.store import is_postgres

    return is_postgres(ctx.url)


def _permission(err: Exception, what: str) -> BadInput | None:
    """The server refused for lack of privilege: a message, not a crash."""
    orig = getattr(err, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state in ("42501", "42710") or "permission denied" in str(orig or err) \
            or "row-level security" in str(orig or err):
        reason = " ".join(str(orig or err).split()).split(" CONTEXT:")[0]
        return BadInput(f"{what}: the server refused ({reason}); this needs an admin or the database owner "
                        f"({CliContext.location})")
    return None


@click.group("team")
def team() -> None:
    """Set up an agency database (PostgreSQL)."""


@team.command("init")
@click.option("--time-zone", "time_zone", metavar="ZONE",
              help="The agency's time zone (e.g. America/Chicago): its date is \"today\" for coverage. "
                   "Default: the one set before, else the server's.")
@click.pass_obj
def team_init_cmd(ctx: CliContext, time_zone: str | None) -> None:
    """Migrate, create the group roles caseterm_case_manager, caseterm_supervisor and
    caseterm_admin, grant them the tables and enable the row-level security policies.

    Run it once as the database owner; running it again changes nothing.
    """
    if not _agency(ctx):
        raise BadInput("team init: is for agency mode (--db postgresql://OWNER@HOST/DB); "
                       "solo mode on SQLite has one worker and needs no team")
    from sqlalchemy.exc import DBAPIError

    from caseterm.services import workers
    from caseterm.store import session_scope

    engine = ctx.engine(create=True)
    try:
        with session_scope(engine) as session:
            made = workers.team_init(session, time_zone)
    except DBAPIError as err:
        refused = _permission(err, "team init")
        if refused is None:
            raise
        raise refused from None
    said = f"created {', '.join(made)}" if made else "the group roles were already there"
    click.echo(f"Team ready on {CliContext.location}: {said}; grants and row-level security in place.")


@click.group("worker")
def worker() -> None:
    """Add and list workers (case managers, supervisors, admins)."""


@worker.command("add")
@click.argument("login")
@click.option("--name", required=True, help="The worker's full name.")
@click.option("--role", required=True, metavar="case_manager|supervisor|admin", help="What they may see and do.")
@click.option("--supervisor", metavar="LOGIN", help="Their supervisor (a supervisor's team).")
@click.option("--phone", help="Their work phone.")
@click.option("--password-stdin", is_flag=True, help="Read the PostgreSQL login's password from standard input.")
@click.pass_obj
def worker_add_cmd(ctx: CliContext, login: str, name: str, role: str, supervisor: str | None, phone: str | None,
                   password_stdin: bool) -> None:
    """Add worker LOGIN; on PostgreSQL also create the login role (or adopt an existing one)
    and grant it the role's group."""
    from sqlalchemy.exc import DBAPIError

    from caseterm.services import workers
    from caseterm.store import session_scope
    from caseterm.vocabulary import label, WorkerRole

    workers.check_login(login)
    try:
        chosen = WorkerRole(role)
    except ValueError:
        raise BadInput(f"--role {role!r}: not a role (case_manager, supervisor or admin)") from None
    agency = _agency(ctx)
    password = None
    if password_stdin:
        if not agency:
            raise BadInput("--password-stdin: only for agency mode (a PostgreSQL login has a password; "
                           "solo mode has none)")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise BadInput("--password-stdin: standard input gave an empty password")
    engine = ctx.engine(create=True)
    created = False
    try:
        with session_scope(engine) as session:
            added = workers.add_worker(session, login, name=name, role=chosen, supervisor=supervisor, phone=phone)
            if agency:
                created = workers.ensure_login_role(session, login, chosen, password)
    except DBAPIError as err:
        refused = _permission(err, "worker add")
        if refused is None:
            raise
        raise refused from None
    role_said = label(chosen)
    login_said = (" (new PostgreSQL login)" if created else " (existing PostgreSQL login)") if agency else ""
    click.echo(f"Added {added.login}{login_said}: {added.full_name}, {role_said}.")


@worker.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array (login, full_name, role, supervisor, phone, active, clients).")
@click.pass_obj
def worker_list_cmd(ctx: CliContext, as_json: bool) -> None:
    """List the workers and how many clients each has."""
    from caseterm.services import workers
    from caseterm.store import session_scope
    from caseterm.text import plural

    with session_scope(ctx.engine()) as session:
        rows = workers.list_workers(session)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], indent=2))
        return
    for r in rows:
        extra = f", supervisor {r.supervisor}" if r.supervisor else ""
        inactive = " (inactive)" if not r.active else ""
        click.echo(f"{r.login:<16} {r.full_name or '-':<24} {r.role:<13} {plural(r.clients, 'client')}{extra}{inactive}")


@click.command("assign")
@click.argument("cases", nargs=-1, required=True, metavar="CASE [CASE...]")
@click.option("--to", "to", required=True, metavar="LOGIN", help="The worker who takes the clients.")
@click.option("--reason", default="", help="Why (kept in the history and the transfer note).")
@click.pass_obj
def assign_cmd(ctx: CliContext, cases: tuple[str, ...], to: str, reason: str) -> None:
    """Transfer clients to worker LOGIN: the assignment history and a transfer note in each file."""
    from sqlalchemy.exc import DBAPIError

    from caseterm.services import audit, workers
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    try:
        with session_scope(ctx.engine()) as session:
            moved = workers.assign(session, list(cases), to, reason.strip())
            for transfer in moved:
                audit.record(session, AuditAction.ASSIGN, transfer.case_number,
                             audit.detail_of(to=transfer.to_login, frm=transfer.from_login))
    except DBAPIError as err:
        refused = _permission(err, "assign")
        if refused is None:
            raise
        raise refused from None
    from caseterm.text import plural

    if not moved:
        click.echo(f"Nothing to do: {'that client is' if len(cases) == 1 else 'those clients are'} already with {to}.")
        return
    click.echo(f"Assigned {plural(len(moved), 'client')} to {to}: {', '.join(t.case_number for t in moved)}.")


@click.command("cover")
@click.argument("login")
@click.option("--by", "by", required=True, metavar="LOGIN", help="The worker who covers.")
@click.option("--until", "until", required=True, metavar="YYYY-MM-DD", help="The last day of the coverage.")
@click.pass_obj
def cover_cmd(ctx: CliContext, login: str, by: str, until: str) -> None:
    """Let worker --by act for LOGIN's clients from today until --until (inclusive)."""
    from sqlalchemy.exc import DBAPIError

    from caseterm.services import audit, workers
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    last = clock.parse_date(until, "--until")
    try:
        with session_scope(ctx.engine()) as session:
            row = workers.cover(session, login, by, last)
            audit.record(session, AuditAction.COVER, None,
                         audit.detail_of(worker=login, by=by, until=row.until.isoformat()))
    except DBAPIError as err:
        refused = _permission(err, "cover")
        if refused is None:
            raise
        raise refused from None
    click.echo(f"{by} covers {login} from {row.from_date.isoformat()} until {row.until.isoformat()}.")
