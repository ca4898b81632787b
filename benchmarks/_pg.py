"""PostgreSQL for the benchmarks (BENCH_PG, issue 15): a local cluster, databases loaded from the generated SQLite files.

    BENCH_PG=1 python benchmarks/bench_agenda.py        # as the database owner (no row-level security)
    BENCH_PG=worker python benchmarks/bench_agenda.py   # as case manager bench_cm: 1,000 of 10,000 clients, policies on
    python benchmarks/_pg.py --drop                     # remove the cluster and its data

The cluster is tests/pg_support.py's (initdb and pg_ctl as the `postgres` system user when
run as root, a Unix socket in its folder, no TCP), but in a fixed folder
(BENCH_PG_DIR, default /tmp/caseterm-bench-pg) whose data is kept between scripts, so each
database is loaded once; the process that starts the server stops it at exit. Unlike the
test cluster it runs with PostgreSQL's default durability (fsync on, synchronous_commit on),
as a server would.

Loading (once per size, ~1 min at 10,000 clients): the SQLite file is migrated to the head
revision, an empty PostgreSQL database is migrated by caseterm's own migrations, then every
table is copied with COPY (the columns both have; `note.search_vector` is a generated column
PostgreSQL fills; `session_replication_role = replica` keeps the row triggers — note author,
client history — from rewriting the copied rows, as an import by the owner keeps them),
sequences are moved past the copied ids, `team init` runs, ten case managers are added
(`worker add`) and the clients are assigned in turn (client id mod 10: `bench_cm` holds
1,000 of 10,000), then VACUUM ANALYZE. The database is renamed into place only when complete.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
import pg_support  # noqa: E402  (the test suite's cluster helpers)

FOLDER = Path(os.environ.get("BENCH_PG_DIR") or "/tmp/caseterm-bench-pg")
PORT = 5432
CASE_MANAGER = "bench_cm"
WORKERS = [CASE_MANAGER] + [f"bench_cm{k}" for k in range(2, 11)]
_SKIP_TABLES = {"alembic_version", "sqlite_stat1"}

_cluster: pg_support.PgCluster | None = None


def cluster() -> pg_support.PgCluster:
    """The benchmark cluster, started if it is not running (and then stopped at exit)."""
    global _cluster
    if _cluster is not None:
        return _cluster
    reason = pg_support.unavailable_reason()
    if reason:
        raise SystemExit(f"BENCH_PG: {reason}")
    bindir = pg_support.pg_bindir()
    assert bindir is not None
    superuser = "postgres" if os.geteuid() == 0 else pg_support._current_user()
    found = pg_support.PgCluster(bindir=bindir, folder=FOLDER, port=PORT, superuser=superuser)
    data = FOLDER / "data"
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(FOLDER, ignore_errors=True)
        FOLDER.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(FOLDER, user="postgres", group="postgres")
        os.chmod(FOLDER, 0o700)
        pg_support._as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", superuser, "--auth=trust",
                                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
    status = pg_support._as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "status"], check=False)
    if status.returncode != 0:
        options = f"-c listen_addresses='' -c unix_socket_directories='{FOLDER}' -c port={PORT}"
        result = pg_support._as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(FOLDER / "log"),
                                          "-o", options, "-w", "start"], check=False)
        if result.returncode != 0:
            raise SystemExit(f"BENCH_PG: pg_ctl start failed: {result.stderr}")
        atexit.register(lambda: pg_support._as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], check=False))
    _cluster = found
    return found


def _exists(c: pg_support.PgCluster, name: str) -> bool:
    return c.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip() == "1"


def ensure_pg(plain: Path, login: str | None = None) -> str:
    """The URL of a PostgreSQL database holding `plain`'s data (loaded once), as `login`
    (None: the owner, who is not subject to row-level security)."""
    c = cluster()
    name = "bench_" + plain.stem.replace("-", "_")
    if not _exists(c, name):
        _load(c, plain, name)
    return c.url(name, user=login)


def _caseterm(url: str, *args: str) -> None:
    from _common import PYTHON, isolated_env

    proc = subprocess.run([PYTHON, "-m", "caseterm", "--db", url, *args], env=isolated_env(), cwd=ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit(f"caseterm {' '.join(args[:3])} failed: {proc.stderr[-2000:]}")


def _load(c: pg_support.PgCluster, plain: Path, name: str) -> None:
    import psycopg

    from _common import pin_in_process

    pin_in_process()
    from caseterm.store import open_store

    t0 = time.perf_counter()
    print(f"BENCH_PG: loading {plain.name} into PostgreSQL database {name} (once)", file=sys.stderr)
    open_store(f"sqlite:///{plain}").dispose()  # the SQLite file at the head revision, as the scripts open it
    loading = f"{name}_loading"
    c.psql(f'DROP DATABASE IF EXISTS "{loading}"')
    c.psql(f'CREATE DATABASE "{loading}"')
    url = c.url(loading)
    open_store(url).dispose()  # caseterm's migrations on PostgreSQL
    src = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
    tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    with psycopg.connect(f"host={c.socket_dir} port={c.port} user={c.superuser} dbname={loading}") as pg:
        pg.execute("SET session_replication_role = replica")  # no row triggers, no FK checks while copying
        pg_tables = {r[0] for r in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        counts = {}
        for table in tables:
            if table in _SKIP_TABLES or table not in pg_tables:
                continue  # note_fts*: PostgreSQL's search is the generated tsvector column
            writable = {r[0]: r[1] for r in pg.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
                (f'"{table}"',))}
            columns = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")') if r[1] in writable]
            bools = {i for i, col in enumerate(columns) if writable[col] == "boolean"}
            quoted = ", ".join(f'"{col}"' for col in columns)
            n = 0
            with pg.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in src.execute(f'SELECT {quoted} FROM "{table}"'):
                    if bools:
                        row = tuple(bool(v) if i in bools and v is not None else v for i, v in enumerate(row))
                    copy.write_row(row)
                    n += 1
            counts[table] = n
            if "id" in writable:
                pg.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                           f"coalesce((SELECT max(id) FROM \"{table}\"), 0) + 1, false)")
        pg.commit()
    src.close()
    print(f"BENCH_PG: copied {counts} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    _caseterm(url, "team", "init")
    for k, login in enumerate(WORKERS):
        _caseterm(url, "worker", "add", login, "--name", f"Bench Worker {k + 1}", "--role", "case_manager")
    with psycopg.connect(f"host={c.socket_dir} port={c.port} user={c.superuser} dbname={loading}",
                         autocommit=True) as pg:
        with pg.transaction():
            pg.execute(
                "WITH w AS (SELECT id, row_number() OVER (ORDER BY login = %s DESC, id) - 1 AS k FROM worker "
                "WHERE login LIKE 'bench_cm%%') "
                "UPDATE client SET worker_id = w.id FROM w WHERE (client.id - 1) %% 10 = w.k", (CASE_MANAGER,))
            pg.execute("INSERT INTO assignment (client_id, worker_id, from_date, to_date, reason) "
                       "SELECT id, worker_id, DATE '2025-01-01', NULL, 'benchmark caseload' FROM client")
        pg.execute("VACUUM ANALYZE")
    c.psql(f'ALTER DATABASE "{loading}" RENAME TO "{name}"')
    print(f"BENCH_PG: {name} ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def copy_database(url: str, tag: str) -> str:
    """A scratch database made from `url`'s as template (dropped at exit); same login."""
    from sqlalchemy.engine import make_url

    c = cluster()
    parsed = make_url(url)
    scratch = f"{parsed.database}_{tag.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
    c.psql(f'CREATE DATABASE "{scratch}" TEMPLATE "{parsed.database}"')
    atexit.register(lambda: c.psql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    # The write baseline's plain table (bench_note_save), made by the owner: a case manager may not create tables.
    c.psql("CREATE TABLE bench_scratch (id serial PRIMARY KEY, body text); "
           "GRANT ALL ON bench_scratch, bench_scratch_id_seq TO PUBLIC; GRANT CREATE ON SCHEMA public TO PUBLIC",
           database=scratch)
    return c.url(scratch, user=parsed.username if parsed.username != c.superuser else None)


def discard(url: str) -> None:
    """Drop a scratch database made by copy_database (before exit)."""
    from sqlalchemy.engine import make_url

    cluster().psql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


if __name__ == "__main__":
    if "--drop" in sys.argv:
        c = cluster()
        c.stop()
        print(f"removed {FOLDER}")
