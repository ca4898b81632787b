"""Once an appointment has begun, its reminder-call item goes (issue 23.7).

Rules have no clock time: the due service drops the item (`services.due.not_begun`),
with the time injected, for the app's due list and `caseterm agenda` alike.
Times are pinned; nothing waits on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from test_app_flow import settle, write_settings

from caseterm import clock
from caseterm.models import Appointment, Client
from caseterm.services import due
from caseterm.services.agenda import build_agenda
from caseterm.services.due_table import DueCache
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind

MON = dt.date(2026, 12, 7)
THREE = dt.datetime.combine(MON, dt.time(15, 0))


def _aisha(engine: Engine) -> None:
    """Aisha's initial interview at 15:00, no reminder call logged."""
    with session_scope(engine) as s:
        c = Client(case_number="TA-9", legal_name="Aisha Noor", program="TANF", initial_contact_date=MON)
        s.add(c)
        s.flush()
        s.add(Appointment(client_id=c.id, start=THREE, minutes=60, kind=AppointmentKind.INITIAL_INTERVIEW))


def _called(items: list) -> bool:
    return any(i.rule == "reminder-call" and i.case_number == "TA-9" for i in items)


@pytest.mark.parametrize(
    ("hhmm", "listed"),
    [("08:00", True), ("14:59", True), ("15:00", False), ("15:40", False)],
)
def test_the_reminder_goes_once_the_appointment_has_begun(engine: Engine, hhmm: str, listed: bool) -> None:
    _aisha(engine)
    h, m = (int(x) for x in hhmm.split(":"))
    now = dt.datetime.combine(MON, dt.time(h, m))
    clock.pin(MON, now.time())
    with session_scope(engine) as s:
        assert _called(due.due_items(s, MON, now=now)) is listed  # injected
        assert _called(due.due_items(s, MON)) is listed  # from the clock
        assert _called(list(build_agenda(s, MON).due)) is listed  # `caseterm agenda`
        assert _called(DueCache().refresh(s, MON)) is listed  # the app's due list (stored, issue 25)
    assert due.not_begun([], now) == []


def test_an_agenda_of_another_day_is_seen_from_its_morning(engine: Engine) -> None:
    _aisha(engine)
    clock.pin(MON - dt.timedelta(days=3), dt.time(16, 0))  # the Friday before, late
    with session_scope(engine) as s:
        assert _called(list(build_agenda(s, MON).due))


def test_cli_agenda_leaves_it_out_after_the_appointment_time(engine: Engine, db_path: Path) -> None:
    _aisha(engine)
    engine.dispose()

    def agenda(hhmm: str) -> list[dict]:
        env = {**os.environ, "CASETERM_TODAY": MON.isoformat(), "CASETERM_NOW": hhmm}
        done = subprocess.run([sys.executable, "-m", "caseterm", "--db", str(db_path), "agenda", "--json"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["due"]

    assert [i["rule"] for i in agenda("14:30") if i["case_number"] == "TA-9"].count("reminder-call") == 1
    assert "reminder-call" not in [i["rule"] for i in agenda("15:40") if i["case_number"] == "TA-9"]


async def test_the_sidebar_drops_it_at_the_next_refresh(engine: Engine) -> None:
    from caseterm.app import CasetermApp

    write_settings()
    _aisha(engine)
    clock.pin(MON, dt.time(14, 30))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert _called(app.due_items)
        clock.pin(MON, dt.time(15, 40))
        app.refresh_due()
        await settle(pilot)
        assert not _called(app.due_items)
