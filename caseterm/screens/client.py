"""One client's file: header card and tabs (placeholder; being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static


class ClientScreen(Screen):
    """A client's file, opened by case number."""

    CSS_PATH = "client.tcss"
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, case_number: str, tab: str | None = None) -> None:
        super().__init__()
        self.case_number = case_number
        self.initial_tab = tab

    def compose(self) -> ComposeResult:
        yield Static(f"Client {self.case_number}")
        yield Footer()
