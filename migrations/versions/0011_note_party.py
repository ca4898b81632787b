"""A collateral note names the party contacted, and the reason when no release covers it (issue 23.6).

`note.party`: who was contacted about the client (a landlord, an employer, Coordinated
Entry). `note.release_reason`: why it was shared with no current release of information
covering that party ("consent given verbally: …", "emergency: …", "other: …"). Both are
nullable: older notes, and notes of other types, have neither. On PostgreSQL the note
table's existing policies cover the new columns (row policies; table grants).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("release_reason", sa.String(length=400), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch rebuild: a rebuilt note table
    # would lose its triggers (the search words' of 0005, the due list's of 0010).
    op.drop_column("note", "release_reason")
    op.drop_column("note", "party")
