"""The HMIS records in the caseterm/1 interchange file: their models, export and import.

Five lists, after `clients` in an export: `hmis_organization` (at most one),
`hmis_projects`, `hmis_enrollments` (by case_number, naming their project by
uid), `hmis_clients` (the universal data elements, by case_number) and
`hmis_collections` (a stage's elements, naming their enrollment by uid).
Records are recognised by uid (hmis_clients by case_number), so re-importing
an export changes nothing. Every HUD code is checked against the FY2026 lists
while the file is read, before the database is touched.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from caseterm import clock
from caseterm.hmis.models import HmisClient, HmisCollection, HmisEnrollment, HmisOrganization, HmisProject
from caseterm.hmis.spec import load_spec

LISTS = ("hmis_organization", "hmis_projects", "hmis_enrollments", "hmis_clients", "hmis_collections")
LABELS = {
    "hmis_organization": ("HMIS organization", "HMIS organizations"),
    "hmis_projects": ("HMIS project", "HMIS projects"),
    "hmis_enrollments": ("HMIS enrollment", "HMIS enrollments"),
    "hmis_clients": ("HMIS client record", "HMIS client records"),
    "hmis_collections": ("HMIS data collection", "HMIS data collections"),
}


def _code(list_id: str):
    def check(value: int | None) -> int | None:
        if value is not None and str(value) not in load_spec().codes(list_id):
            raise ValueError(f"{value} is not in HUD list {list_id}")
        return value
    return AfterValidator(check)


Uid = Annotated[str, Field(min_length=1, max_length=36)]
Case = Annotated[str, Field(min_length=1, max_length=40)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OrganizationRecord(_Record):
    uid: Uid
    name: Annotated[str, Field(min_length=1, max_length=200)]
    common_name: str | None = None
    victim_service_provider: bool = False


class ProjectRecord(_Record):
    uid: Uid
    name: Annotated[str, Field(min_length=1, max_length=200)]
    common_name: str | None = None
    project_type: Annotated[int | None, _code("2.02.6")] = None
    continuum_project: bool = False
    hmis_participation: Annotated[int, _code("2.08.1")] = 1
    housing_type: Annotated[int | None, _code("2.02.D")] = None
    rrh_subtype: Annotated[int | None, _code("2.02.A")] = None
    residential_affiliation: bool | None = None
    res_project: Uid | None = None
    target_population: Annotated[int | None, _code("2.02.7")] = None
    operating_start: dt.date
    operating_end: dt.date | None = None
    coc_code: Annotated[str, Field(pattern=r"^[A-Z]{2}-\d{3}$")] | None = None
    geocode: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None
    funder: Annotated[int | None, _code("2.06.1")] = None
    other_funder: str | None = None
    grant_id: str | None = None
    grant_start: dt.date | None = None
    grant_end: dt.date | None = None


class EnrollmentRecord(_Record):
    uid: Uid
    case_number: Case
    project: Uid
    entry_date: dt.date
    household_id: Annotated[str, Field(max_length=32)] | None = None
    relationship_to_hoh: Annotated[int, _code("3.15.1")] = 1
    enrollment_coc: Annotated[str, Field(pattern=r"^[A-Z]{2}-\d{3}$")] | None = None
    living_situation: Annotated[int | None, _code("3.917")] = None
    rental_subsidy_type: Annotated[int | None, _code("3.12.A")] = None
    length_of_stay: Annotated[int | None, _code("3.917.2")] = None
    los_under_threshold: Annotated[int | None, _code("1.7")] = None
    previous_street_essh: Annotated[int | None, _code("1.7")] = None
    date_to_street_essh: dt.date | None = None
    times_homeless_past_three_years: Annotated[int | None, _code("3.917.4")] = None
    months_homeless_past_three_years: Annotated[int | None, _code("3.917.5")] = None
    disabling_condition: Annotated[int | None, _code("1.8")] = None
    move_in_date: dt.date | None = None
    exit_date: dt.date | None = None
    destination: Annotated[int | None, _code("3.12")] = None
    destination_subsidy_type: Annotated[int | None, _code("3.12.A")] = None
    other_destination: Annotated[str, Field(max_length=50)] | None = None
    exit_reason: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> "EnrollmentRecord":
        if self.exit_date is not None and self.exit_date < self.entry_date:
            raise ValueError(f"exit_date {self.exit_date} is before entry_date {self.entry_date}")
        return self


class ClientElementsRecord(_Record):
    case_number: Case
    name_data_quality: Annotated[int, _code("3.01.5")] = 99
    ssn: Annotated[str, Field(pattern=r"^[0-9xX]{9}$")] | None = None
    ssn_data_quality: Annotated[int, _code("3.02.2")] = 99
    dob_data_quality: Annotated[int, _code("3.03.2")] = 99
    race: list[str] = []
    race_none: Annotated[int | None, _code("1.6")] = None
    additional_race_ethnicity: Annotated[str, Field(max_length=100)] | None = None
    sex: Annotated[int | None, _code("4.21")] = None
    veteran_status: Annotated[int | None, _code("1.8")] = None

    @model_validator(mode="after")
    def _races(self) -> "ClientElementsRecord":
        from caseterm.hmis.records import RACE_COLUMNS

        unknown = [r for r in self.race if r not in RACE_COLUMNS]
        if unknown:
            raise ValueError(f"race: {', '.join(unknown)} not one of {', '.join(RACE_COLUMNS)}")
        return self


class CollectionRecord(_Record):
    uid: Uid
    enrollment: Uid
    stage: Annotated[int, _code("5.03.1")]
    information_date: dt.date
    income_from_any_source: Annotated[int | None, _code("1.8")] = None
    income: dict[str, Annotated[float, Field(ge=0)]] = {}
    benefits_from_any_source: Annotated[int | None, _code("1.8")] = None
    benefits: list[str] = []
    insurance_from_any_source: Annotated[int | None, _code("1.8")] = None
    insurance: list[str] = []
    disabilities: dict[str, int] = {}
    dv_survivor: Annotated[int | None, _code("1.8")] = None
    dv_when: Annotated[int | None, _code("4.11.A")] = None
    dv_currently_fleeing: Annotated[int | None, _code("1.8")] = None

    @model_validator(mode="after")
    def _sources(self) -> "CollectionRecord":
        from caseterm.hmis.records import BENEFIT_SOURCES, INCOME_SOURCES, INSURANCE_SOURCES

        for items, known, name in ((self.income, INCOME_SOURCES, "income"), (self.benefits, BENEFIT_SOURCES, "benefits"),
                                   (self.insurance, INSURANCE_SOURCES, "insurance")):
            unknown = [s for s in items if s not in known]
            if unknown:
                raise ValueError(f"{name}: {', '.join(unknown)} not one of {', '.join(known)}")
        for kind, response in self.disabilities.items():
            lists = load_spec()
            if kind not in lists.codes("1.3"):
                raise ValueError(f"disabilities: {kind} is not in HUD list 1.3")
            if str(response) not in lists.codes("4.10.2" if kind == "10" else "1.8"):
                raise ValueError(f"disabilities: {kind}: {response} is not an answer")
        return self


MODELS: dict[str, type[BaseModel]] = {
    "hmis_organization": OrganizationRecord, "hmis_projects": ProjectRecord, "hmis_enrollments": EnrollmentRecord,
    "hmis_clients": ClientElementsRecord, "hmis_collections": CollectionRecord,
}

# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def _fmt(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def export(session: Session, case_of: dict[int | None, str]) -> dict[str, list[dict[str, Any]]]:
    """The five lists, deterministic order."""
    from sqlmodel import select as model_select

    orgs = session.exec(model_select(HmisOrganization).order_by(col(HmisOrganization.id))).all()
    projects = session.exec(model_select(HmisProject).order_by(col(HmisProject.id))).all()
    project_uid = {p.id: p.uid for p in projects}
    enrollments = sorted(session.exec(model_select(HmisEnrollment)).all(),
                         key=lambda e: (case_of.get(e.client_id) or "", e.entry_date, e.uid))
    enrollment_uid = {e.id: e.uid for e in enrollments}
    people = sorted(session.exec(model_select(HmisClient)).all(), key=lambda h: case_of.get(h.client_id) or "")
    collections = sorted(session.exec(model_select(HmisCollection)).all(),
                         key=lambda c: (enrollment_uid.get(c.enrollment_id, ""), c.information_date, c.stage, c.uid))
    project_fields = [f for f in ProjectRecord.model_fields if f not in ("res_project",)]
    enrollment_fields = [f for f in EnrollmentRecord.model_fields if f not in ("case_number", "project")]
    return {
        "hmis_organization": [{f: getattr(o, f) for f in OrganizationRecord.model_fields} for o in orgs],
        "hmis_projects": [{**{f: _fmt(getattr(p, f)) for f in project_fields},
                           "res_project": project_uid.get(p.res_project_id)} for p in projects],
        "hmis_enrollments": [{"uid": e.uid, "case_number": case_of[e.client_id], "project": project_uid[e.project_id],
                              **{f: _fmt(getattr(e, f)) for f in enrollment_fields if f != "uid"}}
                             for e in enrollments],
        "hmis_clients": [{"case_number": case_of[h.client_id],
                          **{f: getattr(h, f) for f in ClientElementsRecord.model_fields if f not in ("case_number", "race")},
                          "race": [r for r in h.race.split(",") if r]} for h in people],
        "hmis_collections": [{
            "uid": c.uid, "enrollment": enrollment_uid[c.enrollment_id], "stage": c.stage,
            "information_date": c.information_date.isoformat(),
            "income_from_any_source": c.income_from_any_source, "income": json.loads(c.income),
            "benefits_from_any_source": c.benefits_from_any_source, "benefits": json.loads(c.benefits),
            "insurance_from_any_source": c.insurance_from_any_source, "insurance": json.loads(c.insurance),
            "disabilities": json.loads(c.disabilities), "dv_survivor": c.dv_survivor, "dv_when": c.dv_when,
            "dv_currently_fleeing": c.dv_currently_fleeing} for c in collections],
    }


# --------------------------------------------------------------------------
# Import (called by caseterm.services.interchange.writer, in its transaction)
# --------------------------------------------------------------------------


def _uids(conn: Any, table: Any, uids: list[str]) -> dict[str, Any]:
    if not uids:
        return {}
    return {row.uid: row for row in conn.execute(select(table).where(table.c.uid.in_(uids)))}


def _upsert(writer: Any, kind: str, table: Any, rows: list[tuple[dict[str, Any], Any]]) -> None:
    """Insert the new rows, update those whose values changed (`rows`: (values, stored row or None))."""
    now = clock.now().replace(microsecond=0)
    new = [{**values, "created_at": now, "updated_at": now} for values, stored in rows if stored is None]
    changed = []
    for values, stored in rows:
        if stored is None:
            continue
        diff = {k: v for k, v in values.items() if getattr(stored, k) != v}
        if diff:
            changed.append((stored.id, {**diff, "updated_at": now}))
    if new:
        writer.conn.execute(insert(table), new)
        writer.result.added[kind] += len(new)
    for row_id, diff in changed:
        writer.conn.execute(update(table).where(table.c.id == row_id).values(**diff))
    if changed:
        writer.result.updated[kind] += len(changed)


def write(writer: Any, kind: str, batch: list[tuple[int, Any]]) -> None:
    """Write one batch of an hmis_* list (the writer: conn, case_ids, errors, where, result)."""
    conn, where = writer.conn, writer.where
    if kind == "hmis_organization":
        table = HmisOrganization.__table__
        held = conn.execute(select(table).order_by(table.c.id)).first()
        rows = []
        for index, record in batch:
            stored = held if held is not None and (held.uid == record.uid or len(batch) == 1) else None
            if held is not None and stored is None:
                writer.errors.add(f"{where}: $.hmis_organization[{index}]: the database has another organization")
                continue
            rows.append((record.model_dump(), stored))
        if held is not None:  # one organization: the file's takes its place under the stored uid
            rows = [({**values, "uid": held.uid}, held) for values, _ in rows]
        _upsert(writer, kind, table, rows)
        return
    if kind == "hmis_projects":
        table = HmisProject.__table__
        org = conn.execute(select(HmisOrganization.__table__.c.id).order_by(HmisOrganization.__table__.c.id)).first()
        if org is None:
            writer.errors.add(f"{where}: $.hmis_projects: no organization in the file or the database")
            return
        stored = _uids(conn, table, [r.uid for _, r in batch])
        rows = []
        for _, record in batch:
            values = record.model_dump(exclude={"res_project"})
            values["organization_id"] = org.id
            rows.append((values, stored.get(record.uid)))
        _upsert(writer, kind, table, rows)
        by_uid = _uids(conn, table, [r.res_project for _, r in batch if r.res_project])
        for index, record in batch:
            if record.res_project:
                target = by_uid.get(record.res_project)
                if target is None:
                    writer.errors.add(f"{where}: $.hmis_projects[{index}].res_project: no project {record.res_project!r}")
                    continue
                conn.execute(update(table).where(table.c.uid == record.uid).values(res_project_id=target.id))
        return
    if kind == "hmis_enrollments":
        table = HmisEnrollment.__table__
        projects = _uids(conn, HmisProject.__table__, list({r.project for _, r in batch}))
        stored = _uids(conn, table, [r.uid for _, r in batch])
        rows = []
        for index, record in batch:
            project = projects.get(record.project)
            if project is None:
                writer.errors.add(f"{where}: $.hmis_enrollments[{index}].project: no project {record.project!r}")
                continue
            values = record.model_dump(exclude={"case_number", "project"})
            values.update(client_id=writer.case_ids[record.case_number], project_id=project.id)
            rows.append((values, stored.get(record.uid)))
        _upsert(writer, kind, table, rows)
        return
    if kind == "hmis_clients":
        table = HmisClient.__table__
        ids = [writer.case_ids[r.case_number] for _, r in batch]
        stored = {row.client_id: row for row in conn.execute(select(table).where(table.c.client_id.in_(ids)))}
        rows = []
        for _, record in batch:
            values = record.model_dump(exclude={"case_number"})
            values["race"] = ",".join(sorted(set(record.race)))
            values["client_id"] = writer.case_ids[record.case_number]
            rows.append((values, stored.get(values["client_id"])))
        _upsert(writer, kind, table, rows)
        return
    table = HmisCollection.__table__
    enrollments = _uids(conn, HmisEnrollment.__table__, list({r.enrollment for _, r in batch}))
    stored = _uids(conn, table, [r.uid for _, r in batch])
    rows = []
    for index, record in batch:
        enrollment = enrollments.get(record.enrollment)
        if enrollment is None:
            writer.errors.add(f"{where}: $.hmis_collections[{index}].enrollment: no enrollment {record.enrollment!r}")
            continue
        values = record.model_dump(exclude={"enrollment"})
        values.update(enrollment_id=enrollment.id, income=json.dumps(record.income, sort_keys=True),
                      benefits=json.dumps(sorted(record.benefits)), insurance=json.dumps(sorted(record.insurance)),
                      disabilities=json.dumps(dict(sorted(record.disabilities.items(), key=lambda kv: int(kv[0])))))
        rows.append((values, stored.get(record.uid)))
    _upsert(writer, kind, table, rows)
