"""`caseterm letter` through the real entry point: paths printed, exit 2 on bad input, database unchanged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import func, select

from caseterm import paths
from caseterm.cli import main
from caseterm.models import Appointment, Client, Note
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, NoteType
from caseterm.store import open_store, resolve_url, session_scope


@pytest.fixture
def db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from caseterm.config import load_settings

    monkeypatch.setenv("CASETERM_NOW", "10:00")
    settings = paths.settings_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('full_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    load_settings.cache_clear()
    engine = open_store(resolve_url(str(db_path)))
    with session_scope(engine) as s:
        client = Client(case_number="TA-7", legal_name="Sam Lee", address="9 Oak Ave")
        s.add(client)
        s.flush()
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 10, 30, 8, 30), kind=AppointmentKind.EA,
                          status=AppointmentStatus.NO_SHOW))
    engine.dispose()
    yield db_path
    load_settings.cache_clear()


def run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def note_count(db_path: Path) -> int:
    engine = open_store(resolve_url(str(db_path)))
    with session_scope(engine) as s:
        count = s.exec(select(func.count()).select_from(Note)).one()
    engine.dispose()
    return count


def test_letter_command_writes_both_files_and_logs_the_note(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "letters"
    code = run("--db", str(db), "--today", "2026-11-02", "letter", "TA-7", "--template", "re-engagement", "-o", str(out))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    written = [Path(line.split(" ", 1)[1].split(" (")[0]) for line in captured.out.splitlines() if line.startswith("Wrote ")]
    assert [p.suffix for p in written] == [".txt", ".html"]
    assert all(p.parent == out and p.exists() for p in written)
    assert "TA-7-re-engagement-20261102-100000" in written[0].name
    assert "CONFIDENTIAL" in written[0].read_text(encoding="utf-8")
    engine = open_store(resolve_url(str(db)))
    with session_scope(engine) as s:
        note = s.exec(select(Note)).one()
    assert note.type == NoteType.LETTER and note.contact_at == dt.datetime(2026, 11, 2, 10, 0)


def test_letter_command_engagement_with_missed_on(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run("--db", str(db), "--today", "2026-11-02", "letter", "TA-7", "-t", "engagement",
               "--missed-on", "2026-10-30", "-o", str(tmp_path / "o"))
    assert code == 0, capsys.readouterr().err
    text = next((tmp_path / "o").glob("*.txt")).read_text(encoding="utf-8")
    assert "Friday, October 30, 2026" in " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["letter", "TA-404", "--template", "engagement"], "case number 'TA-404': no such client"),
        (["letter", "TA-7", "--template", "birthday"], "--template: unknown letter template 'birthday'"),
        (["letter", "TA-7", "--template", "engagement", "--missed-on", "2026-02-30"], "--missed-on: '2026-02-30' is not a valid date"),
        (["letter", "TA-7", "--template", "appointment"], "--appointment: required for the appointment letter"),
        (["letter", "TA-7", "--template", "appointment", "--appointment", "42"], "--appointment 42: no such appointment"),
    ],
)
def test_bad_input_exits_2_and_leaves_the_database_unchanged(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    code = run("--db", str(db), "--today", "2026-11-02", *args, "-o", str(out))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert note_count(db) == 0
    assert not out.exists() or not any(out.iterdir())


def test_letter_command_says_an_engagement_letter(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run("--db", str(db), "--today", "2026-11-02", "letter", "TA-7", "-t", "engagement", "-o", str(tmp_path / "o"))
    out = capsys.readouterr().out
    assert code == 0
    assert "Logged an engagement letter as a written contact attempt for TA-7." in out
    code = run("--db", str(db), "--today", "2026-11-02", "letter", "TA-7", "-t", "re-engagement", "-o", str(tmp_path / "o"))
    assert "Logged a re-engagement notice as a written contact attempt for TA-7." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("settings_text", "missing"),
    [
        ('phone = "503-555-0100"\n', ["full_name"]),
        ('full_name = "Jo Smith"\n', ["phone"]),
        ("", ["full_name", "phone"]),
    ],
)
def test_missing_settings_exit_2_naming_the_setting_and_the_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings_text: str, missing: list[str]
) -> None:
    from caseterm.config import load_settings

    paths.settings_path().write_text(settings_text, encoding="utf-8")
    load_settings.cache_clear()
    out = tmp_path / "out"
    code = run("--db", str(db), "--today", "2026-11-02", "letter", "TA-7", "-t", "engagement", "-o", str(out))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == len(missing)
    for line, key in zip(lines, missing):
        assert line.startswith(f"caseterm: {paths.settings_path()}: {key} is not set")
        assert f'(add {key} = "' in line
    assert note_count(db) == 0 and not out.exists()


def test_demo_letters_stay_out_of_the_data_folder(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--demo` writes its letters next to its temporary database, never into the real data folder."""
    from caseterm.cli import CliContext, _demo_db_path

    assert CliContext().letters_dir is None  # the default: letters/ in the data folder
    demo_letters = CliContext(demo=True).letters_dir
    assert demo_letters == _demo_db_path().parent / "letters"
    assert paths.data_dir() not in demo_letters.parents
    # A client of the demo caseload with a missed appointment to write about.
    code = run("--demo", "--today", "2026-12-01", "agenda", "--json")
    assert code == 0
    due = json.loads(capsys.readouterr().out)["due"]
    case = next(d["case_number"] for d in due if d["rule"] == "engagement")
    code = run("--demo", "--today", "2026-12-01", "letter", case, "-t", "re-engagement")
    out = capsys.readouterr().out
    assert code == 0, out
    written = [Path(line.split(" ", 1)[1].split(" (")[0]) for line in out.splitlines() if line.startswith("Wrote ")]
    assert len(written) == 2 and all(p.parent == demo_letters and p.exists() for p in written)
    assert not paths.letters_dir().exists()
