"""SVG snapshots of the client file and note entry, date and time pinned.

Update after an intended change with `pytest tests/test_snapshots_client.py --snapshot-update`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from test_app_flow import until

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.config import load_settings
from caseterm.models import Appointment, CasePlan, Client, Goal, HoursEntry, Objective, PlanTask
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Responsible,
)
from caseterm.paths import settings_path
from caseterm.services import notes as notes_service
from caseterm.store import session_scope

NOW = dt.datetime(2026, 11, 2, 10, 0)
SIZE = (150, 44)


@pytest.fixture
def file(engine, monkeypatch):
    """One client with a bit of everything, and a fixed author."""
    monkeypatch.setenv("CASETERM_TODAY", "2026-11-02")
    monkeypatch.setenv("CASETERM_NOW", "10:00")
    clock.pin(NOW.date(), NOW.time())
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('user = "jdoe"\n', encoding="utf-8")
    load_settings.cache_clear()
    with session_scope(engine) as s:
        c = Client(
            case_number="K77", legal_name="Katherine Example", preferred_name="Kate", program="TANF",
            status=ClientStatus.OPEN, phone="555-0100", contact_preference="text after 3 pm",
            exempt_hours=20, remote=True, months_used=14,
            referral_date=dt.date(2026, 6, 1), initial_contact_date=dt.date(2026, 6, 3),
            first_interview_date=dt.date(2026, 6, 10),
        )
        s.add(c)
        s.flush()
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 11, 4, 9, 0), kind=AppointmentKind.FSSP))
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 10, 28, 13, 30), kind=AppointmentKind.DEBRIEFING, status=AppointmentStatus.NO_SHOW))
        plan = CasePlan(client_id=c.id, reviewed_on=dt.date(2026, 10, 20), signed_on=dt.date(2026, 10, 20))
        s.add(plan)
        s.flush()
        goal = Goal(plan_id=plan.id, text="Keep stable housing")
        s.add(goal)
        s.flush()
        obj = Objective(goal_id=goal.id, text="Pay rent on time each month through March")
        s.add(obj)
        s.flush()
        s.add(PlanTask(objective_id=obj.id, title="Set up automatic rent payment", responsible=Responsible.CLIENT, target_date=dt.date(2026, 11, 15)))
        for week, hours in ((dt.date(2026, 10, 26), 12.0), (dt.date(2026, 10, 19), 22.0)):
            s.add(HoursEntry(client_id=c.id, week=week, activity=Activity.WORK_SEARCH, hours=hours))
        author = "jdoe"
        first = notes_service.add_note(
            s, c, type=NoteType.CONTACT, author=author, contact_at=dt.datetime(2026, 10, 27, 9, 0),
            written_at=dt.datetime(2026, 10, 27, 11, 0), method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED,
            minutes=45, text="D: Client reports three children in the household.\nA: Engaged.\nP: FSSP review on 11/4.",
        )
        notes_service.amend_note(s, first, author=author, written_at=dt.datetime(2026, 10, 28, 8, 0), reason="two children, not three",
                                 text="D: Client reports two children in the household.\nA: Engaged.\nP: FSSP review on 11/4.")
        notes_service.add_note(
            s, c, type=NoteType.ENGAGEMENT, author=author, contact_at=dt.datetime(2026, 10, 28, 14, 0),
            written_at=dt.datetime(2026, 10, 30, 16, 0), method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=5,
            text="Missed debriefing: called, no answer.",
        )
        notes_service.add_note(
            s, c, type=NoteType.LETTER, author=author, contact_at=dt.datetime(2026, 10, 29, 10, 0),
            written_at=dt.datetime(2026, 10, 29, 10, 5), method=ContactMethod.LETTER,
            text="Engagement letter mailed (remote client).",
        )
    yield engine
    load_settings.cache_clear()


async def _settle(pilot) -> None:
    """The same wait as every snapshot: workers, the start-up store check, the due list, a few frames."""
    from test_app_flow import settle

    await settle(pilot)


async def _note_shown(pilot) -> None:
    """The note form is the screen and has its editor before the settle (which holds the cursor drawn)."""
    from caseterm.screens.note import NoteScreen
    from caseterm.widgets.note_editor import NoteEditor

    await until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen) and pilot.app.screen.query_one(NoteEditor).is_mounted)
    await _settle(pilot)


def test_client_screen_snapshot(file, snap_compare):
    async def open_file(pilot) -> None:
        await _settle(pilot)
        pilot.app.open_client("K77")
        await _settle(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=SIZE, run_before=open_file)


def test_client_hours_snapshot(file, snap_compare):
    async def open_file(pilot) -> None:
        await _settle(pilot)
        pilot.app.open_client("K77", "hours")
        await _settle(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=SIZE, run_before=open_file)


def test_note_entry_snapshot(file, snap_compare):
    async def open_note(pilot) -> None:
        await _settle(pilot)
        pilot.app.open_note("K77")
        await _note_shown(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=SIZE, run_before=open_note)


def test_good_cause_note_snapshot(file, snap_compare):
    async def open_note(pilot) -> None:
        await _settle(pilot)
        pilot.app.open_note("K77", due_item_key="good-cause|K77|x")
        await _note_shown(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=SIZE, run_before=open_note)


def test_search_snapshot(file, snap_compare):
    async def search(pilot) -> None:
        from caseterm.screens.search import SearchScreen

        await _settle(pilot)
        pilot.app.push_screen(SearchScreen("children household"))
        await until(pilot, lambda: pilot.app.screen.query_one("#search-results").option_count > 0)
        await _settle(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=SIZE, run_before=search)
