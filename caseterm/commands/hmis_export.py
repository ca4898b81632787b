"""The export command's HMIS branch (kept here so commands/data.py only dispatches)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caseterm import clock
from caseterm.errors import BadInput


def export_hmis(ctx: Any, output: Path | None, date_from: str | None, date_to: str | None,
                hashed: bool, force: bool) -> None:
    """`caseterm export --format hmis --from D --to D -o PATH [--hash] [--force]`."""
    from caseterm.hmis.export import export
    from caseterm.services.audit import current_user
    from caseterm.services.reports import audit_export
    from caseterm.store import session_scope
    from caseterm.vocabulary import AuditAction

    if output is None or str(output) == "-":
        raise BadInput("--format hmis: name a folder or a .zip with -o PATH (24 files do not fit on standard output)")
    if not date_from or not date_to:
        raise BadInput("--format hmis: give the reporting period with --from YYYY-MM-DD --to YYYY-MM-DD")
    start, end = clock.parse_date(date_from, "--from"), clock.parse_date(date_to, "--to")
    if end > clock.today():
        raise BadInput(f"--to {end}: in the future (today is {clock.today()})")
    with session_scope(ctx.engine()) as session:
        written, clients = export(session, output, start, end, clock.now().replace(microsecond=0), current_user(),
                                  hashed=hashed, force=force)
        audit_export(session, AuditAction.EXPORT, "hmis", clients, written, hashed="yes" if hashed else None,
                     period=f"{start}..{end}")
    click.echo(f"Wrote {written}: HMIS CSV FY2026, {clients} client{'s' if clients != 1 else ''}, "
               f"{start} to {end} (CONFIDENTIAL).", err=True)
