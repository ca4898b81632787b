"""`caseterm export --format hmis`: the HUD HMIS CSV FY2026 set from the database.

All 24 files, each with its exact header even when it has no rows, into a
folder or a zip. IDs derive from the records' own uids (the uuid's 32 hex
digits) or, for a client, from a SHA-256 of the case number (32 hex digits),
so a second export updates the receiving system instead of duplicating.
`hashed=True` gives HashStatus 4 (SHA-256): names are the SHA-256 of their
Soundex code, the SSN its last four digits followed by the SHA-256 of the
whole (x-padded) SSN, as HUD's specification and the reference warehouse do.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select as table_select
from sqlmodel import Session, col, select

from caseterm import __version__
from caseterm.confidential import CONFIDENTIAL, CONFIDENTIAL_LINE, CONFIDENTIAL_NOTICE
from caseterm.errors import BadInput
from caseterm.hmis.models import HmisClient, HmisCollection, HmisEnrollment, HmisOrganization, HmisProject
from caseterm.hmis.records import BENEFIT_SOURCES, INCOME_SOURCES, INSURANCE_SOURCES, RACE_COLUMNS
from caseterm.hmis.spec import Spec, load_spec
from caseterm.models import Client

Row = dict[str, Any]

#: HUD 2.02.6 project types that must say their HousingType (residential projects).
RESIDENTIAL = frozenset({0, 1, 2, 3, 8, 9, 10, 13})
#: Income source column -> its amount column (OtherIncomeSource's is OtherIncomeAmount).
AMOUNT_OF = {s: ("OtherIncomeAmount" if s == "OtherIncomeSource" else f"{s}Amount") for s in INCOME_SOURCES}


def hmis_id(uid: str) -> str:
    """A record's HMIS ID: its uid without dashes (32 characters)."""
    return uid.replace("-", "")[:32]


def derived_id(*parts: str) -> str:
    """An ID derived from stable text (a case number, a login): 32 hex digits of its SHA-256."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def soundex(name: str) -> str:
    """American Soundex (a letter and three digits) of the name's ASCII letters ("" when it has none)."""
    letters = [ch for ch in name.upper() if "A" <= ch <= "Z"]
    if not letters:
        return ""
    codes = {**dict.fromkeys("BFPV", "1"), **dict.fromkeys("CGJKQSXZ", "2"), **dict.fromkeys("DT", "3"),
             "L": "4", **dict.fromkeys("MN", "5"), "R": "6"}
    out, last = letters[0], codes.get(letters[0], "")
    for ch in letters[1:]:
        code = codes.get(ch, "")
        if code and code != last:
            out += code
        if ch not in "HW":
            last = code
    return (out + "000")[:4]


def hash_name(name: str | None) -> str | None:
    return hashlib.sha256(soundex(name).encode()).hexdigest() if name else name


def hash_ssn(ssn: str | None) -> str | None:
    if not ssn:
        return ssn
    padded = ssn.rjust(9, "x")
    return padded[-4:] + hashlib.sha256(padded.encode()).hexdigest()


