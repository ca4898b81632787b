"""The HMIS tab's keyboard forms: intake (i), a stage's data elements (u: entry, update, annual, exit)
and the exit (x), on the client file's `RecordForm`.

Each builder returns (title, fields, save): the fields are the one-key pickers of
every record form (HUD's own lists, 8/9/99 where the list has them, offered last);
`save` turns the strings back into codes, names every field left empty in one
refusal, and writes through the same `caseterm.hmis.records` functions the
`caseterm hmis` commands call, in the form's one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.hmis import records
from caseterm.hmis.models import HmisEnrollment, HmisProject
from caseterm.hmis.spec import load_spec
from caseterm.models import Client
from caseterm.widgets.record_form import FormField

#: HUD's reasons for missing data: offered after the real answers in every list that has them.
MISSING_LABELS = ("Client doesn't know", "Client prefers not to answer", "Data not collected")
#: A long HUD label is cut to this in a picker (the code stays the value).
LABEL_WIDTH = 46

RACE_LABELS = {
    "AmIndAKNative": "Race: AmInd/AK Native", "Asian": "Race: Asian", "BlackAfAmerican": "Race: Black/Af. Am.",
    "HispanicLatinaeo": "Race: Hispanic/Latin.", "MidEastNAfrican": "Race: MidEast/N.Afr.",
    "NativeHIPacific": "Race: NatHI/Pacific", "White": "Race: White",
}
DISABILITY_LABELS = {5: "Physical disability", 6: "Developmental disability", 7: "Chronic health condition",
                     8: "HIV/AIDS", 9: "Mental health disorder", 10: "Substance use disorder"}
#: Short labels (a form label is 22 characters at most) for HUD's source columns.
SOURCE_LABELS = {
    "Earned": "Earned income", "Unemployment": "Unemployment", "SSI": "SSI", "SSDI": "SSDI",
    "VADisabilityService": "VA service-connected", "VADisabilityNonService": "VA non-service",
    "PrivateDisability": "Private disability", "WorkersComp": "Workers' comp", "TANF": "TANF",
    "GA": "General assistance", "SocSecRetirement": "Social Security", "Pension": "Pension",
    "ChildSupport": "Child support", "Alimony": "Alimony", "OtherIncomeSource": "Other income",
    "SNAP": "SNAP", "WIC": "WIC", "TANFChildCare": "TANF child care", "TANFTransportation": "TANF transport",
    "OtherTANF": "Other TANF", "OtherBenefitsSource": "Other benefit", "Medicaid": "Medicaid",
    "Medicare": "Medicare", "SCHIP": "SCHIP", "VHAServices": "VHA services", "EmployerProvided": "Employer-provided",
    "COBRA": "COBRA", "PrivatePay": "Private pay", "StateHealthIns": "State health ins.",
    "IndianHealthServices": "Indian Health Svc", "OtherInsurance": "Other insurance",
}
STAGE_CHOICES = [("Project entry", "entry"), ("Update", "update"), ("Annual assessment", "annual"),
                 ("Project exit", "exit")]

Save = Callable[[Session, Client, dict[str, Any]], None]


def hud_choices(list_id: str) -> list[tuple[str, str]]:
    """(label, code) of a HUD list, the answers first and 8/9/99 last."""
    codes = load_spec().codes(list_id)
    pairs = [(text if len(text) <= LABEL_WIDTH else text[:LABEL_WIDTH - 1] + "…", code) for code, text in codes.items()]
    return [p for p in pairs if p[0] not in MISSING_LABELS] + [p for p in pairs if p[0] in MISSING_LABELS]


def _choice(name: str, label: str, list_id: str, value: int | None, required: bool = True) -> FormField:
    return FormField(name, label, "" if value is None else str(value), "choice", hud_choices(list_id), required=required)


class _Reader:
    """Reads a form's strings back into codes and dates, collecting one message per bad or missing field."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.errors: list[str] = []

    def code(self, name: str, label: str, required: bool = True, hud: bool = True) -> int | None:
        text = str(self.values.get(name) or "").strip()
        if not text:
            if required:
                self.errors.append(f"{label}: not chosen" + (" (8, 9 or 99 when the client doesn't know, prefers not "
                                                             "to answer or it was not collected)" if hud else ""))
            return None
        return int(text)

    def day(self, name: str, label: str, required: bool = True) -> dt.date | None:
        text = str(self.values.get(name) or "").strip()
        if not text:
            if required:
                self.errors.append(f"{label}: a date is needed (YYYY-MM-DD)")
            return None
        try:
            found = clock.parse_date(text, label)
        except BadInput as err:
            self.errors += err.errors
            return None
        if found > clock.today():
            self.errors.append(f"{label} {found}: in the future")
        return found

    def check(self) -> None:
        if self.errors:
            raise BadInput(*self.errors)


