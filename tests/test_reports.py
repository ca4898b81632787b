"""The caseload report (001's Monday check) and the monthly participation summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from caseterm import clock
from caseterm.models import Appointment, Client, HoursEntry
from caseterm.vocabulary import Activity, AppointmentKind, AppointmentStatus, ClientStatus
from caseterm.services import reports
from caseterm.store import session_scope

TODAY = dt.date(2026, 11, 2)  # Monday; before the 20th, so the summary month is October


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def add_caseload(engine: Engine, n: int = 3) -> None:
    """Ana (works, short last week), Ben (exempt, penalty), Cy (DV, not initialized), then fillers."""
    with session_scope(engine) as s:
        ana = Client(case_number="TA-001", legal_name="Ana Diaz", preferred_name="Annie", program="TANF")
        ben = Client(case_number="TA-002", legal_name="Ben <Ortiz>", exempt_hours=20, penalty_start=dt.date(2026, 9, 14),
                     two_parent=True, program="TANF")
        cy = Client(case_number="TA-003", legal_name="Cy Park", status=ClientStatus.NOT_INITIALIZED, dv_in_home=True,
                    program="Housing First")
        s.add_all([ana, ben, cy])
        for i in range(3, n):
            s.add(Client(case_number=f"TA-{i + 1:03d}", legal_name=f"Filler {i}", program="TANF"))
        s.flush()
        # Last week = the week of Monday Oct 26.
        s.add(HoursEntry(client_id=ana.id, week=dt.date(2026, 10, 26), activity=Activity.EMPLOYMENT, hours=24))
        s.add(HoursEntry(client_id=ana.id, week=dt.date(2026, 10, 26), activity=Activity.WORK_SEARCH, hours=8))
        s.add(HoursEntry(client_id=ana.id, week=dt.date(2026, 10, 5), activity=Activity.EMPLOYMENT, hours=40))
        s.add(HoursEntry(client_id=ana.id, week=dt.date(2026, 9, 28), activity=Activity.EMPLOYMENT, hours=40))  # September's
        s.add(HoursEntry(client_id=ben.id, week=dt.date(2026, 10, 26), activity=Activity.BARRIER_RESOLUTION, hours=20))
        s.add(Appointment(client_id=ana.id, start=dt.datetime(2026, 11, 4, 10, 0), kind=AppointmentKind.FSSP))
        s.add(Appointment(client_id=ana.id, start=dt.datetime(2026, 11, 10, 8, 30), kind=AppointmentKind.DEBRIEFING))
        s.add(Appointment(client_id=ana.id, start=dt.datetime(2026, 11, 3, 8, 30), kind=AppointmentKind.EA,
                          status=AppointmentStatus.CANCELLED))
        s.add(Appointment(client_id=ben.id, start=dt.datetime(2026, 10, 28, 13, 30), kind=AppointmentKind.EA,
                          status=AppointmentStatus.NO_SHOW))


@pytest.fixture
def caseload(engine: Engine) -> Engine:
    clock.pin(TODAY, dt.time(8, 5))
    add_caseload(engine)
    return engine


def test_summary_month_follows_the_verification_deadline() -> None:
    from caseterm.policy import load_policy

    deadline = load_policy().monthly.verification_deadline_day
    assert reports.summary_month(dt.date(2026, 11, 2)) == dt.date(2026, 10, 1)
    assert reports.summary_month(dt.date(2026, 11, deadline)) == dt.date(2026, 10, 1)
    assert reports.summary_month(dt.date(2026, 11, deadline + 1)) == dt.date(2026, 11, 1)
    assert reports.summary_month(dt.date(2026, 1, 5)) == dt.date(2025, 12, 1)
    assert reports.month_weeks(dt.date(2026, 10, 1)) == [dt.date(2026, 10, d) for d in (5, 12, 19, 26)]
    assert reports.month_weeks(dt.date(2026, 6, 1))[0] == dt.date(2026, 6, 1)


def test_caseload_rows_carry_what_the_monday_check_needs(caseload: Engine) -> None:
    from caseterm.policy import load_policy

    weekly = load_policy().participation.weekly_hours
    with session_scope(caseload) as s:
        report = reports.caseload_report(s, TODAY)
    by_case = {line.case_number: line for line in report.lines}
    assert list(by_case) == ["TA-001", "TA-002", "TA-003"]
    ana, ben, cy = by_case["TA-001"], by_case["TA-002"], by_case["TA-003"]
    assert (ana.name, ana.status, ana.program) == ("Annie", ClientStatus.OPEN, "TANF")
    assert ana.required_hours == weekly and ana.hours_last_week == 32 and ana.hours_month == 72
    assert ana.short_last_week is (32 < weekly)
    assert ana.next_appointment == dt.datetime(2026, 11, 4, 10, 0)  # the cancelled one is skipped
    assert ana.next_kind == AppointmentKind.FSSP
    assert ben.required_hours == 20 and not ben.short_last_week
    assert "exempt 20 h" in ben.flags and "2P" in ben.flags and "penalty month 3" in ben.flags
    assert cy.flags == ["no home visits"]  # the printout does not name domestic violence
    assert not cy.participation_required and not cy.short_last_week  # Housing First: no hours requirement
    assert cy.status_label == "not initialized"
    # Due items come from the rules engineer's due_items(): Ben's no-show asks for engagement.
    assert any(d.rule == "missed-activity" for d in ben.due)
    assert any(d.rule == "not-initialized" for d in cy.due)
    assert any(d.rule == "caseload-print" for d in report.caseload_due)  # it is Monday


def test_participation_summary_by_activity_and_week(caseload: Engine) -> None:
    with session_scope(caseload) as s:
        report = reports.caseload_report(s, TODAY)
    assert report.month == dt.date(2026, 10, 1)
    summaries = {s.case_number: s for s in report.summaries}
    assert set(summaries) == {"TA-001", "TA-002"}  # Cy's program has no participation requirement
    ana = summaries["TA-001"]
    assert [w.week for w in ana.weeks] == [dt.date(2026, 10, d) for d in (5, 12, 19, 26)]
    assert ana.activities == [Activity.EMPLOYMENT, Activity.WORK_SEARCH]
    assert ana.activity_total(Activity.EMPLOYMENT) == 64 and ana.total == 72
    assert ana.required_total == 4 * ana.required_weekly
    assert ana.short_weeks == 3  # 10/12, 10/19 empty and 10/26 at 32 (< 40)
    assert summaries["TA-002"].required_weekly == 20 and summaries["TA-002"].exempt


def test_html_report_is_confidential_printable_and_escaped(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        path = reports.write_caseload_html(s, tmp_path / "caseload.html", TODAY)
    assert mode(path) == 0o600
    html = path.read_text(encoding="utf-8")
    assert "size: letter" in html
    assert '@top-left { content: "CONFIDENTIAL"' in html and '@bottom-left { content: "CONFIDENTIAL' in html
    assert "display: table-header-group" in html  # the table header repeats on every page
    assert "break-before: page" in html  # the participation summary starts a page
    assert html.count("CONFIDENTIAL") >= 4
    assert "Ben &lt;Ortiz&gt;" in html and "<Ortiz>" not in html
    assert "Participation: October 2026" in html
    assert '<span class="flag">no home visits</span>' in html


def test_caseload_csv_says_confidential_first(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        path = reports.write_caseload_csv(s, tmp_path / "caseload.csv", TODAY)
    assert mode(path) == 0o600
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0][0].startswith("CONFIDENTIAL") and "not encrypted" in rows[0][0]
    header = rows[1]
    assert header[:5] == ["case_number", "name", "legal_name", "status", "program"]
    body = {r[0]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    assert (body["TA-001"]["last_week"], body["TA-001"]["hours_last_week"]) == ("2026-10-26", "32")
    assert (body["TA-001"]["month"], body["TA-001"]["hours_month"]) == ("2026-10", "72")
    assert body["TA-001"]["next_appointment"] == "2026-11-04T10:00"
    assert int(body["TA-002"]["due_count"]) >= 1 and "missed-activity" in body["TA-002"]["due_items"]


def test_default_file_names_land_in_the_current_folder(caseload: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with session_scope(caseload) as s:
        html = reports.write_caseload_html(s, None, TODAY)
        csv_path = reports.write_caseload_csv(s, None, TODAY)
    assert html == tmp_path / "caseterm-caseload-2026-11-02.html"
    assert csv_path == tmp_path / "caseterm-caseload-2026-11-02.csv"


def test_report_queries_do_not_grow_with_the_caseload(engine: Engine, tmp_path: Path) -> None:
    """Bulk queries: the statement count is the same for 3 and 40 clients (no per-client query)."""
    clock.pin(TODAY, dt.time(8, 5))
    add_caseload(engine, n=3)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    with session_scope(engine) as s:
        reports.caseload_html_text(reports.caseload_report(s, TODAY))
    small = len(statements)
    event.remove(engine, "before_cursor_execute", count)
    with session_scope(engine) as s:
        for i in range(40):
            client = Client(case_number=f"TB-{i:03d}", legal_name=f"More {i}")
            s.add(client)
            s.flush()
            s.add(HoursEntry(client_id=client.id, week=dt.date(2026, 10, 26), activity=Activity.WORK_SEARCH, hours=10))
            s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 11, 5, 9, 0)))
    statements.clear()
    event.listen(engine, "before_cursor_execute", count)
    with session_scope(engine) as s:
        report = reports.caseload_report(s, TODAY)
        reports.caseload_html_text(report)
    event.remove(engine, "before_cursor_execute", count)
    assert len(report.lines) == 43
    assert len(statements) == small


def test_due_items_print_one_line_per_rule_overdue_first() -> None:
    d = reports.DueLine
    items = [
        d("finish-note", "Write the note: A, EA of Oct 1", dt.date(2026, 10, 2), True, 1),
        d("finish-note", "Write the note: A, EA of Oct 5", dt.date(2026, 10, 6), True, 1),
        d("release", "Get a signed release", dt.date(2026, 11, 20), False, 2),
        d("manual", "Call the landlord", dt.date(2026, 11, 3), False, 2),
    ]
    groups = reports.group_due(items)
    assert [(g.label, g.count, g.overdue, g.first_due) for g in groups] == [
        ("Finish note", 2, True, dt.date(2026, 10, 2)),
        ("Call the landlord", 1, False, dt.date(2026, 11, 3)),
        ("Release of information", 1, False, dt.date(2026, 11, 20)),
    ]
    assert groups[0].titles == ("Write the note: A, EA of Oct 1", "Write the note: A, EA of Oct 5")


def test_page_header_text_is_escaped_for_css(caseload: Engine, tmp_path: Path) -> None:
    """The case manager's name goes into a CSS string in <style>: quotes and </style> cannot break out."""
    from caseterm import paths
    from caseterm.config import load_settings

    paths.settings_path().parent.mkdir(parents=True, exist_ok=True)
    paths.settings_path().write_text('full_name = "Jo \\"JJ\\" </style> Smith"\nphone = "1"\n', encoding="utf-8")
    load_settings.cache_clear()
    try:
        with session_scope(caseload) as s:
            html = reports.write_caseload_html(s, tmp_path / "r.html", TODAY).read_text(encoding="utf-8")
    finally:
        load_settings.cache_clear()
    style = html.split("<style>")[1].split("</style>")[0]
    assert 'Caseload report · Jo \\22 JJ\\22  \\3C /style\\3E  Smith · 2026-11-02"' in style
    assert "Jo &#34;JJ&#34; &lt;/style&gt; Smith" in html  # and escaped as HTML in the body
