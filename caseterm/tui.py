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
    app = CasetermApp(engine=ctx.engine(), letters_dir=ctx.letters_dir)
    app.run()
    # A crash inside the app has already written its report and said where;
    # the exit status still says something went wrong (DESIGN.md: 1).
    if app.return_code:
        sys.exit(app.return_code)
