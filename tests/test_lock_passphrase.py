"""The screen lock's passphrase: `caseterm passphrase --lock-only`, a salted scrypt hash, the old SHA-256 refused."""

from __future__ import annotations

import hashlib
import io
import tomllib
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_app_flow import screen_text, seeded, settle, until, write_settings  # noqa: F401 - fixture

from caseterm import config, paths
from caseterm.app import CasetermApp
from caseterm.cli import main
from caseterm.commands import privacy
from caseterm.errors import BadInput
from caseterm.models import AuditEntry
from caseterm.screens.caseload import CaseloadScreen
from caseterm.screens.lock import LockScreen
from caseterm.store import session_scope

OLD = hashlib.sha256(b"blue heron").hexdigest()


def run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def settings_text() -> str:
    return paths.settings_path().read_text(encoding="utf-8")


def test_passphrase_from_stdin_is_stored_as_a_salted_scrypt_hash(db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from caseterm.store import open_store, resolve_url

    open_store(resolve_url(str(db_path))).dispose()
    write_settings(f'# mine\nuser = "casey"\npassphrase_sha256 = "{OLD}"  # old\nphone = "503-555-0100"\n')
    with pytest.raises(BadInput, match="passphrase_sha256.*no longer accepted.*caseterm passphrase --lock-only"):
        config.load_settings()
    monkeypatch.setattr("sys.stdin", io.StringIO("blue heron\n"))
    assert run("--db", str(db_path), "passphrase", "--lock-only", "--passphrase-stdin") == 0, capsys.readouterr().err
    text = settings_text()
    assert "passphrase_sha256" not in text and "# mine" in text and "503-555-0100" in text
    stored = tomllib.loads(text)["lock_passphrase"]
    assert stored.startswith("scrypt$n=32768,r=8,p=1$") and "blue" not in text
    assert config.passphrase_matches("blue heron", stored)
    assert "Lock passphrase set" in capsys.readouterr().out
    with session_scope(open_store(resolve_url(str(db_path)))) as s:
        entries = s.exec(select(AuditEntry)).all()
    assert [(e.action, e.detail, e.user) for e in entries] == [("passphrase_changed", "passphrase=lock", "casey")]


def test_on_a_terminal_it_is_asked_twice(db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    write_settings('user = "casey"\n')
    monkeypatch.setattr(privacy, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("blue heron\nblue heron\n"))
    assert run("--db", str(db_path), "passphrase", "--lock-only") == 0, capsys.readouterr().err
    assert config.passphrase_matches("blue heron", config.load_settings().lock_passphrase)
    err = capsys.readouterr().err
    assert "New lock passphrase" in err and "Again, to confirm" in err and "blue" not in err


@pytest.mark.parametrize(("stdin", "args", "message"), [
    ("short\n", ["--passphrase-stdin"], "--passphrase-stdin: too short; use at least 8 characters"),
    ("\n", ["--passphrase-stdin"], "--passphrase-stdin: no lock passphrase on standard input"),
    ("blue heron\n", [], "standard input is not a terminal; pass --passphrase-stdin"),
])
def test_bad_passphrases_are_exit_2_and_change_nothing(db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], stdin: str,
                                                        args: list[str], message: str) -> None:
    write_settings('user = "casey"\n')
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert run("--db", str(db_path), "passphrase", "--lock-only", *args) == 2
    assert message in capsys.readouterr().err
    assert settings_text() == 'user = "casey"\n'


def test_a_lock_passphrase_caseterm_did_not_write_is_refused(tmp_path: Path) -> None:
    write_settings(f'lock_passphrase = "{OLD}"\n')
    with pytest.raises(BadInput, match="'lock_passphrase' is not a passphrase hash caseterm wrote"):
        config.load_settings()
    write_settings('passphrase_sha256 = ""\n')  # an emptied old line is harmless
    assert config.load_settings().lock_passphrase == ""


async def test_without_a_passphrase_the_lock_says_it_only_hides(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        assert "No passphrase set: this only hides the screen." in screen_text(app)
        assert "caseterm passphrase --lock-only" in screen_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert "only hides the screen" in screen_text(app)


async def test_wrong_then_right_passphrase_is_audited(seeded: Engine) -> None:  # noqa: F811
    write_settings(f'user = "casey"\nlock_passphrase = "{config.hash_passphrase("blue heron")}"\n')
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        assert "only hides" not in screen_text(app)
        await pilot.press("enter", *"red fox", "enter")
        await until(pilot, lambda: "not the passphrase" in screen_text(app))
        await pilot.press(*"blue heron", "enter")
        await until(pilot, lambda: isinstance(app.screen, CaseloadScreen))
    with session_scope(seeded) as s:
        actions = [(e.action, e.detail) for e in s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert actions[-3:] == [("lock", "reason=hidden"), ("unlock_failed", "with=passphrase"), ("unlock", "with=passphrase")]
