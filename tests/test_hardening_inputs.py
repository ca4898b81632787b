"""Issue 21 items 8 and 9: inputs that crashed (exit 1, crash report) or wrote before they were
allowed now get a clear message, exit 2, and leave everything as it was. Real processes, real files."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from caseterm import paths


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=120, input=stdin)


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("master")
    db = folder / "demo.db"
    env = {k: str(folder / k) for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    done = run("--db", str(db), "--today", "2026-11-02", "demo", env=env)
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture
def db(demo_master: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    target = work / "demo.db"
    shutil.copy(demo_master, target)
    return target


def scheduled_case(db: Path) -> str:
    """A client with a scheduled appointment after the pinned today (an appointment letter names it)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT c.case_number FROM client c JOIN appointment a ON a.client_id = c.id "
            "WHERE a.status = 'scheduled' AND a.start > '2026-11-03' ORDER BY a.start LIMIT 1"
        ).fetchone()[0]


def audit_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM audit").fetchone()[0]


def assert_clear(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 with a one-line message naming the thing; never an unexpected error or a traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "unexpected error" not in result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def crash_reports(home: Path) -> list[Path]:
    return list((home / "state").rglob("crash-*.txt"))


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in (root may write anywhere but sysfs)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


# ---------------------------------------------------------------------------
# Item 9: crashes that become messages
# ---------------------------------------------------------------------------


def test_restore_with_a_relative_path(db: Path, isolated_dirs: Path) -> None:
    assert run("--db", str(db), "backup", "-o", str(db.parent / "copy.db")).returncode == 0
    result = run("--db", "demo.db", "restore", "copy.db", "--yes", cwd=db.parent)
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout
    assert not crash_reports(isolated_dirs)


@pytest.mark.parametrize("command", ["backup", "letter"])
def test_output_into_a_folder_that_cannot_be_written(db: Path, tmp_path: Path, isolated_dirs: Path, command: str) -> None:
    folder = unwritable_folder(tmp_path)
    settings = isolated_dirs / "config" / "caseterm" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('full_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    before = audit_count(db)
    with sqlite3.connect(db) as conn:
        notes = conn.execute("SELECT count(*) FROM note").fetchone()[0]
    if command == "backup":
        result = run("--db", str(db), "backup", "-o", str(folder / "x.db"))
    else:
        result = run("--db", str(db), "--today", "2026-11-02", "letter", scheduled_case(db), "-t", "appointment",
                     "-o", str(folder / "letters"))
    assert_clear(result, str(folder))
    assert audit_count(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM note").fetchone()[0] == notes  # no letter note logged
    assert not crash_reports(isolated_dirs)


def test_output_under_a_file_is_refused(db: Path, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    assert_clear(run("--db", str(db), "backup", "-o", str(tmp_path / "plain" / "x.db")), "is a file, not a folder")
    assert_clear(run("--db", str(db), "export", "-o", str(tmp_path / "plain" / "x.json")), "is a file, not a folder")


@pytest.mark.parametrize("command", ["import", "encrypt"])
def test_a_regular_file_named_backups(db: Path, tmp_path: Path, isolated_dirs: Path, command: str) -> None:
    in_the_way = db.parent / "backups"
    in_the_way.write_text("not a folder")
    in_the_way.chmod(0o644)
    before = db.read_bytes()
    if command == "import":
        sample = Path(__file__).parent / "data" / "sample.json"
        result = run("--db", str(db), "import", str(sample))
        assert_clear(result, str(in_the_way), "not a folder")  # its backup before the import has nowhere to go
        assert db.read_bytes() == before
    else:
        # encrypt builds its new file beside the database (issue 21.3), not in backups/: the file in
        # the way is no obstacle, and it stays as it was.
        result = run("--db", str(db), "encrypt", "--passphrase-stdin", stdin="a long passphrase\n")
        assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(in_the_way.stat().st_mode) == 0o644  # never chmod-ed to 0700
    assert in_the_way.read_text() == "not a folder"
    assert not crash_reports(isolated_dirs)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("search", "visit", "--limit", "9223372036854775808"), ("--limit", "at most")),
        (("--today", "9999-12-31", "agenda"), ("--today", "out of range")),
        (("--today", "0001-01-01", "agenda"), ("--today", "out of range")),
    ],
)
def test_numbers_out_of_range_in_arguments(db: Path, isolated_dirs: Path, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert_clear(run("--db", str(db), *args), *words)
    assert not crash_reports(isolated_dirs)


def test_today_from_the_environment_out_of_range(db: Path) -> None:
    assert_clear(run("--db", str(db), "agenda", env={"CASETERM_TODAY": "0001-01-01"}), "CASETERM_TODAY", "out of range")


def test_a_nul_in_a_new_passphrase(db: Path, isolated_dirs: Path) -> None:
    before = db.read_bytes()
    result = run("--db", str(db), "encrypt", "--passphrase-stdin", stdin="a long\x00passphrase\n")
    assert_clear(result, "NUL")
    assert db.read_bytes() == before
    assert not crash_reports(isolated_dirs)


def test_the_database_passphrase_is_nfc_normalised(db: Path) -> None:
    """Typed decomposed on one keyboard (NFD), composed on another (NFC): one passphrase."""
    word = "café crème brûlée"
    nfd, nfc = unicodedata.normalize("NFD", word), unicodedata.normalize("NFC", word)
    assert nfd != nfc
    assert run("--db", str(db), "encrypt", "--passphrase-stdin", stdin=nfd + "\n").returncode == 0
    opened = run("--db", str(db), "--today", "2026-11-02", "agenda", "--json", env={"CASETERM_PASSPHRASE": nfc})
    assert opened.returncode == 0, opened.stderr


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[follow_up]\ndefault_days = 9223372036854775807\n", "follow_up.default_days"),
        ("[engagement]\nmissed_activity_business_days = 100000000\n", "engagement.missed_activity_business_days"),
        ("[display]\nyear_after_months = 100000\n", "display.year_after_months"),
    ],
)
def test_policy_numbers_out_of_range_are_named(db: Path, isolated_dirs: Path, text: str, key: str) -> None:
    policy = isolated_dirs / "config" / "caseterm" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(text)
    assert_clear(run("--db", str(db), "agenda"), key, str(policy))
    assert not crash_reports(isolated_dirs)


