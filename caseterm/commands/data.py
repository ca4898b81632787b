"""Moving data in and out: import, export, demo, backup, check."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from caseterm import clock, paths, text
from caseterm.cli import CliContext
from caseterm.errors import BadInput, StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXPORT_FORMATS = ("json", "csv", "ics", "html", "hmis")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--assign-to", metavar="LOGIN", help="Give the imported clients with no worker to LOGIN "
              "(agency mode: otherwise to the importing worker).")
@click.pass_obj
def import_cmd(ctx: CliContext, file: Path, assign_to: str | None) -> None:
    """Import FILE: a caseterm/1 .json file, or a .csv of clients.

    All or nothing: any error aborts the import and leaves the database as it was.
    Only the fields the file carries change (an absent column or key keeps the
    stored value); the summary says what was added and what was updated.
    """
    from caseterm.services import audit, interchange
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    checked = interchange.read_file(file)  # the whole file checked before the database is opened
    from caseterm.store import sqlite_path

    target = sqlite_path(ctx.url)
    existed = target is not None and target.exists()  # a database made just now has nothing to back up
    engine = ctx.engine(create=True)
    if existed:
        _daily_backup(ctx, engine)
    from caseterm.services import workers

    if assign_to:
        workers.check_login(assign_to, "--assign-to")
    with session_scope(engine) as session:
        before = workers.max_client_id(session)
        result = interchange.import_data(session, checked)
        assigned, nobody = workers.assign_unassigned(session, assign_to, after_id=before)
        audit.record(session, AuditAction.IMPORT, None, audit.detail_of(file=file.absolute(), result=result.summary()))
    to_whom = f"; {text.plural(assigned, 'client')} assigned to {assign_to or 'you'}" if assigned else ""
    click.echo(f"Imported {file}: {result.summary()}{to_whom}.")
    if nobody:
        click.echo(f"caseterm: {text.plural(nobody, 'client')} left without a worker (this login is not a worker); "
                   "give them one with `caseterm assign CASE... --to LOGIN` or import with --assign-to", err=True)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write (json: default standard output).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the interchange format and exit.")
@click.option("--names", is_flag=True, help="ics: put clients' names in event titles (default: initials and case number).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="hmis: first day of the reporting period.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="hmis: last day of the reporting period.")
@click.option("--hash", "hashed", is_flag=True, help="hmis: SHA-256 names and SSN (HashStatus 4), for a DV provider sharing with a CoC.")
@click.option("--force", is_flag=True, help="hmis: replace an existing folder or zip.")
@click.pass_obj
def export_cmd(ctx: CliContext, fmt: str, output: Path | None, schema: bool, names: bool,
               date_from: str | None, date_to: str | None, hashed: bool, force: bool) -> None:
    """Export the caseload. Every export is marked CONFIDENTIAL and written owner-only.

    The calendar (ics) carries case numbers and initials only, unless --names.
    --format hmis writes HUD's HMIS CSV FY2026 set (24 files) for --from..--to
    into -o PATH: a folder, or a zip when PATH ends in .zip.
    """
    if names and fmt != "ics":
        raise BadInput(f"--names: only for --format ics (not {fmt})")
    if fmt == "hmis" and not schema:
        from caseterm.hmis.cli import export_hmis

        export_hmis(ctx, output, date_from, date_to, hashed, force)
        return
    if any((date_from, date_to, hashed, force)) and not schema:
        raise BadInput(f"--from/--to/--hash/--force: only for --format hmis (not {fmt})")
    if schema:
        from caseterm.services.interchange import json_schema

        click.echo(json.dumps(json_schema(), indent=2))
        return
    if names and fmt != "ics":
        raise BadInput(f"--names: only for --format ics (not {fmt})")
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        if fmt == "json":
            from caseterm.models import Client
            from caseterm.services.interchange import export_json
            from caseterm.services.reports import audit_export
            from caseterm.vocabulary import AuditAction
            from sqlmodel import func, select

            text = export_json(session)
            clients = session.exec(select(func.count()).select_from(Client)).one()
            if output is None or str(output) == "-":
                sys.stdout.write(text)
                audit_export(session, AuditAction.EXPORT, fmt, clients, "-")
                return
            _write_export(output, text)
            audit_export(session, AuditAction.EXPORT, fmt, clients, output.absolute())
            click.echo(f"Wrote {output} (CONFIDENTIAL).", err=True)
            return
        try:
            from caseterm.services import reports
        except ImportError:
            raise BadInput(f"--format {fmt}: not available in this version") from None
        if names and fmt == "ics":
            click.echo("caseterm: warning: --names puts clients' names in the calendar; "
                       "a synced calendar usually lives on someone else's server.", err=True)
        written = reports.export(session, fmt, output, clock.today(), names=names)
    click.echo(f"Wrote {written} (CONFIDENTIAL).")


def _write_export(output: Path, text: str) -> None:
    if output.is_dir():
        raise BadInput(f"-o {output}: is a folder; name a file")
    try:
        paths.write_private(output, text)
    except OSError as err:
        raise BadInput(f"-o {output}: cannot write ({err.strerror})") from None


@click.command("demo")
@click.pass_obj
def demo_cmd(ctx: CliContext) -> None:
    """Fill the database (--db) with the demo caseload, dated relative to today.

    Refuses a database that already holds clients.
    """
    from caseterm.services import demo
    from caseterm.store import session_scope

    with session_scope(ctx.engine(create=True)) as session:
        if not demo.is_empty(session):
            raise BadInput(f"{ctx.url.removeprefix('sqlite:///')}: already holds clients; the demo fills an empty database only")
        demo.populate(session, clock.today())
    click.echo(f"Demo caseload written to {ctx.url.removeprefix('sqlite:///')}, dated around {clock.today().isoformat()}.")


def _daily_backup(ctx: CliContext, engine: "Engine") -> None:
    """Today's automatic backup before a command writes in bulk (once a day; rotated)."""
    from caseterm.backups import auto_backup
    from caseterm.policy import load_policy
    from caseterm.store import sqlite_path

    path = sqlite_path(ctx.url)
    if path is None or ctx.demo or not path.exists():
        return
    rotation = load_policy().backups
    made = auto_backup(path, rotation.keep_daily, rotation.keep_weekly)
    if made is not None:
        from caseterm.services import audit
        from caseterm.store import session_scope
        from caseterm.vocabulary import AuditAction

        with session_scope(engine) as session:
            audit.record(session, AuditAction.BACKUP, None, audit.detail_of(automatic="yes", file=made))


