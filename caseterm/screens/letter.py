"""A last look at a letter before it is written: the text, the files, the template.

Why: a letter leaves the agency with the case manager's name on it (000's
example letter), so it is read before it is written. The preview shows the
rendered text exactly as the .txt file will hold it, the two file names it
will write, and lets the user switch template; writing logs the `letter`
note in the same transaction as the files (services/letters).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from caseterm import paths
from caseterm.errors import BadInput

if TYPE_CHECKING:
    from caseterm.services.letters import LetterChoices, LetterResult, RenderedLetter


class LetterPreview(ModalScreen["LetterResult | None"]):
    """The rendered letter, scrollable; `w` writes it, `t` switches template, Esc cancels."""

    CSS_PATH = "letter.tcss"
    BINDINGS = [
        Binding("w", "write", "Write letter", tooltip="Write the .txt and .html files and log the letter as a written contact attempt"),
        Binding("t", "next_template", "Change template", tooltip="Show the next letter that fits this case"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without writing anything"),
    ]

    #: index into `choices.letters` of the letter on show
    index: reactive[int] = reactive(0, init=False)

    def __init__(self, client_label: str, choices: "LetterChoices", out_dir: Path | None = None) -> None:
        super().__init__(classes="letter-preview")
        self.client_label = client_label
        self.choices = choices
        self.out_dir = out_dir
        self._writing = False

    @property
    def letter(self) -> "RenderedLetter":
        return self.choices.letters[self.index]

    @property
    def folder(self) -> Path:
        return self.out_dir if self.out_dir is not None else paths.letters_dir()

    def compose(self) -> ComposeResult:
        with Vertical(classes="letter-box"):
            yield Label("", id="letter-title", markup=False)
            yield Static("", id="letter-files", markup=False)
            with VerticalScroll(id="letter-scroll"):
                yield Static("", id="letter-text", markup=False)
            yield Static("", id="letter-others", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._show()
        self.query_one("#letter-scroll").focus()

    def watch_index(self) -> None:
        self._show()
        self.query_one("#letter-scroll", VerticalScroll).scroll_home(animate=False)

    def _show(self) -> None:
        letter = self.letter
        suggested = " (what the case calls for)" if letter.template is self.choices.suggested else ""
        self.query_one("#letter-title", Label).update(
            f"{letter.template.title.capitalize()}{suggested} · {self.client_label} · {letter.case_number}"
        )
        text_path, html_path = letter.paths(self.folder)
        self.query_one("#letter-files", Static).update(
            f"w writes to {self.folder}/ (CONFIDENTIAL, owner-only):\n  {text_path.name}\n  {html_path.name}"
        )
        self.query_one("#letter-text", Static).update(letter.text)
        others = [other.template.title for other in self.choices.letters if other is not letter]
        parts = [f"t: {', '.join(others)}"] if others else ["No other letter fits this case."]
        parts += [f"{t.title}: {why}" for t, why in self.choices.unavailable.items()]
        self.query_one("#letter-others", Static).update(" · ".join(parts))

    def action_next_template(self) -> None:
        if len(self.choices.letters) < 2:
            reasons = "; ".join(f"{t.title}: {why}" for t, why in self.choices.unavailable.items())
            self.notify(f"No other letter fits this case ({reasons}).", severity="warning", timeout=4)
            return
        self.index = (self.index + 1) % len(self.choices.letters)

    def action_write(self) -> None:
        """Write the letter on show (the same text: same template, occasion and time)."""
        from caseterm.services.letters import write_letter_committed

        if self._writing:
            return
        self._writing = True
        letter = self.letter
        try:
            result = write_letter_committed(
                self.app.session,  # type: ignore[attr-defined]
                letter.case_number,
                letter.template,
                missed_on=letter.missed_on,
                appointment_id=letter.appointment_id,
                out_dir=self.out_dir,
                at=letter.at,
            )
        except BadInput as err:
            self._writing = False
            self.notify("\n".join(err.errors), title="Letter not written", severity="error", timeout=8)
            return
        except SQLAlchemyError:
            self._writing = False
            self.notify("Letter not written: the database is busy; try again.", severity="error")
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
