"""The notices of this session, newest first: a toast goes after a few seconds, what it said does not."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

#: Theme variables per severity (TCSS-free: the words carry the colour of the toast they were).
_STYLE = {"error": "$text-error", "warning": "$text-warning"}


class NoticesScreen(ModalScreen[None]):
    """Reread what the app said (palette: "Recent messages")."""

    DEFAULT_CLASSES = "prompt"
    BINDINGS = [Binding("escape", "dismiss", "Close", show=True)]

    def __init__(self, notices: Iterable[Any]) -> None:
        super().__init__()
        self.notices = list(notices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label("Recent messages (newest first)", classes="prompt-title")
            with VerticalScroll(id="notices"):
                if not self.notices:
                    yield Static("No messages yet.", classes="prompt-help")
                for notice in reversed(self.notices):
                    style = _STYLE.get(notice.severity, "$text-muted")
                    yield Static(
                        Content.from_markup(f"[{style}]$at[/] $message", at=f"{notice.at:%H:%M}", message=notice.message)
                    )
            yield Static("Esc: close", classes="prompt-help")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
