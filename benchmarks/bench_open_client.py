"""Open a client from the caseload and show the notes tab, until it has painted.

    python benchmarks/bench_open_client.py [--opens 15] [--sizes 150 10000]

The real CasetermApp runs under `App.run_test` with benchmarks/_paint_driver.py
as its driver (every frame rendered as for a terminal, output discarded).
Once the caseload rows and the due list are loaded (steady state), each open
moves the caseload cursor to a different client and presses Enter; the time
runs from the key press until the first frame after the client screen's note
cards are all mounted. Escape goes back (untimed) before the next open.

Baseline, in the same app and loop: pushing a bare Screen (header, one line,
footer) and waiting for its frame — what Textual itself needs to show a screen.
Goal (issue 25.3): < 50 ms at 150 and at 10,000 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

from _common import db_url, ensure, fmt_ms, line, median, pin_in_process, record, run_child  # noqa: E402

GOALS_MS = {150: 50.0, 10_000: 50.0}  # issue 25.3 (issue 8 asked < 100 ms at 10,000)


async def _wait(predicate, timeout: float = 180.0, step: float = 0.0005) -> None:  # noqa: ANN001
    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise TimeoutError("benchmark: condition not reached")
        await asyncio.sleep(step)


class FrameWatch:
    """The time of the first frame written while `predicate()` holds."""

    def __init__(self, driver, predicate) -> None:  # noqa: ANN001
        self.time: float | None = None
        self.predicate = predicate
        driver.on_write = self._on_write

    def _on_write(self, when: float) -> None:
        if self.time is None and self.predicate():
            self.time = when

    async def wait(self) -> float:
        await _wait(lambda: self.time is not None, timeout=120)
        assert self.time is not None
        return self.time


def _client_ready(app, case_number: str | None = None) -> bool:  # noqa: ANN001
    """The client screen is up with `case_number`'s notes (a kept screen shows the last
    client's notes until it has read the new one's)."""
    screen = app.screen
    if type(screen).__name__ != "ClientScreen" or not screen.is_mounted:
        return False
    if case_number is not None and getattr(screen, "shown_case_number", screen.case_number) != case_number:
        return False
    found = screen.query("#note-list")
    if not found:
        return False
    timeline = found.first()
    if hasattr(timeline, "option_count"):  # an OptionList of note entries
        return timeline.is_mounted and timeline.option_count > 0
    cards = timeline.children  # a ListView of note cards
    return bool(cards) and all(card.is_mounted for card in cards)


async def measure(n: int, opens: int) -> tuple[list[float], list[float], float]:
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    from caseterm.app import CasetermApp
    from caseterm.store import open_store

    class BareScreen(Screen):
        def compose(self):  # noqa: ANN202
            yield Header()
            yield Static("bare")
            yield Footer()

    engine = open_store(db_url(ensure(n)))
    app = CasetermApp(engine=engine)
    t_start = time.perf_counter()
    async with app.run_test(headless=False, size=(160, 48)) as pilot:
        driver = app._driver
        await _wait(lambda: app.screen.query("#caseload-table") and app.screen.query_one("#caseload-table").row_count > 0)
        await _wait(lambda: app.due_items is not None)
        loaded = time.perf_counter() - t_start
        await pilot.pause()
        table = app.screen.query_one("#caseload-table")
        total = table.row_count
        rows = [int(i * (total - 1) / max(opens, 1)) for i in range(opens + 1)]  # +1: first is warm-up
        client_times: list[float] = []
        bare_times: list[float] = []
        for k, row in enumerate(rows):
            # bare screen (baseline)
            bare = BareScreen()
            watch = FrameWatch(driver, lambda: app.screen is bare and bare.is_mounted)
            t0 = time.perf_counter()
            app.push_screen(bare)
            t1 = await watch.wait()
            app.pop_screen()
            await pilot.pause()
            # a client from the caseload
            table = app.screen.query_one("#caseload-table")
            table.move_cursor(row=row, animate=False)
            table.focus()
            await pilot.pause()
            case_number = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
            watch = FrameWatch(driver, lambda: _client_ready(app, case_number))
            t2 = time.perf_counter()
            await pilot.press("enter")
            t3 = await watch.wait()
            driver.on_write = None
            await pilot.press("escape")
            await _wait(lambda: type(app.screen).__name__ == "CaseloadScreen")
            await pilot.pause()
            if k:
                bare_times.append(t1 - t0)
                client_times.append(t3 - t2)
    return client_times, bare_times, loaded


def _child(n: int, opens: int) -> tuple[list[float], list[float], float]:
    data = run_child(__file__, n, opens, "open-client")
    return data["client"], data["bare"], data["loaded"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--opens", type=int, default=15)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 10_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    pin_in_process()
    if args.child:
        client, bare, loaded = asyncio.run(measure(args.child, args.opens))
        print(json.dumps({"client": client, "bare": bare, "loaded": loaded}))
        return
    summary: dict[str, object] = {"opens": args.opens}
    print(f"open a client from the caseload to the painted notes tab, median of {args.opens} opens")
    for n in args.sizes:
        client, bare, loaded = _child(n, args.opens)
        c, b = median(client), median(bare)
        goal = GOALS_MS.get(n)
        ok = "" if goal is None else ("goal met" if c * 1000 < goal else "GOAL MISSED") + f" (< {goal:.0f} ms)"
        line(f"{n:,} clients: bare screen (baseline)", fmt_ms(b))
        line(f"{n:,} clients: open client, notes tab", fmt_ms(c), f"{c / b:.1f}x bare  {ok}")
        print(f"    (app ready with rows and due list after {loaded:.1f} s; max open {max(client) * 1000:.1f} ms)")
        summary[f"{n}_ms"] = round(c * 1000, 1)
        summary[f"{n}_bare_ms"] = round(b * 1000, 1)
        summary[f"{n}_max_ms"] = round(max(client) * 1000, 1)
    record("open_client", summary)


if __name__ == "__main__":
    sys.exit(main())
