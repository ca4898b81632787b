"""The header card of a client's file, the client's due items under it and the
banner of an unsaved draft (a mixin of `ClientScreen`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Static

from caseterm import clock
from caseterm.services import notes as notes_service
from caseterm.text import plural
from caseterm.screens.client.common import _hours, _label

if TYPE_CHECKING:
    from sqlmodel import Session

    from caseterm.models import Client  # annotations only: the screen needs no table definitions


class CardMixin:
    """The header card: name, program, flags, enrollment dates; this client's due items; the drafts banner."""

    def _show_card(self, c: Client, assigned: str | None = None) -> None:
        name = c.display_name
        if c.preferred_name and c.preferred_name != c.legal_name:
            name = f"{c.preferred_name} (legal name {c.legal_name})"
        self.query_one("#card-name", Static).update(f"{name} · case {c.case_number}")
        line = [c.program, _label(c.status)]
        if c.close_pending:
            line.append("closing")
        line.append(f"months used {c.months_used}")
        if c.contact_preference:
            line.append(f"stay in touch: {c.contact_preference}")
        contact = [x for x in (c.phone, c.email) if x]
        if contact:
            line.append(" / ".join(contact))
        if c.stage_of_change:
            line.append(f"stage: {_label(c.stage_of_change)}")
        if assigned:
            line.append(f"case manager {assigned}")
        self.query_one("#card-line", Static).update(" · ".join(line))
        flags = []
        if c.exempt_hours is not None:
            flags.append(f"EXEMPT ({_hours(c.exempt_hours)} h/week)")
        if c.penalty_start:
            flags.append(f"IN PENALTY since {clock.short_date(c.penalty_start)}")
        if c.dv_in_home:
            flags.append("DV IN HOME: no home visits")
        if c.remote:
            flags.append("REMOTE: mail everything")
        if c.two_parent:
            flags.append("two-parent family")
        if c.needs_childcare:
            flags.append("needs child care")
        flag_widget = self.query_one("#card-flags", Static)
        flag_widget.update(" · ".join(flags) if flags else "no flags")
        flag_widget.set_class(bool(flags), "-flagged")
        dates = [
            ("referred", c.referral_date),
            ("first contact", c.initial_contact_date),
            ("first interview", c.first_interview_date),
            ("shelter entry", c.shelter_entry_date),
            ("exit", c.exit_date),
            ("plan review due", c.plan_review_date),
        ]
        shown = [f"{label} {clock.short_date(day)}" for label, day in dates if day]
        if c.exit_reason:
            shown.append(f"exit reason {_label(c.exit_reason)}")
        self.query_one("#card-dates", Static).update("Enrollment: " + (" · ".join(shown) if shown else "no dates recorded"))
        self.sub_title = f"{c.display_name} · {c.case_number}"

    #: This client's due items listed at the top of the file; the rest are counted.
    CLIENT_DUE_SHOWN = 3

    def _show_client_due(self, items: list[Any] | None) -> None:
        """This client's due items, at the top (the sidebar stays the whole caseload's)."""
        from textual.content import Content

        from caseterm.widgets.due_today import PRIORITY_MARK, PRIORITY_STYLE, items_of_case

        box = self.query_one("#client-due", Static)
        head = self.query_one("#client-due-head", Static)
        if items is None:
            head.update("")
            box.update("Due for this client: working it out…")
            return
        mine = items_of_case(items, self.case_number)
        self.query_one("#client-due-row").set_class(not mine, "-none")
        if not mine:
            head.update("")
            box.update("Nothing due for this client.")
            return
        shown = 2 if getattr(self.app, "compact", False) else self.CLIENT_DUE_SHOWN
        head.update(f"Due ({len(mine)}) ")
        lines = []
        for item in mine[:shown]:
            priority = int(item.priority)
            overdue = "overdue " if item.overdue else ""
            # The date first: at the end of a wrapped title it broke across lines ("· Nov" / "02").
            when = clock.short_date(item.due)
            lines.append(
                Content.from_markup(
                    f"[{PRIORITY_STYLE.get(priority, '')}]$mark[/] [$text-muted]$when ·[/] [b $text-error]$overdue[/]$title",
                    mark=PRIORITY_MARK.get(priority, "·"), overdue=overdue, title=item.title, when=when,
                )
            )
        if len(mine) > shown:
            lines[-1] = lines[-1] + Content(f"  (+{len(mine) - shown} more in the due list)")
        box.update(Content("\n").join(lines))

    def _show_drafts(self, session: "Session", client: Client) -> None:
        drafts = notes_service.drafts_for(session, client)
        banner = self.query_one("#client-drafts", Static)
        banner.display = bool(drafts)
        if drafts:
            latest = drafts[0]
            if latest.amends_id:
                original = notes_service.get_note(session, latest.amends_id)
                what, key = f"an amendment to the note of {original.contact_at:%Y-%m-%d %H:%M}", "m on that note"
            elif latest.appointment_id is not None:
                what, key = "an appointment's note", "Enter on the appointment (or F4)"
            else:
                what, key = "a note", "n"
            more = f" (+{len(drafts) - 1} more)" if len(drafts) > 1 else ""
            banner.update(
                f"Unsaved draft of {what} from {latest.updated_at:%Y-%m-%d %H:%M} "
                f"({plural(len(latest.text.split()), 'word')}){more}. Press {key} to continue it."
            )
        self._drafts = drafts

    def _offer_drafts(self) -> None:
        if getattr(self, "_drafts", None):
            self.notify("An unsaved note draft is waiting: the banner says how to continue it.", title="Draft", timeout=6)
