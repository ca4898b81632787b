"""The incremental due list (services.due_table.DueCache) and the stored one (the `due_item` table)
never drift from a full recomputation.

A property test (hypothesis): a small caseload in a real, migrated SQLite file;
random sequences of the edits the app makes (notes, appointments and their
status, hours, client flags and status, manual tasks, drafts, done / snooze /
dismiss, a new day), each followed by the refresh the app does on its
DataChanged (that client only, or the caseload-wide items only); after every
step the cached list equals `due.due_items` computed from scratch.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_app_flow import seeded  # noqa: F401 - the app's seeded caseload (fixture)

from caseterm import clock
from caseterm.messages import NO_CLIENT
from caseterm.models import Appointment, Client, HoursEntry, ManualTask, Note, NoteDraft, Referral, Release
from caseterm.services import due, due_table
from caseterm.policy import clear_cache, load_policy
from caseterm.store import open_store, session_scope
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)

DAY = dt.date(2026, 11, 2)  # a Monday: the caseload-print item is on
CLIENTS = 6


def _at(day_offset: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(DAY + dt.timedelta(days=day_offset), dt.time(hour))


@pytest.fixture
def template(engine: sa.Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated file with a small, varied caseload (copied for each example)."""
    monkeypatch.setenv("CASETERM_TODAY", DAY.isoformat())
    with session_scope(engine) as s:
        specs = [
            dict(program="TANF", status=ClientStatus.OPEN, plan_review_date=DAY - dt.timedelta(days=40)),
            dict(program="TANF", status=ClientStatus.NOT_INITIALIZED, referral_date=DAY - dt.timedelta(days=12)),
            dict(program="SNAP E&T", status=ClientStatus.OPEN, shelter_entry_date=DAY - dt.timedelta(days=20)),
            dict(program="TANF", status=ClientStatus.PENDED, dv_in_home=True),
            dict(program="Housing First", status=ClientStatus.OPEN, follow_up_days=30),
            dict(program="TANF", status=ClientStatus.CLOSED, follow_up_permission=True,
                 exit_date=DAY - dt.timedelta(days=25), follow_up_days=30),
        ]
        for n, spec in enumerate(specs, 1):
            c = Client(case_number=f"TA-{n}", legal_name=f"Client {n}", **spec)
            s.add(c)
            s.flush()
            s.add(Appointment(client_id=c.id, start=_at(-n, 9 + n), kind=AppointmentKind.FSSP,
                              status=AppointmentStatus.KEPT if n % 2 else AppointmentStatus.NO_SHOW))
            s.add(Release(client_id=c.id, party="DSS", signed_on=DAY - dt.timedelta(days=360 - n),
                          expires_on=DAY + dt.timedelta(days=5 * n)))
            if n % 3 == 0:
                s.add(Referral(client_id=c.id, agency="Food bank", referred_on=DAY - dt.timedelta(days=15)))
        s.add(ManualTask(title="Order forms", due=DAY - dt.timedelta(days=1)))
    engine.dispose()
    return db_path


# One edit: (kind, client index, a, b). Small integers chosen by hypothesis; what they mean depends on the kind.
EDITS = st.tuples(
    st.sampled_from([
        "note", "appointment", "appointment-status", "hours", "flag", "status", "task", "task-done",
        "draft", "done", "snooze", "dismiss", "next-day", "rename",
    ]),
    st.integers(0, CLIENTS - 1),
    st.integers(-12, 12),
    st.integers(0, 7),
)


def _client_ids(s) -> list[int]:  # noqa: ANN001
    return [row[0] for row in s.execute(sa.text("SELECT id FROM client ORDER BY id")).all()]


