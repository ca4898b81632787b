"""Quick log: one key opens it, one key per choice, Enter logs the attempt.

A contact attempt (phone, text, e-mail, letter, home visit) and its outcome
become an engagement note (003: "at least two contacts..., one in writing
and one in another format"). "Letter · sent" is the letter itself: the
client file shows it for a last look, writes it and logs it (`Attempt.
writes_letter`); a letter with an outcome (returned mail) is only logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from caseterm.vocabulary import ContactMethod, ContactOutcome


@dataclass(frozen=True)
class Attempt:
    method: ContactMethod
    #: None: no outcome yet (a letter or e-mail just sent)
    outcome: ContactOutcome | None

    @property
    def writes_letter(self) -> bool:
        """A letter being sent now: produce it (preview, files, note) rather than only log it."""
        return self.method is ContactMethod.LETTER and self.outcome is None


METHOD_KEYS: dict[str, ContactMethod] = {
    "p": ContactMethod.PHONE,
    "t": ContactMethod.TEXT,
    "e": ContactMethod.EMAIL,
    "l": ContactMethod.LETTER,
    "h": ContactMethod.HOME_VISIT,
}
OUTCOME_KEYS: dict[str, ContactOutcome | None] = {
    "0": None,
    "1": ContactOutcome.REACHED,
    "2": ContactOutcome.NO_ANSWER,
    "3": ContactOutcome.LEFT_MESSAGE,
    "4": ContactOutcome.RETURNED_MAIL,
}


def _name(value: str) -> str:
    from caseterm.vocabulary import label

    return label(value)


def _choice_name(value: ContactMethod | ContactOutcome | None) -> str:
    return "sent" if value is None else _name(value.value)


class QuickLog(ModalScreen[Attempt | None]):
    """Pick a method and an outcome with single keys; Enter logs it."""

    CSS_PATH = "../screens/client.tcss"
    BINDINGS = [
        *(Binding(k, f"method('{k}')", _name(m.value), show=False) for k, m in METHOD_KEYS.items()),
        *(Binding(k, f"outcome('{k}')", _choice_name(o), show=False) for k, o in OUTCOME_KEYS.items()),
        Binding("enter", "log", "Log attempt", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    method: reactive[ContactMethod] = reactive(ContactMethod.PHONE)
    outcome: reactive[ContactOutcome | None] = reactive(ContactOutcome.NO_ANSWER)

    def __init__(self, client_label: str, *, no_home_visits: bool = False) -> None:
        """`no_home_visits`: domestic violence in the home is reported, so a home visit is not offered (004)."""
        super().__init__(classes="quick-log")
        self.client_label = client_label
        self.methods = {k: m for k, m in METHOD_KEYS.items() if not (no_home_visits and m is ContactMethod.HOME_VISIT)}

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Label(f"Log a contact attempt · {self.client_label}", classes="form-title")
            with Horizontal(classes="ql-line"):
                yield Label("Method", classes="ql-title")
                for key, method in self.methods.items():
                    yield Label(f"{key} {_choice_name(method)}", id=f"ql-method-{key}", classes="ql-choice", markup=False)
            with Horizontal(classes="ql-line"):
                yield Label("Outcome", classes="ql-title")
                for key, outcome in OUTCOME_KEYS.items():
                    yield Label(f"{key} {_choice_name(outcome)}", id=f"ql-outcome-{key}", classes="ql-choice", markup=False)
            yield Static("", id="ql-keys", classes="form-keys", markup=False)

    def on_mount(self) -> None:
        self._mark_choices()

    def _mark_choices(self) -> None:
        """The chosen method and outcome take the `-chosen` class (styled in TCSS)."""
        for key, method in METHOD_KEYS.items():
            for label in self.query(f"#ql-method-{key}"):
                label.set_class(method == self.method, "-chosen")
        for key, outcome in OUTCOME_KEYS.items():
            for label in self.query(f"#ql-outcome-{key}"):
                label.set_class(outcome == self.outcome, "-chosen")
        for hint in self.query("#ql-keys"):
            enter = (
                "Enter shows the letter to write (a last look before it is written and logged)"
                if Attempt(self.method, self.outcome).writes_letter
                else "Enter logs it as an engagement note"
            )
            hint.update(f"{enter} · Esc cancels")  # type: ignore[attr-defined]

    def watch_method(self) -> None:
        self._mark_choices()

    def watch_outcome(self) -> None:
        self._mark_choices()

    def action_method(self, key: str) -> None:
        if key not in self.methods:
            self.notify("No home visits: domestic violence in the home is reported; meet at the office (004).",
                        severity="warning")
            return
        self.method = self.methods[key]
        written = self.method in (ContactMethod.LETTER, ContactMethod.EMAIL)
        if written and self.outcome in (ContactOutcome.NO_ANSWER, ContactOutcome.LEFT_MESSAGE):
            self.outcome = None
        elif not written and self.outcome is None:
            self.outcome = ContactOutcome.NO_ANSWER

    def action_outcome(self, key: str) -> None:
        self.outcome = OUTCOME_KEYS[key]

    def action_log(self) -> None:
        self.dismiss(Attempt(self.method, self.outcome))

    def action_cancel(self) -> None:
        self.dismiss(None)


#: How a reminder call went, one key each (001: make reminder calls).
REMINDER_KEYS: dict[str, ContactOutcome] = {
    "1": ContactOutcome.REACHED,
    "2": ContactOutcome.LEFT_MESSAGE,
    "3": ContactOutcome.NO_ANSWER,
    "4": ContactOutcome.WRONG_NUMBER,
}


class ReminderCall(ModalScreen[ContactOutcome | None]):
    """How the reminder call went: one key logs it as a phone contact attempt."""

    CSS_PATH = "../screens/client.tcss"
    BINDINGS = [
        *(Binding(k, f"pick('{k}')", _name(o.value), show=False) for k, o in REMINDER_KEYS.items()),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, what: str) -> None:
        super().__init__(classes="quick-log")
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Label(f"Reminder call · {self.what}", classes="form-title", markup=False)
            with Horizontal(classes="ql-line"):
                yield Label("Outcome", classes="ql-title")
                for key, outcome in REMINDER_KEYS.items():
                    yield Label(f"{key} {_name(outcome.value)}", id=f"rc-{key}", classes="ql-choice", markup=False)
            yield Static(
                "A key logs the call as a phone contact attempt (a note) · Esc cancels",
                classes="form-keys",
                markup=False,
            )

    def action_pick(self, key: str) -> None:
        self.dismiss(REMINDER_KEYS[key])

    def action_cancel(self) -> None:
        self.dismiss(None)
