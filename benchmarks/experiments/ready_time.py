"""Time from the app's start to its caseload rows and to its first due list (in process).

    python benchmarks/experiments/ready_time.py CLIENTS
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

import bench_open_client as bench  # noqa: E402
from _common import db_url, ensure, pin_in_process  # noqa: E402


async def run(n: int) -> str:
    from caseterm.app import CasetermApp
    from caseterm.store import open_store

    engine = open_store(db_url(ensure(n)))
    app = CasetermApp(engine=engine)
    t0 = time.perf_counter()
    async with app.run_test(headless=False, size=(160, 48)):
        await bench._wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        t1 = time.perf_counter()
        await bench._wait(lambda: app.due_items is not None)
        t2 = time.perf_counter()
    return f"rows {1000 * (t1 - t0):.0f} ms, due list {1000 * (t2 - t0):.0f} ms"


if __name__ == "__main__":
    pin_in_process()
    print(asyncio.run(run(int(sys.argv[1]))))
