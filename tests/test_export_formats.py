"""`caseterm export --format csv|ics|html`: CONFIDENTIAL, 0600, and the ics parses back with correct times."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine

from caseterm import clock
from caseterm.cli import main
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, HoursEntry, Note
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    NoteType,
    Place,
)
from caseterm.services import reports
from caseterm.store import session_scope

TODAY = dt.date(2026, 11, 2)

APPOINTMENTS = [
    # case, start, minutes, kind, place, status
    ("TA-10432", dt.datetime(2026, 11, 3, 8, 30), 60, AppointmentKind.FSSP, Place.OFFICE, AppointmentStatus.SCHEDULED),
    ("TA-10432", dt.datetime(2026, 11, 10, 13, 30), 90, AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.SCHEDULED),
    ("TA-20001", dt.datetime(2026, 11, 3, 15, 0), 45, AppointmentKind.EA, Place.PHONE, AppointmentStatus.CANCELLED),
    # Across the end of daylight saving time (Nov 1, 2026 in the US): still 08:30 local.
    ("TA-20001", dt.datetime(2026, 10, 30, 8, 30), 30, AppointmentKind.DEBRIEFING, Place.NEUTRAL, AppointmentStatus.NO_SHOW),
]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def caseload(engine: Engine) -> Engine:
    clock.pin(TODAY, dt.time(8, 0))
    with session_scope(engine) as s:
        kate = Client(case_number="TA-10432", legal_name="Katherine Moore", preferred_name="Kate", needs_childcare=True)
        sam = Client(case_number="TA-20001", legal_name="Sam, \"Jr\" Lee", address="9 Oak Ave\nApt 2")
        s.add_all([kate, sam])
        s.flush()
        ids = {"TA-10432": kate.id, "TA-20001": sam.id}
        for case, start, minutes, kind, place, status in APPOINTMENTS:
            s.add(Appointment(client_id=ids[case], start=start, minutes=minutes, kind=kind, place=place, status=status))
        s.add(HoursEntry(client_id=kate.id, week=dt.date(2026, 10, 26), activity=Activity.WORK_SEARCH, hours=12.5))
        s.add(Note(uid="n1", client_id=sam.id, contact_at=dt.datetime(2026, 10, 30, 9, 0), written_at=dt.datetime(2026, 10, 30, 9, 5),
                   type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE, author="jsmith", text="Called, left a message."))
    return engine


def test_ics_parses_back_with_the_appointments_at_their_local_times(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        path = reports.export(s, "ics", tmp_path / "appts.ics", TODAY)
    assert mode(path) == 0o600
    cal = Calendar.from_ical(path.read_bytes())
    assert "CONFIDENTIAL" in str(cal.get("X-WR-CALNAME"))
    events = cal.walk("VEVENT")
    assert len(events) == len(APPOINTMENTS)
    got = {
        (str(e.get("SUMMARY")), e.decoded("DTSTART"), e.decoded("DTEND"))
        for e in events
    }
    names = {"TA-10432": "K.", "TA-20001": "S.J.L."}  # initials by default (test_privacy_ics.py)
    labels = {AppointmentKind.FSSP: "FSSP", AppointmentKind.HOME_VISIT: "Home visit", AppointmentKind.EA: "EA",
              AppointmentKind.DEBRIEFING: "Debriefing"}
    expected = {
        (f"{labels[kind]}: {names[case]} ({case})", start, start + dt.timedelta(minutes=minutes))
        for case, start, minutes, kind, _place, _status in APPOINTMENTS
    }
    assert got == expected
    for event in events:
        start = event.decoded("DTSTART")
        assert start.tzinfo is None  # floating local time: 08:30 at the office is 08:30 in the calendar
        assert "TZID" not in event["DTSTART"].params
        assert str(event.get("CLASS")) == "CONFIDENTIAL"
        assert str(event.get("DESCRIPTION")).startswith("CONFIDENTIAL")
        assert event.get("UID")
    statuses = {str(e.get("SUMMARY")): str(e.get("STATUS")) for e in events}
    assert statuses["EA: S.J.L. (TA-20001)"] == "CANCELLED"
    assert statuses["FSSP: K. (TA-10432)"] == "CONFIRMED"
    locations = {str(e.get("LOCATION")) for e in events}
    assert "9 Oak Ave" not in " ".join(locations)  # the calendar never carries a client's address


def test_csv_export_is_a_zip_of_one_csv_per_record_kind(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        path = reports.export(s, "csv", tmp_path / "export.zip", TODAY)
    assert mode(path) == 0o600
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "README-CONFIDENTIAL.txt"
        assert zf.read("README-CONFIDENTIAL.txt").decode().startswith("CONFIDENTIAL")
        assert zf.comment.decode().startswith("CONFIDENTIAL")
        assert "is not encrypted" in zf.read("README-CONFIDENTIAL.txt").decode()  # even from an encrypted file
        assert sorted(names[1:]) == sorted(f"{kind}.csv" for kind in reports.RECORD_KINDS)
        tables = {n[:-4]: list(csv.DictReader(io.StringIO(zf.read(n).decode()))) for n in names[1:]}
        headers = {n[:-4]: zf.read(n).decode().splitlines()[0].split(",") for n in names[1:]}
    assert [r["case_number"] for r in tables["clients"]] == ["TA-10432", "TA-20001"]
    assert tables["clients"][1]["legal_name"] == 'Sam, "Jr" Lee'
    assert tables["clients"][1]["address"] == "9 Oak Ave\nApt 2"
    assert len(tables["appointments"]) == len(APPOINTMENTS)
    assert {r["start"] for r in tables["appointments"]} == {a[1].isoformat(timespec="minutes") for a in APPOINTMENTS}
    assert tables["hours"][0]["hours"] == "12.5"
    assert tables["notes"][0]["text"] == "Called, left a message."
    assert tables["tasks"] == [] and headers["tasks"][0] == "case_number" and "title" in headers["tasks"]


def test_clients_csv_from_the_export_imports_back(caseload: Engine, tmp_path: Path) -> None:
    from caseterm.services.interchange import parse_clients_csv

    with session_scope(caseload) as s:
        path = reports.export(s, "csv", tmp_path / "export.zip", TODAY)
    with zipfile.ZipFile(path) as zf:
        data = parse_clients_csv(zf.read("clients.csv").decode(), "clients.csv")
    assert [c.case_number for c in data.clients] == ["TA-10432", "TA-20001"]


def test_html_export_is_the_caseload_report(caseload: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with session_scope(caseload) as s:
        path = reports.export(s, "html", None, TODAY)
    assert path == tmp_path / "caseterm-caseload-2026-11-02.html"
    assert mode(path) == 0o600
    html = path.read_text(encoding="utf-8")
    assert "Caseload report" in html and "CONFIDENTIAL" in html and "Kate" in html


@pytest.mark.parametrize(("fmt", "name"), [("csv", "caseterm-export-2026-11-02.zip"), ("ics", "caseterm-appointments-2026-11-02.ics")])
def test_default_names(caseload: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    with session_scope(caseload) as s:
        assert reports.export(s, fmt, None, TODAY) == tmp_path / name


def test_bad_format_and_folder_destination_are_bad_input(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        with pytest.raises(BadInput, match="--format pdf: not a report format"):
            reports.export(s, "pdf", None, TODAY)
        with pytest.raises(BadInput, match="is a folder"):
            reports.export(s, "ics", tmp_path, TODAY)


@pytest.mark.parametrize("fmt", ["csv", "ics", "html"])
def test_export_command_writes_owner_only_files(caseload: Engine, db_path: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    try:
        main(["--db", str(db_path), "--today", "2026-11-02", "export", "--format", fmt, "-o", str(out)])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 0, capsys.readouterr().err
    assert out.exists() and mode(out) == 0o600
    assert "CONFIDENTIAL" in capsys.readouterr().out
