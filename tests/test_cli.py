"""The `caseterm` command as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from caseterm.store import HEAD_REVISION


SAMPLE = Path(__file__).parent / "data" / "sample.json"


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=120)


def data_of(export: str) -> dict:
    """An export without its audit trail (every export is itself audited, so the trail grows)."""
    doc = json.loads(export)
    doc.pop("audit")
    return doc


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for name in ("agenda", "import", "export", "demo", "backup", "check"):
        assert name in result.stdout


def test_import_export_round_trip_through_the_cli(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert run("--db", str(a), "import", str(SAMPLE)).returncode == 0
    out = tmp_path / "out.json"
    assert run("--db", str(a), "export", "--format", "json", "-o", str(out)).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert run("--db", str(b), "import", str(out)).returncode == 0
    again = run("--db", str(b), "export")
    assert again.returncode == 0
    first, second = json.loads(out.read_text()), json.loads(again.stdout)
    # The trail moves with the caseload; b's goes on with its own import (exports are audited after writing).
    trail = second.pop("audit")
    assert trail[:len(first["audit"])] == first["audit"]
    assert [e["action"] for e in trail[len(first["audit"]):]] == ["import"]
    first.pop("audit")
    assert second == first


def test_bad_import_exits_2_names_the_place_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run("--db", str(db), "import", str(SAMPLE))
    before = data_of(run("--db", str(db), "export").stdout)
    doc = json.loads(SAMPLE.read_text())
    doc["clients"][0]["status"] = "opened"
    doc["clients"].append({"case_number": "TA-7", "legal_name": "Someone New"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = run("--db", str(db), "import", str(bad))
    assert result.returncode == 2
    assert f"{bad}: $.clients[0].status: 'opened' is not one of" in result.stderr
    assert "Traceback" not in result.stderr
    assert data_of(run("--db", str(db), "export").stdout) == before


def test_missing_file_and_unknown_type(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    missing = run("--db", db, "import", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "nope.json: no such file" in missing.stderr
    odd = tmp_path / "caseload.xlsx"
    odd.write_text("x")
    result = run("--db", db, "import", str(odd))
    assert result.returncode == 2 and "unknown file type '.xlsx'" in result.stderr


def test_bad_today_is_exit_2() -> None:
    result = run("--today", "2026-02-30", "check")
    assert result.returncode == 2
    assert "2026-02-30" in result.stderr


def test_corrupt_database_is_a_clear_message(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 200)
    result = run("--db", str(junk), "export")
    assert result.returncode == 2
    assert "not a caseterm database" in result.stderr and "Traceback" not in result.stderr


def test_export_schema_is_json() -> None:
    result = run("export", "--schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "caseterm/1 interchange file"


def test_backup_and_check(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run("--db", str(db), "import", str(SAMPLE))
    dest = tmp_path / "b.db"
    result = run("--db", str(db), "backup", "-o", str(dest))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    checked = run("--db", str(dest), "check")
    assert checked.returncode == 0
    assert "integrity:    ok" in checked.stdout and f"{HEAD_REVISION} (current)" in checked.stdout
    assert "client:       1" in checked.stdout


def test_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run("--db", str(db), "import", str(SAMPLE))
    result = run("--db", str(db), "backup", "-o", str(db))
    assert result.returncode == 2 and "already exists" in result.stderr


def test_demo_fills_an_empty_database_and_refuses_a_full_one(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    first = run("--today", "2026-11-02", "--db", str(db), "demo")
    assert first.returncode == 0, first.stderr
    clients = json.loads(run("--db", str(db), "export").stdout)["clients"]
    assert 30 <= len(clients) <= 60
    second = run("--db", str(db), "demo")
    assert second.returncode == 2 and "already holds clients" in second.stderr


def test_demo_is_deterministic(tmp_path: Path) -> None:
    a = run("--today", "2026-11-02", "--demo", "export").stdout
    b = run("--today", "2026-11-02", "--demo", "export").stdout
    assert a and a == b


def test_unexpected_error_writes_a_report_without_client_data(tmp_path: Path, isolated_dirs: Path) -> None:
    """A crash leaves a report (no messages, no locals) and exit status 1, not a traceback."""
    code = (
        "import sys\n"
        "def boom(*a, **k): raise RuntimeError('Maria Lopez TA-10432')\n"
        "import caseterm.services.interchange as i; i.read_file = boom\n"
        "from caseterm.cli import main; main(['--db', sys.argv[1], 'import', 'x.json'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.db")], capture_output=True, text=True,
                            env={**os.environ}, timeout=60)
    assert result.returncode == 1
    assert "report written to" in result.stderr and "Traceback" not in result.stderr
    report = Path(result.stderr.rsplit("report written to ", 1)[1].strip())
    text = report.read_text()
    assert "RuntimeError" in text and "Maria" not in text and "TA-10432" not in text
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_check_does_not_create_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    result = run("--db", str(missing), "check")
    assert result.returncode == 2 and "no database here" in result.stderr
    assert not missing.exists()
