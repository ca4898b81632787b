"""Start-up A/B in one interleaved loop: hello, this tree, and another tree (BEFORE_TREE).

    BEFORE_TREE=/tmp/before python benchmarks/experiments/ab_startup.py [runs]

The other tree is `git archive <commit> caseterm migrations | tar -x -C /tmp/before`;
its children run there with it first on PYTHONPATH (as BENCH_TREE does), so both
versions meet the same machine load in every round. Rows painted, spawn -> frame.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _common import OUT, PYTHON, ROOT, ensure, isolated_env  # noqa: E402

BEFORE = Path(os.environ["BEFORE_TREE"])


def spawn(cmd: list[str], ready: str, tree: Path) -> float:
    OUT.mkdir(parents=True, exist_ok=True)
    fd, marks = tempfile.mkstemp(prefix="ab-", suffix=".json", dir=OUT)
    os.close(fd)
    path = [str(HERE.parent)] + ([str(tree)] if tree != ROOT else [])
    env = isolated_env(TEXTUAL_DRIVER="_paint_driver:PaintDriver", PYTHONPATH=os.pathsep.join(path),
                       BENCH_READY=ready, BENCH_SCREEN="CaseloadScreen", BENCH_READY_FILE=marks, BENCH_HOLD="0")
    t0 = time.time()
    proc = subprocess.run(cmd, env=env, cwd=tree, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    got = json.loads(Path(marks).read_text() or "{}")
    os.unlink(marks)
    if proc.returncode or "ready" not in got:
        raise SystemExit(proc.stderr[-2000:])
    return got["ready"] - t0


runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
dbs = {n: ensure(n) for n in (150, 10_000)}
hello: list[float] = []
times = {(who, n): [] for who in ("after", "before") for n in dbs}
for _ in range(runs):
    hello.append(spawn([PYTHON, str(HERE.parent / "hello_app.py")], "paint", ROOT))
    for n, db in dbs.items():
        for who, tree in (("after", ROOT), ("before", BEFORE)):
            times[(who, n)].append(spawn([PYTHON, "-m", "caseterm", "--db", str(db)], "rows:#caseload-table", tree))
base = statistics.median(hello)
print(f"hello {base * 1000:.0f} ms (median of {runs})")
for (who, n), values in times.items():
    m = statistics.median(values)
    print(f"{who:6s} {n:>6,} clients: rows painted {m * 1000:6.0f} ms = {m / base:.2f}x")
