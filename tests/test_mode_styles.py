"""The first schedule is styled without re-reading every stylesheet (issue 25.3): a mode's
screen made on first use takes its styles when it mounts, and looks as it always did."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from test_app_flow import seeded, settle  # noqa: F401 - fixture

from caseterm.app import CasetermApp


class CountingApp(CasetermApp):
    """The real app, counting full CSS refreshes (every stylesheet re-read, every widget restyled)."""

    CSS_PATH = str(Path(__import__("caseterm.app").app.__file__).with_name("caseterm.tcss"))
    refreshes = 0

    def refresh_css(self, animate: bool = True) -> None:
        type(self).refreshes += 1
        super().refresh_css(animate)


async def test_first_schedule_does_not_restyle_the_whole_app(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.schedule import ScheduleScreen

    app = CountingApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        caseload_background = app.screen.styles.background
        before = CountingApp.refreshes
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScheduleScreen)
        assert CountingApp.refreshes == before
        # ...and it is styled all the same: the app's theme and the schedule's own rules
        assert screen.styles.background == caseload_background
        heading = screen.query_one("#day-heading")
        assert heading.styles.padding.left == 1 and heading.styles.background.a > 0  # #day-heading's rule
        # a theme change still restyles it
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await settle(pilot)
        assert CountingApp.refreshes > before
        assert screen.styles.background != caseload_background
