"""The `caseterm` command: global options, then a subcommand or the TUI.

Subcommands live in `caseterm/commands/` and are imported only when used, so
`caseterm` (the TUI) and `caseterm --help` start without loading them all.
"""

from __future__ import annotations

import atexit
import importlib
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
    "letter": "caseterm.commands.letter:letter",
    "search": "caseterm.commands.search:search",
}

HELP = {
    "agenda": "Print the day: template blocks, appointments and what is due.",
    "policy": "Print the policy in force and where each value came from.",
    "import": "Import a .json interchange file or a .csv of clients.",
    "export": "Export the caseload (json, csv, ics or html).",
    "demo": "Fill an empty database with the demo caseload.",
    "backup": "Copy the database with SQLite's online backup.",
    "check": "Check the database's integrity and schema revision.",
    "letter": "Write a letter to a client and log it as a written contact.",
    "search": "Search every note for words (the app's notes search).",
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

    def engine(self) -> "Engine":
        if self._engine is None:
            from caseterm.store import open_store

            self._engine = open_store(self.url)
            if self.demo:
                from caseterm.services import demo
                from caseterm.store import session_scope

                with session_scope(self._engine) as session:
                    if demo.is_empty(session):
                        demo.populate(session, clock.today())
        return self._engine


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
            clock.pin(clock.parse_date(value, "--today"))
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input exits 2 with a message; anything else leaves a crash report."""
    try:
        cli.main(args=argv, prog_name="caseterm", standalone_mode=False)
    except BadInput as err:
        for line in err.errors:
            click.echo(f"caseterm: {line}", err=True)
        sys.exit(2)
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
        from caseterm.crash import write_report

        report = write_report(err)
        click.echo(f"caseterm: unexpected error ({type(err).__name__}); report written to {report}", err=True)
        sys.exit(1)
