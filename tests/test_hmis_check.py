"""`caseterm hmis check`: a clean hand-made set passes; each planted fault is caught with file, row and column."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from caseterm.hmis.check import check_tables

TODAY = dt.date(2026, 12, 6)
STAMP = {"DateCreated": "2026-01-05 09:00:00", "DateUpdated": "2026-01-05 09:00:00", "UserID": "U1", "ExportID": "E1"}


def _headers() -> dict[str, list[str]]:
    """Headers straight from the shipped JSON (not via caseterm.hmis.spec), HUD's one spelling fixed."""
    raw = json.loads(resources.files("caseterm.hmis").joinpath("fy2026.json").read_text("utf-8"))
    fix = {"HispanicLatinao": "HispanicLatinaeo"}
    return {name: [fix.get(c["name"].strip("\xa0 "), c["name"].strip("\xa0 ")) for c in cols]
            for name, cols in raw["files"].items()}


def clean_rows() -> dict[str, list[dict[str, str]]]:
    client = {"PersonalID": "P1", "FirstName": "Ana", "LastName": "Diaz", "NameDataQuality": "1",
              "SSNDataQuality": "99", "DOB": "1990-04-02", "DOBDataQuality": "1", "Sex": "0",
              "VeteranStatus": "0", **{r: "0" for r in ("AmIndAKNative", "Asian", "BlackAfAmerican",
                                                        "HispanicLatinaeo", "MidEastNAfrican", "NativeHIPacific")},
              "White": "1", **STAMP}
    return {
        "Export": [{"ExportID": "E1", "SourceType": "2", "ExportDate": "2026-12-01 10:00:00",
                    "ExportStartDate": "2026-01-01", "ExportEndDate": "2026-12-01", "SoftwareName": "caseterm",
                    "CSVVersion": "FY2026", "ExportPeriodType": "3", "ExportDirective": "2", "HashStatus": "1",
                    "ImplementationID": "test"}],
        "Organization": [{"OrganizationID": "O1", "OrganizationName": "Agency", "VictimServiceProvider": "1", **STAMP}],
        "User": [{"UserID": "U1", "UserFirstName": "Sam", "DateCreated": STAMP["DateCreated"],
                  "DateUpdated": STAMP["DateUpdated"], "ExportID": "E1"}],
        "Project": [{"ProjectID": "PR1", "OrganizationID": "O1", "ProjectName": "PSH", "OperatingStartDate": "2020-01-01",
                     "ContinuumProject": "1", "ProjectType": "3", "HousingType": "2", **STAMP}],
        "Client": [client],
        "Enrollment": [{"EnrollmentID": "EN1", "PersonalID": "P1", "ProjectID": "PR1", "EntryDate": "2026-02-01",
                        "HouseholdID": "H1", "RelationshipToHoH": "1", "EnrollmentCoC": "XX-500",
                        "LivingSituation": "116", "DisablingCondition": "1", **STAMP}],
        "Exit": [{"ExitID": "X1", "EnrollmentID": "EN1", "PersonalID": "P1", "ExitDate": "2026-06-30",
                  "Destination": "435", "DestinationSubsidyType": "419", **STAMP}],
    }


def as_files(rows: dict[str, list[dict[str, str]]], headers: dict[str, list[str]] | None = None) -> dict[str, bytes]:
    import io

    headers = headers or _headers()
    out = {}
    for name, header in headers.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows.get(name, []):
            writer.writerow([row.get(col, "") for col in header])
        out[f"{name}.csv"] = buf.getvalue().encode("utf-8")
    return out


