"""Start the terminal app from the CLI (kept apart so the CLI stays light)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseterm.cli import CliContext


def run_tui(ctx: "CliContext") -> None:
    from caseterm.app import CasetermApp
    from caseterm.config import load_settings

    load_settings()  # a bad or retired setting is exit 2 with its message, before the screen is taken
    start_unlock = unlock(ctx)
    # Opening a named file in an existing folder may make a new caseload there (the
    # user asked for that file); a missing folder is a typo, not a request. Damage is
    # looked for after the first screen is painted (CasetermApp.check_store).
    from caseterm.store import sqlite_path

    path = sqlite_path(ctx.url)
    create = path is None or path.parent.exists()
    app = CasetermApp(
        engine=ctx.engine(create=create, check=False),
        letters_dir=ctx.letters_dir,
        automatic_backups=not ctx.demo,
        start_unlock=start_unlock,
    )
    app.run()
    # A crash inside the app has already written its report and said where;
    # the exit status still says something went wrong (DESIGN.md: 1).
    if app.return_code:
        sys.exit(app.return_code)


def unlock(ctx: "CliContext") -> tuple[int, str] | None:
    """An encrypted database: CASETERM_PASSPHRASE, or the unlock screen before anything else is drawn.

    Returns (wrong tries, how) for the audit trail, which can only be written once the file is open;
    tries that ended in giving up open nothing and so leave no entry (the file stays sealed).
    """
    from caseterm import cipher
    from caseterm.errors import BadInput
    from caseterm.store import sqlite_path

    path = sqlite_path(ctx.url)
    if path is None or not cipher.needs_passphrase(path):
        return None
    key = cipher.from_environment()
    if key is not None:
        cipher.unlock(path, key)
        return (0, "environment")
    from caseterm.screens.unlock import UnlockApp

    screen = UnlockApp(path)
    key = screen.run()
    if key is None:
        raise BadInput(f"{path}: not unlocked; nothing was opened")
    cipher.set_passphrase(key)
    return (screen.wrong, "passphrase")