def _apply(s, edit: tuple[str, int, int, int], day: dt.date, items: list) -> tuple[int | None, str | None]:  # noqa: ANN001, C901
    """Make the edit; return what the app's DataChanged would name: (client id, case number)."""
    kind, who, a, b = edit
    cid = _client_ids(s)[who]
    if kind == "note":
        types = [NoteType.CONTACT, NoteType.ENGAGEMENT, NoteType.GOOD_CAUSE, NoteType.COLLATERAL, NoteType.LETTER]
        outcome = [ContactOutcome.REACHED, ContactOutcome.NO_ANSWER, None][b % 3]
        when = _at(min(a, 0), 8 + b)
        s.add(Note(uid=str(uuid.uuid4()), client_id=cid, contact_at=when, written_at=when, type=types[b % len(types)],
                   method=ContactMethod.PHONE, outcome=outcome, author="jdoe", text="Called."))
        return cid, None
    if kind == "appointment":
        kinds = [AppointmentKind.FSSP, AppointmentKind.HOME_VISIT, AppointmentKind.OTHER, AppointmentKind.INITIAL_INTERVIEW]
        status = [AppointmentStatus.SCHEDULED, AppointmentStatus.KEPT, AppointmentStatus.NO_SHOW][b % 3]
        if a > 0:
            status = AppointmentStatus.SCHEDULED
        s.add(Appointment(client_id=cid, start=_at(a, 9 + b), kind=kinds[b % len(kinds)], status=status,
                          place=Place.HOME if b == 5 else Place.OFFICE, reminder_called=b % 2 == 0))
        return cid, None
    if kind == "appointment-status":
        appts = s.execute(sa.select(Appointment).where(Appointment.client_id == cid).order_by(Appointment.id)).scalars().all()
        if appts:
            appt = appts[b % len(appts)]
            appt.status = [AppointmentStatus.KEPT, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED][a % 3]
            s.add(appt)
        return cid, None
    if kind == "hours":
        monday = DAY - dt.timedelta(days=DAY.weekday()) - dt.timedelta(weeks=abs(a) % 6 + 1)
        s.add(HoursEntry(client_id=cid, week=monday, activity=list(Activity)[b % len(Activity)], hours=float(5 * b)))
        return cid, None
    if kind == "flag":
        c = s.get(Client, cid)
        field = ["dv_in_home", "close_pending", "needs_childcare", "remote", "follow_up_permission"][b % 5]
        setattr(c, field, not getattr(c, field))
        s.add(c)
        return cid, None
    if kind == "status":
        c = s.get(Client, cid)
        c.status = [ClientStatus.OPEN, ClientStatus.PENDED, ClientStatus.CLOSED, ClientStatus.NOT_INITIALIZED][b % 4]
        c.exit_date = DAY - dt.timedelta(days=abs(a)) if c.status is ClientStatus.CLOSED else None
        s.add(c)
        return cid, None
    if kind == "task":
        mine = b % 2 == 0
        s.add(ManualTask(client_id=cid if mine else None, title=f"Task {a}", due=DAY + dt.timedelta(days=a), priority=1 + b % 3))
        return (cid, None) if mine else (None, NO_CLIENT)
    if kind == "task-done":
        tasks = s.execute(sa.select(ManualTask).order_by(ManualTask.id)).scalars().all()
        if not tasks:
            return None, NO_CLIENT
        task = tasks[b % len(tasks)]
        task.done = True
        s.add(task)
        return (task.client_id, None) if task.client_id is not None else (None, NO_CLIENT)
    if kind == "rename":  # a corrected case number: the items move with the client (kept by id)
        c = s.get(Client, cid)
        c.case_number = f"TA-{who + 1}-{b}" if c.case_number != f"TA-{who + 1}-{b}" else f"TA-{who + 1}"
        s.add(c)
        return cid, None
    if kind == "draft":
        s.add(NoteDraft(client_id=cid, fields_json='{"type": "contact"}', text="Half a note",
                        updated_at=_at(min(a, 0) - 1, 9)))
        return cid, None
    if kind in ("done", "snooze", "dismiss"):
        if not items:
            return None, NO_CLIENT
        item = items[(a * 8 + b) % len(items)]
        if kind == "done":
            due.mark_done(s, item.key)
        elif kind == "snooze":
            due.snooze(s, item.key, day + dt.timedelta(days=1 + b))
        else:
            due.dismiss(s, item.key, "not mine")
        return None, item.case_number or NO_CLIENT  # what the due sidebar posts
    raise AssertionError(kind)


def _shape(items: list) -> list[tuple]:
    return [(i, i.key, i.at, i.target) for i in items]


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples every run: never flaky
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(EDITS, min_size=1, max_size=10))
def test_the_incremental_due_list_equals_a_full_recomputation(template: Path, edits: list) -> None:
    path = template.with_name(f"example-{uuid.uuid4().hex}.db")
    shutil.copy(template, path)
    engine = open_store(f"sqlite:///{path}")
    cache = due_table.DueCache()
    day = DAY
    try:
        clock.pin(day)
        with session_scope(engine) as s:
            shown = cache.refresh(s, day)
        for edit in edits:
            if edit[0] == "next-day":
                day += dt.timedelta(days=1)
                clock.pin(day)
            else:
                with session_scope(engine) as s:
                    client_id, case_number = _apply(s, edit, day, shown)
                cache.invalidate(client_id, case_number)
            with session_scope(engine) as s:
                shown = cache.refresh(s, day)
                if edit[0] != "next-day":
                    assert cache.last_recomputed is not None  # the incremental path ran
            with session_scope(engine) as s:
                full = due.due_items(s, day)
            assert _shape(shown) == _shape(full), edit
    finally:
        clock.pin(None)
        engine.dispose()
        path.unlink(missing_ok=True)


