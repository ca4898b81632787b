"""How fast could caseterm's first screen be? Compare, in one interleaved loop:
the bare Textual app, `first_paint_sqlite3.py` (click + Textual + the caseload
query through stdlib sqlite3, no SQLAlchemy/SQLModel before the first frame),
and caseterm itself.

    python benchmarks/experiments/run_first_paint.py [runs]
"""
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import bench_startup as bs  # noqa: E402
from _common import PYTHON, ensure  # noqa: E402

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
sizes = (150, 10_000)
proto = {n: [] for n in sizes}
real = {n: [] for n in sizes}
hello = []
for i in range(runs + 1):  # the first round warms the file cache
    h = bs.spawn(bs.hello_cmd(), "paint")["ready"]
    for n in sizes:
        p = bs.spawn([PYTHON, str(HERE / "first_paint_sqlite3.py"), str(ensure(n))], "rows:#caseload-table")["ready"]
        c = bs.spawn(bs.caseterm_cmd(ensure(n)), "rows:#caseload-table", "CaseloadScreen")["ready"]
        if i:
            proto[n].append(p)
            real[n].append(c)
    if i:
        hello.append(h)
base = statistics.median(hello)
print(f"rows painted, median of {runs}; hello {base * 1000:.0f} ms")
for n in sizes:
    p, c = statistics.median(proto[n]), statistics.median(real[n])
    print(f"{n:>6,} clients: sqlite3 prototype {p * 1000:.0f} ms = {p / base:.2f}x   caseterm {c * 1000:.0f} ms = {c / base:.2f}x")
