"""Agency mode against a hostile insider (issue 22): policies that hold when a login has psql.

Every worker has a PostgreSQL login, so the policies and triggers are the only
wall. This revision replaces 0006's functions, triggers and policies:

- Every function a policy or trigger calls names its tables with the schema
  and runs with `SET search_path = pg_catalog, <schema>, pg_temp`: a temp
  table called `worker` no longer shadows the real one (PostgreSQL's
  "Writing SECURITY DEFINER Functions Safely"). They are SECURITY DEFINER,
  owned by the database owner, so they read `worker` and `coverage` without
  policies of their own (and without recursion).
- Who the caller is comes from `session_user` (the login), never from
  `current_user`, which `SET ROLE` changes. A login that is not an active
  worker is refused everything (a RESTRICTIVE policy on every table).
- "Today" is the agency's date: `caseterm_today()` reads the time zone kept in
  `caseterm_setting` (set by `team init`, here the migrating session's), so a
  session's TimeZone does not move a coverage's end.
- `client.worker_id` and `assignment` change only through
  `caseterm_assign(...)`, which checks the caller's role and team and writes
  the history and the transfer note; a trigger refuses any other change of
  `worker_id`, and workers have no write privilege on `assignment`.
- Coverage: a supervisor arranges it only between workers of their own team;
  covering gives the covered worker's own clients, never theirs in turn.
- Drafts carry their author (`notedraft.author`); only the author reads and
  writes them.
- Policies compare with arrays the functions return once per statement
  (`= ANY ((SELECT f())::integer[])`, an InitPlan) and with the hashed ids of
  `caseterm_visible_clients()` / `caseterm_writable_clients()`, not a
  function called per row (benchmarks/README.md, issue 22).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Tables whose rows belong to a client through `client_id` (all but the client, assignment and drafts:
#: those have policies of their own).
CLIENT_CHILD_TABLES = ("appointment", "note", "caseplan", "assessment", "hours", "release", "referral")

#: Every table row-level security covers (0006's, plus the agency's settings).
RLS_TABLES = ("client", *CLIENT_CHILD_TABLES, "notedraft", "assignment", "goal", "objective", "plantask", "task",
              "due_state", "audit", "worker", "coverage")

#: The functions this revision makes (signatures, for DROP).
FUNCTION_SIGNATURES = (
    "caseterm_me()", "caseterm_role()", "caseterm_is_admin()", "caseterm_is_owner()", "caseterm_today()",
    "caseterm_acting_ids()", "caseterm_reading_ids()", "caseterm_team_ids()", "caseterm_acting_logins()",
    "caseterm_reading_logins()", "caseterm_visible_clients()", "caseterm_writable_clients()",
    "caseterm_assign(integer, text, text, boolean)",
    "caseterm_client_insert()", "caseterm_client_history()", "caseterm_client_update()",
    "caseterm_note_author()", "caseterm_audit_user()", "caseterm_draft_author()", "caseterm_owner_column()",
)

#: 0006's functions, dropped here (their policies go first).
OLD_FUNCTIONS = ("caseterm_audit_user()", "caseterm_note_author()", "caseterm_client_update()",
                 "caseterm_client_insert()", "caseterm_client_history()", "caseterm_readable_logins()",
                 "caseterm_writable(integer)", "caseterm_reading_for()", "caseterm_acting_for()",
                 "caseterm_is_admin()", "caseterm_role()", "caseterm_me()")

TRIGGERS = (
    ("client_insert", "client", "BEFORE INSERT", "caseterm_client_insert"),
    ("client_history", "client", "AFTER INSERT", "caseterm_client_history"),
    ("client_update", "client", "BEFORE UPDATE", "caseterm_client_update"),
    ("note_author", "note", "BEFORE INSERT", "caseterm_note_author"),
    ("audit_user", "audit", "BEFORE INSERT", "caseterm_audit_user"),
    ("draft_author", "notedraft", "BEFORE INSERT OR UPDATE", "caseterm_draft_author"),
    ("task_owner", "task", "BEFORE INSERT", "caseterm_owner_column"),
    ("due_state_owner", "due_state", "BEFORE INSERT", "caseterm_owner_column"),
)

#: Indexes on what the policies compare (PostgreSQL only).
INDEXES = (
    ("ix_task_owner", "task", "owner"),
    ("ix_due_state_owner", "due_state", "owner"),
    ("ix_audit_user", "audit", '"user"'),
    ("ix_notedraft_author", "notedraft", "author"),
    ("ix_worker_supervisor_id", "worker", "supervisor_id"),
    ("ix_coverage_worker_id", "coverage", "worker_id"),
    ("ix_client_worker_id_id", "client", "worker_id, id"),  # the visible clients' ids, index-only
)


def _schema() -> str:
    return op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()


def _plpgsql(statement: str) -> str:
    """A one-query function as PL/pgSQL (`RETURN (query)`): PL/pgSQL keeps its plans for the session,
    where a SQL function with a SET clause is planned again at every call (each policy's InitPlan
    calls these once per statement: ~1 ms each as SQL, a few microseconds as PL/pgSQL)."""
    head, body, _ = statement.split("$$")
    return f"{head.replace('LANGUAGE sql', 'LANGUAGE plpgsql')}$$ BEGIN RETURN ({body.strip()}); END $$"


def functions(s: str) -> list[str]:
    """The functions, for schema `s` (already quoted)."""
    return [_plpgsql(f) if "LANGUAGE sql" in f else f for f in _functions(s)]


def _functions(s: str) -> list[str]:
    safe = f"SECURITY DEFINER SET search_path = pg_catalog, {s}, pg_temp"
    me = f"SELECT w.id FROM {s}.worker w WHERE w.login = session_user AND w.active"
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_me() RETURNS integer LANGUAGE sql STABLE {safe} AS $$
            {me} $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_role() RETURNS text LANGUAGE sql STABLE {safe} AS $$
            SELECT w.role FROM {s}.worker w WHERE w.login = session_user AND w.active $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_is_admin() RETURNS boolean LANGUAGE sql STABLE {safe} AS $$
            SELECT coalesce((SELECT w.role = 'admin' FROM {s}.worker w
                              WHERE w.login = session_user AND w.active), false) $$""",
        # The database owner (who migrates and runs `team init`): not a worker, not subject to the policies.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_is_owner() RETURNS boolean LANGUAGE sql STABLE {safe} AS $$
            SELECT pg_catalog.pg_has_role(session_user, c.relowner, 'USAGE')
              FROM pg_catalog.pg_class c WHERE c.oid = '{s}.client'::pg_catalog.regclass $$""",
        # The agency's date, whatever the session's TimeZone.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_today() RETURNS date LANGUAGE sql STABLE {safe} AS $$
            SELECT (pg_catalog.now() AT TIME ZONE coalesce(
                (SELECT value FROM {s}.caseterm_setting WHERE key = 'time_zone'), 'UTC'))::date $$""",
        # Whose clients the login acts for today: their own, and those of the workers they cover
        # (the covered worker's own clients only: coverage is not transitive).
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_acting_ids() RETURNS integer[] LANGUAGE sql STABLE {safe} AS $$
            SELECT coalesce(pg_catalog.array_agg(DISTINCT id), '{{}}') FROM (
                {me}
                UNION ALL
                SELECT c.worker_id FROM {s}.coverage c JOIN {s}.worker w ON w.id = c.covered_by_id
                 WHERE w.login = session_user AND w.active
                   AND {s}.caseterm_today() BETWEEN c.from_date AND c.until) ids $$""",
        # A supervisor's team: the supervisor and the workers they supervise.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_team_ids() RETURNS integer[] LANGUAGE sql STABLE {safe} AS $$
            SELECT coalesce(pg_catalog.array_agg(t.id), '{{}}') FROM {s}.worker s JOIN {s}.worker t
                ON t.id = s.id OR t.supervisor_id = s.id
             WHERE s.login = session_user AND s.active AND s.role = 'supervisor' $$""",
        # ... whose clients they read: acting for, and a supervisor's team.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_reading_ids() RETURNS integer[] LANGUAGE sql STABLE {safe} AS $$
            SELECT coalesce(pg_catalog.array_agg(DISTINCT id), '{{}}') FROM (
                SELECT pg_catalog.unnest({s}.caseterm_acting_ids()) AS id
                UNION ALL SELECT pg_catalog.unnest({s}.caseterm_team_ids())) ids $$""",
        # The clients the login reads (writes): the policies of every client record compare with these.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_visible_clients() RETURNS SETOF integer LANGUAGE plpgsql
            STABLE ROWS 1000 {safe} AS $$
        BEGIN
            IF {s}.caseterm_is_admin() THEN
                RETURN QUERY SELECT c.id FROM {s}.client c;
            ELSE
                RETURN QUERY SELECT c.id FROM {s}.client c WHERE c.worker_id = ANY ({s}.caseterm_reading_ids());
            END IF;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_writable_clients() RETURNS SETOF integer LANGUAGE plpgsql
            STABLE ROWS 1000 {safe} AS $$
        BEGIN
            IF {s}.caseterm_is_admin() THEN
                RETURN QUERY SELECT c.id FROM {s}.client c;
            ELSE
                RETURN QUERY SELECT c.id FROM {s}.client c WHERE c.worker_id = ANY ({s}.caseterm_acting_ids());
            END IF;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_acting_logins() RETURNS text[] LANGUAGE sql STABLE {safe} AS $$
            SELECT coalesce(pg_catalog.array_agg(w.login), '{{}}') FROM {s}.worker w
             WHERE w.id = ANY ({s}.caseterm_acting_ids()) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_reading_logins() RETURNS text[] LANGUAGE sql STABLE {safe} AS $$
            SELECT coalesce(pg_catalog.array_agg(w.login), '{{}}') FROM {s}.worker w
             WHERE w.id = ANY ({s}.caseterm_reading_ids()) $$""",
        # The one way a client changes hands: checks, history, transfer note, in the caller's transaction.
        # Returns the previous worker's login ('' for none), NULL when the client was already there.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_assign(p_client integer, p_to text, p_reason text,
                                                          p_note boolean DEFAULT true)
            RETURNS text LANGUAGE plpgsql VOLATILE {safe} AS $$
        DECLARE
            v_role text := {s}.caseterm_role();
            v_me integer := {s}.caseterm_me();
            v_target {s}.worker;
            v_before {s}.worker;
            v_held integer;
            v_today date := {s}.caseterm_today();
            v_now timestamp;
            v_text text;
        BEGIN
            IF v_role IS NULL AND NOT {s}.caseterm_is_owner() THEN
                RAISE EXCEPTION 'assign: % is not an active worker', session_user USING ERRCODE = '42501';
            END IF;
            IF v_role = 'case_manager' THEN
                RAISE EXCEPTION 'assign: % is a case manager; a supervisor or an admin transfers clients',
                    session_user USING ERRCODE = '42501';
            END IF;
            SELECT * INTO v_target FROM {s}.worker WHERE login = p_to AND active;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'assign: % is not an active worker', p_to USING ERRCODE = '22023';
            END IF;
            SELECT worker_id INTO v_held FROM {s}.client WHERE id = p_client FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'assign: no such client' USING ERRCODE = '22023';
            END IF;
            IF v_role = 'supervisor' AND NOT coalesce(v_held = ANY ({s}.caseterm_team_ids())
                                                       AND v_target.id = ANY ({s}.caseterm_team_ids()), false) THEN
                RAISE EXCEPTION 'assign: outside %''s team; an admin transfers clients between teams', session_user
                    USING ERRCODE = '42501';
            END IF;
            IF v_held IS NOT DISTINCT FROM v_target.id THEN
                RETURN NULL;
            END IF;
            SELECT * INTO v_before FROM {s}.worker WHERE id = v_held;
            UPDATE {s}.assignment SET to_date = v_today WHERE client_id = p_client AND to_date IS NULL;
            IF NOT FOUND AND v_held IS NOT NULL THEN
                INSERT INTO {s}.assignment (client_id, worker_id, from_date, to_date, reason)
                    VALUES (p_client, v_held, v_today, v_today, 'assigned before the history began');
            END IF;
            UPDATE {s}.client SET worker_id = v_target.id WHERE id = p_client;
            INSERT INTO {s}.assignment (client_id, worker_id, from_date, to_date, reason)
                VALUES (p_client, v_target.id, v_today, NULL, coalesce(p_reason, ''));
            IF p_note OR v_held IS NOT NULL THEN
                v_text := CASE WHEN v_held IS NOT NULL
                    THEN 'Transferred from ' || coalesce(nullif(v_before.full_name, ''), v_before.login)
                         || ' to ' || coalesce(nullif(v_target.full_name, ''), v_target.login)
                    ELSE 'Assigned to ' || coalesce(nullif(v_target.full_name, ''), v_target.login) END
                    || CASE WHEN coalesce(p_reason, '') <> '' THEN '. Reason: ' || p_reason ELSE '.' END;
                v_now := pg_catalog.date_trunc('second', pg_catalog.now() AT TIME ZONE coalesce(
                    (SELECT value FROM {s}.caseterm_setting WHERE key = 'time_zone'), 'UTC'));
                INSERT INTO {s}.note (uid, client_id, contact_at, written_at, type, author, text, late_entry)
                    VALUES (pg_catalog.gen_random_uuid()::text, p_client, v_now, v_now, 'transfer', '', v_text,
                            false);
            END IF;
            RETURN coalesce(v_before.login, '');
        END $$""",
        # A client a case manager (or supervisor) creates is theirs.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_client_insert() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
        DECLARE v_role text := {s}.caseterm_role();
        BEGIN
            IF v_role IS NULL AND NOT {s}.caseterm_is_owner() THEN
                RAISE EXCEPTION '% is not an active worker', session_user USING ERRCODE = '42501';
            END IF;
            IF NEW.worker_id IS NULL AND v_role IS NOT NULL AND v_role <> 'admin' THEN
                NEW.worker_id := {s}.caseterm_me();
            END IF;
            RETURN NEW;
        END $$""",
        # ... and its history starts there (written as the owner: workers cannot write the history).
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_client_history() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
        BEGIN
            IF NEW.worker_id IS NOT NULL THEN
                INSERT INTO {s}.assignment (client_id, worker_id, from_date, to_date, reason)
                    VALUES (NEW.id, NEW.worker_id, {s}.caseterm_today(), NULL, 'new client');
            END IF;
            RETURN NULL;
        END $$""",
        # `worker_id` changes only inside caseterm_assign (or by the owner): the role in effect must be
        # the owner's, which only caseterm_assign (SECURITY DEFINER) gives a worker. Not SECURITY DEFINER
        # itself: it reads the caller's current_user.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_client_update() RETURNS trigger LANGUAGE plpgsql
            SET search_path = pg_catalog, {s}, pg_temp AS $$
        BEGIN
            IF NEW.worker_id IS DISTINCT FROM OLD.worker_id AND NOT pg_catalog.pg_has_role(
                    current_user, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
                RAISE EXCEPTION 'a client changes hands only through assign (caseterm assign)'
                    USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END $$""",
        # The author is the login; the owner (and an admin importing history) may keep a given author.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_note_author() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
        DECLARE v_role text := {s}.caseterm_role();
        BEGIN
            IF v_role IS NULL THEN
                IF NOT {s}.caseterm_is_owner() THEN
                    RAISE EXCEPTION '% is not an active worker', session_user USING ERRCODE = '42501';
                END IF;
                IF NEW.author = '' THEN NEW.author := session_user; END IF;
            ELSIF NEW.author = '' OR v_role <> 'admin' THEN
                NEW.author := session_user;
            END IF;
            RETURN NEW;
        END $$""",
        # An audit entry is the login's, whoever it names (the owner's import keeps the file's user).
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_audit_user() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
        BEGIN
            IF {s}.caseterm_me() IS NULL THEN
                IF NOT {s}.caseterm_is_owner() THEN
                    RAISE EXCEPTION '% is not an active worker', session_user USING ERRCODE = '42501';
                END IF;
                IF NEW."user" = '' THEN NEW."user" := session_user; END IF;
            ELSE
                NEW."user" := session_user;
            END IF;
            RETURN NEW;
        END $$""",
        # A draft is its author's.
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_draft_author() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
        BEGIN
            IF {s}.caseterm_me() IS NOT NULL OR NEW.author = '' THEN
                NEW.author := session_user;
            END IF;
            RETURN NEW;
        END $$""",
        # A caseload-wide task or a due mark is the login's (an admin may give one to a worker).
        f"""CREATE OR REPLACE FUNCTION {s}.caseterm_owner_column() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
        BEGIN
            IF NEW.owner IS NULL OR NEW.owner = '' OR ({s}.caseterm_me() IS NOT NULL AND NOT {s}.caseterm_is_admin())
            THEN
                NEW.owner := session_user;
            END IF;
            RETURN NEW;
        END $$""",
    ]


def policies(s: str) -> list[str]:
    """CREATE POLICY statements (schema `s`, quoted)."""
    admin = f"(SELECT {s}.caseterm_is_admin())"
    # A scalar subquery cast to the array (an InitPlan: evaluated once per statement); `= ANY ((SELECT f()))`
    # alone is read as ANY (subquery), comparing the integer with the whole array.
    acting = f"(SELECT {s}.caseterm_acting_ids())::integer[]"
    reading = f"(SELECT {s}.caseterm_reading_ids())::integer[]"
    supervisor = f"(SELECT {s}.caseterm_role() = 'supervisor')"
    # A client's records: the ids of the clients the login reads / writes, from a function run once per
    # statement and hashed (`IN (SELECT f())`, uncorrelated): the function reads `client` as the owner
    # by the index on (worker_id, id), where `client_id IN (SELECT id FROM client)` scanned every client
    # through its policy, and a correlated EXISTS probed once per row (600 ms to count 25,000 notes).
    def writable(column: str) -> str:
        return f"{column} IN (SELECT {s}.caseterm_writable_clients())"

    def readable(column: str) -> str:
        return f"{column} IN (SELECT {s}.caseterm_visible_clients())"

    rows: list[tuple[str, str, str, str | None, str | None]] = [
        ("read", "client", "SELECT", f"{admin} OR worker_id = ANY ({reading})", None),
        ("insert", "client", "INSERT", None, f"{admin} OR worker_id = ANY ({acting})"),
        ("update", "client", "UPDATE", f"{admin} OR worker_id = ANY ({acting})",
         f"{admin} OR worker_id = ANY ({acting})"),
        ("delete", "client", "DELETE", f"{admin} OR worker_id = ANY ({acting})", None),
    ]
    for table in CLIENT_CHILD_TABLES:
        own = f'"{table}".client_id'
        rows += [
            ("read", table, "SELECT", readable(own), None),
            ("insert", table, "INSERT", None, writable(own)),
            ("update", table, "UPDATE", writable(own), writable(own)),
            ("delete", table, "DELETE", writable(own), None),
        ]
    # A supervisor writes supervision notes on the team's clients.
    rows.append(("supervision", "note", "INSERT", None,
                 f"type = 'supervision' AND {supervisor} AND {readable('note.client_id')}"))
    # The assignment history: read with the client; written only by caseterm_assign and the history trigger.
    rows.append(("read", "assignment", "SELECT", readable("assignment.client_id"), None))
    # A draft: its author's, on a client they act for.
    mine = "author = session_user"
    draft = "notedraft.client_id"
    rows += [
        ("read", "notedraft", "SELECT", f"{mine} AND {readable(draft)}", None),
        ("insert", "notedraft", "INSERT", None, f"{mine} AND {writable(draft)}"),
        ("update", "notedraft", "UPDATE", f"{mine} AND {writable(draft)}", f"{mine} AND {writable(draft)}"),
        ("delete", "notedraft", "DELETE", f"{mine}", None),
    ]
    # A case plan's parts belong to the plan's client (read: the parent's own policy decides).
    plan_w = writable("p.client_id")
    nested = {
        "goal": (f"plan_id IN (SELECT p.id FROM {s}.caseplan p)",
                 f"plan_id IN (SELECT p.id FROM {s}.caseplan p WHERE {plan_w})"),
        "objective": (f"goal_id IN (SELECT g.id FROM {s}.goal g)",
                      f"goal_id IN (SELECT g.id FROM {s}.goal g JOIN {s}.caseplan p ON p.id = g.plan_id "
                      f"WHERE {plan_w})"),
        "plantask": (f"objective_id IN (SELECT o.id FROM {s}.objective o)",
                     f"objective_id IN (SELECT o.id FROM {s}.objective o JOIN {s}.goal g ON g.id = o.goal_id "
                     f"JOIN {s}.caseplan p ON p.id = g.plan_id WHERE {plan_w})"),
    }
    for table, (can_read, can_write) in nested.items():
        rows += [
            ("read", table, "SELECT", can_read, None),
            ("insert", table, "INSERT", None, can_write),
            ("update", table, "UPDATE", can_write, can_write),
            ("delete", table, "DELETE", can_write, None),
        ]
    # A caseload-wide task (no client) is its owner's; a client's task is the client's.
    own_task = f"(client_id IS NULL AND (owner = session_user OR {admin}))"
    task_w = f"{own_task} OR {writable('task.client_id')}"
    rows += [
        ("read", "task", "SELECT", f"{own_task} OR {readable('task.client_id')}", None),
        ("insert", "task", "INSERT", None, task_w),
        ("update", "task", "UPDATE", task_w, task_w),
        ("delete", "task", "DELETE", task_w, None),
    ]
    # A due item's mark: the worker who acted, whoever covers or supervises them.
    readable_owner = f"{admin} OR owner = session_user OR owner = ANY ((SELECT {s}.caseterm_reading_logins())::text[])"
    acting_owner = f"{admin} OR owner = session_user OR owner = ANY ((SELECT {s}.caseterm_acting_logins())::text[])"
    rows += [
        ("read", "due_state", "SELECT", readable_owner, None),
        ("insert", "due_state", "INSERT", None, acting_owner),
        ("update", "due_state", "UPDATE", acting_owner, acting_owner),
        ("delete", "due_state", "DELETE", acting_owner, None),
    ]
    # The audit trail: one's own entries; a supervisor's team's; an admin all. One appends only as oneself.
    rows += [
        ("read", "audit", "SELECT", f"{admin} OR \"user\" = session_user OR \"user\" = ANY "
                                    f"((SELECT {s}.caseterm_reading_logins())::text[])", None),
        ("insert", "audit", "INSERT", None, "\"user\" = session_user"),
    ]
    # Workers read who the workers are and who covers whom; admins manage them; a supervisor
    # arranges coverage between workers of their own team (both sides).
    team = (f"{supervisor} AND worker_id = ANY ((SELECT {s}.caseterm_team_ids())::integer[]) "
            f"AND covered_by_id = ANY ((SELECT {s}.caseterm_team_ids())::integer[])")
    rows += [
        ("read", "worker", "SELECT", "true", None),
        ("admin", "worker", "ALL", admin, admin),
        ("read", "coverage", "SELECT", "true", None),
        ("admin", "coverage", "ALL", admin, admin),
        ("supervisor", "coverage", "ALL", team, team),
    ]
    statements = [
        # Restrictive (ANDed with the rest): a transfer note comes from caseterm_assign (run as the
        # owner, not subject to policies); an admin may import one.
        f"CREATE POLICY caseterm_no_transfer ON {s}.note AS RESTRICTIVE FOR INSERT "
        f"WITH CHECK (type <> 'transfer' OR {admin})",
    ]
    for name, table, command, using, check in rows:
        sql = f"CREATE POLICY caseterm_{name} ON {s}.{table} FOR {command}"
        if using is not None:
            sql += f" USING ({using})"
        if check is not None:
            sql += f" WITH CHECK ({check})"
        statements.append(sql)
    # A login that is not an active worker is refused everything (the owner is not subject to policies).
    for table in RLS_TABLES:
        statements.append(f"CREATE POLICY caseterm_active ON {s}.{table} AS RESTRICTIVE FOR ALL "
                          f"USING ((SELECT {s}.caseterm_me()) IS NOT NULL) "
                          f"WITH CHECK ((SELECT {s}.caseterm_me()) IS NOT NULL)")
    return statements


def _drop_policies(s: str) -> None:
    bind = op.get_bind()
    rows = bind.exec_driver_sql(
        "SELECT quote_ident(policyname), quote_ident(tablename) FROM pg_policies "
        "WHERE policyname LIKE 'caseterm%%' AND schemaname = current_schema()").all()
    for name, table in rows:
        op.execute(f"DROP POLICY {name} ON {s}.{table}")


def _drop_triggers(s: str) -> None:
    for name, table, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {s}.{table}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    s = _schema()
    _drop_policies(s)
    _drop_triggers(s)
    for function in OLD_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {s}.{function}")
    op.execute(f"CREATE TABLE {s}.caseterm_setting (key text PRIMARY KEY, value text NOT NULL)")
    # The agency's time zone: the migrating session's (the server's unless it set one); `team init` sets it.
    op.execute(f"INSERT INTO {s}.caseterm_setting VALUES ('time_zone', current_setting('TimeZone'))")
    op.execute(f"ALTER TABLE {s}.notedraft ADD COLUMN author text NOT NULL DEFAULT ''")
    # An existing draft is its client's worker's (the one who could write it until now).
    op.execute(f"UPDATE {s}.notedraft d SET author = w.login FROM {s}.client c JOIN {s}.worker w "
               f"ON w.id = c.worker_id WHERE c.id = d.client_id")
    for table in ("task", "due_state"):
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN owner SET DEFAULT session_user")
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {s}.{table} ({column})")
    for statement in functions(s):
        op.execute(statement)
    # 0001's append-only trigger function names no table, but gets the same pinned path.
    op.execute(f"ALTER FUNCTION {s}.caseterm_refuse() SET search_path = pg_catalog, {s}, pg_temp")
    for name, table, when, function in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} {when} ON {s}.{table} FOR EACH ROW EXECUTE FUNCTION {s}.{function}()")
    for statement in policies(s):
        op.execute(statement)
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
    # The agency's settings: read only through caseterm_today() (SECURITY DEFINER); `team init` sets them.
    op.execute(f"REVOKE ALL ON {s}.caseterm_setting FROM PUBLIC")


def _revision_0006():  # noqa: ANN202 - the module
    spec = importlib.util.spec_from_file_location("caseterm_rev_0006", Path(__file__).with_name("0006_agency.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    s = _schema()
    _drop_policies(s)
    _drop_triggers(s)
    for function in FUNCTION_SIGNATURES:
        op.execute(f"DROP FUNCTION IF EXISTS {s}.{function}")
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {s}.{name}")
    for table in ("task", "due_state"):
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN owner SET DEFAULT current_user")
    op.execute(f"ALTER TABLE {s}.notedraft DROP COLUMN author")
    op.execute(f"DROP TABLE {s}.caseterm_setting")
    op.execute(f"ALTER FUNCTION {s}.caseterm_refuse() RESET search_path")
    old = _revision_0006()
    for statement in old.FUNCTIONS + old.TRIGGERS + old._policies():
        op.execute(statement)
