"""After a plan review (a kept FSSP, or its note saved) caseterm asks for the next
review date, prefilled from the policy's interval, and records it (issue 23.3).

Real store (SQLite file, migrations), real key presses in the app.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_app_flow import TODAY, at, seeded, settle  # noqa: F401 - fixture

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.models import Appointment, CasePlan, Client
from caseterm.services import appointments as appts
from caseterm.services import plans
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus

MARI = "TA-1001"  # her FSSP is today (Mon Nov 2) at 08:30; the clock is pinned at 09:00


def _give_mari_a_plan_due_today(engine: Engine) -> None:
    with session_scope(engine) as s:
        mari = s.exec(select(Client).where(Client.case_number == MARI)).one()
        mari.plan_review_date = TODAY  # "plan review due Nov 02" in her header
        s.add(mari)
        s.add(CasePlan(client_id=mari.id, reviewed_on=TODAY - dt.timedelta(days=40)))


def _mari(engine: Engine) -> tuple[dt.date | None, dt.date | None]:
    """(her next plan review date, her plan's last review)."""
    with session_scope(engine) as s:
        mari = s.exec(select(Client).where(Client.case_number == MARI)).one()
        plan = s.exec(select(CasePlan).where(CasePlan.client_id == mari.id)).one()
        return mari.plan_review_date, plan.reviewed_on


def _rules(app: CasetermApp) -> set[str]:
    return {i.rule for i in app.due_items or () if i.case_number == MARI}


async def test_marking_the_fssp_kept_asks_for_the_next_review_and_enter_accepts(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.schedule import ScheduleScreen
    from caseterm.widgets.prompts import TextPrompt

    _give_mari_a_plan_due_today(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert {"plan-date", "case-plan-review"} <= _rules(app)
        await pilot.press("2")
        await settle(pilot)
        assert app.focused.row.case_number == MARI  # type: ignore[union-attr]
        await pilot.press("k")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPrompt) and "Next plan review" in prompt.prompt_title
        # 30 days (policy case_plan.review_days) after Mon Nov 2 is Wed Dec 2, a business day
        assert prompt.initial_value == "2026-12-02"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleScreen)
        assert _mari(seeded) == (dt.date(2026, 12, 2), TODAY)
        assert not {"plan-date", "case-plan-review"} & _rules(app)


async def test_a_typed_date_and_a_bad_one(seeded: Engine) -> None:  # noqa: F811
    from caseterm.widgets.prompts import TextPrompt

    _give_mari_a_plan_due_today(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("ctrl+u", *"2026-10-01", "enter")  # in the past: refused in the dialog
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        assert "pick a date after today" in str(app.screen.query_one("#prompt-error").render())
        assert _mari(seeded)[0] == TODAY  # unchanged
        await pilot.press("ctrl+u", *"+14", "enter")
        await settle(pilot)
        assert _mari(seeded)[0] == dt.date(2026, 11, 16)


async def test_esc_leaves_the_date(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.schedule import ScheduleScreen
    from caseterm.widgets.prompts import TextPrompt

    _give_mari_a_plan_due_today(seeded)
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleScreen)
        assert _mari(seeded) == (TODAY, TODAY)  # the date stays; the plan was still reviewed


def _fssp(engine: Engine, status: AppointmentStatus, start: dt.datetime, plan_review: dt.date | None,
          kind: AppointmentKind = AppointmentKind.FSSP) -> int:
    with session_scope(engine) as s:
        c = Client(case_number="TA-77", legal_name="Ty Brown", program="TANF", plan_review_date=plan_review)
        s.add(c)
        s.flush()
        a = Appointment(client_id=c.id, start=start, minutes=60, kind=kind, status=status)
        s.add(a)
        s.flush()
        return a.id


@pytest.mark.parametrize(
    ("kind", "status", "start", "plan_review", "noted", "asks"),
    [
        (AppointmentKind.EA, AppointmentStatus.KEPT, at(8, 30), TODAY, True, False),  # not a plan review
        (AppointmentKind.CASE_PLAN_REVIEW, AppointmentStatus.KEPT, at(8, 30), TODAY, False, True),
        (AppointmentKind.FSSP, AppointmentStatus.KEPT, at(8, 30), TODAY, False, True),
        (AppointmentKind.FSSP, AppointmentStatus.KEPT, at(8, 30), None, False, True),
        (AppointmentKind.FSSP, AppointmentStatus.KEPT, at(8, 30), TODAY + dt.timedelta(days=20), False, False),  # a later date is recorded
        (AppointmentKind.FSSP, AppointmentStatus.SCHEDULED, at(8, 30), TODAY, False, False),  # not held yet
        (AppointmentKind.FSSP, AppointmentStatus.SCHEDULED, at(8, 30), TODAY, True, True),  # begun, and its note saved
        (AppointmentKind.FSSP, AppointmentStatus.SCHEDULED, at(10, 0), TODAY, True, False),  # a note before it begins: no
        (AppointmentKind.FSSP, AppointmentStatus.NO_SHOW, at(8, 30), TODAY, True, False),
    ],
)
def test_which_appointments_ask(seeded: Engine, kind, status, start, plan_review, noted, asks) -> None:  # noqa: F811
    appointment_id = _fssp(seeded, status, start, plan_review, kind)
    with session_scope(seeded) as s:
        held = plans.review_held(s, appointment_id, noted=noted)
    assert (held is not None) is asks
    if held:
        assert (held.case_number, held.held_on, held.suggested) == ("TA-77", TODAY, dt.date(2026, 12, 2))


def test_the_suggestion_moves_off_a_weekend_and_typed_dates_are_checked() -> None:
    # Sat Dec 12 - 30 days = Thu Nov 12: the suggestion counts as Fri Dec 11
    assert plans.next_review_suggestion(dt.date(2026, 11, 12)) == dt.date(2026, 12, 11)
    assert plans.parse_next_review(" +7 ", TODAY) == TODAY + dt.timedelta(days=7)
    for bad in ("", "tomorrow", "2026-11-02", "+0"):
        with pytest.raises(BadInput):
            plans.parse_next_review(bad, TODAY)


def test_a_kept_fssp_marks_the_plan_reviewed_but_makes_no_plan(seeded: Engine) -> None:  # noqa: F811
    appointment_id = _fssp(seeded, AppointmentStatus.SCHEDULED, at(8, 30), None)
    with session_scope(seeded) as s:
        appts.set_status(s, appointment_id, AppointmentStatus.KEPT)
    with session_scope(seeded) as s:
        assert s.exec(select(CasePlan)).all() == []  # a first plan is written, not implied


async def test_saving_the_fssp_note_asks_too(seeded: Engine) -> None:  # noqa: F811
    """The FSSP still "scheduled" at 09:00 (begun at 08:30): its note saved is the review held."""
    from textual.widgets import Select

    from caseterm.screens.note import NoteScreen
    from caseterm.widgets.prompts import TextPrompt

    _give_mari_a_plan_due_today(seeded)
    with session_scope(seeded) as s:
        fssp = s.exec(select(Appointment).where(Appointment.kind == AppointmentKind.FSSP)).one()
        fssp_id = fssp.id
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_note(MARI, appointment_id=fssp_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        screen.editor.set_text("Reviewed the FSSP goals with Mari; she starts the job search class Monday.")
        screen.query_one("#note-method", Select).value = "office"
        screen.query_one("#note-outcome", Select).value = "reached"
        screen.query_one("#note-minutes").value = "60"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt), app.screen
        assert app.screen.initial_value == "2026-12-02"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TextPrompt)
    assert _mari(seeded)[0] == dt.date(2026, 12, 2)
