"""A small modal form for one record (appointment, assessment, hours, ...).

The form only collects strings; `submit` (a service call in one transaction)
validates them. On BadInput the form stays open with the bad fields named
and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static

from caseterm.vocabulary import label as code_label
from caseterm.widgets.form_fields import FormCheckbox, PickSelect
from caseterm.errors import BadInput


@dataclass
class FormField:
    """One field: `kind` is "text", "choice" (from `choices`) or "flag"."""

    name: str
    label: str
    value: str = ""
    kind: str = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)
    placeholder: str = ""
    required: bool = False
    #: typed and kept like a password (•••): an SSN is not for whoever stands behind the desk
    secret: bool = False

    @classmethod
    def choice(cls, name: str, label: str, enum: type[StrEnum], value: Any = "", required: bool = True) -> "FormField":
        current = value.value if isinstance(value, StrEnum) else (value or "")
        return cls(name, label, current, "choice", [(code_label(m), m.value) for m in enum], required=required)


class RecordForm(ModalScreen[bool]):
    """Edit some fields; Enter or Ctrl+S submits, Esc cancels."""

    CSS_PATH = "../screens/client.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", priority=True),
        Binding("ctrl+o", "apply_fix", "Use the offer", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[FormField],
        submit: Callable[[dict[str, Any]], None],
        help_text: str = "",
        *,
        fix: dict[str, str] | None = None,
        fix_label: str = "",
        dense: bool = False,
    ) -> None:
        super().__init__(classes="record-form -dense" if dense else "record-form")
        #: One line a field (compact pickers and inputs): a long form (HMIS) keeps a dozen fields in view at 80x24.
        self.dense = dense
        self.form_title = title
        self.fields = fields
        self.submit = submit
        self.help_text = help_text
        #: Values a refusal offers instead (e.g. the office for a home visit), applied with Ctrl+O.
        self.fix = fix
        self.fix_label = fix_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Label(self.form_title, classes="form-title")
            if self.help_text:
                yield Static(self.help_text, classes="form-help")
            with VerticalScroll(classes="form-fields"):
                for f in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(f.label + (" *" if f.required else ""), classes="form-label")
                        wid = f"field-{f.name}"
                        if f.kind == "choice":
                            yield PickSelect(f.choices, value=f.value or Select.NULL, allow_blank=not f.required or not f.value,
                                             prompt="-", id=wid, compact=self.dense)
                        elif f.kind == "flag":
                            yield FormCheckbox("", value=f.value in ("1", "true", "True", "yes"), id=wid, compact=self.dense)
                        else:
                            yield Input(f.value, placeholder=f.placeholder, id=wid, compact=self.dense, password=f.secret)
            yield Static("", id="form-errors", classes="form-errors")
            yield Static("", id="form-offer", classes="form-offer", markup=False)
            yield Static("Enter / Ctrl+S save · Esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        first = self.query(".form-row > Input, .form-row > Select, .form-row > Checkbox").first()
        first.focus()
        self._show_offer()

    def _show_offer(self) -> None:
        offer = self.query_one("#form-offer", Static)
        offer.display = bool(self.fix)
        if self.fix:
            offer.update(f"Ctrl+O: {self.fix_label or 'use the values offered'}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply_fix":
            return bool(self.fix)
        return True

    def action_apply_fix(self) -> None:
        """Put the offered values in the form (the user saves them with Enter)."""
        if not self.fix:
            return
        for name, value in self.fix.items():
            for widget in self.query(f"#field-{name}"):
                if isinstance(widget, Select):
                    widget.set_options(self._choices(name, value))
                    widget.value = value
                elif isinstance(widget, Input):
                    widget.value = value
        label = self.fix_label
        self.fix = None
        self._show_offer()
        self.query_one("#form-errors", Static).update("")
        self.set_class(False, "-invalid")
        self.refresh_bindings()
        self.notify(f"{label}: Enter saves it.", timeout=4)

    def _choices(self, name: str, value: str) -> list[tuple[str, str]]:
        """The field's choices, with `value` among them."""
        f = next(f for f in self.fields if f.name == name)
        if not any(v == value for _, v in f.choices):
            f.choices = [*f.choices, (code_label(value), value)]
        return f.choices

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                value = widget.value
                result[f.name] = "" if value is Select.NULL or value is Select.BLANK else str(value)
            elif isinstance(widget, Checkbox):
                result[f.name] = widget.value
            else:
                result[f.name] = widget.value  # type: ignore[attr-defined]
        return result

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        try:
            self.submit(self.values())
        except BadInput as err:
            self.query_one("#form-errors", Static).update("\n".join(err.errors))
            self.set_class(True, "-invalid")
            fix = getattr(err, "fix", None)
            if fix:
                self.fix, self.fix_label = dict(fix), getattr(err, "fix_label", "")
                self._show_offer()
                self.refresh_bindings()
            self.notify("\n".join(err.errors), title="Not saved", severity="error", timeout=5)
            return
        except SQLAlchemyError as err:
            reason = "the database is busy" if "locked" in str(err) else type(err).__name__
            self.query_one("#form-errors", Static).update(f"Not saved: {reason}; try again.")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
