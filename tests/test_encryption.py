"""Encryption at rest (SQLCipher): nothing readable in the file, its WAL or its backups; a wrong
passphrase is exit 2 with the file unchanged; FTS, triggers and WAL work as on a plain file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from caseterm import backups, cipher, config, paths
from caseterm.cli import main
from caseterm.models import AuditEntry, Client
from caseterm.services import notes
from caseterm.store import open_store, resolve_url, session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

CONTACT = {"method": ContactMethod.PHONE, "outcome": ContactOutcome.REACHED, "minutes": 10}

KEY = "correct horse battery"


def run(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def plain_db(tmp_path: Path, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    settings = paths.settings_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('full_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    config.load_settings.cache_clear()
    db = tmp_path / "work" / "caseterm.db"
    db.parent.mkdir()
    assert run("--db", str(db), "--today", "2026-11-02", "demo") == 0, capsys.readouterr().err
    return db


@pytest.fixture
def names(plain_db: Path) -> list[str]:
    """Every demo client's names, from the plain file (what must never be readable once encrypted)."""
    conn = sqlite3.connect(plain_db)
    rows = conn.execute("SELECT legal_name, preferred_name FROM client").fetchall()
    conn.close()
    # Six letters or more: a 4-letter name ("Mari") turns up by chance in a few hundred KB of
    # ciphertext about once in thirty runs; a 6-letter one practically never (2^-48 per position).
    words = {part for row in rows for name in row if name for part in name.split() if len(part) >= 6}
    assert len(words) > 30
    return sorted(words)


