"""Prototype: the caseload's first paint without SQLAlchemy/SQLModel on the critical path.

click + Textual + caseterm's own app modules would be the same; here the rows
come from stdlib sqlite3 (the caseload_rows SQL), the table gets the first 100
rows, then the rest after the first frame.
"""
import sys, sqlite3, datetime as dt
import click  # the CLI's cost
from textual.app import App
from textual.widgets import DataTable, Footer, Header, Static
from textual import work

DB = sys.argv[1]  # a database from benchmarks/generate.py (dated 2026-03-10)
SQL = """SELECT c.case_number, coalesce(c.preferred_name, c.legal_name), c.program, c.status,
 c.penalty_start IS NOT NULL, c.exempt_hours IS NOT NULL, c.remote, c.dv_in_home, lc.last, na.next
 FROM client c
 LEFT JOIN (SELECT client_id, max(contact_at) AS last FROM note WHERE outcome IS NULL OR outcome NOT IN ('no_answer','returned_mail') GROUP BY client_id) lc ON lc.client_id = c.id
 LEFT JOIN (SELECT client_id, min(start) AS next FROM appointment WHERE start >= ? AND status = 'scheduled' GROUP BY client_id) na ON na.client_id = c.id
 ORDER BY c.case_number"""

class Proto(App):
    def compose(self):
        yield Header()
        yield Static("quick bar")
        yield DataTable(id="caseload-table", cursor_type="row", zebra_stripes=True)
        yield Static("status")
        yield Footer()
    def on_mount(self):
        t = self.query_one(DataTable)
        for h in ("Case #", "Name", "Program", "Status", "Flags", "Last contact", "Next appt", "Due"):
            t.add_column(h)
        self.load()
    @work(thread=True)
    def load(self):
        con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
        rows = con.execute(SQL, ("2026-03-10 00:00:00",)).fetchall()
        self.call_from_thread(self.show, rows)
    def show(self, rows):
        t = self.query_one(DataTable)
        def cells(r):
            flags = "".join(l if on else "·" for l, on in zip("PERD", r[4:8]))
            return [r[0], r[1], r[2], r[3], flags, (r[8] or "—")[:10], (r[9] or "—")[:16], "·"]
        t.add_rows([cells(r) for r in rows[:100]])
        rest = rows[100:]
        if rest:
            self.call_after_refresh(lambda: t.add_rows([cells(r) for r in rest]))

Proto().run()