def test_a_change_to_one_client_recomputes_that_client_only(template: Path) -> None:
    engine = open_store(f"sqlite:///{template}")
    cache = due_table.DueCache()
    clock.pin(DAY)
    try:
        with session_scope(engine) as s:
            before = cache.refresh(s, DAY)
            assert cache.last_recomputed is None  # the first refresh computes everything
            cid = _client_ids(s)[0]
            s.add(Note(uid=str(uuid.uuid4()), client_id=cid, contact_at=_at(0, 8), written_at=_at(0, 8),
                       type=NoteType.CASE_PLAN, method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED,
                       author="jdoe", text="Plan reviewed."))
        cache.invalidate(cid)
        with session_scope(engine) as s:
            after = cache.refresh(s, DAY)
            assert cache.last_recomputed == 1
            assert _shape(after) == _shape(due.due_items(s, DAY))
        cache.invalidate()  # nothing named: everything
        with session_scope(engine) as s:
            assert _shape(cache.refresh(s, DAY)) == _shape(after)
            assert cache.last_recomputed is None
        assert before  # the caseload has items at all
    finally:
        clock.pin(None)
        engine.dispose()


async def test_saving_a_note_in_the_app_recomputes_that_client_only(seeded) -> None:  # noqa: ANN001, F811
    """The note screen's DataChanged names its client: the app's due list
    recomputes that client (and the caseload-wide items), and shows the same
    list a full recomputation gives."""
    from test_app_flow import settle, until
    from test_note_entry import fill_contact

    from caseterm.app import CasetermApp
    from caseterm.screens.note import NoteScreen
    from caseterm.widgets.note_editor import NoteEditor

    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        cache = app.due_cache()
        assert cache.last_recomputed is None  # the start-up list: everything
        with session_scope(seeded) as s:
            case = s.execute(sa.text("SELECT case_number FROM client ORDER BY id LIMIT 1")).scalar()
        runs = cache.runs
        app.open_note(case)
        await until(pilot, lambda: isinstance(app.screen, NoteScreen) and app.screen.client_id is not None)
        editor = app.screen.query_one(NoteEditor)
        editor.set_text("")
        fill_contact(app.screen)
        editor.focus_text()
        await pilot.press(*"Called about the lease", "ctrl+s")
        await until(pilot, lambda: cache.runs > runs and not app.workers)
        await settle(pilot)
        assert cache.last_recomputed == 1
        with session_scope(seeded) as s:
            assert _shape(app.due_items) == _shape(due.due_items(s, clock.today()))


# ---------------------------------------------------------------------------
# The stored due list (issue 25): the `due_item` table
# ---------------------------------------------------------------------------

TABLE_EDITS = st.one_of(
    EDITS,
    st.tuples(st.just("policy"), st.integers(0, CLIENTS - 1), st.integers(-12, 12), st.integers(0, 7)),
)

#: Policy files the "policy" step switches between (each moves finish-note, draft and engagement items).
POLICIES = (
    "",
    "[notes]\nfinish_within_hours = 6\n",
    "[notes]\nfinish_within_hours = 72\n[engagement]\nattempts_required = 3\n",
)


def _marks(s) -> int:  # noqa: ANN001
    return s.execute(sa.text("SELECT count(*) FROM due_stale")).scalar_one()


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.slow
@given(edits=st.lists(TABLE_EDITS, min_size=1, max_size=10))
def test_the_stored_due_list_equals_a_full_recomputation(template: Path, isolated_dirs: Path, edits: list) -> None:
    """After random edits (each in its own transaction, as the app and the CLI make them), a new day and
    a policy change, the list read from the table equals `due.due_items` computed from scratch; every
    write leaves no mark behind (its client's rows were stored in its own transaction), and a read of a
    current table recomputes nothing."""
    from caseterm import paths

    path = template.with_name(f"example-{uuid.uuid4().hex}.db")
    shutil.copy(template, path)
    engine = open_store(f"sqlite:///{path}")
    day = DAY
    override = paths.policy_override_path()
    override.parent.mkdir(parents=True, exist_ok=True)
    override.unlink(missing_ok=True)
    clear_cache()
    try:
        clock.pin(day)
        with session_scope(engine) as s:
            shown = due_table.stored_due_items(s, day)
        for edit in edits:
            if edit[0] == "next-day":
                day += dt.timedelta(days=1)
                clock.pin(day)
            elif edit[0] == "policy":
                override.write_text(POLICIES[edit[3] % len(POLICIES)])
                clear_cache()
            else:
                with session_scope(engine) as s:
                    _apply(s, edit, day, shown)
                with session_scope(engine) as s:
                    assert _marks(s) == 0, edit  # stored before the write committed
            with session_scope(engine) as s:
                shown = due_table.stored_due_items(s, day)
            with session_scope(engine) as s:
                assert due_table.bring_up_to_date(s, day, load_policy()) == 0  # current: nothing recomputed
                full = due.due_items(s, day)
            assert _shape(shown) == _shape(full), edit
    finally:
        clock.pin(None)
        override.unlink(missing_ok=True)
        clear_cache()
        engine.dispose()
        path.unlink(missing_ok=True)
