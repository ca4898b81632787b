"""Where an open's wall time goes: a timeline of one open (no profiler), spans
patched around the client screen's steps and Textual's layout/render.

    python benchmarks/experiments/timeline_open.py CLIENTS [OPENS] [client|note|amend|schedule]
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

import bench_open_client as bench  # noqa: E402
from _common import db_url, ensure, pin_in_process  # noqa: E402

LOG: list[tuple[float, str]] = []
OUT: list[str] = []
RENDER: dict[str, float] = {}
STOP: list[int] = []
CPU: list[float] = []
T0 = [0.0]


def span(cls, name, label=None):  # noqa: ANN001
    orig = getattr(cls, name)
    label = label or f"{cls.__name__}.{name}"
    if asyncio.iscoroutinefunction(orig):
        @functools.wraps(orig)
        async def wrapped(*a, **k):  # noqa: ANN002, ANN003
            t = time.perf_counter()
            try:
                return await orig(*a, **k)
            finally:
                LOG.append((t, f"{label} {1000 * (time.perf_counter() - t):.1f}ms"))
    else:
        @functools.wraps(orig)
        def wrapped(*a, **k):  # noqa: ANN002, ANN003
            t = time.perf_counter()
            c = time.thread_time()
            try:
                return orig(*a, **k)
            finally:
                LOG.append((t, f"{label} {1000 * (time.thread_time() - c):.1f}ms CPU"))
    setattr(cls, name, wrapped)


def _gc_callback(phase, info):  # noqa: ANN001, ANN202
    if phase == "start":
        _GC_START[:] = [time.perf_counter()]
    elif _GC_START:
        LOG.append((_GC_START[0], f"gc gen{info['generation']} {1000 * (time.perf_counter() - _GC_START[0]):.1f}ms wall, collected {info['collected']}"))


_GC_START: list[float] = []


def patch() -> None:
    import gc

    gc.callbacks.append(_gc_callback)
    from textual.screen import Screen
    from textual.app import App
    from textual._compositor import Compositor
    from textual.css.stylesheet import Stylesheet
    from caseterm.screens.client.screen import ClientScreen
    from caseterm.widgets.due_today import DueToday
    from caseterm.screens.note import NoteScreen
    from caseterm.screens.schedule import ScheduleScreen

    span(ClientScreen, "reload")
    span(ClientScreen, "on_mount")
    span(ClientScreen, "__init__")
    span(NoteScreen, "on_mount")
    span(NoteScreen, "__init__")
    span(ScheduleScreen, "on_mount")
    span(ScheduleScreen, "__init__")
    span(ScheduleScreen, "load_day")
    span(ScheduleScreen, "_show_day_now")
    span(ScheduleScreen, "on_screen_resume")
    span(NoteScreen, "compose")
    span(NoteScreen, "_refresh_status")
    span(DueToday, "watch_items")
    span(Screen, "_refresh_layout")
    span(Compositor, "render_update")
    span(Compositor, "reflow")
    span(Stylesheet, "update_nodes")
    span(App, "_register")
    span(App, "_display")
    from textual.widget import Widget
    orig = Widget.render_lines

    @functools.wraps(orig)
    def render_lines(self, crop):  # noqa: ANN001, ANN202
        t = time.thread_time()
        try:
            return orig(self, crop)
        finally:
            if not STOP:
                RENDER[type(self).__name__] = RENDER.get(type(self).__name__, 0.0) + time.thread_time() - t
    Widget.render_lines = render_lines


async def run(n: int, opens: int, what: str) -> None:
    from caseterm.app import CasetermApp
    from caseterm.store import open_store

    engine = open_store(db_url(ensure(n)))
    app = CasetermApp(engine=engine)
    async with app.run_test(headless=False, size=(160, 48)) as pilot:
        driver = app._driver
        orig_write = driver.write

        def write(data):  # noqa: ANN001, ANN202
            if len(data) >= 64:
                LOG.append((time.perf_counter(), f"--- frame {len(data)} bytes"))
            return orig_write(data)

        driver.write = write
        await bench._wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        await bench._wait(lambda: app.due_items is not None)
        await pilot.pause()
        table = app.screen.query_one("#caseload-table")
        total = table.row_count
        import gc

        OUT.append(f"frozen objects: {gc.get_freeze_count():,}; tracked: {len(gc.get_objects()):,}")
        for k in range(opens + 1):
            table = app.screen.query_one("#caseload-table")
            table.move_cursor(row=int(k * (total - 1) / max(opens, 1)), animate=False)
            table.focus()
            await pilot.pause()
            if what in ("note", "amend"):
                await pilot.press("enter")
                await bench._wait(lambda: bench._client_ready(app))
                await pilot.pause()
                await pilot.pause()
                key = "n" if what == "note" else "m"
                ready = lambda: type(app.screen).__name__ == "NoteScreen" and app.screen.is_mounted  # noqa: E731
            elif what == "schedule":
                key = "2"
                import bench_schedule

                ready = lambda: bench_schedule._schedule_ready(app)  # noqa: E731
            else:
                case_number = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
                key, ready = "enter", lambda: bench._client_ready(app, case_number)
            watch = bench.FrameWatch(driver, ready)
            LOG.clear()
            RENDER.clear()
            STOP.clear()
            orig_on_write = driver.on_write

            def on_write(when):  # noqa: ANN001, ANN202
                orig_on_write(when)
                if watch.time is not None and not STOP:
                    STOP.append(1)
                    CPU.append(time.thread_time())
            driver.on_write = on_write
            t0 = time.perf_counter()
            c0 = time.thread_time()
            await pilot.press(key)
            t1 = await watch.wait()
            c1 = CPU.pop()
            driver.on_write = None
            if k:
                OUT.append(f"== open {k}: {1000 * (t1 - t0):.1f} ms wall, {1000 * (c1 - c0):.1f} ms CPU (main thread, to the frame)")
                for t, msg in sorted(LOG):
                    if t <= t1 + 0.001:
                        OUT.append(f"  {1000 * (t - t0):7.1f}  {msg}")
            if k:
                OUT.append("  render: " + ", ".join(f"{name} {1000 * t:.1f}" for name, t in sorted(RENDER.items(), key=lambda kv: -kv[1])))
                OUT.append(f"  widgets on screen: {len(list(app.screen.walk_children()))}")
            if what == "schedule":
                await pilot.press("1")
            while type(app.screen).__name__ != "CaseloadScreen":
                await pilot.press("escape")
                await pilot.pause()
            await pilot.pause()


if __name__ == "__main__":
    pin_in_process()
    patch()
    n = int(sys.argv[1])
    opens = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    what = sys.argv[3] if len(sys.argv) > 3 else "client"
    asyncio.run(run(n, opens, what))
    print("\n".join(OUT))
