"""Small modal questions: snooze until when, why dismiss, reschedule to when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from caseterm.errors import BadInput


class TextPrompt(ModalScreen[Any]):
    """Ask for one line of text; `parse` turns it into the result or raises BadInput."""

    DEFAULT_CLASSES = "prompt"
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(
        self,
        title: str,
        help_text: str = "",
        placeholder: str = "",
        parse: Callable[[str], Any] | None = None,
        value: str = "",
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.help_text = help_text
        self.placeholder = placeholder
        self.parse = parse or (lambda text: text)
        self.initial_value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(self.prompt_title, classes="prompt-title")
            if self.help_text:
                yield Static(self.help_text, classes="prompt-help")
            yield Input(value=self.initial_value, placeholder=self.placeholder, id="prompt-input")
            yield Label("", classes="prompt-error", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def finish(self, text: str) -> None:
        try:
            result = self.parse(text)
        except BadInput as err:
            self.query_one("#prompt-error", Label).update("\n".join(err.errors))
            return
        self.dismiss(result)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.finish(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SnoozePrompt(TextPrompt):
    """Snooze until: 1 / 3 / 7 days with one key, or a typed date."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=True),
        Binding("1", "quick(0)", "+1 day", show=True, priority=True),
        Binding("3", "quick(1)", "+3 days", show=True, priority=True),
        Binding("7", "quick(2)", "+7 days", show=True, priority=True),
    ]

    def __init__(self, what: str, choices: list[tuple[int, dt.date]], parse: Callable[[str], dt.date]) -> None:
        self.choices = choices
        lines = "   ".join(f"[b]{days}[/b] {day:%a %b %d}" for days, day in choices)
        super().__init__(
            f"Snooze: {what}",
            help_text=f"{lines}\nor type a date (YYYY-MM-DD or +days) and press Enter",
            placeholder="YYYY-MM-DD or +days",
            parse=parse,
        )

    def action_quick(self, index: int) -> None:
        # A digit starts a typed "+N" only after "+"; a bare 1/3/7 is a quick choice.
        value = self.query_one(Input).value
        if value:
            self.query_one(Input).insert_text_at_cursor(str(self.choices[index][0]))
            return
        self.dismiss(self.choices[index][1])


def required_reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadInput("reason: say why this item is dismissed (it is kept with the item)")
    return text
