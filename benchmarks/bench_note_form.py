"""Open the note form from a client's file (`n` new note, `m` amend), until it has painted.

    python benchmarks/bench_note_form.py [--opens 15] [--sizes 150 10000]

As bench_open_client.py: the real CasetermApp under `App.run_test` with
benchmarks/_paint_driver.py as its driver (every frame rendered as for a
terminal, output discarded), in steady state (rows and due list loaded). Each
round opens a client from the caseload (untimed), then times `n` from the key
press to the first frame in which the note screen's editor is mounted with its
text, closes it (Esc, untimed; the fresh template is no draft), then the same
for `m` on the newest note. Baseline in the same loop: a bare Screen (header,
one line, footer) pushed and painted. Goal (issue 25.3): < 50 ms.
"""

from __future__ import annotations

import os
import sys
import time

os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

from _common import db_url, ensure, screen_bench  # noqa: E402
from bench_open_client import FrameWatch, _client_ready, _wait  # noqa: E402

GOAL_MS = 50.0


def _form_ready(app, amends: bool) -> bool:  # noqa: ANN001
    screen = app.screen
    if type(screen).__name__ != "NoteScreen" or not screen.is_mounted:
        return False
    if bool(getattr(screen, "amends_id", None)) != amends:
        return False
    found = screen.query("#note-text")
    return bool(found) and found.first().is_mounted and bool(found.first().text)


async def measure(n: int, opens: int) -> dict[str, list[float]]:
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    from caseterm.app import CasetermApp
    from caseterm.store import open_store

    class BareScreen(Screen):
        def compose(self):  # noqa: ANN202
            yield Header()
            yield Static("bare")
            yield Footer()

    app = CasetermApp(engine=open_store(db_url(ensure(n))))
    times: dict[str, list[float]] = {"bare": [], "new": [], "amend": []}
    async with app.run_test(headless=False, size=(160, 48)) as pilot:
        driver = app._driver
        await _wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        await _wait(lambda: app.due_items is not None)
        await pilot.pause()
        total = app.screen.query_one("#caseload-table").row_count
        rows = [int(i * (total - 1) / max(opens, 1)) for i in range(opens + 1)]  # +1: the first is warm-up
        for k, row in enumerate(rows):
            bare = BareScreen()
            watch = FrameWatch(driver, lambda: app.screen is bare and bare.is_mounted)
            t0 = time.perf_counter()
            app.push_screen(bare)
            t1 = await watch.wait()
            app.pop_screen()
            await pilot.pause()
            if k:
                times["bare"].append(t1 - t0)
            table = app.screen.query_one("#caseload-table")
            table.move_cursor(row=row, animate=False)
            table.focus()
            await pilot.pause()
            case_number = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
            await pilot.press("enter")
            await _wait(lambda: _client_ready(app, case_number))
            await pilot.pause()
            await pilot.pause()
            client = app.screen
            for key, amends in (("n", False), ("m", True)):
                watch = FrameWatch(driver, lambda: _form_ready(app, amends))
                t0 = time.perf_counter()
                await pilot.press(key)
                t1 = await watch.wait()
                driver.on_write = None
                if k:
                    times["amend" if amends else "new"].append(t1 - t0)
                await pilot.pause()
                await pilot.press("escape")
                await _wait(lambda: app.screen is client)
                await pilot.pause()
            await pilot.press("escape")
            await _wait(lambda: type(app.screen).__name__ == "CaseloadScreen")
            await pilot.pause()
    return times


def main() -> None:
    screen_bench(__file__, "note_form", "open the note form from a client's file to its first painted frame",
                 measure, [("new", "n: new note"), ("amend", "m: amend")], GOAL_MS)


if __name__ == "__main__":
    sys.exit(main())