def _audit(session: Session, client: Client, what: str) -> None:
    from caseterm.services import audit
    from caseterm.vocabulary import AuditAction

    audit.record(session, AuditAction.HMIS_RECORDED, client.case_number, audit.detail_of(what=what, via="app"))


def open_enrollment(session: Session, client: Client, enrollment_id: int | None = None,
                    latest: bool = False) -> HmisEnrollment | None:
    """`enrollment_id` (a due item's), else the open enrollment, else (`latest`) the last one."""
    rows = records.enrollments_of(session, client.id)  # type: ignore[arg-type]
    if enrollment_id is not None:
        for row in rows:
            if row.id == enrollment_id:
                return row
    open_rows = [r for r in rows if r.exit_date is None]
    if open_rows:
        return open_rows[-1]
    return rows[-1] if latest and rows else None


def _project_name(session: Session, enrollment: HmisEnrollment) -> str:
    project = session.get(HmisProject, enrollment.project_id)
    return project.name if project else "?"


# --------------------------------------------------------------------------
# Intake: the universal data elements at project start
# --------------------------------------------------------------------------


def intake_form(session: Session, client: Client, enrollment_id: int | None = None) -> tuple[str, list[FormField], Save]:
    """The person's elements (3.01-3.07) and the enrollment's intake block (3.08, 3.15, 3.16, 3.917);
    with no open enrollment, a project and an entry date too (the form enrolls)."""
    person = records.client_elements(session, client)
    enrollment = open_enrollment(session, client, enrollment_id)
    fields: list[FormField] = []
    if enrollment is None:
        projects = records.projects(session)
        if not projects:
            raise BadInput("no HMIS projects yet: add one with `caseterm project add` (see docs/hmis.md)")
        fields += [
            FormField("project", "Project", str(projects[0].id) if len(projects) == 1 else "", "choice",
                      [(p.name, str(p.id)) for p in projects], required=True),
            FormField("entry", "Project start", clock.today().isoformat(), placeholder="YYYY-MM-DD", required=True),
        ]
        title = "HMIS intake (enrolls the client)"
    else:
        title = f"HMIS intake: {_project_name(session, enrollment)} since {enrollment.entry_date}"
    races = set(person.race.split(",")) if person and person.race else set()
    fields += [
        _choice("name_quality", "Name data quality", "3.01.5", person.name_data_quality if person else None),
        FormField("ssn", "SSN (optional)", person.ssn or "" if person else "", placeholder="123456789 or xxxxx1234",
                  secret=True),
        _choice("ssn_quality", "SSN data quality", "3.02.2", person.ssn_data_quality if person else None),
        _choice("dob_quality", "DOB data quality", "3.03.2", person.dob_data_quality if person else None),
    ]
    fields += [FormField(f"race_{column}", label, "1" if column in races else "", "flag")
               for column, label in RACE_LABELS.items()]
    fields += [
        _choice("race_none", "Race: none given", "1.6", person.race_none if person else None, required=False),
        _choice("sex", "Sex", "4.21", person.sex if person else None),
        _choice("veteran", "Veteran status", "1.8", person.veteran_status if person else None),
        _choice("disabling", "Disabling condition", "1.8", enrollment.disabling_condition if enrollment else None),
        _choice("relationship", "Relationship to HoH", "3.15.1", enrollment.relationship_to_hoh if enrollment else 1),
        FormField("coc", "Enrollment CoC", (enrollment.enrollment_coc if enrollment else None) or _default_coc(session, enrollment),
                  placeholder="XX-000", required=True),
        _choice("living", "Prior living situation", "3.917", enrollment.living_situation if enrollment else None),
        _choice("length_of_stay", "Length of stay there", "3.917.2",
                enrollment.length_of_stay if enrollment else None, required=False),
        FormField("homeless_since", "Homeless since",
                  str(enrollment.date_to_street_essh or "") if enrollment else "", placeholder="YYYY-MM-DD"),
        _choice("times_homeless", "Times homeless, 3 yrs", "3.917.4",
                enrollment.times_homeless_past_three_years if enrollment else None, required=False),
        _choice("months_homeless", "Months homeless, 3 yrs", "3.917.5",
                enrollment.months_homeless_past_three_years if enrollment else None, required=False),
    ]
    enrollment_key = enrollment.id if enrollment else None

    def save(s: Session, c: Client, values: dict[str, Any]) -> None:
        read = _Reader(values)
        project = entry = None
        if enrollment_key is None:
            chosen = read.code("project", "project", hud=False)
            project = s.get(HmisProject, chosen) if chosen is not None else None
            entry = read.day("entry", "project start")
        picked = [column for column in RACE_LABELS if values.get(f"race_{column}")]
        race_none = read.code("race_none", "race: none given", required=False)
        if not picked and race_none is None:
            read.errors.append("race and ethnicity: tick at least one, or choose 8, 9 or 99 under \"Race: none given\"")
        if picked and race_none is not None:
            read.errors.append("race and ethnicity: either races or \"none given\", not both")
        person_fields = dict(
            name_data_quality=read.code("name_quality", "name data quality"),
            ssn_data_quality=read.code("ssn_quality", "SSN data quality"),
            dob_data_quality=read.code("dob_quality", "DOB data quality"),
            sex=read.code("sex", "sex"), veteran_status=read.code("veteran", "veteran status"))
        coc = str(values.get("coc") or "").strip().upper()
        if not coc:
            read.errors.append("enrollment CoC: the CoC code (XX-000) of where the client is served")
        intake = dict(
            disabling_condition=read.code("disabling", "disabling condition"),
            relationship_to_hoh=read.code("relationship", "relationship to head of household"),
            enrollment_coc=coc or None, living_situation=read.code("living", "prior living situation"),
            length_of_stay=read.code("length_of_stay", "length of stay", required=False),
            date_to_street_essh=read.day("homeless_since", "homeless since", required=False),
            times_homeless_past_three_years=read.code("times_homeless", "times homeless", required=False),
            months_homeless_past_three_years=read.code("months_homeless", "months homeless", required=False))
        read.check()
        ssn = str(values.get("ssn") or "").strip() or None
        records.set_client_elements(s, c, ssn=ssn, race=",".join(picked) if picked else "", race_none=race_none,
                                    **person_fields)
        if enrollment_key is None:
            assert project is not None and entry is not None
            records.enroll(s, c, project, entry, **intake)
        else:
            row = s.get(HmisEnrollment, enrollment_key)
            assert row is not None
            records.update_intake(s, row, **intake)
        _audit(s, c, "intake")

    return title, fields, save


