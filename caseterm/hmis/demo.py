"""The demo's HMIS side: the organization, two projects, an enrollment per client, data elements.

Deterministic like the rest of the demo. A Housing First PSH (a HUD CoC project,
permanent housing: move-in dates, annual assessments) and the employment
program for TANF and SNAP E&T (Services Only, not a continuum project, not
HMIS-participating: its clients still carry the universal data elements).
Some answers are 8 (doesn't know), 9 (prefers not to answer) or 99 (not
collected), as a real caseload's are.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session

from caseterm.hmis import records
from caseterm.hmis.records import ProjectFields
from caseterm.models import Client

HF = "Housing First"


def populate(session: Session, today: dt.date, clients: list[Client]) -> None:
    """Write the HMIS records for the demo's `clients` (already flushed)."""
    records.set_organization(session, "Riverside Community Services", victim_service_provider=False)
    psh = records.add_project(session, ProjectFields(
        name="Riverside Housing First PSH", project_type=3, continuum_project=True, hmis_participation=1,
        housing_type=3, operating_start=dt.date(2019, 7, 1), coc_code="OR-501", geocode="419036",
        funder=2, grant_id="OR0123L0E012400", grant_start=dt.date(2025, 7, 1)))
    jobs = records.add_project(session, ProjectFields(
        name="Employment Services (TANF, SNAP E&T)", project_type=6, continuum_project=False,
        hmis_participation=0, residential_affiliation=False, operating_start=dt.date(2016, 1, 1),
        coc_code="OR-501", geocode="419036", funder=46, other_funder="TANF and SNAP E&T (state)",
        grant_id="ODHS-JOBS-2026", grant_start=dt.date(2025, 7, 1)))
    from caseterm.policy import load_policy
    from caseterm.rules.hmis import anniversary

    window = load_policy().hmis.annual_window_days
    hf_seen = 0
    for i, client in enumerate(clients):
        housing = client.program == HF
        project = psh if housing else jobs
        entry = client.shelter_entry_date or client.referral_date or client.initial_contact_date or today
        # The PSH's households: the first had an earlier stay whose exit destination was never recorded
        # (hmis-exit), the second has answers not collected (hmis-missing-data), the third reaches its
        # annual assessment window now (hmis-annual-assessment); the rest are complete.
        role = hf_seen if housing else -1
        hf_seen += housing
        complete = housing and role != 1
        if role == 2:
            entry = today - dt.timedelta(days=360)
        records.set_client_elements(
            session, client,
            name_data_quality=2 if i % 11 == 3 else 1,
            ssn=(f"{900 + i:03d}55{1000 + i:04d}" if i % 4 == 0 else
                 (f"xxxxx{1000 + i:04d}" if i % 4 == 1 else None)),
            ssn_data_quality={0: 1, 1: 2, 2: 9, 3: 1 if complete else 99}[i % 4],
            dob_data_quality=2 if i % 9 == 5 else 1,
            race=("" if i % 10 == 7 else ",".join(sorted({
                records.RACE_COLUMNS[i % 7], records.RACE_COLUMNS[(i * 3) % 7] if i % 3 == 0 else records.RACE_COLUMNS[i % 7]}))),
            race_none=9 if i % 10 == 7 else None,
            sex={0: 0, 1: 1, 2: 0, 3: 1, 4: 8}[i % 5] if i % 13 != 12 or complete else 99,
            veteran_status=1 if i % 17 == 6 else (99 if i % 8 == 5 and not complete else 0),
        )
        if role == 0:
            # Before this stay: an earlier stay in the employment program, its destination never recorded.
            earlier = records.enroll(session, client, jobs, entry - dt.timedelta(days=700),
                                     living_situation=116, length_of_stay=5, disabling_condition=0)
            records.record_collection(session, earlier, 1, earlier.entry_date, income_any=0, benefits=["SNAP"],
                                      insurance_any=0, disabilities={5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0},
                                      dv_survivor=0)
            earlier.exit_date, earlier.exit_reason = entry - dt.timedelta(days=400), "left_without_notice"
        enrollment = records.enroll(
            session, client, project, entry,
            enrollment_coc="OR-501",
            living_situation=116 if housing else (435 if i % 3 else 410),
            rental_subsidy_type=None if housing or not i % 3 == 1 else 433,
            length_of_stay=5 if housing else (8 if i % 7 == 2 else 5),
            los_under_threshold=None, previous_street_essh=None,
            times_homeless_past_three_years=(4 if housing else None),
            months_homeless_past_three_years=(113 if housing else None),
            date_to_street_essh=(entry - dt.timedelta(days=500)) if housing else None,
            disabling_condition=(1 if housing else (99 if i % 6 == 1 else 0)),
        )
        if enrollment.rental_subsidy_type is None and enrollment.living_situation == 435:
            enrollment.rental_subsidy_type = 433
        if housing and entry + dt.timedelta(days=21) <= today:
            enrollment.move_in_date = entry + dt.timedelta(days=21)
        dv = client.dv_in_home
        records.record_collection(
            session, enrollment, 1, entry,
            income={"TANF": 506.0} if client.program == "TANF" else ({"SSDI": 943.0} if housing else {}),
            income_any=None if client.program == "TANF" or housing else (8 if i % 5 == 2 else 0),
            benefits=["SNAP"] if i % 2 == 0 else [], benefits_any=None if i % 2 == 0 else 0,
            insurance=["Medicaid"] if i % 3 or complete else [], insurance_any=None if i % 3 or complete else 99,
            disabilities=({9: 1, 10: 0, 5: 0, 6: 0, 7: 0, 8: 0} if housing else
                          {5: 0, 6: 0, 7: 0, 8: 9 if i % 7 == 3 else 0, 9: 0, 10: 0}),
            dv_survivor=1 if dv else (9 if i % 12 == 5 else 0),
            dv_when=1 if dv else None, dv_fleeing=(0 if dv else None),
        )
        if housing and role != 2:
            year = entry.year + 1
            while anniversary(entry, year) - dt.timedelta(days=window) <= today and (
                    client.exit_date is None or anniversary(entry, year) <= client.exit_date):
                records.record_collection(
                    session, enrollment, 5, min(anniversary(entry, year), today), income={"SSDI": 943.0},
                    benefits=["SNAP"], insurance=["Medicaid", "Medicare"],
                    disabilities={9: 1, 10: 0, 5: 0, 6: 0, 7: 0, 8: 0}, dv_survivor=1 if dv else 0,
                    dv_when=4 if dv else None, dv_fleeing=0 if dv else None)
                year += 1
        if client.exit_date is not None:
            records.exit_enrollment(session, enrollment, max(client.exit_date, entry), 435, subsidy=439,
                                    reason=client.exit_reason.value if client.exit_reason else None)
            records.record_collection(session, enrollment, 3, enrollment.exit_date, income={"SSDI": 943.0},
                                      benefits=["SNAP"], insurance=["Medicaid"],
                                      disabilities={9: 1, 10: 0, 5: 0, 6: 0, 7: 0, 8: 0}, dv_survivor=0)
    session.flush()
    _stable_uids(session)


#: The demo is deterministic (same today, same data): its HMIS uids are uuid5s of the table and row.
UID_NAMESPACE = uuid.UUID("0b9f7a52-5d3e-4f0a-8c61-3e2a9d4b7c15")


def _stable_uids(session: Session) -> None:
    from sqlmodel import select

    from caseterm.hmis.models import HmisCollection, HmisEnrollment, HmisOrganization, HmisProject

    for model in (HmisOrganization, HmisProject, HmisEnrollment, HmisCollection):
        for row in session.exec(select(model)).all():
            row.uid = str(uuid.uuid5(UID_NAMESPACE, f"{model.__tablename__}/{row.id}"))
            if isinstance(row, HmisEnrollment):
                row.household_id = row.uid.replace("-", "")
            session.add(row)
    session.flush()
