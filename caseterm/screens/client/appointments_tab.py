"""The appointments tab of a client's file (a mixin of `ClientScreen`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caseterm import clock
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, Place
from caseterm.services import records
from caseterm.widgets.record_form import FormField
from caseterm.screens.client.common import _label

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class AppointmentsTabMixin:
    """The appointments tab: its table, its form, `w` the note for an appointment."""

    def _show_appointments(self, session: "Session", client: Client) -> None:
        table = self._reset("appointments-table")
        for a in records.list_appointments(session, client):
            table.add_row(
                f"{a.start:%Y-%m-%d %H:%M}", str(a.minutes), _label(a.kind), _label(a.place), _label(a.status),
                (f"called: {_label(a.reminder_outcome)}" if a.reminder_outcome else "called") if a.reminder_called else "",
                key=f"appointment:{a.id}",
            )

    def _appointment_fields(self, session: "Session", client: Client, record_id: int | None) -> tuple:
        a = records.get_record(session, client, "appointment", record_id) if record_id else None
        start = f"{a.start:%Y-%m-%d %H:%M}" if a else f"{clock.today():%Y-%m-%d} 09:00"
        kind = FormField.choice("kind", "Kind", AppointmentKind, a.kind if a else AppointmentKind.FSSP)
        place = FormField.choice("place", "Place", Place, a.place if a else Place.OFFICE)
        if client.dv_in_home:
            # Never offer the client's home (004); an existing one still shows as it is.
            kind.choices = [c for c in kind.choices if c[1] != AppointmentKind.HOME_VISIT.value or (a and a.kind is AppointmentKind.HOME_VISIT)]
            place.choices = [c for c in place.choices if c[1] != Place.HOME.value or (a and a.place is Place.HOME)]
        return "appointment", [
            FormField("start", "Start", start, placeholder="YYYY-MM-DD HH:MM", required=True),
            FormField("minutes", "Minutes", str(a.minutes) if a else "60", required=True),
            kind,
            place,
            FormField.choice("status", "Status", AppointmentStatus, a.status if a else AppointmentStatus.SCHEDULED),
        ], records.save_appointment

    def action_appointment_note(self) -> None:
        from caseterm.screens.note import NoteScreen

        selected = self._selected()
        if selected is None or selected[0] != "appointment":
            self.notify("Select an appointment first.", severity="warning")
            return
        self.app.push_screen(NoteScreen(self.case_number, appointment_id=selected[1]), callback=self._note_closed)
