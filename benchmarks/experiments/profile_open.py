"""Profile opening a client (and the note form / schedule): cProfile over N opens.

    python benchmarks/experiments/profile_open.py CLIENTS [OPENS] [client|note|amend|schedule]

Writes /tmp/profile_open.prof and prints the top functions by cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

import bench_open_client as bench  # noqa: E402
from _common import db_url, ensure, pin_in_process  # noqa: E402


async def run(n: int, opens: int, what: str) -> None:
    from caseterm.app import CasetermApp
    from caseterm.store import open_store

    engine = open_store(db_url(ensure(n)))
    app = CasetermApp(engine=engine)
    prof = cProfile.Profile(time.thread_time)
    times = []
    async with app.run_test(headless=False, size=(160, 48)) as pilot:
        driver = app._driver
        await bench._wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        await bench._wait(lambda: app.due_items is not None)
        await pilot.pause()
        table = app.screen.query_one("#caseload-table")
        total = table.row_count
        for k in range(opens + 1):
            table = app.screen.query_one("#caseload-table")
            table.move_cursor(row=int(k * (total - 1) / max(opens, 1)), animate=False)
            table.focus()
            await pilot.pause()
            if what != "client":
                await pilot.press("enter")
                await bench._wait(lambda: bench._client_ready(app))
                await pilot.pause()
                await pilot.pause()
                if what == "note":
                    key, ready = "n", lambda: type(app.screen).__name__ == "NoteScreen" and app.screen.is_mounted
                else:
                    key, ready = "m", lambda: type(app.screen).__name__ == "NoteScreen" and app.screen.is_mounted
            else:
                key, ready = "enter", lambda: bench._client_ready(app)
            watch = bench.FrameWatch(driver, ready)
            if k:
                prof.enable()
            t0 = time.perf_counter()
            await pilot.press(key)
            t1 = await watch.wait()
            prof.disable()
            driver.on_write = None
            if k:
                times.append(t1 - t0)
            while type(app.screen).__name__ != "CaseloadScreen":
                await pilot.press("escape")
                await pilot.pause()
            await pilot.pause()
    print("times ms:", [round(t * 1000) for t in times])
    prof.dump_stats("/tmp/profile_open.prof")
    st = pstats.Stats(prof)
    st.sort_stats("cumulative").print_stats(70)


if __name__ == "__main__":
    pin_in_process()
    n = int(sys.argv[1])
    opens = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    what = sys.argv[3] if len(sys.argv) > 3 else "client"
    asyncio.run(run(n, opens, what))
