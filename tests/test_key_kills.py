"""Key changes and restores survive kill -9 (issue 21, items 3 and 4): `encrypt`, `decrypt`,
`passphrase` and `restore` run as real processes on a database big enough to take a moment,
killed (KILL, TERM, HUP) at random points. Afterwards the file opens with exactly one of the old
and the new key, integrity_check is ok, no note is lost, and the next caseterm command leaves
no temp behind (no plain copy of an encrypted database anywhere)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from caseterm import cipher, paths
from caseterm.cli import main

OLD = "the old passphrase here"
NEW = "the new passphrase there"
ITERATIONS = 6
#: Bounds the waits on a condition (never an assertion on time).
PATIENCE = 120.0


def run(*args: str) -> int:
    cipher.set_passphrase(None)  # as a new process starts
    try:
        main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    finally:
        cipher.set_passphrase(None)
    return 0


def opens_with(path: Path, key: str | None) -> int | None:
    """The number of notes when `key` (None: plain) opens `path` read-only, else None. Touches nothing."""
    from sqlcipher3 import dbapi2

    try:
        conn = dbapi2.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except dbapi2.Error:
        return None
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute("PRAGMA key = '" + key.replace("'", "''") + "'")
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            return None
        return conn.execute("SELECT count(*) FROM note").fetchone()[0]
    except dbapi2.Error:
        return None
    finally:
        conn.close()


def hot_journal(db: Path) -> bool:
    journal = Path(f"{db}-journal")
    return journal.exists() and journal.stat().st_size > 0


def leftovers(db: Path) -> list[str]:
    """Anything an interrupted rewrite could leave: temps beside the file, hidden copies in backups/."""
    found = [p.name for p in db.parent.iterdir() if ".rekey-" in p.name or ".restore-" in p.name]
    backups = paths.backups_dir_for(db)
    if backups.is_dir():
        found += [p.name for p in backups.iterdir() if p.name.startswith(".")]
    return found


def bulk(db: Path, copies: int) -> int:
    """Grow the demo caseload with `copies` more of every note (plain SQL, the triggers fire)."""
    conn = sqlite3.connect(db)
    filler = " ".join(["kept the appointment and brought the pay stubs"] * 12)
    conn.execute(
        "INSERT INTO note (uid, client_id, contact_at, written_at, type, method, outcome, minutes, author, "
        "text, late_entry) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT lower(hex(randomblob(16))), client_id, contact_at, written_at, type, method, outcome, minutes, "
        "author, text || ' ' || ? || ' ' || i, late_entry FROM note, n",
        (copies, filler),
    )
    conn.commit()
    count = conn.execute("SELECT count(*) FROM note").fetchone()[0]
    conn.close()
    return count


def _as_jo_smith() -> None:
    settings = paths.settings_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('full_name = "Jo Smith"\n', encoding="utf-8")


@pytest.fixture(scope="module")
def made_big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A plain caseterm database of several thousand notes (a few MB: an export takes a moment),
    made once per module in folders of its own (the demo and its notes: seconds of CPU a test)."""
    from caseterm import config

    home = tmp_path_factory.mktemp("big-home")
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                         ("XDG_CACHE_HOME", "cache")):
            mp.setenv(var, str(home / sub))
        for var in ("CASETERM_DB", "CASETERM_TODAY", "CASETERM_NOW", "CASETERM_PASSPHRASE"):
            mp.delenv(var, raising=False)
        config.load_settings.cache_clear()
        try:
            _as_jo_smith()
            db = home / "made" / "r.db"
            db.parent.mkdir()
            assert run("--db", str(db), "--today", "2026-11-02", "demo") == 0
            return db, bulk(db, 40)
        finally:
            config.load_settings.cache_clear()


