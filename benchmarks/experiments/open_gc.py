"""Each open's time and the garbage collections inside it (the 10,000 vs 150 question).

    python benchmarks/experiments/open_gc.py CLIENTS [OPENS] [none|freeze|thr=A,B,C]

Runs bench_open_client's loop in process; `freeze` calls gc.collect() + gc.freeze() once
the rows and the due list are in (the app now does this itself: shell/heap.py), `thr=`
sets gc.set_threshold(A, B, C) then. COUNT=1 adds the tracked objects after each open
(to see a leak). Prints the median, spread and CPU, then each open's ms and the gc
time (per generation) that fell inside it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

import bench_open_client as bench  # noqa: E402
from _common import db_url, ensure, pin_in_process  # noqa: E402

GC: list[tuple[float, float, int]] = []  # start, duration, generation
_start = [0.0]


def _cb(phase, info):  # noqa: ANN001, ANN202
    if phase == "start":
        _start[0] = time.perf_counter()
    else:
        GC.append((_start[0], time.perf_counter() - _start[0], info["generation"]))


async def run(n: int, opens: int, mode: str) -> dict:
    from caseterm.app import CasetermApp
    from caseterm.store import open_store

    engine = open_store(db_url(ensure(n)))
    app = CasetermApp(engine=engine)
    gc.callbacks.append(_cb)
    out = []
    async with app.run_test(headless=False, size=(160, 48)) as pilot:
        driver = app._driver
        await bench._wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        await bench._wait(lambda: app.due_items is not None)
        await pilot.pause()
        if mode == "freeze":
            gc.collect()
            gc.freeze()
        if mode.startswith("thr="):  # thr=700,10,10
            gc.set_threshold(*(int(x) for x in mode[4:].split(",")))
        heap = len(gc.get_objects())
        table = app.screen.query_one("#caseload-table")
        total = table.row_count
        for k in range(opens + 1):
            table = app.screen.query_one("#caseload-table")
            table.move_cursor(row=int(k * (total - 1) / max(opens, 1)), animate=False)
            table.focus()
            await pilot.pause()
            case_number = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
            watch = bench.FrameWatch(driver, lambda: bench._client_ready(app, case_number))
            t0, c0 = time.perf_counter(), time.thread_time()
            await pilot.press("enter")
            t1 = await watch.wait()
            c1 = time.thread_time()
            driver.on_write = None
            inside = [(d, g) for s, d, g in GC if t0 <= s <= t1]
            if k:
                out.append({"ms": round((t1 - t0) * 1000, 1), "cpu": round((c1 - c0) * 1000, 1), "objs": len(gc.get_objects()) if os.environ.get("COUNT") else 0,
                            "gc": {g: round(sum(d for d, gg in inside if gg == g) * 1000, 1) for g in (0, 1, 2)}})
            await pilot.press("escape")
            await bench._wait(lambda: type(app.screen).__name__ == "CaseloadScreen")
            await pilot.pause()
    ms = [o["ms"] for o in out]
    gc2 = [o["gc"][2] for o in out]
    cpu = [o["cpu"] for o in out]
    return {"n": n, "mode": mode, "heap_objects": heap, "cpu_median": statistics.median(cpu), "cpu_max": max(cpu), "median": statistics.median(ms), "min": min(ms), "max": max(ms),
            "q1q3": [round(q, 1) for q in statistics.quantiles(ms, n=4)[::2]],
            "gc_ms_total": round(sum(sum(o["gc"].values()) for o in out), 1), "gc2_count": sum(1 for g in gc2 if g),
            "opens": out}


if __name__ == "__main__":
    pin_in_process()
    n = int(sys.argv[1])
    opens = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    mode = sys.argv[3] if len(sys.argv) > 3 else "none"
    r = asyncio.run(run(n, opens, mode))
    print(json.dumps({k: v for k, v in r.items() if k != "opens"}))
    print(" ".join(f"{o['ms']:.0f}" + (f"[{o['objs']}]" if o['objs'] else "") + (f"(gc{o['gc']})" if any(o['gc'].values()) else "") for o in r["opens"]))
