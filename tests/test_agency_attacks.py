"""Agency mode against a hostile insider (issue 22): every attempt of the probe, as real logins.

Each worker has a PostgreSQL login, so each attack is typed as plain SQL
(psycopg, as `psql` would) and, where caseterm has a command for it, run
through caseterm in a real process. Each must be refused or give only that
login's rows. The team: sue supervises ana, ben (and ivy, inactive); tom
supervises carl; ada is an admin. Needs PostgreSQL 15 (tests/pg_support.py).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client
from caseterm.services import workers
from caseterm.services.notes import add_note
from caseterm.store import normalise_url, open_store, session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType, WorkerRole

pytestmark = pytest.mark.slow

ANA, BEN, SUE, IVY, CARL, TOM, ADA = "t_ana", "t_ben", "t_sue", "t_ivy", "t_carl", "t_tom", "t_ada"
CONTACT = dict(method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=10)
#: The agency's time zone in these tests: 26 hours ahead of the attacker's, so "yesterday" for the
#: agency is always "today" (or later) in the attacker's session, whatever the hour.
AGENCY_ZONE, ATTACKER_ZONE = "Etc/GMT-14", "Etc/GMT+12"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                            timeout=120, input=stdin)
    result.output = result.stdout + result.stderr  # type: ignore[attr-defined]
    return result


@dataclass
class Agency:
    cluster: object
    database: str
    today: dt.date  # the agency's date

    def url(self, login: str | None = None, options: str | None = None) -> str:
        url = self.cluster.url(self.database, user=login)  # type: ignore[attr-defined]
        return url + (f"&options={quote(options, safe='')}" if options else "")

    def sql(self, login: str | None = None) -> psycopg.Connection:
        """A plain connection as `login` (autocommit: each statement on its own, as psql)."""
        return psycopg.connect(self.url(login), autocommit=True)

    def one(self, login: str | None, query: str, params: tuple = ()) -> object:
        with self.sql(login) as conn:
            return conn.execute(query, params).fetchone()[0]

    def owner(self, query: str, params: tuple = ()) -> object:
        with self.sql() as conn:
            row = conn.execute(query, params)
            return row.fetchone()[0] if row.description else None


@pytest.fixture
def agency(pg_cluster, pg_migrated_url: str) -> Iterator[Agency]:  # noqa: ANN001
    clock.pin(dt.date(2026, 11, 2), dt.time(12, 0))
    engine = open_store(pg_migrated_url)
    with session_scope(engine) as s:
        workers.team_init(s, AGENCY_ZONE)
        for login, name, role, boss in ((SUE, "Sue Park", WorkerRole.SUPERVISOR, None),
                                        (TOM, "Tom Berg", WorkerRole.SUPERVISOR, None),
                                        (ADA, "Ada Admin", WorkerRole.ADMIN, None),
                                        (ANA, "Ana Reyes", WorkerRole.CASE_MANAGER, SUE),
                                        (BEN, "Ben Okafor", WorkerRole.CASE_MANAGER, SUE),
                                        (IVY, "Ivy Stone", WorkerRole.CASE_MANAGER, SUE),
                                        (CARL, "Carl Ito", WorkerRole.CASE_MANAGER, TOM)):
            workers.add_worker(s, login, name=name, role=role, supervisor=boss)
            workers.ensure_login_role(s, login, role, None)
        for number, login in (("A-1", ANA), ("A-2", ANA), ("B-1", BEN), ("C-1", CARL), ("C-2", CARL), ("I-1", IVY)):
            client = Client(case_number=number, legal_name=f"Client {number}",
                            worker_id=workers.find_worker(s, login).id)
            s.add(client)
            s.flush()
            add_note(s, client, type=NoteType.CONTACT, text=f"Talked with {number}.", author=login,
                     contact_at=dt.datetime(2026, 11, 2, 10, 0), **CONTACT)
        workers.find_worker(s, IVY).active = False
        today = workers.agency_today(s)
    engine.dispose()
    yield Agency(pg_cluster, make_url(normalise_url(pg_migrated_url)).database, today)


def clients_of(agency: Agency, login: str, conn: psycopg.Connection | None = None) -> list[str]:
    if conn is None:
        with agency.sql(login) as own:
            return clients_of(agency, login, own)
    return sorted(r[0] for r in conn.execute("SELECT case_number FROM public.client").fetchall())


def refused(conn: psycopg.Connection, query: str, params: tuple = ()) -> str:
    """Run `query`; it must fail. Returns the error's text."""
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(query, params)
    if not conn.autocommit:
        conn.rollback()
    return str(caught.value)