@pytest.fixture
def big(made_big: tuple[Path, int], tmp_path: Path) -> tuple[Path, int]:
    """This test's own copy of the big database (a consistent copy by SQLite's backup)."""
    made, notes = made_big
    _as_jo_smith()
    db = tmp_path / "template" / "r.db"
    db.parent.mkdir()
    source, copy = sqlite3.connect(made), sqlite3.connect(db)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    os.chmod(db, 0o600)
    return db, notes


def encrypted_copy(plain: Path, where: Path, key: str) -> Path:
    where.parent.mkdir(parents=True, exist_ok=True)
    cipher.export(plain, where, src_key=None, dest_key=key)
    os.chmod(where, 0o600)
    return where


def spawn(db: Path, *args: str, key: str | None, stdin: str = "") -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("CASETERM_PASSPHRASE", None)
    if key is not None:
        env["CASETERM_PASSPHRASE"] = key
    proc = subprocess.Popen([sys.executable, "-m", "caseterm", "--db", str(db), *args], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    return proc


def files_of(db: Path, least: int = 64 * 1024) -> set[str]:
    """What is being written beside the database (its rollback journal too) or in its backups
    folder: files of `least` bytes or more (by default not the page or two of a journal-mode
    switch at start-up)."""
    found = set()
    for folder in (db.parent, paths.backups_dir_for(db)):
        for path in folder.iterdir() if folder.is_dir() else ():
            if path.name in (db.name, f"{db.name}-wal", f"{db.name}-shm"):
                continue
            try:
                if path.stat().st_size >= least:
                    found.add(str(path))
            except OSError:
                continue
    return found


def plain_files(db: Path) -> list[str]:
    """Files beside the database (not itself) or in backups/ that are readable SQLite (not encrypted)."""
    found = []
    for folder in (db.parent, paths.backups_dir_for(db)):
        for path in folder.iterdir() if folder.is_dir() else ():
            if path == db or not path.is_file():
                continue
            with open(path, "rb") as handle:
                if handle.read(16) == b"SQLite format 3\x00":
                    found.append(path.name)
    return found


def changed(db: Path, stamp: int | None) -> bool:
    try:
        return db.stat().st_mtime_ns != stamp
    except OSError:
        return True


def kill_at_random(proc: subprocess.Popen[bytes], db: Path, before: set[str], rng: random.Random,
                   at_once: bool = False) -> bool:
    """Kill `proc` (KILL, TERM or HUP) at a random point, whatever its way of working: during
    start-up; as it starts writing a new file (beside the database or in backups/, its rollback
    journal too); once that file is nearly whole (the check, fsync and rename come next); or once,
    after that, the database file itself changes (pages written in place, or the rename).
    True if it was killed by the signal while such a file existed.

    `at_once`: kill as soon as the new file appears (the first run of each loop), so that every
    loop has at least one kill mid-way whatever the machine's speed (a fast machine may finish
    the whole write inside a random pause)."""
    sig = rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
    mode = "at once" if at_once else rng.choice(["start-up", "writing", "nearly whole", "file changes"])
    deadline = time.monotonic() + PATIENCE

    def wait(condition: Callable[[], bool]) -> None:
        while not condition() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)  # polls the condition above (bounded by the deadline)

    if mode == "start-up":
        time.sleep(rng.uniform(0.0, 1.5))
    elif mode in ("writing", "at once"):
        wait(lambda: bool(files_of(db) - before))
        if mode == "writing":
            time.sleep(rng.uniform(0.0, 0.2))
    else:
        whole = int(db.stat().st_size * 0.9)
        wait(lambda: bool(files_of(db, whole) - before))
        if mode == "file changes":
            stamp = db.stat().st_mtime_ns if db.exists() else None
            wait(lambda: changed(db, stamp))
        else:
            time.sleep(rng.uniform(0.0, 0.1))
    mid_way = bool(files_of(db) - before)
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=PATIENCE)
    return mid_way and proc.returncode < 0


