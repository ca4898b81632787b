"""What would make opening a client faster? The open-client benchmark with one
change patched in (nothing in caseterm is modified on disk).

    python benchmarks/experiments/open_client_variants.py VARIANT CLIENTS
    VARIANT: none | reuse | nosidebar     CLIENTS: 150 | 2000 | 10000

  none       the app as it is
  reuse      one ClientScreen installed once and re-pointed at each client
             (App.open_client sets its case number, marks it stale, pushes it)
  nosidebar  client screens without the due-today sidebar (the sidebar's cost)

Run each variant a few times, alternating; the machine's load moves the numbers.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["TEXTUAL_DRIVER"] = "_paint_driver:PaintDriver"
os.environ["BENCH_READY"] = "manual"

import bench_open_client as bench  # noqa: E402
from _common import median, pin_in_process  # noqa: E402


def patch_reuse() -> None:
    from caseterm.app import CasetermApp
    from caseterm.screens.client import ClientScreen

    def open_client(self, case_number, tab=None):  # noqa: ANN001, ANN202
        screen = getattr(self, "_bench_client_screen", None)
        if screen is None:
            screen = ClientScreen(case_number, tab=tab)
            self.install_screen(screen, name="bench-client-file")
            self._bench_client_screen = screen
        else:
            screen.case_number = case_number
            screen._stale = True  # reloads on resume
        self.push_screen(screen)

    CasetermApp.open_client = open_client
    ready = bench._client_ready

    def reused_ready(app) -> bool:  # noqa: ANN001 - the notes shown are this client's
        screen = app.screen
        if not ready(app) or getattr(screen, "client", None) is None:
            return False
        timeline = screen.query_one("#note-list")
        return screen.client.case_number == screen.case_number and bool(timeline.threads) and (
            timeline.threads[0].current.client_id == screen.client.id
        )

    bench._client_ready = reused_ready


def patch_nosidebar() -> None:
    from caseterm.widgets import due_today

    due_today.DueToday.compose = lambda self: iter(())
    due_today.DueToday.on_mount = lambda self: None


def main() -> None:
    variant, clients = sys.argv[1], int(sys.argv[2])
    pin_in_process()
    {"none": lambda: None, "reuse": patch_reuse, "nosidebar": patch_nosidebar}[variant]()
    opens, bare, loaded = asyncio.run(bench.measure(clients, 9))
    print(f"{variant:<10} {clients:>6,} clients: open {median(opens) * 1000:.1f} ms  bare screen {median(bare) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
