"""The daily schedule: blocks, placing, outcomes with one key, day by day."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from test_app_flow import TODAY, at, screen_text, seeded, settle  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.models import Appointment
from caseterm.vocabulary import AppointmentStatus
from caseterm.services import appointments as appts
from caseterm.store import session_scope


def test_day_schedule_places_appointments_and_marks_the_current_block(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        schedule = appts.day_schedule(s, TODAY, at(9), due_items=[])
    kinds = [b.kind for b in schedule.blocks]
    assert kinds[0] == "morning" and "lunch" in kinds
    current = [b for b in schedule.blocks if b.current]
    assert len(current) == 1 and current[0].start == dt.time(8, 30)
    placed = {a.case_number: b.start for b in schedule.blocks for a in b.appointments}
    assert placed == {"TA-1001": dt.time(8, 30), "TA-1002": dt.time(10), "HF-2001": dt.time(13, 30)}
    assert schedule.note == "business day 1 of November"
    # Work Activity Verification takes its block on business days 1-10 (001).
    assert any(b.kind == "work_verification" for b in schedule.blocks)


def test_no_current_block_on_another_day_and_outside_hours(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        other = appts.day_schedule(s, TODAY + dt.timedelta(days=1), at(9), due_items=[])
        evening = appts.day_schedule(s, TODAY, at(18), due_items=[])
    assert not any(b.current for b in other.blocks)
    assert not any(b.current for b in evening.blocks)


def test_an_appointment_outside_the_template_still_shows(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        s.add(Appointment(client_id=1, start=at(17, 15), minutes=30))
    with session_scope(seeded) as s:
        schedule = appts.day_schedule(s, TODAY, at(9), due_items=[])
    assert schedule.blocks[-1].title == "Outside the day template"
    assert schedule.blocks[-1].appointments[0].start == at(17, 15)


def test_due_items_sit_beside_their_block(seeded: Engine) -> None:  # noqa: F811
    from caseterm.services.due import due_items

    with session_scope(seeded) as s:
        items = due_items(s, TODAY)
        schedule = appts.day_schedule(s, TODAY, at(9), due_items=items)
    by_kind = {b.kind: b for b in schedule.blocks}
    assert all(i.rule == "reminder-call" or i.group.name == "MORNING" for i in by_kind["morning"].due)
    assert sum(len(b.due) for b in schedule.blocks) == len(items)
    if any(i.rule == "work-verification" for i in items):
        assert any(i.rule == "work-verification" for i in by_kind["work_verification"].due)


def test_set_status_and_guards(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        rows = appts.list_for_day(s, TODAY)
        appts.set_status(s, rows[0].id, "no_show")
        with pytest.raises(BadInput, match="not one of"):
            appts.set_status(s, rows[0].id, "gone")
        later = appts.list_for_day(s, TODAY + dt.timedelta(days=2))[0]
        with pytest.raises(BadInput, match="before it happens"):
            appts.set_status(s, later.id, AppointmentStatus.KEPT)
        appts.set_status(s, later.id, AppointmentStatus.CANCELLED)  # cancelling ahead is fine
        with pytest.raises(BadInput, match="no such appointment"):
            appts.log_reminder_call(s, 9999)
    with session_scope(seeded) as s:
        assert appts.get_row(s, rows[0].id).status is AppointmentStatus.NO_SHOW


def test_reschedule_books_the_new_time(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        first = appts.list_for_day(s, TODAY)[0]
        new_start = appts.parse_new_start("+7", first.start, TODAY)
        new = appts.reschedule(s, first.id, new_start)
    with session_scope(seeded) as s:
        assert appts.get_row(s, first.id).status is AppointmentStatus.RESCHEDULED
        moved = appts.get_row(s, new.id)
        assert moved.start == first.start + dt.timedelta(days=7) and moved.kind == first.kind
        assert moved.status is AppointmentStatus.SCHEDULED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1", dt.datetime(2026, 11, 3, 8, 30)),
        ("2026-11-05 14:00", dt.datetime(2026, 11, 5, 14, 0)),
        ("2026-11-06", dt.datetime(2026, 11, 6, 8, 30)),
        ("15:00", dt.datetime(2026, 11, 2, 15, 0)),
    ],
)
def test_parse_new_start(text: str, expected: dt.datetime) -> None:
    assert appts.parse_new_start(text, dt.datetime(2026, 11, 2, 8, 30), TODAY) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-02-30", "25:00"])
def test_parse_new_start_rejects(text: str) -> None:
    with pytest.raises(BadInput):
        appts.parse_new_start(text, dt.datetime(2026, 11, 2, 8, 30), TODAY)


async def test_keys_mark_outcomes_and_move_days(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.schedule import AppointmentItem, ScheduleScreen
    from caseterm.widgets.prompts import TextPrompt

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScheduleScreen)
        # down: James's 10:00 EA, already called; l takes the call back.
        await pilot.press("down")
        assert app.focused.row.case_number == "TA-1002"  # type: ignore[union-attr]
        await pilot.press("l")
        await settle(pilot)
        assert any(i.rule == "reminder-call" and i.case_number == "TA-1002" for i in app.due_items)
        await pilot.press("l")  # asks how the call went
        await settle(pilot)
        await pilot.press("1")  # reached
        await settle(pilot)
        assert not any(i.rule == "reminder-call" and i.case_number == "TA-1002" for i in app.due_items)
        # x cancels; u puts it back.
        await pilot.press("x")
        await settle(pilot)
        assert app.focused.row.status is AppointmentStatus.CANCELLED  # type: ignore[union-attr]
        await pilot.press("u")
        await settle(pilot)
        assert app.focused.row.status is AppointmentStatus.SCHEDULED  # type: ignore[union-attr]
        # r asks for the new time; a bad one is refused in the dialog.
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"2026-02-30", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("ctrl+u", *"+1", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert app.focused.row.status is AppointmentStatus.RESCHEDULED  # type: ignore[union-attr]
        # ] goes to tomorrow, where the rescheduled EA now is; t comes back.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.day == TODAY + dt.timedelta(days=1)
        assert "not today" in screen_text(app)
        assert [i.row.case_number for i in screen.query(AppointmentItem)] == ["TA-1002"]
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert screen.day == TODAY - dt.timedelta(days=1)
        assert "weekend" in screen_text(app)
        await pilot.press("t")
        await settle(pilot)
        assert screen.day == TODAY


async def test_kept_appointment_asks_for_its_note(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.focused.row.case_number == "TA-1001"  # type: ignore[union-attr]
        await pilot.press("k")
        await settle(pilot)
        assert any(i.rule == "finish-note" and i.case_number == "TA-1001" for i in app.due_items)


def test_an_appointment_that_is_over_asks_for_its_outcome(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as s:
        at_nine = appts.day_schedule(s, TODAY, at(9), due_items=[])
        at_eleven = appts.day_schedule(s, TODAY, at(11), due_items=[])

    def unrecorded(schedule: appts.DaySchedule) -> set[str]:
        return {a.case_number for b in schedule.blocks for a in b.appointments if a.unrecorded}

    assert unrecorded(at_nine) == set()
    assert unrecorded(at_eleven) == {"TA-1001", "TA-1002"}
