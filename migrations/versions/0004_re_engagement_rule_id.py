"""The re-engagement stage has its own rule id: move stored decisions.

Until now "Begin re-engagement" was an item of rule `engagement` whose
occurrence starts with `reengage-`; it is now rule `re-engagement` with the
same occurrence. A snooze, dismissal or done mark stored under the old key
(`engagement|CASE|reengage-DATE`) moves to the new one, so nothing the user
decided comes back. Data only; no schema change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD, NEW = "engagement|", "re-engagement|"


def _move(old: str, new: str) -> None:
    op.execute(
        sa.text(
            "UPDATE due_state SET item_key = :new || substr(item_key, :cut)"
            " WHERE item_key LIKE :pattern AND item_key LIKE :reengage"
        ).bindparams(new=new, cut=len(old) + 1, pattern=old + "%", reengage="%|reengage-%")
    )


def upgrade() -> None:
    _move(OLD, NEW)


def downgrade() -> None:
    _move(NEW, OLD)
