"""Agency mode on PostgreSQL (issue 15): workers, row-level security, assignment, coverage.

Connects as two case managers, a supervisor and an admin (real PostgreSQL
logins in the test cluster): each sees exactly its rows through caseterm's
services and through plain SQL, and the server refuses what a role may not do.
Needs PostgreSQL 15 (tests/pg_support.py): skipped without it, a failure with CI=true.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlmodel import select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, Note
from caseterm.services import workers
from caseterm.services.clients import get_client
from caseterm.services.interchange import export_json
from caseterm.services.notes import add_note, search_notes
from caseterm.store import normalise_url, open_store, session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType, WorkerRole

#: Logins are cluster-wide; every test database adopts the same ones (`worker add` adopts).
ANA, BEN, CARL, SUE, ADA = "t_ana", "t_ben", "t_carl", "t_sue", "t_ada"
CONTACT = dict(method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=10)
#: The server's date decides coverage ("today" in the policies is PostgreSQL's current_date).
SERVER_TODAY = dt.date.today()


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                            timeout=120, input=stdin)
    result.output = result.stdout + result.stderr  # type: ignore[attr-defined]
    return result


@dataclass
class Agency:
    cluster: object
    database: str
    owner: Engine
    engines: dict[str, Engine]

    def url(self, login: str | None = None) -> str:
        return self.cluster.url(self.database, user=login)  # type: ignore[attr-defined]

    def login(self, login: str) -> Engine:
        if login not in self.engines:
            self.engines[login] = open_store(self.url(login))
        return self.engines[login]


def _client(session, case_number: str, worker: str | None) -> Client:  # noqa: ANN001
    owner = workers.find_worker(session, worker) if worker else None
    client = Client(case_number=case_number, legal_name=f"Client {case_number}", worker_id=owner.id if owner else None)
    session.add(client)
    session.flush()
    add_note(session, client, type=NoteType.CONTACT, text=f"Talked with {case_number} about rent.", author=worker,
             contact_at=dt.datetime(2026, 11, 2, 10, 0), **CONTACT)
    return client


@pytest.fixture
def agency(pg_cluster, pg_migrated_url: str):  # noqa: ANN001
    """sue supervises ana and ben; carl has no supervisor; ada is an admin. Two clients each for ana,
    one for ben, one for carl, each with a note (written by the database owner)."""
    clock.pin(dt.date(2026, 11, 2), dt.time(12, 0))  # the notes below are written on time
    owner = open_store(pg_migrated_url)
    with session_scope(owner) as s:
        workers.team_init(s)
        for login, name, role, boss in ((SUE, "Sue Park", WorkerRole.SUPERVISOR, None),
                                        (ADA, "Ada Admin", WorkerRole.ADMIN, None),
                                        (ANA, "Ana Reyes", WorkerRole.CASE_MANAGER, SUE),
                                        (BEN, "Ben Okafor", WorkerRole.CASE_MANAGER, SUE),
                                        (CARL, "Carl Ito", WorkerRole.CASE_MANAGER, None)):
            workers.add_worker(s, login, name=name, role=role, supervisor=boss)
            workers.ensure_login_role(s, login, role, None)
        for number, worker in (("A-1", ANA), ("A-2", ANA), ("B-1", BEN), ("C-1", CARL)):
            _client(s, number, worker)
    agency = Agency(pg_cluster, make_url(normalise_url(pg_migrated_url)).database, owner, {})
    yield agency
    for engine in agency.engines.values():
        engine.dispose()
    owner.dispose()


def seen_by_services(engine: Engine) -> dict[str, object]:
    with session_scope(engine) as s:
        clients = sorted(s.exec(select(Client.case_number)).all())
        notes = sorted(n.text.split()[2] for n in s.exec(select(Note)).all())
        found = sorted(hit.case_number for hit in search_notes(s, "rent"))
        exported = sorted(c["case_number"] for c in json.loads(export_json(s))["clients"])
    return {"clients": clients, "notes": notes, "search": found, "export": exported}


def seen_by_sql(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        clients = sorted(conn.execute(text("SELECT case_number FROM client")).scalars())
        notes = conn.execute(text("SELECT count(*) FROM note")).scalar()
        assigned = conn.execute(text("SELECT count(*) FROM client WHERE worker_id IS NOT NULL")).scalar()
    return {"clients": clients, "notes": notes, "assigned": assigned}


EXPECTED = {
    ANA: ["A-1", "A-2"],
    BEN: ["B-1"],
    CARL: ["C-1"],
    SUE: ["A-1", "A-2", "B-1"],  # her team: ana and ben
    ADA: ["A-1", "A-2", "B-1", "C-1"],
}


@pytest.mark.parametrize("login", [ANA, BEN, SUE, ADA])
def test_each_login_sees_exactly_its_clients_through_caseterm_and_sql(agency: Agency, login: str) -> None:
    engine = agency.login(login)
    want = EXPECTED[login]
    assert seen_by_services(engine) == {"clients": want, "notes": want, "search": want, "export": want}
    assert seen_by_sql(engine) == {"clients": want, "notes": len(want), "assigned": len(want)}


def test_a_case_manager_cannot_change_a_note_or_another_workers_client(agency: Agency) -> None:
    ana = agency.login(ANA)
    with pytest.raises(ProgrammingError, match="permission denied"), ana.begin() as conn:
        conn.execute(text("UPDATE note SET text = 'changed'"))
    with pytest.raises(ProgrammingError, match="permission denied"), ana.begin() as conn:
        conn.execute(text("DELETE FROM note"))
    with ana.begin() as conn:  # ben's client is not there for ana: nothing to update
        changed = conn.execute(text("UPDATE client SET legal_name = 'Changed' WHERE case_number = 'B-1'")).rowcount
        assert changed == 0
        assert conn.execute(text("UPDATE client SET phone = '555-0100' WHERE case_number = 'A-1'")).rowcount == 1
    with pytest.raises(ProgrammingError, match="permission denied"), ana.begin() as conn:  # only assign moves it
        conn.execute(text("UPDATE client SET worker_id = (SELECT id FROM worker WHERE login = :b) "
                          "WHERE case_number = 'A-2'"), {"b": BEN})
    with agency.owner.connect() as conn:
        bens = conn.execute(text("SELECT id FROM client WHERE case_number = 'B-1'")).scalar()
    with pytest.raises(ProgrammingError, match="row-level security"), ana.begin() as conn:
        conn.execute(text("INSERT INTO note (uid, client_id, contact_at, written_at, type, author, text, late_entry) "
                          "VALUES ('x-1', :id, now(), now(), 'contact', 't_ana', 'sneaky', false)"), {"id": bens})
    with agency.owner.connect() as conn:
        assert conn.execute(text("SELECT legal_name FROM client WHERE case_number = 'B-1'")).scalar() == "Client B-1"
        assert conn.execute(text("SELECT count(*) FROM note WHERE text = 'sneaky'")).scalar() == 0


def test_the_database_writes_the_author_and_the_audit_user(agency: Agency) -> None:
    with session_scope(agency.login(ANA)) as s:
        note = add_note(s, get_client(s, "A-1"), type=NoteType.CONTACT, text="Home visit booked.", author=BEN,
                        contact_at=dt.datetime(2026, 11, 2, 11, 0), **CONTACT)
        assert note.author == ANA
    with agency.owner.connect() as conn:
        assert conn.execute(text("SELECT author FROM note WHERE text = 'Home visit booked.'")).scalar() == ANA
        users = conn.execute(text("SELECT \"user\" FROM audit WHERE case_number = 'A-1' "
                                  "AND action = 'note_saved' ORDER BY id")).scalars().all()
    assert users[-1] == ANA


def test_a_supervisor_reads_the_team_and_writes_only_supervision_notes(agency: Agency) -> None:
    sue = agency.login(SUE)
    with pytest.raises(DBAPIError, match="row-level security"), session_scope(sue) as s:
        add_note(s, get_client(s, "A-1"), type=NoteType.CONTACT, text="Called.", **CONTACT)
    with session_scope(sue) as s:
        note = add_note(s, get_client(s, "A-1"), type=NoteType.SUPERVISION, text="Reviewed the plan; looks right.")
        assert note.author == SUE
    with sue.begin() as conn:  # a team member's client is read-only for her (0 rows)
        assert conn.execute(text("UPDATE client SET legal_name = 'X' WHERE case_number = 'A-1'")).rowcount == 0
    with pytest.raises(BadInput, match="no such client"), session_scope(sue) as s:
        get_client(s, "C-1")  # carl is not in sue's team


def test_coverage_lets_a_worker_act_for_an_absent_one_until_the_date(agency: Agency) -> None:
    with session_scope(agency.owner) as s:
        workers.cover(s, ANA, BEN, SERVER_TODAY + dt.timedelta(days=3), today=SERVER_TODAY)
    ben = agency.login(BEN)
    assert seen_by_sql(ben)["clients"] == ["A-1", "A-2", "B-1"]
    with session_scope(ben) as s:
        add_note(s, get_client(s, "A-2"), type=NoteType.CONTACT, text="Covering: called about rent.",
                 contact_at=dt.datetime(2026, 11, 2, 11, 0), **CONTACT)
        assert [w.login for w in workers.covering_for(s, SERVER_TODAY)] == [ANA]
    # Coverage that ended yesterday gives nothing.
    with session_scope(agency.owner) as s:
        workers.cover(s, CARL, ANA, SERVER_TODAY, today=SERVER_TODAY)
        s.exec(select(Client)).all()
        s.connection().execute(text("UPDATE coverage SET from_date = from_date - 5, until = until - 1 "
                                    "WHERE worker_id = (SELECT id FROM worker WHERE login = :c)"), {"c": CARL})
    assert seen_by_sql(agency.login(ANA))["clients"] == ["A-1", "A-2"]


def test_assign_moves_clients_writes_history_and_a_transfer_note(agency: Agency) -> None:
    sue = agency.login(SUE)
    with session_scope(sue) as s:
        moved = workers.assign(s, ["A-1"], BEN, "caseload balance", today=SERVER_TODAY)
    assert [(t.case_number, t.from_login, t.to_login) for t in moved] == [("A-1", ANA, BEN)]
    assert seen_by_sql(agency.login(ANA))["clients"] == ["A-2"]
    assert seen_by_sql(agency.login(BEN))["clients"] == ["A-1", "B-1"]
    with session_scope(agency.login(BEN)) as s:
        client = get_client(s, "A-1")
        assert workers.assigned_name(s, client) == "Ben Okafor"
        assert [(a.worker_id is not None, login, a.to_date) for a, login in workers.history(s, client)] == [
            (True, ANA, SERVER_TODAY), (True, BEN, None)]
        [note] = workers.transfer_notes(s, client)
        assert note.author == SUE and "from Ana Reyes to Ben Okafor" in note.text and "caseload balance" in note.text
    # Outside her team, and by a case manager: refused with a message, nothing changed.
    with pytest.raises(BadInput, match="not in t_sue's team"), session_scope(sue) as s:
        workers.assign(s, ["A-2"], CARL)
    with pytest.raises(BadInput, match="is a case manager"), session_scope(agency.login(ANA)) as s:
        workers.assign(s, ["A-2"], BEN)
    assert seen_by_sql(agency.login(ANA))["clients"] == ["A-2"]


def test_a_client_a_case_manager_creates_is_theirs(agency: Agency) -> None:
    with session_scope(agency.login(CARL)) as s:
        client = Client(case_number="C-2", legal_name="New Client")
        s.add(client)
        s.flush()
        assert workers.assigned_name(s, client) == "Carl Ito"
    assert seen_by_sql(agency.login(CARL))["clients"] == ["C-1", "C-2"]
    assert seen_by_sql(agency.login(SUE))["clients"] == ["A-1", "A-2", "B-1"]


# -- the commands ------------------------------------------------------------------------------


def test_team_init_is_repeatable_and_workers_are_added_through_the_cli(pg_cluster, pg_url: str) -> None:  # noqa: ANN001
    for _ in range(2):
        result = run("--db", pg_url, "team", "init")
        assert result.returncode == 0, result.output
    result = run("--db", pg_url, "worker", "add", "t_dora", "--name", "Dora Diaz", "--role", "case_manager",
                 "--password-stdin", stdin="s3cret-pass\n")
    assert result.returncode == 0, result.output
    assert "s3cret" not in result.output
    assert pg_cluster.psql("SELECT rolcanlogin FROM pg_roles WHERE rolname = 't_dora'").strip() == "t"
    assert "caseterm_case_manager" in pg_cluster.psql(
        "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid "
        "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 't_dora'")
    result = run("--db", pg_url, "worker", "add", "t_eve", "--name", "Eve", "--role", "admin",
                 "--supervisor", "nobody")
    assert result.returncode == 2 and "--supervisor 'nobody': no such worker" in result.output
    listed = run("--db", pg_url, "worker", "list", "--json")
    assert listed.returncode == 0, listed.output
    assert [(w["login"], w["role"]) for w in json.loads(listed.stdout)] == [("t_dora", "case_manager")]


def test_import_gives_unassigned_clients_to_the_named_worker(agency: Agency, tmp_path) -> None:  # noqa: ANN001
    laptop = tmp_path / "caseload.json"
    laptop.write_text(json.dumps({
        "format": "caseterm/1",
        "clients": [{"case_number": "S-1", "legal_name": "Solo One"}, {"case_number": "S-2", "legal_name": "Solo Two"}],
    }))
    result = run("--db", agency.url(), "import", str(laptop), "--assign-to", "nobody")
    assert result.returncode == 2 and "--assign-to 'nobody': no such worker" in result.output
    result = run("--db", agency.url(), "import", str(laptop), "--assign-to", BEN)
    assert result.returncode == 0, result.output
    assert "2 clients assigned to t_ben" in result.output
    assert seen_by_sql(agency.login(BEN))["clients"] == ["B-1", "S-1", "S-2"]
    # A case manager's own import is theirs without --assign-to.
    other = tmp_path / "more.json"
    other.write_text(json.dumps({"format": "caseterm/1", "clients": [{"case_number": "S-3", "legal_name": "Solo Three"}]}))
    result = run("--db", agency.url(CARL), "import", str(other))
    assert result.returncode == 0, result.output
    assert seen_by_sql(agency.login(CARL))["clients"] == ["C-1", "S-3"]
    with agency.owner.connect() as conn:
        rows = conn.execute(text("SELECT c.case_number, w.login, a.reason FROM assignment a JOIN client c "
                                 "ON c.id = a.client_id JOIN worker w ON w.id = a.worker_id "
                                 "WHERE c.case_number LIKE 'S-%' ORDER BY 1")).all()
    assert [tuple(r) for r in rows] == [("S-1", BEN, "import"), ("S-2", BEN, "import"), ("S-3", CARL, "new client")]


# -- the TUI -----------------------------------------------------------------------------------


async def test_the_tui_names_the_mode_the_login_and_the_assigned_worker(agency: Agency) -> None:
    from caseterm.app import CasetermApp

    app = CasetermApp(agency.login(ANA), automatic_backups=False)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.sub_title.endswith(" · agency · t_ana")
        app.open_client("A-1")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "case manager Ana Reyes" in str(app.screen.query_one("#card-line").render())


def test_the_team_overview_counts_each_workers_caseload(agency: Agency) -> None:
    from caseterm.services import team

    day = dt.date(2026, 11, 10)
    clock.pin(day, dt.time(9, 0))
    with session_scope(agency.owner) as s:
        s.add(Client(case_number="B-2", legal_name="Quiet Client", worker_id=workers.find_worker(s, BEN).id))
    with session_scope(agency.login(ANA)) as s:  # written two days after the contact: late
        add_note(s, get_client(s, "A-1"), type=NoteType.CONTACT, text="Late write-up of the call.",
                 contact_at=dt.datetime(2026, 11, 5, 9, 0), written_at=dt.datetime(2026, 11, 7, 10, 0), **CONTACT)
    with session_scope(agency.login(SUE)) as s:
        rows, days, hours = team.overview(s, day)
        assert [r.case_number for r in team.member_caseload(s, ANA, day)] == ["A-1", "A-2"]
    assert (days, hours) == (14, 24)
    assert [(r.login, r.clients, r.late_notes, r.no_contact) for r in rows] == [
        (SUE, 0, 0, 0), (ANA, 2, 1, 0), (BEN, 2, 0, 1)]
    assert all(r.overdue >= 0 for r in rows)
    with session_scope(agency.login(ADA)) as s:
        assert [r.login for r in team.overview(s, day)[0]] == sorted([ADA, ANA, BEN, CARL, SUE])
    with pytest.raises(BadInput, match="for supervisors and admins; t_ana is a case manager"), \
            session_scope(agency.login(ANA)) as s:
        team.overview(s, day)


async def test_the_team_screen_drills_into_a_workers_caseload(agency: Agency) -> None:
    from caseterm.app import CasetermApp
    from caseterm.screens.client import ClientScreen
    from caseterm.screens.team import MemberScreen, TeamScreen

    clock.pin(dt.date(2026, 11, 10), dt.time(9, 0))
    app = CasetermApp(agency.login(SUE), automatic_backups=False)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TeamScreen) and screen.loaded
        assert screen.logins == [SUE, ANA, BEN]
        await pilot.press("down", "enter")
        await pilot.pause()
        member = app.screen
        assert isinstance(member, MemberScreen) and member.loaded
        assert member.case_numbers == ["A-1", "A-2"]
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ClientScreen) and app.screen.case_number == "A-1"


async def test_the_team_screen_tells_a_case_manager_it_is_not_for_them(agency: Agency) -> None:
    from caseterm.app import CasetermApp
    from caseterm.screens.team import TeamScreen

    app = CasetermApp(agency.login(ANA), automatic_backups=False)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen) and app.screen.loaded and app.screen.logins == []
        assert "for supervisors and admins" in str(app.screen.query_one("#team-note").render())


def test_a_case_managers_import_is_theirs_and_repeats_as_nothing_changed(agency: Agency, tmp_path) -> None:  # noqa: ANN001
    """The laptop's notes and audit entries become the importing login's; importing again adds nothing."""
    laptop = tmp_path / "caseload.json"
    laptop.write_text(json.dumps({
        "format": "caseterm/1",
        "clients": [{"case_number": "L-1", "legal_name": "Laptop Client"}],
        "notes": [{"uid": "0b8c9f1e-0000-4000-8000-000000000001", "case_number": "L-1",
                   "contact_at": "2026-10-20T10:00:00", "written_at": "2026-10-20T10:30:00", "type": "contact",
                   "method": "phone", "outcome": "reached", "minutes": 10, "author": "laptop-user",
                   "text": "Called from the laptop."}],
        "audit": [{"at": "2026-10-20T10:30:00", "user": "Laptop User", "action": "note_saved",
                   "case_number": "L-1", "detail": "type=contact"}],
    }))
    first = run("--db", agency.url(CARL), "import", str(laptop))
    assert first.returncode == 0, first.output
    # no HMIS project yet, and only an admin may add one: the client waits, the import goes through
    assert "1 not enrolled in HMIS" in first.output, first.output
    again = run("--db", agency.url(CARL), "import", str(laptop))
    assert again.returncode == 0, again.output
    assert "nothing changed" in again.output
    with agency.owner.connect() as conn:
        assert conn.execute(text("SELECT author FROM note WHERE text = 'Called from the laptop.'")).scalar() == CARL
        users = conn.execute(text("SELECT \"user\" FROM audit WHERE case_number = 'L-1' AND action = 'note_saved'"))
        assert users.scalars().all() == [CARL]


def test_a_case_manager_is_refused_the_admin_commands_with_a_message(agency: Agency) -> None:
    for args, words in ((("worker", "add", "t_zoe", "--name", "Zoe", "--role", "admin"), "worker add: the server refused"),
                        (("assign", "A-1", "--to", BEN), "t_ana is a case manager"),
                        (("cover", BEN, "--by", ANA, "--until", "2099-01-01"), "cover: the server refused")):
        result = run("--db", agency.url(ANA), *args)
        assert result.returncode == 2, (args, result.output)
        assert words in result.output, result.output
        assert "Traceback" not in result.output
    with agency.owner.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM worker WHERE login = 't_zoe'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM coverage")).scalar() == 0


def test_a_worker_cannot_migrate_and_is_told_who_can(agency: Agency) -> None:
    with agency.owner.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    result = run("--db", agency.url(ANA), "agenda", "--json")
    assert result.returncode == 2, result.output
    assert "only the database owner can upgrade it" in result.output and "team init" in result.output


def test_due_marks_and_caseload_wide_tasks_belong_to_the_worker_who_made_them(agency: Agency) -> None:
    from caseterm.services import due

    with session_scope(agency.login(ANA)) as s:
        due.snooze(s, "follow-up|A-1|2026-11-02", dt.date(2026, 11, 20))
        due.add_task(s, "Renew my training", dt.date(2026, 11, 30))
    seen = {}
    for login in (ANA, BEN, SUE, ADA):
        with agency.login(login).connect() as conn:
            seen[login] = (conn.execute(text("SELECT count(*) FROM due_state")).scalar(),
                           conn.execute(text("SELECT count(*) FROM task")).scalar())
    assert seen == {ANA: (1, 1), BEN: (0, 0), SUE: (1, 0), ADA: (1, 1)}
    with agency.owner.connect() as conn:
        assert conn.execute(text("SELECT owner FROM due_state")).scalar() == ANA


async def test_a_covering_worker_sees_the_absent_workers_items_marked(agency: Agency) -> None:
    """Issue 15: coverage shows the absent worker's due items marked "covering for …"."""
    from test_app_flow import screen_text, settle

    from caseterm.app import CasetermApp
    from caseterm.services import due

    with session_scope(agency.owner) as s:
        workers.cover(s, ANA, BEN, SERVER_TODAY + dt.timedelta(days=3), today=SERVER_TODAY)
    with session_scope(agency.login(BEN)) as s:
        due.add_task(s, "Call the landlord back", clock.today(), case_number="A-1")  # ana's client
        due.add_task(s, "Send the bus pass form", clock.today(), case_number="B-1")  # ben's own
        assert workers.covered_cases(s, SERVER_TODAY) == {"A-1": "Ana Reyes", "A-2": "Ana Reyes"}
    with session_scope(agency.login(ANA)) as s:
        assert workers.covered_cases(s, SERVER_TODAY) == {}  # ana covers nobody
    app = CasetermApp(agency.login(BEN), automatic_backups=False, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "A-1 · due today · covering for Ana Reyes" in shown, shown  # every item says when (23.4)
        assert "B-1 · covering" not in shown and "B-1" in shown
        # The caseload is ben's own; the clients he covers are one key away.
        from caseterm.screens.caseload import CaseloadTable

        table = app.screen.query_one(CaseloadTable)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == ["B-1"]
        assert "v covering 2" in shown
        await pilot.press("v")
        await settle(pilot)
        assert sorted(table.get_row_at(i)[0] for i in range(table.row_count)) == ["A-1", "A-2"]


def test_the_stored_due_list_follows_each_logins_clients(agency: Agency) -> None:
    """Issue 25.1: one `due_item` table for the team. Each login's stored list equals its own full
    recomputation and names only its clients (through caseterm and plain SQL); a supervisor's
    supervision note stores that client's rows in the supervisor's transaction; a case manager
    cannot write rows for another worker's client."""
    from caseterm.services import due, due_table

    day = dt.date(2026, 11, 2)
    for login in (ANA, SUE, ADA, BEN):
        with session_scope(agency.login(login)) as s:
            stored = due_table.stored_due_items(s, day)
            assert [(i, i.key) for i in stored] == [(i, i.key) for i in due.due_items(s, day)], login
            assert {i.case_number for i in stored if i.case_number} <= set(EXPECTED[login]), login
        with agency.login(login).connect() as conn:
            cases = {r[0] for r in conn.execute(text("SELECT case_number FROM due_item"))}
            assert cases <= set(EXPECTED[login]) and cases, login
    with session_scope(agency.login(SUE)) as s:
        add_note(s, get_client(s, "B-1"), type=NoteType.SUPERVISION, text="Reviewed the case with Ben.")
    with agency.owner.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM due_stale")).scalar() == 0
    with session_scope(agency.login(BEN)) as s:
        assert due_table.bring_up_to_date(s, day, due_table.load_policy()) == 0
        assert [i.key for i in due_table.stored_due_items(s, day)] == [i.key for i in due.due_items(s, day)]
    with agency.owner.connect() as conn:
        b1 = conn.execute(text("SELECT id FROM client WHERE case_number = 'B-1'")).scalar()
    with pytest.raises(DBAPIError, match="row-level security"), agency.login(ANA).begin() as conn:
        conn.execute(text("INSERT INTO due_item (client_id, rule, subject, title, why, source, due, overdue,"
                          " priority, grp, occurrence, target, seq) VALUES (:c, 'manual', 'x', 't', 'w', 's',"
                          " '2026-11-02', false, 1, 'deadlines', '', '{}', 0)"), {"c": b1})


def test_an_admins_import_enrolls_new_clients_in_the_programs_project(agency: Agency, tmp_path) -> None:  # noqa: ANN001
    """Agency mode: an admin's import may make the program's HMIS project (docs/hmis.md, default project)."""
    laptop = tmp_path / "new.json"
    laptop.write_text(json.dumps({"format": "caseterm/1", "clients": [
        {"case_number": "N-1", "legal_name": "New Client", "program": "TANF", "referral_date": "2026-10-01"}]}))
    done = run("--db", agency.url(ADA), "import", str(laptop))
    assert done.returncode == 0 and "1 new client enrolled in the default HMIS project" in done.output, done.output
    with agency.owner.connect() as conn:
        rows = conn.execute(text("SELECT p.name, e.entry_date FROM hmis_enrollment e JOIN hmis_project p ON p.id ="
                                 " e.project_id JOIN client c ON c.id = e.client_id WHERE c.case_number = 'N-1'")).all()
        assert [(name, str(day)) for name, day in rows] == [("TANF", "2026-10-01")]
