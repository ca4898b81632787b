"""Services over the HMIS records: the organization, projects, enrollments, data elements.

Plain functions over a `Session` (what the CLI, the app and the tests call).
Every code is checked against the FY2026 lists before anything is written, so a
wrong code is a `BadInput` naming the field, never a bad export later.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.hmis.models import HmisClient, HmisCollection, HmisEnrollment, HmisOrganization, HmisProject
from caseterm.hmis.spec import load_spec
from caseterm.models import Client

#: CoC codes are two letters, a dash, three digits (HUD 2.03.1), e.g. "CA-600".
COC_CODE = re.compile(r"[A-Z]{2}-\d{3}\Z")

#: Project type shorthands for the command line -> HUD list 2.02.6.
PROJECT_TYPES = {
    "es": 0, "es-nbn": 1, "th": 2, "psh": 3, "outreach": 4, "so": 4, "services-only": 6, "sso": 6, "other": 7,
    "safe-haven": 8, "ph-housing-only": 9, "ph-housing-services": 10, "day-shelter": 11, "prevention": 12,
    "hp": 12, "rrh": 13, "ce": 14,
}

#: 2.02.6 codes of permanent housing projects (a move-in date applies).
PERMANENT_HOUSING = frozenset({3, 9, 10, 13})


def check_code(value: int | None, list_id: str, field: str) -> int | None:
    """`value` must be in HUD list `list_id` (None passes)."""
    if value is None:
        return None
    codes = load_spec().codes(list_id)
    if str(value) not in codes:
        raise BadInput(f"{field}: {value} is not in HUD list {list_id} "
                       f"({', '.join(f'{k} {v}' for k, v in list(codes.items())[:6])}, ...)")
    return int(value)


def project_type_code(text: str) -> int:
    """`psh`, `services-only`, or a 2.02.6 number."""
    key = text.strip().lower()
    if key in PROJECT_TYPES:
        return PROJECT_TYPES[key]
    if key.isdigit():
        return check_code(int(key), "2.02.6", "--type")  # type: ignore[return-value]
    raise BadInput(f"--type {text}: not a HUD project type (one of {', '.join(sorted(PROJECT_TYPES))} or a 2.02.6 code)")


# --------------------------------------------------------------------------
# Organization and projects
# --------------------------------------------------------------------------


def organization(session: Session) -> HmisOrganization | None:
    return session.exec(select(HmisOrganization).order_by(col(HmisOrganization.id))).first()


def set_organization(session: Session, name: str | None = None, victim_service_provider: bool | None = None,
                     common_name: str | None = None) -> HmisOrganization:
    """Create or change the agency's one organization."""
    now = clock.now().replace(microsecond=0)
    org = organization(session)
    if org is None:
        if not name or not name.strip():
            raise BadInput("--organization: the agency's name is needed the first time")
        org = HmisOrganization(name=name.strip()[:200], victim_service_provider=bool(victim_service_provider),
                               common_name=common_name, created_at=now, updated_at=now)
    else:
        if name is not None:
            if not name.strip():
                raise BadInput("--organization: a name cannot be empty")
            org.name = name.strip()[:200]
        if victim_service_provider is not None:
            org.victim_service_provider = victim_service_provider
        if common_name is not None:
            org.common_name = common_name or None
        org.updated_at = now
    session.add(org)
    session.flush()
    return org


@dataclass
class ProjectFields:
    """What `project add|edit` may set; None leaves a field as it is."""

    name: str | None = None
    project_type: int | None = None
    continuum_project: bool | None = None
    hmis_participation: int | None = None
    housing_type: int | None = None
    residential_affiliation: bool | None = None
    operating_start: dt.date | None = None
    operating_end: dt.date | None = None
    coc_code: str | None = None
    geocode: str | None = None
    funder: int | None = None
    other_funder: str | None = None
    grant_id: str | None = None
    grant_start: dt.date | None = None
    grant_end: dt.date | None = None


def _apply(project: HmisProject, fields: ProjectFields) -> None:
    for name, value in vars(fields).items():
        if value is not None:
            setattr(project, name, value)
    check_code(project.project_type, "2.02.6", "--type")
    check_code(project.housing_type, "2.02.D", "--housing-type")
    check_code(project.funder, "2.06.1", "--funder")
    check_code(project.hmis_participation, "2.08.1", "--participation")
    if project.coc_code is not None:
        project.coc_code = project.coc_code.strip().upper()
        if not COC_CODE.match(project.coc_code):
            raise BadInput(f"--coc {project.coc_code}: a CoC code is two letters, a dash and three digits (CA-600)")
    if project.geocode is not None and not re.fullmatch(r"\d{6}", project.geocode):
        raise BadInput(f"--geocode {project.geocode}: a geocode is six digits")
    if project.operating_end is not None and project.operating_end < project.operating_start:
        raise BadInput(f"--end {project.operating_end}: before the operating start {project.operating_start}")
    if project.funder == 46 and not project.other_funder:
        project.other_funder = None  # 46 (local or other) may name the source; not required
    if project.project_type in (4, 6) and project.residential_affiliation is None:
        project.residential_affiliation = False


