"""Note entry for one client (placeholder; being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static


class NoteScreen(Screen):
    """Write a note for a client, optionally for an appointment or a due item."""

    CSS_PATH = "client.tcss"
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(
        self, case_number: str, appointment_id: int | None = None, due_item_key: str | None = None
    ) -> None:
        super().__init__()
        self.case_number = case_number
        self.appointment_id = appointment_id
        self.due_item_key = due_item_key

    def compose(self) -> ComposeResult:
        yield Static(f"New note for {self.case_number}")
        yield Footer()
