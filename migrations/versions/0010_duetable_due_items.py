"""The due list, stored (issue 25): computed items kept per client, rule and subject.

- `due_item`: one row per due item of a client's per-client rules (`services.due_table`).
- `due_client`: for which day and policy fingerprint a client's rows were computed;
  a client whose stamp is not today's (or not this policy's) is recomputed on the next read.
- `due_stale`: clients whose records changed since their rows were stored. Triggers on
  every table the due snapshot reads write it, so any writer (the app, the CLI, an
  import's batched writes, a program of its own) leaves a mark in its own transaction;
  caseterm rebuilds the marked clients before that transaction commits, and a reader
  rebuilds any mark left behind. Drafts are not read here: they are their author's
  (agency mode), so the draft rule runs when the list is read.

Agency mode: the rows follow their client (`caseterm_visible_clients()`); any login that
reads a client may rebuild its rows (they are derived from what that login reads: a
supervisor's supervision note rebuilds the client's list in the supervisor's transaction),
and a login that is not an active worker is refused everything, as on every other table.
The trigger function is SECURITY DEFINER, so a mark is written whoever writes the record.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: Tables whose rows belong to a client through `client_id`, read by the due snapshot.
CLIENT_TABLES = ("appointment", "note", "hours", "release", "referral", "assessment", "caseplan", "task",
                 "hmis_enrollment", "hmis_client")
NEW_TABLES = ("due_item", "due_client", "due_stale")
GROUPS = ("caseterm_case_manager", "caseterm_supervisor", "caseterm_admin")
MARK = "INSERT OR IGNORE INTO due_stale (client_id) SELECT {0} WHERE {0} IS NOT NULL;"


def _sqlite_triggers() -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER) for SQLite."""
    out = []
    for table in CLIENT_TABLES:
        bodies = {"INSERT": MARK.format("NEW.client_id"), "DELETE": MARK.format("OLD.client_id"),
                  "UPDATE": MARK.format("NEW.client_id") + " " + MARK.format("OLD.client_id")}
        for when, body in bodies.items():
            name = f"due_stale_{table}_{when.lower()}"
            out.append((name, f'CREATE TRIGGER {name} AFTER {when} ON "{table}" BEGIN {body} END'))
    out.append(("due_stale_client_insert", f"CREATE TRIGGER due_stale_client_insert AFTER INSERT ON client BEGIN "
                                           f"{MARK.format('NEW.id')} END"))
    out.append(("due_stale_client_update", f"CREATE TRIGGER due_stale_client_update AFTER UPDATE ON client BEGIN "
                                           f"{MARK.format('NEW.id')} END"))
    out.append(("due_stale_client_delete", "CREATE TRIGGER due_stale_client_delete AFTER DELETE ON client BEGIN "
                                           "DELETE FROM due_item WHERE client_id = OLD.id; "
                                           "DELETE FROM due_client WHERE client_id = OLD.id; "
                                           "DELETE FROM due_stale WHERE client_id = OLD.id; END"))
    by_enrollment = "INSERT OR IGNORE INTO due_stale (client_id) SELECT client_id FROM hmis_enrollment WHERE id = {};"
    for when, body in {"INSERT": by_enrollment.format("NEW.enrollment_id"),
                       "DELETE": by_enrollment.format("OLD.enrollment_id"),
                       "UPDATE": by_enrollment.format("NEW.enrollment_id") + " "
                       + by_enrollment.format("OLD.enrollment_id")}.items():
        name = f"due_stale_hmis_collection_{when.lower()}"
        out.append((name, f"CREATE TRIGGER {name} AFTER {when} ON hmis_collection BEGIN {body} END"))
    out.append(("due_stale_hmis_project_update",
                "CREATE TRIGGER due_stale_hmis_project_update AFTER UPDATE ON hmis_project BEGIN "
                "INSERT OR IGNORE INTO due_stale (client_id) SELECT client_id FROM hmis_enrollment "
                "WHERE project_id = NEW.id; END"))
    return out


