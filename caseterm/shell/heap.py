"""Keep Python's cyclic garbage collector off the objects that live as long as the app.

At 10,000 clients the app holds ~320,000 tracked objects once the caseload rows, the
table and the due list are in. Every full (generation 2) collection walks all of
them: 170-260 ms on the main thread, landing on about one client opened in four
(a client's file took 300-500 ms instead of ~100 ms when it did; at 150 clients
half as long). Those objects are not garbage and will not become garbage in a
cycle, so once the first due list is on screen they are collected once (the
start-up's own garbage goes) and moved to the collector's permanent generation
(`gc.freeze`): later full collections walk only what was made since. Frozen
objects are still freed by reference counting (a replaced due list is); when the
app ends they are handed back to the collector (`thaw`), so an app that ends
inside a longer process (the tests) leaves nothing behind.

The youngest generation's threshold is raised at the same moment (`YOUNG_THRESHOLD`):
Textual allocates tens of thousands of objects per screen shown, and with Python's
700 a collection ran every few hundred of them, moving whatever was alive at that
instant (a half-built frame) into the older generations, whose growth set off the
full collections above. Collected less often, nearly all of it is freed by
reference counting before a collection sees it; what forms cycles (a closed note
form's widgets) is still young when one runs, and goes then.
"""

from __future__ import annotations

import gc
from typing import Any

#: Python's thresholds, put back when the app ends.
_DEFAULT_THRESHOLDS = gc.get_threshold()
#: Objects allocated (net) between two collections of the youngest generation, once started.
YOUNG_THRESHOLD = 50_000


def freeze_start_up(app: Any) -> None:
    """Once per app, after the first due list has been painted: collect, then freeze."""
    if getattr(app, "_heap_frozen", False):
        return
    app._heap_frozen = True
    app.call_after_refresh(_collect_and_freeze, app)


def _collect_and_freeze(app: Any) -> None:
    if not app.is_running:  # ended before the frame: nothing to keep
        return
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


def thaw(app: Any) -> None:
    """The app is ending: its objects become ordinary garbage again."""
    if getattr(app, "_heap_frozen", False):
        app._heap_frozen = False
        gc.unfreeze()
        gc.set_threshold(*_DEFAULT_THRESHOLDS)
