"""New clients get an HMIS enrollment in the agency's default project (docs/hmis.md), and the hmis-exit
rule sees every closed case, not only the clients still worked on (real imports into real databases)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlmodel import select

from caseterm import clock
from caseterm.hmis import records
from caseterm.hmis.models import HmisEnrollment, HmisProject
from caseterm.models import Client
from caseterm.services import demo, due, interchange
from caseterm.store import session_scope

TODAY = dt.date(2026, 12, 7)
SAMPLE = Path(__file__).parent / "data" / "sample.json"


def _client(case: str, program: str, **fields: object) -> dict:
    base = json.loads(SAMPLE.read_text())["clients"][0]
    return base | {"case_number": case, "legal_name": f"Test {case}", "preferred_name": None, "program": program,
                   "plan_review_date": None} | fields


def _import(engine, tmp_path: Path, clients: list[dict], name: str = "new.json") -> str:  # noqa: ANN001
    path = tmp_path / name
    path.write_text(json.dumps({"format": "caseterm/1", "clients": clients}))
    with session_scope(engine) as s:
        return interchange.import_path(s, path).summary()


def _enrollments(engine, case: str) -> list[tuple[str, dt.date, dt.date | None, int | None]]:  # noqa: ANN001
    with session_scope(engine) as s:
        client = s.exec(select(Client).where(Client.case_number == case)).one()
        return [(s.get(HmisProject, e.project_id).name, e.entry_date, e.exit_date, e.destination)  # type: ignore[union-attr]
                for e in records.enrollments_of(s, client.id)]  # type: ignore[arg-type]


def test_imported_clients_are_enrolled_and_a_closed_one_is_asked_for_its_destination(engine, tmp_path: Path) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    summary = _import(engine, tmp_path, [
        _client("NEW-1", "TANF", referral_date="2026-10-01", initial_contact_date="2026-10-03"),
        _client("NEW-2", "TANF", status="closed", referral_date="2026-06-01", exit_date="2026-11-20",
                exit_reason="left_without_notice"),
        _client("NEW-3", "TANF", status="closed", referral_date="2026-07-01", exit_date="2026-11-25",
                exit_reason="housed"),
    ])
    assert "3 new clients enrolled in the default HMIS project" in summary, summary
    # a fresh database: the program's project made as the upgrade makes it, from the earliest entry
    assert _enrollments(engine, "NEW-1") == [("TANF", dt.date(2026, 10, 1), None, None)]
    assert _enrollments(engine, "NEW-2") == [("TANF", dt.date(2026, 6, 1), dt.date(2026, 11, 20), 30)]
    assert _enrollments(engine, "NEW-3") == [("TANF", dt.date(2026, 7, 1), dt.date(2026, 11, 25), None)]
    with session_scope(engine) as s:
        (project,) = records.projects(s)
        assert (project.operating_start, project.continuum_project, project.project_type) == (dt.date(2026, 6, 1), False, 6)
        # NEW-3 is closed, not pending, no follow-up permission: not worked on, still owed a destination
        exits = [i for i in due.due_items(s, TODAY) if i.rule == "hmis-exit"]
        assert [i.case_number for i in exits] == ["NEW-3"], [(i.case_number, i.title) for i in exits]
        # the incremental due list (one client) sees it too
        new3 = s.exec(select(Client).where(Client.case_number == "NEW-3")).one()
        assert [i.rule for i in due.due_items(s, TODAY, client_ids=[new3.id]) if i.rule == "hmis-exit"] == ["hmis-exit"]
        # not counted in the caseload (the snapshot's clients are the ones worked on)
        snap = due.load_snapshot(s, TODAY)
        assert "NEW-3" not in {c.case_number for c in snap.clients}
        # both closed clients exited within the missing-data look-back: the hmis-* rules see them
        assert {c.case_number for c in snap.hmis_only} == {"NEW-2", "NEW-3"}
        e = next(e for e in s.exec(select(HmisEnrollment)).all() if e.client_id == new3.id)
        records.exit_enrollment(s, e, e.exit_date, 410)  # type: ignore[arg-type]
    with session_scope(engine) as s:
        assert not [i for i in due.due_items(s, TODAY) if i.rule == "hmis-exit"]
    # importing the same clients again enrolls nobody twice
    assert "enrolled" not in _import(engine, tmp_path, [_client("NEW-1", "TANF", referral_date="2026-10-01")], "again.json")
    assert len(_enrollments(engine, "NEW-1")) == 1


def test_the_default_project_is_where_the_programs_clients_are(engine, tmp_path: Path) -> None:
    clock.pin(TODAY, dt.time(9, 0))
    with session_scope(engine) as s:
        demo.populate(s, TODAY)
        before = len(records.projects(s))
    _import(engine, tmp_path, [
        _client("NEW-HF", "Housing First", shelter_entry_date="2026-11-02"),
        _client("NEW-TA", "TANF"),  # no date on file: today
        _client("NEW-XY", "Youth Shelter", referral_date="2026-12-01"),
    ])
    assert _enrollments(engine, "NEW-HF") == [("Riverside Housing First PSH", dt.date(2026, 11, 2), None, None)]
    assert _enrollments(engine, "NEW-TA") == [("Employment Services (TANF, SNAP E&T)", TODAY, None, None)]
    # a program no project serves yet: its own non-HUD project, as the upgrade made them
    assert _enrollments(engine, "NEW-XY") == [("Youth Shelter", dt.date(2026, 12, 1), None, None)]
    with session_scope(engine) as s:
        assert len(records.projects(s)) == before + 1
        # the PSH is a HUD project: the new client's intake is asked for (the intake form clears it)
        missing = [i for i in due.due_items(s, TODAY) if i.rule == "hmis-missing-data" and i.case_number == "NEW-HF"]
        assert missing and missing[0].target["form"] == "intake"  # type: ignore[index]
