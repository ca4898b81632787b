"""Where the memory of caseterm at 10,000 clients goes, step by step, in one process.

    python benchmarks/experiments/memory_steps.py [benchmarks/data/clients-10000.db]

Prints the current RSS after: Textual; caseterm's first-frame modules; the
caseload rows read through the read-only connection; importing SQLAlchemy,
SQLModel, the models and the due service; computing the due list.
"""
import datetime as dt
import gc
import os
import resource
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DB = Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parent / "data" / "clients-10000.db").absolute()
DAY = dt.date(2026, 3, 10)


def rss() -> str:
    with open("/proc/self/statm") as statm:
        now = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{now:6.1f} MiB (peak {peak:.1f})"


print("python", rss())
import textual.app  # noqa: E402, F401
import textual.widgets  # noqa: E402, F401

print("textual", rss())
import caseterm.app  # noqa: E402, F401
import caseterm.screens.caseload  # noqa: E402, F401
from caseterm import readonly  # noqa: E402
from caseterm.services.caseload import read_caseload  # noqa: E402

print("first-frame modules", rss())
rows = read_caseload(None, DAY, readonly=readonly.connect(f"sqlite:///{DB}"))  # type: ignore[arg-type]
print(f"{len(rows):,} caseload rows", rss())
import caseterm.models  # noqa: E402, F401
import caseterm.services.due as due  # noqa: E402
from caseterm.store import open_store, session_scope  # noqa: E402

print("SQLAlchemy, SQLModel, models, due service", rss())
engine = open_store(f"sqlite:///{DB}", create=False)
with session_scope(engine) as session:
    items = due.due_items(session, DAY)
gc.collect()
print(f"due list ({len(items):,} items)", rss())
