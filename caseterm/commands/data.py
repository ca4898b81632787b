"""Moving data in and out: import, export, demo, backup, check."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from caseterm import applock, clock, paths, text
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
    if existed and not ctx.demo:  # the backup before the import must be the file as it was:
        # refused while another caseterm has it open (issue 21); another import is waited for.
        from caseterm.store import refuse_unless_ours

        ctx.unlock()
        refuse_unless_ours(target, create=True)  # no lock file beside another program's file
        applock.hold_exclusive(target, wait=True)
    engine = ctx.engine(create=True)
    if existed:
        _daily_backup(ctx, engine)
    from caseterm.services import workers

    if assign_to:
        workers.check_login(assign_to, "--assign-to")
    from sqlalchemy.exc import IntegrityError

    with session_scope(engine) as session:
        before = workers.max_client_id(session)
        tasks_before = workers.max_task_id(session)
        try:
            result = interchange.import_data(session, checked)
        except IntegrityError as err:
            taken = _case_number_taken(err)
            if taken is None:
                raise
            which = f"case number {taken!r}" if taken else "a client's case number"
            raise BadInput(f"{file}: {which} is already in the agency's database, in a caseload this login "
                           "cannot see; nothing was imported (ask a supervisor to assign that client to you, "
                           "or give the client another number)") from None
        assigned, nobody = workers.assign_unassigned(session, assign_to, after_id=before)
        if assign_to:  # the caseload-wide tasks come with the clients (agency mode)
            workers.assign_imported_tasks(session, assign_to, tasks_before)
        audit.record(session, AuditAction.IMPORT, None, audit.detail_of(file=file.absolute(), result=result.summary()))
    to_whom = f"; {text.plural(assigned, 'client')} assigned to {assign_to or 'you'}" if assigned else ""
    click.echo(f"Imported {file}: {result.summary()}{to_whom}.")
    if nobody:
        click.echo(f"caseterm: {text.plural(nobody, 'client')} left without a worker (this login is not a worker); "
                   "give them one with `caseterm assign CASE... --to LOGIN` or import with --assign-to", err=True)


def _case_number_taken(err: Exception) -> str | None:
    """Agency mode: a unique violation on a client's case number the login cannot see (its row-level
    security hid it from the import's look-up): the number ("" when the server keeps the detail back, as
    it does under row-level security), None for any other error. Never who holds it."""
    import re

    diag = getattr(getattr(err, "orig", None), "diag", None)
    if diag is None or getattr(getattr(err, "orig", None), "sqlstate", None) != "23505":
        return None
    if (diag.table_name or "") != "client":
        return None
    if "case_number" not in (diag.constraint_name or "") and "case_number" not in (diag.message_detail or ""):
        return None
    found = re.search(r"\(case_number\)=\((.*)\) already exists", diag.message_detail or "")
    return found.group(1) if found else ""


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, allow_dash=True),
              help="File to write; - for standard output (json: the default).")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists (never through a symbolic link).")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of the interchange format and exit.")
@click.option("--names", is_flag=True, help="ics: put clients' names in event titles (default: initials and case number).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="hmis: first day of the reporting period.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="hmis: last day of the reporting period.")
@click.option("--hash", "hashed", is_flag=True, help="hmis: SHA-256 names and SSN (HashStatus 4), for a DV provider sharing with a CoC.")
@click.pass_obj
def export_cmd(ctx: CliContext, fmt: str, output: Path | None, force: bool, schema: bool, names: bool,
               date_from: str | None, date_to: str | None, hashed: bool) -> None:
    """Export the caseload. Every export is marked CONFIDENTIAL and written owner-only.

    The calendar (ics) carries case numbers and initials only, unless --names.
    --format hmis writes HUD's HMIS CSV FY2026 set (24 files) for --from..--to
    into -o PATH: a folder, or a zip when PATH ends in .zip.
    Nothing is written until everything is checked (settings, policy, options); the file
    is written beside its target and renamed into place with its audit entry.
    """
    if names and fmt != "ics":
        raise BadInput(f"--names: only for --format ics (not {fmt})")
    if fmt == "hmis" and not schema:
        from caseterm.commands.hmis_export import export_hmis

        export_hmis(ctx, output, date_from, date_to, hashed, force)
        return
    if any((date_from, date_to, hashed)) and not schema:
        raise BadInput(f"--from/--to/--hash: only for --format hmis (not {fmt})")
    if schema:
        from caseterm.services.interchange import json_schema

        click.echo(json.dumps(json_schema(), indent=2))
        return
    if names and fmt != "ics":
        raise BadInput(f"--names: only for --format ics (not {fmt})")
    from caseterm.config import load_settings
    from caseterm.policy import load_policy

    load_settings()  # the audit entry names the user: a broken settings.toml stops here, before any write
    load_policy()
    to_stdout = (output is None and fmt == "json") or (output is not None and str(output) == "-")
    if output is not None and not to_stdout:
        paths.check_output(output, force=force)
    from caseterm.services.reports import audit_export
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    with session_scope(ctx.engine()) as session:
        if fmt == "json":
            from caseterm.models import Client
            from caseterm.services.interchange import export_json
            from sqlmodel import func, select

            data: bytes | str = export_json(session)
            clients = session.exec(select(func.count()).select_from(Client)).one()
            default_name = f"caseterm-export-{clock.today().isoformat()}.json"
        else:
            from caseterm.services import reports

            if names:
                click.echo("caseterm: warning: --names puts clients' names in the calendar; "
                           "a synced calendar usually lives on someone else's server.", err=True)
            rendered = reports.render_export(session, fmt, clock.today(), names=names)
            data, clients, default_name = rendered.data, rendered.clients, rendered.default_name
        if to_stdout:
            audit_export(session, AuditAction.EXPORT, fmt, clients, "-", names=names or None)
            session.commit()  # audited before a byte goes out
            _to_stdout(data)
            return
        target = output if output is not None else Path.cwd() / default_name
        paths.check_output(target, force=force)
        audit_export(session, AuditAction.EXPORT, fmt, clients, target, names=names or None)
        written = paths.write_output(target, data, force=force, commit=session.commit)
    click.echo(f"Wrote {written} (CONFIDENTIAL).", err=fmt == "json")


def _to_stdout(data: bytes | str) -> None:
    """An export on standard output (text as text, a zip as bytes)."""
    if isinstance(data, str):
        sys.stdout.write(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


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
    from caseterm.errors import DiskFull

    if isinstance(err, DiskFull):  # the device is full: nothing is damaged, no backup to suggest
        return err
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
    if output is not None:
        if str(output) == "-":
            raise BadInput("backup -o -: a database cannot go to standard output; name a file")
        paths.check_output(output, force_hint=False)  # a link, a folder or an existing file: refused before opening anything
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
@click.option("--backup-passphrase-stdin", is_flag=True,
              help="Read the backup's own passphrase from standard input (one line): a backup taken "
                   "before the database's passphrase was changed.")
@click.pass_obj
def restore_cmd(ctx: CliContext, backup_file: Path | None, yes: bool, backup_passphrase_stdin: bool) -> None:
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
    if backup_file is not None and db.exists():
        applock.hold_exclusive(db)  # refused while another caseterm has it open (issue 21)
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
    from caseterm import cipher

    ctx.unlock()  # an encrypted database: its passphrase
    live_key = cipher.passphrase() if db.exists() and cipher.is_encrypted(db) else None
    if db.exists() and cipher.is_encrypted(db) and live_key is None:
        # Without it the restored file could not be keyed like the database: it would end up plain.
        raise StoreError(f"{db}: encrypted (or not a caseterm database); its passphrase is needed to keep the "
                         f"restored file encrypted (a terminal asks for it; scripts set {cipher.ENV}). If it is "
                         "not encrypted but damaged, move it aside and restore again. Nothing was changed.")
    backup_key = _backup_passphrase(backup_file, live_key, backup_passphrase_stdin)
    info = inspect_backup(backup_file, backup_key)
    summary = f"{text.plural(info.clients, 'client')}, {text.plural(info.notes, 'note')}"
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput("restore: add --yes to confirm when not at a terminal")
        click.confirm(f"Replace {db} with {backup_file} ({summary})? The current file is kept as a copy", abort=True)
    _, kept = restore(db, backup_file, backup_key=backup_key, live_key=live_key)
    cipher.set_passphrase(live_key or backup_key)  # what the restored file is keyed with now
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
    if live_key is not None and live_key != backup_key:
        click.echo("It stays encrypted with the database's current passphrase.")
    elif live_key is None and backup_key is not None:
        click.echo("It is encrypted with the backup's passphrase.")
    if kept is not None:
        click.echo(f"The file it replaced is kept as {kept}.")


def _backup_passphrase(backup_file: Path, live_key: str | None, from_stdin: bool) -> str | None:
    """An encrypted backup's own passphrase (None for a plain one), checked against it.

    `--backup-passphrase-stdin`, else the database's (or, over a plain database,
    CASETERM_PASSPHRASE), else a terminal prompt: a backup taken before `caseterm passphrase`
    has the passphrase the database had then. Wrong: exit 2, nothing changed.
    """
    from caseterm import cipher

    if not backup_file.is_file() or not cipher.is_encrypted(backup_file):
        return None
    if from_stdin:
        line = sys.stdin.readline()
        key = line.rstrip("\r\n")
        if not key:
            raise BadInput("--backup-passphrase-stdin: no passphrase on standard input (nothing was changed)")
        return _checked_backup_key(backup_file, key)
    candidate = live_key if live_key is not None else cipher.from_environment()
    if candidate is not None and _opens(backup_file, candidate):
        return candidate
    if not sys.stdin.isatty():
        why = ("encrypted with another passphrase than the database's (taken before `caseterm passphrase`?)"
               if live_key is not None else "encrypted")
        raise BadInput(f"{backup_file}: {why}; give the backup's own passphrase with "
                       "--backup-passphrase-stdin (nothing was changed)")
    key = click.prompt(f"Passphrase of the backup {backup_file}", hide_input=True, err=True)
    return _checked_backup_key(backup_file, key)


def _opens(path: Path, key: str) -> bool:
    from caseterm import cipher

    try:
        cipher.verify(path, key)
    except StoreError:
        return False
    return True


def _checked_backup_key(backup_file: Path, key: str) -> str:
    if not _opens(backup_file, key):
        raise BadInput(f"{backup_file}: wrong passphrase for this backup, or not a caseterm backup "
                       "(nothing was changed)")
    return key


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
    engine = make_engine(ctx.url)
    report = check(engine)
    chain = _audit_chain(engine, report.revision) if report.integrity == "ok" else None  # damaged: SQLite's word first
    click.echo(f"database:     {report.location}")
    click.echo(f"integrity:    {report.integrity}")
    revision = report.revision or "(empty: no schema yet)"
    state = "current" if report.revision == report.expected_revision else f"expected {report.expected_revision}"
    click.echo(f"schema:       {revision} ({state})")
    for table, count in report.counts.items():
        click.echo(f"{table + ':':<14}{count}")
    if chain is not None:
        verdict = "ok" if chain.broken is None else "BROKEN"
        click.echo(f"audit chain:  {verdict} ({text.plural(chain.live, 'entry', 'entries')} in the chain, "
                   f"{chain.imported} imported kept apart)")
    if not report.ok:
        raise BadInput(f"{report.location}: check failed (integrity {report.integrity}, schema {revision})")
    if chain is not None and chain.broken is not None:
        raise BadInput(f"{report.location}: the audit trail was tampered with: {chain.broken}")


def _audit_chain(engine: "Engine", revision: str | None):  # noqa: ANN202 - services.audit.ChainReport
    """The audit trail's hash chain, verified (None before migration 0008 made it)."""
    from caseterm.services import audit
    from caseterm.store import session_scope

    if revision is None or revision < "0008":
        return None
    with session_scope(engine) as session:
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text as sql

            role = session.connection().execute(sql("SELECT caseterm_role()")).scalar()
            if role not in (None, "admin"):  # row-level security shows a worker part of the trail only
                click.echo("audit chain:  not checked (only an admin or the database owner sees the whole trail)")
                return None
        return audit.verify_chain(session)