def _default_coc(session: Session, enrollment: HmisEnrollment | None) -> str:
    """The project's CoC code: what most intakes enter as the enrollment CoC."""
    if enrollment is not None:
        project = session.get(HmisProject, enrollment.project_id)
        return (project.coc_code or "") if project else ""
    return next((p.coc_code for p in records.projects(session) if p.coc_code), "")


# --------------------------------------------------------------------------
# A stage's elements: income, benefits, insurance, disabilities, DV
# --------------------------------------------------------------------------


def stage_form(session: Session, client: Client, stage: str = "", day: str = "",
               enrollment_id: int | None = None) -> tuple[str, list[FormField], Save]:
    """Income (4.02), non-cash benefits (4.03), health insurance (4.04), disabilities (4.05-4.10) and
    domestic violence (4.11) at one DataCollectionStage of the open (else the latest) enrollment."""
    enrollment = open_enrollment(session, client, enrollment_id, latest=True)
    if enrollment is None:
        raise BadInput(f"case {client.case_number}: no enrollment; do the intake first (i)")
    if not stage:
        stage = "entry" if not records.collections_of(session, enrollment.id) else (  # type: ignore[arg-type]
            "exit" if enrollment.exit_date else "update")
    if not day:
        day = (enrollment.exit_date if stage == "exit" and enrollment.exit_date else
               enrollment.entry_date if stage == "entry" else clock.today()).isoformat()
    fields = [
        FormField("stage", "Collection stage", stage, "choice", STAGE_CHOICES, required=True),
        FormField("date", "Information date", day, placeholder="YYYY-MM-DD", required=True),
        _choice("income_any", "Income, any source", "1.8", None),
    ]
    fields += [FormField(f"income_{source}", f"  {SOURCE_LABELS[source]}", "", placeholder="$ a month")
               for source in records.INCOME_SOURCES]
    fields.append(_choice("benefits_any", "Non-cash benefits", "1.8", None))
    fields += [FormField(f"benefit_{source}", f"  {SOURCE_LABELS[source]}", "", "flag") for source in records.BENEFIT_SOURCES]
    fields.append(_choice("insurance_any", "Health insurance", "1.8", None))
    fields += [FormField(f"insurance_{source}", f"  {SOURCE_LABELS[source]}", "", "flag") for source in records.INSURANCE_SOURCES]
    fields += [_choice(f"disability_{kind}", label, "4.10.2" if kind == 10 else "1.8", None)
               for kind, label in DISABILITY_LABELS.items()]
    fields += [
        _choice("dv", "DV survivor", "1.8", None),
        _choice("dv_when", "  When it occurred", "4.11.A", None, required=False),
        _choice("dv_fleeing", "  Currently fleeing", "1.8", None, required=False),
    ]
    title = f"HMIS data elements: {_project_name(session, enrollment)} since {enrollment.entry_date}"
    enrollment_key = enrollment.id

    def save(s: Session, c: Client, values: dict[str, Any]) -> None:
        read = _Reader(values)
        stage_name = str(values.get("stage") or "")
        if stage_name not in records.STAGES:
            read.errors.append("collection stage: not chosen (entry, update, annual or exit)")
        information = read.day("date", "information date")
        income: dict[str, float] = {}
        for source in records.INCOME_SOURCES:
            text = str(values.get(f"income_{source}") or "").strip().lstrip("$").replace(",", "")
            if text:
                try:
                    income[source] = round(float(text), 2)
                except ValueError:
                    read.errors.append(f"income {source}: {text!r} is not an amount")
        benefits = [b for b in records.BENEFIT_SOURCES if values.get(f"benefit_{b}")]
        insurance = [i for i in records.INSURANCE_SOURCES if values.get(f"insurance_{i}")]
        # a source ticked or an amount entered answers "from any source" (yes)
        codes = dict(
            income_any=read.code("income_any", "income from any source", required=not income),
            benefits_any=read.code("benefits_any", "non-cash benefits", required=not benefits),
            insurance_any=read.code("insurance_any", "health insurance", required=not insurance),
            dv_survivor=read.code("dv", "DV survivor"),
            dv_when=read.code("dv_when", "DV: when it occurred", required=False),
            dv_fleeing=read.code("dv_fleeing", "DV: currently fleeing", required=False))
        disabilities = {kind: read.code(f"disability_{kind}", label.lower()) for kind, label in DISABILITY_LABELS.items()}
        if codes["dv_survivor"] == 1 and codes["dv_when"] is None:
            read.errors.append("DV: when it occurred: not chosen (the client is a survivor)")
        if codes["dv_survivor"] == 1 and codes["dv_fleeing"] is None:
            read.errors.append("DV: currently fleeing: not chosen (the client is a survivor)")
        read.check()
        row = s.get(HmisEnrollment, enrollment_key)
        assert row is not None and information is not None
        records.record_collection(s, row, records.STAGES[stage_name], information, income=income, benefits=benefits,
                                  insurance=insurance, disabilities={k: v for k, v in disabilities.items() if v is not None},
                                  **codes)
        _audit(s, c, "record")

    return title, fields, save


