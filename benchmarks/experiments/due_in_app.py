"""The due list's first (full) refresh inside the app, headless, vs the same refresh once the app is idle.

    python benchmarks/experiments/due_in_app.py COPY-OF-clients-10000.db

Prints when DueCache.refresh_numbered starts and ends (seconds since start).
"""
import asyncio, os, time, sys
os.environ["CASETERM_TODAY"]="2026-03-10"
T0=time.perf_counter()
from caseterm.store import open_store
from caseterm.app import CasetermApp
from caseterm.services import due_table as due  # DueCache lives there (issue 25)
orig = due.DueCache.refresh_numbered
def timed(self, *a, **k):
    t=time.perf_counter(); print(f"refresh start {t-T0:.2f}", flush=True)
    r = orig(self, *a, **k); print(f"refresh end {time.perf_counter()-T0:.2f} took {time.perf_counter()-t:.2f}", flush=True); return r
due.DueCache.refresh_numbered = timed
engine = open_store(f"sqlite:///{sys.argv[1]}", create=False)
async def main():
    app = CasetermApp(engine, idle_lock_seconds=0, automatic_backups=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.due_items is None:
            await asyncio.sleep(0.05)
        print(f"due_items set {time.perf_counter()-T0:.2f}", flush=True)
        for _ in range(100):
            await pilot.pause(0.05)
            from caseterm.widgets.due_today import DueToday
            q = app.screen.query(DueToday)
            if q and q.first().items is not None:
                break
        print(f"sidebar has items {time.perf_counter()-T0:.2f}", flush=True)
asyncio.run(main())
async def again():
    app = CasetermApp(engine, idle_lock_seconds=0, automatic_backups=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.due_items is None:
            await asyncio.sleep(0.05)
        await pilot.pause(2)
        await app.workers.wait_for_complete()
        print("--- idle full refresh", flush=True)
        app.refresh_due()
        await app.workers.wait_for_complete()
        print("--- idle one-client refresh", flush=True)
        app.refresh_due(5)
        await app.workers.wait_for_complete()
asyncio.run(again())
