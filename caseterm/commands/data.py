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
    from caseterm.services import interchange
    from caseterm.store import session_scope

    checked = interchange.read_file(file)  # the whole file checked before the database is opened
    engine = ctx.engine(create=True)
    _daily_backup(ctx, engine)
    with session_scope(engine) as session:
        result = interchange.import_data(session, checked)
    click.echo(f"Imported {file}: {result.summary()}.")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write (json: default standard output).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the interchange format and exit.")
@click.pass_obj
def export_cmd(ctx: CliContext, fmt: str, output: Path | None, schema: bool) -> None:
    """Export the caseload. Every export is marked CONFIDENTIAL and written owner-only."""
    if schema:
        from caseterm.services.interchange import json_schema

        click.echo(json.dumps(json_schema(), indent=2))
        return
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        if fmt == "json":
            from caseterm.services.interchange import export_json

            text = export_json(session)
            if output is None or str(output) == "-":
                sys.stdout.write(text)
                return
            _write_export(output, text)
            click.echo(f"Wrote {output} (CONFIDENTIAL).", err=True)
            return
        try:
            from caseterm.services import reports
        except ImportError:
            raise BadInput(f"--format {fmt}: not available in this version") from None
        written = reports.export(session, fmt, output, clock.today())
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
    auto_backup(path, rotation.keep_daily, rotation.keep_weekly)


def _with_restore_hint(err: StoreError, db: Path) -> StoreError:
    """Name the backup to restore from when the database turns out damaged."""
    from caseterm.backups import list_backups

    newest = next(iter(list_backups(db)), None)
    hint = f"The newest backup is {newest.path}." if newest else "No backup of it was found."
    return StoreError(*err.errors, hint)


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
    info = inspect_backup(backup_file)
    summary = f"{text.plural(info.clients, 'client')}, {text.plural(info.notes, 'note')}"
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput("restore: add --yes to confirm when not at a terminal")
        click.confirm(f"Replace {db} with {backup_file} ({summary})? The current file is kept as a copy", abort=True)
    _, kept = restore(db, backup_file)
    open_store(ctx.url)  # migrates an older backup to this caseterm's schema
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
