"""Import and export never lose data, crash or leak (issue 11).

Everything runs against the demo caseload (nested goals, objectives and plan
tasks), with amendments (a chain of two) and drafts added, in real SQLite
files; the CLI runs in-process through `caseterm.cli.main` (exit status,
stdout, stderr) unless two real processes are the point.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from caseterm.cli import main
from caseterm.errors import BadInput
from caseterm.services.interchange import limits
from caseterm.models import Appointment, Client, Note
from caseterm.services import demo, interchange, notes, reports
from caseterm.store import open_store, resolve_url, session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

TODAY = dt.date(2026, 11, 23)


# --------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------


def _copy(src: Path, dest: Path) -> Path:
    source, target = sqlite3.connect(src), sqlite3.connect(dest)
    with target:
        source.backup(target)
    source.close()
    target.close()
    os.chmod(dest, 0o600)
    return dest


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo caseload plus two amendments (a chain) and two drafts, built once per module."""
    path = tmp_path_factory.mktemp("demo") / "template.db"
    engine = open_store(resolve_url(str(path)))
    with session_scope(engine) as session:
        demo.populate(session, TODAY)
    with session_scope(engine) as session:
        first, second = session.exec(select(Note).order_by(Note.id).limit(2)).all()
        client = session.get(Client, first.client_id)
        amendment = notes.amend_note(session, first, text=first.text + " Corrected: met at the office.",
                                     author="jdoe", reason="place", written_at=dt.datetime(2026, 11, 22, 9, 0))
        session.flush()
        notes.amend_note(session, amendment, text=amendment.text + " Second correction.",
                         author="jdoe", reason="again", written_at=dt.datetime(2026, 11, 22, 10, 0))
        notes.save_draft(session, client, text="half-typed note")
        notes.save_draft(session, session.get(Client, second.client_id), text="fixing", amends_id=second.id)
    engine.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    return _copy(demo_template, tmp_path / "demo.db")


def engine_for(path: Path) -> Engine:
    return open_store(resolve_url(str(path)))


def without_audit(text: str) -> str:
    """The export without its `audit` list: an import and an export are themselves audited,
    so the trail grows while the data stays the same (tests/test_audit.py covers the trail)."""
    return re.sub(r',\n  "audit": (\[\]|\[\n.*?\n  \])(?=\n\}\n$)', "", text, flags=re.S)


def export_text(path: Path) -> str:
    engine = engine_for(path)
    try:
        with session_scope(engine) as session:
            return without_audit(interchange.export_json(session))
    finally:
        engine.dispose()


