"""`caseterm letter`: write a letter to a client and log it as a written contact attempt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from caseterm import clock
from caseterm.cli import CliContext
from caseterm.services.letters import LetterTemplate

TEMPLATE_CHOICES = [t.value.replace("_", "-") for t in LetterTemplate]


@click.command("letter")
@click.argument("case_number")
@click.option(
    "--template", "-t", "template", required=True, metavar="|".join(TEMPLATE_CHOICES),
    help="Which letter: " + ", ".join(TEMPLATE_CHOICES) + ".",
)
@click.option("--missed-on", metavar="YYYY-MM-DD", help="The missed appointment's date (default: the last no-show).")
@click.option("--appointment", "appointment_id", type=int, metavar="ID", help="The appointment the letter names (default: the next scheduled one).")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Folder for the letter files (default: letters/ in the data folder; under --demo, the demo's temporary folder).")
@click.pass_obj
def letter(
    ctx: CliContext, case_number: str, template: str, missed_on: str | None, appointment_id: int | None, out_dir: Path | None
) -> None:
    """Write a letter to CASE_NUMBER (text and printable HTML, owner-only) and log it as a `letter` note.

    The note counts as the written contact attempt of the engagement rule (003).
    """
    from caseterm.services.letters import write_letter_committed
    from caseterm.store import session_scope
    from caseterm.text import a_an

    if out_dir is not None and str(out_dir) == "-":
        from caseterm.errors import BadInput

        raise BadInput("letter -o -: a letter is two files (text and HTML); name a folder")
    chosen = LetterTemplate.parse(template, "--template")
    missed: dt.date | None = clock.parse_date(missed_on, "--missed-on") if missed_on else None
    result = write_letter_committed(
        lambda: session_scope(ctx.engine()),
        case_number,
        chosen,
        missed_on=missed,
        appointment_id=appointment_id,
        out_dir=out_dir or ctx.letters_dir,
    )
    click.echo(f"Wrote {result.text_path} (CONFIDENTIAL)")
    click.echo(f"Wrote {result.html_path} (CONFIDENTIAL)")
    click.echo(f"Logged {a_an(chosen.title)} as a written contact attempt for {case_number}.")
