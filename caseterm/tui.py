"""Start the terminal app from the CLI (kept apart so the CLI stays light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseterm.cli import CliContext


def run_tui(ctx: "CliContext") -> None:
    from caseterm.app import CasetermApp

    app = CasetermApp(engine=ctx.engine())
    app.run()