def exactly_one(db: Path, before: str | None, after: str | None, notes: int) -> str | None:
    """The key that opens `db` now: exactly one of `before`/`after` (None = plain), with every note."""
    opened = {key: opens_with(db, key) for key in (before, after)}
    working = [key for key, count in opened.items() if count is not None]
    assert len(working) == 1, f"opens with {len(working)} of the two keys: {opened}"
    assert opened[working[0]] == notes
    encrypted = cipher.is_encrypted(db)
    assert encrypted == (working[0] is not None)
    return working[0]


def next_command_cleans_up(db: Path, key: str | None, monkeypatch: pytest.MonkeyPatch, notes: int) -> None:
    """The next caseterm command on the file works with the key that opens it, and leaves no temp."""
    if key is None:
        monkeypatch.delenv("CASETERM_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("CASETERM_PASSPHRASE", key)
    assert run("--db", str(db), "check") == 0  # integrity_check ok, the schema current
    assert leftovers(db) == []
    assert opens_with(db, key) == notes


def kill_loop(command: list[str], stdin: str, make: Callable[[Path], Path], before: str | None, after: str | None,
              tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notes: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    outcomes = {"old": 0, "new": 0, "mid_way": 0}
    for n in range(ITERATIONS):
        db = make(tmp_path / f"run{n}" / "r.db")
        present = files_of(db)
        proc = spawn(db, *command, key=before, stdin=stdin)
        outcomes["mid_way"] += kill_at_random(proc, db, present, rng, at_once=n == 0)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        assert "Traceback" not in stderr
        key = exactly_one(db, before, after, notes)
        if after is not None:  # encrypt, passphrase: nothing left behind is readable
            assert plain_files(db) == []
        outcomes["old" if key == before else "new"] += 1
        next_command_cleans_up(db, key, monkeypatch, notes)
        shutil.rmtree(db.parent)
    # The loop did what it is for: some runs were killed while the new file was being written.
    assert outcomes["mid_way"] >= 1, outcomes
    return outcomes


@pytest.mark.slow
def test_encrypt_killed_anywhere(big: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template, notes = big

    def make(where: Path) -> Path:
        where.parent.mkdir(parents=True)
        shutil.copy(template, where)
        return where

    kill_loop(["encrypt", "--passphrase-stdin"], NEW + "\n", make, None, NEW, tmp_path, monkeypatch, notes, seed=3)


@pytest.mark.slow
def test_decrypt_killed_anywhere(big: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template, notes = big
    secret = encrypted_copy(template, tmp_path / "secret" / "r.db", OLD)

    def make(where: Path) -> Path:
        where.parent.mkdir(parents=True)
        shutil.copy(secret, where)
        return where

    kill_loop(["decrypt", "--yes"], "", make, OLD, None, tmp_path, monkeypatch, notes, seed=5)


@pytest.mark.slow
def test_passphrase_change_killed_anywhere(big: tuple[Path, int], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    template, notes = big
    secret = encrypted_copy(template, tmp_path / "secret" / "r.db", OLD)

    def make(where: Path) -> Path:
        where.parent.mkdir(parents=True)
        shutil.copy(secret, where)
        return where

    kill_loop(["passphrase", "--passphrase-stdin"], NEW + "\n", make, OLD, NEW, tmp_path, monkeypatch, notes, seed=7)


@pytest.mark.slow
def test_restore_killed_anywhere_keeps_a_database_and_its_key(big: tuple[Path, int], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain backup restored over an encrypted database (re-keyed on the way): killed anywhere,
    the database is the old one or the restored one, both with the live passphrase."""
    template, notes = big
    backup = tmp_path / "older.db"
    shutil.copy(template, backup)
    conn = sqlite3.connect(backup)  # the backup holds fewer notes than the live file
    conn.execute("DROP TRIGGER note_no_delete")
    conn.execute("DELETE FROM note WHERE id > 200")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    secret = encrypted_copy(template, tmp_path / "secret" / "r.db", OLD)
    rng = random.Random(11)
    mid_way = 0
    for n in range(ITERATIONS):
        db = tmp_path / f"run{n}" / "r.db"
        db.parent.mkdir()
        shutil.copy(secret, db)
        present = files_of(db)
        proc = spawn(db, "restore", str(backup), "--yes", key=OLD)
        mid_way += kill_at_random(proc, db, present, rng, at_once=n == 0)
        assert opens_with(db, None) is None  # never plain
        count = opens_with(db, OLD)
        assert plain_files(db) == []  # the plain backup's data is only ever written encrypted
        assert count in (notes, 200)
        next_command_cleans_up(db, OLD, monkeypatch, count)
        shutil.rmtree(db.parent)
    assert mid_way >= 1


@pytest.mark.slow
def test_an_old_in_place_rekey_killed_half_way_opens_with_the_old_passphrase(
        big: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """caseterm before this fix changed the key in place (PRAGMA rekey); killed, it left a hot journal
    and both passphrases were refused. Opening read-write with the old one rolls it back."""
    template, notes = big
    script = ("import sys; from sqlcipher3 import dbapi2 as d\n"
              "c = d.connect(sys.argv[1]); c.execute(\"PRAGMA key = 'the old passphrase here'\")\n"
              "c.execute('PRAGMA journal_mode=DELETE'); c.execute(\"PRAGMA rekey = 'the new passphrase there'\")\n")
    for attempt in range(10):
        db = encrypted_copy(template, tmp_path / f"try{attempt}" / "r.db", OLD)
        journal = Path(f"{db}-journal")
        proc = subprocess.Popen([sys.executable, "-c", script, str(db)])
        size, written = db.stat().st_size, db.stat().st_mtime_ns
        deadline = time.monotonic() + PATIENCE
        while proc.poll() is None and time.monotonic() < deadline:
            try:  # the old pages are in the journal, and the new ones are going into the file
                if journal.stat().st_size >= size * 0.98 and db.stat().st_mtime_ns != written:
                    break
            except OSError:
                pass
        proc.kill()
        proc.wait()
        if hot_journal(db) and opens_with(db, OLD) is None and opens_with(db, NEW) is None:
            break  # the state the probe found: both refused read-only
    else:
        pytest.skip("could not interrupt PRAGMA rekey half-way on this machine")
    monkeypatch.setenv("CASETERM_PASSPHRASE", OLD)
    assert run("--db", str(db), "check") == 0
    assert opens_with(db, OLD) == notes and opens_with(db, NEW) is None
    assert not hot_journal(db)


def test_recovery_removes_only_the_leftovers_of_processes_that_are_gone(
        big: tuple[Path, int], tmp_path: Path) -> None:
    template, _ = big
    db = tmp_path / "live" / "r.db"
    db.parent.mkdir()
    shutil.copy(template, db)
    other = tmp_path / "live" / "r-2025.db"
    shutil.copy(template, other)
    running = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        backups = paths.ensure_private_dir(paths.backups_dir_for(db))
        names = {
            f"r.db.rekey-{running.pid}": True,  # a rewrite running now in another process: kept
            f"r.db.rekey-{gone.pid}": False,
            f"r.db.rekey-{gone.pid}-journal": False,
            f"r.db.restore-{gone.pid}": False,
            f"r-2025.db.rekey-{gone.pid}": True,  # another database's
            f"backups/.r-converting-{gone.pid}.db": False,  # what caseterm before left (plain after decrypt)
            f"backups/.r-restoring-20261102-080000.db": False,
            f"backups/.r-2025-converting-{gone.pid}.db": True,
        }
        for name in names:
            paths.write_private(db.parent / name, b"client data")
        assert run("--db", str(db), "agenda") == 0
        for name, stays in names.items():
            assert (db.parent / name).exists() == stays, name
        assert backups.is_dir()
    finally:
        assert running.stdin is not None
        running.stdin.close()
        running.wait()
