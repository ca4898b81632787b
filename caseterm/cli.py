"""The `caseterm` command: global options, then a subcommand or the TUI.

Subcommands live in `caseterm/commands/` and are imported only when used, so
`caseterm` (the TUI) and `caseterm --help` start without loading them all.
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from caseterm import clock
from caseterm.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: subcommand name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "agenda": "caseterm.commands.agenda:agenda",
    "policy": "caseterm.commands.agenda:policy",
    "import": "caseterm.commands.data:import_cmd",
    "export": "caseterm.commands.data:export_cmd",
    "demo": "caseterm.commands.data:demo_cmd",
    "backup": "caseterm.commands.data:backup_cmd",
    "check": "caseterm.commands.data:check_cmd",
    "restore": "caseterm.commands.data:restore_cmd",
    "letter": "caseterm.commands.letter:letter",
    "audit": "caseterm.commands.audit:audit_cmd",
    "passphrase": "caseterm.commands.privacy:passphrase_cmd",
    "encrypt": "caseterm.commands.privacy:encrypt_cmd",
    "decrypt": "caseterm.commands.privacy:decrypt_cmd",
    "search": "caseterm.commands.search:search",
    "note": "caseterm.commands.note:note",
    "team": "caseterm.commands.team:team",
    "worker": "caseterm.commands.team:worker",
    "assign": "caseterm.commands.team:assign_cmd",
    "cover": "caseterm.commands.team:cover_cmd",
    "hmis": "caseterm.commands.hmis:hmis",
    "project": "caseterm.commands.hmis:project",
}

HELP = {
    "agenda": "Print the day: template blocks, appointments and what is due.",
    "policy": "Print the policy in force and where each value came from.",
    "import": "Import a .json interchange file or a .csv of clients.",
    "export": "Export the caseload (json, csv, ics or html).",
    "demo": "Fill an empty database with the demo caseload.",
    "backup": "Copy the database with SQLite's online backup.",
    "check": "Check the database's integrity and schema revision.",
    "restore": "Put a backup back as the database (lists the backups without a file).",
    "letter": "Write a letter to a client and log it as a written contact.",
    "audit": "Print the audit trail: who opened, wrote, printed or exported what.",
    "passphrase": "Change the encrypted database's passphrase, or the screen lock's (--lock-only).",
    "encrypt": "Encrypt the database with a passphrase (SQLCipher).",
    "decrypt": "Turn an encrypted database back into a plain file.",
    "search": "Search every note for words (the app's notes search).",
    "note": "Add a note from the shell (`note add CASE --text ...`), under the record standard.",
    "team": "Agency mode: `team init` sets up a PostgreSQL database (roles, grants, policies).",
    "worker": "Add or list workers (case managers, supervisors, admins).",
    "assign": "Transfer clients to a worker (history and a transfer note).",
    "cover": "Let one worker act for another's clients until a date.",
    "hmis": "HUD HMIS CSV FY2026: `hmis check PATH` validates a set of files.",
    "project": "The agency's organization and projects (HUD HMIS): add, list, edit.",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name == module_name:
                return None  # not built yet
            raise
        return getattr(module, attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@dataclass
class CliContext:
    """What the global options chose; opens the database on first use."""

    db: str | None = None
    demo: bool = False
    _engine: "Engine | None" = field(default=None, repr=False)
    #: The database the running command opened, for messages about it (no password).
    location: ClassVar[str | None] = None

    @property
    def url(self) -> str:
        from caseterm.store import resolve_url

        if self.demo:
            return resolve_url(str(_demo_db_path()))
        return resolve_url(self.db)

    @property
    def letters_dir(self) -> Path | None:
        """Letters' folder: None for the default (letters/ in the data folder); the demo keeps its own."""
        return _demo_db_path().parent / "letters" if self.demo else None

    @property
    def names_default_db(self) -> bool:
        """No --db and no CASETERM_DB: the default file, created on first use."""
        return self.demo or not self.db

    def engine(self, *, create: bool = False, check: bool = True) -> "Engine":
        """Open (and migrate) the database once.

        `create`: the command makes a new database if there is none (import, demo);
        otherwise only the default file is created, so a mistyped --db is an error,
        not an empty caseload. `check`: refuse a damaged file before reading it.
        """
        if self._engine is None:
            from caseterm.store import open_store, quick_check

            self.unlock()
            from caseterm.store import location

            CliContext.location = location(self.url)  # never the password
            from caseterm.store import checked_unchanged, remember_checked, sqlite_path

            path = sqlite_path(self.url)
            # Looked at before opening (opening makes its write-ahead log): as it was when remembered.
            unchanged = path is not None and checked_unchanged(path)
            self._engine = open_store(self.url, create=create or self.names_default_db)
            import caseterm.services.due_table  # noqa: F401 - its hook stores a changed client's due items on commit
            current = click.get_current_context(silent=True)
            checked = {"sound": False}
            if current is not None:
                # Callbacks run last-registered first: the file is let go of (its log checkpointed),
                # then, if it was checked sound, remembered as it is now.
                if path is not None:
                    current.call_on_close(lambda: checked["sound"] and remember_checked(path))
                current.call_on_close(self._engine.dispose)  # let go of the file when the command ends
            if check and path is not None:
                # The whole-file check reads every page (0.35 s at 10,000 clients): a file unchanged
                # since it last passed is not read again; a damaged page read later still fails (exit 2).
                if not unchanged:
                    try:
                        quick_check(self._engine)
                    except BadInput as err:
                        from caseterm.backups import restore_hint

                        raise type(err)(*err.errors, restore_hint(path)) from None
                checked["sound"] = True
            if self.demo:
                from caseterm.services import demo
                from caseterm.store import session_scope

                with session_scope(self._engine) as session:
                    if demo.is_empty(session):
                        demo.populate(session, clock.today())
        return self._engine


    def unlock(self, path: Path | None = None) -> None:
        """An encrypted database (or `path`, a backup): its passphrase from CASETERM_PASSPHRASE
        or the terminal, held in memory."""
        from caseterm import cipher, swap
        from caseterm.store import sqlite_path

        if path is None:
            path = sqlite_path(self.url)
            swap.recover(path)  # an interrupted encrypt/decrypt/passphrase/restore: its leftovers go

        def ask() -> str | None:
            if not sys.stdin.isatty():
                return None
            return click.prompt(f"Passphrase for {path}", hide_input=True, err=True)

        cipher.unlock_from(path, ask)


