"""`caseterm note add CASE`: write a note from the shell, under the app's record standard.

The same service as the note form (`services.notes.add_note`): the fields the type
needs, late entry, the audit entry, the drafts the note ends (23.1), and for a
collateral contact the party and, with no release in force covering it, the reason
(23.6). Bad input exits 2 naming each missing option; nothing is written.
"""

from __future__ import annotations

import sys

import click

from caseterm.cli import CliContext
from caseterm.errors import BadInput
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType, label


def _choice(errors: list[str], option: str, value: str | None, enum: type) -> object | None:
    if value is None or not value.strip():
        return None
    try:
        return enum(value.strip().replace(" ", "_").replace("-", "_").lower())
    except ValueError:
        errors.append(f"note add: {option}: {value!r} is not one of {', '.join(m.value for m in enum)}")
        return None


@click.group("note")
def note() -> None:
    """Notes from the shell: `note add`."""


@note.command("add")
@click.argument("case_number")
@click.option("--type", "type_text", default="contact", show_default=True, help="Note type (contact, collateral, home_visit, ...).")
@click.option("--text", "text", help="The note's text; '-' reads it from standard input.")
@click.option("--at", "at_text", metavar="'YYYY-MM-DD HH:MM'", help="When the contact happened (default: now).")
@click.option("--method", "method_text", help="Contact method (phone, text, email, letter, home_visit, office, other).")
@click.option("--outcome", "outcome_text", help="Outcome (reached, no_answer, left_message, returned_mail, wrong_number).")
@click.option("--minutes", "minutes_text", help="Time spent, in minutes.")
@click.option("--party", help="Collateral note: who was contacted (a landlord, an employer, an agency).")
@click.option("--release-reason", "release_kind", type=click.Choice(["verbal", "emergency", "other"]),
              help="Collateral note with no release in force covering the party: why it was shared.")
@click.option("--reason-words", default="", help="A few words with --release-reason (required for other).")
@click.pass_obj
def add_cmd(
    ctx: CliContext, case_number: str, type_text: str, text: str | None, at_text: str | None,
    method_text: str | None, outcome_text: str | None, minutes_text: str | None,
    party: str | None, release_kind: str | None, reason_words: str,
) -> None:
    """Add a note to CASE_NUMBER's record (never changed afterwards; amend it in the app)."""
    from caseterm.services import collateral, notes
    from caseterm.services.clients import get_client
    from caseterm.services.records import Errors, parse_datetime, parse_int
    from caseterm.store import session_scope

    errors: list[str] = []
    note_type = _choice(errors, "--type", type_text, NoteType)
    method = _choice(errors, "--method", method_text, ContactMethod)
    outcome = _choice(errors, "--outcome", outcome_text, ContactOutcome)
    parsed = Errors()
    contact_at = parse_datetime(parsed, "note add: --at", at_text)
    minutes = parse_int(parsed, "note add: --minutes", minutes_text, lo=0, hi=24 * 60)
    errors += parsed.items
    body = sys.stdin.read() if text == "-" else (text or "")
    if not body.strip():
        errors.append("note add: --text: the note's text is required ('-' reads standard input)")
    reason = None
    if release_kind:
        try:
            reason = collateral.release_reason_text(release_kind, reason_words)
        except BadInput as err:
            errors += [f"note add: --reason-words: {e.split(': ', 1)[-1]}" for e in err.errors]
    if note_type is NoteType.TRANSFER:
        errors.append("note add: --type: a transfer note is written by `caseterm assign`, with the transfer")
    if errors:
        raise BadInput(*errors)
    assert isinstance(note_type, NoteType)
    with session_scope(ctx.engine()) as session:
        client = get_client(session, case_number)
        try:
            saved = notes.add_note(
                session, client, type=note_type, text=body.rstrip(), contact_at=contact_at,
                method=method, outcome=outcome, minutes=minutes,  # type: ignore[arg-type]
                party=party, release_reason=reason,
            )
        except collateral.ReleaseNeeded as err:
            covered = ", ".join(err.releases) or "none"
            raise BadInput(
                f"note add: --release-reason: no release of information in force covers {err.party!r} "
                f"(releases in force: {covered}); give --release-reason verbal|emergency|other "
                "(other with --reason-words)"
            ) from None
        except BadInput as err:
            option = {"party": "--party", "method": "--method", "outcome": "--outcome", "minutes": "--minutes",
                      "text": "--text", "contact date/time": "--at"}
            raise BadInput(*[
                f"note add: {option.get(e.split(':', 1)[0], e.split(':', 1)[0])}:{e.split(':', 1)[1]}" if ":" in e else e
                for e in err.errors
            ]) from None
        late = " (late entry)" if saved.late_entry else ""
        click.echo(f"Note saved for {client.case_number}: {label(note_type)}, {saved.contact_at:%Y-%m-%d %H:%M}{late}.")
