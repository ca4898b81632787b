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
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from caseterm import paths
from caseterm.errors import BadInput
from caseterm.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from caseterm.services.letters import LetterChoices, LetterResult, RenderedLetter


class LetterPreview(ModalScreen["LetterResult | None"]):
    """The rendered letter, scrollable; `w` writes it, `t` switches template, Esc cancels.

    The letters are rendered off the UI thread (the first render compiles the
    templates); until they are ready, or when none fits the case, `w` and `t`
    do nothing and the box says why.
    """

    CSS_PATH = "letter.tcss"
    BINDINGS = [
        Binding("w", "write", "Write letter", tooltip="Write the .txt and .html files and log the letter as a written contact attempt"),
        Binding("t", "next_template", "Change template", tooltip="Show the next letter that fits this case"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without writing anything"),
    ]

    #: every letter that fits the case, rendered (None while they are worked out)
    choices: reactive["LetterChoices | None"] = reactive(None, init=False, always_update=True)
    #: index into `choices.letters` of the letter on show
    index: reactive[int] = reactive(0, init=False)

    def __init__(self, case_number: str, client_label: str, out_dir: Path | None = None) -> None:
        super().__init__(classes="letter-preview")
        self.case_number = case_number
        self.client_label = client_label
        self.out_dir = out_dir
        self._writing = False

    @property
    def letter(self) -> "RenderedLetter | None":
        if self.choices is None or not self.choices.letters:
            return None
        return self.choices.letters[self.index]

    @property
    def folder(self) -> Path:
        return self.out_dir if self.out_dir is not None else paths.letters_dir()

    def compose(self) -> ComposeResult:
        with Vertical(classes="letter-box"):
            yield Label(f"Preparing the letter · {self.client_label} · {self.case_number}", id="letter-title", markup=False)
            yield Static("", id="letter-files", markup=False)
            with VerticalScroll(id="letter-scroll"):
                yield Static("", id="letter-text", markup=False)
            yield Static("", id="letter-others", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#letter-scroll").focus()
        self._prepare()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _prepare(self) -> None:
        """Render every template that fits (services/letters.letter_choices); nothing is written."""
        from caseterm.services.letters import letter_choices

        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                choices = letter_choices(session, self.case_number)
        except BadInput as err:
            self.app.call_from_thread(self._failed, err.errors)
            return
        except SQLAlchemyError:
            self.app.call_from_thread(self._failed, ["Letter not prepared: the database is busy; try again."])
            return
        self.app.call_from_thread(setattr, self, "choices", choices)

    def _failed(self, errors: list[str]) -> None:
        self.notify("\n".join(errors), title="No letter", severity="error", timeout=8)
        self.dismiss(None)

    def watch_choices(self) -> None:
        self.index = 0
        self._show()
        self.refresh_bindings()

    def watch_index(self) -> None:
        self._show()
        self.query_one("#letter-scroll", VerticalScroll).scroll_home(animate=False)

    def _show(self) -> None:
        choices, letter = self.choices, self.letter
        if choices is None:
            return
        title = self.query_one("#letter-title", Label)
        text = self.query_one("#letter-text", Static)
        files = self.query_one("#letter-files", Static)
        others = self.query_one("#letter-others", Static)
        reasons = [f"{t.title}: {why}" for t, why in choices.unavailable.items()]
        if letter is None:
            title.update(f"No letter fits this case yet · {self.client_label} · {self.case_number}")
            files.update("Nothing to write; Esc closes.")
            text.update("\n".join(reasons))
            others.update("")
            return
        suggested = " (what the case calls for)" if letter.template is choices.suggested else ""
        title.update(f"{letter.template.title.capitalize()}{suggested} · {self.client_label} · {letter.case_number}")
        text_path, html_path = letter.paths(self.folder)
        files.update(f"w writes to {self.folder}/ (CONFIDENTIAL, owner-only):\n  {text_path.name}\n  {html_path.name}")
        text.update(letter.text)
        alternatives = [other.template.title for other in choices.letters if other is not letter]
        parts = [f"t: {', '.join(alternatives)}"] if alternatives else ["No other letter fits this case."]
        others.update(" · ".join(parts + reasons))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`w` and `t` only once there is a letter (shown dimmed until then)."""
        if action in ("write", "next_template") and self.letter is None:
            return None
        return True

    def action_next_template(self) -> None:
        if self.choices is None or len(self.choices.letters) < 2:
            self.notify("No other letter fits this case.", severity="warning", timeout=4)
            return
        self.index = (self.index + 1) % len(self.choices.letters)

    def action_write(self) -> None:
        """Write the letter on show (the same text: same template, occasion and time)."""
        from caseterm.services.letters import write_letter_committed

        letter = self.letter
        if letter is None or self._writing:
            return
        self._writing = True
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
