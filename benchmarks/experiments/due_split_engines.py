"""Where a full due list goes on each engine: the snapshot's SQL + row building vs the rules.

    python benchmarks/experiments/due_split_engines.py [N] [--runs 3]
        # under BENCH_PG=1 / BENCH_PG=worker: the PostgreSQL database (owner / case manager)

In process, after one warm-up: `due.load_snapshot` (the bulk queries and snapshot objects)
and `rules.compute_due` on it, medians of --runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import db_url, ensure, median, pin_in_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pin_in_process()
    from caseterm import clock
    from caseterm.policy import load_policy
    from caseterm.rules.engine import compute_due
    from caseterm.services import due
    from caseterm.store import open_store, session_scope

    engine = open_store(db_url(ensure(args.n)))
    policy, day = load_policy(), clock.today()
    snap_t, rules_t, count = [], [], 0
    for k in range(args.runs + 1):
        with session_scope(engine) as session:
            t0 = time.perf_counter()
            snap = due.load_snapshot(session, day, policy)
            t1 = time.perf_counter()
            items = compute_due(snap, policy, day)
            t2 = time.perf_counter()
        count = len(items)
        if k:
            snap_t.append(t1 - t0)
            rules_t.append(t2 - t1)
    print(f"{engine.dialect.name} {engine.url.username or ''} {args.n:,}: snapshot {median(snap_t) * 1000:.0f} ms, "
          f"rules {median(rules_t) * 1000:.0f} ms, {count:,} items (median of {args.runs})")


if __name__ == "__main__":
    main()
