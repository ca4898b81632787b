"""The HUD HMIS records (tables): organization, projects, enrollments and the data elements.

Codes are HUD's integers (FY2026 lists, `fy2026.json`), stored as they are
exported, so the export is a mapping of columns, not a translation. Each table
has its own `uid` (stable across exports and imports: the HMIS IDs derive
from it). Imported by `caseterm.models` so Alembic and the store see them.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel



def new_uid() -> str:
    """A record's own stable id (as caseterm.models.new_uid; here to import nothing at load)."""
    return str(uuid.uuid4())


class HmisOrganization(SQLModel, table=True):
    """The agency (HMIS 2.01): one; `victim_service_provider` makes the set a comparable database's."""

    __tablename__ = "hmis_organization"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, index=True, unique=True, max_length=36)
    name: str = Field(max_length=200)
    common_name: str | None = Field(default=None, max_length=200)
    victim_service_provider: bool = False
    created_at: dt.datetime = Field(sa_type=sa.DateTime())
    updated_at: dt.datetime = Field(sa_type=sa.DateTime())


class HmisProject(SQLModel, table=True):
    """A project (HMIS 2.02-2.08): what enrollments belong to; `continuum_project` false = non-HUD."""

    __tablename__ = "hmis_project"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, index=True, unique=True, max_length=36)
    organization_id: int = Field(foreign_key="hmis_organization.id", index=True)
    name: str = Field(max_length=200)
    common_name: str | None = Field(default=None, max_length=200)
    #: HUD list 2.02.6 (3 PSH, 6 Services Only, 13 RRH, ...).
    project_type: int | None = None
    continuum_project: bool = False
    #: 2.08.1: 0 not participating, 1 HMIS, 2 comparable database.
    hmis_participation: int = 1
    housing_type: int | None = None
    rrh_subtype: int | None = None
    #: Services-only and street outreach projects: affiliated with a residential project?
    residential_affiliation: bool | None = None
    res_project_id: int | None = Field(default=None, foreign_key="hmis_project.id")
    target_population: int | None = None
    operating_start: dt.date
    operating_end: dt.date | None = None
    coc_code: str | None = Field(default=None, max_length=6)
    geocode: str | None = Field(default=None, max_length=6)
    #: HUD list 2.06.1 (46: local or other funding source).
    funder: int | None = None
    other_funder: str | None = Field(default=None, max_length=100)
    grant_id: str | None = Field(default=None, max_length=100)
    grant_start: dt.date | None = None
    grant_end: dt.date | None = None
    created_at: dt.datetime = Field(sa_type=sa.DateTime())
    updated_at: dt.datetime = Field(sa_type=sa.DateTime())


class HmisEnrollment(SQLModel, table=True):
    """One stay in one project (3.10 project start ... 3.11 exit), with the intake block (3.917) and exit (3.12)."""

    __tablename__ = "hmis_enrollment"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, index=True, unique=True, max_length=36)
    client_id: int = Field(foreign_key="client.id", index=True)
    project_id: int = Field(foreign_key="hmis_project.id", index=True)
    entry_date: dt.date
    household_id: str | None = Field(default=None, max_length=32)
    relationship_to_hoh: int = 1
    enrollment_coc: str | None = Field(default=None, max_length=6)
    living_situation: int | None = None
    rental_subsidy_type: int | None = None
    length_of_stay: int | None = None
    los_under_threshold: int | None = None
    previous_street_essh: int | None = None
    date_to_street_essh: dt.date | None = None
    times_homeless_past_three_years: int | None = None
    months_homeless_past_three_years: int | None = None
    disabling_condition: int | None = None
    move_in_date: dt.date | None = None
    exit_date: dt.date | None = None
    destination: int | None = None
    destination_subsidy_type: int | None = None
    other_destination: str | None = Field(default=None, max_length=50)
    #: caseterm's own exit reason (vocabulary.ExitReason), kept beside HUD's destination.
    exit_reason: str | None = Field(default=None, max_length=32)
    created_at: dt.datetime = Field(sa_type=sa.DateTime())
    updated_at: dt.datetime = Field(sa_type=sa.DateTime())


class HmisClient(SQLModel, table=True):
    """A client's universal data elements (3.01-3.07) that are about the person, not the stay."""

    __tablename__ = "hmis_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True, unique=True)
    name_data_quality: int = 99
    ssn: str | None = Field(default=None, max_length=9)
    ssn_data_quality: int = 99
    dob_data_quality: int = 99
    #: Race and ethnicity columns that apply, comma-separated (AmIndAKNative,...,White); empty with race_none.
    race: str = ""
    race_none: int | None = None
    additional_race_ethnicity: str | None = Field(default=None, max_length=100)
    sex: int | None = None
    veteran_status: int | None = None
    created_at: dt.datetime = Field(sa_type=sa.DateTime())
    updated_at: dt.datetime = Field(sa_type=sa.DateTime())


class HmisCollection(SQLModel, table=True):
    """The stage-collected elements of one enrollment at one stage (5.03: entry 1, update 2, exit 3, annual 5):
    income (4.02), non-cash benefits (4.03), health insurance (4.04), disabilities (4.05-4.10), DV (4.11).

    Sources are JSON text: `income` {"Earned": 500.0, ...}, `benefits`/`insurance` ["SNAP", ...],
    `disabilities` {"5": 1, "9": 0, ...} (DisabilityType -> DisabilityResponse).
    """

    __tablename__ = "hmis_collection"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, index=True, unique=True, max_length=36)
    enrollment_id: int = Field(foreign_key="hmis_enrollment.id", index=True)
    stage: int
    information_date: dt.date
    income_from_any_source: int | None = None
    income: str = "{}"
    benefits_from_any_source: int | None = None
    benefits: str = "[]"
    insurance_from_any_source: int | None = None
    insurance: str = "[]"
    disabilities: str = "{}"
    dv_survivor: int | None = None
    dv_when: int | None = None
    dv_currently_fleeing: int | None = None
    created_at: dt.datetime = Field(sa_type=sa.DateTime())
    updated_at: dt.datetime = Field(sa_type=sa.DateTime())


import caseterm.models  # noqa: E402,F401 - the client table these refer to, loaded whichever module comes first
