"""The unlock screen of an encrypted database: shown before anything else.

A small app of its own, run before the caseload app exists, so nothing of the
caseload is read, drawn or computed until the passphrase has opened the file.
Three wrong tries, then each further one waits longer (2, 4, 8... seconds, at
most a minute) before the next is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle, Vertical
from textual.widgets import Input, Label, Static

from caseterm import cipher
from caseterm.errors import StoreError

#: Wrong tries allowed before each further one waits.
FREE_TRIES = 3
MAX_WAIT_SECONDS = 60.0


def wait_after(wrong: int) -> float:
    """Seconds before the next try after `wrong` wrong ones: 0, 0, 0, then 2, 4, 8... up to a minute."""
    return 0.0 if wrong < FREE_TRIES else min(2.0 ** (wrong - FREE_TRIES + 1), MAX_WAIT_SECONDS)


class UnlockApp(App[str | None]):
    """Asks for the database's passphrase; exits with it once it opens the file (None: gave up)."""

    TITLE = "caseterm"
    CSS = """
    Screen { align: center middle; }
    #unlock-box { width: 60; height: auto; border: round $primary; padding: 1 2; }
    #unlock-title { text-style: bold; }
    #unlock-error { color: $error; }
    """
    BINDINGS = [Binding("escape", "give_up", "Quit"), Binding("ctrl+q", "give_up", "Quit", show=False)]

    def __init__(self, path: Path, wait: Callable[[int], float] = wait_after) -> None:
        super().__init__()
        self.path = path
        self.wait = wait
        self.wrong = 0

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="unlock-box"):
            yield Label("caseterm", id="unlock-title")
            yield Static("This caseload is encrypted.\nType its passphrase and press Enter (Esc quits).",
                         id="unlock-message", markup=False)
            yield Input(password=True, placeholder="passphrase", id="unlock-passphrase")
            yield Label("", id="unlock-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#unlock-passphrase")
    def _try(self, event: Input.Submitted) -> None:
        key = event.value
        event.input.value = ""
        try:
            cipher.verify(self.path, key)
        except StoreError:
            self.wrong += 1
            error = self.query_one("#unlock-error", Label)
            seconds = self.wait(self.wrong)
            if seconds > 0:
                event.input.disabled = True
                error.update(f"Wrong passphrase, or not a caseterm database. Wait {seconds:g} seconds.")
                self.set_timer(seconds, self._again)
            else:
                error.update("Wrong passphrase, or not a caseterm database.")
            return
        self.exit(key)

    def _again(self) -> None:
        box = self.query_one(Input)
        box.disabled = False
        box.focus()
        self.query_one("#unlock-error", Label).update("Try again.")

    def action_give_up(self) -> None:
        self.exit(None)
