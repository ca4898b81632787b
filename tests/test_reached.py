"""One answer to "was the client reached?" (rules.common.client_reached and its
SQL twin services.due.reached_sql): a collateral contact (employer, landlord,
provider) or a letter never counts, in any rule."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from test_due_service import add_client, add_note, keys

from caseterm.models import Appointment, Client, HoursEntry
from caseterm.rules.common import client_reached
from caseterm.rules.snapshot import NoteSnap, is_reached
from caseterm.services.caseload import caseload_rows
from caseterm.services.due import reached_sql
from caseterm.store import session_scope
from caseterm.vocabulary import Activity, AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType

AT = dt.datetime(2026, 11, 3, 9)


@pytest.mark.parametrize(
    ("type_", "method", "outcome", "reached"),
    [
        (NoteType.CONTACT, ContactMethod.PHONE, ContactOutcome.REACHED, True),
        (NoteType.CONTACT, ContactMethod.PHONE, ContactOutcome.LEFT_MESSAGE, False),
        (NoteType.CONTACT, ContactMethod.OFFICE, None, True),                  # a bare contact note
        (NoteType.COLLATERAL, ContactMethod.PHONE, ContactOutcome.REACHED, False),  # the employer, not the client
        (NoteType.COLLATERAL, ContactMethod.PHONE, None, False),
        (NoteType.LETTER, ContactMethod.LETTER, ContactOutcome.REACHED, False),
        (NoteType.ENGAGEMENT, ContactMethod.LETTER, None, False),
        (NoteType.RE_ENGAGEMENT_STAFFING, ContactMethod.OFFICE, ContactOutcome.REACHED, True),  # the client came
        (NoteType.CASE_CONFERENCE, ContactMethod.OFFICE, None, False),
    ],
)
def test_client_reached(type_, method, outcome, reached: bool) -> None:
    assert client_reached(NoteSnap(1, AT, type_, method, outcome)) is reached


def test_the_sql_and_the_python_agree_on_every_combination() -> None:
    db = sqlite3.connect(":memory:")
    query = f"SELECT {reached_sql()} FROM (SELECT ? AS type, ? AS method, ? AS outcome)"
    methods = [None, *ContactMethod]
    outcomes = [None, *ContactOutcome]
    for type_, method, outcome in itertools.product(NoteType, methods, outcomes):
        params = (type_.value, method.value if method else None, outcome.value if outcome else None)
        (got,) = db.execute(query, params).fetchone()
        assert bool(got) is is_reached(type_, method, outcome), (type_, method, outcome)


MON = dt.date(2026, 11, 2)


def test_a_call_to_the_employer_does_not_clear_a_participation_debrief(engine: Engine) -> None:
    """The issue's case: a call to the employer cleared the debrief of a 24-hour week."""
    with session_scope(engine) as s:
        c = add_client(s, initial_contact_date=dt.date(2026, 1, 5))
        s.add(HoursEntry(client_id=c.id, week=dt.date(2026, 10, 26), activity=Activity.EMPLOYMENT, hours=24))
        add_note(s, c, dt.datetime(2026, 11, 2, 9), NoteType.COLLATERAL, ContactMethod.PHONE, ContactOutcome.REACHED)
    assert keys(engine, MON, "participation") == ["participation|TA-1|2026-10-26"]
    with session_scope(engine) as s:
        c = s.execute(sa.select(Client)).scalar_one()
        add_note(s, c, dt.datetime(2026, 11, 2, 10), NoteType.CONTACT, ContactMethod.PHONE, ContactOutcome.REACHED)
    assert keys(engine, MON, "participation") == []


def test_follow_up_and_the_caseload_count_from_the_client_not_the_landlord(engine: Engine) -> None:
    with session_scope(engine) as s:
        c = add_client(s, initial_contact_date=dt.date(2026, 9, 1))
        add_note(s, c, dt.datetime(2026, 10, 1, 9))                                            # the client
        add_note(s, c, dt.datetime(2026, 10, 30, 9), NoteType.COLLATERAL, ContactMethod.PHONE)  # the landlord
    assert keys(engine, MON, "follow-up") == ["follow-up|TA-1|since-2026-10-01"]
    with session_scope(engine) as s:
        (row,) = caseload_rows(s, MON)
    assert row.last_contact == dt.date(2026, 10, 1)


def test_a_collateral_contact_does_not_end_an_engagement_episode(engine: Engine) -> None:
    with session_scope(engine) as s:
        c = add_client(s)
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 10, 30, 10), kind=AppointmentKind.FSSP,
                          status=AppointmentStatus.NO_SHOW))
        add_note(s, c, dt.datetime(2026, 10, 30, 15), NoteType.COLLATERAL, ContactMethod.PHONE, ContactOutcome.REACHED)
    # no attempt to reach the client yet: the no-show still asks for one
    assert keys(engine, MON, "missed-activity") != [] and keys(engine, MON, "engagement") != []
