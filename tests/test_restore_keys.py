"""Restore keeps what protects the file (issue 21, item 4): a plain backup restored over an
encrypted database is re-keyed with its passphrase; a backup taken before `passphrase` opens with
its own passphrase (--backup-passphrase-stdin, or a prompt); a wrong one is exit 2, nothing changed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from test_encryption import KEY, digest, encrypted, names, plain_db, readable, run  # noqa: F401 - fixtures

from caseterm import cipher, paths

NEW = "a passphrase changed since"


def note_count(path: Path, key: str | None) -> int:
    conn = cipher.connect(path, key=key, readonly=True)
    try:
        return conn.execute("SELECT count(*) FROM note").fetchone()[0]
    finally:
        conn.close()


def add_notes(db: Path, key: str, how_many: int) -> None:
    """Notes written after the backup (plain SQL through SQLCipher; the triggers fire)."""
    conn = cipher.connect(db, key=key)
    conn.execute(
        "INSERT INTO note (uid, client_id, contact_at, written_at, type, method, outcome, minutes, author, text, "
        "late_entry) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT lower(hex(randomblob(16))), client_id, contact_at, written_at, type, method, outcome, minutes, "
        "author, 'after the backup ' || i, late_entry FROM (SELECT * FROM note LIMIT 1), n", (how_many,))
    conn.commit()
    conn.close()


def temps(db: Path) -> list[str]:
    found = [p.name for p in db.parent.iterdir() if ".restore-" in p.name or ".rekey-" in p.name]
    backups = paths.backups_dir_for(db)
    return found + ([p.name for p in backups.iterdir() if p.name.startswith(".")] if backups.is_dir() else [])


def test_a_plain_backup_restored_over_an_encrypted_database_is_re_keyed(
        plain_db: Path, names: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / "plain-backup.db"
    assert run("--db", str(plain_db), "backup", "-o", str(backup)) == 0
    assert backup.read_bytes()[:16] == b"SQLite format 3\x00"
    in_backup = note_count(backup, None)
    assert run("--db", str(plain_db), "encrypt", "--passphrase-stdin", stdin=KEY + "\n", monkeypatch=monkeypatch) == 0
    add_notes(plain_db, KEY, 5)
    cipher.set_passphrase(None)
    before = digest(plain_db)
    capsys.readouterr()
    # No passphrase to key the restored file with (no terminal, no CASETERM_PASSPHRASE): refused.
    assert run("--db", str(plain_db), "restore", str(backup), "--yes") == 2
    err = capsys.readouterr().err
    assert "its passphrase is needed" in err and "Nothing was changed" in err and "Traceback" not in err
    assert digest(plain_db) == before and temps(plain_db) == []
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    capsys.readouterr()
    assert run("--db", str(plain_db), "restore", str(backup), "--yes") == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "stays encrypted with the database's current passphrase" in out
    assert plain_db.read_bytes()[:16] != b"SQLite format 3\x00" and readable(plain_db, names) == []
    cipher.set_passphrase(None)
    assert note_count(plain_db, KEY) == in_backup  # the backup's data, under the live passphrase
    kept = Path(out.rsplit("kept as ", 1)[1].strip().rstrip("."))
    assert note_count(kept, KEY) == in_backup + 5 and readable(kept, names) == []
    assert temps(plain_db) == []
    assert run("--db", str(plain_db), "audit", "--action", "restore", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_a_backup_from_before_a_passphrase_change_opens_with_its_own(
        encrypted: Path, names: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    backup = tmp_path / "before-the-change.db"
    assert run("--db", str(encrypted), "backup", "-o", str(backup)) == 0
    in_backup = note_count(backup, KEY)
    assert run("--db", str(encrypted), "passphrase", "--passphrase-stdin", stdin=NEW + "\n",
               monkeypatch=monkeypatch) == 0, capsys.readouterr().err
    cipher.set_passphrase(None)
    add_notes(encrypted, NEW, 3)
    monkeypatch.setenv("CASETERM_PASSPHRASE", NEW)
    before = digest(encrypted)
    capsys.readouterr()

    # Not at a terminal and no --backup-passphrase-stdin: told how, nothing changed.
    assert run("--db", str(encrypted), "restore", str(backup), "--yes") == 2
    err = capsys.readouterr().err
    assert "--backup-passphrase-stdin" in err and "nothing was changed" in err and "Traceback" not in err
    # The wrong one: exit 2, nothing changed.
    cipher.set_passphrase(None)
    assert run("--db", str(encrypted), "restore", str(backup), "--yes", "--backup-passphrase-stdin",
               stdin="not the one\n", monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "wrong passphrase for this backup" in err and "Traceback" not in err
    assert digest(encrypted) == before and temps(encrypted) == []
    assert not list(paths.backups_dir_for(encrypted).glob("*before-restore*"))

    cipher.set_passphrase(None)
    assert run("--db", str(encrypted), "restore", str(backup), "--yes", "--backup-passphrase-stdin",
               stdin=KEY + "\n", monkeypatch=monkeypatch) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    cipher.set_passphrase(None)
    with pytest.raises(Exception, match="wrong passphrase"):
        cipher.verify(encrypted, KEY)  # re-keyed: the live passphrase, not the backup's
    assert note_count(encrypted, NEW) == in_backup and readable(encrypted, names) == []
    kept = Path(out.rsplit("kept as ", 1)[1].strip().rstrip("."))
    assert note_count(kept, NEW) == in_backup + 3
    assert note_count(backup, KEY) == in_backup  # the backup itself is untouched
    assert temps(encrypted) == []
    assert run("--db", str(encrypted), "check") == 0


def test_the_backup_passphrase_prompt_at_a_terminal(encrypted: Path, tmp_path: Path,  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    backup = tmp_path / "before-the-change.db"
    assert run("--db", str(encrypted), "backup", "-o", str(backup)) == 0
    assert run("--db", str(encrypted), "passphrase", "--passphrase-stdin", stdin=NEW + "\n",
               monkeypatch=monkeypatch) == 0
    cipher.set_passphrase(None)
    monkeypatch.setenv("CASETERM_PASSPHRASE", NEW)
    asked: list[str] = []

    def prompt(text: str, **_kw: object) -> str:
        asked.append(text)
        return KEY

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("click.prompt", prompt)
    capsys.readouterr()
    assert run("--db", str(encrypted), "restore", str(backup), "--yes") == 0, capsys.readouterr().err
    assert asked and str(backup) in asked[0]
    cipher.set_passphrase(None)
    cipher.verify(encrypted, NEW)


def test_an_encrypted_backup_restored_over_a_plain_database_keeps_its_passphrase(
        encrypted: Path, names: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """Never less protection than the backup had: it stays encrypted, with its own passphrase."""
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    backup = tmp_path / "secret-backup.db"
    assert run("--db", str(encrypted), "backup", "-o", str(backup)) == 0
    assert run("--db", str(encrypted), "decrypt", "--yes") == 0
    monkeypatch.delenv("CASETERM_PASSPHRASE")
    cipher.set_passphrase(None)
    assert run("--db", str(encrypted), "restore", str(backup), "--yes", "--backup-passphrase-stdin",
               stdin=KEY + "\n", monkeypatch=monkeypatch) == 0, capsys.readouterr().err
    assert "encrypted with the backup's passphrase" in capsys.readouterr().out
    assert readable(encrypted, names) == []
    cipher.set_passphrase(None)
    cipher.verify(encrypted, KEY)
