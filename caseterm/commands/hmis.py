"""`caseterm hmis ...`: HUD HMIS CSV FY2026 (validate a set; more under `export --format hmis`)."""

from __future__ import annotations

from pathlib import Path

import click

from caseterm import clock
from caseterm.errors import BadInput


def _printable(line: str) -> str:
    """Another system's file reaches the terminal: its control characters become '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in line)


@click.group("hmis")
def hmis() -> None:
    """HUD HMIS CSV FY2026: check a set of files (any system's)."""


@hmis.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def check_cmd(path: Path) -> None:
    """Check the HMIS CSV set in PATH (a folder or a .zip) against FY2026.

    Prints `File.csv:ROW:Column: problem` (ROW 1 is the header, 0 the whole file);
    exit status 0 when clean, 2 when not.
    """
    from caseterm.hmis.check import check_path

    problems = check_path(path, clock.today())
    for problem in problems:
        click.echo(_printable(str(problem)))
    if problems:
        raise BadInput(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found")
    click.echo(f"{path}: a clean HMIS CSV FY2026 set.")
