"""Issue 11, the database file: other programs' files, typos, damage, busy, backups and restore.

Each test runs the real `caseterm` entry point (in-process, or as a process
where the shell's view matters: pipes, encodings) on real SQLite files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from caseterm import backups
from caseterm.cli import main
from caseterm.errors import StoreError

TODAY = "2026-11-02"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `caseterm ARGS` in this process; (exit status, stdout, stderr)."""
    try:
        main(["--today", TODAY, *args])
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


#: A letter the demo caseload can always be sent (signed: settings below).
LETTER = ["letter", "TA-10432", "-t", "engagement", "--missed-on", "2026-10-30"]


@pytest.fixture
def demo_db(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_dirs: Path) -> Path:
    settings = isolated_dirs / "config" / "caseterm" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('full_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    db = tmp_path / "work" / "caseterm.db"
    db.parent.mkdir()
    code, _, err = cli(capsys, "--db", str(db), "demo")
    assert code == 0, err
    return db


def foreign_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipe (name TEXT, minutes INTEGER)")
    conn.execute("INSERT INTO recipe VALUES ('soup', 40)")
    conn.commit()
    conn.close()
    return path


def damage(db: Path) -> None:
    """Overwrite three pages in the middle of the file, as a disk fault would: pages of the
    records, not of the schema (a file whose schema is unreadable is refused before the app
    starts, which other tests cover; the schema grows with each migration)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    schema = {row[0] for row in conn.execute("SELECT pageno FROM dbstat WHERE name IN ('sqlite_schema', 'sqlite_master')")}
    conn.close()
    chosen = [n for n in range(pages // 2 + 1, pages + 1) if n not in schema][:3]
    assert chosen, f"no record page to damage in {pages} pages"
    with open(db, "r+b") as handle:
        for pageno in chosen:  # page numbers count from 1
            handle.seek((pageno - 1) * page_size)
            handle.write(os.urandom(page_size))


# -- files that are not ours, and typos ---------------------------------------------


@pytest.mark.parametrize("command", [["agenda"], ["export"], ["export", "--format", "html", "-o", "x.html"], ["backup"],
                                     ["check"], ["import", "IMPORT"], ["demo"]])
def test_another_programs_database_is_refused_and_left_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    db = foreign_file(tmp_path / "recipes.db")
    before = digest(db)
    sample = Path(__file__).parent / "data" / "sample.json"
    args = [str(sample) if a == "IMPORT" else str(tmp_path / a) if a.endswith(".html") else a for a in command]
    code, _, err = cli(capsys, "--db", str(db), *args)
    assert code == 2, err
    assert "not a caseterm database" in err and "left as it was" in err
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recipes.db"]  # no -wal, no -shm, no backup


def test_a_file_that_is_not_sqlite_is_refused_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Shopping: bread, milk\n" * 50)
    before = digest(notes)
    code, _, err = cli(capsys, "--db", str(notes), "agenda")
    assert code == 2 and "not a caseterm database" in err and "Traceback" not in err
    assert digest(notes) == before


@pytest.mark.parametrize("command", [["agenda"], ["export"], ["backup"], ["letter", "A-1", "-t", "engagement"], ["restore", "x.db"]])
def test_reading_commands_do_not_create_a_mistyped_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    for db in (tmp_path / "typo-folder" / "caseterm.db", tmp_path / "caseterm-typo.db"):
        code, _, err = cli(capsys, "--db", str(db), *command)
        assert code == 2, err
        assert "nothing was created" in err or "no such backup" in err
        assert not db.exists() and not db.parent.name == "typo-folder" or not db.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_import_and_demo_create_what_they_were_asked_to_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = Path(__file__).parent / "data" / "sample.json"
    db = tmp_path / "new" / "deeper" / "caseterm.db"
    code, _, err = cli(capsys, "--db", str(db), "import", str(sample))
    assert code == 0, err
    assert mode(db) == 0o600 and mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700
    other = tmp_path / "other" / "demo.db"
    assert cli(capsys, "--db", str(other), "demo")[0] == 0
    assert mode(other.parent) == 0o700


def test_the_tui_refuses_a_folder_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "nowhere" / "caseterm.db"
    code, _, err = cli(capsys, "--db", str(db))
    assert code == 2 and "no such folder" in err
    assert not db.parent.exists()


# -- folder modes -----------------------------------------------------------------------


def test_every_folder_caseterm_creates_is_owner_only(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    targets = {
        "export": tmp_path / "out" / "a" / "caseload.json",
        "backup": tmp_path / "bk" / "b" / "copy.db",
    }
    assert cli(capsys, "--db", str(demo_db), "export", "-o", str(targets["export"]))[0] == 0
    assert cli(capsys, "--db", str(demo_db), "backup", "-o", str(targets["backup"]))[0] == 0
    letters = tmp_path / "letters" / "x"
    code, _, err = cli(capsys, "--db", str(demo_db), *LETTER, "-o", str(letters))
    for target in targets.values():
        assert mode(target) == 0o600
        assert mode(target.parent) == 0o700 and mode(target.parent.parent) == 0o700
    assert code == 0, err
    assert mode(letters) == 0o700 and mode(letters.parent) == 0o700
    from caseterm import crash

    crash.write_report(RuntimeError("x"))
    state = isolated_dirs / "state"
    assert mode(state / "caseterm") == 0o700 and mode(state / "caseterm" / "crash") == 0o700


# -- damage -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["agenda"], ["agenda", "--json"], ["export", "--format", "html", "-o", "HTML"],
                                     ["export"], ["check"], LETTER])
def test_a_damaged_database_is_exit_2_for_every_reading_command(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    damage(demo_db)
    html = tmp_path / "caseload.html"
    args = [str(html) if a == "HTML" else a for a in command]
    code, out, err = cli(capsys, "--db", str(demo_db), *args)
    assert code == 2, (out, err)
    assert "damaged" in err or "integrity" in err
    assert "Traceback" not in err
    assert not html.exists()


def test_backup_refuses_to_copy_damage_and_names_the_backup_to_restore(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "--db", str(demo_db), "backup")
    assert code == 0
    good = Path(out.strip().removeprefix("Backed up to ").rstrip("."))
    assert good.exists()
    damage(demo_db)
    dest = tmp_path / "after-damage.db"
    code, _, err = cli(capsys, "--db", str(demo_db), "backup", "-o", str(dest))
    assert code == 2 and "damaged" in err
    assert str(good) in err  # which backup to restore from
    assert not dest.exists()


# -- busy -----------------------------------------------------------------------------------


def test_a_busy_database_is_exit_2_and_nothing_is_written(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = sqlite3.connect(demo_db)
    holder.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
    try:
        count = holder.execute("SELECT count(*) FROM note").fetchone()[0]
        code, _, err = cli(capsys, "--db", str(demo_db), *LETTER)
        assert code == 2, err
        assert "in use by another program" in err and "nothing was written" in err
        assert "Traceback" not in err and "OperationalError" not in err
    finally:
        holder.rollback()
        holder.close()
    check = sqlite3.connect(demo_db)
    assert check.execute("SELECT count(*) FROM note").fetchone()[0] == count
    check.close()


# -- notes stay notes ------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "REPLACE INTO note SELECT * FROM note WHERE id = :id",
    "INSERT OR REPLACE INTO note SELECT * FROM note WHERE id = :id",
    "INSERT OR REPLACE INTO note (id, uid, client_id, contact_at, written_at, type, author, text, late_entry) "
    "SELECT id + 100000, uid, client_id, contact_at, written_at, type, author, 'overwritten', late_entry FROM note WHERE id = :id",
    "UPDATE OR REPLACE note SET text = 'overwritten' WHERE id = :id",
    "INSERT INTO note SELECT * FROM note WHERE id = :id ON CONFLICT(id) DO UPDATE SET text = 'overwritten'",
    "DELETE FROM note WHERE id = :id",
])
@pytest.mark.parametrize("recursive", [False, True])
def test_no_sql_path_overwrites_or_deletes_a_note(demo_db: Path, statement: str, recursive: bool) -> None:
    conn = sqlite3.connect(demo_db)
    conn.execute(f"PRAGMA recursive_triggers={'ON' if recursive else 'OFF'}")
    note_id, text = conn.execute("SELECT id, text FROM note ORDER BY id LIMIT 1").fetchone()
    count = conn.execute("SELECT count(*) FROM note").fetchone()[0]
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute(statement, {"id": note_id})
    conn.rollback()
    assert conn.execute("SELECT text FROM note WHERE id = ?", (note_id,)).fetchone()[0] == text
    assert conn.execute("SELECT count(*) FROM note").fetchone()[0] == count
    conn.close()


# -- automatic backups and restore ------------------------------------------------------------


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour)


def test_rotation_keeps_the_last_7_days_and_4_weeks() -> None:
    today = dt.date(2026, 11, 30)  # a Monday
    taken = [at((today - dt.timedelta(days=n)).isoformat()) for n in range(60)]
    taken.append(at(today.isoformat(), 8))  # two on one day: the newer one is kept
    keep = backups.to_keep(taken, keep_daily=7, keep_weekly=4)
    days = sorted(w.date() for w in keep)
    assert days[-7:] == [today - dt.timedelta(days=n) for n in range(6, -1, -1)]
    assert at(today.isoformat(), 8) not in keep
    # and the newest of each of the 3 earlier weeks: the Sundays Nov 29 (already daily), 22, 15, 8
    assert sorted(set(days) - {today - dt.timedelta(days=n) for n in range(7)}) == [
        dt.date(2026, 11, 8), dt.date(2026, 11, 15), dt.date(2026, 11, 22)]
    assert len(keep) == 10


def test_automatic_backups_one_a_day_rotated_and_private(demo_db: Path) -> None:
    start = dt.datetime(2026, 11, 1, 8, 0)
    for day in range(40):
        for hour in (8, 13):  # the app started twice that day: one backup
            backups.auto_backup(demo_db, 7, 4, now=start + dt.timedelta(days=day, hours=hour - 8))
    folder = demo_db.parent / "backups"
    kept = sorted(folder.iterdir())
    assert mode(folder) == 0o700 and all(mode(p) == 0o600 for p in kept)
    taken = [backups.taken_at(p) for p in kept]
    assert len(taken) == len({t.date() for t in taken}) == 10  # 7 days + 3 earlier weeks
    assert max(taken).date() == dt.date(2026, 12, 10)


def test_automatic_backup_of_a_damaged_database_keeps_nothing(demo_db: Path) -> None:
    damage(demo_db)
    with pytest.raises(StoreError, match="damaged"):
        backups.auto_backup(demo_db, 7, 4, now=dt.datetime(2026, 11, 2, 9))
    assert not list((demo_db.parent / "backups").glob("*.db"))


def test_loss_and_restore(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The morning's backup, a lost file, one command: the caseload is back; nothing is deleted."""
    made = backups.auto_backup(demo_db, 7, 4, now=dt.datetime(2026, 11, 2, 8))
    original = sqlite3.connect(demo_db)
    counts = [original.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("client", "note", "appointment")]
    original.close()
    damage(demo_db)
    code, out, _ = cli(capsys, "--db", str(demo_db), "restore")
    assert code == 0 and str(made) in out
    code, out, err = cli(capsys, "--db", str(demo_db), "restore", str(made), "--yes")
    assert code == 0, err
    assert f"{counts[0]} clients" in out and "kept as" in out
    kept = Path(out.rsplit("kept as ", 1)[1].strip().rstrip("."))
    assert kept.exists() and mode(kept) == 0o600
    restored = sqlite3.connect(demo_db)
    assert [restored.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("client", "note", "appointment")] == counts
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored.close()
    assert mode(demo_db) == 0o600
    code, out, _ = cli(capsys, "--db", str(demo_db), "agenda")
    assert code == 0


def test_restore_checks_the_backup_first(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(demo_db)
    bad = foreign_file(tmp_path / "recipes.db")
    code, _, err = cli(capsys, "--db", str(demo_db), "restore", str(bad), "--yes")
    assert code == 2 and "not a caseterm backup" in err
    made = backups.auto_backup(demo_db, 7, 4, now=dt.datetime(2026, 11, 2, 8))
    damage(made)
    code, _, err = cli(capsys, "--db", str(demo_db), "restore", str(made), "--yes")
    assert code == 2 and "damaged" in err
    assert digest(demo_db) == before
    newer = tmp_path / "newer.db"
    code, _, _ = cli(capsys, "--db", str(demo_db), "backup", "-o", str(newer))
    before = digest(demo_db)  # the backup is audited in the database
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    code, _, err = cli(capsys, "--db", str(demo_db), "restore", str(newer), "--yes")
    assert code == 2 and "newer caseterm" in err
    assert digest(demo_db) == before


def test_restore_waits_for_the_other_program_to_close(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = backups.auto_backup(demo_db, 7, 4, now=dt.datetime(2026, 11, 2, 8))
    other = sqlite3.connect(demo_db)
    other.execute("SELECT count(*) FROM client").fetchone()  # caseterm open in another window
    try:
        code, _, err = cli(capsys, "--db", str(demo_db), "restore", str(made), "--yes")
    finally:
        other.close()
    assert code == 2 and "in use by another program" in err
    assert not list((demo_db.parent / "backups").glob("*before-restore*"))


# -- the shell: pipes, encodings, last resort ----------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caseterm", "--today", TODAY, *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120, **kwargs)


def test_a_closed_pipe_ends_quietly(demo_db: Path, isolated_dirs: Path) -> None:
    result = subprocess.run(
        f"{sys.executable} -m caseterm --today {TODAY} --db {demo_db} agenda | head -c 1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=120,
    )
    assert result.stderr == ""
    assert result.returncode in (0, 141)
    assert not (isolated_dirs / "state" / "caseterm" / "crash").exists()


def test_an_ascii_terminal_and_a_closed_stdout(demo_db: Path, isolated_dirs: Path) -> None:
    result = run("--db", str(demo_db), "agenda", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert result.stdout and "Traceback" not in result.stderr
    closed = subprocess.run(
        f"{sys.executable} -m caseterm --today {TODAY} --db {demo_db} agenda >&-",
        shell=True, capture_output=True, text=True, timeout=120,
    )
    assert closed.returncode in (0, 141) and "Traceback" not in closed.stderr
    assert not (isolated_dirs / "state" / "caseterm" / "crash").exists()


def test_no_client_data_on_stderr_when_no_report_can_be_written(tmp_path: Path) -> None:
    state = tmp_path / "state-is-a-file"
    state.write_text("not a folder")
    code = (
        "import sys\n"
        "def boom(*a, **k): raise RuntimeError('Maria Lopez TA-10432')\n"
        "import caseterm.services.interchange as i; i.read_file = boom\n"
        "from caseterm.cli import main; main(['--db', sys.argv[1], 'import', 'x.json'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.db")], capture_output=True, text=True,
                            env={**os.environ, "XDG_STATE_HOME": str(state)}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "no report could be written" in result.stderr
    assert "Maria" not in result.stderr and "Traceback" not in result.stderr
