"""A Textual driver for start-up benchmarks: renders every frame, shows nothing,
and ends the app once the screen being measured has painted.

Used by bench_startup.py / bench_memory.py through Textual's own hook, the
`TEXTUAL_DRIVER` environment variable (`_paint_driver:PaintDriver`, with this
folder on PYTHONPATH), so the real `python -m caseterm` entry point runs
unmodified: no benchmark code in the app.

Unlike Textual's HeadlessDriver it reports `is_headless = False`, so the app
does all the work of a real terminal paint (segments to escape sequences); the
bytes go nowhere.

Environment:
  BENCH_READY_FILE   where to write JSON timestamps (time.time()) of
                     first_paint, screen_paint, ready
  BENCH_READY        paint            -> ready at the first frame
                     rows:<selector>  -> ready at the first frame that draws the
                                         DataTable <selector>'s first row (its
                                         first cell's text is in the frame: a
                                         table with rows is not yet a drawn one)
                     due:<selector>   -> as rows, and the app's due list loaded
  BENCH_SCREEN       class name of the screen whose first paint is screen_paint
  BENCH_HOLD         seconds to keep running after ready (memory benchmark)
BENCH_READY=manual never ends the app; each frame calls `driver.on_write(t)`
(in-process benchmarks that drive a pilot).
"""

from __future__ import annotations

import json
import os
import sys
import time

from textual.drivers.headless_driver import HeadlessDriver

_TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "60"))
#: The spawner's start time (BENCH_T0), so marks all come back as "seconds since spawn".
_T0 = float(os.environ.get("BENCH_T0", "0"))
#: Smaller writes are terminal mode / cursor sequences, not a frame.
MIN_FRAME_BYTES = 64


class PaintDriver(HeadlessDriver):
    @property
    def is_headless(self) -> bool:
        return False

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._marks: dict[str, float] = {}
        self._mode = os.environ.get("BENCH_READY", "paint")
        self._screen = os.environ.get("BENCH_SCREEN", "")
        self._done = False
        self._row_drawn = False
        self.bytes_written = 0
        self.last_write = 0.0
        self.on_write = None

    def start_application_mode(self) -> None:
        super().start_application_mode()
        if self._mode != "manual":
            self._app.set_timer(_TIMEOUT, self._timeout)

    def _timeout(self) -> None:
        print(f"bench: not ready after {_TIMEOUT}s", file=sys.stderr)
        self._app.exit(return_code=3)

    def _is_ready(self, data: str = "") -> bool:
        if self._mode == "paint":
            return True
        kind, _, selector = self._mode.partition(":")
        try:
            table = self._app.screen.query_one(selector)
        except Exception:  # noqa: BLE001 - not mounted yet
            return False
        if not getattr(table, "row_count", 0):
            return False
        if not self._row_drawn:
            first = str(table.get_row_at(0)[0]) if hasattr(table, "get_row_at") else ""
            self._row_drawn = not first or first in data
            if not self._row_drawn:
                return False
        if kind == "due":
            return getattr(self._app, "due_items", None) is not None
        return True

    def write(self, data: str) -> None:
        self.bytes_written += len(data)
        if len(data) < MIN_FRAME_BYTES:
            return  # mode switches and cursor moves are not a paint
        self.last_write = time.perf_counter()
        if self._mode == "manual":
            if self.on_write is not None:
                self.on_write(self.last_write)
            return
        if self._done:
            return
        now = time.time()
        self._marks.setdefault("first_paint", now)
        if self._screen and type(self._app.screen).__name__ == self._screen:
            self._marks.setdefault("screen_paint", now)
        if self._is_ready(data):
            self._marks["ready"] = now
            # CPU of the process (every thread) until this frame: what a loaded machine
            # moves least. Stored as an offset so the spawner's `- t0` leaves it as is.
            self._marks["ready_cpu"] = time.process_time() + _T0
            self._done = True
            path = os.environ.get("BENCH_READY_FILE")
            if path:
                with open(path, "w") as fh:
                    json.dump(self._marks, fh)
            hold = float(os.environ.get("BENCH_HOLD", "0") or 0)
            if hold:
                self._app.set_timer(hold, self._app.exit)
            else:
                self._app.call_later(self._app.exit)
