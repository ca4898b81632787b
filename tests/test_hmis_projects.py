"""Organization, projects and enrollments: migration 0007 moves existing clients onto enrollments;
`caseterm project` adds, lists and edits; bad codes are refused with the field named."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from caseterm import migrations_dir
from caseterm.store import HEAD_REVISION, make_engine, open_store, resolve_url, stored_revision

CLIENTS = [
    # case, program, referral, initial contact, first interview, shelter entry, exit date, exit reason
    ("TA-1", "TANF", "2026-03-02", "2026-03-05", "2026-03-10", None, None, None),
    ("HF-2", "Housing First", None, "2026-02-10", None, "2026-02-01", "2026-09-30", "housed"),
    ("TA-3", "TANF", None, None, None, None, "2026-05-01", "left_without_notice"),  # only a note dates it
    ("SN-4", "SNAP E&T", None, None, None, None, None, None),  # nothing dates it
]


def _old_database(tmp_path: Path) -> Path:
    from alembic import command
    from alembic.config import Config

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        for n, (case, program, ref, initial, first, shelter, exit_date, reason) in enumerate(CLIENTS, start=1):
            conn.execute(text(
                "INSERT INTO client (id, case_number, legal_name, program, status, close_pending, two_parent, "
                "needs_childcare, remote, dv_in_home, months_used, follow_up_permission, referral_date, "
                "initial_contact_date, first_interview_date, shelter_entry_date, exit_date, exit_reason) VALUES "
                "(:id, :case, 'Name', :program, 'open', 0, 0, 0, 0, 0, 0, 0, :ref, :initial, :first, :shelter, "
                ":exit_date, :reason)"),
                {"id": n, "case": case, "program": program, "ref": ref, "initial": initial, "first": first,
                 "shelter": shelter, "exit_date": exit_date, "reason": reason})
        conn.execute(text(
            "INSERT INTO note (uid, client_id, contact_at, written_at, type, author, text, late_entry) VALUES "
            "('n1', 3, '2026-04-20 10:00:00', '2026-04-20 10:30:00', 'contact', 'me', 'x', 0)"))
    engine.dispose()
    return db


def _enrollments(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT c.case_number, p.name, e.entry_date, e.exit_date, e.destination, e.exit_reason, "
            "p.continuum_project, p.project_type FROM hmis_enrollment e JOIN client c ON c.id = e.client_id "
            "JOIN hmis_project p ON p.id = e.project_id ORDER BY c.id"))]


def test_migration_moves_client_dates_onto_enrollments(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    db = _old_database(tmp_path)
    migrated = open_store(resolve_url(str(db)))
    assert stored_revision(migrated) == HEAD_REVISION
    expected = [
        ("TA-1", "TANF", "2026-03-02", None, None, None, 0, 6),
        ("HF-2", "Housing First", "2026-02-01", "2026-09-30", None, "housed", 0, 6),
        ("TA-3", "TANF", "2026-04-20", "2026-05-01", 30, "left_without_notice", 0, 6),
    ]
    assert _enrollments(migrated) == expected
    with migrated.connect() as conn:  # the client rows are untouched
        assert conn.execute(text("SELECT count(*) FROM client WHERE exit_date IS NOT NULL")).scalar_one() == 2
        assert conn.execute(text("SELECT name, victim_service_provider FROM hmis_organization")).all() == [("Our agency", 0)]
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with migrated.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
        command.upgrade(cfg, "head")
    assert _enrollments(migrated) == expected


def _run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db), "--today", "2026-12-06", *args],
                          capture_output=True, text=True)


@pytest.mark.slow
def test_project_commands(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert _run(db, "demo").returncode == 0
    listed = json.loads(_run(db, "project", "list", "--json").stdout)
    assert [(p["name"], p["project_type"], p["hud"]) for p in listed] == [
        ("Riverside Housing First PSH", 3, True), ("Employment Services (TANF, SNAP E&T)", 6, False)]
    added = _run(db, "project", "add", "--name", "Rapid Rehousing", "--type", "rrh", "--hud", "--start",
                 "2025-10-01", "--coc", "or-501", "--funder", "3", "--grant", "G-7")
    assert added.returncode == 0, added.stderr
    assert _run(db, "project", "edit", "rapid rehousing", "--end", "2027-09-30").returncode == 0
    row = json.loads(_run(db, "project", "list", "--json").stdout)[-1]
    assert row == {"id": 3, "name": "Rapid Rehousing", "project_type": 13, "hud": True, "operating_start": "2025-10-01",
                   "operating_end": "2027-09-30", "coc_code": "OR-501", "funder": 3, "grant_id": "G-7",
                   "residential_affiliation": None}
    for args, message in [
        (("add", "--name", "X", "--start", "2025-01-01", "--funder", "999"), "--funder: 999 is not in HUD list 2.06.1"),
        (("add", "--name", "X", "--start", "2025-01-01", "--coc", "Portland"), "--coc PORTLAND: a CoC code is"),
        (("add", "--name", "Rapid Rehousing", "--start", "2025-01-01"), "a project of that name exists"),
        (("edit", "Rapid Rehousing", "--end", "2020-01-01"), "before the operating start 2025-10-01"),
        (("edit", "nope", "--end", "2020-01-01"), "project nope: no such project"),
    ]:
        bad = _run(db, "project", *args)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)
    assert json.loads(_run(db, "project", "list", "--json").stdout)[-1] == row  # unchanged by the refusals


def test_demo_enrollments(tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from caseterm.hmis.models import HmisEnrollment, HmisProject
    from caseterm.models import Client
    from caseterm.services import demo

    engine = open_store(resolve_url(str(tmp_path / "d.db")))
    today = dt.date(2026, 12, 6)
    with Session(engine) as session:
        demo.populate(session, today)
        session.commit()
        clients = session.exec(select(Client)).all()
        enrollments = session.exec(select(HmisEnrollment)).all()
        by_client: dict[int, list[HmisEnrollment]] = {}
        for e in enrollments:
            by_client.setdefault(e.client_id, []).append(e)
        assert set(by_client) == {c.id for c in clients}
        assert max(len(v) for v in by_client.values()) == 2  # one client with an earlier stay
        for c in clients:
            current = max(by_client[c.id], key=lambda e: e.entry_date)
            project = session.get(HmisProject, current.project_id)
            assert (project.project_type == 3) == (c.program == "Housing First")
            if c.exit_date:
                assert current.exit_date == c.exit_date and current.destination == 435
