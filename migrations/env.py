"""Alembic environment: runs on the connection caseterm's store hands it."""

from alembic import context
from sqlmodel import SQLModel

import caseterm.hmis.models  # noqa: F401 - the HUD HMIS tables (caseterm/hmis/models.py), and through it
import caseterm.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from caseterm.store import make_engine, resolve_url

        engine = make_engine(resolve_url(None))
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("caseterm migrations run online only")
run_migrations_online()
