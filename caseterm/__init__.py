"""caseterm: a keyboard-first terminal app for field case managers."""

__version__ = "0.1.0"


def migrations_dir():  # -> pathlib.Path
    """Where the Alembic scripts are, in a source checkout and in an installed wheel."""
    from importlib.resources import files
    from pathlib import Path

    return Path(str(files("caseterm.migrations")))
