"""The row-level security policies' cost (issue 22, item 9): the same writes as owner and as case manager.

    python benchmarks/bench_pg_policies.py [--runs 5] [--size 10000]

PostgreSQL only (the cluster of benchmarks/_pg.py, loaded once from the
generated SQLite file). On a scratch copy of the database, each figure runs
the same statement as the database owner (not subject to the policies) and
as case manager `bench_cm` (1,000 of the 10,000 clients, every policy on),
in a transaction that is rolled back, so every run sees the same data:

- bulk insert: 3,000 `hours` rows for the case manager's clients in one
  INSERT ... SELECT (WITH CHECK on each row);
- update: 242 of the case manager's `hours` rows (USING and WITH CHECK);
- read: every `note` row the login sees, counted (USING).

Goal: the case manager's bulk insert <= 2x the owner's. Before issue 22's
policies (0006: `caseterm_writable(client_id)` per row) it was 1.9 s against
56 ms (34x), the update 176 ms against 5 ms. Note save + refresh and
`agenda` as a case manager are bench_note_save.py and bench_agenda.py under
BENCH_PG=1 (owner) and BENCH_PG=worker (case manager).
"""

from __future__ import annotations

import argparse
import time

from _common import fmt_ms, line, median, record

GOAL_RATIO = 2.0

INSERT = """
INSERT INTO hours (client_id, week, activity, hours, verified_by)
SELECT c.id, DATE '2020-01-06' + 7 * (g %% 100), 'work_search', 2.5, NULL
FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM client WHERE worker_id = %(cm)s) c
JOIN generate_series(0, 2999) g ON g %% %(n)s = (c.k - 1)
"""
UPDATE = """
UPDATE hours SET hours = hours + 0.5
WHERE id IN (SELECT h.id FROM hours h JOIN client c ON c.id = h.client_id
             WHERE c.worker_id = %(cm)s ORDER BY h.id LIMIT 242)
"""
READ = "SELECT count(*) FROM note"


def _time(conn, sql: str, params: dict, runs: int) -> tuple[list[float], int]:  # noqa: ANN001
    times, rows = [], 0
    for k in range(runs + 1):  # the first run warms the caches
        with conn.transaction(force_rollback=True):
            t0 = time.perf_counter()
            cur = conn.execute(sql, params)
            rows = cur.rowcount if cur.description is None else cur.fetchone()[0]
            elapsed = time.perf_counter() - t0
        if k:
            times.append(elapsed)
    return times, rows


def main() -> None:
    import psycopg

    import _pg
    from _common import pin_in_process
    from generate import ensure as ensure_plain

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    pin_in_process()
    owner_url = _pg.ensure_pg(ensure_plain(args.size))
    scratch = _pg.copy_database(owner_url, "policies")
    cm_url = scratch.replace(f"postgresql://{_pg.cluster().superuser}@", f"postgresql://{_pg.CASE_MANAGER}@")
    summary: dict[str, object] = {"runs": args.runs, "size": args.size}
    with psycopg.connect(scratch) as owner, psycopg.connect(cm_url) as cm:
        cm_id = owner.execute("SELECT id FROM worker WHERE login = %s", (_pg.CASE_MANAGER,)).fetchone()[0]
        n = owner.execute("SELECT count(*) FROM client WHERE worker_id = %s", (cm_id,)).fetchone()[0]
        owner.commit()
        params = {"cm": cm_id, "n": n}
        print(f"policies' cost at {args.size:,} clients ({n:,} the case manager's), median of {args.runs} runs")
        for name, sql in (("bulk insert 3,000 hours rows", INSERT), ("update 242 hours rows", UPDATE),
                          ("count the notes one sees", READ)):
            as_owner, rows_owner = _time(owner, sql, params, args.runs)
            as_cm, rows_cm = _time(cm, sql, params, args.runs)
            ratio = median(as_cm) / median(as_owner)
            goal = ""
            if sql is INSERT:
                goal = ("goal met" if ratio <= GOAL_RATIO else "GOAL MISSED") + f" (<= {GOAL_RATIO:.0f}x owner)"
            line(f"{name}: owner ({rows_owner:,} rows)", fmt_ms(median(as_owner)))
            line(f"{name}: case manager ({rows_cm:,} rows)", fmt_ms(median(as_cm)), f"{ratio:.1f}x owner  {goal}")
            key = name.split()[0]
            summary[f"{key}_owner_ms"] = round(median(as_owner) * 1000, 2)
            summary[f"{key}_cm_ms"] = round(median(as_cm) * 1000, 2)
    _pg.discard(scratch)
    record("pg_policies", summary)


if __name__ == "__main__":
    main()
