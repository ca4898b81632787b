"""Where the max RSS of the real app comes from, step by step (issue 25.5, round 4).

    python benchmarks/experiments/memory_timeline.py [--size 10000] [--trace] [--top] [--day new|same]

Runs `python -m caseterm --db COPY` as bench_memory.py does (the paint driver, held until the
rows and the due list have painted), with `_mem_driver.MemDriver`: each start-up step logs
the RSS when it starts and ends and the highest RSS sampled (every 2 ms) since the previous
mark. `--day new`: the copy is started
once the day before first, so the measured start is the first of a day (it stores every
client's items for the new day; the generated file itself has none stored, and every client
marked by the insert triggers); `--day same` (default): the copy is started once the same day
first, so the measured start reads the stored table (a second start the same day). Either
way the first start has taken the day's automatic backup. `--trace`: tracemalloc on (slower, and its own overhead is in the RSS), with
the Python heap traced now and its peak since the last mark; `--top`: the 40 biggest
allocation sites at exit. BENCH_TREE runs another tree, as the bench scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import HERE, OUT, PYTHON, TODAY, TODAY_ISO, TREE, copy_db, discard_copy, ensure, isolated_env  # noqa: E402


def run(db: Path, trace: bool, top: bool, frames: int, wrap: str = "", today: str = TODAY_ISO,
        noop: str = "") -> tuple[float, dict]:
    fd, log = tempfile.mkstemp(prefix="memlog-", suffix=".json", dir=OUT)
    os.close(fd)
    fd, marks = tempfile.mkstemp(prefix="mem-", suffix=".json", dir=OUT)
    os.close(fd)
    env = isolated_env(
        TEXTUAL_DRIVER="_mem_driver:MemDriver",
        PYTHONPATH=os.pathsep.join([str(HERE / "experiments"), str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        BENCH_READY="due:#caseload-table",
        BENCH_READY_FILE=marks,
        BENCH_HOLD="0.3",
        BENCH_TIMEOUT="300",
        MEM_LOG=log,
        MEM_TRACE="1" if trace else "",
        MEM_TOP="1" if top else "",
        MEM_FRAMES=str(frames),
        MEM_WRAP=wrap,
        CASETERM_TODAY=today,
        MEM_NOOP=noop,
    )
    proc = subprocess.Popen([PYTHON, "-m", "caseterm", "--db", str(db)], env=env, cwd=TREE,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed:\n{err[-3000:]}")
    data = json.loads(Path(log).read_text() or "{}")
    os.unlink(log)
    os.unlink(marks)
    return usage.ru_maxrss / 1024, data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--day", choices=("new", "same"), default="same")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--top", action="store_true")
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument("--wrap", default="", help="more steps: module:Qual.name,...")
    parser.add_argument("--noop", default="", help="steps made to do nothing (what-if): module:Qual.name,...")
    parser.add_argument("--quiet", action="store_true", help="only the max RSS line")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = copy_db(ensure(args.size), "memtl")
    try:
        # the day before (a new day: every client's stamp is yesterday's) or the same day first
        before = TODAY - dt.timedelta(days=1) if args.day == "new" else TODAY
        run(db, False, False, 1, today=before.isoformat())
        maxrss, data = run(db, args.trace, args.top, args.frames, args.wrap, noop=args.noop)
    finally:
        discard_copy(db)
    print(f"max RSS (wait4) {maxrss:.1f} MiB; {args.size:,} clients, {args.day} day{', traced' if args.trace else ''}"
          f"{'; no-op: ' + args.noop if args.noop else ''}")
    if args.quiet:
        return
    print(f"{'t s':>7} {'RSS':>7} {'peak<':>7} {'thr':>3} {'mods':>5} {'sqlite':>6} {'sq-hw':>6} {'traced':>7} {'tpeak<':>7}  step")
    for e in data["events"]:
        traced = f"{e['traced']:7.1f} {e['traced_peak_since']:7.1f}" if "traced" in e else " " * 15
        print(f"{e['t']:7.3f} {e['rss']:7.1f} {e['peak_since']:7.1f} {e['threads']:3d} {e['modules']:4d}{'*' if e['sa'] else ' '} {e.get('sqlite', 0):6.1f} {e.get('sqlite_hw', 0):6.1f} {traced}  {e['step']}")
    for where, size, count in data.get("top", []):
        print(f"{size:7.2f} MiB {count:8d}  {where}")


if __name__ == "__main__":
    main()
