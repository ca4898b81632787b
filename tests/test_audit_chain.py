"""Issue 21 item 7: the audit trail is a hash chain. An entry edited, deleted or slipped in
through `sqlite3` with the append-only triggers dropped makes `caseterm check` exit 2 naming
the first broken link; imported history is marked and kept outside the chain."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from caseterm import migrations_dir
from caseterm.services import audit
from caseterm.store import make_engine, open_store, resolve_url, session_scope

SAMPLE = Path(__file__).parent / "data" / "sample.json"
pytestmark = pytest.mark.slow  # real processes, several per test


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


@pytest.fixture(scope="module")
def made_trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a live trail of a few entries (real commands, each audited), made once
    per module: five processes, ~7 s of CPU, that every test here would otherwise repeat."""
    folder = tmp_path_factory.mktemp("trail")
    db = folder / "trail.db"
    env = dict(os.environ, XDG_DATA_HOME=str(folder / "data"), XDG_CONFIG_HOME=str(folder / "config"),
               XDG_STATE_HOME=str(folder / "state"), XDG_CACHE_HOME=str(folder / "cache"))
    for name in ("CASETERM_DB", "CASETERM_TODAY", "CASETERM_NOW", "CASETERM_PASSPHRASE"):
        env.pop(name, None)
    for args in (["import", str(SAMPLE)], *[["export", "-o", "-"]] * 3, ["backup", "-o", str(folder / "b.db")]):
        made = subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), *args], capture_output=True,
                              text=True, env=env, timeout=120)
        assert made.returncode == 0, made.stderr
    return db


@pytest.fixture
def trail(made_trail: Path, tmp_path: Path) -> Path:
    """This test's own copy of the made trail (a closed file: every process that wrote it has exited)."""
    db = tmp_path / "trail.db"
    source, copy = sqlite3.connect(made_trail), sqlite3.connect(db)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    os.chmod(db, 0o600)
    return db


def tamper(db: Path, *statements: str) -> None:
    """What someone with the file and `sqlite3` can do: drop the triggers, change the table."""
    conn = sqlite3.connect(db)
    try:
        for name in ("audit_no_update", "audit_no_delete", "audit_no_replace"):
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def live_ids(db: Path) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM audit WHERE NOT imported ORDER BY id")]


def test_an_untouched_trail_checks_out(trail: Path) -> None:
    result = run("--db", str(trail), "check")
    assert result.returncode == 0, result.stderr
    assert "audit chain:  ok (5 entries in the chain" in result.stdout
    with sqlite3.connect(trail) as conn:
        hashes = [r[0] for r in conn.execute("SELECT hash FROM audit ORDER BY id")]
    assert len(hashes) == 5 and all(h and len(h) == 64 for h in hashes) and len(set(hashes)) == 5


def test_an_edited_entry_is_named(trail: Path) -> None:
    target = live_ids(trail)[2]
    tamper(trail, f"UPDATE audit SET \"user\" = 'somebody else' WHERE id = {target}")
    result = run("--db", str(trail), "check")
    assert result.returncode == 2
    assert f"audit entry {target} " in result.stderr and "tampered" in result.stderr
    assert "BROKEN" in result.stdout


def test_an_edited_date_is_named(trail: Path) -> None:
    target = live_ids(trail)[1]
    tamper(trail, f"UPDATE audit SET at = '2020-01-01 00:00:00.000000' WHERE id = {target}")
    result = run("--db", str(trail), "check")
    assert result.returncode == 2 and f"audit entry {target} " in result.stderr


def test_a_deleted_entry_breaks_the_next_link(trail: Path) -> None:
    ids = live_ids(trail)
    tamper(trail, f"DELETE FROM audit WHERE id = {ids[1]}")
    result = run("--db", str(trail), "check")
    assert result.returncode == 2
    assert f"audit entry {ids[2]} " in result.stderr