def add_project(session: Session, fields: ProjectFields) -> HmisProject:
    if not fields.name or not fields.name.strip():
        raise BadInput("--name: a project needs a name")
    if fields.operating_start is None:
        raise BadInput("--start: a project needs its operating start date")
    if find_project(session, fields.name, missing_ok=True) is not None:
        raise BadInput(f"--name {fields.name}: a project of that name exists; use `caseterm project edit`")
    org = organization(session)
    if org is None:
        raise BadInput("no organization yet: name it first with `caseterm project org NAME`")
    now = clock.now().replace(microsecond=0)
    project = HmisProject(organization_id=org.id, name=fields.name.strip(), operating_start=fields.operating_start,
                          created_at=now, updated_at=now)
    _apply(project, fields)
    session.add(project)
    session.flush()
    return project


def edit_project(session: Session, which: str, fields: ProjectFields) -> HmisProject:
    project = find_project(session, which)
    assert project is not None
    if fields.name and fields.name.strip().lower() != project.name.lower() \
            and find_project(session, fields.name, missing_ok=True) is not None:
        raise BadInput(f"--name {fields.name}: another project has that name")
    _apply(project, fields)
    project.updated_at = clock.now().replace(microsecond=0)
    session.add(project)
    session.flush()
    return project


def projects(session: Session) -> list[HmisProject]:
    return list(session.exec(select(HmisProject).order_by(col(HmisProject.id))).all())


def find_project(session: Session, which: str, missing_ok: bool = False) -> HmisProject | None:
    """A project by its number (as `project list` shows) or its name (any case)."""
    text = which.strip().lstrip("#")
    for project in projects(session):
        if (text.isdigit() and project.id == int(text)) or project.name.lower() == which.strip().lower():
            return project
    if missing_ok:
        return None
    raise BadInput(f"project {which}: no such project (see `caseterm project list`)")


# --------------------------------------------------------------------------
# Enrollments and data elements
# --------------------------------------------------------------------------


def _now() -> dt.datetime:
    return clock.now().replace(microsecond=0)


def client_by_case(session: Session, case_number: str) -> Client:
    client = session.exec(select(Client).where(Client.case_number == case_number)).first()
    if client is None:
        raise BadInput(f"case {case_number}: no such client")
    return client


def enrollments_of(session: Session, client_id: int) -> list[HmisEnrollment]:
    return list(session.exec(select(HmisEnrollment).where(HmisEnrollment.client_id == client_id)
                             .order_by(col(HmisEnrollment.entry_date), col(HmisEnrollment.id))).all())


def enroll(session: Session, client: Client, project: HmisProject, entry_date: dt.date, **fields: Any) -> HmisEnrollment:
    """A new enrollment; refused when the client is already in that project on that date."""
    if entry_date < project.operating_start:
        raise BadInput(f"entry {entry_date}: before {project.name} started operating ({project.operating_start})")
    for other in enrollments_of(session, client.id):  # type: ignore[arg-type]
        if other.project_id == project.id and (other.exit_date is None or other.exit_date >= entry_date) \
                and other.entry_date <= entry_date:
            raise BadInput(f"case {client.case_number}: already enrolled in {project.name} since {other.entry_date}")
    enrollment = HmisEnrollment(client_id=client.id, project_id=project.id, entry_date=entry_date,
                                created_at=_now(), updated_at=_now())
    enrollment.household_id = enrollment.uid.replace("-", "")
    for name, value in fields.items():
        setattr(enrollment, name, value)
    check_enrollment(enrollment, project)
    session.add(enrollment)
    session.flush()
    return enrollment


ENROLLMENT_LISTS = {
    "relationship_to_hoh": "3.15.1", "living_situation": "3.917", "rental_subsidy_type": "3.12.A",
    "length_of_stay": "3.917.2", "los_under_threshold": "1.7", "previous_street_essh": "1.7",
    "times_homeless_past_three_years": "3.917.4", "months_homeless_past_three_years": "3.917.5",
    "disabling_condition": "1.8", "destination": "3.12", "destination_subsidy_type": "3.12.A",
}


