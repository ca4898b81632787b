"""Workers, assignment and coverage in solo mode (SQLite): one worker from settings.toml,
made on demand; nothing changes for a solo user; the agency commands' bad input exits 2."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from caseterm import paths
from caseterm.errors import BadInput
from caseterm.models import Assignment, Client, Worker
from caseterm.services import workers
from caseterm.services.clients import get_client
from caseterm.store import session_scope
from caseterm.vocabulary import NoteType, WorkerRole

TODAY = dt.date(2026, 11, 2)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                            timeout=120, input=stdin)
    result.output = result.stdout + result.stderr  # type: ignore[attr-defined]
    return result


@pytest.fixture
def settings() -> Path:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('user = "ana"\nfull_name = "Ana Reyes"\n')
    return path


@pytest.fixture
def caseload(engine, settings):  # noqa: ANN001
    with session_scope(engine) as s:
        for number in ("TA-1", "TA-2", "TA-3"):
            s.add(Client(case_number=number, legal_name=f"Client {number}"))
    return engine


def test_solo_mode_has_one_worker_from_the_settings_who_has_every_client(caseload) -> None:  # noqa: ANN001
    with session_scope(caseload) as s:
        assert s.exec(select(Worker)).all() == []  # nothing written until something asks
        client = get_client(s, "TA-1")
        assert workers.assigned_name(s, client) == "Ana Reyes"
        rows = workers.list_workers(s)
    assert [(r.login, r.full_name, r.role, r.clients) for r in rows] == [("ana", "Ana Reyes", "case_manager", 3)]
    with session_scope(caseload) as s:
        assert workers.current_worker(s).login == "ana"  # type: ignore[union-attr]
        assert len(s.exec(select(Worker)).all()) == 1


def test_assign_on_sqlite_writes_the_history_and_a_transfer_note(caseload) -> None:  # noqa: ANN001
    with session_scope(caseload) as s:
        workers.add_worker(s, "bo", name="Bo Berg", role=WorkerRole.CASE_MANAGER)
        moved = workers.assign(s, ["TA-1", "TA-2", "TA-1"], "bo", "leaving on leave", today=TODAY)
        assert [(t.case_number, t.from_login, t.to_login) for t in moved] == [("TA-1", "ana", "bo"), ("TA-2", "ana", "bo")]
        assert workers.assign(s, ["TA-1"], "bo", today=TODAY) == []  # already there: nothing written
    with session_scope(caseload) as s:
        client = get_client(s, "TA-1")
        assert workers.assigned_name(s, client) == "Bo Berg"
        assert [(login, a.to_date) for a, login in workers.history(s, client)] == [("ana", TODAY), ("bo", None)]
        [note] = workers.transfer_notes(s, client)
        assert note.type is NoteType.TRANSFER and note.author == "ana"
        assert note.text == "Transferred from Ana Reyes to Bo Berg. Reason: leaving on leave"
        assert workers.assigned_name(s, get_client(s, "TA-3")) == "Ana Reyes"


def test_bad_assignments_change_nothing(caseload) -> None:  # noqa: ANN001
    with pytest.raises(BadInput, match="--to 'zed': no such worker"), session_scope(caseload) as s:
        workers.assign(s, ["TA-1"], "zed")
    with session_scope(caseload) as s:
        workers.add_worker(s, "bo", name="Bo Berg", role=WorkerRole.CASE_MANAGER)
    with pytest.raises(BadInput) as err, session_scope(caseload) as s:
        workers.assign(s, ["TA-1", "NO-1", "NO-2"], "bo")
    assert err.value.errors == ["CASE 'NO-1': no such client", "CASE 'NO-2': no such client"]
    with session_scope(caseload) as s:
        assert s.exec(select(Assignment)).all() == []
        assert get_client(s, "TA-1").worker_id is None


def test_cover_checks_its_input(caseload) -> None:  # noqa: ANN001
    with session_scope(caseload) as s:
        workers.add_worker(s, "bo", name="Bo Berg", role=WorkerRole.CASE_MANAGER)
        row = workers.cover(s, "bo", "ana", TODAY + dt.timedelta(days=5), today=TODAY)
        assert (row.from_date, row.until) == (TODAY, TODAY + dt.timedelta(days=5))
        with pytest.raises(BadInput, match="--until 2026-11-01: is before today"):
            workers.cover(s, "bo", "ana", TODAY - dt.timedelta(days=1), today=TODAY)
        with pytest.raises(BadInput, match="--by 'bo': is the worker being covered"):
            workers.cover(s, "bo", "bo", TODAY, today=TODAY)
        assert [w.login for w in workers.covering_for(s, TODAY)] == ["bo"]


def test_the_agency_commands_on_sqlite(tmp_path: Path, settings: Path) -> None:
    db = str(tmp_path / "solo.db")
    result = run("--db", db, "team", "init")
    assert result.returncode == 2 and "team init: is for agency mode" in result.output
    result = run("--db", db, "worker", "add", "bo", "--name", "Bo Berg", "--role", "case_manager", "--password-stdin",
                 stdin="pw\n")
    assert result.returncode == 2 and "--password-stdin: only for agency mode" in result.output
    for args, words in ((("worker", "add", "Bo", "--name", "B", "--role", "case_manager"), "LOGIN 'Bo': not a login name"),
                        (("worker", "add", "bo", "--name", "B", "--role", "chief"), "--role 'chief': not a role"),
                        (("worker", "add", "bo", "--name", " ", "--role", "admin"), "--name: empty"),
                        (("cover", "ana", "--by", "bo", "--until", "2026-13-01"), "--until"),
                        (("assign", "TA-1", "--to", "zed"), "--to 'zed': no such worker")):
        result = run("--db", db, *args)
        assert result.returncode == 2, (args, result.output)
        assert words in result.output
    result = run("--db", db, "worker", "add", "bo", "--name", "Bo Berg", "--role", "case_manager",
                 "--supervisor", "ana")
    assert result.returncode == 2 and "--supervisor 'ana': is a case manager" in result.output
    assert run("--db", db, "worker", "add", "bo", "--name", "Bo Berg", "--role", "case_manager").returncode == 0
    listed = json.loads(run("--db", db, "worker", "list", "--json").stdout)
    assert [(w["login"], w["clients"]) for w in listed] == [("ana", 0), ("bo", 0)]


def test_import_assign_to_on_sqlite_takes_only_the_new_clients(tmp_path: Path, settings: Path) -> None:
    db = str(tmp_path / "solo.db")
    first = tmp_path / "first.json"
    first.write_text(json.dumps({"format": "caseterm/1", "clients": [{"case_number": "S-1", "legal_name": "One"}]}))
    second = tmp_path / "second.json"
    second.write_text(json.dumps({"format": "caseterm/1", "clients": [{"case_number": "S-2", "legal_name": "Two"}]}))
    assert run("--db", db, "import", str(first)).returncode == 0
    assert run("--db", db, "worker", "add", "bo", "--name", "Bo Berg", "--role", "case_manager").returncode == 0
    result = run("--db", db, "import", str(second), "--assign-to", "bo")
    assert result.returncode == 0, result.output
    assert "1 client assigned to bo" in result.output
    listed = json.loads(run("--db", db, "worker", "list", "--json").stdout)
    assert [(w["login"], w["clients"]) for w in listed] == [("ana", 1), ("bo", 1)]
    result = run("--db", db, "import", str(second), "--assign-to", "BAD")
    assert result.returncode == 2 and "--assign-to 'BAD': not a login name" in result.output


async def test_the_client_header_names_a_worker_other_than_the_solo_user(caseload) -> None:  # noqa: ANN001
    from caseterm.app import CasetermApp

    with session_scope(caseload) as s:
        workers.add_worker(s, "bo", name="Bo Berg", role=WorkerRole.CASE_MANAGER)
        workers.assign(s, ["TA-2"], "bo", today=TODAY)
    app = CasetermApp(caseload, automatic_backups=False)
    async with app.run_test(size=(150, 45)) as pilot:
        for case_number, shown in (("TA-1", False), ("TA-2", True)):
            await pilot.pause()
            await app.workers.wait_for_complete()
            app.open_client(case_number)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert ("case manager Bo Berg" in str(app.screen.query_one("#card-line").render())) is shown
            assert "agency" not in app.sub_title
            app.pop_screen()
