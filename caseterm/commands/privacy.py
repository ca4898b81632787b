"""Privacy at rest: `caseterm passphrase` (the screen lock's passphrase)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from caseterm import applock
from caseterm.cli import CliContext
from caseterm.errors import BadInput

if TYPE_CHECKING:
    from caseterm.vocabulary import AuditAction


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def read_new_passphrase(from_stdin: bool, what: str = "passphrase") -> str:
    """A new passphrase: twice on a terminal (hidden), or one line from standard input."""
    from caseterm.config import check_new_passphrase

    if from_stdin:
        line = sys.stdin.readline()
        passphrase = line.rstrip("\r\n") if line.endswith(("\n", "\r")) else line
        if not passphrase:
            raise BadInput(f"--passphrase-stdin: no {what} on standard input")
        return check_new_passphrase(passphrase, "--passphrase-stdin")
    if not stdin_is_terminal():
        raise BadInput(f"{what}: standard input is not a terminal; pass --passphrase-stdin to read it from there")
    passphrase = click.prompt(f"New {what}", hide_input=True, confirmation_prompt="Again, to confirm",
                              err=True)
    return check_new_passphrase(passphrase, what)


@click.command("passphrase")
@click.option("--lock-only", is_flag=True, help="Set the screen lock's passphrase (kept as a salted scrypt hash in settings.toml).")
@click.option("--passphrase-stdin", is_flag=True, help="Read the new passphrase from standard input (one line), for scripts.")
@click.pass_obj
def passphrase_cmd(ctx: CliContext, lock_only: bool, passphrase_stdin: bool) -> None:
    """Change the encrypted database's passphrase, or set the screen lock's (--lock-only)."""
    if not lock_only:
        change_database_passphrase(ctx, passphrase_stdin)
        return
    from caseterm.config import RETIRED_SETTINGS, hash_passphrase, save_settings

    from caseterm.services import audit
    from caseterm.store import session_scope, sqlite_path
    from caseterm.vocabulary import AuditAction

    passphrase = read_new_passphrase(passphrase_stdin, "lock passphrase")
    stored = hash_passphrase(passphrase)
    path = sqlite_path(ctx.url)
    if path is not None and not path.exists():  # no caseload yet: nothing to audit in
        written = save_settings({"lock_passphrase": stored}, remove=tuple(RETIRED_SETTINGS))
    else:
        with session_scope(ctx.engine()) as session:
            # Settings first: the old SHA-256 line goes, so reading the user for the entry works.
            written = save_settings({"lock_passphrase": stored}, remove=tuple(RETIRED_SETTINGS))
            audit.record(session, AuditAction.PASSPHRASE_CHANGED, None, audit.detail_of(passphrase="lock"))
    click.echo(f"Lock passphrase set (a salted scrypt hash in {written}).")


# -- encryption at rest (SQLCipher) ---------------------------------------------------------


def _database_file(ctx: CliContext, command: str) -> Path:
    """The database file `command` rewrites (BadInput if there is none)."""
    from caseterm.store import sqlite_path

    path = sqlite_path(ctx.url)
    if path is None or ctx.demo:
        raise BadInput(f"{command}: only a SQLite database file can be encrypted here")
    if not path.exists():
        raise BadInput(f"{path}: no database here; check the --db path (nothing was created)")
    return path


def _swap_in(path: Path, src_key: str | None, dest_key: str) -> None:
    """Rewrite the database with another key (`caseterm.swap.rewrite`): a new file beside it,
    checked (integrity_check, row counts), fsynced, renamed over it. Killed at any point, the
    database is the old file with the old key or the new one with the new key."""
    from caseterm import backups, swap

    backups._take_exclusive(path)  # another program has it open: refused, nothing changed
    swap.rewrite(path, src_key=src_key, dest_key=dest_key)


def _audit_in(ctx: CliContext, action: "AuditAction", detail: str) -> None:
    from caseterm.services import audit
    from caseterm.store import open_store, session_scope

    engine = open_store(ctx.url, create=False)
    try:
        with session_scope(engine) as session:
            audit.record(session, action, None, detail)
    finally:
        engine.dispose()


def _readable_backups(path: Path) -> list[Path]:
    from caseterm import backups, cipher

    return [b.path for b in backups.list_backups(path) if not cipher.is_encrypted(b.path)]


@click.command("encrypt")
@click.option("--passphrase-stdin", is_flag=True, help="Read the new passphrase from standard input (one line), for scripts.")
@click.pass_obj
def encrypt_cmd(ctx: CliContext, passphrase_stdin: bool) -> None:
    """Encrypt the database in place with SQLCipher (asks for a new passphrase twice).

    Nothing can recover the data without the passphrase: keep it, and a backup, somewhere safe.
    """
    from caseterm import cipher
    from caseterm.vocabulary import AuditAction

    path = _database_file(ctx, "encrypt")
    if cipher.is_encrypted(path):
        raise BadInput(f"{path}: already encrypted; `caseterm passphrase` changes its passphrase")
    ctx.engine().dispose()  # a caseterm database, sound, migrated
    applock.hold_exclusive(path)  # refused while another caseterm has it open (issue 21)
    new = read_new_passphrase(passphrase_stdin, "database passphrase")
    _swap_in(path, None, new)
    cipher.set_passphrase(new)
    _audit_in(ctx, AuditAction.ENCRYPT, f"file={path}")
    click.echo(f"Encrypted {path}. Without the passphrase nothing can read it, caseterm included: "
               "keep the passphrase somewhere safe.")
    readable = _readable_backups(path)
    if readable:
        click.echo("These backups were taken before and are still readable (not encrypted); "
                   "delete them, or keep them somewhere safe:", err=True)
        for item in readable:
            click.echo(f"  {item}", err=True)


@click.command("decrypt")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def decrypt_cmd(ctx: CliContext, yes: bool) -> None:
    """Turn the encrypted database back into a plain SQLite file (after a confirmation)."""
    from caseterm import cipher
    from caseterm.vocabulary import AuditAction

    path = _database_file(ctx, "decrypt")
    if not cipher.is_encrypted(path):
        raise BadInput(f"{path}: not encrypted; nothing to do")
    ctx.engine().dispose()  # unlocks: the passphrase from the terminal or CASETERM_PASSPHRASE
    applock.hold_exclusive(path)  # refused while another caseterm has it open (issue 21)
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput("decrypt: add --yes to confirm when not at a terminal")
        click.confirm(f"Decrypt {path}? Anyone who copies the file can then read every client's record",
                      abort=True, err=True)
    old = cipher.passphrase()
    _swap_in(path, old, "")
    cipher.set_passphrase(None)
    _audit_in(ctx, AuditAction.DECRYPT, f"file={path}")
    click.echo(f"Decrypted {path}: it is a plain SQLite file again. Backups taken while it was encrypted "
               "stay encrypted with the passphrase it had then.")


def change_database_passphrase(ctx: CliContext, passphrase_stdin: bool) -> None:
    from caseterm import cipher
    from caseterm.vocabulary import AuditAction

    path = _database_file(ctx, "passphrase")
    if not cipher.is_encrypted(path):
        raise BadInput(f"{path}: not encrypted; `caseterm encrypt` encrypts it, "
                       "`caseterm passphrase --lock-only` sets the screen lock's passphrase")
    ctx.engine().dispose()  # unlocks with the current passphrase
    applock.hold_exclusive(path)  # refused while another caseterm has it open (issue 21)
    old = cipher.passphrase()
    assert old is not None
    new = read_new_passphrase(passphrase_stdin, "database passphrase")
    _swap_in(path, old, new)  # encrypted to encrypted: no plain copy is ever written
    cipher.set_passphrase(new)
    _audit_in(ctx, AuditAction.PASSPHRASE_CHANGED, "passphrase=database")
    click.echo(f"Passphrase of {path} changed. Backups taken before keep the old passphrase.")
