"""Start the terminal app from the CLI (kept apart so the CLI stays light)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseterm.cli import CliContext


def run_tui(ctx: "CliContext") -> None:
    from caseterm.app import CasetermApp

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
    )
    app.run()
    # A crash inside the app has already written its report and said where;
    # the exit status still says something went wrong (DESIGN.md: 1).
    if app.return_code:
        sys.exit(app.return_code)
