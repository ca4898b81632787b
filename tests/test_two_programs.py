"""Two programs, one file (issue 21, items 1 and 2), with real processes.

1. A program run beside the open app (a caseterm command, or a plain sqlite3
   open and close) never costs the app its locks: the app's WAL is never
   deleted under it, what it writes after reaches the file, and nothing in a
   caseterm process opens the database by a second path while it has it open.
2. Commands that replace or rewrite the file refuse while the app is open
   (exit 2, "caseterm is open on this database (pid N); close it first", the
   file unchanged), and work once it has quit.

The "app" of most tests is `tests/db_holder.py hold`: a real process that opens
the file as the app does (the light start's read-only connection, the store,
the file check, the daily backup, the app's lock). One test runs the real app.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HOLDER = Path(__file__).parent / "db_holder.py"
PASSPHRASE = "two programs passphrase"


def _run(args: list[str], *, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


def caseterm(db: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`caseterm --db DB ARGS` in a process of its own, watched for a second open of the file."""
    result = _run([sys.executable, str(HOLDER), "cli", "--db", str(db), *args], stdin=stdin, env=env)
    assert "OPENED-TWICE" not in result.stderr, result.stderr
    return result


class Holder:
    """The app in another process (tests/db_holder.py hold)."""

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HOLDER), "hold", str(db)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        first = self.proc.stdout.readline().strip()
        if first != "ready":
            self.proc.kill()
            raise AssertionError(f"the holder did not start: {first} {self.proc.stderr.read()}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ask(self, line: str) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, f"the holder stopped: {self.proc.stderr.read()}"
        return answer.strip()

    def write(self, value: str) -> None:
        assert self.ask(f"write {value}") == "ok"

    def descriptors(self) -> list[str]:
        return json.loads(self.ask("fds"))

    def quit(self) -> list[str]:
        """Ends the holder; returns its "opened twice" findings."""
        findings = json.loads(self.ask("quit"))
        self.proc.wait(timeout=60)
        return findings

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)


READ_BACK = """
import json, sys
db, key = sys.argv[1], sys.argv[2]
if key:
    from sqlcipher3 import dbapi2 as sqlite3
else:
    import sqlite3
conn = sqlite3.connect(db)
if key:
    conn.execute("PRAGMA key = '" + key.replace("'", "''") + "'")
found = {
    "phone": conn.execute("SELECT phone FROM client WHERE id = 1").fetchone()[0],
    "notes": conn.execute("SELECT count(*) FROM note").fetchone()[0],
    "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
}
conn.close()
print(json.dumps(found))
"""


