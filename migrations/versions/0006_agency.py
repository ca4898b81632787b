"""Agency mode: workers, assignments, coverage; on PostgreSQL, row-level security.

Both engines get the tables `worker`, `assignment` (a client's history of case
managers) and `coverage` (who covers whom, from when until when), and
`client.worker_id`, the worker the client is assigned to now, and the records
the client file edits get `changed_by` and `changed_at` (an edit form's
version check says who changed the record since it was opened, and when). On SQLite (solo
mode) `worker_id` stays empty: an empty assignment means the one solo worker
(caseterm.services.workers), and there are no policies.

On PostgreSQL every table that holds client data gets row-level security keyed
on `current_user` (the login's `worker` row):

- a case manager reads and writes the clients assigned to them, or to a worker
  they cover today (`coverage`, by the server's date);
- a supervisor reads their team's clients (workers whose supervisor they are),
  may move those clients within the team, and may add `supervision` and
  `transfer` notes to them (a trigger refuses any other change to a team
  member's client);
- an admin reads and writes everything.

The database owner (who migrates and runs `caseterm team init`) is not
subject to the policies. A note's author and an audit entry's user are set by
a BEFORE INSERT trigger from `current_user` (an admin may carry an imported
author over), and a client a case manager creates is assigned to them.
`task` and `due_state` get an `owner` column (PostgreSQL only, defaulting to
`current_user`): a caseload-wide task and a done/snoozed mark belong to the
worker who made them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Tables whose rows belong to a client through `client_id` (all but the client itself).
CLIENT_CHILD_TABLES = ("appointment", "note", "notedraft", "caseplan", "assessment", "hours",
                       "release", "referral", "assignment")

#: The records edited in forms of the client file: they carry who changed them last, and when.
STAMPED_TABLES = ("appointment", "assessment", "hours", "release", "referral")

#: Every table row-level security covers.
RLS_TABLES = ("client", *CLIENT_CHILD_TABLES, "goal", "objective", "plantask", "task", "due_state",
              "audit", "worker", "coverage")

#: The functions the policies call: who the login is, and whose clients they act for and read.
FUNCTIONS = [
    """CREATE FUNCTION caseterm_me() RETURNS integer LANGUAGE sql STABLE AS $$
        SELECT id FROM worker WHERE login = current_user AND active
    $$""",
    """CREATE FUNCTION caseterm_role() RETURNS text LANGUAGE sql STABLE AS $$
        SELECT role FROM worker WHERE login = current_user AND active
    $$""",
    """CREATE FUNCTION caseterm_is_admin() RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT coalesce((SELECT role = 'admin' FROM worker WHERE login = current_user AND active), false)
    $$""",
    # The workers whose clients the login acts for today: their own, and those they cover.
    """CREATE FUNCTION caseterm_acting_for() RETURNS SETOF integer LANGUAGE sql STABLE AS $$
        SELECT id FROM worker WHERE login = current_user AND active
        UNION
        SELECT c.worker_id FROM coverage c JOIN worker w ON w.id = c.covered_by_id
         WHERE w.login = current_user AND w.active AND current_date BETWEEN c.from_date AND c.until
    $$""",
    # ... and whose clients they read: a supervisor's team as well.
    """CREATE FUNCTION caseterm_reading_for() RETURNS SETOF integer LANGUAGE sql STABLE AS $$
        SELECT caseterm_acting_for()
        UNION
        SELECT t.id FROM worker t JOIN worker s ON s.id = t.supervisor_id
         WHERE s.login = current_user AND s.active AND s.role = 'supervisor'
    $$""",
    """CREATE FUNCTION caseterm_writable(cid integer) RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT caseterm_is_admin() OR EXISTS (
            SELECT 1 FROM client WHERE id = cid AND worker_id IN (SELECT caseterm_acting_for()))
    $$""",
    """CREATE FUNCTION caseterm_readable_logins() RETURNS SETOF text LANGUAGE sql STABLE AS $$
        SELECT login FROM worker WHERE id IN (SELECT caseterm_reading_for())
    $$""",
    # A client a case manager (or supervisor) creates is theirs.
    """CREATE FUNCTION caseterm_client_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.worker_id IS NULL AND coalesce(caseterm_role(), 'admin') <> 'admin' THEN
            NEW.worker_id := caseterm_me();
        END IF;
        RETURN NEW;
    END $$""",
    # ... and its history starts there.
    """CREATE FUNCTION caseterm_client_history() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.worker_id IS NOT NULL THEN
            INSERT INTO assignment (client_id, worker_id, from_date, to_date, reason)
                VALUES (NEW.id, NEW.worker_id, current_date, NULL, 'new client');
        END IF;
        RETURN NULL;
    END $$""",
    # A supervisor may move a team member's client, nothing else about it.
    """CREATE FUNCTION caseterm_client_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF caseterm_role() = 'supervisor' AND OLD.worker_id NOT IN (SELECT caseterm_acting_for())
           AND (to_jsonb(NEW) - 'worker_id') IS DISTINCT FROM (to_jsonb(OLD) - 'worker_id') THEN
            RAISE EXCEPTION 'a supervisor may transfer a team member''s client, not change the record'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$""",
    # The author is the login (an admin importing history may keep a given author).
    """CREATE FUNCTION caseterm_note_author() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.author = '' OR coalesce(caseterm_role(), 'owner') NOT IN ('admin', 'owner') THEN
            NEW.author := current_user;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION caseterm_audit_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW."user" = '' OR coalesce(caseterm_role(), 'owner') NOT IN ('admin', 'owner') THEN
            NEW."user" := current_user;
        END IF;
        RETURN NEW;
    END $$""",
]

TRIGGERS = [
    "CREATE TRIGGER client_insert BEFORE INSERT ON client FOR EACH ROW EXECUTE FUNCTION caseterm_client_insert()",
    "CREATE TRIGGER client_history AFTER INSERT ON client FOR EACH ROW EXECUTE FUNCTION caseterm_client_history()",
    "CREATE TRIGGER client_update BEFORE UPDATE ON client FOR EACH ROW EXECUTE FUNCTION caseterm_client_update()",
    "CREATE TRIGGER note_author BEFORE INSERT ON note FOR EACH ROW EXECUTE FUNCTION caseterm_note_author()",
    "CREATE TRIGGER audit_user BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION caseterm_audit_user()",
]

ADMIN = "(SELECT caseterm_is_admin())"
ACTING = "(SELECT caseterm_acting_for())"
READING = "(SELECT caseterm_reading_for())"
IS_SUPERVISOR = "(SELECT caseterm_role() = 'supervisor')"


def _policies() -> list[str]:
    """(name, table, command, USING, WITH CHECK) as CREATE POLICY statements."""
    rows: list[tuple[str, str, str, str | None, str | None]] = [
        ("read", "client", "SELECT", f"{ADMIN} OR worker_id IN {READING}", None),
        ("insert", "client", "INSERT", None, f"{ADMIN} OR worker_id IN {ACTING}"),
        ("update", "client", "UPDATE", f"{ADMIN} OR worker_id IN {READING}", f"{ADMIN} OR worker_id IN {READING}"),
        ("delete", "client", "DELETE", f"{ADMIN} OR worker_id IN {ACTING}", None),
    ]
    for table in CLIENT_CHILD_TABLES:
        rows += [
            ("read", table, "SELECT", "client_id IN (SELECT id FROM client)", None),
            ("insert", table, "INSERT", None, "caseterm_writable(client_id)"),
            ("update", table, "UPDATE", "caseterm_writable(client_id)", "caseterm_writable(client_id)"),
            ("delete", table, "DELETE", "caseterm_writable(client_id)", None),
        ]
    # A supervisor writes supervision notes, and transfer notes when moving a client.
    rows.append(("supervision", "note", "INSERT", None,
                 f"type IN ('supervision', 'transfer') AND {IS_SUPERVISOR} AND client_id IN (SELECT id FROM client)"))
    # ... and the assignment history of the team's clients.
    rows.append(("supervisor_insert", "assignment", "INSERT", None,
                 f"{IS_SUPERVISOR} AND client_id IN (SELECT id FROM client)"))
    rows.append(("supervisor_update", "assignment", "UPDATE", f"{IS_SUPERVISOR} AND client_id IN (SELECT id FROM client)",
                 f"{IS_SUPERVISOR} AND client_id IN (SELECT id FROM client)"))
    # A case plan's parts belong to the plan's client.
    nested = {
        "goal": ("plan_id", "SELECT id FROM caseplan", "SELECT id FROM caseplan WHERE caseterm_writable(client_id)"),
        "objective": ("goal_id", "SELECT id FROM goal",
                      "SELECT g.id FROM goal g JOIN caseplan p ON p.id = g.plan_id WHERE caseterm_writable(p.client_id)"),
        "plantask": ("objective_id", "SELECT id FROM objective",
                     "SELECT o.id FROM objective o JOIN goal g ON g.id = o.goal_id JOIN caseplan p ON p.id = g.plan_id "
                     "WHERE caseterm_writable(p.client_id)"),
    }
    for table, (column, readable, writable) in nested.items():
        rows += [
            ("read", table, "SELECT", f"{column} IN ({readable})", None),
            ("insert", table, "INSERT", None, f"{column} IN ({writable})"),
            ("update", table, "UPDATE", f"{column} IN ({writable})", f"{column} IN ({writable})"),
            ("delete", table, "DELETE", f"{column} IN ({writable})", None),
        ]
    # A caseload-wide task (no client) is its owner's; a client's task is the client's.
    own_task = f"(client_id IS NULL AND (owner = current_user OR {ADMIN}))"
    rows += [
        ("read", "task", "SELECT", f"{own_task} OR client_id IN (SELECT id FROM client)", None),
        ("insert", "task", "INSERT", None, f"{own_task} OR caseterm_writable(client_id)"),
        ("update", "task", "UPDATE", f"{own_task} OR caseterm_writable(client_id)",
         f"{own_task} OR caseterm_writable(client_id)"),
        ("delete", "task", "DELETE", f"{own_task} OR caseterm_writable(client_id)", None),
    ]
    # A due item's done/snoozed/dismissed mark: the worker who acted, whoever covers or supervises them.
    readable_owner = f"{ADMIN} OR owner = current_user OR owner IN (SELECT caseterm_readable_logins())"
    acting_owner = (f"{ADMIN} OR owner = current_user OR owner IN "
                    f"(SELECT login FROM worker WHERE id IN {ACTING})")
    rows += [
        ("read", "due_state", "SELECT", readable_owner, None),
        ("insert", "due_state", "INSERT", None, acting_owner),
        ("update", "due_state", "UPDATE", acting_owner, acting_owner),
        ("delete", "due_state", "DELETE", acting_owner, None),
    ]
    # The audit trail: one's own entries; a supervisor's team's; an admin all. Anyone appends.
    rows += [
        ("read", "audit", "SELECT", f"{ADMIN} OR \"user\" = current_user OR \"user\" IN "
                                    "(SELECT caseterm_readable_logins())", None),
        ("insert", "audit", "INSERT", None, "true"),
    ]
    # Everyone reads who the workers are and who covers whom; admins manage them,
    # a supervisor arranges coverage within the team.
    team = f"{IS_SUPERVISOR} AND worker_id IN {READING}"
    rows += [
        ("read", "worker", "SELECT", "true", None),
        ("admin", "worker", "ALL", ADMIN, ADMIN),
        ("read", "coverage", "SELECT", "true", None),
        ("admin", "coverage", "ALL", ADMIN, ADMIN),
        ("supervisor", "coverage", "ALL", team, team),
    ]
    statements = []
    for name, table, command, using, check in rows:
        sql = f"CREATE POLICY caseterm_{name} ON {table} FOR {command}"
        if using is not None:
            sql += f" USING ({using})"
        if check is not None:
            sql += f" WITH CHECK ({check})"
        statements.append(sql)
    return statements


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "worker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), sa.ForeignKey("worker.id"), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_worker_login", "worker", ["login"], unique=True)
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("client.id"), nullable=False),
        sa.Column("worker_id", sa.Integer(), sa.ForeignKey("worker.id"), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assignment_client_id", "assignment", ["client_id"])
    op.create_index("ix_assignment_worker_id", "assignment", ["worker_id"])
    op.create_table(
        "coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), sa.ForeignKey("worker.id"), nullable=False),
        sa.Column("covered_by_id", sa.Integer(), sa.ForeignKey("worker.id"), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_coverage_covered_by_id", "coverage", ["covered_by_id"])
    # SQLite adds a REFERENCES column in place (no table copy: 0003's reasoning).
    if sqlite:
        op.execute("ALTER TABLE client ADD COLUMN worker_id INTEGER REFERENCES worker (id)")
    else:
        op.add_column("client", sa.Column("worker_id", sa.Integer(), sa.ForeignKey("worker.id"), nullable=True))
    op.create_index("ix_client_worker_id", "client", ["worker_id"])
    # Who last changed a record the client file edits, and when: the version check of an edit form.
    for table in STAMPED_TABLES:
        op.add_column(table, sa.Column("changed_by", sa.String(), nullable=True))
        op.add_column(table, sa.Column("changed_at", sa.DateTime(), nullable=True))
    if not postgres:
        return
    for table in ("task", "due_state"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN owner text NOT NULL DEFAULT current_user")
    for statement in FUNCTIONS + TRIGGERS + _policies():
        op.execute(statement)
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in RLS_TABLES:
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for statement in _policies():
            name, table = statement.split()[2], statement.split()[4]
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        for name, table in (("client_insert", "client"), ("client_history", "client"), ("client_update", "client"),
                            ("note_author", "note"), ("audit_user", "audit")):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in ("caseterm_audit_user()", "caseterm_note_author()", "caseterm_client_update()",
                         "caseterm_client_insert()", "caseterm_client_history()", "caseterm_readable_logins()", "caseterm_writable(integer)",
                         "caseterm_reading_for()", "caseterm_acting_for()", "caseterm_is_admin()",
                         "caseterm_role()", "caseterm_me()"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        for table in ("task", "due_state"):
            op.execute(f"ALTER TABLE {table} DROP COLUMN owner")
    for table in STAMPED_TABLES:
        if postgres:
            op.drop_column(table, "changed_at")
            op.drop_column(table, "changed_by")
        else:
            op.execute(f"ALTER TABLE {table} DROP COLUMN changed_at")
            op.execute(f"ALTER TABLE {table} DROP COLUMN changed_by")
    op.drop_index("ix_client_worker_id", table_name="client")
    if postgres:
        op.drop_column("client", "worker_id")
    else:
        # In place (SQLite 3.35+): a batch copy of `client` would trip the other tables' foreign keys.
        op.execute("ALTER TABLE client DROP COLUMN worker_id")
    op.drop_table("coverage")
    op.drop_table("assignment")
    op.drop_index("ix_worker_login", table_name="worker")
    op.drop_table("worker")
