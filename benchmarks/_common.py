"""Helpers shared by the bench_*.py scripts (timing, medians, environment, results)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PYTHON = sys.executable

sys.path.insert(0, str(HERE))
from generate import TODAY  # noqa: E402
from generate import ensure as _ensure_plain  # noqa: E402

#: BENCH_ENCRYPTED=1: every figure on a SQLCipher-encrypted copy of the generated database
#: (issue 16), opened with this passphrase through CASETERM_PASSPHRASE (children) or in process.
ENCRYPTED = os.environ.get("BENCH_ENCRYPTED") == "1"
BENCH_PASSPHRASE = "bench passphrase"
if ENCRYPTED:
    os.environ["CASETERM_PASSPHRASE"] = BENCH_PASSPHRASE


#: BENCH_PG=1: every figure on PostgreSQL (issue 15), as the database owner (no row-level
#: security); BENCH_PG=worker: as case manager `bench_cm` (1,000 of the clients, policies on).
#: The cluster and its databases live in benchmarks/_pg.py.
PG = os.environ.get("BENCH_PG", "")


def ensure(clients: int | None = None, search: bool = False) -> Path:
    """The generated database; under BENCH_ENCRYPTED=1 an encrypted copy of it (made once);
    under BENCH_PG the postgresql:// URL of a database loaded from it (a str)."""
    plain = _ensure_plain(clients, search)
    if PG:
        import _pg

        return _pg.ensure_pg(plain, login=None if PG == "1" else _pg.CASE_MANAGER)  # type: ignore[return-value]
    if not ENCRYPTED:
        return plain
    from caseterm import cipher

    path = plain.with_name(plain.stem + ".encrypted.db")
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        cipher.export(plain, tmp, src_key=None, dest_key=BENCH_PASSPHRASE)
        tmp.replace(path)
    cipher.set_passphrase(BENCH_PASSPHRASE)
    return path

#: BENCH_TREE=/path/to/an/exported/tree measures another version of caseterm
#: (e.g. `git archive <commit> caseterm migrations | tar -x -C /tmp/old`):
#: children run there and import it first. Data and benchmark code stay these.
TREE = Path(os.environ.get("BENCH_TREE") or ROOT)

TODAY_ISO = TODAY.isoformat()


def isolated_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: pinned date, private config/data dirs.

    The user's own settings, data folder and logs are never touched.
    """
    home = OUT / "home"
    for sub in ("data", "config", "state", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        CASETERM_TODAY=TODAY_ISO,
        CASETERM_NOW="09:00",
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONDONTWRITEBYTECODE="",
        COLUMNS="160",
        LINES="48",
    )
    env.pop("CASETERM_DB", None)
    env.update(extra)
    if os.environ.get("BENCH_TREE"):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(TREE), env.get("PYTHONPATH", "")) if p)
    return env


def pin_in_process() -> None:
    """Pin the date (and time) in this process, as the env does for children."""
    os.environ["CASETERM_TODAY"] = TODAY_ISO
    os.environ["CASETERM_NOW"] = "09:00"
    for key, value in isolated_env().items():
        if key.startswith("XDG_"):
            os.environ[key] = value


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def time_call(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def db_url(db: Path | str) -> str:
    """What `ensure` returned, as a URL for open_store (a file path or, under BENCH_PG, the URL)."""
    return db if isinstance(db, str) else f"sqlite:///{db}"


def copy_db(src: Path, tag: str) -> Path:
    """A scratch copy of a generated database (benchmarks that write use this);
    under BENCH_PG a scratch database made from the loaded one as template (a URL)."""
    import sqlite3

    if isinstance(src, str):
        import _pg

        return _pg.copy_database(src, tag)  # type: ignore[return-value]

    OUT.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix=f"{tag}-", dir=OUT)) / src.name
    if ENCRYPTED:  # no WAL beside a freshly exported file: a byte copy is the database
        import shutil

        shutil.copyfile(src, dest)
        os.chmod(dest, 0o600)
        return dest
    source = sqlite3.connect(src)
    target = sqlite3.connect(dest)
    with target:
        source.backup(target)
    source.close()
    target.close()
    os.chmod(dest, 0o600)
    return dest


def discard_copy(db: Path | str) -> None:
    """Remove a scratch copy made by copy_db."""
    if isinstance(db, str):
        import _pg

        _pg.discard(db)
        return
    import shutil

    shutil.rmtree(db.parent, ignore_errors=True)


def record(figure: str, values: dict[str, object]) -> None:
    """Keep the latest result of each figure in benchmarks/out/results.json
    (under BENCH_PG as `figure (pg)` / `figure (pg worker)`)."""
    OUT.mkdir(parents=True, exist_ok=True)
    if PG:
        figure += " (pg)" if PG == "1" else " (pg worker)"
    path = OUT / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    values = dict(values, when=time.strftime("%Y-%m-%d %H:%M:%S"))
    data[figure] = values
    path.write_text(json.dumps(data, indent=2, default=str))


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>14}  {note}")


if os.environ.get("BENCH_TREE"):  # in-process benchmarks import that tree too
    sys.path.insert(1, str(TREE))

__all__ = ["ensure", "db_url", "copy_db", "TODAY", "TODAY_ISO", "PYTHON", "ROOT", "OUT", "HERE", "TREE"]


def run_child(script: str, n: int, opens: int, what: str) -> dict:
    """Run `script --child N --opens K` in an interpreter of its own and return the JSON of
    its last line. Each size in its own process: a second app in the same process measures
    the garbage of the first one (10,000 after 150 in one process: 537 ms vs 147 ms)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, script, "--child", str(n), "--opens", str(opens)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{what} benchmark at {n} clients failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def screen_bench(script: str, figure: str, title: str, measure: Callable[[int, int], object],
                 shown: list[tuple[str, str]], goal_ms: float) -> None:
    """The command line of a screen benchmark (note form, schedule): per size, in a child
    process, `measure(n, opens)` gives {"bare": [...], key: [...]} for each (key, label) in
    `shown`; each figure is printed against the bare screen and the goal, and recorded."""
    import argparse
    import asyncio

    parser = argparse.ArgumentParser()
    parser.add_argument("--opens", type=int, default=15)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 10_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    pin_in_process()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.opens))))  # type: ignore[arg-type]
        return
    summary: dict[str, object] = {"opens": args.opens}
    print(f"{title}, median of {args.opens}")
    for n in args.sizes:
        times = run_child(script, n, args.opens, figure.replace("_", "-"))
        b = median(times["bare"])
        line(f"{n:,} clients: bare screen (baseline)", fmt_ms(b))
        summary[f"{n}_bare_ms"] = round(b * 1000, 1)
        for what, label in shown:
            t = median(times[what])
            ok = ("goal met" if t * 1000 < goal_ms else "GOAL MISSED") + f" (< {goal_ms:.0f} ms)"
            line(f"{n:,} clients: {label}", fmt_ms(t), f"{t / b:.1f}x bare  {ok}")
            summary[f"{n}_{what}_ms"] = round(t * 1000, 1)
            summary[f"{n}_{what}_max_ms"] = round(max(times[what]) * 1000, 1)
    record(figure, summary)