def check_enrollment(enrollment: HmisEnrollment, project: HmisProject) -> None:
    for name, list_id in ENROLLMENT_LISTS.items():
        check_code(getattr(enrollment, name), list_id, name.replace("_", "-"))
    if enrollment.exit_date is not None and enrollment.exit_date < enrollment.entry_date:
        raise BadInput(f"exit {enrollment.exit_date}: before the entry {enrollment.entry_date}")
    if enrollment.move_in_date is not None:
        if project.project_type not in PERMANENT_HOUSING:
            raise BadInput("move-in: only for permanent housing projects")
        if enrollment.move_in_date < enrollment.entry_date:
            raise BadInput(f"move-in {enrollment.move_in_date}: before the entry {enrollment.entry_date}")
    if enrollment.destination == 435 and enrollment.destination_subsidy_type is None:
        raise BadInput("destination 435 (rental with ongoing subsidy): give the subsidy type (3.12.A)")
    if enrollment.enrollment_coc is not None and not COC_CODE.match(enrollment.enrollment_coc):
        raise BadInput(f"coc {enrollment.enrollment_coc}: a CoC code is two letters, a dash and three digits")


INTAKE_FIELDS = frozenset({
    "relationship_to_hoh", "enrollment_coc", "living_situation", "rental_subsidy_type", "length_of_stay",
    "los_under_threshold", "previous_street_essh", "date_to_street_essh", "times_homeless_past_three_years",
    "months_homeless_past_three_years", "disabling_condition"})


def update_intake(session: Session, enrollment: HmisEnrollment, **fields: Any) -> HmisEnrollment:
    """Change an enrollment's intake block (3.08, 3.15, 3.16, 3.917): the app's intake form on an open enrollment.
    Every field given is set (None clears an optional one); the codes are checked as at `enroll`."""
    unknown = set(fields) - INTAKE_FIELDS
    if unknown:
        raise BadInput(f"intake: not an intake field: {', '.join(sorted(unknown))}")
    project = session.get(HmisProject, enrollment.project_id)
    for name, value in fields.items():
        setattr(enrollment, name, value)
    if enrollment.relationship_to_hoh is None:
        raise BadInput("relationship-to-hoh: needed (1 for the head of household)")
    check_enrollment(enrollment, project)  # type: ignore[arg-type]
    enrollment.updated_at = _now()
    session.add(enrollment)
    session.flush()
    return enrollment


def exit_enrollment(session: Session, enrollment: HmisEnrollment, exit_date: dt.date, destination: int,
                    subsidy: int | None = None, reason: str | None = None) -> HmisEnrollment:
    project = session.get(HmisProject, enrollment.project_id)
    enrollment.exit_date = exit_date
    enrollment.destination = destination
    enrollment.destination_subsidy_type = subsidy
    if reason is not None:
        enrollment.exit_reason = reason
    check_enrollment(enrollment, project)  # type: ignore[arg-type]
    enrollment.updated_at = _now()
    session.add(enrollment)
    session.flush()
    return enrollment


RACE_COLUMNS = ("AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinaeo", "MidEastNAfrican",
                "NativeHIPacific", "White")

CLIENT_LISTS = {"name_data_quality": "3.01.5", "ssn_data_quality": "3.02.2", "dob_data_quality": "3.03.2",
                "race_none": "1.6", "sex": "4.21", "veteran_status": "1.8"}


def client_elements(session: Session, client: Client) -> HmisClient | None:
    return session.exec(select(HmisClient).where(HmisClient.client_id == client.id)).first()


def set_client_elements(session: Session, client: Client, **fields: Any) -> HmisClient:
    """Record or change the client's universal data elements (3.01-3.07)."""
    row = client_elements(session, client) or HmisClient(client_id=client.id, created_at=_now(), updated_at=_now())
    for name, value in fields.items():
        if value is not None:
            setattr(row, name, value)
    if fields.get("race") and fields.get("race_none") is None:
        row.race_none = None  # races given replace an earlier 8/9/99 (RaceNone)
    for name, list_id in CLIENT_LISTS.items():
        check_code(getattr(row, name), list_id, name.replace("_", "-"))
    races = [r for r in row.race.split(",") if r]
    unknown = [r for r in races if r not in RACE_COLUMNS]
    if unknown:
        raise BadInput(f"race: {', '.join(unknown)} not one of {', '.join(RACE_COLUMNS)}")
    if races and row.race_none is not None:
        raise BadInput("race: either races or 8/9/99 (RaceNone), not both")
    if row.ssn is not None:
        row.ssn = row.ssn.replace("-", "")
        if not re.fullmatch(r"[0-9xX]{9}", row.ssn):
            raise BadInput("ssn: nine characters, digits or x for the unknown ones (partial allowed)")
    row.updated_at = _now()
    session.add(row)
    session.flush()
    return row