def export_doc(path: Path) -> dict:
    return json.loads(export_text(path))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run caseterm in this process: (exit status, stdout, stderr)."""
    try:
        main(["--today", TODAY.isoformat(), *args])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_the_demo_fixture_has_what_the_round_trips_need(demo_db: Path) -> None:
    doc = export_doc(demo_db)
    assert any(n["amends"] for n in doc["notes"])
    amended = {n["amends"] for n in doc["notes"] if n["amends"]}
    assert any(n["uid"] in amended and n["amends"] for n in doc["notes"])  # a chain
    assert any(isinstance(g, dict) and any(o["tasks"] for o in g["objectives"])
               for p in doc["case_plans"] for g in p["goals"])
    with sqlite3.connect(demo_db) as con:
        # the demo's own unsaved note (rule "draft") and the two made above
        assert con.execute("SELECT count(*) FROM notedraft").fetchone()[0] == 3


# --------------------------------------------------------------------------
# 1. Only what the file carries changes
# --------------------------------------------------------------------------


def test_a_csv_of_two_columns_changes_nothing_else(demo_db: Path, tmp_path: Path, capsys) -> None:
    before = export_text(demo_db)
    clients = json.loads(before)["clients"]
    path = write_csv(tmp_path / "names.csv", ["case_number", "legal_name"],
                     [[c["case_number"], c["legal_name"]] for c in clients])
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 0, err
    assert "nothing changed" in out
    assert export_text(demo_db) == before


def test_a_partial_csv_changes_only_its_columns_and_says_so(demo_db: Path, tmp_path: Path, capsys) -> None:
    before = export_doc(demo_db)
    clients = before["clients"]
    changed = {c["case_number"]: f"503-555-{9000 + i}" for i, c in enumerate(clients[:3])}
    rows = [[c["case_number"], c["legal_name"], changed.get(c["case_number"], c["phone"] or "")] for c in clients]
    path = write_csv(tmp_path / "phones.csv", ["case_number", "legal_name", "phone"], rows)
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 0, err
    assert "3 clients updated" in out and "nothing" not in out
    after = export_doc(demo_db)
    expected = [dict(c, phone=changed.get(c["case_number"], c["phone"])) for c in clients]
    assert after["clients"] == expected
    assert {k: v for k, v in after.items() if k != "clients"} == {k: v for k, v in before.items() if k != "clients"}


def test_the_caseload_report_csv_reimports_without_change(demo_db: Path, tmp_path: Path, capsys) -> None:
    before = export_text(demo_db)
    engine = engine_for(demo_db)
    with session_scope(engine) as session:
        report = reports.write_caseload_csv(session, tmp_path / "caseload.csv", TODAY)
    engine.dispose()
    assert report.read_text().startswith("CONFIDENTIAL")
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(report))
    assert code == 0, err
    assert "nothing changed" in out
    assert export_text(demo_db) == before


def test_the_csv_exports_clients_csv_reimports_without_change(demo_db: Path, tmp_path: Path, capsys) -> None:
    before = export_text(demo_db)
    code, _, err = cli(capsys, "--db", str(demo_db), "export", "--format", "csv", "-o", str(tmp_path / "x.zip"))
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        (tmp_path / "clients.csv").write_bytes(zf.read("clients.csv"))
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(tmp_path / "clients.csv"))
    assert code == 0, err
    assert "nothing changed" in out
    assert export_text(demo_db) == before


def test_json_absent_key_keeps_and_null_clears(demo_db: Path, tmp_path: Path, capsys) -> None:
    before = export_doc(demo_db)
    target = next(c for c in before["clients"] if c["phone"] and c["birth_date"] and c["address"])
    doc = {"format": "caseterm/1", "clients": [
        {"case_number": target["case_number"], "legal_name": target["legal_name"], "phone": None, "months_used": 7},
    ]}
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(doc))
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 0, err
    assert "1 client updated" in out
    after = {c["case_number"]: c for c in export_doc(demo_db)["clients"]}
    assert after[target["case_number"]] == dict(target, phone=None, months_used=7)
    assert [c for c in after.values() if c["case_number"] != target["case_number"]] == [
        c for c in before["clients"] if c["case_number"] != target["case_number"]]


@pytest.mark.parametrize("key", ["program", "status", "remote", "months_used", "legal_name"])
def test_json_null_for_a_field_that_cannot_be_empty_is_an_error(demo_db: Path, tmp_path: Path, capsys, key: str) -> None:
    before = export_text(demo_db)
    target = json.loads(before)["clients"][0]
    path = tmp_path / "null.json"
    path.write_text(json.dumps({"format": "caseterm/1", "clients": [
        {"case_number": target["case_number"], "legal_name": target["legal_name"], key: None}]}))
    code, _, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 2
    assert f"$.clients[0].{key}" in err and str(path) in err
    assert export_text(demo_db) == before


def test_csv_empty_cell_clears_an_optional_field_and_is_an_error_for_a_required_one(
        demo_db: Path, tmp_path: Path, capsys) -> None:
    before = export_doc(demo_db)
    target = next(c for c in before["clients"] if c["phone"] and c["address"])
    good = write_csv(tmp_path / "clear.csv", ["case_number", "legal_name", "phone", "address"],
                     [[target["case_number"], target["legal_name"], "", target["address"]]])
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(good))
    assert code == 0, err
    assert "1 client updated" in out
    cleared = export_doc(demo_db)
    assert {c["case_number"]: c for c in cleared["clients"]}[target["case_number"]] == dict(target, phone=None)
    for column in ("program", "status", "two_parent", "months_used", "legal_name"):
        bad = write_csv(tmp_path / f"bad-{column}.csv", ["case_number", "legal_name", column] if column != "legal_name"
                        else ["case_number", "legal_name"],
                        [[target["case_number"], target["legal_name"], ""]] if column != "legal_name"
                        else [[target["case_number"], ""]])
        code, _, err = cli(capsys, "--db", str(demo_db), "import", str(bad))
        assert code == 2, column
        assert f"{bad}:2: column {column!r}" in err and "cannot be empty" in err
        assert export_doc(demo_db) == cleared


def test_new_clients_from_a_partial_csv_get_the_defaults(demo_db: Path, tmp_path: Path, capsys) -> None:
    path = write_csv(tmp_path / "new.csv", ["case_number", "legal_name", "phone"], [["NEW-1", "Ana Diaz", "-555"]])
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 0, err
    assert "1 client added" in out
    new = {c["case_number"]: c for c in export_doc(demo_db)["clients"]}["NEW-1"]
    defaults = interchange.ClientRecord(case_number="NEW-1", legal_name="Ana Diaz").model_dump(mode="json")
    assert new == dict(defaults, phone="-555")


def test_other_records_keep_what_the_file_leaves_out(demo_db: Path, tmp_path: Path, capsys) -> None:
    """Appointments and case plans follow the same rule as clients (absent key = keep)."""
    before = export_doc(demo_db)
    kept = next(a for a in before["appointments"] if a["status"] == "kept" and a["reminder_called"])
    plan = next(p for p in before["case_plans"] if p["goals"] and p["services"])
    doc = {"format": "caseterm/1",
           "appointments": [{k: kept[k] for k in ("case_number", "start", "kind", "uid")}],
           "case_plans": [{"case_number": plan["case_number"], "reviewed_on": plan["reviewed_on"], "supports": "Aunt"}]}
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(doc))
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 0, err
    assert "1 case plan updated" in out and "appointment" not in out
    after = export_doc(demo_db)
    assert after["appointments"] == before["appointments"]
    assert after["case_plans"] == [dict(p, supports="Aunt") if p is plan else p for p in before["case_plans"]]


# --------------------------------------------------------------------------
# 2. caseterm's own files import back, changing nothing
# --------------------------------------------------------------------------


@pytest.fixture(params=["batches of 2000", "batches of 3"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every round trip also runs with tiny batches, so each batch boundary is crossed."""
    size = 3 if request.param == "batches of 3" else 2000
    monkeypatch.setattr(limits, "BATCH", size)
    return size


