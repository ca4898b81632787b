"""`caseterm audit`: the audit trail, who opened, wrote, printed or exported what."""

from __future__ import annotations

import json

import click

from caseterm import clock
from caseterm.cli import CliContext
from caseterm.errors import BadInput
from caseterm.text import plural
from caseterm.vocabulary import AuditAction


@click.command("audit")
@click.option("--client", "case_number", metavar="CASE", help="Only entries about this case number.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only entries from this day on.")
@click.option("--action", metavar="NAME", help="Only this action (" + ", ".join(a.value for a in AuditAction) + ").")
@click.option("--json", "as_json", is_flag=True, help='Print JSON: [{"at","user","action","case_number","detail"}].')
@click.pass_obj
def audit_cmd(ctx: CliContext, case_number: str | None, since: str | None, action: str | None, as_json: bool) -> None:
    """Print the audit trail, oldest first (never note text, names or addresses)."""
    since_day = clock.parse_date(since, "--since") if since else None
    actions = None
    if action is not None:
        try:
            actions = [AuditAction(action.strip().lower())]
        except ValueError:
            choices = ", ".join(a.value for a in AuditAction)
            raise BadInput(f"--action {action}: not an audited action (choose {choices})") from None
    from caseterm.services import audit
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        rows = audit.entries(session, case_number=case_number.strip() if case_number else None,
                             since=since_day, actions=actions)
    if as_json:
        click.echo(json.dumps([audit.as_json(e) for e in rows], indent=2))
        return
    for entry in rows:
        came = "  (imported)" if entry.imported else ""  # history from a file: outside the chain
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.user}  {entry.action}  {entry.case_number or '-'}  {entry.detail}{came}")
    click.echo(f"({plural(len(rows), 'entry', 'entries')})", err=True)
