"""`caseterm search WORDS`: the notes search of the TUI, for the shell."""

from __future__ import annotations

import json
import sys

import click

from caseterm.vocabulary import label
from caseterm.cli import CliContext
from caseterm.errors import BadInput


#: The most notes one search prints (far more than a terminal shows; within SQLite's integers).
MAX_LIMIT = 1_000_000


@click.command("search")
@click.argument("words", nargs=-1, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {case_number, uid, contact_at, type, snippet}.")
@click.option("--limit", "-n", "limit_text", metavar="N", default="50", show_default=True, help="At most N notes.")
@click.pass_obj
def search(ctx: CliContext, words: tuple[str, ...], as_json: bool, limit_text: str) -> None:
    """Search every note for WORDS: whole words, the last one also as the start
    of a word, the agency's synonyms folded in; best match first.

    The same search as the app's (ctrl+f). Output holds client data: it is
    marked CONFIDENTIAL.
    """
    from caseterm.services.notes import HIT_END, HIT_START, search_notes

    query = " ".join(words)
    if not any(ch.isalnum() for ch in query):
        raise BadInput("search: WORDS: give at least one word to search for")
    try:
        limit = int(limit_text)
    except ValueError:
        raise BadInput(f"search: --limit: expected a whole number, got {limit_text!r}") from None
    if limit < 1:
        raise BadInput(f"search: --limit: must be at least 1, got {limit}")
    if limit > MAX_LIMIT:  # SQLite's LIMIT is a 64-bit integer: a bigger one crashed (OverflowError)
        raise BadInput(f"search: --limit: must be at most {MAX_LIMIT}, got {limit}")
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        rows = search_notes(session, query, limit=limit)
    if as_json:
        indent = 2 if sys.stdout.isatty() else None
        click.echo(json.dumps([r.to_json() for r in rows], indent=indent, ensure_ascii=False))
        return
    from caseterm.text import plural

    click.echo(f"CONFIDENTIAL: client information. {plural(len(rows), 'note')} with {query!r}, best match first.")
    for r in rows:
        click.echo("")
        click.echo(f"{r.case_number}  {r.client_name}  {r.contact_at:%Y-%m-%d %H:%M}  {label(r.type)}  {r.uid}")
        snippet = " ".join(r.snippet.split()).replace(HIT_START, "[").replace(HIT_END, "]")
        click.echo(f"  {snippet}")
