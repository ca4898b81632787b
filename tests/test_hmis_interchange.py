"""The caseterm/1 JSON carries the HMIS records: export, import into an empty database, export again equal;
re-import changes nothing; a bad HUD code or a dangling reference refuses the whole file; --schema has them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TODAY = "2026-12-06"
HMIS_LISTS = ("hmis_organization", "hmis_projects", "hmis_enrollments", "hmis_clients", "hmis_collections")


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), "--today", TODAY, *args],
                          capture_output=True, text=True)


@pytest.mark.slow
def test_round_trip_and_refusals(tmp_path: Path) -> None:
    source = tmp_path / "a.db"
    assert run(source, "demo").returncode == 0
    first = tmp_path / "a.json"
    assert run(source, "export", "-o", str(first)).returncode == 0
    doc = json.loads(first.read_text())
    assert all(doc[k] for k in HMIS_LISTS)
    target = tmp_path / "b.db"
    imported = run(target, "import", str(first))
    assert imported.returncode == 0 and "41 HMIS enrollments" in imported.stdout, imported.stdout + imported.stderr
    again = run(target, "import", str(first))
    assert "nothing changed" in again.stdout
    second = tmp_path / "b.json"
    assert run(target, "export", "-o", str(second)).returncode == 0
    back = json.loads(second.read_text())
    for key in HMIS_LISTS:
        assert back[key] == doc[key], key
    # The HMIS export of the imported copy has the same IDs (stable across machines).
    a_set, b_set = tmp_path / "a.zip", tmp_path / "b.zip"
    period = ("--from", "2025-12-07", "--to", TODAY)
    assert run(source, "export", "--format", "hmis", *period, "-o", str(a_set)).returncode == 0
    assert run(target, "export", "--format", "hmis", *period, "-o", str(b_set)).returncode == 0
    import zipfile

    for name in ("Client.csv", "Enrollment.csv", "Exit.csv", "Project.csv"):
        rows = [zipfile.ZipFile(p).read(name).decode().splitlines() for p in (a_set, b_set)]
        assert sorted(r.split(",")[:3] for r in rows[0]) == sorted(r.split(",")[:3] for r in rows[1]), name

    bad = dict(doc)
    bad["hmis_enrollments"] = [dict(doc["hmis_enrollments"][0], destination=12345)]
    bad["hmis_collections"] = [dict(doc["hmis_collections"][0], enrollment="no-such-uid")]
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps(bad))
    fresh = tmp_path / "c.db"
    refused = run(fresh, "import", str(bad_file))
    assert refused.returncode == 2
    assert "$.hmis_enrollments[0].destination" in refused.stderr and "12345 is not in HUD list 3.12" in refused.stderr
    bad["hmis_enrollments"] = doc["hmis_enrollments"]
    bad_file.write_text(json.dumps(bad))
    refused = run(fresh, "import", str(bad_file))
    assert refused.returncode == 2 and "$.hmis_collections[0].enrollment: no enrollment 'no-such-uid'" in refused.stderr
    assert run(fresh, "project", "list", "--json").stdout.strip() in ("[]", "")  # nothing written


def test_schema_describes_the_hmis_lists(tmp_path: Path) -> None:
    schema = json.loads(run(tmp_path / "x.db", "export", "--schema").stdout)
    for key in HMIS_LISTS:
        assert key in schema["properties"]
    assert "destination" in json.dumps(schema["$defs"]["EnrollmentRecord"])