INCOME_SOURCES = ("Earned", "Unemployment", "SSI", "SSDI", "VADisabilityService", "VADisabilityNonService",
                  "PrivateDisability", "WorkersComp", "TANF", "GA", "SocSecRetirement", "Pension", "ChildSupport",
                  "Alimony", "OtherIncomeSource")
BENEFIT_SOURCES = ("SNAP", "WIC", "TANFChildCare", "TANFTransportation", "OtherTANF", "OtherBenefitsSource")
INSURANCE_SOURCES = ("Medicaid", "Medicare", "SCHIP", "VHAServices", "EmployerProvided", "COBRA", "PrivatePay",
                     "StateHealthIns", "IndianHealthServices", "OtherInsurance")
STAGES = {"entry": 1, "update": 2, "exit": 3, "annual": 5}


def record_collection(session: Session, enrollment: HmisEnrollment, stage: int, information_date: dt.date,
                      income: dict[str, float] | None = None, income_any: int | None = None,
                      benefits: list[str] | None = None, benefits_any: int | None = None,
                      insurance: list[str] | None = None, insurance_any: int | None = None,
                      disabilities: dict[int, int] | None = None, dv_survivor: int | None = None,
                      dv_when: int | None = None, dv_fleeing: int | None = None) -> HmisCollection:
    """One stage's elements (4.02-4.11) for an enrollment; every code checked, sources named."""
    check_code(stage, "5.03.1", "stage")
    if information_date < enrollment.entry_date:
        raise BadInput(f"date {information_date}: before the enrollment's entry {enrollment.entry_date}")
    if enrollment.exit_date is not None and information_date > enrollment.exit_date:
        raise BadInput(f"date {information_date}: after the enrollment's exit {enrollment.exit_date}")
    if stage == 3 and enrollment.exit_date is not None and information_date != enrollment.exit_date:
        raise BadInput(f"stage exit: the information date is the exit date ({enrollment.exit_date})")
    for value, field in ((income_any, "income"), (benefits_any, "benefits"), (insurance_any, "insurance"),
                         (dv_survivor, "dv"), (dv_fleeing, "dv-fleeing")):
        check_code(value, "1.8", field)
    check_code(dv_when, "4.11.A", "dv-when")
    income = dict(income or {})
    for source, amount in income.items():
        if source not in INCOME_SOURCES:
            raise BadInput(f"income {source}: not one of {', '.join(INCOME_SOURCES)}")
        if amount < 0:
            raise BadInput(f"income {source}: a negative amount")
    for items, known, field in ((benefits or [], BENEFIT_SOURCES, "benefits"),
                                (insurance or [], INSURANCE_SOURCES, "insurance")):
        for item in items:
            if item not in known:
                raise BadInput(f"{field} {item}: not one of {', '.join(known)}")
    if income and income_any not in (None, 1):
        raise BadInput("income: sources given, so income from any source is 1 (yes)")
    disabilities = {int(k): int(v) for k, v in (disabilities or {}).items()}
    for kind, response in disabilities.items():
        check_code(kind, "1.3", "disability")
        check_code(response, "4.10.2" if kind == 10 else "1.8", f"disability {kind}")
    if dv_survivor != 1 and (dv_when is not None or dv_fleeing is not None):
        raise BadInput("dv-when/dv-fleeing: only when the client is a survivor (dv 1)")
    row = HmisCollection(
        enrollment_id=enrollment.id, stage=stage, information_date=information_date,
        income_from_any_source=1 if income and income_any is None else income_any,
        income=json.dumps(income, sort_keys=True),
        benefits_from_any_source=1 if benefits and benefits_any is None else benefits_any,
        benefits=json.dumps(sorted(benefits or [])),
        insurance_from_any_source=1 if insurance and insurance_any is None else insurance_any,
        insurance=json.dumps(sorted(insurance or [])),
        disabilities=json.dumps({str(k): v for k, v in sorted(disabilities.items())}),
        dv_survivor=dv_survivor, dv_when=dv_when, dv_currently_fleeing=dv_fleeing,
        created_at=_now(), updated_at=_now())
    session.add(row)
    session.flush()
    return row


def collections_of(session: Session, enrollment_id: int) -> list[HmisCollection]:
    return list(session.exec(select(HmisCollection).where(HmisCollection.enrollment_id == enrollment_id)
                             .order_by(col(HmisCollection.information_date), col(HmisCollection.id))).all())


