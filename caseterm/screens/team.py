"""The Team screen (`3`): a supervisor's view of each worker's caseload (agency mode).

Enter on a worker lists their clients; Enter on a client opens the file (which
the server keeps read-only for a supervisor, but for supervision notes).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.text import plural
from caseterm.widgets.footer import KeyFooter


class TeamScreen(Screen):
    BINDINGS = [
        Binding("1", "app.switch_mode('caseload')", "Caseload"),
        Binding("2", "app.switch_mode('schedule')", "Schedule"),
        Binding("enter", "drill", "Worker's caseload", show=True, priority=True),
    ]

    DEFAULT_CSS = """
    TeamScreen #team-note { padding: 0 1; color: $text-muted; }
    TeamScreen DataTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.logins: list[str] = []
        #: Loaded at least once (tests wait on it).
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="team-note")
        yield DataTable(id="team-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "Team"
        table = self.query_one(DataTable)
        table.add_columns("Worker", "Login", "Role", "Clients", "Overdue", "Late notes", "No contact")
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.reload()

    def reload(self) -> None:
        from caseterm.services.team import overview

        table = self.query_one(DataTable)
        note = self.query_one("#team-note", Static)
        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                rows, days, hours = overview(session, clock.today())
        except BadInput as err:
            table.clear()
            self.logins = []
            note.update("\n".join(err.errors))
            self.loaded = True
            return
        table.clear()
        self.logins = [r.login for r in rows]
        for r in rows:
            table.add_row(r.name, r.login, r.role, str(r.clients), str(r.overdue), str(r.late_notes),
                          str(r.no_contact), key=r.login)
        note.update(f"{plural(len(rows), 'worker')} · late notes: written more than {hours} h after the contact, "
                    f"last {days} days · no contact: none in {days} days · Enter: the worker's caseload")
        self.loaded = True

    def action_drill(self) -> None:
        table = self.query_one(DataTable)
        if not self.logins or table.cursor_row is None or not 0 <= table.cursor_row < len(self.logins):
            return
        self.app.push_screen(MemberScreen(self.logins[table.cursor_row]))


class MemberScreen(Screen):
    """One worker's clients, as the supervisor may see them."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Team"),
        Binding("enter", "open", "Open client", show=True, priority=True),
    ]

    DEFAULT_CSS = """
    MemberScreen #member-note { padding: 0 1; color: $text-muted; }
    MemberScreen DataTable { height: 1fr; }
    """

    def __init__(self, login: str) -> None:
        super().__init__()
        self.login = login
        self.case_numbers: list[str] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="member-note")
        yield DataTable(id="member-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        from caseterm.services.caseload import short_date
        from caseterm.services.team import member_caseload

        self.sub_title = f"Team · {self.login}"
        table = self.query_one(DataTable)
        table.add_columns("Case", "Name", "Last contact", "Overdue")
        try:
            with self.app.session() as session:  # type: ignore[attr-defined]
                rows = member_caseload(session, self.login, clock.today())
        except BadInput as err:
            self.query_one("#member-note", Static).update("\n".join(err.errors))
            self.loaded = True
            return
        for r in rows:
            table.add_row(r.case_number, r.name, short_date(r.last_contact) if r.last_contact else "never",
                          str(r.overdue), key=r.case_number)
        self.case_numbers = [r.case_number for r in rows]
        self.query_one("#member-note", Static).update(
            f"{self.login}: {plural(len(rows), 'client')} · Enter opens the file · Esc: back to the team")
        self.loaded = True

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.case_numbers and table.cursor_row is not None and 0 <= table.cursor_row < len(self.case_numbers):
            self.app.open_client(self.case_numbers[table.cursor_row])  # type: ignore[attr-defined]