def test_an_inserted_entry_is_named(trail: Path) -> None:
    ids = live_ids(trail)
    tamper(trail, "INSERT INTO audit (id, at, \"user\", action, case_number, detail, imported) "
                  f"VALUES ({ids[-1] + 1}, '2026-11-01 09:00:00.000000', 'director', 'export', NULL, '', 0)")
    result = run("--db", str(trail), "check")
    assert result.returncode == 2
    assert f"audit entry {ids[-1] + 1} " in result.stderr and "no hash" in result.stderr


def test_a_forged_hash_in_the_middle_is_named(trail: Path) -> None:
    """Recomputing one entry's hash after editing it still breaks the link after it."""
    ids = live_ids(trail)
    with sqlite3.connect(trail) as conn:
        prev = conn.execute(f"SELECT hash FROM audit WHERE id = {ids[0]}").fetchone()[0]
        at, user, action, case, detail = conn.execute(
            f"SELECT at, \"user\", action, case_number, detail FROM audit WHERE id = {ids[1]}").fetchone()
    import datetime as dt

    forged = audit.chain_hash(prev, dt.datetime.fromisoformat(at), "mallory", action, case, detail)
    tamper(trail, f"UPDATE audit SET \"user\" = 'mallory', hash = '{forged}' WHERE id = {ids[1]}")
    result = run("--db", str(trail), "check")
    assert result.returncode == 2 and f"audit entry {ids[2]} " in result.stderr


def test_imported_history_is_kept_apart(trail: Path, tmp_path: Path) -> None:
    doc = json.loads(SAMPLE.read_text())
    doc["audit"] = [
        {"at": "2019-03-01T09:00:00", "user": "the director", "action": "export", "case_number": None, "detail": "x"},
        {"at": "2019-03-02T09:00:00", "user": "the director", "action": "print", "case_number": "TA-10432", "detail": ""},
    ]
    file = tmp_path / "backdated.json"
    file.write_text(json.dumps(doc))
    before = live_ids(trail)
    assert run("--db", str(trail), "import", str(file)).returncode == 0
    with sqlite3.connect(trail) as conn:
        rows = conn.execute("SELECT \"user\", imported, hash FROM audit WHERE \"user\" = 'the director'").fetchall()
    assert rows == [("the director", 1, None), ("the director", 1, None)]
    assert live_ids(trail)[: len(before)] == before  # the import's own entry goes on the chain
    result = run("--db", str(trail), "check")
    assert result.returncode == 0, result.stderr
    assert "2 imported kept apart" in result.stdout
    shown = run("--db", str(trail), "audit").stdout
    assert "the director  export  -  x  (imported)" in shown


def test_the_migration_chains_the_entries_already_there(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        for n in range(3):
            conn.execute(text("INSERT INTO audit (at, \"user\", action, case_number, detail) "
                              f"VALUES ('2026-11-0{n + 1} 09:00:00.000000', 'jo', 'export', NULL, 'n={n}')"))
    engine.dispose()
    migrated = open_store(resolve_url(str(db)))
    with session_scope(migrated) as session:
        report = audit.verify_chain(session)
        assert report.broken is None and report.live == 3
        audit.record(session, "export", None, "after")
    with session_scope(migrated) as session:
        assert audit.verify_chain(session).live == 4
    migrated.dispose()


def test_postgresql_chains_in_the_server(pg_url: str) -> None:
    """Agency mode: the server sets the user and works the hash out (0008's trigger); the
    same verification names an entry changed with the trigger disabled."""
    engine = open_store(pg_url)
    try:
        for n in range(3):
            with session_scope(engine) as session:
                audit.record(session, "export", None, f"n={n}")
        with session_scope(engine) as session:
            report = audit.verify_chain(session)
            assert report.broken is None and report.live == 3
            ids = [e.id for e in audit.entries(session)]
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit DISABLE TRIGGER audit_no_update"))
            conn.execute(text("UPDATE audit SET detail = 'n=9' WHERE id = :i"), {"i": ids[1]})
            conn.execute(text("ALTER TABLE audit ENABLE TRIGGER audit_no_update"))
        with session_scope(engine) as session:
            broken = audit.verify_chain(session).broken
        assert broken is not None and f"audit entry {ids[1]} " in broken
    finally:
        engine.dispose()