def test_reimporting_the_json_export_changes_nothing(demo_db: Path, tmp_path: Path, capsys, batch: int) -> None:
    out_file = tmp_path / "x.json"
    code, _, err = cli(capsys, "--db", str(demo_db), "export", "-o", str(out_file))
    assert code == 0, err
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(out_file))
    assert code == 0, err
    assert "nothing changed" in out
    assert export_text(demo_db) == without_audit(out_file.read_text())


def test_the_export_imports_into_an_empty_database_unchanged(demo_db: Path, tmp_path: Path, capsys, batch: int) -> None:
    first = export_text(demo_db)
    (tmp_path / "x.json").write_text(first)
    empty = tmp_path / "empty.db"
    code, out, err = cli(capsys, "--db", str(empty), "import", str(tmp_path / "x.json"))
    assert code == 0, err
    assert "40 clients" in out and "added" in out
    assert export_text(empty) == first
    code, out, err = cli(capsys, "--db", str(empty), "import", str(tmp_path / "x.json"))
    assert (code, "nothing changed" in out) == (0, True), err


def test_a_file_in_another_order_imports_the_same(demo_db: Path, tmp_path: Path, capsys, batch: int) -> None:
    """Lists in reverse order, amendments before what they amend: the same database as the export's."""
    first = export_text(demo_db)
    doc = json.loads(first)
    doc["notes"].reverse()
    reordered = dict(reversed(list(doc.items())))
    (tmp_path / "r.json").write_text(json.dumps(reordered, indent=1))
    empty = tmp_path / "empty.db"
    code, _, err = cli(capsys, "--db", str(empty), "import", str(tmp_path / "r.json"))
    assert code == 0, err
    assert export_text(empty) == first


