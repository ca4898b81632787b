"""`caseterm agenda` (the day and what is due) and `caseterm policy` (the policy in force)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

import click

from caseterm import clock
from caseterm.cli import CliContext
from caseterm.text import plural


def _console():  # noqa: ANN202 - rich is imported only when printing text
    """A Rich console whose text segments are cleaned of control characters (`text.printable`):
    it writes its own colour codes to the raw stream, never the data's; no markup in data."""
    from rich.console import Console
    from rich.segment import Segment

    from caseterm.cli import raw_stdout
    from caseterm.text import printable

    class PrintableConsole(Console):
        def _render_buffer(self, buffer):  # noqa: ANN001, ANN202 - Rich's own signature
            return super()._render_buffer(
                seg if seg.control else Segment(printable(seg.text), seg.style, seg.control) for seg in buffer
            )

    # A terminal's width, or COLUMNS when set; 120 for a pipe (Rich would take 80).
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
    return PrintableConsole(file=raw_stdout(), width=width, highlight=False, soft_wrap=False)  # type: ignore[arg-type]


@click.command("agenda")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="The day to show (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the shape DESIGN.md gives).")
@click.pass_obj
def agenda(ctx: CliContext, date_text: str | None, as_json: bool) -> None:
    """Print the day: template blocks, appointments placed in them, and what is due."""
    day = clock.parse_date(date_text, "--date") if date_text else clock.today()
    from caseterm.policy import load_policy

    policy = load_policy()  # a bad policy file is reported before the database is opened
    from caseterm.services.agenda import build_agenda
    from caseterm.store import session_scope

    with session_scope(ctx.engine()) as session:
        result = build_agenda(session, day, policy)
    if as_json:
        # indented for a person at a terminal; compact (3x faster on big caseloads) in a pipe
        indent = 2 if sys.stdout.isatty() else None
        click.echo(json.dumps(result.to_json(), indent=indent, ensure_ascii=False))
        return
    _print_agenda(result)


def _print_agenda(result: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    from caseterm.rules.engine import RoutineGroup

    console = _console()
    day: dt.date = result.date
    console.print(Text(f"{day:%A, %B} {day.day}, {day.year}", style="bold"))
    for note in result.notes:
        console.print(note)

    schedule = Table(title="The day", title_justify="left", show_lines=False, expand=False)
    schedule.add_column("Time", no_wrap=True)
    schedule.add_column("Block")
    schedule.add_column("Appointments")
    for block in result.blocks:
        lines = [_appointment_line(a) for a in block.appointments]
        if not lines and block.kind.value == "interview":
            lines = ["(open)"]
        schedule.add_row(f"{block.start:%H:%M}-{block.end:%H:%M}", Text(block.title), Text("\n".join(lines)))  # data: no markup
    for appt in result.loose_appointments:
        schedule.add_row(f"{appt.start:%H:%M}", "(outside the template)", Text(_appointment_line(appt)))
    console.print(schedule)

    if not result.due:
        console.print("Nothing is due. ")
        return
    from caseterm.rules.engine import split_due

    now, later = split_due(result.due, day)
    overdue = sum(1 for i in now if i.overdue)
    console.print(Text(f"Due: {plural(len(now), 'item')}, {overdue} overdue; {len(later)} coming up", style="bold"))
    sections = [(group.value.capitalize(), [i for i in now if i.group == group]) for group in RoutineGroup]
    sections.append(("Coming up", later))
    for heading, items in sections:
        if not items:
            continue
        table = Table(title=f"{heading} ({len(items)})", title_justify="left")
        table.add_column("", no_wrap=True)
        table.add_column("P", no_wrap=True)
        table.add_column("Due", no_wrap=True)
        table.add_column("Case", no_wrap=True)
        table.add_column("What to do")
        table.add_column("Why", style="dim")
        for i in items:
            mark = Text("OVERDUE", style="bold red") if i.overdue else Text("")
            when = "today" if i.due == day else f"{i.due:%a %b} {i.due.day}" + (f" {i.due.year}" if i.due.year != day.year else "")
            table.add_row(mark, str(int(i.priority)), when, Text(i.case_number or "-"), Text(i.title), f"{i.rule} ({i.source})")
        console.print(table)
    console.print("P: 1 urgent and important, 2 important but not urgent, 3 important but not time limited (004).")


def _appointment_line(appt: Any) -> str:
    from caseterm.rules.common import kind_label

    flags = []
    if appt.status.value != "scheduled":
        flags.append(appt.status.value.replace("_", "-"))
    elif not appt.reminder_called:
        flags.append("no reminder call yet")
    if appt.place.value != "office":
        flags.append(appt.place.value)
    extra = f" [{', '.join(flags)}]" if flags else ""
    return f"{appt.start:%H:%M} {appt.name} ({appt.case_number}) {kind_label(appt.kind)}, {appt.minutes} min{extra}"


def _fmt_value(value: Any) -> str:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(_fmt_value(v) for v in value) or "(none)"
    return str(getattr(value, "value", value))


@click.command("policy")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: key -> {value, source}.")
def policy(as_json: bool) -> None:
    """Print the policy in force and where each value came from."""
    from caseterm import paths
    from caseterm.policy import flatten, load_loaded

    loaded = load_loaded()
    values = flatten(loaded.policy)
    rows: list[tuple[str, str, str]] = []
    for key, value in values.items():
        source = loaded.sources.get(key, "default")
        source = "default" if source == "default" else f"agency file {source}"
        if key == "day.blocks":
            for n, block in enumerate(value):
                rows.append((f"day.blocks[{n}]", f"{block.start:%H:%M}-{block.end:%H:%M} {block.kind.value}: {block.title}", source))
            continue
        rows.append((key, _fmt_value(value), source))
    if as_json:
        click.echo(json.dumps({k: {"value": v, "source": s} for k, v, s in rows}, indent=2, ensure_ascii=False))
        return
    from rich.table import Table
    from rich.text import Text

    console = _console()
    override = paths.policy_override_path()
    state = "in use" if loaded.override_file else "none"
    console.print(f"Agency policy file: {override} ({state})")
    table = Table(title="Policy in force", title_justify="left")
    table.add_column("Key", no_wrap=True)
    table.add_column("Value")
    table.add_column("From", no_wrap=True)
    for key, value, source in rows:
        table.add_row(Text(key), Text(value), Text(source))
    console.print(table)