def test_a_malformed_policy_stops_the_app_with_its_message(db: Path, isolated_dirs: Path) -> None:
    policy = isolated_dirs / "config" / "caseterm" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("[privacy\n")
    result = run("--db", str(db), stdin="")
    assert_clear(result, str(policy), "not valid TOML")


def test_import_from_a_fifo_is_refused_without_blocking(db: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    before = db.read_bytes()
    assert_clear(run("--db", str(db), "import", str(fifo)), str(fifo), "not a regular file")
    assert db.read_bytes() == before


def test_disk_full_names_the_device_not_the_source() -> None:
    """SQLite's 'database or disk is full' (the real text of SQLITE_FULL) is the device's fault."""
    from caseterm.errors import DiskFull, store_error_from

    err = sqlite3.OperationalError("database or disk is full")
    known = store_error_from(err, "/mnt/usb/copy.db")
    assert isinstance(known, DiskFull)
    text = str(known)
    assert "no space left on the device holding /mnt/usb/copy.db" in text
    assert "damaged" not in text and "backup" not in text.lower()
    assert paths.os_reason(OSError(errno.ENOSPC, "No space left on device"), "/mnt/usb") == \
        "no space left on the device holding /mnt/usb"


def test_disk_full_during_a_backup_keeps_no_restore_hint(db: Path) -> None:
    """The backup command's hint ('restore the newest backup') is not added to a full disk."""
    from caseterm.commands.data import _with_restore_hint
    from caseterm.errors import DiskFull, full_message

    err = _with_restore_hint(DiskFull(full_message("/mnt/usb/copy.db")), db)
    assert err.errors == [full_message("/mnt/usb/copy.db")]


# ---------------------------------------------------------------------------
# Item 8: nothing is written before it is allowed
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "ics", "html"])
def test_broken_settings_write_no_export(db: Path, tmp_path: Path, isolated_dirs: Path, fmt: str) -> None:
    settings = isolated_dirs / "config" / "caseterm" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("no_such_setting = 1\n")
    out = tmp_path / f"out.{fmt}"
    before = audit_count(db)
    result = run("--db", str(db), "export", "--format", fmt, "-o", str(out))
    assert_clear(result, "unknown setting")
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".out")] == []  # no temp left
    assert audit_count(db) == before