def test_a_changed_plan_is_replaced_and_the_others_left_alone(demo_db: Path, tmp_path: Path, capsys, batch: int) -> None:
    doc = export_doc(demo_db)
    index, plan = next((i, p) for i, p in enumerate(doc["case_plans"])
                       if isinstance(p["goals"][0], dict) and p["goals"][0]["objectives"][0]["tasks"])
    plan["goals"][0]["objectives"][0]["tasks"][0]["title"] = "Call the landlord"
    plan["goals"][0]["objectives"].append({"text": "Open a savings account", "tasks": []})
    plan["goals"].append("Finish the GED")
    with sqlite3.connect(demo_db) as con:
        plan_rows_before = con.execute("SELECT id, client_id, reviewed_on FROM caseplan ORDER BY id").fetchall()
    (tmp_path / "p.json").write_text(json.dumps(doc))
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(tmp_path / "p.json"))
    assert code == 0, err
    assert "1 case plan updated" in out
    after = export_doc(demo_db)
    assert after == doc
    with sqlite3.connect(demo_db) as con:
        assert con.execute("SELECT id, client_id, reviewed_on FROM caseplan ORDER BY id").fetchall() == plan_rows_before
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_double_booked_appointments_round_trip(demo_db: Path, tmp_path: Path, capsys) -> None:
    """Two appointments of one client at the same time and kind (distinct uids) are two records, not a duplicate."""
    engine = engine_for(demo_db)
    with session_scope(engine) as session:
        original = session.exec(select(Appointment).order_by(Appointment.id)).first()
        session.add(Appointment(client_id=original.client_id, start=original.start, kind=original.kind,
                                minutes=30, status=original.status))
    engine.dispose()
    first = export_text(demo_db)
    (tmp_path / "x.json").write_text(first)
    code, _, err = cli(capsys, "--db", str(tmp_path / "empty.db"), "import", str(tmp_path / "x.json"))
    assert code == 0, err
    assert export_text(tmp_path / "empty.db") == first


def test_drafts_survive_a_reimport(demo_db: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "x.json").write_text(export_text(demo_db))
    with sqlite3.connect(demo_db) as con:
        drafts = con.execute("SELECT * FROM notedraft ORDER BY id").fetchall()
    code, _, err = cli(capsys, "--db", str(demo_db), "import", str(tmp_path / "x.json"))
    assert code == 0, err
    with sqlite3.connect(demo_db) as con:
        assert con.execute("SELECT * FROM notedraft ORDER BY id").fetchall() == drafts


# --------------------------------------------------------------------------
# 3. Two imports at once
# --------------------------------------------------------------------------


