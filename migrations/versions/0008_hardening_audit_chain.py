"""The audit trail as a hash chain; imported history kept apart.

Each live entry stores `hash` = sha256(previous live entry's hash, newline, its own
fields in a canonical form: caseterm.services.audit.canonical). `caseterm check`
walks the chain and names the first entry whose link does not hold: an entry edited,
deleted or inserted with the append-only triggers dropped breaks the link after it.
Entries brought in by `caseterm import` are `imported`: they carry any date and any
user the file gave, so they are kept outside the chain.

Entries already in the database are chained here, in id order.

On SQLite the app works the hash out as it appends (one writer at a time). On
PostgreSQL the user is set by the server (0006's `audit_user`), so a trigger that
fires after it (`audit_zchain`) works the hash out, under a transaction-level
advisory lock and with an id taken under that lock, so two logins never chain to
the same entry and id order is chain order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The chain on PostgreSQL: the same canonical text as services.audit.canonical.
POSTGRESQL_FUNCTION = """CREATE FUNCTION caseterm_audit_chain() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp AS $$
DECLARE
    previous text;
    stamp text;
BEGIN
    IF NEW.imported THEN
        NEW.hash := NULL;
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(7007001);
    NEW.id := nextval(pg_get_serial_sequence('{schema}.audit', 'id'));
    SELECT a.hash INTO previous FROM {schema}.audit a WHERE NOT a.imported ORDER BY a.id DESC LIMIT 1;
    stamp := to_char(NEW.at, 'YYYY-MM-DD HH24:MI:SS');
    NEW.hash := encode(sha256(convert_to(
        coalesce(previous, '') || E'\\n' ||
        length(stamp) || ':' || stamp || '|' ||
        length(NEW."user") || ':' || NEW."user" || '|' ||
        length(NEW.action) || ':' || NEW.action || '|' ||
        CASE WHEN NEW.case_number IS NULL THEN '-' ELSE length(NEW.case_number) || ':' || NEW.case_number END || '|' ||
        length(NEW.detail) || ':' || NEW.detail, 'UTF8')), 'hex');
    RETURN NEW;
END $$"""


def _chain_existing(bind: sa.engine.Connection) -> None:
    from caseterm.services.audit import chain_hash

    rows = bind.execute(sa.text('SELECT id, at, "user", action, case_number, detail FROM audit ORDER BY id')).all()
    previous = None
    for row_id, at, user, action, case_number, detail in rows:
        if isinstance(at, str):
            import datetime as dt

            at = dt.datetime.fromisoformat(at)
        previous = chain_hash(previous, at, user, action, case_number, detail)
        bind.execute(sa.text("UPDATE audit SET hash = :h WHERE id = :i"), {"h": previous, "i": row_id})


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("ALTER TABLE audit ADD COLUMN hash VARCHAR(64)")
        op.execute("ALTER TABLE audit ADD COLUMN imported BOOLEAN NOT NULL DEFAULT 0")
        op.execute("DROP TRIGGER audit_no_update")
        _chain_existing(bind)
        op.execute("""CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit trail is append-only');
    END""")
        return
    op.add_column("audit", sa.Column("hash", sa.String(length=64), nullable=True))
    op.add_column("audit", sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    _chain_existing(bind)
    op.execute("ALTER TABLE audit ENABLE TRIGGER audit_no_update")
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    op.execute(POSTGRESQL_FUNCTION.format(schema=f'"{schema}"'))
    op.execute("CREATE TRIGGER audit_zchain BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION caseterm_audit_chain()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE audit DROP COLUMN imported")
        op.execute("ALTER TABLE audit DROP COLUMN hash")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_zchain ON audit")
    op.execute("DROP FUNCTION IF EXISTS caseterm_audit_chain()")
    op.drop_column("audit", "imported")
    op.drop_column("audit", "hash")