def _pg_function(s: str) -> str:
    safe = f"SECURITY DEFINER SET search_path = pg_catalog, {s}, pg_temp"
    mark = f"INSERT INTO {s}.due_stale (client_id) VALUES ({{}}) ON CONFLICT DO NOTHING;"
    by_enrollment = (f"INSERT INTO {s}.due_stale (client_id) SELECT client_id FROM {s}.hmis_enrollment "
                     f"WHERE id = {{}} ON CONFLICT DO NOTHING;")
    return f"""CREATE OR REPLACE FUNCTION {s}.caseterm_due_stale() RETURNS trigger LANGUAGE plpgsql {safe} AS $$
    BEGIN
        IF TG_TABLE_NAME = 'client' THEN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM {s}.due_item WHERE client_id = OLD.id;
                DELETE FROM {s}.due_client WHERE client_id = OLD.id;
                DELETE FROM {s}.due_stale WHERE client_id = OLD.id;
            ELSE
                {mark.format('NEW.id')}
            END IF;
        ELSIF TG_TABLE_NAME = 'hmis_collection' THEN
            IF TG_OP <> 'INSERT' THEN {by_enrollment.format('OLD.enrollment_id')} END IF;
            IF TG_OP <> 'DELETE' THEN {by_enrollment.format('NEW.enrollment_id')} END IF;
        ELSIF TG_TABLE_NAME = 'hmis_project' THEN
            INSERT INTO {s}.due_stale (client_id) SELECT client_id FROM {s}.hmis_enrollment
                WHERE project_id = NEW.id ON CONFLICT DO NOTHING;
        ELSE
            IF TG_OP <> 'INSERT' AND OLD.client_id IS NOT NULL THEN {mark.format('OLD.client_id')} END IF;
            IF TG_OP <> 'DELETE' AND NEW.client_id IS NOT NULL THEN {mark.format('NEW.client_id')} END IF;
        END IF;
        RETURN NULL;
    END $$"""


def _pg_triggers(s: str) -> list[tuple[str, str, str]]:
    """(table, when) of the PostgreSQL triggers (all named due_stale)."""
    rows = [(table, "AFTER INSERT OR UPDATE OR DELETE") for table in (*CLIENT_TABLES, "client", "hmis_collection")]
    rows.append(("hmis_project", "AFTER UPDATE"))
    return [(table, when, f"CREATE TRIGGER due_stale {when} ON {s}.{table} FOR EACH ROW "
                          f"EXECUTE FUNCTION {s}.caseterm_due_stale()") for table, when in rows]


def _policies(s: str) -> list[str]:
    visible = f"client_id IN (SELECT {s}.caseterm_visible_clients())"
    out = []
    for table in NEW_TABLES:
        out += [
            f"CREATE POLICY caseterm_read ON {s}.{table} FOR SELECT USING ({visible})",
            f"CREATE POLICY caseterm_insert ON {s}.{table} FOR INSERT WITH CHECK ({visible})",
            f"CREATE POLICY caseterm_update ON {s}.{table} FOR UPDATE USING ({visible}) WITH CHECK ({visible})",
            f"CREATE POLICY caseterm_delete ON {s}.{table} FOR DELETE USING ({visible})",
            f"CREATE POLICY caseterm_active ON {s}.{table} AS RESTRICTIVE FOR ALL "
            f"USING ((SELECT {s}.caseterm_me()) IS NOT NULL) WITH CHECK ((SELECT {s}.caseterm_me()) IS NOT NULL)",
        ]
    return out


def upgrade() -> None:
    op.create_table(
        "due_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("why", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("grp", sa.String(length=40), nullable=False),
        sa.Column("occurrence", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_due_item_client_id", "due_item", ["client_id"])
    op.create_table(
        "due_client",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "due_stale",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        s = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
        op.execute(_pg_function(s))
        for _table, _when, statement in _pg_triggers(s):
            op.execute(statement)
        for statement in _policies(s):
            op.execute(statement)
        for table in NEW_TABLES:
            op.execute(f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
        # An agency set up before this revision: its worker groups get the tables (`team init` grants the rest).
        for group in GROUPS:
            if bind.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{group}'").first():
                op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.due_item, {s}.due_client, {s}.due_stale "
                           f"TO {group}")
                op.execute(f"GRANT USAGE ON SEQUENCE {s}.due_item_id_seq TO {group}")
    else:
        for _name, statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        s = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
        for table, _when, _statement in _pg_triggers(s):
            op.execute(f"DROP TRIGGER IF EXISTS due_stale ON {s}.{table}")
        op.execute(f"DROP FUNCTION IF EXISTS {s}.caseterm_due_stale()")
    else:
        for name, _statement in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
