"""Memory: max RSS of caseterm with the 10,000-client database open, vs a bare Textual app.

    python benchmarks/bench_memory.py [--runs 3] [--sizes 150 10000]

Each run is a fresh process driven by benchmarks/_paint_driver.py: caseterm
runs until the caseload rows AND the due-today list have painted (everything
the first screen loads), then stays up BENCH_HOLD seconds; the baseline is
benchmarks/hello_app.py until its first frame, same hold. Max RSS is the
child's ru_maxrss from wait4().
Goal: caseterm at 10,000 clients <= 1.5 x hello + 50 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

from _common import HERE, OUT, PYTHON, ROOT, TREE, ensure, isolated_env, line, median, record

HOLD = "0.3"


def max_rss_mib(cmd: list[str], ready: str) -> float:
    OUT.mkdir(parents=True, exist_ok=True)
    fd, marks = tempfile.mkstemp(prefix="mem-", suffix=".json", dir=OUT)
    os.close(fd)
    env = isolated_env(
        TEXTUAL_DRIVER="_paint_driver:PaintDriver",
        PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        BENCH_READY=ready,
        BENCH_READY_FILE=marks,
        BENCH_HOLD=HOLD,
        BENCH_TIMEOUT="300",
    )
    proc = subprocess.Popen(cmd, env=env, cwd=TREE, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    ok = json.loads(Path(marks).read_text() or "{}").get("ready")
    os.unlink(marks)
    if proc.returncode != 0 or not ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 10_000])
    args = parser.parse_args()
    dbs = {n: ensure(n) for n in args.sizes}
    hello: list[float] = []
    app: dict[int, list[float]] = {n: [] for n in dbs}
    for _ in range(args.runs):
        hello.append(max_rss_mib([PYTHON, str(HERE / "hello_app.py")], "paint"))
        for n, db in dbs.items():
            app[n].append(max_rss_mib([PYTHON, "-m", "caseterm", "--db", str(db)], "due:#caseload-table"))
    base = median(hello)
    print(f"max RSS after the first screen has loaded, median of {args.runs} runs")
    line("bare Textual hello app (baseline)", f"{base:.1f} MiB")
    summary: dict[str, object] = {"runs": args.runs, "hello_mib": round(base, 1)}
    for n, values in app.items():
        m = median(values)
        limit = 1.5 * base + 50
        note = f"{m / base:.2f}x hello"
        if n == 10_000:
            note += f"  {'goal met' if m <= limit else 'GOAL MISSED'} (<= {limit:.0f} MiB)"
        line(f"caseterm, {n:,} clients", f"{m:.1f} MiB", note)
        summary[f"{n}_mib"] = round(m, 1)
    summary["limit_mib"] = round(1.5 * base + 50, 1)
    record("memory", summary)


if __name__ == "__main__":
    main()