def read_back(db: Path, key: str = "") -> dict:
    """A third program's view of the file (plain sqlite3, or SQLCipher with `key`)."""
    result = _run([sys.executable, "-c", READ_BACK, str(db), key])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fingerprint(db: Path) -> dict[str, str]:
    """Every file of the database and beside it (backups too), by content; not the -shm
    file, SQLite's shared-memory index of the WAL, which every reader writes to."""
    found = {}
    for path in sorted(db.parent.rglob("*")):
        if path.is_file() and not path.name.endswith("-shm"):
            found[str(path.relative_to(db.parent))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo caseload in a file of its own (made once; each test works on a copy)."""
    home = tmp_path_factory.mktemp("demo-home")
    env = {var: str(home / sub) for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                                                 ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache"))}
    db = home / "demo.db"
    result = _run([sys.executable, "-m", "caseterm", "--db", str(db), "demo"], env=env)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def day_db(demo_file: Path, tmp_path: Path) -> Path:
    from caseterm import paths

    settings = paths.settings_path()  # a letter is signed with a name and a phone number
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('full_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    folder = tmp_path / "files"
    folder.mkdir(mode=0o700)
    db = folder / "day.db"
    shutil.copy(demo_file, db)
    os.chmod(db, 0o600)
    return db


def _case_number(db: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT case_number FROM client WHERE id = 1").fetchone()[0]
    finally:
        conn.close()


# -- 1. a program beside the open app ------------------------------------------------------

BESIDE = {
    "agenda": ["agenda", "--json"],
    "export": ["export", "--format", "json"],
    "export-html": ["export", "--format", "html", "-o", "{tmp}/caseload.html"],
    "letter": ["letter", "{case}", "--template", "re-engagement", "-o", "{tmp}/letters"],
    "backup": ["backup", "-o", "{tmp}/copy.db"],
    "search": ["search", "visit"],
    "audit": ["audit"],
    "check": ["check"],
    "sqlite3": None,  # a plain sqlite3 open and close, as the probe did
}


@pytest.mark.slow
@pytest.mark.parametrize("beside", sorted(BESIDE))
def test_a_program_beside_the_open_app_costs_it_nothing(day_db: Path, tmp_path: Path, beside: str) -> None:
    case = _case_number(day_db)
    notes_before = read_back(day_db)["notes"]
    app = Holder(day_db)
    try:
        app.write("555-0101")
        wal = f"{day_db}-wal"
        assert wal in app.descriptors()
        args = BESIDE[beside]
        if args is None:
            result = _run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                           "c.execute('SELECT count(*) FROM client').fetchone(); c.close()", str(day_db)])
        else:
            result = caseterm(day_db, *[a.format(tmp=tmp_path, case=case) for a in args])
        assert result.returncode == 0, result.stderr
        app.write("555-0202")  # the app writes again, after the other program has gone
        held = app.descriptors()
        assert wal in held and not any("(deleted)" in target for target in held), held
        seen = read_back(day_db)  # a third program, while the app is still open
        assert seen["phone"] == "555-0202"
        assert seen["integrity"] == "ok"
        assert seen["notes"] == notes_before + (1 if beside == "letter" else 0)
        assert app.quit() == []  # the app never opened the file by a second path
    finally:
        app.kill()
    after = read_back(day_db)  # and after the app has quit: both programs' writes are there
    assert after == {"phone": "555-0202", "notes": notes_before + (1 if beside == "letter" else 0), "integrity": "ok"}


@pytest.mark.slow
def test_an_encrypted_file_beside_the_open_app(day_db: Path) -> None:
    """The same on a SQLCipher file: the light start and the store use SQLCipher, a command beside too."""
    env = {"CASETERM_PASSPHRASE": PASSPHRASE}
    encrypted = caseterm(day_db, "encrypt", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert encrypted.returncode == 0, encrypted.stderr
    app = Holder(day_db, env=env)
    try:
        app.write("555-0303")
        assert caseterm(day_db, "agenda", env=env).returncode == 0
        app.write("555-0404")
        assert not any("(deleted)" in target for target in app.descriptors())
        assert read_back(day_db, PASSPHRASE)["phone"] == "555-0404"
        assert app.quit() == []
    finally:
        app.kill()
    after = read_back(day_db, PASSPHRASE)
    assert (after["phone"], after["integrity"]) == ("555-0404", "ok")


@pytest.mark.slow
def test_no_command_opens_the_file_twice(day_db: Path, tmp_path: Path) -> None:
    """Every command, on its own: no Python-level open of the database (or its -shm) while
    the process already has a descriptor on it (the watch in tests/db_holder.py)."""
    case = _case_number(day_db)
    sample = Path(__file__).parent / "data" / "sample.json"
    commands = [
        ["agenda"], ["export", "--format", "csv", "-o", str(tmp_path / "c.csv")],
        ["export", "--format", "ics", "-o", str(tmp_path / "c.ics")],
        ["letter", case, "--template", "re-engagement", "-o", str(tmp_path / "letters")],
        ["backup", "-o", str(tmp_path / "b.db")], ["search", "visit"], ["audit"], ["check"],
        ["import", str(sample)],  # takes the daily backup of the open file first
        ["restore", "--yes", str(tmp_path / "b.db")],
        ["encrypt", "--passphrase-stdin"], ["passphrase", "--passphrase-stdin"], ["decrypt", "--yes"],
    ]
    env = {}
    for args in commands:
        result = caseterm(day_db, *args, stdin="a new passphrase 1\n", env=env)
        assert result.returncode == 0, (args, result.stderr)
        if args[0] in ("encrypt", "passphrase"):
            env = {"CASETERM_PASSPHRASE": "a new passphrase 1"}
    assert read_back(day_db)["integrity"] == "ok"


@pytest.mark.slow
async def test_the_real_app_keeps_its_writes_with_a_command_beside_it(day_db: Path) -> None:
    """The real app (`tui.make_app`, the light start, run_test) in this process; `caseterm agenda`
    in another; the app writes; a third program reads it while the app is still open."""
    from sqlalchemy import text

    from caseterm.cli import CliContext
    from caseterm.tui import make_app

    app = make_app(CliContext(db=str(day_db)))
    assert app.readonly is not None  # the light start
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):
            if app.store_check_ended:
                break
            await pilot.pause(0.05)  # polls the condition above
        assert app.store_checked  # the store is up, the file checked, today's backup taken
        assert caseterm(day_db, "agenda").returncode == 0
        with app.session() as session:
            session.execute(text("UPDATE client SET phone = '555-0505' WHERE id = 1"))
        assert read_back(day_db)["phone"] == "555-0505"
        mine = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                if os.path.exists(f"/proc/self/fd/{fd}")]
        assert not any(t.startswith(str(day_db)) and "(deleted)" in t for t in mine), mine
        # and the app's lock: a command that replaces the file is refused meanwhile
        refused = caseterm(day_db, "restore", "--yes", str(next((day_db.parent / "backups").glob("*.db"))))
        assert refused.returncode == 2
        assert f"caseterm is open on this database (pid {os.getpid()}); close it first" in refused.stderr
    after = read_back(day_db)
    assert (after["phone"], after["integrity"]) == ("555-0505", "ok")


# -- 2. commands that replace the file refuse beside the open app ---------------------------


@pytest.mark.slow
def test_commands_that_replace_the_file_refuse_while_the_app_is_open(day_db: Path, tmp_path: Path) -> None:
    sample = Path(__file__).parent / "data" / "sample.json"
    key = {"CASETERM_PASSPHRASE": PASSPHRASE}
    app = Holder(day_db)
    try:
        app.write("555-0606")
        backup = next((day_db.parent / "backups").glob("day-auto-*.db"))  # the app's daily backup
        refused_on_plain = {
            "restore": (["restore", "--yes", str(backup)], "", {}),
            "encrypt": (["encrypt", "--passphrase-stdin"], PASSPHRASE + "\n", {}),
            "import": (["import", str(sample)], "", {}),
        }
        before = fingerprint(day_db)
        for name, (args, stdin, env) in refused_on_plain.items():
            result = caseterm(day_db, *args, stdin=stdin, env=env)
            assert result.returncode == 2, (name, result.stderr)
            assert f"caseterm is open on this database (pid {app.pid}); close it first" in result.stderr, name
            assert "Traceback" not in result.stderr
            assert fingerprint(day_db) == before, f"{name} changed something"
        app.write("555-0707")  # the app goes on writing, and its writes stay
        assert read_back(day_db)["phone"] == "555-0707"
        assert app.quit() == []
    finally:
        app.kill()

    # Once it has quit, they work: encrypt, then (the app open again) passphrase and decrypt refuse.
    done = caseterm(day_db, "encrypt", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    app = Holder(day_db, env=key)
    try:
        before = fingerprint(day_db)
        for args, stdin in ((["passphrase", "--passphrase-stdin"], "another passphrase 2\n"),
                            (["decrypt", "--yes"], ""), (["restore", "--yes", str(backup)], "")):
            result = caseterm(day_db, *args, stdin=stdin, env=key)
            assert result.returncode == 2, (args, result.stderr)
            assert f"caseterm is open on this database (pid {app.pid}); close it first" in result.stderr, args
            assert fingerprint(day_db) == before, f"{args[0]} changed something"
        assert app.quit() == []
    finally:
        app.kill()
    for args, stdin in ((["passphrase", "--passphrase-stdin"], "another passphrase 2\n"),):
        assert caseterm(day_db, *args, stdin=stdin, env=key).returncode == 0
    key = {"CASETERM_PASSPHRASE": "another passphrase 2"}
    assert caseterm(day_db, "decrypt", "--yes", env=key).returncode == 0
    assert caseterm(day_db, "import", str(sample)).returncode == 0
    restored = caseterm(day_db, "restore", "--yes", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert read_back(day_db)["integrity"] == "ok"


@pytest.mark.slow
def test_a_migration_waits_for_the_app_to_close(day_db: Path) -> None:
    """A file at an older schema revision, open in another caseterm (its lock held): a command
    that would migrate it refuses, the file unchanged; after, it migrates."""
    from alembic import command
    from alembic.config import Config

    from caseterm import migrations_dir
    from caseterm.store import HEAD_REVISION, make_engine, resolve_url, stored_revision

    engine = make_engine(resolve_url(str(day_db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    old = stored_revision(engine)
    engine.dispose()
    del engine
    assert old != HEAD_REVISION
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from caseterm import applock; "
         "applock.hold_shared(Path(sys.argv[1])); print('ready', flush=True); sys.stdin.readline()", str(day_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        before = fingerprint(day_db)
        result = caseterm(day_db, "agenda")
        assert result.returncode == 2
        assert f"caseterm is open on this database (pid {holder.pid}); close it first" in result.stderr
        assert fingerprint(day_db) == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert caseterm(day_db, "agenda").returncode == 0
    assert any(p.name.startswith("day-pre-migration-") for p in day_db.parent.iterdir())


def test_the_app_lock_file_is_private_and_beside_the_database(day_db: Path) -> None:
    from caseterm import applock

    release = applock.hold_shared(day_db)
    try:
        lock = day_db.with_name("day.db.lock")
        assert applock.lock_path(day_db) == lock
        assert oct(lock.stat().st_mode & 0o777) == "0o600"
        assert applock.holds(day_db) == "shared"
        again = applock.hold_exclusive(day_db)  # this process alone: its own shared hold is no obstacle
        assert applock.holds(day_db) == "exclusive"
        again()
        assert applock.holds(day_db) == "shared"
    finally:
        release()
    assert applock.holds(day_db) is None


@pytest.mark.slow
def test_a_command_waits_for_another_commands_exclusive_step(day_db: Path) -> None:
    """A reading command started while another caseterm holds the file exclusively (a restore,
    an import under way) waits for it to end, then runs: it is not refused for a short step."""
    replacing = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from caseterm import applock; "
         "applock.hold_exclusive(Path(sys.argv[1])); print('ready', flush=True); sys.stdin.readline()", str(day_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert replacing.stdout.readline().strip() == "ready"
        reader = subprocess.Popen([sys.executable, "-m", "caseterm", "--db", str(day_db), "agenda"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lock = str(day_db) + ".lock"
        for _ in range(100_000):  # until the reader is waiting on the lock file (or has given up)
            if reader.poll() is not None:
                break
            try:
                if any(os.readlink(f"/proc/{reader.pid}/fd/{fd}") == lock for fd in os.listdir(f"/proc/{reader.pid}/fd")):
                    break
            except OSError:
                continue
        assert reader.poll() is None, reader.stderr.read()  # still there: waiting, not refused
    finally:
        replacing.stdin.close()
        replacing.wait(timeout=60)
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
