"""Two people editing one record of a client's file (issue 15): the second save is refused,
saying who changed it and when, and keeps what was typed; saving again replaces it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, Referral
from caseterm.services import records
from caseterm.services.clients import get_client
from caseterm.store import open_store, session_scope
from caseterm.widgets.record_form import RecordForm

NOW = dt.datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def client(engine) -> Client:  # noqa: ANN001
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example")
        s.add(c)
        s.flush()
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 11, 5, 9, 0), minutes=60))
        return c


async def settle(app, pilot) -> None:  # noqa: ANN001
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_changed_appointment_is_not_overwritten_and_the_typed_values_stay(engine, client) -> None:  # noqa: ANN001
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        app.open_client("C100", "appointments")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        # Meanwhile someone else (another window, a covering worker) moves the appointment.
        with session_scope(engine) as s:
            appt = s.exec(select(Appointment)).one()
            appt.minutes = 30
            appt.changed_by, appt.changed_at = "bo", dt.datetime(2026, 11, 2, 9, 55)
            s.add(appt)
        form.query_one("#field-minutes").value = "90"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        said = str(form.query_one("#form-errors").render())
        assert "bo changed this appointment at 09:55 on Nov 02, after you opened it" in said
        assert form.query_one("#field-minutes").value == "90"
        with session_scope(engine) as s:
            assert s.exec(select(Appointment)).one().minutes == 30
        # Seen it: saving again replaces it, stamped with who saved it.
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
    with session_scope(engine) as s:
        appt = s.exec(select(Appointment)).one()
        assert (appt.minutes, appt.changed_at) == (90, NOW)
        assert appt.changed_by  # the solo user (settings, else the OS login)


def test_the_check_passes_when_nothing_changed_and_names_someone_when_unstamped(engine, client) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        c = get_client(s, "C100")
        referral = records.save_referral(s, c, {"agency": "Food bank", "referred_on": "2026-11-01"})
        opened = records.stamp_of(referral)
        records.check_unchanged(s, "referral", referral.id, opened)  # nothing changed: no complaint
        rid = referral.id
    with session_scope(engine) as s:
        s.exec(select(Referral)).one().outcome = "linked"
    with pytest.raises(BadInput, match="someone changed this referral, after you opened it"), session_scope(engine) as s:
        records.check_unchanged(s, "referral", rid, opened)
    with session_scope(engine) as s:
        records.check_unchanged(s, "referral", rid, opened)  # the second save goes through


def test_on_the_server_the_check_names_the_other_login(pg_cluster, pg_migrated_url: str) -> None:  # noqa: ANN001
    """Two logins edit one appointment on PostgreSQL: the loser is told the winner's login."""
    from caseterm.services import workers
    from caseterm.vocabulary import WorkerRole

    clock.pin(NOW.date(), NOW.time())
    owner = open_store(pg_migrated_url)
    with session_scope(owner) as s:
        workers.team_init(s)
        for login in ("t_vic", "t_wes"):
            workers.add_worker(s, login, name=login, role=WorkerRole.ADMIN)
            workers.ensure_login_role(s, login, WorkerRole.ADMIN, None)
        c = Client(case_number="C100", legal_name="Katherine Example")
        s.add(c)
        s.flush()
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 11, 5, 9, 0)))
    database = pg_migrated_url.split("/")[3].split("?")[0]
    vic, wes = (open_store(pg_cluster.url(database, user=u)) for u in ("t_vic", "t_wes"))
    with session_scope(vic) as s:
        appt_id = s.exec(select(Appointment)).one().id
        opened = records.stamp_of(records.get_record(s, get_client(s, "C100"), "appointment", appt_id))
    with session_scope(wes) as s:
        c = get_client(s, "C100")
        records.mark_changed(s, records.save_appointment(
            s, c, {"start": "2026-11-05 10:00", "minutes": "45", "kind": "fssp", "place": "office"}, appt_id))
    with pytest.raises(BadInput, match="t_wes changed this appointment at 10:00 on Nov 02"), session_scope(vic) as s:
        records.check_unchanged(s, "appointment", appt_id, opened)
    for engine in (vic, wes, owner):
        engine.dispose()


async def test_a_goal_changed_since_its_form_opened_is_not_overwritten(engine, client) -> None:  # noqa: ANN001
    """The case plan's forms check too (their tables carry no stamp: the message says "someone")."""
    from caseterm.models import Goal
    from caseterm.services import plans

    with session_scope(engine) as s:
        plans.save_goal(s, get_client(s, "C100"), {"text": "Stable housing by spring"})
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        app.open_client("C100", "plan")
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        with session_scope(engine) as s:
            goal = s.exec(select(Goal)).one()
            goal.text = "Stable housing by summer"
            s.add(goal)
        form.query_one("#field-text").value = "Stable housing and a job"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert any("someone changed this goal" in n.message for n in app.notice_log)
        assert form.query_one("#field-text").value == "Stable housing and a job"  # what was typed stays
        with session_scope(engine) as s:
            assert s.exec(select(Goal)).one().text == "Stable housing by summer"
        await pilot.press("ctrl+s")  # again: replaces it
        await settle(app, pilot)
        assert app.screen is not form
    with session_scope(engine) as s:
        assert s.exec(select(Goal)).one().text == "Stable housing and a job"
