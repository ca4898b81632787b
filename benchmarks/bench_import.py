"""Import: wall time and peak memory of `caseterm import` of a ~50 MB interchange file.

    python benchmarks/bench_import.py [--runs 3] [--clients 2700] [--reimport]

The file is the JSON export of a generated database (benchmarks/generate.py,
2,700 clients: ~50 MB, ~66,000 notes, case plans with goals, objectives and
tasks), written once to benchmarks/out/ by this tree's exporter. Each run
imports it into an empty, already migrated database in a fresh process
(`python -m caseterm --db EMPTY import FILE`), so neither the export nor the
schema migration is counted. Wall time is spawn -> exit; peak memory is the
child's ru_maxrss from wait4() (the brief's RUSAGE_CHILDREN, but per child,
so one run's peak never hides another's). `--reimport` also times importing
the same file a second time into the database the first import filled (the
"nothing changed" path).

Under BENCH_PG (benchmarks/_pg.py) each run imports into a fresh, migrated
PostgreSQL database in the benchmark cluster (as its owner), dropped afterwards.

BENCH_TREE (see _common.py) measures another version of caseterm's import
with the same file and the same empty database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import OUT, PG, PYTHON, ROOT, TREE, discard_copy, isolated_env, line, median, record

sys.path.insert(0, str(ROOT))


def interchange_file(clients: int) -> Path:
    """The exported JSON of a generated `clients` database (made once, kept in benchmarks/out/)."""
    from generate import DATA, generate

    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"import-{clients}.json"
    if target.exists():
        return target
    db = DATA / f"clients-{clients}.db"
    if not db.exists():
        generate(db, clients)
    from caseterm.services.interchange import export_json
    from caseterm.store import open_store, resolve_url, session_scope

    with session_scope(open_store(resolve_url(str(db)))) as session:
        text = export_json(session)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(_comparable(text), encoding="utf-8")
    tmp.replace(target)
    return target


def _comparable(text: str) -> str:
    """The export, minus the few appointments that share client, start and kind with another.

    The generator double-books a handful of appointments (distinct uids); the
    import before this work refused such a file outright ("same record as"),
    so they are dropped (and notes' links to them cleared) to give the before
    and after code the same importable file. One record a line, as exported.
    """
    import json

    lines = text.split("\n")
    seen: set[tuple[str, str, str]] = set()
    dropped: set[str] = set()
    out: list[str] = []
    section = ""
    for raw in lines:
        stripped = raw.strip()
        if stripped.endswith(": ["):
            section = json.loads(stripped[:-3])
        if section in ("appointments", "notes") and stripped.startswith("{"):
            record = json.loads(stripped.rstrip(","))
            if section == "appointments":
                key = (record["case_number"], record["start"], record["kind"])
                if key in seen:
                    dropped.add(record["uid"])
                    continue
                seen.add(key)
            elif record.get("appointment") in dropped:
                record["appointment"] = None
                raw = "    " + json.dumps(record, ensure_ascii=False) + ("," if stripped.endswith(",") else "")
        out.append(raw)
    # A dropped last element leaves a trailing comma before "]".
    fixed = "\n".join(out)
    return fixed.replace(",\n  ]", "\n  ]")


def empty_db() -> Path | str:
    """A fresh, migrated, empty database (migration time is not the import's);
    under BENCH_PG a new PostgreSQL database's URL."""
    from caseterm.store import open_store, resolve_url

    if PG:
        import _pg

        cluster = _pg.cluster()
        url = cluster.url(cluster.create_database())
        open_store(url).dispose()
        return url
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=OUT))
    path = folder / "empty.db"
    open_store(resolve_url(str(path))).dispose()
    return path


def run_import(db: Path | str, source: Path) -> tuple[float, float, int, str]:
    """(seconds, peak MiB, exit status, last line of output) of one `caseterm import`."""
    cmd = [PYTHON, "-m", "caseterm", "--db", str(db), "import", str(source)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=isolated_env(), cwd=TREE, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    out = proc.stdout.read().decode(errors="replace").strip() if proc.stdout else ""
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.splitlines()[-1] if out else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2700)
    parser.add_argument("--reimport", action="store_true", help="also time a second import of the same file")
    args = parser.parse_args()
    source = interchange_file(args.clients)
    size_mb = source.stat().st_size / 1e6
    times: list[float] = []
    peaks: list[float] = []
    again: list[float] = []
    again_peaks: list[float] = []
    for _ in range(args.runs):
        db = empty_db()
        seconds, peak, code, last = run_import(db, source)
        if code != 0:
            raise SystemExit(f"import failed ({code}): {last}")
        times.append(seconds)
        peaks.append(peak)
        if args.reimport:
            seconds, peak, code, last = run_import(db, source)
            if code != 0:
                print(f"  re-import failed ({code}): {last}")
            else:
                again.append(seconds)
                again_peaks.append(peak)
        print(f"  run: {times[-1]:.1f} s, {peaks[-1]:.0f} MiB; {last}", file=sys.stderr)
        if PG:
            discard_copy(db)  # drops the scratch PostgreSQL database
    print(f"import of {source.name} ({size_mb:.1f} MB) into an empty {'PostgreSQL ' if PG else ''}database, median of {args.runs} runs (tree {TREE})")
    line("wall time", f"{median(times):.1f} s", f"runs: {', '.join(f'{t:.1f}' for t in times)}")
    line("peak RSS", f"{median(peaks):.0f} MiB", f"{median(peaks) / (size_mb / 1.048576):.1f}x the file")
    summary: dict[str, object] = {"file_mb": round(size_mb, 1), "runs": args.runs, "seconds": round(median(times), 2),
                                  "peak_mib": round(median(peaks), 1), "tree": str(TREE)}
    if again:
        line("re-import (nothing changes): wall time", f"{median(again):.1f} s")
        line("re-import: peak RSS", f"{median(again_peaks):.0f} MiB")
        summary.update(reimport_seconds=round(median(again), 2), reimport_peak_mib=round(median(again_peaks), 1))
    record("import", summary)


if __name__ == "__main__":
    main()
