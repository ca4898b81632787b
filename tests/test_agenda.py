"""`caseterm agenda`: the day template, appointments in their blocks, the due list."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from caseterm.cli import cli
from caseterm.models import Appointment, Client
from caseterm.vocabulary import AppointmentKind
from caseterm.policy import BlockKind
from caseterm.services.agenda import build_agenda
from caseterm.services.demo import populate
from caseterm.store import session_scope

MON = dt.date(2026, 11, 2)


@pytest.fixture
def engine(any_engine):
    """Every test here that takes `engine` runs on SQLite and on PostgreSQL (tests/pg_support.py)."""
    return any_engine


def add_appointment(engine: Engine, start: dt.datetime, kind: AppointmentKind = AppointmentKind.FSSP) -> None:
    with session_scope(engine) as s:
        c = s.execute(sa.select(Client).where(Client.case_number == "TA-1")).scalar_one_or_none()
        if c is None:
            c = Client(case_number="TA-1", legal_name="Maria Lopez")
            s.add(c)
            s.flush()
        s.add(Appointment(client_id=c.id, start=start, kind=kind))


def test_appointments_are_placed_in_their_blocks(engine: Engine) -> None:
    add_appointment(engine, dt.datetime(2026, 11, 17, 8, 30))
    add_appointment(engine, dt.datetime(2026, 11, 17, 10, 45))
    add_appointment(engine, dt.datetime(2026, 11, 17, 17, 0))      # after the template's last block
    with session_scope(engine) as s:
        agenda = build_agenda(s, dt.date(2026, 11, 17))
    by_start = {b.start.strftime("%H:%M"): [a.start.strftime("%H:%M") for a in b.appointments] for b in agenda.blocks}
    assert by_start["08:30"] == ["08:30"] and by_start["10:00"] == ["10:45"]
    assert [a.start.strftime("%H:%M") for a in agenda.loose_appointments] == ["17:00"]
    assert len(agenda.appointments) == 3
    assert [b.kind for b in agenda.blocks][:5] == [BlockKind.MORNING, BlockKind.INTERVIEW, BlockKind.INTERVIEW, BlockKind.NOTES, BlockKind.LUNCH]


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (dt.date(2026, 11, 2), BlockKind.WORK_VERIFICATION),
        (dt.date(2026, 11, 10), BlockKind.WORK_VERIFICATION),
        (dt.date(2026, 11, 12), None),
        (dt.date(2026, 11, 23), BlockKind.CHILDCARE),
        (dt.date(2026, 11, 30), BlockKind.CHILDCARE),
        (dt.date(2026, 11, 26), None),     # Thanksgiving: not a business day
        (dt.date(2026, 11, 7), None),      # Saturday
    ],
)
def test_month_phase_block(engine: Engine, day: dt.date, phase: BlockKind | None) -> None:
    with session_scope(engine) as s:
        agenda = build_agenda(s, day)
    kinds = [b.kind for b in agenda.blocks]
    phases = [k for k in kinds if k in (BlockKind.WORK_VERIFICATION, BlockKind.CHILDCARE)]
    assert phases == ([phase] if phase else [])
    if phase:
        block = next(b for b in agenda.blocks if b.kind == phase)
        assert (block.start, block.end) == (dt.time(15), dt.time(16))
        assert kinds.count(BlockKind.INTERVIEW) == 3       # the 15:00 slot gave way


def test_not_a_business_day_is_said(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert "Thanksgiving" in build_agenda(s, dt.date(2026, 11, 26)).notes[0]
        assert "weekend" in build_agenda(s, dt.date(2026, 11, 7)).notes[0]


def test_json_shape(engine: Engine) -> None:
    with session_scope(engine) as s:
        populate(s, MON)
    with session_scope(engine) as s:
        data = build_agenda(s, MON).to_json()
    assert set(data) == {"date", "blocks", "appointments", "due"}
    assert data["date"] == "2026-11-02"
    for block in data["blocks"]:
        assert set(block) == {"start", "end", "kind", "title", "appointments"}
        for a in block["appointments"]:
            assert set(a) == {"case_number", "start", "minutes", "kind", "status"}
    assert {a["start"][11:] for a in data["appointments"]} >= {"08:30", "10:00", "13:30", "15:00"}
    with session_scope(engine) as s:
        agenda = build_agenda(s, MON)
    assert data["due"] == [i.to_json() for i in agenda.due]
    for item in data["due"]:
        assert set(item) == {"rule", "case_number", "title", "due", "overdue", "priority", "group", "source"}
        dt.date.fromisoformat(item["due"])
    groups = [item["group"] for item in data["due"]]
    order = ["morning routine", "today's interviews", "notes to finish", "deadlines"]
    assert groups == sorted(groups, key=order.index)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                          env={**os.environ}, timeout=120)


def test_cli_agenda_json_on_the_demo_shows_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    from caseterm.rules.engine import load_rules

    monkeypatch.setenv("CASETERM_NOW", "07:30")  # before the day's first appointment: its reminder call is listed
    result = run("--today", "2026-11-02", "--demo", "agenda", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {i["rule"] for i in data["due"]} == set(load_rules())
    assert data["date"] == "2026-11-02"


def test_cli_agenda_text_reads_as_a_day(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--today", "2026-11-02", "--db", str(db), "demo"]).exit_code == 0
    result = runner.invoke(cli, ["--today", "2026-11-02", "--db", str(db), "agenda"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Monday, November 2, 2026" in out
    for heading in ("Morning routine (", "Today's interviews (", "Notes to finish (", "Deadlines ("):
        assert heading in out
    assert out.index("Morning routine (") < out.index("Deadlines (")
    assert "OVERDUE" in out and "Work Activity Verification" in out
    other = runner.invoke(cli, ["--db", str(db), "agenda", "--date", "2026-11-03", "--json"])
    assert other.exit_code == 0 and json.loads(other.output)["date"] == "2026-11-03"


@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow"])
def test_bad_date_is_exit_2(tmp_path: Path, bad: str) -> None:
    result = run("--db", str(tmp_path / "x.db"), "agenda", "--date", bad)
    assert result.returncode == 2
    assert bad in result.stderr and "Traceback" not in result.stderr


def test_cli_agenda_json_lists_dv_home_visit_and_re_engagement(engine: Engine, db_path: Path) -> None:
    """On a database where they apply: a DV-flagged client's home visit, and a
    letter + call whose response window has run out (issue 12)."""
    from caseterm.models import Note
    from caseterm.vocabulary import AppointmentStatus, ContactMethod, ContactOutcome, NoteType, Place

    with session_scope(engine) as s:
        dana = Client(case_number="HF-1", legal_name="Dana Cruz", program="Housing First", dv_in_home=True,
                      initial_contact_date=dt.date(2026, 9, 1))
        priya = Client(case_number="SN-1", legal_name="Priya Patel", program="SNAP E&T",
                       initial_contact_date=dt.date(2026, 9, 1))
        s.add_all([dana, priya])
        s.flush()
        s.add(Appointment(client_id=dana.id, start=dt.datetime(2026, 12, 9, 11), kind=AppointmentKind.HOME_VISIT,
                          place=Place.HOME, uid="a1"))
        s.add(Appointment(client_id=priya.id, start=dt.datetime(2026, 11, 2, 10), kind=AppointmentKind.EA,
                          status=AppointmentStatus.NO_SHOW, uid="a2"))
        for n, (when, type_, method, outcome) in enumerate([
            (dt.datetime(2026, 11, 3, 11), NoteType.LETTER, ContactMethod.LETTER, None),
            (dt.datetime(2026, 11, 3, 16), NoteType.ENGAGEMENT, ContactMethod.PHONE, ContactOutcome.LEFT_MESSAGE),
        ]):
            s.add(Note(uid=f"n{n}", client_id=priya.id, contact_at=when, written_at=when, type=type_, method=method,
                       outcome=outcome, minutes=5, author="jdoe", text="Attempt."))
    engine.dispose()

    def due_on(day: str) -> dict[str, dict]:
        url = engine.url.render_as_string(hide_password=False)
        result = CliRunner().invoke(cli, ["--today", day, "--db", url, "agenda", "--json"])
        assert result.exit_code == 0, result.output
        return {i["rule"]: i for i in json.loads(result.output)["due"]}

    before = due_on("2026-11-09")   # the letter of Tue Nov 3 has not failed yet
    assert "re-engagement" not in before and "good-cause" not in before
    assert before["dv-home-visit"] == {
        "rule": "dv-home-visit", "case_number": "HF-1", "title": "Move Dana Cruz's home visit of Wed Dec 9 to the office",
        "due": "2026-11-09", "overdue": False, "priority": 1, "group": "morning routine", "source": "004",
    }
    after = due_on("2026-11-10")    # 5 business days later (policy): re-engagement
    assert after["re-engagement"]["case_number"] == "SN-1" and after["re-engagement"]["due"] == "2026-11-10"
    assert after["re-engagement"]["title"].startswith("Begin re-engagement: book the staffing for Priya Patel")
    assert after["re-engagement"]["source"] == "003" and after["re-engagement"]["group"] == "deadlines"
    assert "engagement" not in after and "dv-home-visit" in after
