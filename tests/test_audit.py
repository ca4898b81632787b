"""The audit trail: one entry per audited action, append-only, the CLI's filters, and the round trip."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from caseterm import clock, config, paths
from caseterm.cli import main
from caseterm.models import Appointment, AuditEntry, Client
from caseterm.services import audit, caseload, interchange, letters, notes, reports
from caseterm.store import open_store, resolve_url, session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, AuditAction, ContactMethod, ContactOutcome, NoteType

#: What the record standard asks of a contact note (issue 12).
CONTACT = {"method": ContactMethod.PHONE, "outcome": ContactOutcome.REACHED, "minutes": 10}

TODAY = dt.date(2026, 11, 2)
#: What an entry must never carry: names, an address, a note's words.
SECRETS = ("Kemp", "Tan", "Birch", "Springfield", "eviction", "Zed", "Ray")


def run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def write_settings(text: str) -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    config.load_settings.cache_clear()


@pytest.fixture
def kemp(engine: Engine) -> Engine:
    clock.pin(TODAY, dt.time(10, 0))
    write_settings('user = "jsmith"\nfull_name = "Jo Smith"\nphone = "503-555-0100"\n')
    with session_scope(engine) as s:
        client = Client(case_number="A-KEPT", legal_name="Kemp Tan", address="12 Birch Road, Springfield")
        s.add(client)
        s.flush()
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 10, 30, 8, 30), kind=AppointmentKind.EA,
                          status=AppointmentStatus.NO_SHOW))
    yield engine
    config.load_settings.cache_clear()


def trail(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as s:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)).all())


def new_entries(engine: Engine, before: int) -> list[AuditEntry]:
    return trail(engine)[before:]


def assert_clean(entries: list[AuditEntry]) -> None:
    for entry in entries:
        for secret in SECRETS:
            assert secret not in f"{entry.user} {entry.case_number} {entry.detail}", (secret, entry)


# -- append-only --------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit SET detail = 'changed'",
    "DELETE FROM audit",
    "REPLACE INTO audit (id, at, user, action, case_number, detail) VALUES (1, '2026-01-01', 'x', 'export', NULL, '')",
    "INSERT OR REPLACE INTO audit (id, at, user, action, case_number, detail) VALUES (1, '2026-01-01', 'x', 'export', NULL, '')",
    "INSERT INTO audit (id, at, user, action, case_number, detail) VALUES (1, '2026-01-01', 'x', 'export', NULL, '')"
    " ON CONFLICT(id) DO UPDATE SET detail = 'changed'",
    "UPDATE OR REPLACE audit SET id = 2 WHERE id = 1",
])
def test_the_database_refuses_to_change_or_remove_an_entry(kemp: Engine, db_path: Path, statement: str) -> None:
    with session_scope(kemp) as s:
        audit.record(s, AuditAction.EXPORT, None, "format=json")
        audit.record(s, AuditAction.EXPORT, None, "format=csv")
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
        conn.rollback()
        rows = conn.execute("SELECT id, detail FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()
    assert rows == [(1, "format=json"), (2, "format=csv")]


# -- one entry per action ------------------------------------------------------------


def test_an_entry_has_who_when_what_and_the_case(kemp: Engine) -> None:
    with session_scope(kemp) as s:
        client = s.exec(select(Client)).one()
        notes.add_note(s, client, type=NoteType.CONTACT, **CONTACT, text="Talked about the eviction notice.")
    (entry,) = trail(kemp)
    assert (entry.user, entry.at, entry.action, entry.case_number) == (
        "Jo Smith", dt.datetime(2026, 11, 2, 10, 0), "note_saved", "A-KEPT")
    assert entry.detail.startswith("type=contact; note=")
    write_settings('user = "jsmith"\n')  # no full name: the login
    with session_scope(kemp) as s:
        assert audit.record(s, AuditAction.LOCK).user == "jsmith"


def test_note_saved_amended_and_quick_log_each_write_one_entry(kemp: Engine) -> None:
    with session_scope(kemp) as s:
        client = s.exec(select(Client)).one()
        note = notes.add_note(s, client, type=NoteType.CONTACT, **CONTACT, text="Talked about the eviction notice.")
    assert [e.action for e in trail(kemp)] == ["note_saved"]
    with session_scope(kemp) as s:
        notes.amend_note(s, note.id, text="Talked about the eviction notice and the rent.", reason="rent left out")
    assert [e.action for e in new_entries(kemp, 1)] == ["note_amended"]
    with session_scope(kemp) as s:
        client = s.exec(select(Client)).one()
        notes.quick_log(s, client, ContactMethod.PHONE, ContactOutcome.NO_ANSWER)
    assert [e.action for e in new_entries(kemp, 2)] == ["note_saved"]
    assert_clean(trail(kemp))


def test_a_note_that_fails_leaves_no_entry(kemp: Engine) -> None:
    with pytest.raises(Exception):
        with session_scope(kemp) as s:
            client = s.exec(select(Client)).one()
            notes.add_note(s, client, type=NoteType.CONTACT, **CONTACT, text="x")
            raise RuntimeError("the save fails after the note")
    assert trail(kemp) == []  # same transaction: rolled back together


def test_a_letter_writes_one_entry_not_a_note_entry_too(kemp: Engine, tmp_path: Path) -> None:
    with session_scope(kemp) as s:
        result = letters.write_letter(s, "A-KEPT", "engagement", out_dir=tmp_path / "letters")
    (entry,) = trail(kemp)
    assert (entry.action, entry.case_number) == ("letter_written", "A-KEPT")
    assert entry.detail == f"template=engagement; file={result.text_path}"


@pytest.mark.parametrize("fmt", ["csv", "ics", "html"])
def test_each_export_writes_one_entry_with_format_count_and_file(kemp: Engine, tmp_path: Path, fmt: str) -> None:
    with session_scope(kemp) as s:
        path = reports.export(s, fmt, tmp_path / f"out.{fmt}", TODAY)
    (entry,) = trail(kemp)
    assert (entry.action, entry.case_number) == ("export", None)
    assert entry.detail == f"format={fmt}; clients=1; file={path}"


def test_json_export_import_backup_from_the_cli(kemp: Engine, db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    assert run("--db", str(db_path), "export", "-o", str(out)) == 0
    assert [(e.action, e.detail) for e in trail(kemp)] == [("export", f"format=json; clients=1; file={out}")]
    assert run("--db", str(db_path), "import", str(out)) == 0
    # the import takes the day's automatic backup first (issue 11): audited too
    assert [e.action for e in new_entries(kemp, 1)] == ["backup", "import"]
    entry = new_entries(kemp, 1)[-1]
    assert (entry.action, entry.detail) == ("import", f"file={out}; result=nothing changed")
    copy = tmp_path / "copy.db"
    assert run("--db", str(db_path), "backup", "-o", str(copy)) == 0
    (entry,) = new_entries(kemp, 3)
    assert (entry.action, entry.detail) == ("backup", f"file={copy}")
    assert_clean(trail(kemp))


def test_the_caseload_print_writes_one_entry(kemp: Engine) -> None:
    with session_scope(kemp) as s:
        csv_path, html_path = caseload.export_caseload(s, TODAY)
    (entry,) = trail(kemp)
    assert entry.action == "print"
    assert entry.detail == f"format=csv+html; clients=1; file={csv_path}; html={html_path}"


# -- the TUI ---------------------------------------------------------------------------


async def test_opening_a_file_reading_a_note_from_search_and_the_lock(kemp: Engine) -> None:
    from test_app_flow import settle, until

    from caseterm.app import CasetermApp
    from caseterm.screens.client import ClientScreen
    from caseterm.screens.lock import LockScreen
    from caseterm.screens.search import SearchScreen

    with session_scope(kemp) as s:
        client = s.exec(select(Client)).one()
        notes.add_note(s, client, type=NoteType.CONTACT, **CONTACT, text="Talked about the eviction notice.")
    app = CasetermApp(kemp, idle_lock_seconds=0, automatic_backups=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.push_screen(SearchScreen())
        await settle(pilot)
        await pilot.press(*"eviction")
        await until(pilot, lambda: bool(app.screen.hits))
        await pilot.press("enter", "enter")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
        assert [(e.action, e.case_number) for e in new_entries(kemp, 1)] == [
            ("note_read", "A-KEPT"), ("client_opened", "A-KEPT")]
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        await pilot.press("space", "y")
        await until(pilot, lambda: not app.locked)
    assert [(e.action, e.detail) for e in new_entries(kemp, 3)] == [("lock", "reason=hidden"), ("unlock", "with=key")]
    assert_clean(trail(kemp))


# -- caseterm audit ----------------------------------------------------------------


@pytest.fixture
def history(kemp: Engine) -> Engine:
    stamps = [(dt.datetime(2026, 10, 1, 9, 0), AuditAction.CLIENT_OPENED, "A-KEPT", "tab=notes"),
              (dt.datetime(2026, 10, 20, 9, 30), AuditAction.EXPORT, None, "format=ics; clients=1; file=/x.ics"),
              (dt.datetime(2026, 11, 2, 8, 0), AuditAction.CLIENT_OPENED, "B-2", "tab=notes"),
              (dt.datetime(2026, 11, 2, 8, 5), AuditAction.NOTE_SAVED, "A-KEPT", "type=contact; note=u1")]
    for at, action, case, detail in stamps:
        clock.pin(at.date(), at.time())
        with session_scope(kemp) as s:
            audit.record(s, action, case, detail)
    return kemp


def test_audit_json_and_filters(history: Engine, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def listed(*args: str) -> list[dict]:
        capsys.readouterr()
        assert run("--db", str(db_path), "audit", "--json", *args) == 0
        return json.loads(capsys.readouterr().out)

    everything = listed()
    assert everything[0] == {"at": "2026-10-01T09:00:00", "user": "Jo Smith", "action": "client_opened",
                             "case_number": "A-KEPT", "detail": "tab=notes"}
    assert len(everything) == 4
    assert [e["action"] for e in listed("--client", "A-KEPT")] == ["client_opened", "note_saved"]
    assert [e["at"][:10] for e in listed("--since", "2026-10-20")] == ["2026-10-20", "2026-11-02", "2026-11-02"]
    assert [e["case_number"] for e in listed("--action", "client_opened")] == ["A-KEPT", "B-2"]
    assert listed("--action", "client_opened", "--client", "B-2", "--since", "2026-11-01")[0]["case_number"] == "B-2"


def test_audit_text_and_bad_options(history: Engine, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--db", str(db_path), "audit", "--client", "A-KEPT") == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "2026-10-01 09:00:00  Jo Smith  client_opened  A-KEPT  tab=notes"
    assert "(2 entries)" in captured.err
    assert run("--db", str(db_path), "audit", "--action", "peeked") == 2
    assert "--action peeked: not an audited action" in capsys.readouterr().err
    assert run("--db", str(db_path), "audit", "--since", "2026-02-30") == 2
    assert "--since: '2026-02-30' is not a valid date" in capsys.readouterr().err


# -- the interchange file --------------------------------------------------------------


def test_the_trail_moves_with_the_caseload_and_reimport_adds_nothing(history: Engine, tmp_path: Path) -> None:
    with session_scope(history) as s:
        audit.record(s, AuditAction.NOTE_READ, "A-KEPT", "note_id=1")
        audit.record(s, AuditAction.NOTE_READ, "A-KEPT", "note_id=1")  # the same second, twice: both kept
        text = interchange.export_json(s)
    doc = json.loads(text)
    assert len(doc["audit"]) == 6 and doc["audit"][-1]["action"] == "note_read"
    source = tmp_path / "x.json"
    source.write_text(text)
    other = open_store(resolve_url(str(tmp_path / "other.db")))
    with session_scope(other) as s:
        result = interchange.import_path(s, source)
    assert result.added["audit"] == 6
    with session_scope(other) as s:
        assert interchange.export_data(s)["audit"] == doc["audit"]
        again = interchange.import_path(s, source)
    assert again.added["audit"] == 0 and not again.changed
    # Into the database it came from: nothing added either.
    with session_scope(history) as s:
        assert interchange.import_path(s, source).added["audit"] == 0
    assert len(trail(history)) == 6


def test_a_file_with_a_bad_audit_entry_is_refused(engine: Engine, tmp_path: Path) -> None:
    from caseterm.errors import BadInput

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "caseterm/1", "audit": [
        {"at": "2026-11-02T08:00:00", "user": "jo", "action": "peeked", "case_number": None, "detail": ""}]}))
    with pytest.raises(BadInput, match=r"\$\.audit\[0\]\.action"):
        interchange.read_file(bad)


def test_restore_is_audited_in_the_restored_file(kemp: Engine, db_path: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy.db"
    assert run("--db", str(db_path), "backup", "-o", str(copy)) == 0
    kemp.dispose()
    assert run("--db", str(db_path), "restore", str(copy), "--yes") == 0, capsys.readouterr().err
    entries = trail(kemp)
    assert [e.action for e in entries] == ["restore"]  # the copy was taken before its own backup entry
    assert entries[0].detail.startswith(f"file={copy}; kept=")