def _with_restore_hint(err: StoreError, db: Path) -> StoreError:
    """Name the backup to restore from when the database turns out damaged."""
    from caseterm.backups import restore_hint

    return StoreError(*err.errors, restore_hint(db))


def server_backup_message(command: str, url: str) -> str:
    """backup/restore on a server database: not caseterm's job (exit 2)."""
    from caseterm.store import is_postgres, location

    if is_postgres(url):
        return (
            f"{command}: {location(url)} is a PostgreSQL database; use pg_dump (and pg_restore); "
            "that is the agency's job, not caseterm's (nothing was done)"
        )
    return f"{command}: only SQLite databases can be backed up here; use the server's own tools"


@click.command("backup")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Backup file (default: beside the database, dated).")
@click.pass_obj
def backup_cmd(ctx: CliContext, output: Path | None) -> None:
    """Copy the database with SQLite's online backup (safe while caseterm runs).

    The copy is checked with integrity_check; a damaged database is not copied.
    """
    from caseterm.store import backup, backup_path_for, sqlite_path

    source = sqlite_path(ctx.url)
    if source is None:
        raise BadInput(server_backup_message("backup", ctx.url))
    try:
        engine = ctx.engine()
        dest = output or backup_path_for(source)
        backup(engine, dest)
    except StoreError as err:
        raise _with_restore_hint(err, source) from None
    from caseterm.services import audit
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    with session_scope(engine) as session:
        audit.record(session, AuditAction.BACKUP, None, audit.detail_of(file=Path(dest).absolute()))
    click.echo(f"Backed up to {dest}.")


@click.command("restore")
@click.argument("backup_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_cmd(ctx: CliContext, backup_file: Path | None, yes: bool) -> None:
    """Put BACKUP_FILE back as the database; without it, list the backups.

    The backup is checked first (a sound caseterm database of a known schema);
    the current file is kept as a dated copy in backups/, never deleted.
    """
    from caseterm.backups import inspect_backup, list_backups, restore
    from caseterm.store import open_store, sqlite_path

    db = sqlite_path(ctx.url)
    if db is None and not ctx.demo:
        raise BadInput(server_backup_message("restore", ctx.url))
    if db is None or ctx.demo:
        raise BadInput("restore: only a SQLite database file can be restored here")
    if backup_file is None:
        found = list_backups(db)
        if not found:
            click.echo(f"No backups of {db} found (looked in {db.parent} and {db.parent / 'backups'}).")
            return
        click.echo(f"Backups of {db}, newest first:")
        for item in found:
            kind = "automatic" if item.automatic else "kept"
            click.echo(f"  {item.taken:%Y-%m-%d %H:%M}  {kind:<9}  {item.path}")
        click.echo("Restore one with: caseterm restore FILE")
        return
    ctx.unlock()  # an encrypted database, or an encrypted backup: the passphrase
    ctx.unlock(backup_file)
    info = inspect_backup(backup_file)
    summary = f"{text.plural(info.clients, 'client')}, {text.plural(info.notes, 'note')}"
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput("restore: add --yes to confirm when not at a terminal")
        click.confirm(f"Replace {db} with {backup_file} ({summary})? The current file is kept as a copy", abort=True)
    _, kept = restore(db, backup_file)
    engine = open_store(ctx.url)  # migrates an older backup to this caseterm's schema
    from caseterm.services import audit
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    try:
        with session_scope(engine) as session:  # in the restored file: its trail goes on from there
            audit.record(session, AuditAction.RESTORE, None,
                         audit.detail_of(file=backup_file.absolute(), kept=kept))
    finally:
        engine.dispose()
    click.echo(f"Restored {db} from {backup_file} ({summary}).")
    if kept is not None:
        click.echo(f"The file it replaced is kept as {kept}.")


@click.command("check")
@click.pass_obj
def check_cmd(ctx: CliContext) -> None:
    """Check the database: integrity, schema revision, record counts. Exit 2 if not ok."""
    from caseterm.store import check, make_engine, refuse_unless_ours, sqlite_path

    path = sqlite_path(ctx.url)
    if path is not None and not path.exists():
        raise BadInput(f"{path}: no database here (check does not create one)")
    ctx.unlock()  # an encrypted file: its passphrase
    if path is not None:
        refuse_unless_ours(path, create=False)
    report = check(make_engine(ctx.url))
    click.echo(f"database:     {report.location}")
    click.echo(f"integrity:    {report.integrity}")
    revision = report.revision or "(empty: no schema yet)"
    state = "current" if report.revision == report.expected_revision else f"expected {report.expected_revision}"
    click.echo(f"schema:       {revision} ({state})")
    for table, count in report.counts.items():
        click.echo(f"{table + ':':<14}{count}")
    if not report.ok:
        raise BadInput(f"{report.location}: check failed (integrity {report.integrity}, schema {revision})")