def cover(agency: Agency, absent: str, by: str, from_date: dt.date, until: dt.date) -> None:
    agency.owner("INSERT INTO coverage (worker_id, covered_by_id, from_date, until) SELECT a.id, b.id, %s, %s "
                 "FROM worker a, worker b WHERE a.login = %s AND b.login = %s", (from_date, until, absent, by))


# -- 1. temp tables shadowing the policy functions ----------------------------------------------


def test_a_login_cannot_create_temp_tables_or_objects_in_the_schema(agency: Agency) -> None:
    with agency.sql(ANA) as conn:
        assert "permission denied" in refused(conn, "CREATE TEMP TABLE worker (id int)")
        assert "permission denied" in refused(conn, "CREATE TABLE public.worker2 (id int)")
        assert "permission denied" in refused(
            conn, "CREATE FUNCTION public.caseterm_me2() RETURNS int LANGUAGE sql AS 'SELECT 1'")


@pytest.mark.parametrize("via_temp_grant", [True])
def test_temp_tables_shadow_nothing_even_where_temp_is_allowed(agency: Agency, via_temp_grant: bool) -> None:
    """The functions hold on their own: the owner gives TEMPORARY back, the attacks still fail."""
    agency.owner(f'GRANT TEMPORARY ON DATABASE "{agency.database}" TO PUBLIC')
    with agency.sql(ANA) as conn:
        conn.execute("CREATE TEMP TABLE worker (id int, login text, full_name text, role text, "
                     "supervisor_id int, phone text, active bool)")
        ana_id = agency.owner("SELECT id FROM worker WHERE login = %s", (ANA,))
        conn.execute("INSERT INTO worker VALUES (%s, %s, 'x', 'admin', null, null, true)", (ana_id, ANA))
        bens = agency.owner("SELECT id FROM client WHERE case_number = 'B-1'")
        ben_id = agency.owner("SELECT id FROM worker WHERE login = %s", (BEN,))
        conn.execute("CREATE TEMP TABLE client (id int, worker_id int)")
        conn.execute("INSERT INTO client VALUES (%s, %s)", (bens, ana_id))
        conn.execute("CREATE TEMP TABLE coverage (id int, worker_id int, covered_by_id int, from_date date, "
                     "until date)")
        conn.execute("INSERT INTO coverage VALUES (1, %s, %s, '2000-01-01', '2999-01-01')", (ben_id, ana_id))
        conn.execute("SET search_path = pg_temp, public")
        assert clients_of(agency, ANA, conn) == ["A-1", "A-2"]
        assert conn.execute("SELECT count(*) FROM public.note").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM public.audit WHERE \"user\" <> %s", (ANA,)).fetchone()[0] == 0
        assert conn.execute("UPDATE public.worker SET role = 'admin' WHERE login = %s", (ANA,)).rowcount == 0
        assert "row-level security" in refused(
            conn, "INSERT INTO public.note (uid, client_id, contact_at, written_at, type, author, text, late_entry) "
                  "VALUES ('x-1', %s, now(), now(), 'contact', '', 'sneaky', false)", (bens,))
    assert agency.owner("SELECT role FROM worker WHERE login = %s", (ANA,)) == "case_manager"
    assert clients_of(agency, ANA) == ["A-1", "A-2"]


def test_every_policy_function_pins_its_search_path(agency: Agency) -> None:
    rows = agency.sql().execute(
        "SELECT p.proname, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND p.proname LIKE 'caseterm%'").fetchall()
    assert len(rows) >= 15
    for name, config in rows:
        assert config and any(c.startswith("search_path=pg_catalog, public, pg_temp") for c in config), name


# -- 2. forged identity ------------------------------------------------------------------------