def test_two_imports_at_once_both_succeed(demo_db: Path, tmp_path: Path) -> None:
    """Two engines, two threads, the same new case numbers; both reach their first write together.

    Each thread waits at a barrier just before it takes the write lock (or, if
    it never takes one, before its first INSERT), so the second has read what
    exists before the first commits — unless reading waits for the lock.
    """
    source = tmp_path / "x.json"
    source.write_text(export_text(demo_db))
    target = tmp_path / "shared.db"
    engine_for(target).dispose()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name: str) -> None:
        engine = engine_for(target)
        waited = threading.Event()

        @event.listens_for(engine, "before_cursor_execute")
        def _meet(conn, cursor, statement, *args) -> None:  # noqa: ANN001
            if not waited.is_set() and statement.lstrip().upper().startswith(("BEGIN IMMEDIATE", "INSERT")):
                waited.set()
                barrier.wait(timeout=120)

        try:
            with session_scope(engine) as session:
                outcomes[name] = interchange.import_path(session, source)
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            outcomes[name] = err
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = {n: repr(o) for n, o in outcomes.items() if isinstance(o, BaseException)}
    assert errors == {}
    assert export_text(target) == source.read_text()


def test_two_import_processes_at_once(demo_db: Path, tmp_path: Path, isolated_dirs: Path) -> None:
    source = tmp_path / "x.json"
    source.write_text(export_text(demo_db))
    target = tmp_path / "shared.db"
    engine_for(target).dispose()
    cmd = [sys.executable, "-m", "caseterm", "--db", str(target), "import", str(source)]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    for code, _, err in results:
        assert code == 0 or (code == 2 and "busy" in err), err
    assert any(code == 0 for code, _, _ in results)
    assert export_text(target) == source.read_text()


def test_a_busy_database_is_exit_2_and_unchanged(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = export_text(demo_db)
    path = tmp_path / "new.csv"
    write_csv(path, ["case_number", "legal_name"], [["NEW-1", "Ana"]])
    checked = interchange.read_file(path)
    monkeypatch.setattr(limits, "LOCK_WAIT_SECONDS", 0)
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = engine_for(demo_db)
    try:
        with pytest.raises(BadInput, match="busy"):
            with session_scope(engine) as session:
                session.connection().exec_driver_sql("PRAGMA busy_timeout=20")
                interchange.import_data(session, checked)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
    assert export_text(demo_db) == before


# --------------------------------------------------------------------------
# 4. Bad files are bad input: exit 2, a message naming the file, nothing written
# --------------------------------------------------------------------------

GOOD = b'{"format": "caseterm/1", "clients": [{"case_number": "NEW-1", "legal_name": "Ana"}]}'

BAD_JSON: list[tuple[str, bytes, str]] = [
    ("deep lists", b"[" * 100_000, "expected an object"),
    ("deep objects", b'{"a":' * 100_000, "$.a: nested too deeply"),
    ("deep inside a record", b'{"format": "caseterm/1", "clients": [' + b"[" * 100_000, "nested too deeply"),
    ("deep inside an unknown key", b'{"format": "caseterm/1", "x": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}",
     "nested too deeply"),
    ("huge integer", GOOD.replace(b'"Ana"', b'"Ana", "months_used": ' + b"9" * 5000), "number too long"),
    ("integer beyond SQLite", GOOD.replace(b'"Ana"', b'"Ana", "months_used": ' + b"9" * 30), "months_used"),
    ("huge follow-up", GOOD.replace(b'"Ana"', b'"Ana", "follow_up_days": 99999999999'), "follow_up_days"),
    ("a date past what the rules can count", GOOD.replace(b'"Ana"', b'"Ana", "plan_review_date": "9999-12-31"'),
     "$.clients[0].plan_review_date: 9999-12-31 is outside the years"),
    ("year one", GOOD.replace(b'"Ana"', b'"Ana", "penalty_start": "0001-01-01"'), "outside the years"),
    ("NaN", GOOD.replace(b'"Ana"', b'"Ana", "exempt_hours": NaN'), "NaN is not a JSON number"),
    ("Infinity", GOOD.replace(b'"Ana"', b'"Ana", "exempt_hours": Infinity'), "Infinity is not a JSON number"),
    ("-Infinity", GOOD.replace(b'"Ana"', b'"Ana", "exempt_hours": -Infinity'), "-Infinity is not a JSON number"),
    ("1e999", GOOD.replace(b'"Ana"', b'"Ana", "exempt_hours": 1e999'), "exempt_hours"),
    ("NUL byte", GOOD.replace(b"Ana", b"A\x00na"), "NUL byte"),
    ("invalid UTF-8", GOOD.replace(b"Ana", b"A\xffna"), "not UTF-8"),
    ("lone surrogate", GOOD.replace(b"Ana", b"A\\ud800na"), "$.clients[0]"),
    ("top level list", b'[{"format": "caseterm/1"}]', "expected an object"),
    ("top level string", b'"caseterm/1"', "expected an object"),
    ("top level number", b"42", "expected an object"),
    ("empty file", b"", "empty"),
    ("only a BOM", b"\xef\xbb\xbf", "empty"),
    ("truncated", GOOD[:-10], "not valid JSON"),
    ("text after the object", GOOD + b' {"format": "caseterm/1"}', "not valid JSON"),
    ("duplicate key in a record", GOOD.replace(b'"Ana"', b'"Ana", "legal_name": "Bo"'), "'legal_name' appears twice"),
    ("duplicate top-level key", GOOD[:-1] + b', "clients": []}', "$.clients: appears twice"),
    ("clients not a list", b'{"format": "caseterm/1", "clients": {"case_number": "NEW-1"}}', "expected a list"),
    ("record not an object", b'{"format": "caseterm/1", "clients": ["NEW-1"]}', "expected an object"),
    ("format missing", b'{"clients": []}', "$.format: required key is missing"),
    ("format a list", b'{"format": ["caseterm/1"]}', "$.format"),
    ("UTF-16", '{"format": "caseterm/1"}'.encode("utf-16"), "UTF-16"),
    ("a zip", b"PK\x03\x04" + b"\x00" * 40, "zip archive"),
    ("a database", b"SQLite format 3\x00" + b"\x00" * 100, "SQLite database"),
]


@pytest.mark.parametrize(("label", "content", "expected"), BAD_JSON, ids=[b[0] for b in BAD_JSON])
def test_bad_json_files_are_exit_2_and_change_nothing(demo_db: Path, tmp_path: Path, capsys,
                                                    label: str, content: bytes, expected: str) -> None:
    before = export_text(demo_db)
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 2, (out, err)
    assert err.startswith(f"caseterm: {path}") and expected in err, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert export_text(demo_db) == before


def test_a_bom_and_crlf_line_ends_are_fine(demo_db: Path, tmp_path: Path, capsys) -> None:
    first = export_text(demo_db)
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + first.replace("\n", "\r\n").encode())
    code, out, err = cli(capsys, "--db", str(tmp_path / "empty.db"), "import", str(path))
    assert code == 0, err
    assert export_text(tmp_path / "empty.db") == first


