"""Import and export of the caseterm/1 file, against real SQLite databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from caseterm.errors import BadInput
from caseterm.services import interchange
from caseterm.store import open_store, resolve_url, session_scope

SAMPLE = Path(__file__).parent / "data" / "sample.json"


@pytest.fixture
def engine(any_engine):
    """Every test here that takes `engine` runs on SQLite and on PostgreSQL (tests/pg_support.py)."""
    return any_engine


def export_text(engine: Engine) -> str:
    with session_scope(engine) as session:
        return interchange.export_json(session)


def import_file(engine: Engine, path: Path) -> dict[str, int]:
    """The records the import added (it must also report them, and nothing updated, unless asked)."""
    return dict(import_result(engine, path).added)


def import_result(engine: Engine, path: Path) -> interchange.ImportResult:
    with session_scope(engine) as session:
        return interchange.import_path(session, path)


def write(tmp_path: Path, doc: dict, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def sample() -> dict:
    return json.loads(SAMPLE.read_text())


def test_import_counts_every_record_kind(engine: Engine) -> None:
    added = import_file(engine, SAMPLE)
    assert added == {k: 1 for k in ("clients", "appointments", "notes", "case_plans", "assessments", "hours", "releases", "referrals", "tasks")}


def test_reimport_changes_nothing(engine: Engine) -> None:
    import_file(engine, SAMPLE)
    before = export_text(engine)
    assert import_file(engine, SAMPLE) == {}
    assert export_text(engine) == before


def test_round_trip_is_exact(engine: Engine, tmp_path: Path) -> None:
    doc = sample()
    doc["notes"].append({"case_number": "TA-10432", "contact_at": "2026-11-20T09:15", "written_at": "2026-11-23T16:02:31",
                         "type": "engagement", "method": "phone", "outcome": "no_answer", "minutes": 5, "author": "jdoe", "text": "Called, no answer."})
    doc["case_plans"][0]["goals"].append({"text": "Employment", "objectives": [{"text": "Apply to 5 jobs a week", "tasks": [
        {"title": "Update resume", "responsible": "client", "target_date": "2026-12-05", "status": "open"}]}]})
    import_file(engine, write(tmp_path, doc))
    first = export_text(engine)
    exported = tmp_path / "export.json"
    exported.write_text(first)
    other = open_store(resolve_url(str(tmp_path / "other.db")))
    import_file(other, exported)
    assert export_text(other) == first
    notes = json.loads(first)["notes"]
    assert [n["late_entry"] for n in notes] == [True, False]  # written 3 days after its contact


def test_amendment_round_trips_and_points_at_original(engine: Engine, tmp_path: Path) -> None:
    doc = sample()
    doc["notes"][0]["uid"] = "orig-1"
    doc["notes"].append({"case_number": "TA-10432", "contact_at": "2026-11-23T10:00", "written_at": "2026-11-24T09:00",
                         "type": "contact", "author": "jdoe", "text": "Correction: met by phone.", "uid": "amend-1", "amends": "orig-1"})
    import_file(engine, write(tmp_path, doc))
    notes = json.loads(export_text(engine))["notes"]
    assert {n["uid"]: n["amends"] for n in notes} == {"orig-1": None, "amend-1": "orig-1"}


def test_csv_import_of_clients(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "caseload.csv"
    path.write_text("case_number,legal_name,program,status,remote,exempt_hours\nTA-1,Ana Diaz,TANF,open,yes,20\nHF-2,Bo Chen,Housing First,not_initialized,no,\n")
    assert import_file(engine, path) == {"clients": 2}
    clients = json.loads(export_text(engine))["clients"]
    assert [(c["case_number"], c["remote"], c["exempt_hours"], c["status"]) for c in clients] == [
        ("HF-2", False, None, "not_initialized"), ("TA-1", True, 20, "open")]


BAD_JSON_CASES = [
    ("unknown key", lambda d: d["clients"][0].update(nmae="x"), "$.clients[0].nmae: unknown key"),
    ("impossible date", lambda d: d["clients"][0].update(birth_date="2026-02-30"), "$.clients[0].birth_date: '2026-02-30' is not a valid date"),
    ("unknown enum value", lambda d: d["appointments"][0].update(kind="fsp"), "$.appointments[0].kind: 'fsp' is not one of"),
    ("missing case number", lambda d: d["hours"][0].update(case_number="TA-99999"), "$.hours[0].case_number: no client 'TA-99999'"),
    ("duplicate case number", lambda d: d["clients"].append(dict(d["clients"][0])), "$.clients[2].case_number: 'TA-10432' appears more than once in the file (first at $.clients[0])"),
    ("week not a Monday", lambda d: d["hours"][0].update(week="2026-11-18"), "$.hours[0].week: 2026-11-18 is a Wednesday"),
    ("wrong type", lambda d: d["clients"][0].update(months_used="14"), "$.clients[0].months_used"),
    ("wrong format", lambda d: d.update(format="caseterm/2"), "$.format: format must be 'caseterm/1'"),
    ("amends unknown note", lambda d: d["notes"][0].update(amends="nope"), "$.notes[0].amends: no note with uid 'nope'"),
]


@pytest.mark.parametrize("label,mutate,expected", BAD_JSON_CASES, ids=[c[0] for c in BAD_JSON_CASES])
def test_bad_json_is_rejected_and_database_unchanged(engine: Engine, tmp_path: Path, label: str, mutate, expected: str) -> None:
    import_file(engine, SAMPLE)
    before = export_text(engine)
    doc = sample()
    doc["clients"].append({"case_number": "TA-2", "legal_name": "New Person"})  # would be added if the file were good
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(BadInput) as caught:
        import_file(engine, path)
    assert any(line.startswith(f"{path}: ") and expected in line for line in caught.value.errors), caught.value.errors
    assert export_text(engine) == before


def test_all_errors_are_reported_at_once(tmp_path: Path, engine: Engine) -> None:
    doc = sample()
    doc["clients"][0]["nmae"] = "x"
    doc["appointments"][0]["status"] = "gone"
    with pytest.raises(BadInput) as caught:
        import_file(engine, write(tmp_path, doc))
    assert len(caught.value.errors) == 2


def test_invalid_json_names_the_line(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "caseterm/1",\n  "clients": [\n}\n')
    with pytest.raises(BadInput, match=r"broken.json:4: not valid JSON"):
        import_file(engine, path)


def test_bad_csv_rows_name_file_and_line(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "caseload.csv"
    path.write_text("case_number,legal_name,status,birth_date\nTA-1,Ana,open,1990-01-01\nTA-2,Bo,opn,2026-02-30\n")
    with pytest.raises(BadInput) as caught:
        import_file(engine, path)
    assert any(e.startswith(f"{path}:3: column 'status'") for e in caught.value.errors), caught.value.errors
    assert any(e.startswith(f"{path}:3: column 'birth_date'") for e in caught.value.errors), caught.value.errors
    assert json.loads(export_text(engine))["clients"] == []


def test_csv_unknown_column(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "c.csv"
    path.write_text("case_number,legal_name,shoe_size\nTA-1,Ana,9\n")
    with pytest.raises(BadInput, match="c.csv:1: unknown column 'shoe_size'"):
        import_file(engine, path)


def test_changed_note_with_same_uid_is_refused(engine: Engine, tmp_path: Path) -> None:
    doc = sample()
    doc["notes"][0]["uid"] = "n-1"
    import_file(engine, write(tmp_path, doc))
    doc["notes"][0]["text"] = "rewritten history"
    with pytest.raises(BadInput, match="notes are never overwritten"):
        import_file(engine, write(tmp_path, doc, "again.json"))


def test_export_is_marked_confidential(engine: Engine) -> None:
    assert "CONFIDENTIAL" in json.loads(export_text(engine))["notice"]


def test_schema_validates_an_export(engine: Engine) -> None:
    schema = interchange.json_schema()
    assert schema["properties"]["format"]["const"] == "caseterm/1"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) >= {"clients", "appointments", "notes", "case_plans", "assessments", "hours", "releases", "referrals", "tasks"}


def test_the_caseload_report_csv_imports_back(engine: Engine, tmp_path: Path) -> None:
    """The Monday caseload CSV (CONFIDENTIAL line, computed columns) reads back as clients."""
    import datetime as dt

    from caseterm.services.reports import write_caseload_csv

    import_file(engine, SAMPLE)
    report = tmp_path / "caseload.csv"
    with session_scope(engine) as session:
        write_caseload_csv(session, report, dt.date(2026, 11, 23))
    assert report.read_text().startswith("CONFIDENTIAL")
    other = open_store(resolve_url(str(tmp_path / "other.db")))
    assert import_file(other, report) == {"clients": 1}
    client = json.loads(export_text(other))["clients"][0]
    assert (client["case_number"], client["legal_name"], client["status"], client["program"]) == ("TA-10432", "Maria Lopez", "open", "TANF")


def test_csv_errors_count_the_confidential_line(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("CONFIDENTIAL: client information\ncase_number,legal_name,status\nTA-1,Ana,opn\n")
    with pytest.raises(BadInput, match=r"c.csv:3: column 'status'"):
        import_file(engine, path)


def test_the_summary_says_what_changed() -> None:
    from collections import Counter

    result = interchange.ImportResult(Counter(clients=2, notes=1, hours=3), Counter(clients=1, case_plans=2))
    assert result.summary() == "2 clients, 1 note, 3 hours entries added; 1 client, 2 case plans updated"
    assert interchange.ImportResult().summary() == "nothing changed"
    assert interchange.ImportResult(updated=Counter(clients=3)).summary() == "3 clients updated"
