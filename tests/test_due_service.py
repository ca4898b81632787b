"""The due service on a real SQLite file: snooze, dismiss, done, self-clearing items."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, HoursEntry, ManualTask, Note
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
)
from caseterm.services import due
from caseterm.store import session_scope

MON = dt.date(2026, 11, 2)
THU = dt.date(2026, 11, 5)


def add_client(session, case_number: str = "TA-1", **fields) -> Client:
    c = Client(case_number=case_number, legal_name="Maria Lopez", preferred_name="Mari", **fields)
    session.add(c)
    session.flush()
    return c


def add_note(session, c: Client, contact_at: dt.datetime, type_: NoteType = NoteType.CONTACT,
             method: ContactMethod = ContactMethod.OFFICE, outcome: ContactOutcome | None = ContactOutcome.REACHED) -> Note:
    n = Note(uid=str(uuid.uuid4()), client_id=c.id, contact_at=contact_at, written_at=contact_at, type=type_,
             method=method, outcome=outcome, author="jdoe", text="Met in the office.")
    session.add(n)
    session.flush()
    return n


def keys(engine: Engine, day: dt.date, rule: str | None = None) -> list[str]:
    with session_scope(engine) as s:
        return [i.key for i in due.due_items(s, day) if rule is None or i.rule == rule]


@pytest.fixture
def kept_fssp(engine: Engine) -> str:
    """A kept FSSP on Monday with no note: a finish-note item."""
    with session_scope(engine) as s:
        c = add_client(s)
        a = Appointment(client_id=c.id, start=dt.datetime(2026, 11, 2, 10), kind=AppointmentKind.FSSP,
                        status=AppointmentStatus.KEPT, reminder_called=True)
        s.add(a)
        s.flush()
        return f"finish-note|TA-1|appt{a.id}"


def test_snooze_hides_until_its_date(engine: Engine, kept_fssp: str) -> None:
    clock.pin(MON)
    assert kept_fssp in keys(engine, MON)
    with session_scope(engine) as s:
        due.snooze(s, kept_fssp, dt.date(2026, 11, 4))
    assert kept_fssp not in keys(engine, MON)
    assert kept_fssp not in keys(engine, dt.date(2026, 11, 3))   # the day before it returns
    assert kept_fssp in keys(engine, dt.date(2026, 11, 4))       # back on its date
    assert kept_fssp in keys(engine, dt.date(2026, 11, 5))


def test_snooze_must_be_a_later_date(engine: Engine, kept_fssp: str) -> None:
    clock.pin(MON)
    with session_scope(engine) as s, pytest.raises(BadInput, match="not after today"):
        due.snooze(s, kept_fssp, MON)


def test_dismiss_needs_a_reason_and_stays_gone_for_that_occurrence(engine: Engine, kept_fssp: str) -> None:
    clock.pin(MON)
    with session_scope(engine) as s:
        with pytest.raises(BadInput, match="reason is required"):
            due.dismiss(s, kept_fssp, "   ")
    with session_scope(engine) as s:
        due.dismiss(s, kept_fssp, "Note is in the paper file")
    assert kept_fssp not in keys(engine, dt.date(2026, 11, 20))
    # the next occurrence (another kept appointment) still shows
    with session_scope(engine) as s:
        c = s.execute(sa.select(Client)).scalar_one()
        b = Appointment(client_id=c.id, start=dt.datetime(2026, 11, 3, 10), kind=AppointmentKind.FSSP,
                        status=AppointmentStatus.KEPT)
        s.add(b)
        s.flush()
        other = f"finish-note|TA-1|appt{b.id}"
    assert keys(engine, dt.date(2026, 11, 4), "finish-note") == [other]


def test_a_snooze_after_a_dismissal_is_the_latest_decision(engine: Engine, kept_fssp: str) -> None:
    clock.pin(MON)
    with session_scope(engine) as s:
        due.dismiss(s, kept_fssp, "wrong client")
        due.snooze(s, kept_fssp, dt.date(2026, 11, 3))
    assert kept_fssp in keys(engine, dt.date(2026, 11, 3))


def test_finish_note_clears_when_the_note_is_written(engine: Engine, kept_fssp: str) -> None:
    assert kept_fssp in keys(engine, MON)
    with session_scope(engine) as s:
        c = s.execute(sa.select(Client)).scalar_one()
        add_note(s, c, dt.datetime(2026, 11, 2, 10, 5))
    assert keys(engine, MON, "finish-note") == []


def test_reminder_call_clears_when_the_call_is_logged(engine: Engine) -> None:
    clock.pin(MON, dt.time(8, 0))  # before the 08:30 appointment (once it has begun the item goes)
    with session_scope(engine) as s:
        c = add_client(s)
        a = Appointment(client_id=c.id, start=dt.datetime(2026, 11, 2, 8, 30), kind=AppointmentKind.EA)
        s.add(a)
        s.flush()
        appt_id = a.id
    assert keys(engine, MON, "reminder-call") == [f"reminder-call|TA-1|appt{appt_id}"]
    with session_scope(engine) as s:
        s.get(Appointment, appt_id).reminder_called = True
    assert keys(engine, MON, "reminder-call") == []


def test_work_verification_clears_when_hours_are_entered(engine: Engine) -> None:
    with session_scope(engine) as s:
        c = add_client(s, initial_contact_date=dt.date(2026, 1, 5))
        cid = c.id
    assert keys(engine, MON, "work-verification") == ["work-verification|TA-1|2026-10"]
    with session_scope(engine) as s:
        for week in (5, 12, 19, 26):
            s.add(HoursEntry(client_id=cid, week=dt.date(2026, 10, week), activity=Activity.EMPLOYMENT, hours=40))
    assert keys(engine, MON, "work-verification") == []


def test_engagement_episode_from_the_database(engine: Engine) -> None:
    with session_scope(engine) as s:
        c = add_client(s)
        add_note(s, c, dt.datetime(2026, 10, 1, 9))
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 10, 28, 10), kind=AppointmentKind.FSSP,
                          status=AppointmentStatus.NO_SHOW))
        add_note(s, c, dt.datetime(2026, 10, 29, 9), NoteType.LETTER, ContactMethod.LETTER, None)
        add_note(s, c, dt.datetime(2026, 10, 30, 9), NoteType.ENGAGEMENT, ContactMethod.PHONE, ContactOutcome.NO_ANSWER)
    with session_scope(engine) as s:
        # the letter of Thu Oct 29 has not failed yet: 5 business days pass on Thu Nov 5 (policy)
        assert {i.rule for i in due.due_items(s, MON)} & {"engagement", "re-engagement", "good-cause", "missed-activity"} == set()
        items = {i.rule: i for i in due.due_items(s, THU)}
    assert items["re-engagement"].title.startswith("Begin re-engagement: book the staffing")
    assert items["re-engagement"].due == THU and "engagement" not in items
    assert "good-cause" in items and "missed-activity" not in items
    with session_scope(engine) as s:
        c = s.execute(sa.select(Client)).scalar_one()
        # a call to the employer (collateral) does not reach the client: the episode goes on
        add_note(s, c, dt.datetime(2026, 11, 4, 10), NoteType.COLLATERAL, ContactMethod.PHONE, ContactOutcome.REACHED)
    assert keys(engine, THU, "re-engagement") == ["re-engagement|TA-1|reengage-2026-10-28"]
    assert keys(engine, THU, "good-cause") == ["good-cause|TA-1|reengage-2026-10-28"]
    with session_scope(engine) as s:
        c = s.execute(sa.select(Client)).scalar_one()
        add_note(s, c, dt.datetime(2026, 11, 4, 11), NoteType.GOOD_CAUSE, ContactMethod.OFFICE, ContactOutcome.REACHED)
    assert keys(engine, THU, "good-cause") == []
    assert keys(engine, THU, "re-engagement") == []


def test_manual_tasks(engine: Engine) -> None:
    clock.pin(MON)
    with session_scope(engine) as s:
        add_client(s)
        task = due.add_task(s, "Call the landlord", MON, 1, case_number="TA-1")
        due.add_task(s, "Staff meeting", MON + dt.timedelta(days=1), 2)
        task_id = task.id
    assert keys(engine, MON, "manual") == [f"manual|TA-1|task{task_id}"]
    with session_scope(engine) as s:
        due.mark_done(s, f"manual|TA-1|task{task_id}")
    with session_scope(engine) as s:
        assert s.get(ManualTask, task_id).done is True
    assert keys(engine, MON, "manual") == []
    assert keys(engine, MON + dt.timedelta(days=1), "manual") == ["manual|-|task2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", MON, 2), "a title is required"),
        (("x", MON, 4), "priority must be 1, 2 or 3"),
        (("x", MON, 2, "TA-404"), "no client with case number 'TA-404'"),
    ],
)
def test_add_task_rejects_bad_input(engine: Engine, args: tuple, message: str) -> None:
    with session_scope(engine) as s, pytest.raises(BadInput, match=message):
        due.add_task(s, *args)


def test_bad_item_key(engine: Engine) -> None:
    with session_scope(engine) as s, pytest.raises(BadInput, match="not a due-item key"):
        due.mark_done(s, "no-such-rule|TA-1|x")


def test_mark_done_hides_a_rule_item(engine: Engine, kept_fssp: str) -> None:
    with session_scope(engine) as s:
        due.mark_done(s, kept_fssp)
    assert kept_fssp not in keys(engine, MON)


def test_snapshot_skips_closed_clients_and_amendments(engine: Engine) -> None:
    with session_scope(engine) as s:
        open_c = add_client(s, "TA-1")
        add_client(s, "TA-2", status="closed")
        # a no-show in the window: the loader brings this client's notes (engagement rules)
        s.add(Appointment(client_id=open_c.id, start=dt.datetime(2026, 10, 19, 9), kind=AppointmentKind.FSSP,
                          status=AppointmentStatus.NO_SHOW))
        original = add_note(s, open_c, dt.datetime(2026, 10, 20, 9))
        amendment = Note(uid=str(uuid.uuid4()), client_id=open_c.id, contact_at=original.contact_at,
                         written_at=dt.datetime(2026, 10, 21, 9), type=NoteType.CONTACT, text="correction",
                         amends_id=original.id)
        s.add(amendment)
    with session_scope(engine) as s:
        snap = due.load_snapshot(s, MON)
    assert [c.case_number for c in snap.clients] == ["TA-1"]
    assert len(snap.clients[0].notes) == 1
    assert snap.clients[0].last_contact_at == dt.datetime(2026, 10, 20, 9)


def test_kept_appointments_know_whether_they_are_noted(engine: Engine) -> None:
    with session_scope(engine) as s:
        c = add_client(s)
        for day in (26, 27):
            s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 10, day, 10), kind=AppointmentKind.FSSP,
                              status=AppointmentStatus.KEPT))
        add_note(s, c, dt.datetime(2026, 10, 26, 23, 59))
    with session_scope(engine) as s:
        appts = due.load_snapshot(s, MON).clients[0].appointments
    assert [(a.day.day, a.noted) for a in appts] == [(26, True), (27, False)]
    assert keys(engine, MON, "finish-note") == [f"finish-note|TA-1|appt{appts[1].id}"]


@pytest.mark.slow
def test_ten_thousand_clients_load_quickly(engine: Engine, db_path) -> None:
    """10,000 clients x 25 notes (raw inserts), then the whole due list."""
    import random
    import sqlite3

    rng = random.Random(3)
    engine.dispose()
    con = sqlite3.connect(db_path)
    con.executemany(
        "INSERT INTO client (id, case_number, legal_name, program, status, close_pending, two_parent, needs_childcare,"
        " remote, dv_in_home, months_used, follow_up_permission, initial_contact_date) VALUES (?,?,?,?,?,0,0,0,0,0,0,0,?)",
        [(i, f"TA-{100000 + i}", f"Client {i}", "TANF", "open", "2026-01-05") for i in range(1, 10_001)],
    )
    # The note triggers run per row (the search indexes' inserts and note_no_replace's look-up:
    # 27 of this test's 33 s of CPU); for the bulk load they are set aside, the indexes rebuilt
    # whole, and the triggers put back, so the file ends as row-by-row inserts would leave it.
    triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'note' "
                           "AND name IN ('note_fts_insert', 'note_words_insert', 'note_no_replace')").fetchall()
    assert len(triggers) == 3
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {name}")
    con.executemany(
        "INSERT INTO note (uid, client_id, contact_at, written_at, type, method, outcome, author, text, late_entry)"
        " VALUES (?,?,?,?,'contact','office','reached','jdoe','Met.',0)",
        [(str(uuid.UUID(int=n)), 1 + n % 10_000, t, t) for n in range(250_000)
         for t in [(dt.datetime(2026, 11, 1, 10) - dt.timedelta(days=rng.randrange(400))).isoformat(sep=" ")]],
    )
    con.execute("INSERT INTO note_fts(note_fts) VALUES ('rebuild')")
    con.execute("INSERT INTO note_words(note_words) VALUES ('rebuild')")
    for _, sql in triggers:
        con.execute(sql)
    con.executemany(
        "INSERT INTO appointment (client_id, start, minutes, kind, place, status, reminder_called) VALUES (?,?,60,'fssp','office',?,0)",
        [(1 + n % 10_000, (dt.datetime(2026, 11, 2, 8, 30) + dt.timedelta(days=rng.randrange(-60, 30))).isoformat(sep=" "),
          rng.choice(["kept", "scheduled", "no_show"])) for n in range(30_000)],
    )
    con.commit()
    con.close()
    with session_scope(engine) as s:
        due.due_items(s, MON)  # warm up (imports, holiday tables)
    # Its speed is benchmarks/bench_due.py's to measure (no timed assertion here): what is
    # checked is the shape that makes it fast, a fixed number of statements whatever the size.
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(engine) as s:
            items = due.due_items(s, MON)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert items
    assert len(statements) <= 40, len(statements)


def test_every_future_home_visit_of_a_dv_client_is_loaded(engine: Engine) -> None:
    """dv-home-visit sees visits however far ahead (kind or place home), and only scheduled ones."""
    from caseterm.vocabulary import Place

    with session_scope(engine) as s:
        c = add_client(s, dv_in_home=True, program="Housing First")
        for n, (start, kind, place, status) in enumerate([
            (dt.datetime(2026, 11, 20, 11), AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.SCHEDULED),
            (dt.datetime(2027, 2, 1, 11), AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.SCHEDULED),  # 91 days ahead
            (dt.datetime(2027, 3, 1, 11), AppointmentKind.FSSP, Place.HOME, AppointmentStatus.SCHEDULED),        # place home
            (dt.datetime(2027, 4, 1, 11), AppointmentKind.HOME_VISIT, Place.HOME, AppointmentStatus.CANCELLED),
            (dt.datetime(2027, 5, 3, 11), AppointmentKind.FSSP, Place.OFFICE, AppointmentStatus.SCHEDULED),
        ]):
            s.add(Appointment(client_id=c.id, start=start, kind=kind, place=place, status=status, uid=f"u{n}"))
    with session_scope(engine) as s:
        titles = [i.title for i in due.due_items(s, MON) if i.rule == "dv-home-visit"]
    assert titles == [
        "Move Mari's home visit of Fri Nov 20 to the office",
        "Move Mari's home visit of Mon Feb 1 to the office",
        "Move Mari's FSSP at home of Mon Mar 1 to the office",
    ]
