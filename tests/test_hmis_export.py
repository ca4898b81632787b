"""`caseterm export --format hmis`: the demo's set passes `hmis check`, and is checked here independently
of that command: every file and header against the shipped JSON, every reference, the demo's clients,
enrollments and exits with their dates; files private, no symlinks, stable IDs, hashing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import stat
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import text

from caseterm.store import make_engine, resolve_url

TODAY = "2026-12-06"
PERIOD = ("--from", "2025-12-07", "--to", TODAY)


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), "--today", TODAY, *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hmis") / "demo.db"
    made = run(db, "demo")
    assert made.returncode == 0, made.stderr
    return db


def read_zip(path: Path) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(path) as zf:
        return {name: list(csv.reader(io.StringIO(zf.read(name).decode("utf-8"), newline="")))
                for name in zf.namelist() if name.endswith(".csv")}


def raw_spec() -> dict:
    return json.loads(resources.files("caseterm.hmis").joinpath("fy2026.json").read_text("utf-8"))


@pytest.mark.slow
def test_demo_export_is_valid_and_complete(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "set.zip"
    wrote = run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(out))
    assert wrote.returncode == 0, wrote.stderr
    assert "CONFIDENTIAL" in wrote.stderr
    checked = run(demo_db, "hmis", "check", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    files = read_zip(out)
    spec = raw_spec()
    # Every file, every header, exactly as the JSON says (HUD's spelling of HispanicLatinaeo applied).
    assert sorted(files) == sorted(f"{name}.csv" for name in spec["files"])
    tables: dict[str, list[dict[str, str]]] = {}
    for name, cols in spec["files"].items():
        header = [c["name"].strip("\xa0 ") for c in cols]
        header = ["HispanicLatinaeo" if h == "HispanicLatinao" else h for h in header]
        rows = files[f"{name}.csv"]
        assert rows[0] == header, name
        assert all(len(r) == len(header) for r in rows[1:]), name
        tables[name] = [dict(zip(header, r)) for r in rows[1:]]
    (export,) = tables["Export"]
    assert "2026" in export["CSVVersion"]
    assert (export["ExportPeriodType"], export["ExportDirective"], export["HashStatus"]) == ("3", "2", "1")
    assert (export["ExportStartDate"], export["ExportEndDate"]) == ("2025-12-07", TODAY)
    # References, computed here.
    ids = {name: {r[spec["files"][name][0]["name"].strip("\xa0 ")] for r in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        for r in rows:
            assert r.get("ExportID", export["ExportID"]) == export["ExportID"], name
            if name != "User":
                assert r.get("UserID", next(iter(ids["User"]))) in ids["User"], name
            for column, target in (("PersonalID", "Client"), ("EnrollmentID", "Enrollment"), ("ProjectID", "Project")):
                if column in r and name != target:
                    assert r[column] in ids[target], (name, column, r[column])
            for column, value in r.items():
                assert len(value) <= 350 and "\n" not in value
    # The demo's clients, enrollments and exits with their dates, read from the database.
    engine = make_engine(resolve_url(str(demo_db)))
    with engine.connect() as conn:
        db_enrollments = conn.execute(text(
            "SELECT e.uid, e.entry_date, e.exit_date, c.legal_name, c.birth_date FROM hmis_enrollment e "
            "JOIN client c ON c.id = e.client_id WHERE e.entry_date <= :end AND (e.exit_date IS NULL OR e.exit_date >= :start)"),
            {"start": "2025-12-07", "end": TODAY}).all()
        clients = conn.execute(text("SELECT count(*) FROM client")).scalar_one()
    engine.dispose()
    assert len(tables["Client"]) == clients == 40
    by_id = {r["EnrollmentID"]: r for r in tables["Enrollment"]}
    exits = {r["EnrollmentID"]: r for r in tables["Exit"]}
    assert len(by_id) == len(db_enrollments)
    people = {r["PersonalID"]: r for r in tables["Client"]}
    for uid, entry, exit_date, legal, birth in db_enrollments:
        row = by_id[uid.replace("-", "")]
        assert row["EntryDate"] == str(entry)
        person = people[row["PersonalID"]]
        assert (person["FirstName"], person["LastName"]) == (legal.split()[0], legal.split()[-1])
        assert person["DOB"] == str(birth)
        if exit_date is not None:
            assert exits[row["EnrollmentID"]]["ExitDate"] == str(exit_date)
        else:
            assert row["EnrollmentID"] not in exits
    assert exits, "the demo has an exit in the period"
    # Some answers are 8/9/99 (client doesn't know, prefers not to answer, not collected).
    answers = {r["SSNDataQuality"] for r in tables["Client"]} | {r["RaceNone"] for r in tables["Client"]}
    assert {"9", "99"} <= answers
    assert any(r["DomesticViolenceSurvivor"] == "1" and r["WhenOccurred"] for r in tables["HealthAndDV"])


@pytest.mark.slow
def test_folder_modes_refusals_stable_ids_and_audit(demo_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out" / "hmis"
    assert run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(folder)).returncode == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert len([n for n in names if n.endswith(".csv")]) == 24 and "README-CONFIDENTIAL.txt" in names
    assert all(stat.S_IMODE((folder / n).stat().st_mode) == 0o600 for n in names)
    first = (folder / "Enrollment.csv").read_text()
    again = run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(folder))
    assert again.returncode == 2 and "exists" in again.stderr and "--force" in again.stderr
    assert run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(folder), "--force").returncode == 0
    ids = lambda t: [line.split(",")[:3] for line in t.splitlines()]  # noqa: E731
    assert ids((folder / "Enrollment.csv").read_text()) == ids(first)  # same IDs: the receiver updates
    link = tmp_path / "link.zip"
    link.symlink_to(tmp_path / "elsewhere.zip")
    refused = run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(link), "--force")
    assert refused.returncode == 2 and "symbolic link" in refused.stderr
    assert not (tmp_path / "elsewhere.zip").exists()
    zipped = tmp_path / "set.zip"
    assert run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(zipped)).returncode == 0
    assert stat.S_IMODE(zipped.stat().st_mode) == 0o600
    assert zipfile.ZipFile(zipped).comment.decode().startswith("CONFIDENTIAL")
    trail = json.loads(run(demo_db, "audit", "--action", "export", "--json").stdout)
    hmis = [e["detail"] for e in trail if "format=hmis" in e["detail"]]
    assert sum(f"file={folder}" in d for d in hmis) == 2 and sum(f"file={zipped}" in d for d in hmis) == 1
    for args, message in [
        (("--from", "2026-12-01", "--to", "2026-11-01", "-o", str(tmp_path / "a")), "before --from"),
        (("--from", "2026-12-01", "--to", "2026-12-31", "-o", str(tmp_path / "a")), "in the future"),
        (("--from", "2026-12-01", "--to", "2026-02-30", "-o", str(tmp_path / "a")), "--to"),
        (("--from", "2026-12-01", "--to", TODAY), "-o PATH"),
        ((*PERIOD, "-o", str(tmp_path / "a"), "--names"), "--names"),
    ]:
        bad = run(demo_db, "export", "--format", "hmis", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert not (tmp_path / "a").exists()


@pytest.mark.slow
def test_hashed_export(demo_db: Path, tmp_path: Path) -> None:
    from caseterm.hmis.export import soundex

    out = tmp_path / "hashed.zip"
    assert run(demo_db, "export", "--format", "hmis", *PERIOD, "-o", str(out), "--hash").returncode == 0
    checked = run(demo_db, "hmis", "check", str(out))
    assert checked.returncode == 0, checked.stdout
    rows = read_zip(out)
    header = rows["Client.csv"][0]
    client = dict(zip(header, rows["Client.csv"][1]))
    export = dict(zip(rows["Export.csv"][0], rows["Export.csv"][1]))
    assert export["HashStatus"] == "4"
    assert client["FirstName"] == hashlib.sha256(soundex("Maria").encode()).hexdigest()
    assert client["SSN"] == "1000" + hashlib.sha256(b"900551000").hexdigest()
    assert "Maria" not in out.read_bytes().decode("latin-1")


@pytest.mark.parametrize(("name", "code"), [("Robert", "R163"), ("Rupert", "R163"), ("Ashcraft", "A261"),
                                            ("Tymczak", "T522"), ("Pfister", "P236"), ("Honeyman", "H555"),
                                            ("Lee", "L000"), ("O'Hara", "O600"), ("", "")])
def test_soundex(name: str, code: str) -> None:
    from caseterm.hmis.export import soundex

    assert soundex(name) == code


def test_no_organization_is_refused(tmp_path: Path) -> None:
    from caseterm.store import open_store

    db = tmp_path / "empty.db"
    # a migrated database with nothing in it (an import now makes "Our agency": test_hmis_auto_enroll)
    open_store(resolve_url(str(db))).dispose()
    bad = run(db, "export", "--format", "hmis", *PERIOD, "-o", str(tmp_path / "x"))
    assert bad.returncode == 2 and "organization" in bad.stderr


@pytest.mark.slow
def test_contacts_assessments_and_referrals_become_hmis_records(demo_db: Path, tmp_path: Path) -> None:
    """Item 5 of issue 24: what the case manager records once (contact notes, a VI-SPDAT, a referral) is
    written as CurrentLivingSituation, Assessment (+ questions, results) and Event rows that pass the check."""
    import shutil

    from caseterm import clock
    from caseterm.hmis import records as hmis
    from caseterm.services import notes, records
    from caseterm.store import session_scope
    from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

    db = tmp_path / "copy.db"
    shutil.copy(demo_db, db)
    case = "TA-10432"
    steps = [
        ("project", "add", "--name", "Street Outreach", "--type", "outreach", "--hud", "--start", "2020-01-01",
         "--coc", "OR-501", "--geocode", "419036", "--funder", "2", "--grant", "SO-1"),
        ("hmis", "enroll", case, "--project", "Street Outreach", "--entry", "2026-09-01", "--living-situation",
         "116", "--coc", "OR-501"),
    ]
    for step in steps:
        done = run(db, *step)
        assert done.returncode == 0, (step, done.stderr)
    clock.pin(dt.date(2026, 12, 6), dt.time(12, 0))
    engine = make_engine(resolve_url(str(db)))
    with session_scope(engine) as s:
        client = hmis.client_by_case(s, case)
        at = lambda day, hour: dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour))  # noqa: E731
        reached = notes.add_note(s, client, type=NoteType.CONTACT, text="Met under the bridge.",
                                 contact_at=at("2026-10-05", 10), method=ContactMethod.OTHER,
                                 outcome=ContactOutcome.REACHED, minutes=20)
        notes.add_note(s, client, type=NoteType.CONTACT, text="Called, no answer.", contact_at=at("2026-10-06", 9),
                       method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=2)  # not a contact
        notes.add_note(s, client, type=NoteType.LETTER, text="Letter sent.", contact_at=at("2026-10-07", 9),
                       method=ContactMethod.LETTER, minutes=10)
        notes.add_note(s, client, type=NoteType.CONTACT, text="Before the enrollment.", contact_at=at("2026-08-20", 9),
                       method=ContactMethod.OTHER, outcome=ContactOutcome.REACHED, minutes=20)  # no outreach enrollment that day
        phone = notes.add_note(s, client, type=NoteType.ASSESSMENT, text="VI-SPDAT by phone.",
                               contact_at=at("2026-10-20", 14), method=ContactMethod.PHONE,
                               outcome=ContactOutcome.REACHED, minutes=30)
        vi = records.save_assessment(s, client, {"kind": "vi_spdat", "date": "2026-10-20", "score": "9"})
        low = records.save_assessment(s, client, {"kind": "vi_spdat", "date": "2026-11-02", "score": "3"})
        psh = records.save_referral(s, client, {"agency": "Home Forward", "service": "PSH unit (coordinated entry)",
                                                "referred_on": "2026-11-03", "outcome": "accepted, moved in"})
        records.mark_changed(s, psh)
        records.save_referral(s, client, {"agency": "Oregon Food Bank", "service": "food box",
                                          "referred_on": "2026-11-04"})  # not a HUD event
        ids = {"reached": reached.uid, "phone": phone.uid, "vi": vi.id, "low": low.id}
    engine.dispose()

    out = tmp_path / "set.zip"
    wrote = run(db, "export", "--format", "hmis", *PERIOD, "-o", str(out))
    assert wrote.returncode == 0, wrote.stderr
    checked = run(db, "hmis", "check", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    files = read_zip(out)
    table = lambda name: [dict(zip(files[name][0], r)) for r in files[name][1:]]  # noqa: E731
    (client_row,) = [r for r in table("Client.csv") if r["FirstName"] == "Maria"]
    pid = client_row["PersonalID"]
    (outreach,) = [e for e in table("Enrollment.csv") if e["PersonalID"] == pid and e["EntryDate"] == "2026-09-01"]
    cls = [r for r in table("CurrentLivingSituation.csv") if r["PersonalID"] == pid]
    # the reached contact and the phone assessment contact, in the outreach enrollment; the situation known (116)
    dates = {r["InformationDate"] for r in cls}  # with the demo's own contacts of the client since then
    assert {"2026-10-05", "2026-10-20"} <= dates and not dates & {"2026-10-06", "2026-10-07", "2026-08-20"}
    assert min(dates) >= "2026-09-01"
    assert {(r["EnrollmentID"], r["CurrentLivingSituation"]) for r in cls} == {(outreach["EnrollmentID"], "116")}
    assessments = sorted((r for r in table("Assessment.csv") if r["PersonalID"] == pid), key=lambda r: r["AssessmentDate"])
    assert [(r["AssessmentDate"], r["AssessmentType"], r["AssessmentLevel"], r["PrioritizationStatus"])
            for r in assessments] == [("2026-10-20", "1", "2", "1"), ("2026-11-02", "3", "2", "2")]
    # the outreach enrollment is the HUD one spanning the date (before the non-HUD employment program)
    assert {r["EnrollmentID"] for r in assessments} == {outreach["EnrollmentID"]}
    assert {r["AssessmentLocation"] for r in assessments} == {"Street Outreach"}
    answers = {r["AssessmentID"]: r["AssessmentAnswer"] for r in table("AssessmentQuestions.csv")}
    results = {r["AssessmentID"]: r["AssessmentResult"] for r in table("AssessmentResults.csv")}
    assert [answers[r["AssessmentID"]] for r in assessments] == ["9", "3"]
    assert [results[r["AssessmentID"]] for r in assessments] == ["9", "3"]
    (event,) = [r for r in table("Event.csv") if r["PersonalID"] == pid]
    assert (event["EventDate"], event["Event"], event["ReferralResult"], event["ResultDate"],
            event["LocationCrisisOrPHHousing"]) == ("2026-11-03", "14", "1", "2026-12-06", "Home Forward")
    # IDs are stable: a second export gives the same ones
    again = tmp_path / "again.zip"
    assert run(db, "export", "--format", "hmis", *PERIOD, "-o", str(again)).returncode == 0
    second = read_zip(again)
    for name, column in (("CurrentLivingSituation.csv", 0), ("Assessment.csv", 0), ("Event.csv", 0),
                         ("AssessmentQuestions.csv", 0), ("AssessmentResults.csv", 0)):
        assert sorted(r[column] for r in files[name][1:]) == sorted(r[column] for r in second[name][1:]), name
    assert ids  # the records were made through the services above
