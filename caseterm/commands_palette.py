"""ctrl+p: jump to any client by name or case number, or run any action."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (title, help, mode or None, action) — the palette's actions.
#: mode None: an app action; otherwise switch to that main screen and run the screen's action.
ACTIONS: list[tuple[str, str, str | None, str]] = [
    ("Caseload", "the morning review of every client (1)", None, "switch_mode('caseload')"),
    ("Schedule", "today's day template and appointments (2)", None, "switch_mode('schedule')"),
    ("Due list: show or hide", "the due-today sidebar (F2)", None, "toggle_sidebar"),
    ("Hide the screen", "privacy: blank the screen now (F12 or ctrl+l)", None, "hide"),
    ("Help: every key", "(?)", None, "help"),
    ("Recent messages", "reread what the app said this session (toasts go after a few seconds)", None, "recent_notices"),
    ("Search all notes", "full-text search of the case narrative (ctrl+f)", None, "search_notes"),
    ("Hours grid: enter last month's hours", "work-activity verification: clients down, weeks across (h)", None, "hours_grid"),
    ("Due list: snoozed and dismissed items", "see what is hidden and put an item back (u in the due list)", None, "set_aside"),
    ("Add a task to the due list", "a manual task with a date and priority (+ in the due list)", None, "add_task"),
    ("Caseload: print / export the list", "CSV + HTML print view, marked CONFIDENTIAL (e)", "caseload", "print_caseload"),
    ("Caseload: filter by text", "(/)", "caseload", "filter"),
    ("Caseload: show all clients", "(a)", "caseload", "quick('ALL')"),
    ("Caseload: clients with items due", "(d)", "caseload", "quick('DUE')"),
    ("Caseload: not initialized", "(i)", "caseload", "quick('NOT_INITIALIZED')"),
    ("Caseload: in penalty", "(p)", "caseload", "quick('PENALTY')"),
    ("Caseload: no recent contact", "no contact within the follow-up interval (n; n again picks the days)", "caseload", "quick('NO_CONTACT')"),
    ("Caseload: closing", "cases marked to close (c)", "caseload", "quick('CLOSING')"),
    ("Caseload: sort by next column", "(o)", "caseload", "sort_next"),
    *[
        (f"Caseload: sort by {heading}", "again to reverse", "caseload", f"sort_by('{column}')")
        for column, heading in (
            ("case_number", "case number"),
            ("name", "name"),
            ("due", "due items (most first)"),
            ("flags", "flags"),
            ("next_appointment", "next appointment"),
            ("last_contact", "last contact (longest ago first)"),
            ("status", "status"),
            ("program", "program"),
        )
    ],
    ("Caseload: reverse the sort", "(O)", "caseload", "sort_reverse"),
    ("Schedule: today", "(t)", "schedule", "today"),
    ("Schedule: previous day", "([)", "schedule", "prev_day"),
    ("Schedule: next day", "(])", "schedule", "next_day"),
]


class ClientsProvider(Provider):
    """Clients by preferred name, legal name or case number."""

    async def startup(self) -> None:
        from caseterm.services.caseload import client_index

        def load() -> list[tuple[str, str, str]]:
            with self.app.session() as session:  # type: ignore[attr-defined]
                return client_index(session)

        self._clients = await asyncio.to_thread(load)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: Any = self.app
        for case_number, name, legal in self._clients:
            label = f"{name} · {case_number}" + (f" ({legal})" if legal != name else "")
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(app.open_client, case_number), help="open the client's file")

    async def discover(self) -> Hits:
        return
        yield  # clients are found by typing; the empty palette lists actions


class ActionsProvider(Provider):
    """Every action of the main screens."""

    def _run(self, mode: str | None, action: str) -> None:
        app: Any = self.app
        if mode is None:
            self.app.call_later(self.app.run_action, action)
        else:
            app.run_screen_action(mode, action)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, mode, action in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, mode, action), help=help_text)

    async def discover(self) -> Hits:
        for title, help_text, mode, action in ACTIONS:
            yield DiscoveryHit(title, partial(self._run, mode, action), help=help_text)
