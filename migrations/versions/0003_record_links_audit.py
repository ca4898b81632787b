"""Notes linked to their appointment and amendment reason; stable appointment
uids; reminder-call outcome; drafts per appointment; the audit table; and the
append-only rule closed against REPLACE.

SQLite's REPLACE (and INSERT OR REPLACE) deletes the conflicting row without
firing DELETE triggers, so `note_no_delete` alone let a note be overwritten.
A BEFORE INSERT trigger that refuses a row whose id or uid is already taken
closes that path (it also fires before an UPSERT's DO UPDATE). The audit
table gets the same three triggers as notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER note_no_replace BEFORE INSERT ON note
        WHEN EXISTS (SELECT 1 FROM note WHERE id = NEW.id OR uid = NEW.uid) BEGIN
        SELECT RAISE(ABORT, 'notes are never overwritten: add an amendment instead');
    END""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit trail is append-only');
    END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit trail is append-only');
    END""",
    """CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
        WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id) BEGIN
        SELECT RAISE(ABORT, 'the audit trail is append-only');
    END""",
]

#: The audit trail on PostgreSQL: caseterm_refuse() comes from 0001.
POSTGRESQL_TRIGGERS = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW
        EXECUTE FUNCTION caseterm_refuse('the audit trail is append-only')""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW
        EXECUTE FUNCTION caseterm_refuse('the audit trail is append-only')""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT
        EXECUTE FUNCTION caseterm_refuse('the audit trail is append-only')""",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("appointment", sa.Column("uid", sa.String(length=36), nullable=True))
    op.add_column("appointment", sa.Column("reminder_outcome", sa.String(length=32), nullable=True))
    appointments = sa.table("appointment", sa.column("id", sa.Integer), sa.column("uid", sa.String))
    bind = op.get_bind()
    for (row_id,) in bind.execute(sa.select(appointments.c.id)).all():
        bind.execute(appointments.update().where(appointments.c.id == row_id).values(uid=str(uuid.uuid4())))
    op.create_index("ix_appointment_uid", "appointment", ["uid"], unique=True)

    # SQLite adds a REFERENCES column in place (no table copy, so the note
    # triggers and the FTS index stay as they are).
    op.add_column("note", sa.Column("amend_reason", sa.String(), nullable=True))
    for table in ("note", "notedraft"):
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN appointment_id INTEGER REFERENCES appointment (id)")
        else:
            op.add_column(table, sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointment.id"), nullable=True))
    op.create_index("ix_note_appointment_id", "note", ["appointment_id"])

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_action", "audit", ["action"])
    op.create_index("ix_audit_case_number", "audit", ["case_number"])
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif op.get_bind().dialect.name == "postgresql":
        # PostgreSQL has no REPLACE; an upsert's DO UPDATE fires the UPDATE trigger.
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("note_no_replace", "audit_no_update", "audit_no_delete", "audit_no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif op.get_bind().dialect.name == "postgresql":
        for name in ("audit_no_update", "audit_no_delete", "audit_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit")
    op.drop_table("audit")
    op.drop_index("ix_note_appointment_id", table_name="note")
    with op.batch_alter_table("notedraft") as batch:
        batch.drop_column("appointment_id")
    op.drop_index("ix_appointment_uid", table_name="appointment")
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("reminder_outcome")
        batch.drop_column("uid")
