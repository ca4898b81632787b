"""The calendar export leaves the machine: initials and case numbers by default, stable UIDs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from caseterm import clock
from caseterm.cli import main
from caseterm.models import Appointment, Client, Note
from caseterm.services import appointments, demo, interchange, records, reports
from caseterm.store import open_store, resolve_url, session_scope
from caseterm.vocabulary import AppointmentKind, ContactMethod, NoteType, Place

TODAY = dt.date(2026, 11, 2)


def run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def kemp(engine: Engine) -> Engine:
    clock.pin(TODAY, dt.time(8, 0))
    with session_scope(engine) as s:
        client = Client(case_number="A-KEPT", legal_name="Kemp Tan", address="12 Birch Road, Springfield",
                        dv_flag=True, needs_childcare=True)
        s.add(client)
        s.flush()
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 11, 3, 9, 0), minutes=60,
                          kind=AppointmentKind.FSSP, place=Place.HOME))
        s.add(Note(uid="n-kemp", client_id=client.id, contact_at=dt.datetime(2026, 10, 30, 9, 0),
                   written_at=dt.datetime(2026, 10, 30, 9, 5), type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE,
                   author="jsmith", text="Talked about the eviction notice."))
    return engine


def unfolded(path: Path) -> str:
    """The .ics text with folded lines joined (RFC 5545 3.1)."""
    return path.read_text(encoding="utf-8").replace("\r\n ", "").replace("\r\n", "\n")


def test_default_ics_has_case_number_and_initials_only(kemp: Engine, db_path: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cal.ics"
    assert run(["--db", str(db_path), "--today", "2026-11-02", "export", "--format", "ics", "-o", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    text = unfolded(out)
    assert "SUMMARY:FSSP: K.T. (A-KEPT)" in text
    for secret in ("Kemp", "Tan", "Birch", "Springfield", "eviction", "DV", "domestic", "childcare"):
        assert secret not in text, secret


def test_names_flag_puts_full_names_in_with_one_warning_line(kemp: Engine, db_path: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cal.ics"
    assert run(["--db", str(db_path), "export", "--format", "ics", "--names", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "warning" in err and "names" in err
    text = unfolded(out)
    assert "SUMMARY:FSSP: Kemp Tan (A-KEPT)" in text
    assert "Birch" not in text and "eviction" not in text


def test_names_flag_is_for_ics_only(kemp: Engine, db_path: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", str(db_path), "export", "--format", "html", "--names", "-o", str(tmp_path / "x.html")]) == 2
    assert "--names: only for --format ics" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(("name", "expected"), [("Kemp Tan", "K.T."), ("mary-jane o'brien", "M.J.O."),
                                                ('Sam, "Jr" Lee', "S.J.L."), ("  ", "?")])
def test_initials(name: str, expected: str) -> None:
    assert reports.initials(name) == expected


def ics_uids(path: Path) -> list[str]:
    return re.findall(r"^UID:(.*)$", unfolded(path), flags=re.M)


def test_uids_are_the_appointments_own_and_survive_export_import(kemp: Engine, tmp_path: Path) -> None:
    with session_scope(kemp) as s:
        uids = [a.uid for a in s.exec(select(Appointment)).all()]
        first = reports.export(s, "ics", tmp_path / "a.ics", TODAY)
        (tmp_path / "caseload.json").write_text(interchange.export_json(s), encoding="utf-8")
    assert ics_uids(first) == [f"{uid}@caseterm" for uid in uids]
    other = open_store(resolve_url(str(tmp_path / "other.db")))
    with session_scope(other) as s:
        interchange.import_path(s, tmp_path / "caseload.json")
        second = reports.export(s, "ics", tmp_path / "b.ics", TODAY)
    assert ics_uids(second) == ics_uids(first)  # another machine's calendar updates, never duplicates


def test_every_appointment_has_a_uid_however_it_was_made(engine: Engine, tmp_path: Path) -> None:
    clock.pin(TODAY, dt.time(8, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
        client = s.exec(select(Client)).first()
        assert client is not None
        made = records.save_appointment(s, client, {"start": "2026-11-05 10:00", "minutes": "30", "kind": "fssp",
                                                    "place": "office"})
        moved = appointments.reschedule(s, made.id, dt.datetime(2026, 11, 6, 10, 0))
        json_file = tmp_path / "clients.json"
        json_file.write_text(
            '{"format": "caseterm/1", "clients": [{"case_number": "Z-1", "legal_name": "Zed Ray", "program": "tanf",'
            ' "status": "open"}], "appointments": [{"case_number": "Z-1", "start": "2026-11-04T09:00",'
            ' "minutes": 30, "kind": "fssp", "place": "office", "status": "scheduled"}]}', encoding="utf-8")
        interchange.import_path(s, json_file)
    with session_scope(engine) as s:
        uids = [a.uid for a in s.exec(select(Appointment)).all()]
    assert len(uids) > 3 and all(uids) and len(set(uids)) == len(uids)
    assert made.uid and moved.uid and made.uid != moved.uid