@pytest.mark.parametrize("fmt", ["json", "csv", "ics", "html"])
def test_export_refuses_a_symlink_even_with_force(db: Path, tmp_path: Path, fmt: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    victim.chmod(0o644)
    link = tmp_path / "link"
    link.symlink_to(victim)
    for extra in ((), ("--force",)):
        result = run("--db", str(db), "export", "--format", fmt, "-o", str(link), *extra)
        assert_clear(result, "symbolic link")
    assert victim.read_text() == "keep me"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_export_refuses_an_existing_file_without_force(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    out.write_text("old")
    before = audit_count(db)
    assert_clear(run("--db", str(db), "export", "--format", "html", "-o", str(out)), "already exists", "--force")
    assert out.read_text() == "old" and audit_count(db) == before
    done = run("--db", str(db), "export", "--format", "html", "-o", str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert "CONFIDENTIAL" in out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert audit_count(db) == before + 1


@pytest.mark.parametrize("fmt", ["json", "ics", "csv"])
def test_export_dash_is_standard_output(db: Path, tmp_path: Path, fmt: str) -> None:
    before = audit_count(db)
    result = subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), "export", "--format", fmt, "-o", "-"],
                            capture_output=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "-").exists()
    head = {"json": b"{", "ics": b"BEGIN:VCALENDAR", "csv": b"PK"}[fmt]
    assert result.stdout.startswith(head)
    with sqlite3.connect(db) as conn:
        detail = conn.execute("SELECT detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert audit_count(db) == before + 1 and "file=-" in detail


def test_a_written_export_is_audited_with_its_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.ics"
    assert run("--db", str(db), "export", "--format", "ics", "-o", str(out)).returncode == 0
    with sqlite3.connect(db) as conn:
        detail = conn.execute("SELECT detail FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert f"file={out}" in detail
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_backup_and_letter_refuse_links_and_dash(db: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.db"
    link = tmp_path / "link.db"
    link.symlink_to(victim)  # dangling: the old code created the target through it
    assert_clear(run("--db", str(db), "backup", "-o", str(link)), "symbolic link")
    assert not victim.exists()
    assert_clear(run("--db", str(db), "backup", "-o", "-"), "standard output")
    assert not Path("-").exists()
    assert_clear(run("--db", str(db), "--today", "2026-11-02", "letter", scheduled_case(db), "-t", "appointment", "-o", "-"),
                 "name a folder")


def test_write_output_rolls_back_the_file_when_the_commit_fails(tmp_path: Path) -> None:
    out = tmp_path / "x.txt"

    def fail() -> None:
        raise RuntimeError("commit failed")

    with pytest.raises(RuntimeError):
        paths.write_output(out, "data", commit=fail)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):  # noqa: ANN201 - yields a mount point
    """A 600 KiB tmpfs (root only: skipped where mounting is not allowed)."""
    point = tmp_path / "tiny"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the message mapping is tested above")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.mark.slow
def test_a_full_device_is_named_as_such(db: Path, tiny_tmpfs: Path) -> None:
    """A real full device: the copy's (backup -o) and the database's own (an I/O error from SQLite)."""
    (tiny_tmpfs / "fill").write_bytes(b"\0" * 300 * 1024)
    result = run("--db", str(db), "backup", "-o", str(tiny_tmpfs / "copy.db"))
    assert_clear(result, f"no space left on the device holding {tiny_tmpfs}")
    assert "damaged" not in result.stderr and "No backup" not in result.stderr
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["fill"]  # no temp, no half copy
    (tiny_tmpfs / "fill").unlink()
    moved = tiny_tmpfs / "day.db"
    shutil.copy(db, moved)
    free = os.statvfs(tiny_tmpfs)
    (tiny_tmpfs / "fill").write_bytes(b"\0" * (free.f_bavail * free.f_frsize))
    result = run("--db", str(moved), "agenda")
    assert_clear(result, f"no space left on the device holding {moved}")
    assert "damaged" not in result.stderr
