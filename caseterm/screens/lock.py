"""The privacy screen: blank at once, no client data, unlock by key + confirm.

Shown by the privacy key (hidden) and after the policy's idle minutes (idle).
With a lock passphrase set (`caseterm passphrase --lock-only`: a salted scrypt
hash in the settings), unlocking asks for it. Without one the lock only hides
the screen, and says so.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from caseterm.config import passphrase_matches
from caseterm.vocabulary import AuditAction

__all__ = ["LockScreen", "passphrase_matches"]

#: Said on the lock screen when no passphrase is set.
HIDE_ONLY = "No passphrase set: this only hides the screen.\nSet one: caseterm passphrase --lock-only"


class LockScreen(Screen):
    """Covers everything; nothing behind it shows through."""

    AUTO_FOCUS = ""  # nothing focused: every key goes to on_key
    BINDINGS = []  # every key is handled in on_key; the app's keys are off while locked

    #: "blank" until a key is pressed, then "confirm".
    state: reactive[str] = reactive("blank", init=False)

    def __init__(self, reason: str = "hidden") -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        from caseterm.config import load_settings

        from caseterm import cipher

        #: An encrypted database: its passphrase unlocks (checked against the one in memory).
        self._database = cipher.passphrase() is not None
        self._expected = "database" if self._database else load_settings().lock_passphrase
        with Middle():
            with Center():
                with Vertical(id="lock-box"):
                    yield Label("caseterm", id="lock-title")
                    yield Static(self._blank_text(), id="lock-message")
                    yield Input(password=True, placeholder="passphrase", id="lock-passphrase")
                    yield Label("", id="lock-error")

    def _blank_text(self) -> str:
        why = "Locked after a period without input." if self.reason == "idle" else "Screen hidden."
        text = f"{why}\nPress any key to unlock."
        return text if self._expected else f"{text}\n\n{HIDE_ONLY}"

    def on_mount(self) -> None:
        self.query_one("#lock-passphrase", Input).display = False

    def watch_state(self, state: str) -> None:
        message = self.query_one("#lock-message", Static)
        box = self.query_one("#lock-passphrase", Input)
        self.query_one("#lock-error", Label).update("")
        if state == "blank":
            message.update(self._blank_text())
            box.value = ""
            box.display = False
            self.set_focus(None)
        elif self._expected:
            which = "the database's passphrase" if self._database else "your passphrase"
            message.update(f"Type {which} and press Enter.  Esc keeps the screen hidden.")
            box.display = True
            box.focus()
        else:
            message.update(f"Unlock caseterm?\nEnter or y: unlock    Esc: keep hidden\n\n{HIDE_ONLY}")

    def on_key(self, event: events.Key) -> None:
        if self.state == "blank":
            event.stop()
            event.prevent_default()
            self.state = "confirm"
            return
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.state = "blank"
            return
        if not self._expected:
            event.stop()
            event.prevent_default()
            if event.key in ("enter", "y"):
                self._unlock()

    def on_click(self, event: events.Click) -> None:
        if self.state == "blank":
            event.stop()
            self.state = "confirm"

    @on(Input.Submitted, "#lock-passphrase")
    def _passphrase(self, event: Input.Submitted) -> None:
        event.stop()
        if self._matches(event.value):
            self._unlock()
        else:
            event.input.value = ""
            self.query_one("#lock-error", Label).update("That is not the passphrase.")
            self._audit(AuditAction.UNLOCK_FAILED, "passphrase")

    def _matches(self, text: str) -> bool:
        if self._database:
            from caseterm import cipher

            return cipher.matches(text)
        return passphrase_matches(text, self._expected)

    def _audit(self, action: AuditAction, how: str) -> None:
        audit = getattr(self.app, "audit", None)
        if audit is not None:
            audit(action, None, f"with={how}")

    def _unlock(self) -> None:
        self._audit(AuditAction.UNLOCK, "passphrase" if self._expected else "key")
        unlocked = getattr(self.app, "unlocked", None)
        self.app.pop_screen()
        if unlocked is not None:
            unlocked()
