"""A paint driver that also records where the memory of the real app goes (memory_timeline.py).

A thread samples the process's RSS (/proc/self/statm) every 2 ms; named start-up steps of
the app are wrapped so each logs (time, RSS now, RSS peak since the last mark, Python heap
traced now and its peak since the last mark when MEM_TRACE=1). At exit the log is written as
JSON to MEM_LOG. Nothing of this is in the app: the wrapping is done here, from the driver.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import resource
import sys
import threading
import time

from _paint_driver import PaintDriver

_PAGE = os.sysconf("SC_PAGE_SIZE")
try:  # the same library _sqlite3 is linked with: SQLite's own heap (page caches, sorters)
    import ctypes

    _SQLITE = ctypes.CDLL("libsqlite3.so.0")
    _SQLITE.sqlite3_memory_used.restype = ctypes.c_int64
    _SQLITE.sqlite3_memory_highwater.restype = ctypes.c_int64
except OSError:
    _SQLITE = None
_T0 = time.time()
_events: list[dict] = []
_peak = [0]
_lock = threading.Lock()
_TRACE = os.environ.get("MEM_TRACE") == "1"
if _TRACE:
    import tracemalloc

    tracemalloc.start(int(os.environ.get("MEM_FRAMES", "1")))


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _sample() -> None:
    while True:
        now = _rss()
        with _lock:
            if now > _peak[0]:
                _peak[0] = now
        time.sleep(0.002)


threading.Thread(target=_sample, daemon=True, name="mem-sampler").start()


def mark(name: str) -> None:
    now = _rss()
    with _lock:
        peak = max(_peak[0], now)
        _peak[0] = now
    entry = {"t": round(time.time() - _T0, 3), "step": name, "rss": now / 2**20, "peak_since": peak / 2**20,
             "hwm": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "threads": threading.active_count(),
             "sa": "sqlalchemy" in sys.modules, "modules": len(sys.modules),
             "sqlite": _SQLITE.sqlite3_memory_used() / 2**20 if _SQLITE else 0.0,
             "sqlite_hw": _SQLITE.sqlite3_memory_highwater(0) / 2**20 if _SQLITE else 0.0}
    if _TRACE:
        cur, tpeak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        entry.update(traced=cur / 2**20, traced_peak_since=tpeak / 2**20)
    _events.append(entry)


#: What-if runs: MEM_NOOP="module:Qual.name,..." makes these steps do nothing (returning None),
#: to see what each adds to the max RSS (e.g. the unsaved-notes notice, the file check).
_NOOP = {tuple(s.split(":", 1)) for s in os.environ.get("MEM_NOOP", "").split(",") if s}


def _wrap(module: str, qualname: str) -> None:
    mod = importlib.import_module(module)
    owner_name, _, attr = qualname.rpartition(".")
    owner = getattr(mod, owner_name) if owner_name else mod
    original = getattr(owner, attr)
    label = qualname
    if (module, qualname) in _NOOP:
        label = f"{qualname} (no-op)"
        original = lambda *args, **kwargs: None  # noqa: E731

    @functools.wraps(original)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        mark(f"> {label}")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"< {label}")

    setattr(owner, attr, wrapper)


#: (module, qualified name) of the start-up steps to mark; MEM_WRAP adds more ("mod:Qual.name,...").
STEPS = [
    ("caseterm.services.caseload", "read_caseload"),
    ("caseterm.screens.caseload", "CaseloadScreen._rows_loaded"),
    ("caseterm.screens.caseload", "CaseloadScreen._populate"),
    ("caseterm.screens.caseload", "CaseloadScreen._add_rows"),
    ("caseterm.screens.caseload", "CaseloadScreen._due_changed"),
    ("caseterm.shell.startup", "StartupMixin._bring_up_engine"),
    ("caseterm.shell.startup", "StartupMixin._store_opened"),
    ("caseterm.shell.startup", "StartupMixin._show_due"),
    ("caseterm.shell.startup", "StartupMixin.check_store"),
    ("caseterm.services.due_table", "bring_up_to_date"),
    ("caseterm.services.due_table", "stored_entries"),
    ("caseterm.services.due_table", "read_time_entries"),
    ("caseterm.services.due_table", "draft_entries"),
    ("caseterm.services.due_table", "wanted_clients"),
    ("caseterm.services.due_table", "DueCache._full"),
    ("caseterm.services.due_table", "DueCache._load_states"),
    ("caseterm.services.due_table", "DueCache._visible"),
    ("caseterm.widgets.due_today", "DueToday.watch_items"),
]


class _WrapOnImport:
    """A meta-path finder that wraps the steps of a module when it is first imported
    (wrapping at once would import SQLAlchemy and the rest early, and measure that)."""

    def __init__(self, steps: dict[str, list[str]]) -> None:
        self.steps = steps

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201
        if name not in self.steps:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader, qualnames = spec.loader, self.steps[name]
        original_exec = loader.exec_module

        def exec_module(module):  # noqa: ANN001, ANN202
            original_exec(module)
            for qualname in qualnames:
                try:
                    _wrap(name, qualname)
                except AttributeError as err:
                    mark(f"! could not wrap {name}:{qualname} ({err})")

        loader.exec_module = exec_module
        return spec


class MemDriver(PaintDriver):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        mark("driver made (imports done)")
        super().__init__(*args, **kwargs)
        extra = [tuple(s.split(":", 1)) for s in os.environ.get("MEM_WRAP", "").split(",") if s]
        extra += [step for step in _NOOP if step not in STEPS and step not in extra]
        later: dict[str, list[str]] = {}
        for module, qualname in STEPS + extra:
            if module in sys.modules:
                _wrap(module, qualname)
            else:
                later.setdefault(module, []).append(qualname)
        sys.meta_path.insert(0, _WrapOnImport(later))

    def write(self, data: str) -> None:
        first = not getattr(self, "_painted", False) and len(data) >= 64
        super().write(data)
        if first:
            self._painted = True
            mark("first frame written")
        if self._done and not getattr(self, "_ready_marked", False):
            self._ready_marked = True
            mark("ready (rows + due list painted)")

    def stop_application_mode(self) -> None:
        mark("exit")
        path = os.environ.get("MEM_LOG")
        if path:
            if _TRACE and os.environ.get("MEM_TOP"):
                snap = tracemalloc.take_snapshot()
                top = [(str(s.traceback), s.size / 2**20, s.count)
                       for s in snap.statistics("traceback" if int(os.environ.get("MEM_FRAMES", "1")) > 1 else "lineno")[:40]]
            else:
                top = []
            with open(path, "w") as fh:
                json.dump({"events": _events, "top": top}, fh)
        super().stop_application_mode()
