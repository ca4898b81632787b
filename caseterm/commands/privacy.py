"""Privacy at rest: `caseterm passphrase` (the screen lock's passphrase)."""

from __future__ import annotations

import sys

import click

from caseterm.cli import CliContext
from caseterm.errors import BadInput


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
    """Set the passphrase that unlocks the screen lock (--lock-only)."""
    if not lock_only:
        raise BadInput("passphrase: database encryption is not available in this version; "
                       "use --lock-only to set the screen lock's passphrase")
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