def test_set_role_does_not_change_who_the_login_is(agency: Agency) -> None:
    with agency.sql(ANA) as conn:
        conn.autocommit = False
        conn.execute("SET LOCAL ROLE caseterm_case_manager")
        assert clients_of(agency, ANA, conn) == ["A-1", "A-2"]
        conn.execute("INSERT INTO audit (at, \"user\", action, case_number, detail) "
                     "VALUES (now(), %s, 'note_saved', 'B-1', 'forged')", (BEN,))
        conn.commit()
    assert agency.owner("SELECT \"user\" FROM audit WHERE detail = 'forged'") == ANA
    with agency.sql(BEN) as conn:
        assert conn.execute("SELECT count(*) FROM audit WHERE detail = 'forged'").fetchone()[0] == 0


def test_an_inactive_worker_is_refused_everything(agency: Agency) -> None:
    with agency.sql(IVY) as conn:
        for table in ("client", "note", "audit", "worker", "coverage", "assignment", "task", "due_state"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert "not an active worker" in refused(conn, "INSERT INTO audit (at, \"user\", action, detail) "
                                                       "VALUES (now(), 't_ana', 'note_saved', 'forged')")
        assert "not an active worker" in refused(conn, "INSERT INTO client (case_number, legal_name) "
                                                       "VALUES ('I-9', 'x')")
    result = run("--db", agency.url(IVY), "export", "--format", "json")
    assert '"I-1"' not in result.output


def test_an_admins_actions_are_recorded_under_the_admins_login(agency: Agency) -> None:
    until = (agency.today + dt.timedelta(days=5)).isoformat()
    result = run("--db", agency.url(ADA), "cover", ANA, "--by", BEN, "--until", until)
    assert result.returncode == 0, result.output
    assert agency.owner("SELECT \"user\" FROM audit WHERE action = 'cover'") == ADA


# -- 3. today cannot be moved by the session ----------------------------------------------------


def test_a_session_time_zone_does_not_bring_back_an_ended_coverage(agency: Agency) -> None:
    yesterday = agency.today - dt.timedelta(days=1)
    cover(agency, CARL, ANA, yesterday - dt.timedelta(days=5), yesterday)
    with agency.sql(ANA) as conn:
        conn.execute(f"SET timezone = '{ATTACKER_ZONE}'")
        assert conn.execute("SELECT current_date").fetchone()[0] <= yesterday  # the old policies' "today"
        assert clients_of(agency, ANA, conn) == ["A-1", "A-2"]
    result = run("--db", agency.url(ANA, f"-c timezone={ATTACKER_ZONE}"), "export", "--format", "json")
    assert result.returncode == 0, result.output
    assert sorted(c["case_number"] for c in json.loads(result.stdout)["clients"]) == ["A-1", "A-2"]
    # The same coverage on the agency's today does hold.
    agency.owner("UPDATE coverage SET until = %s", (agency.today,))
    assert clients_of(agency, ANA) == ["A-1", "A-2", "C-1", "C-2"]


def test_team_init_keeps_the_agency_time_zone(agency: Agency) -> None:
    assert run("--db", agency.url(), "team", "init").returncode == 0
    assert agency.owner("SELECT value FROM caseterm_setting WHERE key = 'time_zone'") == AGENCY_ZONE
    bad = run("--db", agency.url(), "team", "init", "--time-zone", "Mars/Olympus")
    assert bad.returncode == 2 and "--time-zone 'Mars/Olympus'" in bad.output


# -- 4. a client changes hands only through assign ----------------------------------------------


def test_a_covering_worker_cannot_take_the_absent_workers_client(agency: Agency) -> None:
    cover(agency, ANA, BEN, agency.today, agency.today + dt.timedelta(days=3))
    ben_id = agency.owner("SELECT id FROM worker WHERE login = %s", (BEN,))
    with agency.sql(BEN) as conn:
        assert "A-1" in clients_of(agency, BEN, conn)
        assert "permission denied" in refused(conn, "UPDATE client SET worker_id = %s WHERE case_number = 'A-1'",
                                              (ben_id,))
        assert "case manager" in refused(conn, "SELECT caseterm_assign((SELECT id FROM client WHERE "
                                               "case_number = 'A-1'), %s, 'mine now')", (BEN,))
    assert agency.owner("SELECT w.login FROM client c JOIN worker w ON w.id = c.worker_id "
                        "WHERE case_number = 'A-1'") == ANA


def test_a_supervisor_cannot_move_a_client_around_the_rules_or_forge_the_history(agency: Agency) -> None:
    sue_id = agency.owner("SELECT id FROM worker WHERE login = %s", (SUE,))
    a1 = agency.owner("SELECT id FROM client WHERE case_number = 'A-1'")
    with agency.sql(SUE) as conn:
        assert "permission denied" in refused(conn, "UPDATE client SET worker_id = %s WHERE id = %s", (sue_id, a1))
        assert conn.execute("UPDATE client SET legal_name = 'X' WHERE id = %s", (a1,)).rowcount == 0
        assert "permission denied" in refused(
            conn, "INSERT INTO assignment (client_id, worker_id, from_date, reason) VALUES (%s, %s, now(), 'x')",
            (a1, sue_id))
        assert "permission denied" in refused(conn, "UPDATE assignment SET reason = 'forged'")
        assert "permission denied" in refused(conn, "DELETE FROM assignment")
        # A note in the file is a supervision note, never a contact or a forged transfer.
        for kind in ("contact", "transfer"):
            assert "row-level security" in refused(
                conn, "INSERT INTO note (uid, client_id, contact_at, written_at, type, author, text, late_entry) "
                      f"VALUES (gen_random_uuid()::text, %s, now(), now(), '{kind}', '', 'x', false)", (a1,))
        # Outside her team: refused by the server, whatever caseterm checks.
        assert "outside t_sue's team" in refused(conn, "SELECT caseterm_assign(%s, %s, 'x')", (a1, CARL))
    assert agency.owner("SELECT count(*) FROM assignment WHERE client_id = %s", (a1,)) == 1  # 'new client'
    assert agency.owner("SELECT count(*) FROM note WHERE client_id = %s", (a1,)) == 1


def test_assign_writes_the_history_and_the_transfer_note_in_one_go(agency: Agency) -> None:
    result = run("--db", agency.url(SUE), "assign", "A-1", "--to", BEN, "--reason", "balance")
    assert result.returncode == 0, result.output
    rows = agency.sql().execute(
        "SELECT w.login, a.to_date IS NULL, a.reason FROM assignment a JOIN worker w ON w.id = a.worker_id "
        "JOIN client c ON c.id = a.client_id WHERE c.case_number = 'A-1' ORDER BY a.id").fetchall()
    assert rows == [(ANA, False, "new client"), (BEN, True, "balance")]
    author, text = agency.sql().execute("SELECT author, text FROM note WHERE type = 'transfer'").fetchone()
    assert author == SUE and text == "Transferred from Ana Reyes to Ben Okafor. Reason: balance"
    other = run("--db", agency.url(SUE), "assign", "C-1", "--to", ANA)
    assert other.returncode == 2 and "C-1" in other.output and "Traceback" not in other.output
    cross = run("--db", agency.url(ADA), "assign", "C-1", "--to", ANA)
    assert cross.returncode == 0, cross.output
    assert clients_of(agency, ANA) == ["A-2", "C-1"]
    # From psql the same function is the only way, and it leaves the same trail.
    with agency.sql(SUE) as conn:
        assert conn.execute("SELECT caseterm_assign((SELECT id FROM client WHERE case_number = 'A-2'), %s, "
                            "'leave')", (BEN,)).fetchone()[0] == ANA
    assert agency.owner("SELECT count(*) FROM note n JOIN client c ON c.id = n.client_id "
                        "WHERE c.case_number = 'A-2' AND n.type = 'transfer' AND n.author = %s", (SUE,)) == 1
    assert clients_of(agency, BEN) == ["A-1", "A-2", "B-1"]


# -- 5. coverage inside the team, not transitive ------------------------------------------------


def test_a_supervisor_arranges_coverage_only_within_the_team(agency: Agency) -> None:
    until = (agency.today + dt.timedelta(days=10)).isoformat()
    result = run("--db", agency.url(SUE), "cover", ANA, "--by", CARL, "--until", until)
    assert result.returncode == 2 and "not in t_sue's team" in result.output
    with agency.sql(SUE) as conn:
        for absent, by in ((ANA, CARL), (CARL, ANA)):
            assert "row-level security" in refused(
                conn, "INSERT INTO coverage (worker_id, covered_by_id, from_date, until) SELECT a.id, b.id, "
                      "current_date, current_date + 10 FROM worker a, worker b WHERE a.login = %s AND b.login = %s",
                (absent, by))
    with agency.sql(TOM) as conn:  # sup2 may not let sup1 cover his worker either: sue is not his
        assert "row-level security" in refused(
            conn, "INSERT INTO coverage (worker_id, covered_by_id, from_date, until) SELECT a.id, b.id, "
                  "current_date, current_date + 10 FROM worker a, worker b WHERE a.login = %s AND b.login = %s",
            (CARL, SUE))
    assert clients_of(agency, CARL) == ["C-1", "C-2"]
    assert agency.owner("SELECT count(*) FROM coverage") == 0
    within = run("--db", agency.url(SUE), "cover", ANA, "--by", BEN, "--until", until)
    assert within.returncode == 0, within.output


def test_coverage_is_not_transitive_and_a_chain_cannot_be_built(agency: Agency) -> None:
    week = agency.today + dt.timedelta(days=7)
    cover(agency, CARL, SUE, agency.today, week)  # an admin let sue cover carl
    with agency.sql(SUE) as conn:
        assert clients_of(agency, SUE, conn) == ["A-1", "A-2", "B-1", "C-1", "C-2", "I-1"]
        assert "row-level security" in refused(
            conn, "INSERT INTO coverage (worker_id, covered_by_id, from_date, until) SELECT a.id, b.id, "
                  "current_date, '2027-06-01' FROM worker a, worker b WHERE a.login = %s AND b.login = %s",
            (CARL, ANA))
    cover(agency, BEN, ANA, agency.today, week)
    cover(agency, CARL, BEN, agency.today, week)  # ben covers carl; ana covers ben: not carl
    assert clients_of(agency, ANA) == ["A-1", "A-2", "B-1"]


# -- 6. drafts, tasks, import -------------------------------------------------------------------


def test_drafts_are_their_authors_alone(agency: Agency) -> None:
    from caseterm.services.notes import save_draft
    from caseterm.services.clients import get_client

    cover(agency, ANA, BEN, agency.today, agency.today + dt.timedelta(days=3))
    engine = open_store(agency.url(ANA))
    with session_scope(engine) as s:
        save_draft(s, get_client(s, "A-1"), text="Half a note about the lease")
    engine.dispose()
    assert agency.owner("SELECT author FROM notedraft") == ANA
    with agency.sql(BEN) as conn:
        assert conn.execute("SELECT count(*) FROM notedraft").fetchone()[0] == 0
        assert conn.execute("UPDATE notedraft SET text = 'overwritten'").rowcount == 0
        assert conn.execute("DELETE FROM notedraft").rowcount == 0
        a1 = agency.owner("SELECT id FROM client WHERE case_number = 'A-1'")
        conn.execute("INSERT INTO notedraft (client_id, fields_json, text, updated_at, author) "
                     "VALUES (%s, '{}', 'bens', now(), %s)", (a1, ANA))
    assert sorted(r[0] for r in agency.sql().execute("SELECT author FROM notedraft").fetchall()) == [ANA, BEN]
    assert agency.owner("SELECT text FROM notedraft WHERE author = %s", (ANA,)) == "Half a note about the lease"


def test_import_assign_to_gives_the_caseload_wide_tasks_too(agency: Agency, tmp_path) -> None:  # noqa: ANN001
    laptop = tmp_path / "caseload.json"
    laptop.write_text(json.dumps({
        "format": "caseterm/1",
        "clients": [{"case_number": "S-1", "legal_name": "Solo One"}],
        "tasks": [{"title": "Renew my training", "due": "2026-12-20"},
                  {"case_number": "S-1", "title": "Bus pass form", "due": "2026-12-21"}],
    }))
    result = run("--db", agency.url(), "import", str(laptop), "--assign-to", BEN)
    assert result.returncode == 0, result.output
    with agency.sql(BEN) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT title FROM task").fetchall()) == [
            "Bus pass form", "Renew my training"]


