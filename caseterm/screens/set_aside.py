"""The snoozed and dismissed due items, with undo (23.10).

A snooze or a dismissal hides an item; this is where the user sees what is hidden
(whose, which rule, until when or since when, why) and puts one back: Enter or `u`.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.messages import NO_CLIENT, DataChanged
from caseterm.vocabulary import DueAction


def describe(entry: Any) -> Content:
    """Two lines: whose and which rule; then until when (or dismissed when) and why."""
    if entry.action == DueAction.SNOOZED:
        when = f"snoozed until {entry.until:%a %b %d} (on {clock.short_date(entry.decided_at)})"
    else:
        when = f"dismissed {clock.short_date(entry.decided_at)} {entry.decided_at:%H:%M}"
    why = f" · {entry.reason}" if entry.reason else ""
    return Content.from_markup(
        "[b]$client[/] · $label\n  [$text-muted]$when$why[/]",
        client=entry.client, label=entry.label, when=when, why=why,
    )


class SetAsideScreen(ModalScreen[None]):
    """Snoozed and dismissed items (palette "Due list: snoozed and dismissed", `u` in the due list)."""

    DEFAULT_CLASSES = "prompt"
    BINDINGS = [
        Binding("enter", "undo", "Undo", show=True, tooltip="Put the highlighted item back on the due list"),
        Binding("u", "undo", "Undo", show=False),
        Binding("escape", "close", "Close", show=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box", id="set-aside-box"):
            yield Label("Snoozed and dismissed items", classes="prompt-title")
            yield OptionList(id="set-aside-list")
            yield Static("Enter or u: put it back on the due list · Esc: close", classes="prompt-help")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        from caseterm.services.snooze import set_aside

        with self.app.session() as session:  # type: ignore[attr-defined]
            self.entries = set_aside(session, clock.today())
        options = self.query_one("#set-aside-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not self.entries:
            options.add_option(Option("Nothing is snoozed or dismissed.", disabled=True))
            return
        options.add_options(Option(describe(entry), id=entry.item_key) for entry in self.entries)
        options.highlighted = min(highlighted or 0, len(self.entries) - 1)
        options.focus()

    def action_undo(self) -> None:
        from caseterm.services.snooze import undo

        options = self.query_one("#set-aside-list", OptionList)
        if not self.entries or options.highlighted is None:
            return
        entry = self.entries[options.highlighted]
        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                undo(session, entry.item_key, clock.today())
        except BadInput as err:
            self.notify("\n".join(err.errors), severity="error")
            self.load()
            return
        self.notify(f"Back on the due list: {entry.label} · {entry.client}", timeout=3)
        self.app.post_message(DataChanged(case_number=entry.case_number or NO_CLIENT))
        self.load()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_undo()

    def action_close(self) -> None:
        self.dismiss(None)