HEADER = b"case_number,legal_name,phone\n"

BAD_CSV: list[tuple[str, bytes, str]] = [
    ("NUL byte", HEADER + b"NEW-1,A\x00na,1\n", ":2: contains a NUL byte"),
    ("huge cell", HEADER + b'NEW-1,"' + b"x" * 200_000 + b'",1\n', ":2: not a readable CSV row"),
    ("invalid UTF-8", HEADER + b"NEW-1,Ana\n" + b"NEW-2,B\xe9a,1\n", ":3: not UTF-8"),
    ("duplicate column", b"case_number,legal_name,phone,phone\nNEW-1,Ana,1,2\n", "column 'phone' appears twice"),
    ("short row", HEADER + b"NEW-1,Ana\n", ":2: 2 cells, fewer than the 3 header columns"),
    ("long row", HEADER + b"NEW-1,Ana,1,2\n", ":2: 4 cells, more than the 3 header columns"),
    ("semicolons", b"case_number;legal_name\nNEW-1;Ana\n", "';' between cells"),
    ("empty file", b"", "empty"),
    ("a zip", b"PK\x03\x04" + b"\x00" * 40, "zip archive"),
    ("UTF-16", "case_number,legal_name\nNEW-1,Ana\n".encode("utf-16"), "UTF-16"),
    ("bad date", b"case_number,legal_name,birth_date\nNEW-1,Ana,20260101\n", "is not a valid date"),
    ("year one", b"case_number,legal_name,birth_date\nNEW-1,Ana,0001-01-01\n", ":2: column 'birth_date': 0001-01-01 is outside"),
    ("impossible date", b"case_number,legal_name,birth_date\nNEW-1,Ana,2026-02-30\n", "is not a valid date"),
    ("unterminated quote", HEADER + b'NEW-1,"Ana,1\nNEW-2,Bo,2\n', "left unclosed"),
    ("bad flag", b"case_number,legal_name,remote\nNEW-1,Ana,maybe\n", "is not true or false"),
    ("duplicate client", HEADER + b"NEW-1,Ana,1\nNEW-1,Ana,2\n", ":3: case_number: 'NEW-1' appears more than once"),
]


