"""Where the app goes (a mixin of `CasetermApp`): a client's file, a note, the
schedule, the unsaved notes (drafts, F4), quitting with a changed note, and the
place a due item is done (`DueTarget`, `MakeRecord`). Screens ask for these through
the app (messages or `app.open_client`) instead of importing one another.
"""

from __future__ import annotations

from typing import Any

from textual import work

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.messages import DataChanged, DueTarget, MakeRecord


class RoutesMixin:
    """Opening screens, drafts, quit, and the due items' targets."""

    def open_client(self, case_number: str, tab: str | None = None, note_id: int | None = None) -> None:
        """The client's file (on `tab`, with `note_id` highlighted on the notes tab).
        Screens open a file through here rather than importing the client screen."""
        from caseterm.screens.client import ClientScreen

        kept: ClientScreen | None = getattr(self, "_kept_client_screen", None)
        stacked = kept is not None and any(kept in stack for stack in self._screen_stacks.values())
        if kept is not None and kept.is_mounted and not stacked:
            # One file screen is kept and re-pointed (issue 25.3): no compose per open.
            kept.show_client(case_number, tab, note_id=note_id)
            self.push_screen(kept)
            return
        screen = ClientScreen(case_number, tab=tab, note_id=note_id)
        if kept is None:
            self.install_screen(screen, name="client-file")
            self._kept_client_screen = screen
        # A second file over the kept one (search from a file): a screen of its own, dropped on close.
        self.push_screen(screen)

    def open_note(
        self,
        case_number: str,
        appointment_id: int | None = None,
        due_item_key: str | None = None,
        *,
        amends_id: int | None = None,
    ) -> None:
        from caseterm.screens.note import NoteScreen

        if self._go_to_open_note(case_number, appointment_id, amends_id):
            return
        self.push_screen(
            NoteScreen(case_number, appointment_id=appointment_id, due_item_key=due_item_key, amends_id=amends_id)
        )

    def _go_to_open_note(self, case_number: str, appointment_id: int | None, amends_id: int | None) -> bool:
        """The same note already open in another mode (left there by `1`/`2`/`3`): show that form
        instead of a second one on the same draft, the way to a duplicate note (23.1)."""
        from caseterm.screens.note import NoteScreen

        for mode, stack in self._screen_stacks.items():
            top = stack[-1] if stack else None
            if (
                isinstance(top, NoteScreen) and not top.closed
                and (top.case_number, top.appointment_id, top.amends_id) == (case_number, appointment_id, amends_id)
            ):
                if mode != self.current_mode:
                    self.switch_mode(mode)
                self.notify("This note is already open: here it is.", timeout=3)
                return True
        return False

    def unsaved_notes(self) -> list[Any]:
        """The drafts to finish, after ending those whose text was saved as a note since (23.1)."""
        from caseterm.services.notes import all_drafts, prune_saved_drafts

        with self.session() as session:
            prune_saved_drafts(session)
            return all_drafts(session)

    @work(thread=True, exclusive=True, group="drafts-notice", exit_on_error=False)
    def _announce_drafts(self) -> None:
        """At start-up: the notes left unsaved (after Esc, a crash or kill -9).

        In a worker: ending the drafts already saved checks each one against the notes
        (450 drafts took 1.9 s, the screen frozen, at start-up; issue 25 round 4)."""
        try:
            drafts = self.unsaved_notes()
        except Exception:  # noqa: BLE001 - the screens report a broken database
            return
        if drafts:
            self.call_from_thread(self._say_drafts, drafts)

    def _say_drafts(self, drafts: list[Any]) -> None:
        from caseterm.text import plural

        names = list(dict.fromkeys(d.name for d in drafts))
        self.notify(
            f"{plural(len(drafts), 'unsaved note')}: {', '.join(names)} — press F4 to open "
            f"{'it' if len(drafts) == 1 else 'them one by one'} (also under Notes to finish).",
            title="Notes to finish",
            timeout=10,
        )

    def action_open_draft(self) -> None:
        from caseterm.screens.note import NoteScreen

        if isinstance(self.screen, NoteScreen):
            self.notify("Save (Ctrl+S) or close (Esc) this note first.", timeout=3)
            return
        drafts = self.unsaved_notes()
        if not drafts:
            self.notify("No unsaved notes.", timeout=3)
            return
        draft = drafts[self._next_draft % len(drafts)]
        self._next_draft += 1
        self.open_note(draft.case_number, draft.appointment_id, amends_id=draft.amends_id)

    def open_note_screens(self) -> list[Any]:
        """Note screens with changes, in every mode's stack."""
        from caseterm.screens.note import NoteScreen

        return [
            screen
            for stack in self._screen_stacks.values()
            for screen in stack
            if isinstance(screen, NoteScreen) and screen.changed
        ]

    async def action_quit(self) -> None:
        """Quit; with a changed note open, ask first (its draft is kept either way)."""
        from caseterm.widgets.prompts import ConfirmPrompt

        changed = self.open_note_screens()
        if not changed or self.locked:
            for screen in changed:
                screen.save_draft_now()
            self.exit()
            return
        if any(isinstance(screen, ConfirmPrompt) for screen in self.screen_stack):
            return
        for screen in changed:
            screen.save_draft_now()
        names = ", ".join(dict.fromkeys(screen.client_label for screen in changed))

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmPrompt(
                "Quit with a note not saved?",
                f"The note for {names} is not saved as a note. Its draft is kept and offered "
                "back (F4, Notes to finish), but until it is saved it didn't happen.",
                yes="quit, keep the draft",
                no="back to the note",
            ),
            answered,
        )

    def open_schedule(self, appointment_id: int | None = None) -> None:
        def select() -> None:
            selector = getattr(self.screen, "select_appointment", None)
            if appointment_id is not None and selector is not None:
                selector(appointment_id)

        if self.current_mode == "schedule":
            while len(self.screen_stack) > 1:
                self.pop_screen()
            select()
        else:
            self.switch_mode("schedule")
            self.call_after_refresh(select)

    def run_screen_action(self, mode: str, action: str) -> None:
        """Show a main screen (leaving any client file over it) and run one of its actions."""
        if self.current_mode != mode:
            self.switch_mode(mode)
        else:
            while len(self.screen_stack) > 1:
                self.pop_screen()

        async def run() -> None:
            while len(self.screen_stack) > 1 and self.current_mode == mode:
                self.pop_screen()
            await self.screen_stack[0].run_action(action)

        self.call_after_refresh(run)

    def _go_to_due_item(self, message: DueTarget) -> None:
        """Go where the item is done (`DueItem.target`, set by its rule)."""
        item = message.item
        target = dict(getattr(item, "target", None) or {})
        where = target.get("screen")
        case_number = target.get("case_number") or item.case_number
        if where == "note" and case_number:
            # A draft remembers the item it was started for: that one is cleared on save.
            key = None if item.rule == "draft" else item.key
            self.open_note(case_number, target.get("appointment_id"), key, amends_id=target.get("amends_id"))
        elif where == "schedule" and target.get("appointment_id") is not None:
            self.open_schedule(target["appointment_id"])
        elif where == "schedule" and case_number:
            # "Schedule a home visit / staffing": appointments are booked in the client's file.
            self.open_client(case_number, "appointments")
        elif where == "schedule":
            self.open_schedule()
        elif where == "hours" and target.get("month"):
            self.action_hours_grid(case_number)
        elif where == "client" and case_number and target.get("form"):
            # an HMIS item: its form opens over the HMIS tab (the tab itself is read-only)
            from caseterm.screens.client import ClientScreen
            from caseterm.services.due_records import record_for

            self.push_screen(ClientScreen(case_number, tab=target.get("tab"), form=record_for(item, clock.today()),
                                          form_reason=getattr(item, "title", "")))
        elif where in ("hours", "client") and case_number:
            self.open_client(case_number, target.get("tab") or ("hours" if where == "hours" else None))
        elif where == "caseload":
            action = {"export": "print_caseload"}.get(target.get("action", ""), "show_all")
            self.run_screen_action("caseload", action)
        elif case_number:
            self.open_client(case_number, target.get("tab"))
        else:
            self.notify(item.why, title=item.title, timeout=8)

    def _make_record(self, message: MakeRecord) -> None:
        """`x` on an item a record clears: open the form that makes the record, prefilled.

        The item leaves the list because the record exists (the rules see it),
        not because it was ticked off.
        """
        from caseterm.services.due_records import RecordRequest

        item, request = message.item, message.request
        assert isinstance(request, RecordRequest)
        case_number = request.case_number
        if request.form == "note" and case_number:
            self.open_note(case_number, request.appointment_id, getattr(item, "key", None))
            self.notify("Done needs its record: save the note and the item clears.", timeout=4)
        elif request.form == "reminder" and request.appointment_id is not None:
            self.ask_reminder_call(request.appointment_id, getattr(item, "title", "reminder call"))
        elif request.tab is not None and case_number:
            from caseterm.screens.client import ClientScreen

            self.push_screen(ClientScreen(case_number, tab=request.tab, form=request, form_reason=getattr(item, "title", "")))
        else:
            self.notify("Done needs its record: do it here and the item clears.", timeout=4)
            self.post_message(DueTarget(item))

    def ask_reminder_call(self, appointment_id: int, what: str, done: Any = None) -> None:
        """Ask how the reminder call went and log it (a phone contact attempt)."""
        from caseterm.services.appointments import log_reminder_call
        from caseterm.widgets.quick_log import ReminderCall

        from caseterm.vocabulary import label

        def logged(outcome: Any) -> None:
            if outcome is None:
                return
            try:
                with self.session() as session:
                    client_id = log_reminder_call(session, appointment_id, True, outcome).client_id
            except BadInput as err:
                self.notify("\n".join(err.errors), severity="error")
                return
            self.notify(f"Reminder call logged: {label(outcome)}.", timeout=3)
            self.post_message(DataChanged(client_id))
            if done is not None:
                done()

        self.push_screen(ReminderCall(what), logged)

    def ask_next_review(self, appointment_id: int | None, noted: bool = False) -> None:
        """After a plan review (an FSSP or case-plan review marked kept, or its note
        saved): ask for the next review date, prefilled from the policy's interval;
        Enter accepts it, Esc leaves the date as it is (23.3)."""
        from caseterm.policy import load_policy
        from caseterm.services import plans
        from caseterm.services.clients import get_client
        from caseterm.widgets.prompts import TextPrompt

        with self.session() as session:
            held = plans.review_held(session, appointment_id, noted=noted)
        if held is None:
            return
        today = clock.today()

        def chosen(day: Any) -> None:
            if day is None:
                return
            try:
                with self.session() as session:
                    plans.set_next_review(session, get_client(session, held.case_number), day)
            except BadInput as err:
                self.notify("\n".join(err.errors), severity="error")
                return
            self.notify(f"Next plan review for {held.name}: {clock.short_date(day)}.", timeout=3)
            self.post_message(DataChanged(case_number=held.case_number))

        days = load_policy().case_plan.review_days
        self.push_screen(
            TextPrompt(
                f"Next plan review for {held.name}",
                help_text=(
                    f"Plan reviewed {held.held_on:%a %b %d}; review it at least every {days} days (004). "
                    "A date (YYYY-MM-DD) or +days."
                ),
                value=held.suggested.isoformat(),
                parse=lambda text: plans.parse_next_review(text, today),
            ),
            chosen,
        )

    def action_add_task(self, case_number: str | None = None) -> None:
        """A manual task on the due list (optionally for one client)."""
        from caseterm.services import due
        from caseterm.services.snooze import parse_task_due
        from caseterm.widgets.prompts import TaskPrompt

        def save(title: str, when: str, priority: str) -> str:
            if priority.strip() not in ("", "1", "2", "3"):
                raise BadInput("priority: 1, 2 or 3")
            with self.session() as session:
                due.add_task(
                    session,
                    title.strip(),
                    parse_task_due(when, clock.today()),
                    int(priority.strip() or 2),
                    case_number=case_number,
                )
            return title.strip()

        def saved(title: str | None) -> None:
            if title:
                from caseterm.messages import NO_CLIENT

                self.notify(f"Task added: {title}", timeout=3)
                self.post_message(DataChanged(case_number=(case_number or "").strip() or NO_CLIENT))

        self.push_screen(TaskPrompt(save, who=case_number or ""), saved)

    def action_search_notes(self) -> None:
        from caseterm.screens.search import SearchScreen

        self.push_screen(SearchScreen())

    def action_hours_grid(self, case_number: str | None = None) -> None:
        """Last month's hours for every client who owes them (work-activity verification)."""
        from caseterm.screens.hours_grid import HoursGridScreen

        self.push_screen(HoursGridScreen(case_number))
