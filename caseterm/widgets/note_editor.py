"""The note form: when, type, method, outcome, minutes and the text.

Pure UI: it holds values and says when they change; the note screen saves
drafts and notes through the notes service. Typing goes straight into a
TextArea, so entry is as fast as the terminal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, TextArea

from caseterm.widgets.form_fields import PickSelect

from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType


def _label(value: str) -> str:
    from caseterm.vocabulary import label

    return label(value)


@dataclass
class NoteValues:
    """What the form holds, as typed (strings), so a draft keeps even bad input."""

    contact_date: str = ""
    contact_time: str = ""
    type: str = NoteType.CONTACT.value
    method: str = ""
    outcome: str = ""
    minutes: str = ""
    text: str = ""
    #: Why an amendment is made (one line; only when amending).
    reason: str = ""
    #: A collateral note: who was contacted (23.6).
    party: str = ""

    def fields(self) -> dict[str, str]:
        """Everything but the text (stored in the draft's fields_json)."""
        data = asdict(self)
        data.pop("text")
        return data

    @classmethod
    def from_fields(cls, fields: dict[str, Any], text: str) -> "NoteValues":
        known = {k: str(v) for k, v in fields.items() if k in cls.__dataclass_fields__ and k != "text" and v is not None}
        return cls(**known, text=text)


class NoteEditor(Widget):
    """The note form. Posts `NoteEditor.Changed` on every edit."""

    class Changed(Message):
        """A field or the text changed; `field` names which."""

        def __init__(self, editor: "NoteEditor", field: str) -> None:
            super().__init__()
            self.editor = editor
            self.field = field

        @property
        def control(self) -> "NoteEditor":
            return self.editor

    #: Shown under the fields: author, written-at, late entry, draft status.
    status = reactive("", layout=False)
    late = reactive(False)

    def __init__(
        self, values: NoteValues, *, locked_contact: bool = False, amending: bool = False, id: str | None = None,
        parties: list[str] | None = None,
    ) -> None:
        super().__init__(id=id)
        self._initial = values
        #: the parties of the client's releases: the collateral note's choices (free text allowed)
        self.parties = list(parties or [])
        self._loading = False
        self.locked_contact = locked_contact
        self.amending = amending

    def compose(self) -> ComposeResult:
        v = self._initial
        with Horizontal(classes="note-fields"):
            with Vertical(classes="note-field date"):
                yield Label("Contact date", classes="field-label")
                yield Input(v.contact_date, placeholder="YYYY-MM-DD", id="contact-date", disabled=self.locked_contact, compact=True)
            with Vertical(classes="note-field"):
                yield Label("Time", classes="field-label")
                yield Input(v.contact_time, placeholder="HH:MM", id="contact-time", disabled=self.locked_contact, compact=True)
            with Vertical(classes="note-field wide"):
                yield Label("Type", classes="field-label")
                # A transfer note is written by `assign`, not typed (an amendment of one keeps its type).
                types = [t for t in NoteType if t is not NoteType.TRANSFER or v.type == t.value]
                yield PickSelect([(_label(t.value), t.value) for t in types], value=v.type or NoteType.CONTACT.value, allow_blank=False, id="note-type", compact=True)
            with Vertical(classes="note-field wide"):
                yield Label("Method", classes="field-label")
                yield PickSelect([(_label(m.value), m.value) for m in ContactMethod], value=v.method or Select.NULL, prompt="-", id="note-method", compact=True)
            with Vertical(classes="note-field wide"):
                yield Label("Outcome", classes="field-label")
                yield PickSelect([(_label(o.value), o.value) for o in ContactOutcome], value=v.outcome or Select.NULL, prompt="-", id="note-outcome", compact=True)
            with Vertical(classes="note-field"):
                yield Label("Minutes", classes="field-label")
                yield Input(v.minutes, placeholder="0", id="note-minutes", restrict=r"\d{0,4}", compact=True)
        if self.amending:
            with Horizontal(classes="note-fields amend-reason"):
                with Vertical(classes="note-field reason"):
                    yield Label("Reason for the amendment (required, one line)", classes="field-label")
                    yield Input(v.reason, placeholder="what was wrong in the original", id="amend-reason", compact=True)
        party_row = Horizontal(classes="note-fields party-row", id="party-row")
        party_row.display = v.type == NoteType.COLLATERAL.value  # no flash of it on other notes' forms
        with party_row:
            with Vertical(classes="note-field reason"):
                releases = f" (releases: {', '.join(self.parties)})" if self.parties else " (no release on file)"
                yield Label(f"Party contacted{releases}", classes="field-label", id="party-label")
                yield Input(v.party, placeholder="who was contacted: landlord, employer, agency", id="note-party",
                            suggester=SuggestFromList(self.parties, case_sensitive=False), compact=True)
        yield Static("", id="note-status", classes="-late" if self.late else "")
        yield TextArea(v.text, id="note-text", soft_wrap=True, tab_behavior="focus", show_line_numbers=False)

    def _show_party(self) -> None:
        """The party field belongs to a collateral note only."""
        self.query_one("#party-row").display = self.values().type == NoteType.COLLATERAL.value

    def on_mount(self) -> None:
        self._show_party()
        if self.amending and not self.query_one("#amend-reason", Input).value:
            # An amendment starts with why: typed into the body, the reason would become note text (23.9).
            self.query_one("#amend-reason", Input).focus()
        else:
            self.focus_text()

    def focus_text(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def values(self) -> NoteValues:
        def sel(id_: str) -> str:
            value = self.query_one(id_, Select).value
            return "" if value is Select.NULL or value is Select.BLANK else str(value)

        return NoteValues(
            contact_date=self.query_one("#contact-date", Input).value,
            contact_time=self.query_one("#contact-time", Input).value,
            type=sel("#note-type"),
            method=sel("#note-method"),
            outcome=sel("#note-outcome"),
            minutes=self.query_one("#note-minutes", Input).value,
            text=self.query_one("#note-text", TextArea).text,
            reason=self.query_one("#amend-reason", Input).value if self.amending else "",
            party=self.query_one("#note-party", Input).value,
        )

    @property
    def text(self) -> str:
        return self.query_one("#note-text", TextArea).text

    def set_text(self, text: str) -> None:
        area = self.query_one("#note-text", TextArea)
        area.load_text(text)
        # A template: start typing under its first heading.
        area.move_cursor((1, 0) if "\n" in text else (0, len(text)))

    def watch_status(self, status: str) -> None:
        if self.is_mounted:
            self.query_one("#note-status", Static).update(status)

    def watch_late(self, late: bool) -> None:
        # On the status line, the one widget it styles: on the editor it restyled all of
        # the form's ~45 widgets each time a new note's form opened late.
        for status in self.query("#note-status"):
            status.set_class(late, "-late")

    def _changed(self, field: str) -> None:
        if not self._loading:
            self.post_message(self.Changed(self, field))

    @on(TextArea.Changed, "#note-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed("text")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed((event.input.id or "").replace("-", "_").replace("note_", ""))

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "note-type":
            self._show_party()
        self._changed((event.select.id or "").replace("note-", ""))
