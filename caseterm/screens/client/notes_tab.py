"""The notes tab of a client's file (a mixin of `ClientScreen`): the note timeline,
`n` new note, `m` amend, `f` engagement only, `l` log a contact attempt (a letter
attempt writes the letter), ctrl+f search. Notes are added or amended, never edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from textual.widgets import Static, TabbedContent

from caseterm.errors import BadInput
from caseterm.services import notes as notes_service
from caseterm.services.clients import get_client
from caseterm.text import plural
from caseterm.widgets.note_card import NoteTimeline
from caseterm.widgets.quick_log import Attempt, QuickLog
from caseterm.widgets.record_form import FormField, RecordForm

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class NotesTabMixin:
    """The notes tab: the timeline, new note, amend, engagement filter, contact attempts and letters."""

    def _show_notes(self, session: "Session", client: Client) -> None:
        threads = notes_service.note_threads(session, client, engagement_only=self.engagement_only)
        all_count = len(notes_service.note_threads(session, client)) if self.engagement_only else len(threads)
        engagement = sum(1 for t in threads if t.is_engagement) if not self.engagement_only else len(threads)
        summary = (
            f"Engagement notes only: {len(threads)} of {all_count} (f shows all)"
            if self.engagement_only
            else f"{plural(len(threads), 'note')}, {engagement} engagement (◆)"
            " · f: engagement only · n: new · m: amend · l: log attempt"
        )
        self.query_one("#notes-summary", Static).update(summary)
        self.query_one("#note-list", NoteTimeline).show(threads)

    def watch_engagement_only(self) -> None:
        self.reload()

    @property
    def active_tab(self) -> str:
        return self.query_one("#client-tabs", TabbedContent).active

    def _selected_note_id(self) -> int | None:
        thread = self.query_one("#note-list", NoteTimeline).current_thread
        return thread.current.id if thread else None

    def action_new_note(self) -> None:
        from caseterm.screens.note import NoteScreen

        self.app.push_screen(NoteScreen(self.case_number), callback=self._note_closed)

    def _note_closed(self, _result: object) -> None:
        """A draft may have been kept or discarded: the banner says so at once."""
        with self._session() as session:
            self._show_drafts(session, get_client(session, self.case_number))

    def action_amend(self) -> None:
        from caseterm.screens.note import NoteScreen

        note_id = self._selected_note_id()
        if note_id is None:
            self.notify("No note selected to amend.", severity="warning")
            return
        self.app.push_screen(NoteScreen(self.case_number, amends_id=note_id), callback=self._note_closed)

    def action_filter_engagement(self) -> None:
        self.engagement_only = not self.engagement_only

    def action_search(self) -> None:
        from caseterm.screens.search import SearchScreen

        self.app.push_screen(SearchScreen())

    def action_quick_log(self) -> None:
        label = self.client.display_name if self.client else self.case_number

        def logged(attempt: Attempt | None) -> None:
            if attempt is None:
                return
            if attempt.writes_letter:
                self.start_letter()
                return
            try:
                with self._session() as session:
                    client = get_client(session, self.case_number)
                    note = notes_service.quick_log(session, client, attempt.method, attempt.outcome)
                    text = note.text
            except BadInput as err:
                self.notify("\n".join(err.errors), severity="error")
                return
            except SQLAlchemyError:
                self.notify("Attempt not logged: the database is busy; try again.", severity="error")
                return
            self._data_written()
            self.notify(f"Logged: {text}", timeout=3)

        no_home_visits = bool(self.client and self.client.dv_in_home)
        self.app.push_screen(QuickLog(label, no_home_visits=no_home_visits), callback=logged)

    def start_letter(self) -> None:
        """Letter · sent: ask once for a missing name or phone, then preview, write and log the letter."""
        from caseterm import paths
        from caseterm.services import letters

        missing = letters.missing_signature()
        if not missing:
            self._preview_letter()
            return
        from caseterm.config import load_settings

        settings = load_settings()
        form = RecordForm(
            "Your name and phone, for letters",
            [
                FormField("full_name", "Your full name", settings.full_name, placeholder="Jo Smith", required=True),
                FormField("phone", "Your work phone", settings.phone, placeholder="503-555-0100", required=True),
            ],
            letters.save_signature,
            f"Letters are signed with your name and tell the client how to reach you. "
            f"Saved once, to {paths.settings_path()}.",
        )

        def saved(ok: bool | None) -> None:
            if ok:
                self._preview_letter()
            else:
                self.notify(f"No letter written: it needs your {' and '.join(missing)}.", severity="warning", timeout=4)

        self.app.push_screen(form, callback=saved)

    def _preview_letter(self) -> None:
        from caseterm.screens.letter import LetterPreview

        label = self.client.display_name if self.client else self.case_number
        preview = LetterPreview(self.case_number, label, getattr(self.app, "letters_dir", None))
        self.app.push_screen(preview, callback=self._letter_written)

    def _letter_written(self, result: Any) -> None:
        """Written: say where, and refresh (the engagement item moves on)."""
        if result is None:
            return
        from caseterm.text import a_an, file_lines

        self._data_written()
        self.notify(
            f"Logged {a_an(result.template.title)} as a written contact attempt. "
            f"Wrote (CONFIDENTIAL):\n{file_lines([result.text_path, result.html_path])}",
            timeout=8,
        )

    def _data_written(self) -> None:
        """Tell the app (due list, other screens); this screen reloads on `data_version`."""
        from caseterm.messages import DataChanged

        client_id = self.client.id if self.client is not None else None
        self.app.post_message(DataChanged(client_id, case_number=self.case_number))
        if not hasattr(self.app, "data_version"):
            self.reload()

    def select_note(self, note_id: int) -> None:
        """Show the Notes tab with this note (or the entry holding it) highlighted."""
        if self.engagement_only:
            self.engagement_only = False
        self.show_tab("notes")
        timeline = self.query_one("#note-list", NoteTimeline)
        if timeline.select_note(note_id):
            timeline.focus()
