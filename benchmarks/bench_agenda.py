"""`caseterm agenda --json` end to end, vs starting Python and `caseterm --help`.

    python benchmarks/bench_agenda.py [--runs 5] [--sizes 150 10000]

Each run is a fresh process (`python -m caseterm --db <db> agenda --json`,
date pinned), timed from spawn to exit, output checked to be JSON. The
baselines run in the same loop: `python -c pass` (the interpreter) and
`python -m caseterm --help` (the CLI with no database).
Goal (issue 14): < 1 s at 10,000 clients, and <= 2x the 150-client run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from _common import PYTHON, ROOT, TREE, ensure, fmt_ms, isolated_env, line, median, record

GOAL_S = 1.0


def run(cmd: list[str], check_json: bool = False) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=isolated_env(), cwd=TREE, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    if check_json:
        data = json.loads(proc.stdout)
        assert "due" in data and "blocks" in data, "unexpected agenda JSON"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 10_000])
    args = parser.parse_args()
    dbs = {n: ensure(n) for n in args.sizes}
    commands = {
        "python -c pass": ([PYTHON, "-c", "pass"], False),
        "caseterm --help": ([PYTHON, "-m", "caseterm", "--help"], False),
    }
    for n, db in dbs.items():
        commands[f"agenda --json, {n:,} clients"] = ([PYTHON, "-m", "caseterm", "--db", str(db), "agenda", "--json"], True)
    for cmd, check in commands.values():  # warm the file cache
        run(cmd, check)
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.runs):
        for name, (cmd, check) in commands.items():
            times[name].append(run(cmd, check))
    med = {k: median(v) for k, v in times.items()}
    py, helpc = med["python -c pass"], med["caseterm --help"]
    print(f"caseterm agenda --json end to end, median of {args.runs} runs")
    summary: dict[str, object] = {"runs": args.runs}
    for name, value in med.items():
        note = f"{value / py:.1f}x python, {value / helpc:.1f}x --help"
        if name.startswith("agenda") and name.endswith(" 10,000 clients"):
            small = med.get("agenda --json, 150 clients")
            ratio = value / small if small else None
            met = value < GOAL_S and (ratio is None or ratio <= 2.0)
            note += (f", {ratio:.2f}x the 150-client run" if ratio else "") + "  "
            note += ("goal met" if met else "GOAL MISSED") + " (< 1 s and <= 2x 150 clients)"
        line(name, fmt_ms(value), note)
        summary[name] = round(value * 1000, 1)
    record("agenda", summary)


if __name__ == "__main__":
    main()