# --------------------------------------------------------------------------
# New clients: an enrollment in the agency's default project
# --------------------------------------------------------------------------

#: caseterm's exit reason -> HUD destination, where one says it (as migration 0009 maps them).
DESTINATION_OF_REASON = {"left_without_notice": 30}


def first_date(session: Session, client: Client) -> dt.date | None:
    """The earliest date the client file has (referral, initial contact, first interview, shelter entry;
    else the first appointment or note): a new enrollment's project start, as the upgrade chose it."""
    from sqlalchemy import func

    from caseterm.models import Appointment, Note

    known = [d for d in (client.referral_date, client.initial_contact_date, client.first_interview_date,
                         client.shelter_entry_date) if d is not None]
    if known:
        return min(known)
    firsts = [session.exec(select(func.min(Appointment.start)).where(Appointment.client_id == client.id)).one(),
              session.exec(select(func.min(Note.contact_at)).where(Note.client_id == client.id)).one()]
    dates = [d.date() if isinstance(d, dt.datetime) else dt.date.fromisoformat(str(d)[:10]) for d in firsts if d]
    return min(dates) if dates else None


def default_project(session: Session, program: str, entry: dt.date) -> HmisProject | None:
    """The agency's default project for a new client of `program` starting on `entry` (docs/hmis.md):
    of the projects operating that day, the one named after the program (the upgrade named them so),
    else the one most of the program's clients are enrolled in now (ties: the lower number); None
    when neither (`enroll_new_clients` then makes the program's project)."""
    open_ = [p for p in projects(session)
             if p.operating_start <= entry and (p.operating_end is None or p.operating_end >= entry)]
    named = [p for p in open_ if p.name.strip().lower() == (program or "").strip().lower()]
    if named:
        return named[0]
    counts: dict[int, int] = {}
    rows = session.exec(select(HmisEnrollment.project_id).join(Client, col(Client.id) == HmisEnrollment.client_id)
                        .where(Client.program == program, col(HmisEnrollment.exit_date).is_(None))).all()
    for project_id in rows:
        counts[project_id] = counts.get(project_id, 0) + 1
    ranked = sorted((p for p in open_ if counts.get(p.id or 0)), key=lambda p: (-counts[p.id or 0], p.id or 0))
    return ranked[0] if ranked else None


def may_change_projects(session: Session) -> bool:
    """Agency mode: only the database owner and an admin may write the organization and projects
    (migration 0009's policies); SQLite: the one user may."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    from sqlalchemy import text

    return bool(session.execute(text("SELECT caseterm_is_owner() OR caseterm_is_admin()")).scalar())


def enroll_new_clients(session: Session, client_ids: list[int]) -> tuple[int, int]:
    """Give each new client without an enrollment one in its default project (`default_project`), from
    its earliest date (`first_date`, else today), carrying a closed case's exit date and reason. A
    program with no project gets what the upgrade (migration 0009) made: a non-HUD Services Only
    project named after it (under "Our agency" when there is no organization yet), to edit with
    `caseterm project edit` (agency mode: when the login may; else the client waits for an admin).
    Returns (how many were enrolled, how many were left without a project)."""
    new = [c for c in (session.get(Client, cid) for cid in client_ids)
           if c is not None and not enrollments_of(session, c.id)]  # type: ignore[arg-type]
    entries = {c.id: first_date(session, c) or clock.today() for c in new}
    enrolled = left = 0
    for client in new:
        entry = entries[client.id]
        project = default_project(session, client.program, entry)
        if project is None:
            name = (client.program or "Program").strip()[:200] or "Program"
            project = find_project(session, name, missing_ok=True)
            if project is None and not may_change_projects(session):
                left += 1
                continue
            if project is None:
                if organization(session) is None:
                    set_organization(session, "Our agency", victim_service_provider=False)
                start = min(entries[c.id] for c in new if c.program == client.program)
                project = add_project(session, ProjectFields(
                    name=name, project_type=6, continuum_project=False, hmis_participation=0, funder=46,
                    residential_affiliation=False, operating_start=start))
        entry = max(entry, project.operating_start)
        enrollment = enroll(session, client, project, entry)
        if client.exit_date is not None:
            reason = client.exit_reason.value if client.exit_reason else None
            enrollment.exit_date = max(client.exit_date, entry)
            enrollment.exit_reason = reason
            enrollment.destination = DESTINATION_OF_REASON.get(reason or "")
            session.add(enrollment)
            session.flush()
        enrolled += 1
    return enrolled, left