def _t(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(sep=" ", timespec="seconds") if moment else None


def _d(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _yn(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def _split_name(name: str) -> tuple[str | None, str | None, str | None]:
    words = name.split()
    if not words:
        return None, None, None
    if len(words) == 1:
        return words[0][:50], None, None
    return words[0][:50], (" ".join(words[1:-1])[:50] or None), words[-1][:50]


def _plain(session: Session, model: type) -> list[Any]:
    """Rows with attribute access, by id, without building ORM objects (10,000 clients: half the time)."""
    table = model.__table__  # type: ignore[attr-defined]
    return list(session.execute(table_select(table).order_by(table.c.id)).all())


def build(session: Session, start: dt.date, end: dt.date, now: dt.datetime, user: str,
          hashed: bool = False) -> dict[str, list[Row]]:
    """Every file's rows (dicts by column) for enrollments active between `start` and `end`."""
    if end < start:
        raise BadInput(f"--to {end}: before --from {start}")
    org = session.exec(select(HmisOrganization).order_by(col(HmisOrganization.id))).first()
    if org is None:
        raise BadInput("no organization yet: name it with `caseterm project org NAME` (and add projects) first")
    export_id = "CT" + now.strftime("%Y%m%d%H%M%S")
    user_id = derived_id("user", user)
    stamp = {"UserID": user_id, "DateDeleted": None, "ExportID": export_id}

    def audit(created: dt.datetime | None, updated: dt.datetime | None) -> Row:
        return {"DateCreated": _t(created or now), "DateUpdated": _t(updated or created or now), **stamp}

    out: dict[str, list[Row]] = defaultdict(list)
    names = user.split(None, 1)
    out["Export"].append({
        "ExportID": export_id, "SourceType": 2, "SourceID": hmis_id(org.uid), "SourceName": org.name[:50],
        "ExportDate": _t(now), "ExportStartDate": _d(start), "ExportEndDate": _d(end), "SoftwareName": "caseterm",
        "SoftwareVersion": __version__, "CSVVersion": "FY2026", "ExportPeriodType": 3, "ExportDirective": 2,
        "HashStatus": 4 if hashed else 1, "ImplementationID": hmis_id(org.uid)})
    out["Organization"].append({"OrganizationID": hmis_id(org.uid), "OrganizationName": org.name,
                                "VictimServiceProvider": _yn(org.victim_service_provider),
                                "OrganizationCommonName": org.common_name, **audit(org.created_at, org.updated_at)})
    out["User"].append({"UserID": user_id, "UserFirstName": names[0][:50] if names else None,
                        "UserLastName": names[1][:50] if len(names) > 1 else None,
                        "DateCreated": _t(now), "DateUpdated": _t(now), "DateDeleted": None, "ExportID": export_id})

    projects = {p.id: p for p in _plain(session, HmisProject)
                if p.operating_start <= end and (p.operating_end is None or p.operating_end >= start)}
    for p in projects.values():
        pid = hmis_id(p.uid)
        out["Project"].append({
            "ProjectID": pid, "OrganizationID": hmis_id(org.uid), "ProjectName": p.name,
            "ProjectCommonName": p.common_name, "OperatingStartDate": _d(p.operating_start),
            "OperatingEndDate": _d(p.operating_end), "ContinuumProject": _yn(p.continuum_project),
            "ProjectType": p.project_type, "HousingType": p.housing_type if p.project_type in RESIDENTIAL else None,
            "RRHSubType": p.rrh_subtype if p.project_type == 13 else None,
            "ResidentialAffiliation": _yn(p.residential_affiliation) if p.project_type in (4, 6) else None,
            "TargetPopulation": p.target_population, **audit(p.created_at, p.updated_at)})
        if p.funder is not None:
            out["Funder"].append({
                "FunderID": derived_id("funder", p.uid), "ProjectID": pid, "Funder": p.funder,
                "OtherFunder": p.other_funder if p.funder == 46 else None, "GrantID": p.grant_id or "Unknown",
                "StartDate": _d(p.grant_start or p.operating_start), "EndDate": _d(p.grant_end),
                **audit(p.created_at, p.updated_at)})
        if p.coc_code and p.geocode:
            out["ProjectCoC"].append({"ProjectCoCID": derived_id("coc", p.uid), "ProjectID": pid,
                                      "CoCCode": p.coc_code, "Geocode": p.geocode, **audit(p.created_at, p.updated_at)})
        participation = 2 if org.victim_service_provider and p.hmis_participation == 1 else p.hmis_participation
        out["HMISParticipation"].append({
            "HMISParticipationID": derived_id("participation", p.uid), "ProjectID": pid,
            "HMISParticipationType": participation, "HMISParticipationStatusStartDate": _d(p.operating_start),
            "HMISParticipationStatusEndDate": _d(p.operating_end), **audit(p.created_at, p.updated_at)})
        if p.residential_affiliation and p.res_project_id in projects:
            out["Affiliation"].append({"AffiliationID": derived_id("affiliation", p.uid), "ProjectID": pid,
                                       "ResProjectID": hmis_id(projects[p.res_project_id].uid),
                                       **audit(p.created_at, p.updated_at)})

    enrollments = [e for e in _plain(session, HmisEnrollment)
                   if e.project_id in projects and e.entry_date <= end and (e.exit_date is None or e.exit_date >= start)]
    client_ids = {e.client_id for e in enrollments}
    clients = {c.id: c for c in _plain(session, Client) if c.id in client_ids}
    elements = {h.client_id: h for h in _plain(session, HmisClient) if h.client_id in client_ids}
    personal = {cid: derived_id("client", c.case_number) for cid, c in clients.items()}
    for cid in sorted(clients):
        out["Client"].append(_client_row(clients[cid], elements.get(cid), personal[cid], hashed, audit))

    collections: dict[int, list[HmisCollection]] = defaultdict(list)
    wanted = {e.id for e in enrollments}
    for c in sorted(_plain(session, HmisCollection), key=lambda c: (c.information_date, c.id)):
        if c.enrollment_id in wanted and c.information_date <= end:
            collections[c.enrollment_id].append(c)
    for e in enrollments:
        eid, pid_ = hmis_id(e.uid), personal[e.client_id]
        out["Enrollment"].append({
            "EnrollmentID": eid, "PersonalID": pid_, "ProjectID": hmis_id(projects[e.project_id].uid),
            "EntryDate": _d(e.entry_date), "HouseholdID": e.household_id or eid,
            "RelationshipToHoH": e.relationship_to_hoh, "EnrollmentCoC": e.enrollment_coc,
            "LivingSituation": e.living_situation, "RentalSubsidyType": e.rental_subsidy_type,
            "LengthOfStay": e.length_of_stay, "LOSUnderThreshold": e.los_under_threshold,
            "PreviousStreetESSH": e.previous_street_essh, "DateToStreetESSH": _d(e.date_to_street_essh),
            "TimesHomelessPastThreeYears": e.times_homeless_past_three_years,
            "MonthsHomelessPastThreeYears": e.months_homeless_past_three_years,
            "DisablingCondition": e.disabling_condition,
            "MoveInDate": _d(e.move_in_date) if e.move_in_date and e.move_in_date <= end else None,
            **audit(e.created_at, e.updated_at)})
        if e.exit_date is not None and e.exit_date <= end:
            out["Exit"].append({
                "ExitID": derived_id("exit", e.uid), "EnrollmentID": eid, "PersonalID": pid_,
                "ExitDate": _d(e.exit_date), "Destination": e.destination if e.destination is not None else 99,
                "DestinationSubsidyType": e.destination_subsidy_type if e.destination == 435 else None,
                "OtherDestination": e.other_destination if e.destination == 17 else None,
                **audit(e.created_at, e.updated_at)})
        for c in collections.get(e.id, []):
            _collection_rows(out, c, eid, pid_, audit)
    # what the case manager did, from the notes, assessments and referrals caseterm keeps (hmis/contacts.py)
    from caseterm.hmis import contacts
    from caseterm.policy import load_policy

    contacts.add_rows(session, out, enrollments, projects, clients, personal, start, end, audit,
                      load_policy().hmis.prioritization_min_score)
    return out


def _client_row(client: Client, h: HmisClient | None, personal_id: str, hashed: bool, audit: Any) -> Row:
    first, middle, last = _split_name(client.legal_name)
    races = set((h.race if h else "").split(",")) - {""}
    dob_quality = (h.dob_data_quality if h else 99) if client.birth_date else 99
    ssn = h.ssn if h else None
    row: Row = {
        "PersonalID": personal_id, "FirstName": first, "MiddleName": middle, "LastName": last,
        "NameDataQuality": h.name_data_quality if h else 99, "SSN": ssn,
        "SSNDataQuality": (h.ssn_data_quality if h else 99), "DOB": _d(client.birth_date),
        "DOBDataQuality": dob_quality, "Sex": h.sex if h else None,
        **{race: int(race in races) for race in RACE_COLUMNS},
        "RaceNone": (h.race_none if h and h.race_none is not None else (None if races else 99)),
        "AdditionalRaceEthnicity": h.additional_race_ethnicity if h else None,
        "VeteranStatus": h.veteran_status if h and h.veteran_status is not None else 99,
        **audit(h.created_at if h else None, h.updated_at if h else None),
    }
    if hashed:
        row.update(FirstName=hash_name(first), MiddleName=hash_name(middle), LastName=hash_name(last),
                   SSN=hash_ssn(ssn))
    return row


def _collection_rows(out: dict[str, list[Row]], c: HmisCollection, eid: str, pid: str, audit: Any) -> None:
    base = {"EnrollmentID": eid, "PersonalID": pid, "InformationDate": _d(c.information_date)}
    stamp = {"DataCollectionStage": c.stage, **audit(c.created_at, c.updated_at)}
    income: dict[str, float] = json.loads(c.income)
    benefits, insurance = set(json.loads(c.benefits)), set(json.loads(c.insurance))
    row: Row = {"IncomeBenefitsID": derived_id("income", c.uid), **base,
                "IncomeFromAnySource": c.income_from_any_source,
                "BenefitsFromAnySource": c.benefits_from_any_source,
                "InsuranceFromAnySource": c.insurance_from_any_source}
    if c.income_from_any_source == 1:
        row["TotalMonthlyIncome"] = f"{sum(income.values()):.2f}"
        for source in INCOME_SOURCES:
            row[source] = int(source in income)
            if source in income:
                row[AMOUNT_OF[source]] = f"{income[source]:.2f}"
    elif c.income_from_any_source == 0:
        row["TotalMonthlyIncome"] = "0.00"
    if c.benefits_from_any_source == 1:
        row.update({s: int(s in benefits) for s in BENEFIT_SOURCES})
    if c.insurance_from_any_source == 1:
        row.update({s: int(s in insurance) for s in INSURANCE_SOURCES})
    out["IncomeBenefits"].append({**row, **stamp})
    if c.dv_survivor is not None:
        out["HealthAndDV"].append({"HealthAndDVID": derived_id("dv", c.uid), **base,
                                   "DomesticViolenceSurvivor": c.dv_survivor, "WhenOccurred": c.dv_when,
                                   "CurrentlyFleeing": c.dv_currently_fleeing, **stamp})
    for kind, response in json.loads(c.disabilities).items():
        out["Disabilities"].append({"DisabilitiesID": derived_id("disability", c.uid, kind), **base,
                                    "DisabilityType": int(kind), "DisabilityResponse": response, **stamp})


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def render(tables: dict[str, list[Row]], spec: Spec | None = None) -> dict[str, bytes]:
    """Each of the spec's files as CSV bytes (RFC 4180, CRLF, UTF-8), its header first, in column order."""
    spec = spec or load_spec()
    files: dict[str, bytes] = {}
    for fspec in spec.files:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        header = fspec.header
        known = set(header)
        writer.writerow(header)
        for row in tables.get(fspec.name, []):
            if not row.keys() <= known:  # a mapping bug, not the user's: say which
                raise ValueError(f"{fspec.name}: no such columns {sorted(row.keys() - known)}")
            writer.writerow([row.get(column) for column in header])  # csv writes None as ""
        files[fspec.filename] = buf.getvalue().encode("utf-8")
    return files


README = "README-CONFIDENTIAL.txt"


def _readme(now: dt.datetime) -> str:
    return (f"{CONFIDENTIAL}\n\n{CONFIDENTIAL_NOTICE}\n\nHUD HMIS CSV FY2026 export written by caseterm on "
            f"{now:%Y-%m-%d %H:%M}. Upload the CSV files to the HMIS (or give them to the CoC as the comparable "
            "database's export). Check a set with `caseterm hmis check PATH`.\n")


def _refuse(dest: Path, force: bool) -> None:
    if dest.is_symlink():
        raise BadInput(f"-o {dest}: is a symbolic link; caseterm does not write through links")
    if dest.parent.is_symlink():
        raise BadInput(f"-o {dest}: its folder {dest.parent} is a symbolic link; caseterm does not write through links")
    if dest.exists() and not force:
        raise BadInput(f"-o {dest}: exists; choose another name or add --force to replace it")


def _write_file(path: Path, data: bytes) -> None:
    """0600 from the start, never through a symlink."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def write(files: dict[str, bytes], dest: Path, now: dt.datetime, force: bool = False) -> Path:
    """The set into `dest`: a zip when it ends in .zip (0600), else a folder (0700) of 0600 files.

    Written beside the target and renamed into place, so a failure leaves no half set.
    """
    from caseterm import paths

    dest = Path(dest)
    _refuse(dest, force)
    if dest.parent != Path("") and not dest.parent.exists():
        paths.ensure_private_dir(dest.parent)
    temp = dest.with_name(f".{dest.name}.caseterm-tmp")
    try:
        if dest.suffix.lower() == ".zip":
            if dest.is_dir():
                raise BadInput(f"-o {dest}: is a folder")
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.comment = CONFIDENTIAL_LINE.encode("utf-8")
                for name, data in files.items():
                    zf.writestr(zipfile.ZipInfo(name, date_time=now.timetuple()[:6]), data,
                                compress_type=zipfile.ZIP_DEFLATED)
                zf.writestr(zipfile.ZipInfo(README, date_time=now.timetuple()[:6]), _readme(now))
            _write_file(temp, buf.getvalue())
            os.replace(temp, dest)
            return dest
        if dest.exists() and not dest.is_dir():
            raise BadInput(f"-o {dest}: is a file; name a folder, or a .zip")
        if temp.exists():
            import shutil

            shutil.rmtree(temp)
        os.mkdir(temp, 0o700)
        os.chmod(temp, 0o700)
        for name, data in files.items():
            _write_file(temp / name, data)
        _write_file(temp / README, _readme(now).encode("utf-8"))
        if dest.exists():  # --force: the old set goes only once the new one is complete
            import shutil

            old = dest.with_name(f".{dest.name}.caseterm-old")
            os.replace(dest, old)
            os.replace(temp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, dest)
        return dest
    except OSError as err:
        raise BadInput(f"-o {dest}: cannot write ({err.strerror})") from None
    finally:
        if temp.exists() and not temp.is_symlink():
            import shutil

            if temp.is_dir():
                shutil.rmtree(temp, ignore_errors=True)
            else:
                temp.unlink(missing_ok=True)


def export(session: Session, dest: Path, start: dt.date, end: dt.date, now: dt.datetime, user: str,
           hashed: bool = False, force: bool = False) -> tuple[Path, int]:
    """Build and write one export; returns the path and how many clients it holds.
    The caller audits it in the same transaction (commands/hmis_export.py)."""
    tables = build(session, start, end, now, user, hashed=hashed)
    written = write(render(tables), dest, now, force=force)
    return written, len(tables.get("Client", []))
