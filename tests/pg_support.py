"""A throwaway PostgreSQL cluster for tests (agency mode, issue 15).

PostgreSQL refuses to run as root, and CI runs as root: the cluster is made
and run by the `postgres` system user (`runuser -u postgres -- …`) in a
temporary folder that user owns. It listens only on a Unix socket in that
folder (no TCP). One cluster per test session; each test gets a fresh
database in it.

Without PostgreSQL the tests that need it skip with one line saying how to
enable them; with `CI=true` a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

HOW_TO_ENABLE = (
    "PostgreSQL 15 not available: install it (apt-get install postgresql-15) and "
    "pip install '.[postgres]' to run the agency-mode tests"
)


@dataclass
class PgCluster:
    bindir: Path
    folder: Path
    port: int = 5432
    superuser: str = "postgres"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def url(self, database: str, user: str | None = None) -> str:
        """A plain libpq-style URL with the socket folder as `host`."""
        return f"postgresql://{user or self.superuser}@/{database}?host={self.socket_dir}&port={self.port}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = _as_postgres(
            [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
             "-p", str(self.port), "-d", database, "-tA", "-c", sql]
        )
        return out.stdout

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"],
                     check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres(argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=check, capture_output=True, text=True, cwd="/")


def pg_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    candidates = []
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            candidates.append(Path(out))
        except (OSError, subprocess.CalledProcessError):
            pass
    candidates.append(Path("/usr/lib/postgresql/15/bin"))
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here (None when they can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return HOW_TO_ENABLE
    if pg_bindir() is None:
        return HOW_TO_ENABLE
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return HOW_TO_ENABLE + " (running as root needs the postgres system user)"
    return None


def start_cluster() -> PgCluster:
    bindir = pg_bindir()
    assert bindir is not None
    folder = Path(tempfile.mkdtemp(prefix="caseterm-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres", group="postgres")
    os.chmod(folder, 0o700)
    superuser = "postgres" if os.geteuid() == 0 else _current_user()
    cluster = PgCluster(bindir=bindir, folder=folder, superuser=superuser)
    data = folder / "data"
    _as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", superuser, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
    options = f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off -c port={cluster.port}"
    result = _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options,
                           "-w", "start"], check=False)
    if result.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{log}")
    return cluster


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)
