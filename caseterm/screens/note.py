"""Note entry for one client: opened with one key from a client or a due item.

The text is kept as a draft on every pause (never more than about a second
of typing at risk); saving appends the note, deletes the draft and tells the
app that data changed, so the due items the note satisfies clear at once.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from caseterm.screens.footer import CompactFooterMixin
from caseterm.screens.resume import RestyledWhenChanged
from caseterm import clock
from caseterm.errors import BadInput
from caseterm.vocabulary import (
    label,
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)
from caseterm.services import collateral
from caseterm.services import notes as notes_service
from caseterm.services.clients import get_client
from caseterm.widgets.footer import KeyFooter
from caseterm.widgets.note_editor import NoteEditor, NoteValues

if TYPE_CHECKING:
    from sqlmodel import Session

#: A pause this long after typing saves the draft...
DRAFT_IDLE_SECONDS = 0.5
#: ...and continuous typing is saved at least this often.
DRAFT_MAX_SECONDS = 1.0
#: The clock the draft timing reads (tests move a clock of their own by hand).
draft_clock = time.monotonic

#: Note type to start with for an appointment of each kind.
TYPE_FOR_APPOINTMENT: dict[AppointmentKind, NoteType] = {
    AppointmentKind.HOME_VISIT: NoteType.HOME_VISIT,
    AppointmentKind.CASE_PLAN_REVIEW: NoteType.CASE_PLAN,
    AppointmentKind.RE_ENGAGEMENT_STAFFING: NoteType.RE_ENGAGEMENT_STAFFING,
    AppointmentKind.CASE_CONFERENCE: NoteType.CASE_CONFERENCE,
}
METHOD_FOR_PLACE: dict[Place, ContactMethod] = {
    Place.OFFICE: ContactMethod.OFFICE,
    Place.HOME: ContactMethod.HOME_VISIT,
    Place.PHONE: ContactMethod.PHONE,
    Place.NEUTRAL: ContactMethod.OTHER,
}
#: Note type to start with for a due item of each rule.
TYPE_FOR_RULE: dict[str, NoteType] = {
    "engagement": NoteType.ENGAGEMENT,
    "missed-activity": NoteType.ENGAGEMENT,
    "penalty": NoteType.ENGAGEMENT,
    "good-cause": NoteType.GOOD_CAUSE,
    "case-plan-review": NoteType.CASE_PLAN,
    "follow-up": NoteType.CONTACT,
    "referral-follow-up": NoteType.COLLATERAL,
    # the month's home visit, written up (a home-visit note that reached the client clears it, 23.3)
    "home-visits": NoteType.HOME_VISIT,
}
#: The method a note of this type almost always has: filled in when the type is
#: chosen (or prefilled) and no method is yet (23.10: fewer keys for the common note).
METHOD_FOR_TYPE: dict[NoteType, ContactMethod] = {
    NoteType.HOME_VISIT: ContactMethod.HOME_VISIT,
}
#: Rules a single note completes. If the engine still lists such an item after
#: the note is saved (its data rule does not look at notes), it is marked done.
NOTE_COMPLETES: frozenset[str] = frozenset({"finish-note", "missed-activity", "good-cause"})


def _post_data_changed(screen: Screen) -> None:
    from caseterm.messages import DataChanged

    # the note's client only: the due list recomputes that client
    screen.app.post_message(
        DataChanged(getattr(screen, "client_id", None), case_number=getattr(screen, "case_number", None))
    )


class NoteScreen(CompactFooterMixin, RestyledWhenChanged, Screen):
    """Write a note for a client, optionally for an appointment or a due item, or amend one."""

    CSS_PATH = "client.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save note", priority=True, tooltip="Save the note (author and time filled in; late entry marked)"),
        Binding("ctrl+t", "template", "Template", priority=True, tooltip="Insert the template for the note type at the cursor"),
        Binding("escape", "close", "Close (keep draft)", tooltip="Leave; the draft is offered back next time"),
        Binding("f8", "discard", "Discard draft", priority=True, tooltip="Press twice: throw the draft away"),
    ]

    def __init__(
        self,
        case_number: str,
        appointment_id: int | None = None,
        due_item_key: str | None = None,
        *,
        amends_id: int | None = None,
    ) -> None:
        super().__init__()
        self.case_number = case_number
        self.appointment_id = appointment_id
        self.due_item_key = due_item_key
        self.amends_id = amends_id
        self.client_id: int | None = None
        self.client_label = case_number
        self._baseline: NoteValues | None = None
        self._dirty_since: float | None = None
        self._last_edit = 0.0
        self._discard_armed = False
        self._restored_at: dt.datetime | None = None
        self._saved = False
        self._title = ""
        self._initial = NoteValues()
        self._error: str | None = None
        self._late = False
        self._status_problem = ""
        self._draft_state = ""
        self._draft_failing = False
        self._draft_written = False
        #: when this note's text was begun (the restored draft's start, or opening the form)
        self._started_at = clock.now()
        #: the parties of the client's releases (a collateral note's choices)
        self._parties: list[str] = []
        #: why a collateral contact went ahead with no release covering the party (asked at save)
        self._release_reason: str | None = None

    # -- data ----------------------------------------------------------------

    def _session(self) -> Any:
        return self.app.session()

    def _prefill(self, session: "Session") -> NoteValues:
        """Values to start with: the draft if one survived, else a prefilled form."""
        client = get_client(session, self.case_number)
        self.client_id = client.id
        self.client_label = client.display_name
        self._parties = collateral.release_parties(session, client)
        now = clock.now()
        self._title = f"New note · {client.display_name} · {client.case_number}"
        original = None
        if self.amends_id is not None:
            original = notes_service.get_note(session, self.amends_id)
            if original.client_id != client.id:
                raise BadInput(f"note {self.amends_id}: belongs to another client")
            self._title = f"Amend the note of {original.contact_at:%Y-%m-%d %H:%M} (the original stays) · {client.display_name} · {client.case_number}"
        # Each note in progress is its own draft: the free note, each appointment's note, each amendment.
        # Less any text saved as a note since the draft was begun (23.1); None if all of it was.
        draft = notes_service.restorable_draft(
            session, client, amends_id=self.amends_id, appointment_id=self.appointment_id
        )
        if draft is not None:
            self._restored_at = draft.updated_at
            fields = notes_service.draft_fields(draft)
            self._started_at = notes_service.draft_started(draft)
            # The draft remembers what it was written for (to clear that due item on save).
            if self.due_item_key is None and isinstance(fields.get("due_item_key"), str):
                self.due_item_key = fields["due_item_key"]
            return NoteValues.from_fields(fields, draft.text)
        if original is not None:
            return NoteValues(
                contact_date=f"{original.contact_at:%Y-%m-%d}",
                contact_time=f"{original.contact_at:%H:%M}",
                type=original.type.value,
                method=original.method.value if original.method else "",
                outcome=original.outcome.value if original.outcome else "",
                minutes=str(original.minutes) if original.minutes is not None else "",
                text=original.text,
            )
        values = NoteValues(contact_date=f"{now:%Y-%m-%d}", contact_time=f"{now:%H:%M}")
        if self.appointment_id is not None:
            from caseterm.services.records import get_appointment

            appt = get_appointment(session, self.appointment_id)
            if appt is not None and appt.client_id == client.id:
                what = f"the {label(appt.kind)} of {appt.start:%Y-%m-%d %H:%M}"
                if appt.status is AppointmentStatus.NO_SHOW:
                    # The note is the engagement attempt made now about the missed activity (003).
                    values.type = NoteType.ENGAGEMENT.value
                    values.text = notes_service.note_template(NoteType.ENGAGEMENT).replace(
                        "Reason (non-participation / missed activity / routine engagement):",
                        f"Reason: missed {what} without calling in advance.", 1,
                    )
                    self._title = f"Engagement contact about the missed {what[4:]} · {client.display_name} · {client.case_number}"
                    return values
                values.contact_date, values.contact_time = f"{appt.start:%Y-%m-%d}", f"{appt.start:%H:%M}"
                values.type = TYPE_FOR_APPOINTMENT.get(appt.kind, NoteType.CONTACT).value
                # The kind's template (FSSP) or the type's (staffing, home visit...).
                values.text = notes_service.appointment_template(appt.kind.value, NoteType(values.type))
                method = METHOD_FOR_PLACE.get(appt.place, ContactMethod.OFFICE)
                if appt.kind is AppointmentKind.HOME_VISIT:
                    method = ContactMethod.HOME_VISIT
                values.method = method.value
                if appt.status is AppointmentStatus.KEPT:
                    values.outcome = ContactOutcome.REACHED.value
                    values.minutes = str(appt.minutes)
                self._title = f"Note for {what} · {client.display_name} · {client.case_number}"
                return values
        elif self.due_item_key:
            rule = self.due_item_key.split("|", 1)[0]
            values.type = TYPE_FOR_RULE.get(rule, NoteType.CONTACT).value
            method = METHOD_FOR_TYPE.get(NoteType(values.type))
            values.method = method.value if method else ""
        values.text = notes_service.note_template(NoteType(values.type))
        return values

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        try:
            with self._session() as session:
                self._initial = self._prefill(session)
        except BadInput as err:
            self._error = "\n".join(err.errors)
            yield Static(self._error, classes="banner -error")
            yield KeyFooter()
            return
        with Vertical(id="note-screen"):
            yield Static(self._title, id="note-title", classes="screen-title")
            if self._restored_at is not None:
                yield Static(
                    f"Restored your unsaved draft from {self._restored_at:%Y-%m-%d %H:%M}. "
                    "Ctrl+S saves it as a note; F8 twice discards it.",
                    id="draft-banner",
                    classes="banner",
                )
            yield NoteEditor(
                self._initial,
                locked_contact=self.amends_id is not None,
                amending=self.amends_id is not None,
                id="note-editor",
                parties=self._parties,
            )
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        if self._error is not None:
            self.notify(self._error, severity="error")
            self.dismiss(None)
            return
        self._baseline = None if self._restored_at is not None else self._initial
        if self._restored_at is None and self._initial.text:
            # A fresh template: the cursor goes under its first heading (a draft keeps it at the end).
            self.call_after_refresh(self._cursor_under_heading)
        self._refresh_status()
        self.set_interval(0.25, self._maybe_save_draft)

    def _cursor_under_heading(self) -> None:
        area = self.query_one("#note-text")
        text = self.editor.text
        area.move_cursor((1, 0) if "\n" in text else (0, len(text)))  # type: ignore[attr-defined]

    @property
    def editor(self) -> NoteEditor:
        return self.query_one(NoteEditor)

    # -- status and late entry ----------------------------------------------

    def _contact_at(self, values: NoteValues) -> dt.datetime:
        errors: list[str] = []
        day = time_ = None
        try:
            day = clock.parse_date(values.contact_date, "contact date")
        except BadInput as err:
            errors += err.errors
        try:
            time_ = clock.parse_hhmm(values.contact_time, "contact time")
        except BadInput as err:
            errors += err.errors
        if errors:
            raise BadInput(*errors)
        assert day is not None and time_ is not None
        return dt.datetime.combine(day, time_)

    def _refresh_status(self, recheck: bool = True) -> None:
        """Author, written-at, the late-entry flag as it would be saved, and the draft state."""
        from caseterm.config import load_settings

        if recheck:
            self._status_problem = ""
            self._late = False
            try:
                contact_at = self._contact_at(self.editor.values())
            except BadInput as err:
                self._status_problem = err.errors[0]
            else:
                if self.amends_id is None:
                    with self._session() as session:
                        client = get_client(session, self.case_number)
                        self._late = notes_service.would_be_late(session, client, contact_at)
        parts = [f"Author {load_settings().user}", f"written {clock.now():%Y-%m-%d %H:%M}"]
        try:
            parts.append(notes_service.requirement_text(NoteType(self.editor.values().type)))
        except ValueError:
            pass
        if self._status_problem:
            parts.append(self._status_problem)
        if self._late:
            hours = int(notes_service.late_entry_threshold().total_seconds() // 3600)
            parts.append(f"LATE ENTRY (written more than {hours} h after the contact, or out of order)")
        if self._draft_state:
            parts.append(self._draft_state)
        self.editor.late = self._late
        self.editor.status = "  ·  ".join(parts)

    @on(NoteEditor.Changed)
    def _edited(self, event: NoteEditor.Changed) -> None:
        self._discard_armed = False
        if event.field in ("party", "type"):
            self._release_reason = None  # the reason was given for that party
        if event.field in ("contact_date", "contact_time"):
            self._refresh_status()
        if event.field == "type" and self.editor.values().type != getattr(self, "_shown_type", self._initial.type):
            self._swap_template()
            self._default_method()
            self._refresh_status(recheck=False)
        if event.field == "type":
            self._shown_type = self.editor.values().type
        if self._baseline is not None:
            if self.editor.values() == self._baseline:
                return
            self._baseline = None  # changed: from now on every edit counts, without comparing
        self._last_edit = draft_clock()
        if self._dirty_since is None:
            self._dirty_since = self._last_edit

    def _default_method(self) -> None:
        """A home-visit note's method is the home visit: filled in if no method is chosen yet."""
        from textual.widgets import Select

        values = self.editor.values()
        method = METHOD_FOR_TYPE.get(NoteType(values.type)) if values.type else None
        if method is not None and not values.method:
            self.editor.query_one("#note-method", Select).value = method.value

    def _swap_template(self) -> None:
        """A new type brings its template, unless the user has written something."""
        text = self.editor.text
        untouched = set(notes_service.all_templates().values()) | notes_service.appointment_templates()
        if text.strip() and text not in untouched:
            return
        new_type = NoteType(self.editor.values().type)
        self.editor.set_text(notes_service.note_template(new_type))

    # -- drafts ---------------------------------------------------------------

    def _maybe_save_draft(self) -> None:
        if self._dirty_since is None or self._saved:
            return
        now = draft_clock()
        if now - self._last_edit >= DRAFT_IDLE_SECONDS or now - self._dirty_since >= DRAFT_MAX_SECONDS:
            self.save_draft_now()

    def on_screen_suspend(self) -> None:
        """Another screen covers this one (lock, help, a mode switch): keep every word now."""
        try:
            self.save_draft_now()
        except Exception:  # noqa: BLE001 - the widgets may already be gone
            pass

    def on_screen_resume(self) -> None:
        """Back on this form (another mode, F4 elsewhere): text saved as a note meanwhile goes (23.1)."""
        if self._saved or self._error is not None or self.client_id is None or self.amends_id is not None:
            return  # an amendment starts from saved text; a second amendment of one note is refused anyway
        try:
            with self._session() as session:
                saved = notes_service.saved_since(session, self.client_id, self._started_at)
        except Exception:  # noqa: BLE001 - the form stays as it is; saving checks again
            return
        text = self.editor.text
        rest = notes_service.unsaved_rest(text, saved)
        if rest is None:
            self._saved = True  # nothing of this form is unsaved: no draft, no question on quit
            self.notify("This note was saved meanwhile (from another window); nothing left to save here.",
                        title="Already saved", timeout=6)
            self.dismiss(None)
        elif rest != text:
            self.editor.set_text(rest)
            self.notify("Text saved as a note meanwhile was taken out of this form; the rest is still here.",
                        title="Partly saved", timeout=6)

    def save_draft_now(self) -> None:
        """Write the draft at once (also called when the screen closes)."""
        if self._dirty_since is None or self._saved:
            return
        values = self.editor.values()
        fields = values.fields() | {
            "appointment_id": self.appointment_id, "due_item_key": self.due_item_key,
            "started_at": self._started_at.isoformat(timespec="seconds"),
        }
        try:
            with self._session() as session:
                client = get_client(session, self.case_number)
                notes_service.save_draft(
                    session, client, text=values.text, fields=fields,
                    amends_id=self.amends_id, appointment_id=self.appointment_id,
                )
        except Exception as err:  # noqa: BLE001 - a draft failure must never lose the screen
            # Still dirty: the next check retries. Say so once, not every quarter second.
            if not self._draft_failing:
                self._draft_failing = True
                self.notify(f"Draft not saved yet ({type(err).__name__}); retrying. Your text is still here.",
                            severity="error", timeout=6)
            return
        self._draft_failing = False
        self._draft_written = True
        self._dirty_since = None
        self._draft_state = f"draft kept {clock.now():%H:%M:%S}"
        self._refresh_status(recheck=False)

    # -- actions -------------------------------------------------------------

    def action_template(self) -> None:
        """Insert the template for the chosen type at the cursor."""
        body = notes_service.note_template(NoteType(self.editor.values().type))
        if body:
            self.query_one("#note-text").insert(body)  # type: ignore[attr-defined]

    def action_close(self) -> None:
        self.save_draft_now()
        if self._dirty_since is None and self._has_draft_text():
            self.notify("Draft kept: it is offered back next time.", timeout=3)
        if self._draft_written:
            _post_data_changed(self)  # listed under "Notes to finish" and marked on the caseload
        self.dismiss(None)

    @property
    def closed(self) -> bool:
        """Saved, discarded or found saved elsewhere: this form is done with."""
        return self._saved or self._error is not None

    @property
    def changed(self) -> bool:
        """Text typed here that is not saved as a note yet (quitting asks first)."""
        if self._saved or self._error is not None:
            return False
        return self._dirty_since is not None or self._draft_written

    def _has_draft_text(self) -> bool:
        return bool(self.editor.text.strip()) and (self._baseline is None or self.editor.values() != self._baseline)

    def action_discard(self) -> None:
        if not self._discard_armed:
            self._discard_armed = True
            self.notify("Press F8 again to discard this draft (the text is lost).", severity="warning", timeout=4)
            return
        with self._session() as session:
            client = get_client(session, self.case_number)
            notes_service.discard_draft(
                session, client, amends_id=self.amends_id, appointment_id=self.appointment_id
            )
        self._saved = True
        _post_data_changed(self)  # the "Notes to finish" item and the caseload marker go
        self.notify("Draft discarded.", timeout=3)
        self.dismiss(None)

    def action_save(self) -> None:
        values = self.editor.values()
        try:
            note_id, late = self._save(values)
        except collateral.ReleaseNeeded as err:
            self._ask_release_reason(err)
            return
        except BadInput as err:
            # Refused: the text stays on screen and is kept as a draft at once.
            if self._baseline is None or values != self._baseline:
                self._dirty_since = self._dirty_since or draft_clock()
                self.save_draft_now()
            self.notify("\n".join(err.errors) + "\nYour draft is kept.", title="Note not saved", severity="error", timeout=8)
            return
        except SQLAlchemyError as err:
            # Locked or unreachable database: nothing was written; the text stays on screen.
            reason = "the database is busy" if "locked" in str(err) else type(err).__name__
            self.notify(f"Note not saved: {reason}. Your text is still here; try Ctrl+S again.",
                        title="Note not saved", severity="error", timeout=8)
            return
        self._saved = True
        self._dirty_since = None
        _post_data_changed(self)
        self.notify("Note saved" + (" (late entry)" if late else "") + ".", timeout=3)
        self.dismiss(note_id)
        ask = getattr(self.app, "ask_next_review", None)  # the app's (a test host may have none)
        if ask is not None and self.appointment_id is not None and self.amends_id is None:
            ask(self.appointment_id, noted=True)  # the note of an FSSP or plan review: when is the next? (23.3)

    def _ask_release_reason(self, err: "collateral.ReleaseNeeded") -> None:
        """No release in force covers the party: ask why it was shared, then save with the reason (23.6)."""
        from caseterm.widgets.prompts import ReleaseReasonPrompt

        def answered(reason: str | None) -> None:
            if reason:
                self._release_reason = reason
                self.action_save()
            else:
                self.notify("Not saved: a collateral contact with no release needs its reason. Your draft is kept.",
                            severity="warning", timeout=5)

        self.app.push_screen(
            ReleaseReasonPrompt(err.party, err.releases, collateral.NO_RELEASE_REASONS,
                                collateral.release_reason_text),
            answered,
        )

    def _parse_minutes(self, text: str) -> int | None:
        if not text.strip():
            return None
        try:
            return int(text)
        except ValueError:
            raise BadInput(f"minutes: {text!r} is not a whole number") from None

    def _save(self, values: NoteValues) -> tuple[int, bool]:
        """One transaction: the note (or amendment) in, the draft out."""
        errors: list[str] = []
        contact_at = None
        try:
            contact_at = self._contact_at(values)
        except BadInput as err:
            errors += err.errors
        try:
            minutes = self._parse_minutes(values.minutes)
        except BadInput as err:
            errors += err.errors
            minutes = None
        if not values.type:
            errors.append("type: choose a note type")
        if self.amends_id is not None:
            try:
                notes_service.check_amend_reason(values.reason)
            except BadInput as err:
                errors += err.errors
        if errors:
            raise BadInput(*errors)
        values.text = values.text.rstrip()  # trailing blank lines of a template say nothing
        method = ContactMethod(values.method) if values.method else None
        outcome = ContactOutcome(values.outcome) if values.outcome else None
        with self._session() as session:
            client = get_client(session, self.case_number)
            if self.amends_id is not None:
                note = notes_service.amend_note(
                    session, self.amends_id, text=values.text, type=NoteType(values.type),
                    method=method, outcome=outcome, minutes=minutes, reason=values.reason,
                )
            else:
                note = notes_service.add_note(
                    session, client, type=NoteType(values.type), text=values.text,
                    contact_at=contact_at, method=method, outcome=outcome, minutes=minutes,
                    started_at=self._started_at, party=values.party, release_reason=self._release_reason,
                )
            notes_service.discard_draft(
                session, client, amends_id=self.amends_id, appointment_id=self.appointment_id
            )
            session.flush()
            self._complete_due_item(session)
            assert note.id is not None
            return note.id, note.late_entry

    def _complete_due_item(self, session: "Session") -> None:
        """Most items clear by data; one a note completes but whose rule cannot see it is marked done."""
        if not self.due_item_key or self.due_item_key.split("|", 1)[0] not in NOTE_COMPLETES:
            return
        from caseterm.services import due

        # the note's client alone: the rules of NOTE_COMPLETES are per client
        mine = None if self.client_id is None else [self.client_id]
        still_due = {item.key for item in due.due_items(session, clock.today(), client_ids=mine)}
        if self.due_item_key in still_due:
            due.mark_done(session, self.due_item_key)
