"""Cold start to first paint of the caseload screen, vs a bare Textual app.

    python benchmarks/bench_startup.py [--runs 7] [--sizes 150 10000] [--due]

Each run is a fresh interpreter (`python -m caseterm --db <generated db>`,
date pinned), driven by benchmarks/_paint_driver.py through TEXTUAL_DRIVER:
every frame is rendered as for a terminal, and the app exits once the
caseload table has painted its rows. The baseline, benchmarks/hello_app.py,
is run the same way in the same loop (runs interleaved, so machine load hits
both alike). Times are from spawning the process to the frame.

Reported per database:
  screen  first frame of the caseload screen (table may still be empty)
  rows    first frame that draws the caseload rows — the figure of the goal
  cpu     CPU seconds of the process (all threads) until that frame: moves
          far less than wall time when other work shares the machine
  due     (--due) first frame with rows and the due-today list worked out
Goal (issue 14): rows <= 1.5x hello at 150 clients, <= 2.0x at 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from _common import HERE, OUT, PYTHON, ROOT, TREE, ensure, fmt_ms, isolated_env, line, median, record

GOALS = {150: 1.5, 10_000: 2.0}


def spawn(cmd: list[str], ready: str, screen: str = "", hold: float = 0.0) -> dict[str, float]:
    OUT.mkdir(parents=True, exist_ok=True)
    fd, marks_path = tempfile.mkstemp(prefix="ready-", suffix=".json", dir=OUT)
    os.close(fd)
    # BENCH_DRIVER / PYTHONPATH let an experiment wrap the driver (and patch the app from it).
    env = isolated_env(
        TEXTUAL_DRIVER=os.environ.get("BENCH_DRIVER", "_paint_driver:PaintDriver"),
        PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        BENCH_READY=ready,
        BENCH_SCREEN=screen,
        BENCH_READY_FILE=marks_path,
        BENCH_HOLD=str(hold),
    )
    t0 = time.time()
    env["BENCH_T0"] = repr(t0)
    proc = subprocess.run(cmd, env=env, cwd=TREE, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.time() - t0
    try:
        marks = json.loads(Path(marks_path).read_text() or "{}")
    finally:
        os.unlink(marks_path)
    if proc.returncode != 0 or "ready" not in marks:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = {k: v - t0 for k, v in marks.items()}
    out["wall"] = wall
    return out


def caseterm_cmd(db: Path) -> list[str]:
    return [PYTHON, "-m", "caseterm", "--db", str(db)]


def hello_cmd() -> list[str]:
    return [PYTHON, str(HERE / "hello_app.py")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 10_000])
    parser.add_argument("--due", action="store_true", help="also time until the due list is shown")
    args = parser.parse_args()
    dbs = {n: ensure(n) for n in args.sizes}

    # One warm-up of each, so the OS file cache is the same for every timed run.
    spawn(hello_cmd(), "paint")
    for db in dbs.values():
        spawn(caseterm_cmd(db), "rows:#caseload-table", "CaseloadScreen")

    hello: list[float] = []
    hello_cpu: list[float] = []
    results: dict[int, dict[str, list[float]]] = {
        n: {"screen": [], "rows": [], "cpu": [], "due": [], "wall": []} for n in dbs
    }
    for _ in range(args.runs):
        h = spawn(hello_cmd(), "paint")
        hello.append(h["ready"])
        hello_cpu.append(h["ready_cpu"])
        for n, db in dbs.items():
            r = spawn(caseterm_cmd(db), "rows:#caseload-table", "CaseloadScreen")
            results[n]["screen"].append(r.get("screen_paint", r["ready"]))
            results[n]["rows"].append(r["ready"])
            results[n]["cpu"].append(r["ready_cpu"])
            results[n]["wall"].append(r["wall"])
            if args.due:
                results[n]["due"].append(spawn(caseterm_cmd(db), "due:#caseload-table", "CaseloadScreen")["ready"])

    base = median(hello)
    base_cpu = median(hello_cpu)
    print(f"start-up to first paint, median of {args.runs} runs (spawn -> frame)")
    line("bare Textual hello app (baseline)", fmt_ms(base))
    line("bare Textual hello app, CPU to its frame", fmt_ms(base_cpu))
    summary: dict[str, object] = {"runs": args.runs, "hello_ms": round(base * 1000, 1),
                                  "hello_cpu_ms": round(base_cpu * 1000, 1)}
    for n, res in results.items():
        rows = median(res["rows"])
        screen = median(res["screen"])
        goal = GOALS.get(n)
        ok = "" if goal is None else ("goal met" if rows / base <= goal else "GOAL MISSED") + f" (<= {goal}x)"
        line(f"caseterm {n:,} clients: caseload screen", fmt_ms(screen), f"{screen / base:.2f}x")
        line(f"caseterm {n:,} clients: rows painted", fmt_ms(rows), f"{rows / base:.2f}x  {ok}")
        cpu = median(res["cpu"])
        line(f"caseterm {n:,} clients: CPU to rows painted", fmt_ms(cpu), f"{cpu / base_cpu:.2f}x")
        summary[f"{n}_cpu_ms"] = round(cpu * 1000, 1)
        summary[f"{n}_cpu_ratio"] = round(cpu / base_cpu, 2)
        summary[f"{n}_screen_ms"] = round(screen * 1000, 1)
        summary[f"{n}_rows_ms"] = round(rows * 1000, 1)
        summary[f"{n}_ratio"] = round(rows / base, 2)
        if res["due"]:
            due = median(res["due"])
            line(f"caseterm {n:,} clients: due list shown", fmt_ms(due), f"{due / base:.2f}x")
            summary[f"{n}_due_ms"] = round(due * 1000, 1)
    record("startup", summary)


if __name__ == "__main__":
    main()
