"""Save a note: the transaction (note + FTS index + draft cleared) and the due-list refresh.

    python benchmarks/bench_note_save.py [--runs 15] [--sizes 150 10000]

Works on a scratch copy of each generated database. Each run does what
NoteScreen.action_save does: one transaction (get_client, notes.add_note —
whose AFTER INSERT trigger indexes the text in note_fts — notes.discard_draft,
commit), then what the app does on DataChanged(client_id): its DueCache
recomputes that client and the caseload-wide items (issue 14); before issue
14 it was due.due_items() for the whole caseload, still measured once per size
("full recompute", what start-up, the periodic refresh and a new day do).

Baseline, same engine and loop: one INSERT + COMMIT of the same text into a
plain table (the floor for a durable write with the store's pragmas).
Goal: save + due refresh < 20 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from sqlalchemy import text

from _common import copy_db, db_url, discard_copy, ensure, fmt_ms, line, median, pin_in_process, record
from generate import note_text

GOAL_MS = 20.0


def measure(n: int, runs: int) -> dict[str, list[float]]:
    from caseterm import clock
    from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
    from caseterm.services import due, due_table, notes
    from caseterm.services.clients import get_client
    from caseterm.store import open_store, session_scope

    db = copy_db(ensure(n), "note-save")
    engine = open_store(db_url(db))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, body TEXT)"))
        cases = conn.execute(text("SELECT case_number FROM client ORDER BY id")).scalars().all()  # those visible
    rng = random.Random(7)
    out: dict[str, list[float]] = {"baseline": [], "save": [], "due": [], "total": [], "full": []}
    cache = due_table.DueCache()
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        cache.refresh(session, clock.today())  # the app's first (full) due list
    out["full"].append(time.perf_counter() - t0)
    for k in range(runs + 1):  # first run warms up imports and caches
        case = rng.choice(cases)
        body = note_text(rng)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_scratch (body) VALUES (:b)"), {"b": body})
        t1 = time.perf_counter()
        with session_scope(engine) as session:
            client = get_client(session, case)
            notes.add_note(
                session, client, type=NoteType.CONTACT, text=body,
                contact_at=dt.datetime.combine(clock.today(), dt.time(8, 30)) + dt.timedelta(seconds=k),
                method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=15,
            )
            notes.discard_draft(session, client)
            session.flush()
            client_id = client.id
        t2 = time.perf_counter()
        cache.invalidate(client_id)  # DataChanged(client_id)
        with session_scope(engine) as session:
            cache.refresh(session, clock.today())
        t3 = time.perf_counter()
        if k:
            out["baseline"].append(t1 - t0)
            out["save"].append(t2 - t1)
            out["due"].append(t3 - t2)
            out["total"].append(t3 - t1)
    engine.dispose()
    discard_copy(db)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 10_000])
    args = parser.parse_args()
    pin_in_process()
    summary: dict[str, object] = {"runs": args.runs}
    print(f"save a note (+ FTS) and refresh the due list, median of {args.runs} runs")
    for n in args.sizes:
        res = {k: median(v) for k, v in measure(n, args.runs if n < 10_000 else max(3, args.runs // 3)).items()}
        base = res["baseline"]
        ok = ("goal met" if res["total"] * 1000 < GOAL_MS else "GOAL MISSED") + f" (< {GOAL_MS:.0f} ms)"
        line(f"{n:,} clients: INSERT+COMMIT (baseline)", fmt_ms(base))
        line(f"{n:,} clients: save transaction (note+FTS)", fmt_ms(res["save"]), f"{res['save'] / base:.1f}x")
        line(f"{n:,} clients: due-list refresh (the saved client)", fmt_ms(res["due"]), f"{res['due'] / base:.1f}x")
        line(f"{n:,} clients: (full due-list recompute, once)", fmt_ms(res["full"]))
        line(f"{n:,} clients: save + due refresh", fmt_ms(res["total"]), f"{res['total'] / base:.1f}x  {ok}")
        for key, value in res.items():
            summary[f"{n}_{key}_ms"] = round(value * 1000, 2)
    record("note_save", summary)


if __name__ == "__main__":
    main()
