"""23.10: last contact as a column of the caseload report, on the screen, in the HTML print
view and in the CSV, by the caseload's one definition (a note that reached the client:
not a letter, not a collateral call); never contacted shows "—" (screen, HTML) or nothing (CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from sqlalchemy.engine import Engine
from sqlmodel import select
from test_app_flow import settle
from test_reports import TODAY, add_caseload

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Client
from caseterm.services import reports
from caseterm.services.caseload import caseload_rows
from caseterm.services.notes import add_note
from caseterm.store import session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

import pytest


@pytest.fixture
def contacted(engine: Engine) -> Engine:
    """Ana reached Oct 30 (a letter Oct 31 does not count); Ben seen Oct 20 (his landlord
    called Nov 1: collateral, not him); Cy never contacted."""
    clock.pin(TODAY, dt.time(8, 5))
    add_caseload(engine)
    with session_scope(engine) as s:
        by_case = {c.case_number: c for c in s.exec(select(Client)).all()}

        def note(case: str, when: dt.datetime, type: NoteType, method: ContactMethod | None, outcome: ContactOutcome | None) -> None:
            # a collateral call names its party, and says why without a release (issue 23.6)
            collateral = {"party": "landlord", "release_reason": "emergency: heat off"} if type is NoteType.COLLATERAL else {}
            add_note(s, by_case[case], type=type, text="Contact.", contact_at=when, written_at=when, author="jdoe",
                     method=method, outcome=outcome, minutes=10, **collateral)

        note("TA-001", dt.datetime(2026, 10, 30, 9, 0), NoteType.CONTACT, ContactMethod.PHONE, ContactOutcome.REACHED)
        note("TA-001", dt.datetime(2026, 10, 31, 9, 0), NoteType.LETTER, ContactMethod.LETTER, None)
        note("TA-002", dt.datetime(2026, 10, 20, 14, 0), NoteType.CONTACT, ContactMethod.OFFICE, ContactOutcome.REACHED)
        note("TA-002", dt.datetime(2026, 11, 1, 11, 0), NoteType.COLLATERAL, ContactMethod.PHONE, ContactOutcome.REACHED)
    return engine


EXPECTED = {"TA-001": dt.date(2026, 10, 30), "TA-002": dt.date(2026, 10, 20), "TA-003": None}


def test_report_lines_carry_the_caseloads_last_contact(contacted: Engine) -> None:
    with session_scope(contacted) as s:
        report = reports.caseload_report(s, TODAY)
        rows = {row.case_number: row.last_contact for row in caseload_rows(s, TODAY)}
    assert {line.case_number: line.last_contact for line in report.lines} == EXPECTED == rows


def test_csv_has_a_last_contact_column_empty_when_never(contacted: Engine) -> None:
    with session_scope(contacted) as s:
        text = reports.caseload_csv_text(reports.caseload_report(s, TODAY))
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[1]
    body = {r[0]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    assert {case: body[case]["last_contact"] for case in EXPECTED} == {
        "TA-001": "2026-10-30", "TA-002": "2026-10-20", "TA-003": "",
    }


def test_html_has_a_last_contact_column_dash_when_never(contacted: Engine) -> None:
    with session_scope(contacted) as s:
        html = reports.caseload_html_text(reports.caseload_report(s, TODAY))
    assert "<th>Last contact</th>" in html
    rows = re.findall(r"<tr>\s*<td><span class=\"box\"></span></td>(.*?)</tr>", html, flags=re.S)
    cells = {re.search(r"TA-00\d", row).group(0): re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows}
    # Columns after the box: client, status, flags, hours, last contact, next appointment ...
    assert cells["TA-001"][4] == "Fri 10/30"
    assert cells["TA-002"][4] == "Tue 10/20"
    assert cells["TA-003"][4] == '<span class="none">—</span>'


async def test_caseload_screen_shows_the_same_last_contact(contacted: Engine) -> None:
    app = CasetermApp(contacted, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#caseload-table")
        headings = [str(column.label) for column in table.ordered_columns]
        last = headings.index("Last contact")
        shown = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[last]) for i in range(table.row_count)}
    assert shown == {"TA-001": "Oct 30", "TA-002": "Oct 20", "TA-003": "—"}