def test_importing_a_case_number_another_worker_holds_is_a_clear_refusal(agency: Agency, tmp_path) -> None:  # noqa: ANN001
    laptop = tmp_path / "caseload.json"
    laptop.write_text(json.dumps({"format": "caseterm/1",
                                  "clients": [{"case_number": "B-1", "legal_name": "Someone Else"}]}))
    result = run("--db", agency.url(ANA), "import", str(laptop))
    assert result.returncode == 2, result.output
    assert "already in the agency's database" in result.output and "nothing was imported" in result.output
    assert "Traceback" not in result.output and "crash" not in result.output
    assert BEN not in result.output and "Ben" not in result.output
    assert agency.owner("SELECT legal_name FROM client WHERE case_number = 'B-1'") == "Client B-1"


# -- 7. what a login can still learn ------------------------------------------------------------


def test_sequences_do_not_give_the_agency_wide_counts(agency: Agency) -> None:
    with agency.sql(ANA) as conn:
        assert "permission denied" in refused(conn, "SELECT last_value FROM client_id_seq")
        assert "permission denied" in refused(conn, "SELECT last_value FROM note_id_seq")
    engine = open_store(agency.url(ANA))  # inserting still works (USAGE)
    with session_scope(engine) as s:
        s.add(Client(case_number="A-3", legal_name="New"))
    engine.dispose()
    assert clients_of(agency, ANA) == ["A-1", "A-2", "A-3"]


