"""A collateral note names the party contacted, and the reason when no release covers it (issue 23.6).

`note.party`: who was contacted about the client (a landlord, an employer, Coordinated
Entry). `note.release_reason`: why it was shared with no current release of information
covering that party ("consent given verbally: …", "emergency: …", "other: …"). Both are
nullable: older notes, and notes of other types, have neither. On PostgreSQL the note
table's existing policies cover the new columns (row policies; table grants).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("release_reason", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_column("release_reason")
        batch_op.drop_column("party")