@pytest.fixture
def encrypted(plain_db: Path, names: list[str], monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> Path:
    assert run("--db", str(plain_db), "encrypt", "--passphrase-stdin", stdin=KEY + "\n", monkeypatch=monkeypatch) == 0, \
        capsys.readouterr().err
    cipher.set_passphrase(None)  # as a new process would start
    return plain_db


def readable(path: Path, names: list[str]) -> list[str]:
    data = path.read_bytes()
    return [n for n in names if n.encode() in data]


def test_plain_file_shows_the_names_the_encrypted_one_does_not(plain_db: Path, names: list[str],
                                                               encrypted: Path) -> None:
    assert encrypted.read_bytes()[:16] != b"SQLite format 3\x00"
    assert readable(encrypted, names) == []
    assert not Path(f"{encrypted}-wal").exists()


def test_the_wal_and_every_backup_stay_encrypted(encrypted: Path, names: list[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    cipher.unlock(encrypted, KEY)
    engine = open_store(resolve_url(str(encrypted)), create=False)
    with session_scope(engine) as s:
        client = s.exec(select(Client)).first()
        assert client is not None
        notes.add_note(s, client, type=NoteType.CONTACT, **CONTACT, text=f"Met {client.legal_name} at the library.")
    wal = Path(f"{encrypted}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the write sits in the WAL until a checkpoint
    assert readable(wal, names) == [] and readable(encrypted, names) == []
    made = backups.auto_backup(encrypted, 7, 4, now=dt.datetime(2026, 11, 2, 8))
    engine.dispose()
    cipher.set_passphrase(None)
    copy = tmp_path / "copy.db"
    assert run("--db", str(encrypted), "backup", "-o", str(copy)) == 0
    for path in (made, copy):
        assert path is not None and path.read_bytes()[:16] != b"SQLite format 3\x00"
        assert readable(path, names) == []
        cipher.verify(path, KEY)  # readable with the passphrase, by caseterm only


def test_wrong_passphrase_is_exit_2_and_the_file_unchanged(encrypted: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(encrypted)
    monkeypatch.setenv("CASETERM_PASSPHRASE", "not the one")
    for command in (["agenda"], ["export"], ["check"], ["backup"], ["audit"]):
        assert run("--db", str(encrypted), *command) == 2
        err = capsys.readouterr().err
        assert "wrong passphrase, or not a caseterm database" in err and "Traceback" not in err
    assert digest(encrypted) == before
    assert not Path(f"{encrypted}-wal").exists()
    monkeypatch.delenv("CASETERM_PASSPHRASE")
    assert run("--db", str(encrypted), "agenda") == 2  # no terminal to ask on, no variable
    assert "CASETERM_PASSPHRASE" in capsys.readouterr().err
    assert digest(encrypted) == before


def test_search_triggers_and_audit_work_on_the_encrypted_file(encrypted: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    cipher.unlock(encrypted, KEY)
    engine = open_store(resolve_url(str(encrypted)), create=False)
    with session_scope(engine) as s:
        client = s.exec(select(Client)).first()
        assert client is not None
        note = notes.add_note(s, client, type=NoteType.CONTACT, **CONTACT, text="Spoke about the zeppelin museum voucher.")
    with session_scope(engine) as s:
        hits = notes.search_notes(s, "zeppelin")
        assert [h.note_id for h in hits] == [note.id]
    with pytest.raises(Exception, match="never|append-only|amendment"):
        with session_scope(engine) as s:
            s.execute(text("UPDATE note SET text = 'x' WHERE id = :id"), {"id": note.id})
    engine.dispose()
    cipher.set_passphrase(None)
    capsys.readouterr()
    assert run("--db", str(encrypted), "audit", "--json") == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert actions[0] == "encrypt" and "note_saved" in actions


def test_passphrase_change_and_decrypt(encrypted: Path, names: list[str], monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    assert run("--db", str(encrypted), "passphrase", "--passphrase-stdin", stdin="a new long passphrase\n",
               monkeypatch=monkeypatch) == 0, capsys.readouterr().err
    cipher.set_passphrase(None)
    with pytest.raises(Exception, match="wrong passphrase"):
        cipher.verify(encrypted, KEY)
    cipher.verify(encrypted, "a new long passphrase")
    assert readable(encrypted, names) == []
    monkeypatch.setenv("CASETERM_PASSPHRASE", "a new long passphrase")
    assert run("--db", str(encrypted), "decrypt") == 2  # no terminal to confirm on
    assert "--yes" in capsys.readouterr().err
    assert run("--db", str(encrypted), "decrypt", "--yes") == 0, capsys.readouterr().err
    assert encrypted.read_bytes()[:16] == b"SQLite format 3\x00"
    cipher.set_passphrase(None)
    monkeypatch.delenv("CASETERM_PASSPHRASE")
    conn = sqlite3.connect(encrypted)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    clients = conn.execute("SELECT count(*) FROM client").fetchone()[0]
    conn.close()
    assert actions[:3] == ["encrypt", "passphrase_changed", "decrypt"] and clients == 40


def test_encrypt_refuses_twice_and_short_passphrases(encrypted: Path, plain_db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    assert run("--db", str(encrypted), "encrypt", "--passphrase-stdin", stdin="another one\n",
               monkeypatch=monkeypatch) == 2
    assert "already encrypted" in capsys.readouterr().err
    other = tmp_path / "other.db"
    open_store(resolve_url(str(other))).dispose()
    before = digest(other)
    assert run("--db", str(other), "encrypt", "--passphrase-stdin", stdin="short\n", monkeypatch=monkeypatch) == 2
    assert "too short" in capsys.readouterr().err
    assert digest(other) == before


async def test_the_unlock_screen_shows_nothing_of_the_caseload(encrypted: Path, names: list[str]) -> None:
    from test_app_flow import screen_text

    from caseterm.screens.unlock import UnlockApp, wait_after

    app = UnlockApp(encrypted, wait=lambda wrong: 0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "encrypted" in shown and not [n for n in names if n in shown]
        await pilot.press(*"guess", "enter")
        await pilot.pause()
        assert "Wrong passphrase, or not a caseterm database" in screen_text(app)
        await pilot.press(*KEY, "enter")
        await pilot.pause()
    assert app.return_value == KEY
    assert [wait_after(n) for n in range(1, 7)] == [0, 0, 2, 4, 8, 16]


def test_unlock_screen_snapshot(encrypted: Path, snap_compare) -> None:  # noqa: ANN001
    from caseterm.screens.unlock import UnlockApp

    assert snap_compare(UnlockApp(encrypted), terminal_size=(80, 24))


async def test_the_idle_lock_asks_for_the_database_passphrase(encrypted: Path) -> None:
    from test_app_flow import settle, until

    from caseterm.app import CasetermApp
    from caseterm.screens.lock import LockScreen

    cipher.unlock(encrypted, KEY)
    engine = open_store(resolve_url(str(encrypted)), create=False)
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        await pilot.press("enter", *"wrong one", "enter")
        await until(pilot, lambda: app.locked and "not the passphrase" in str(app.screen.query_one("#lock-error").render()))
        await pilot.press(*KEY, "enter")
        await until(pilot, lambda: not app.locked)
    engine.dispose()
    with session_scope(open_store(resolve_url(str(encrypted)), create=False)) as s:
        actions = [e.action for e in s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert actions[-3:] == ["lock", "unlock_failed", "unlock"]


async def test_wrong_tries_at_the_unlock_screen_reach_the_audit_trail_once_open(encrypted: Path) -> None:
    """The file cannot take an entry while sealed: the app writes the start-up unlock's tries once open."""
    from test_app_flow import settle

    from caseterm.app import CasetermApp

    cipher.unlock(encrypted, KEY)
    engine = open_store(resolve_url(str(encrypted)), create=False)
    app = CasetermApp(engine, idle_lock_seconds=0, start_unlock=(2, "passphrase"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    engine.dispose()
    with session_scope(open_store(resolve_url(str(encrypted)), create=False)) as s:
        entries = [(e.action, e.detail) for e in s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert ("unlock_failed", "at=start-up tries=2") in entries
    assert entries.index(("unlock_failed", "at=start-up tries=2")) < entries.index(("unlock", "at=start-up with=passphrase"))


def test_restore_of_an_encrypted_backup_stays_encrypted(encrypted: Path, names: list[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASETERM_PASSPHRASE", KEY)
    copy = tmp_path / "copy.db"
    assert run("--db", str(encrypted), "backup", "-o", str(copy)) == 0
    cipher.set_passphrase(None)
    assert run("--db", str(encrypted), "restore", str(copy), "--yes") == 0, capsys.readouterr().err
    assert readable(encrypted, names) == [] and encrypted.read_bytes()[:16] != b"SQLite format 3\x00"
    kept = Path(capsys.readouterr().out.rsplit("kept as ", 1)[1].strip().rstrip("."))
    assert readable(kept, names) == []
    cipher.set_passphrase(None)
    assert run("--db", str(encrypted), "audit", "--action", "restore", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