# -- all at once --------------------------------------------------------------------------------


def test_a_case_manager_combining_temp_objects_set_role_and_time_zone_gets_only_their_rows(agency: Agency) -> None:
    agency.owner(f'GRANT TEMPORARY ON DATABASE "{agency.database}" TO PUBLIC')
    yesterday = agency.today - dt.timedelta(days=1)
    cover(agency, CARL, ANA, yesterday - dt.timedelta(days=3), yesterday)
    ana_id = agency.owner("SELECT id FROM worker WHERE login = %s", (ANA,))
    with agency.sql(ANA) as conn:
        conn.autocommit = False
        conn.execute(f"SET timezone = '{ATTACKER_ZONE}'")
        conn.execute("CREATE TEMP TABLE worker (id int, login text, full_name text, role text, "
                     "supervisor_id int, phone text, active bool)")
        conn.execute("INSERT INTO worker VALUES (%s, 'caseterm_admin', 'x', 'admin', null, null, true)", (ana_id,))
        conn.execute("INSERT INTO worker VALUES (%s, %s, 'x', 'admin', null, null, true)", (ana_id, ANA))
        conn.execute("CREATE TEMP TABLE coverage (id int, worker_id int, covered_by_id int, from_date date, "
                     "until date)")
        conn.execute("SET search_path = pg_temp, public")
        conn.execute("SET LOCAL ROLE caseterm_case_manager")
        assert clients_of(agency, ANA, conn) == ["A-1", "A-2"]
        assert conn.execute("SELECT count(*) FROM public.note").fetchone()[0] == 2
        conn.execute("INSERT INTO public.audit (at, \"user\", action, detail) VALUES (now(), %s, 'export', 'x')",
                     (ADA,))
        assert conn.execute("UPDATE public.worker SET role = 'admin'").rowcount == 0
        assert conn.execute("UPDATE public.client SET legal_name = 'y' WHERE case_number LIKE 'C-%'").rowcount == 0
        conn.commit()
    with agency.sql(ANA) as conn:
        assert "permission denied" in refused(conn, "SET ROLE caseterm_admin")
    assert agency.owner("SELECT \"user\" FROM audit WHERE detail = 'x'") == ANA
    assert agency.owner("SELECT count(*) FROM worker WHERE role = 'admin'") == 1


