"""Double bookings are said at booking (the user may go on) and marked on the schedule (issue 23.6)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from test_app_flow import TODAY, at, seeded, settle, until  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.services import appointments as appts
from caseterm.vocabulary import AppointmentStatus

S, K = AppointmentStatus.SCHEDULED, AppointmentStatus.KEPT


def test_overlaps_of_the_same_worker_s_scheduled_appointments() -> None:
    t = dt.datetime(2026, 12, 8, 8, 30)
    slots = [
        (1, t, 60, S, None),                              # 08:30-09:30
        (2, t, 60, S, None),                              # the same slot: a clash
        (3, t + dt.timedelta(minutes=60), 30, S, None),   # starts as 1 and 2 end: no clash
        (4, t + dt.timedelta(minutes=45), 30, K, None),   # overlaps, but kept already
        (5, t + dt.timedelta(minutes=15), 30, S, 7),      # another worker's
        (6, t + dt.timedelta(minutes=70), 10, S, None),   # inside 3
    ]
    assert appts.overlapping_ids(slots) == {1, 2, 3, 6}


async def test_booking_over_another_appointment_warns_and_the_schedule_marks_both(seeded: Engine) -> None:  # noqa: F811
    from caseterm.screens.client import ClientScreen
    from caseterm.screens.schedule import AppointmentItem
    from caseterm.widgets.record_form import RecordForm

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.open_client("TA-1004", "appointments")  # Lena: nothing booked today
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        form.query_one("#field-start").value = f"{TODAY:%Y-%m-%d} 08:45"  # Mari's FSSP is at 08:30
        form.query_one("#field-minutes").value = "30"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, RecordForm))
        await until(pilot, lambda: any("overlaps 08:30" in n.message for n in app.notice_log))
        warning = next(n for n in app.notice_log if "overlaps" in n.message)
        assert warning.severity == "warning" and "Mari" in warning.message
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ClientScreen))
        await pilot.press("2")
        await settle(pilot)
        marked = {item.row.case_number: "double-booked" in str(item.render()) for item in app.screen.query(AppointmentItem)}
        assert marked["TA-1004"] and marked["TA-1001"] and not marked["TA-1002"]
