"""Words and labels (issue 23.7): codes never reach the screen; a message left is not a call that reached."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_app_flow import TODAY, at, screen_text, seeded, settle  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.models import Appointment
from caseterm.services import appointments as appts
from caseterm.store import session_scope
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    ContactMethod,
    ContactOutcome,
    NoteType,
    VerifiedBy,
    WorkerRole,
    label,
)


@pytest.mark.parametrize(
    "code, words",
    [("fssp", "FSSP"), ("ea", "EA"), ("vi_spdat", "VI-SPDAT"), ("spdat", "SPDAT"),
     ("re_engagement_staffing", "re-engagement staffing"), ("no_show", "no show"), ("left_message", "left message")],
)
def test_display_names_come_from_the_vocabulary(code: str, words: str) -> None:
    assert label(code) == words


def test_no_code_of_any_closed_set_reads_as_a_code() -> None:
    """Every member of every vocabulary the screens show has words without an underscore."""
    for enum in (AppointmentKind, AppointmentStatus, AssessmentKind, ContactMethod, ContactOutcome, NoteType,
                 Activity, VerifiedBy, WorkerRole):
        for member in enum:
            words = label(member)
            assert "_" not in words and words, (enum.__name__, member)


def test_the_appointment_kinds_in_sentences() -> None:
    from caseterm.rules.common import kind_label

    assert kind_label("fssp") == "FSSP" and kind_label("other") == "appointment"
    assert kind_label("re_engagement_staffing") == "re-engagement staffing"


async def test_a_message_left_is_not_a_tick(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.schedule import AppointmentItem

    with session_scope(seeded) as s:
        appt = s.exec(select(Appointment).where(Appointment.start == at(8, 30))).one()
        appts.log_reminder_call(s, appt.id, outcome=ContactOutcome.LEFT_MESSAGE)
        other = s.exec(select(Appointment).where(Appointment.start == at(13, 30))).one()
        appts.log_reminder_call(s, other.id, outcome=ContactOutcome.REACHED)
        left_id, reached_id = appt.id, other.id
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        items = {item.row.id: str(item.render()) for item in app.screen.query(AppointmentItem)}
        assert "called: left message" in items[left_id] and "✓" not in items[left_id]
        assert "✓ called: reached" in items[reached_id]
        assert "left message" in screen_text(app)