def test_services_give_a_clear_message_for_a_supervisor_outside_the_team(agency: Agency) -> None:
    engine = open_store(agency.url(SUE))
    with pytest.raises(BadInput, match="not in t_sue's team"), session_scope(engine) as s:
        workers.cover(s, CARL, ANA, agency.today + dt.timedelta(days=2))
    with session_scope(engine) as s:
        assert sorted(s.exec(select(Client.case_number)).all()) == ["A-1", "A-2", "B-1", "I-1"]
    engine.dispose()


# -- an existing agency database upgrades ---------------------------------------------------------


def _alembic(engine, target: str, down: bool = False) -> None:  # noqa: ANN001
    from alembic import command
    from alembic.config import Config

    from caseterm import migrations_dir

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_an_agency_database_made_at_0006_upgrades_and_team_init_repeats(pg_cluster, pg_url: str) -> None:  # noqa: ANN001
    from sqlalchemy import create_engine, text

    from caseterm.store import normalise_url

    raw = create_engine(normalise_url(pg_url))
    _alembic(raw, "0006")
    with raw.begin() as conn:  # 0006's setup, as `team init` and `worker add` made it then
        for group in workers.GROUP_ROLES.values():
            conn.execute(text(f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; EXCEPTION WHEN duplicate_object THEN END $$"))
        conn.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO caseterm_case_manager"))
        conn.execute(text("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO caseterm_case_manager"))
        conn.execute(text(f"INSERT INTO worker (login, full_name, role, active) VALUES ('{ANA}', 'Ana', "
                          f"'case_manager', true), ('{BEN}', 'Ben', 'case_manager', true)"))
    from sqlmodel import Session

    from caseterm.models import NoteDraft

    with Session(raw) as s:
        client = Client(case_number="A-1", legal_name="x", worker_id=workers.find_worker(s, ANA).id)
        s.add(client)
        s.flush()
        s.add(NoteDraft(client_id=client.id, text="draft", updated_at=dt.datetime(2026, 11, 2, 9, 0)))
        s.commit()
    _alembic(raw, "0007", down=False)
    with raw.connect() as conn:
        assert conn.execute(text("SELECT author FROM notedraft")).scalar() == ANA  # the client's worker's
    _alembic(raw, "0006", down=True)  # and back, and forward again
    _alembic(raw, "head")
    raw.dispose()
    for _ in range(2):
        result = run("--db", pg_url, "team", "init")
        assert result.returncode == 0, result.output
    for login, role in ((ANA, WorkerRole.CASE_MANAGER), (BEN, WorkerRole.CASE_MANAGER)):
        engine = open_store(pg_url)
        with session_scope(engine) as s:
            workers.ensure_login_role(s, login, role, None)
        engine.dispose()
    url = pg_cluster.url(make_url(normalise_url(pg_url)).database, user=BEN)
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM client").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM notedraft").fetchone()[0] == 0
        with pytest.raises(psycopg.Error, match="permission denied"):
            conn.execute("CREATE TEMP TABLE worker (id int)")


# -- 8. letters and the supervisor's view ---------------------------------------------------------


def test_an_agency_letter_is_signed_from_the_worker_record(agency: Agency, tmp_path) -> None:  # noqa: ANN001
    agency.owner("UPDATE worker SET phone = '503-555-0142' WHERE login = %s", (ANA,))
    out = tmp_path / "letters"
    # No settings.toml name or phone: the worker record signs it.
    result = run("--db", agency.url(ANA), "letter", "A-1", "-t", "engagement", "--missed-on", "2026-11-01",
                 "-o", str(out))
    assert result.returncode == 0, result.output
    [letter] = list(out.glob("*.txt"))
    body = letter.read_text()
    assert "Ana Reyes" in body and "503-555-0142" in body
    # A worker with no phone on file is told where it comes from.
    result = run("--db", agency.url(BEN), "letter", "B-1", "-t", "engagement", "--missed-on", "2026-11-01",
                 "-o", str(out))
    assert result.returncode == 2 and "worker 't_ben' has no phone on file" in result.output


async def test_a_supervisors_caseload_shows_whose_client_and_filters_by_worker(agency: Agency) -> None:
    from test_app_flow import screen_text, settle

    from caseterm.app import CasetermApp
    from caseterm.screens.caseload import CaseloadTable

    engine = open_store(agency.url(SUE))
    app = CasetermApp(engine, automatic_backups=False, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseloadTable)
        rows = sorted((table.get_row_at(i)[0], table.get_row_at(i)[-1]) for i in range(table.row_count))
        assert rows == [("A-1", "Ana Reyes"), ("A-2", "Ana Reyes"), ("B-1", "Ben Okafor"), ("I-1", "Ivy Stone")]
        assert "worker: all" in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert sorted(table.get_row_at(i)[0] for i in range(table.row_count)) == ["A-1", "A-2"]
        assert "worker: Ana Reyes" in screen_text(app)
        await pilot.press("u", "u", "u")  # Ben, Ivy, then everyone again
        await settle(pilot)
        assert table.row_count == 4
    engine.dispose()
    # A case manager's own caseload has no worker column.
    engine = open_store(agency.url(ANA))
    app = CasetermApp(engine, automatic_backups=False, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseloadTable)
        assert len(table.columns) == 8 and "worker:" not in screen_text(app)
    engine.dispose()