# --------------------------------------------------------------------------
# Exit: date and destination (3.11, 3.12)
# --------------------------------------------------------------------------


def exit_form(session: Session, client: Client, enrollment_id: int | None = None) -> tuple[str, list[FormField], Save]:
    """The exit date, destination and (for a rental with ongoing subsidy) the subsidy type, of the open
    enrollment, or of the one a due item names (exited with no destination)."""
    enrollment = open_enrollment(session, client, enrollment_id)
    if enrollment is None:
        raise BadInput(f"case {client.case_number}: no open enrollment to exit")
    day = enrollment.exit_date or client.exit_date or clock.today()
    fields = [
        FormField("date", "Exit date", day.isoformat(), placeholder="YYYY-MM-DD", required=True),
        _choice("destination", "Destination", "3.12", None if enrollment.destination == 99 else enrollment.destination),
        _choice("subsidy", "Subsidy type (435)", "3.12.A", enrollment.destination_subsidy_type, required=False),
    ]
    title = f"HMIS exit: {_project_name(session, enrollment)} since {enrollment.entry_date}"
    enrollment_key = enrollment.id

    def save(s: Session, c: Client, values: dict[str, Any]) -> None:
        read = _Reader(values)
        exit_date = read.day("date", "exit date")
        destination = read.code("destination", "destination")
        subsidy = read.code("subsidy", "subsidy type", required=destination == 435)
        read.check()
        row = s.get(HmisEnrollment, enrollment_key)
        assert row is not None and exit_date is not None and destination is not None
        records.exit_enrollment(s, row, exit_date, destination, subsidy if destination == 435 else None)
        _audit(s, c, "exit")

    return title, fields, save


FORMS = {"intake": intake_form, "stage": stage_form, "exit": exit_form}
