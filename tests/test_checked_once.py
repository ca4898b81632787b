"""CLI reads check the whole file once, not on every read (issue 25.2); damage is still caught."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from test_store_trust import cli, damage, demo_db  # noqa: F401 - fixture


@pytest.fixture
def checks() -> list[str]:
    """Every whole-file check any engine of this process runs (SQLAlchemy's own event hook)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if "quick_check" in statement or "integrity_check" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


def test_an_unchanged_sound_file_is_not_read_whole_again(demo_db: Path, capsys, checks: list[str]) -> None:  # noqa: F811, ANN001
    os.utime(demo_db, ns=(2, 2))  # changed since `demo` checked it
    assert cli(capsys, "--db", str(demo_db), "agenda")[0] == 0
    first = len(checks)
    assert first == 1
    for command in (["agenda"], ["agenda", "--json"], ["search", "rent"]):
        assert cli(capsys, "--db", str(demo_db), *command)[0] == 0
    assert len(checks) == first  # nothing changed: no second whole-file read
    os.utime(demo_db, ns=(1, 1))  # the file changed (as far as anyone can tell): checked again
    assert cli(capsys, "--db", str(demo_db), "agenda")[0] == 0
    assert len(checks) == first + 1


def test_damage_after_a_sound_check_is_still_exit_2(demo_db: Path, capsys) -> None:  # noqa: F811, ANN001
    assert cli(capsys, "--db", str(demo_db), "agenda")[0] == 0
    damage(demo_db)
    code, out, err = cli(capsys, "--db", str(demo_db), "agenda")
    assert code == 2 and "damaged" in err and "Traceback" not in err
    # and it stays caught: a failed check is never remembered as sound
    assert cli(capsys, "--db", str(demo_db), "agenda")[0] == 2


def test_the_memory_holds_no_client_data_and_is_owner_only(demo_db: Path, capsys, isolated_dirs: Path) -> None:  # noqa: F811, ANN001
    assert cli(capsys, "--db", str(demo_db), "agenda")[0] == 0
    memory = isolated_dirs / "state" / "caseterm" / "checked.json"
    assert oct(memory.stat().st_mode & 0o777) == "0o600"
    text = memory.read_text()
    assert str(demo_db.resolve()) in text and "TA-" not in text
