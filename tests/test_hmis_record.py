"""Recording HMIS data elements from the command line: enroll, client, record, exit, show; every wrong
code refused with its field named and the database unchanged; what is recorded reaches the export."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

TODAY = "2026-12-06"


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), "--today", TODAY, *args],
                          capture_output=True, text=True)


@pytest.mark.slow
def test_record_flow_reaches_the_export(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    sample = Path(__file__).parent / "data" / "sample.json"
    imported = run(db, "import", str(sample))
    assert imported.returncode == 0 and "1 new client enrolled in the default HMIS project" in imported.stdout
    case = json.loads(sample.read_text())["clients"][0]["case_number"]
    # the import enrolled the client in its program's project (#1): that stay ends before this test's own
    assert run(db, "hmis", "exit", case, "--date", "2026-11-30", "--destination", "30").returncode == 0
    assert run(db, "project", "org", "Safe Harbor", "--victim-service-provider").returncode == 0
    assert run(db, "project", "add", "--name", "DV RRH", "--type", "rrh", "--hud", "--start", "2024-01-01",
               "--coc", "OR-501", "--geocode", "419036", "--funder", "3", "--grant", "G1", "--housing-type", "3").returncode == 0
    steps = [
        ("enroll", case, "--project", "DV RRH", "--entry", "2026-03-01", "--living-situation", "101",
         "--length-of-stay", "3", "--disabling-condition", "refused", "--coc", "or-501"),
        ("client", case, "--name-quality", "1", "--ssn", "xxxxx1234", "--ssn-quality", "2", "--dob-quality", "dk",
         "--race", "Asian,White", "--sex", "0", "--veteran", "0"),
        ("record", case, "--stage", "entry", "--date", "2026-03-01", "--income", "Earned=850", "--benefit", "SNAP",
         "--insurance-any", "dnc", "--disability", "9=1", "--disability", "10=3", "--dv", "1", "--dv-when", "1",
         "--dv-fleeing", "1"),
        ("exit", case, "--date", "2026-10-31", "--destination", "435", "--subsidy", "431"),
        ("record", case, "--stage", "exit", "--enrollment", "2", "--date", "2026-10-31", "--income-any", "dk", "--dv", "1",
         "--dv-when", "2", "--dv-fleeing", "0"),
    ]
    for step in steps:
        done = run(db, "hmis", *step)
        assert done.returncode == 0, (step, done.stderr)
    before = run(db, "hmis", "show", case, "--json").stdout
    for args, message in [
        (("record", case, "--stage", "update", "--date", "2026-11-01", "--dv", "1"), "no open enrollment"),
        (("record", case, "--stage", "update", "--enrollment", "2", "--date", "2026-11-01", "--dv", "1"),
         "after the enrollment's exit"),
        (("record", case, "--stage", "entry", "--enrollment", "2", "--date", "2026-03-02", "--disability", "9=4"),
         "disability 9: 4 is not in HUD list 1.8"),
        (("client", case, "--sex", "7"), "sex: 7 is not in HUD list 4.21"),
        (("client", case, "--race", "Martian"), "race: Martian not one of"),
        (("enroll", case, "--project", "DV RRH", "--entry", "2023-01-01"), "before DV RRH started operating"),
        (("enroll", case, "--project", "DV RRH", "--entry", "2026-11-01", "--living-situation", "1"),
         "living-situation: 1 is not in HUD list 3.917"),
        (("exit", case, "--date", "2026-11-30", "--destination", "410"), "no open enrollment"),
        (("record", case, "--stage", "entry", "--dv", "maybe"), "--dv maybe: a HUD code"),
        (("record", "NOPE-1", "--stage", "entry"), "case NOPE-1: no such client"),
    ]:
        bad = run(db, "hmis", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert run(db, "hmis", "show", case, "--json").stdout == before  # refusals changed nothing
    shown = json.loads(before)
    assert [s["stage"] for s in shown["enrollments"][0]["stages"]] == ["entry", "exit"]

    out = tmp_path / "set.zip"
    assert run(db, "export", "--format", "hmis", "--from", "2026-01-01", "--to", TODAY, "-o", str(out)).returncode == 0
    checked = run(db, "hmis", "check", str(out))
    assert checked.returncode == 0, checked.stdout
    with zipfile.ZipFile(out) as zf:
        table = lambda name: list(csv.DictReader(io.StringIO(zf.read(name).decode())))  # noqa: E731
        (client,) = [c for c in table("Client.csv") if c["SSN"] == "xxxxx1234"]
        assert (client["Asian"], client["White"], client["BlackAfAmerican"], client["DOBDataQuality"]) in (
            ("1", "1", "0", "8"), ("1", "1", "0", "99"))  # 99 when the client has no DOB on file
        (enrollment,) = [e for e in table("Enrollment.csv") if e["EntryDate"] == "2026-03-01"]
        assert (enrollment["EntryDate"], enrollment["LivingSituation"], enrollment["DisablingCondition"]) == (
            "2026-03-01", "101", "9")
        (exit_row,) = [x for x in table("Exit.csv") if x["EnrollmentID"] == enrollment["EnrollmentID"]]
        assert (exit_row["ExitDate"], exit_row["Destination"], exit_row["DestinationSubsidyType"]) == (
            "2026-10-31", "435", "431")
        income = {r["DataCollectionStage"]: r for r in table("IncomeBenefits.csv")}
        assert income["1"]["EarnedAmount"] == "850.00" and income["1"]["SNAP"] == "1"
        assert income["1"]["InsuranceFromAnySource"] == "99" and income["3"]["IncomeFromAnySource"] == "8"
        dv = {r["DataCollectionStage"]: r for r in table("HealthAndDV.csv")}
        assert (dv["1"]["WhenOccurred"], dv["1"]["CurrentlyFleeing"], dv["3"]["WhenOccurred"]) == ("1", "1", "2")
        disabilities = {(r["DisabilityType"], r["DisabilityResponse"]) for r in table("Disabilities.csv")}
        assert disabilities == {("9", "1"), ("10", "3")}
        (participation,) = [h for h in table("HMISParticipation.csv") if h["ProjectID"] == enrollment["ProjectID"]]
        assert participation["HMISParticipationType"] == "2"  # a victim service provider: comparable database
        (org,) = table("Organization.csv")
        assert org["VictimServiceProvider"] == "1"
