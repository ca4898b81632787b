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
            yield Static("Enter: OK · Esc: cancel", classes="prompt-help")

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
    """Snooze until: a digit (1 / 3 / 7 days) chooses, a typed date too; Enter confirms.

    The digit only selects: the dialog says "Enter: OK" and means it, so no
    key both snoozes and leaves an extra Enter to open the next item.
    """

    def __init__(self, what: str, choices: list[tuple[int, dt.date]], parse: Callable[[str], dt.date]) -> None:
        self.choices = {str(days): day for days, day in choices}
        lines = "   ".join(f"[b]{days}[/b] {day:%a %b %d}" for days, day in choices)
        self._parse_date = parse
        super().__init__(
            f"Snooze: {what}",
            help_text=f"{lines}\ntype 1, 3 or 7, or a date (YYYY-MM-DD or +days); Enter snoozes",
            placeholder="1, 3, 7, YYYY-MM-DD or +days",
            parse=self._choice,
        )

    def _choice(self, text: str) -> dt.date:
        if text.strip() in self.choices:
            return self.choices[text.strip()]
        return self._parse_date(text)

    @on(Input.Changed)
    def _quick(self, event: Input.Changed) -> None:
        """Say which date Enter will snooze to (or nothing yet)."""
        label = self.query_one("#prompt-error", Label)
        value = event.value.strip()
        if value in self.choices:
            label.update(f"→ until {self.choices[value]:%a %b %d} (Enter snoozes)")
        else:
            label.update("")


def required_reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadInput("reason: say why this item is dismissed (it is kept with the item)")
    return text


class TaskPrompt(ModalScreen[Any]):
    """A manual task for the due list: what, when, how important (004 time management)."""

    DEFAULT_CLASSES = "prompt"
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, save: Callable[[str, str, str], Any], who: str = "") -> None:
        super().__init__()
        self.save = save
        self.who = who

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(f"New task{' for ' + self.who if self.who else ''}", classes="prompt-title")
            yield Input(placeholder="what to do", id="task-title")
            yield Input(placeholder="due: Enter for today, YYYY-MM-DD or +days", id="task-due")
            yield Input(placeholder="priority: 1 urgent · 2 important (default) · 3 not time limited", id="task-priority", max_length=1)
            yield Static("Tab moves between fields · Enter saves · Esc cancels", classes="prompt-help")
            yield Label("", classes="prompt-error", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one("#task-title", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = [self.query_one(f"#task-{name}", Input).value for name in ("title", "due", "priority")]
        try:
            result = self.save(*values)
        except BadInput as err:
            self.query_one("#prompt-error", Label).update("\n".join(err.errors))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmPrompt(ModalScreen[bool]):
    """A yes/no question: `y` or Enter says yes, `n` or Esc says no."""

    DEFAULT_CLASSES = "prompt"
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", show=True),
        Binding("n,escape", "answer(False)", "No", show=True),
    ]

    def __init__(self, title: str, text: str, yes: str = "quit", no: str = "go back") -> None:
        super().__init__()
        self.prompt_title = title
        self.text = text
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(self.prompt_title, classes="prompt-title")
            yield Static(self.text, classes="prompt-help", markup=False)
            yield Static(f"y or Enter: {self.yes} · n or Esc: {self.no}", classes="prompt-help")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ReleaseReasonPrompt(ModalScreen[Any]):
    """A collateral contact with no release in force covering the party: why was it shared? (23.6)

    One key picks the reason (consent given verbally, emergency, other), Tab goes to
    its words (required for other), Enter saves the note with it; Esc goes back to
    the note, unsaved. The result is the reason as stored (`release_reason_text`)."""

    DEFAULT_CLASSES = "prompt"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save note", show=True, priority=True),
        # Enter saves from the reason's dropdown too (a letter picked it); an open list takes its own Enter.
        Binding("enter", "submit", "Save note", show=False, priority=True),
        Binding("escape", "cancel", "Back to the note", show=True),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit" and self.is_mounted:
            from textual.widgets import Select

            if self.query_one("#release-kind", Select).expanded:
                return False
        return True

    def __init__(self, party: str, releases: list[str], reasons: dict[str, str],
                 make: Callable[[str, str], str]) -> None:
        super().__init__()
        self.party = party
        self.releases = releases
        self.reasons = reasons
        self.make = make

    def compose(self) -> ComposeResult:
        from caseterm.widgets.form_fields import PickSelect

        covered = ", ".join(self.releases) if self.releases else "none"
        with Vertical(classes="prompt-box"):
            yield Label(f"No release of information covers {self.party}", classes="prompt-title")
            yield Static(f"Releases in force: {covered}. Why was it shared? The reason is kept with the note.",
                         classes="prompt-help")
            yield PickSelect([(words, key) for key, words in self.reasons.items()], prompt="reason",
                             id="release-kind", compact=True)
            yield Input(placeholder="a few words (who agreed and when; the emergency)", id="release-words")
            yield Label("", classes="prompt-error", id="prompt-error")
            yield Static("a letter picks the reason · Tab to the words · Enter saves the note · Esc back",
                         classes="prompt-help")

    def on_mount(self) -> None:
        self.query_one("#release-kind").focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        from textual.widgets import Select

        kind = self.query_one("#release-kind", Select).value
        if kind is Select.NULL or kind is Select.BLANK:
            self.query_one("#prompt-error", Label).update("reason: pick one (consent given verbally, emergency, other)")
            return
        try:
            result = self.make(str(kind), self.query_one("#release-words", Input).value)
        except BadInput as err:
            self.query_one("#prompt-error", Label).update("\n".join(err.errors))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
