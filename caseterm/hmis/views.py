"""What a client's HMIS record looks like to a person: for `caseterm hmis show` and the app's HMIS tab."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from caseterm.hmis import records
from caseterm.hmis.models import HmisProject
from caseterm.hmis.spec import load_spec
from caseterm.models import Client

STAGE_NAMES = {1: "entry", 2: "update", 3: "exit", 5: "annual", 6: "post-exit"}


def label(list_id: str, value: int | None) -> str:
    """`99 Data not collected`; `-` for nothing recorded."""
    if value is None:
        return "-"
    return f"{value} {load_spec().codes(list_id).get(str(value), '?')}"


def client_summary(session: Session, client: Client) -> dict[str, Any]:
    """The client's universal data elements, enrollments and each stage's elements, as lines and data."""
    lines: list[str] = []
    h = records.client_elements(session, client)
    if h is None:
        lines.append("Universal data elements: none recorded (caseterm hmis client CASE ...)")
    else:
        lines += [
            f"Name quality {label('3.01.5', h.name_data_quality)}; SSN quality {label('3.02.2', h.ssn_data_quality)}; "
            f"DOB quality {label('3.03.2', h.dob_data_quality)}",
            f"Race and ethnicity: {h.race.replace(',', ', ') or label('1.6', h.race_none)}; sex {label('4.21', h.sex)}; "
            f"veteran {label('1.8', h.veteran_status)}",
        ]
    enrollments = []
    for e in records.enrollments_of(session, client.id):  # type: ignore[arg-type]
        project = session.get(HmisProject, e.project_id)
        name = project.name if project else "?"
        span = f"{e.entry_date} to {e.exit_date}" if e.exit_date else f"since {e.entry_date}"
        lines.append(f"#{e.id} {name}: {span}")
        lines.append(f"   prior living situation {label('3.917', e.living_situation)}; "
                     f"disabling condition {label('1.8', e.disabling_condition)}")
        if e.exit_date:
            lines.append(f"   exit destination {label('3.12', e.destination)}")
        stages = []
        for c in records.collections_of(session, e.id):  # type: ignore[arg-type]
            income = json.loads(c.income)
            lines.append(f"   {c.information_date} {STAGE_NAMES.get(c.stage, c.stage)}: income "
                         f"{label('1.8', c.income_from_any_source)}"
                         + (f" ({', '.join(f'{k} {v:.2f}' for k, v in income.items())})" if income else "")
                         + f"; benefits {label('1.8', c.benefits_from_any_source)}; insurance "
                         f"{label('1.8', c.insurance_from_any_source)}; DV {label('1.8', c.dv_survivor)}")
            stages.append({"stage": STAGE_NAMES.get(c.stage, c.stage), "date": c.information_date.isoformat()})
        enrollments.append({"id": e.id, "project": name, "entry_date": e.entry_date.isoformat(),
                            "exit_date": e.exit_date.isoformat() if e.exit_date else None,
                            "destination": e.destination, "stages": stages})
    if not enrollments:
        lines.append("No enrollments (caseterm hmis enroll CASE --project P --entry D)")
    return {"case_number": client.case_number, "lines": lines, "enrollments": enrollments}
