"""Show the day's schedule from the caseload (`2`), until its blocks have painted.

    python benchmarks/bench_schedule.py [--opens 15] [--sizes 150 10000]

As bench_open_client.py: the real CasetermApp under `App.run_test` with
benchmarks/_paint_driver.py as its driver, in steady state (rows and due list
loaded). Each round times `2` from the key press to the first frame in which
the schedule screen shows the day's blocks, then `1` back to the caseload
(untimed). Two figures: the *first* schedule of a session (the mode's screen
is dropped before each round, so it is built again, as after start-up) and the
schedule shown *again* (its screen kept, what every later `2` costs). Baseline
in the same loop: a bare Screen (header, one line, footer) pushed and painted.
Goal (issue 25.3): < 50 ms.
"""

from __future__ import annotations

import os
import sys
import time

os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

from _common import db_url, ensure, screen_bench  # noqa: E402
from bench_open_client import FrameWatch, _wait  # noqa: E402

GOAL_MS = 50.0


def _schedule_ready(app) -> bool:  # noqa: ANN001
    screen = app.screen
    if type(screen).__name__ != "ScheduleScreen" or not screen.is_mounted:
        return False
    day = screen.query("#day")
    return bool(day) and any(child.is_mounted for child in day.first().children)


async def measure(n: int, opens: int) -> dict[str, list[float]]:
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    from caseterm.app import CasetermApp, _schedule_screen
    from caseterm.store import open_store

    class BareScreen(Screen):
        def compose(self):  # noqa: ANN202
            yield Header()
            yield Static("bare")
            yield Footer()

    app = CasetermApp(engine=open_store(db_url(ensure(n))))
    times: dict[str, list[float]] = {"bare": [], "first": [], "again": []}
    async with app.run_test(headless=False, size=(160, 48)) as pilot:
        driver = app._driver
        await _wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        await _wait(lambda: app.due_items is not None)
        await pilot.pause()
        for k in range(opens + 1):  # the first round is warm-up
            bare = BareScreen()
            watch = FrameWatch(driver, lambda: app.screen is bare and bare.is_mounted)
            t0 = time.perf_counter()
            app.push_screen(bare)
            t1 = await watch.wait()
            app.pop_screen()
            await pilot.pause()
            if k:
                times["bare"].append(t1 - t0)
            for what in ("first", "again"):
                watch = FrameWatch(driver, lambda: _schedule_ready(app))
                t0 = time.perf_counter()
                await pilot.press("2")
                t1 = await watch.wait()
                driver.on_write = None
                if k:
                    times[what].append(t1 - t0)
                await pilot.pause()
                await pilot.press("1")
                await _wait(lambda: type(app.screen).__name__ == "CaseloadScreen")
                await pilot.pause()
            # the next round's "first" builds the schedule screen again
            await app.remove_mode("schedule")
            app.add_mode("schedule", _schedule_screen)
            await pilot.pause()
    return times


def main() -> None:
    screen_bench(__file__, "schedule", "show the day's schedule from the caseload to its painted blocks",
                 measure, [("first", "schedule, first of the session"), ("again", "schedule, shown again")], GOAL_MS)


if __name__ == "__main__":
    sys.exit(main())