def write_set(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def lines(files: dict[str, bytes]) -> list[str]:
    return [str(p) for p in check_tables(files, TODAY)]


def test_clean_set_passes() -> None:
    assert lines(as_files(clean_rows())) == []


def test_cli_folder_and_zip_exit_status(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", as_files(clean_rows()))
    run = [sys.executable, "-m", "caseterm", "--today", TODAY.isoformat(), "hmis", "check"]
    ok = subprocess.run([*run, str(folder)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = clean_rows()
    bad["Exit"][0]["ExitDate"] = "2026-01-15"
    zipped = tmp_path / "bad.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for name, data in as_files(bad).items():
            zf.writestr(name, data)
    out = subprocess.run([*run, str(zipped)], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Exit.csv:2:ExitDate: 2026-01-15 is before the enrollment's EntryDate 2026-02-01" in out.stdout
    assert "Traceback" not in out.stderr
    missing = subprocess.run([*run, str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no such folder or zip" in missing.stderr


def test_header_out_of_order() -> None:
    headers = _headers()
    client = headers["Client"]
    client[1], client[3] = client[3], client[1]  # FirstName <-> LastName
    found = lines(as_files(clean_rows(), headers))
    assert "Client.csv:1:FirstName: out of order: column 2 should be FirstName, is LastName" in found
    assert "Client.csv:1:LastName: out of order: column 4 should be LastName, is FirstName" in found


def test_code_not_in_list() -> None:
    rows = clean_rows()
    rows["Client"][0]["Sex"] = "5"
    rows["Exit"][0]["Destination"] = "37"  # in 3.12.1 but not a destination
    found = lines(as_files(rows))
    assert "Client.csv:2:Sex: 5 is not in list 4.21" in found
    assert "Exit.csv:2:Destination: 37 is not allowed here" in found


def test_missing_personal_id() -> None:
    rows = clean_rows()
    rows["Enrollment"][0]["PersonalID"] = ""
    rows["Exit"][0]["PersonalID"] = "P9"
    found = lines(as_files(rows))
    assert "Enrollment.csv:2:PersonalID: required, but empty" in found
    assert "Exit.csv:2:PersonalID: P9 is not in Client.csv" in found


def test_two_export_rows() -> None:
    rows = clean_rows()
    rows["Export"].append(dict(rows["Export"][0], ExportID="E2"))
    found = lines(as_files(rows))
    assert "Export.csv:3:-: 2 Export rows; exactly one is allowed" in found


def test_exit_before_entry_and_future_dates() -> None:
    rows = clean_rows()
    rows["Exit"][0]["ExitDate"] = "2026-01-31"
    rows["Enrollment"][0]["DateOfEngagement"] = "2027-01-01"
    found = lines(as_files(rows))
    assert "Exit.csv:2:ExitDate: 2026-01-31 is before the enrollment's EntryDate 2026-02-01" in found
    assert "Enrollment.csv:2:DateOfEngagement: in the future: 2027-01-01" in found


@pytest.mark.parametrize(("file", "column", "value", "expected"), [
    ("Client", "DOB", "1990-02-30", "not a date (YYYY-MM-DD): '1990-02-30'"),
    ("Client", "FirstName", "x" * 51, "longer than 50 characters (51)"),
    ("Enrollment", "DateCreated", "2026-01-05", "not a date (YYYY-MM-DD HH:MM:SS): '2026-01-05'"),
    ("Enrollment", "UserID", "U7", "U7 is not in User.csv"),
    ("Enrollment", "ExportID", "E9", "E9 is not Export's E1"),
    ("Enrollment", "ProjectID", "PR9", "PR9 is not in Project.csv"),
    ("Exit", "EnrollmentID", "EN9", "EN9 is not in Enrollment.csv"),
    ("Client", "VeteranStatus", "yes", "not an integer: 'yes'"),
])
def test_types_audit_columns_and_references(file: str, column: str, value: str, expected: str) -> None:
    rows = clean_rows()
    rows[file][0][column] = value
    assert f"{file}.csv:2:{column}: {expected}" in lines(as_files(rows))


def test_missing_file_and_unknown_column() -> None:
    files = as_files(clean_rows())
    del files["Event.csv"]
    files["Funder.csv"] = files["Funder.csv"].replace(b"\r\n", b",Extra\r\n", 1)
    found = lines(files)
    assert "Event.csv:0:-: file missing" in found
    assert "Funder.csv:1:Extra: not a column of this file in FY2026" in found