_DEMO_DIR: Path | None = None


def _demo_db_path() -> Path:
    """A fresh demo database in a private temporary folder, removed at exit."""
    global _DEMO_DIR
    if _DEMO_DIR is None:
        _DEMO_DIR = Path(tempfile.mkdtemp(prefix="caseterm-demo-"))
        atexit.register(shutil.rmtree, _DEMO_DIR, ignore_errors=True)
    return _DEMO_DIR / "demo.db"


def _pin_today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        try:
            clock.pin(clock.parse_today(value, "--today"))
        except BadInput as err:
            raise click.BadParameter(str(err)) from None
    return value


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="PATH|URL", envvar="CASETERM_DB", help="Database file or URL (default: the user data folder).")
@click.option("--today", metavar="YYYY-MM-DD", callback=_pin_today, expose_value=False, is_eager=True, help="Pretend today is this date.")
@click.option("--demo", is_flag=True, help="Use a fresh demo caseload in a temporary file.")
@click.version_option(package_name="caseterm")
@click.pass_context
def cli(ctx: click.Context, db: str | None, demo: bool) -> None:
    """caseterm: your caseload, today's schedule, client notes and what is due.

    Run without a command to open the terminal app.
    """
    ctx.obj = CliContext(db=db, demo=demo)
    if ctx.invoked_subcommand is None:
        from caseterm.tui import run_tui

        run_tui(ctx.obj)


class PrintableStream:
    """A text stream that shows control characters visibly (`text.printable`) before they reach
    the terminal: the one way every CLI line goes out (click.echo, print, messages on stderr),
    so a client name, a note or an audit user holding `\\x1b[2J` or `\\x1b]52;...` cannot
    drive the terminal (issue 21 item 6). Bytes (`.buffer`: a zip export) pass unchanged; Rich
    tables write to `.raw` through a console that cleans their text (`commands.agenda`)."""

    def __init__(self, raw: object) -> None:
        self.raw = raw

    def write(self, data: str) -> int:
        from caseterm.text import printable

        self.raw.write(printable(data))  # type: ignore[attr-defined]
        return len(data)

    def writelines(self, lines: "list[str]") -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self.raw, name)


def raw_stdout() -> object:
    """Standard output under the PrintableStream (for a Rich console that cleans its own text)."""
    out = sys.stdout
    return out.raw if isinstance(out, PrintableStream) else out


def _tolerant_streams() -> None:
    """Print what the terminal's encoding cannot show as '?', never crash on it;
    a closed stdout or stderr (`caseterm agenda >&-`) writes nowhere instead of failing."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or unusual stream
                pass
    if not isinstance(sys.stdout, PrintableStream):
        sys.stdout = PrintableStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, PrintableStream):
        sys.stderr = PrintableStream(sys.stderr)  # type: ignore[assignment]


def _quiet_broken_pipe() -> None:
    """`caseterm agenda | head -1`: the reader left; stop quietly, as Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(EXIT_BROKEN_PIPE)


#: 128 + SIGPIPE: what a shell reports for a program stopped by a closed pipe.
EXIT_BROKEN_PIPE = 141


def _say(line: str) -> None:
    """One line on stderr, whatever state stderr is in."""
    try:
        click.echo(line, err=True)
    except Exception:  # noqa: BLE001 - nowhere left to say it
        pass


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input and database trouble exit 2 with a message; anything
    else leaves a crash report and one line (never a traceback: it can hold client data)."""
    _tolerant_streams()
    try:
        cli.main(args=argv, prog_name="caseterm", standalone_mode=False)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BadInput as err:
        for line in err.errors:
            _say(f"caseterm: {line}")
        sys.exit(2)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except SystemExit as done:
        if isinstance(done.__context__, BrokenPipeError):  # Rich stops this way on a closed pipe
            _quiet_broken_pipe()
        raise
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the last line of defence
        from caseterm.errors import store_error_from

        known = store_error_from(err, CliContext.location)
        if known is not None:
            for line in known.errors:
                _say(f"caseterm: {line}")
            sys.exit(2)
        try:
            from caseterm.crash import write_report

            where = f"report written to {write_report(err)}"
        except Exception:  # noqa: BLE001 - never fail while failing, never print the chain
            where = "no report could be written (is the state folder writable?)"
        _say(f"caseterm: unexpected error ({type(err).__name__}); {where}")
        sys.exit(1)