@pytest.mark.parametrize(("label", "content", "expected"), BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_csv_files_are_exit_2_and_change_nothing(demo_db: Path, tmp_path: Path, capsys,
                                                   label: str, content: bytes, expected: str) -> None:
    before = export_text(demo_db)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = cli(capsys, "--db", str(demo_db), "import", str(path))
    assert code == 2, (out, err)
    assert err.startswith(f"caseterm: {path}") and expected in err, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert export_text(demo_db) == before


# --------------------------------------------------------------------------
# 5. All or nothing, every error reported, with the writes in batches
# --------------------------------------------------------------------------


def test_conflicts_found_while_writing_are_all_reported_and_rolled_back(
        demo_db: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BATCH", 3)
    before = export_text(demo_db)
    doc = json.loads(before)
    doc["clients"].append({"case_number": "NEW-1", "legal_name": "Would be added"})
    doc["notes"][1]["text"] += " (rewritten)"
    doc["notes"][-1]["text"] += " (rewritten)"
    (tmp_path / "c.json").write_text(json.dumps(doc))
    code, _, err = cli(capsys, "--db", str(demo_db), "import", str(tmp_path / "c.json"))
    assert code == 2
    assert "$.notes[1].uid" in err and f"$.notes[{len(doc['notes']) - 1}].uid" in err
    assert export_text(demo_db) == before


def test_many_errors_are_listed_up_to_a_limit(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ERRORS", 5)
    doc = {"format": "caseterm/1", "clients": [{"case_number": f"C-{i}", "legal_name": "x", "nmae": 1} for i in range(8)]}
    (tmp_path / "e.json").write_text(json.dumps(doc))
    with pytest.raises(BadInput) as caught:
        interchange.read_file(tmp_path / "e.json")
    assert caught.value.errors[:5] == [f"{tmp_path / 'e.json'}: $.clients[{i}].nmae: unknown key" for i in range(5)]
    assert caught.value.errors[5:] == ["... and 3 more problems (the first 5 are listed)"]


def test_a_file_changed_between_the_passes_imports_nothing(demo_db: Path, tmp_path: Path) -> None:
    before = export_text(demo_db)
    path = tmp_path / "c.csv"
    write_csv(path, ["case_number", "legal_name"], [["NEW-1", "Ana"]])
    checked = interchange.read_file(path)
    write_csv(path, ["case_number", "legal_name"], [["NEW-2", "Bo"]])
    engine = engine_for(demo_db)
    with pytest.raises(BadInput, match="changed while it was being imported"):
        with session_scope(engine) as session:
            interchange.import_data(session, checked)
    engine.dispose()
    assert export_text(demo_db) == before


# --------------------------------------------------------------------------
# 6. CSV formula injection
# --------------------------------------------------------------------------

TRICKY = ['=HYPERLINK("http://x","y")', "+SUM(1)", "@A1", "-2+3", "\tTab", "\rReturn", "=1+2",
          "'=already quoted", "'Bo", "''", "'", "Ana 'Ana'"]
PHONES = ["-555", "+1 503 555 0142", "@home", "503-555-0100"]


def test_formulas_are_neutralised_in_every_csv_and_read_back(demo_db: Path, tmp_path: Path, capsys) -> None:
    engine = engine_for(demo_db)
    with session_scope(engine) as session:
        for i, name in enumerate(TRICKY):
            session.add(Client(case_number=f"X-{i:02d}", legal_name=name, phone=PHONES[i % len(PHONES)],
                               address="=cmd|' /C calc'!A0"))
    with session_scope(engine) as session:
        client = session.exec(select(Client).where(Client.case_number == "X-00")).one()
        notes.add_note(session, client, type=NoteType.CONTACT, text="=2+5 called", method=ContactMethod.PHONE,
                       outcome=ContactOutcome.REACHED, minutes=5, contact_at=dt.datetime(2026, 11, 20, 9, 0))
    with session_scope(engine) as session:
        report = reports.write_caseload_csv(session, tmp_path / "caseload.csv", TODAY)
    engine.dispose()
    before = export_text(demo_db)
    code, _, err = cli(capsys, "--db", str(demo_db), "export", "--format", "csv", "-o", str(tmp_path / "x.zip"))
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "x.zip") as zf:
        tables = {n: list(csv.reader(io.StringIO(zf.read(n).decode()))) for n in zf.namelist() if n.endswith(".csv")}
        (tmp_path / "clients.csv").write_bytes(zf.read("clients.csv"))
    tables["caseload.csv"] = list(csv.reader(io.StringIO(report.read_text())))
    for name, rows in tables.items():
        for row in rows:
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r", (name, cell)
    clients = {r[0]: r for r in tables["clients.csv"][1:]}
    header = tables["clients.csv"][0]
    assert clients["X-06"][header.index("legal_name")] == "'=1+2"
    assert clients["X-07"][header.index("legal_name")] == "''=already quoted"
    assert clients["X-08"][header.index("legal_name")] == "'Bo"
    assert clients["X-00"][header.index("phone")] == "'-555"
    notes_rows = tables["notes.csv"]
    assert ["'=2+5 called"] == [r[notes_rows[0].index("text")] for r in notes_rows[1:] if r[0] == "X-00"]
    # Read back: into the same database (nothing changes) and into an empty one (the same clients).
    for source in (tmp_path / "clients.csv", report):
        code, out, err = cli(capsys, "--db", str(demo_db), "import", str(source))
        assert (code, "nothing changed" in out) == (0, True), (source, out, err)
        assert export_text(demo_db) == before
    code, _, err = cli(capsys, "--db", str(tmp_path / "empty.db"), "import", str(tmp_path / "clients.csv"))
    assert code == 0, err
    assert export_doc(tmp_path / "empty.db")["clients"] == json.loads(before)["clients"]


@given(st.text(max_size=12))
def test_csv_safe_round_trips_any_text(value: str) -> None:
    written = interchange.csv_safe(value)
    assert not written or written[0] not in interchange.FORMULA_START
    assert interchange.csv_restore(written) == value


def test_a_hand_neutralised_cell_imports_as_its_formula_text(tmp_path: Path, engine: Engine) -> None:
    """A spreadsheet user who typed '=1+2 meant the text =1+2; a ' before anything else stays."""
    path = write_csv(tmp_path / "c.csv", ["case_number", "legal_name", "preferred_name"],
                     [["A-1", "'=1+2", "'Bo"], ["A-2", "'+1 503", "O'Neil"]])
    with session_scope(engine) as session:
        interchange.import_path(session, path)
    with session_scope(engine) as session:
        names = {c.case_number: (c.legal_name, c.preferred_name) for c in session.exec(select(Client))}
    assert names == {"A-1": ("=1+2", "'Bo"), "A-2": ("+1 503", "O'Neil")}
