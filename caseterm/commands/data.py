"""Moving data in and out: import, export, demo, backup, check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from caseterm import clock, paths
from caseterm.cli import CliContext
from caseterm.errors import BadInput

EXPORT_FORMATS = ("json", "csv", "ics", "html")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def import_cmd(ctx: CliContext, file: Path) -> None:
    """Import FILE: a caseterm/1 .json file, or a .csv of clients.

    All or nothing: any error aborts the import and leaves the database as it was.
    Only the fields the file carries change (an absent column or key keeps the
    stored value); the summary says what was added and what was updated.
    """
    from caseterm.services import audit, interchange
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    checked = interchange.read_file(file)  # the whole file checked before the database is opened
    with session_scope(ctx.engine()) as session:
        result = interchange.import_data(session, checked)
        audit.record(session, AuditAction.IMPORT, None, audit.detail_of(file=file.absolute(), result=result.summary()))
    click.echo(f"Imported {file}: {result.summary()}.")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write (json: default standard output).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the interchange format and exit.")
@click.option("--names", is_flag=True, help="ics: put clients' names in event titles (default: initials and case number).")
@click.pass_obj
def export_cmd(ctx: CliContext, fmt: str, output: Path | None, schema: bool, names: bool) -> None:
    """Export the caseload. Every export is marked CONFIDENTIAL and written owner-only.

    The calendar (ics) carries case numbers and initials only, unless --names.
    """
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

    with session_scope(ctx.engine()) as session:
        if not demo.is_empty(session):
            raise BadInput(f"{ctx.url.removeprefix('sqlite:///')}: already holds clients; the demo fills an empty database only")
        demo.populate(session, clock.today())
    click.echo(f"Demo caseload written to {ctx.url.removeprefix('sqlite:///')}, dated around {clock.today().isoformat()}.")


@click.command("backup")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Backup file (default: beside the database, dated).")
@click.pass_obj
def backup_cmd(ctx: CliContext, output: Path | None) -> None:
    """Copy the database with SQLite's online backup (safe while caseterm runs)."""
    from caseterm.store import backup, backup_path_for, sqlite_path

    engine = ctx.engine()
    source = sqlite_path(ctx.url)
    if source is None:
        raise BadInput("backup: only SQLite databases can be backed up here; use the server's own tools")
    dest = output or backup_path_for(source)
    backup(engine, dest)
    from caseterm.services import audit
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    with session_scope(engine) as session:
        audit.record(session, AuditAction.BACKUP, None, audit.detail_of(file=Path(dest).absolute()))
    click.echo(f"Backed up to {dest}.")


@click.command("check")
@click.pass_obj
def check_cmd(ctx: CliContext) -> None:
    """Check the database: integrity, schema revision, record counts. Exit 2 if not ok."""
    from caseterm.store import check, make_engine, sqlite_path

    path = sqlite_path(ctx.url)
    if path is not None and not path.exists():
        raise BadInput(f"{path}: no database here (check does not create one)")
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
