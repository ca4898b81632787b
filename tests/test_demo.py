"""The demo caseload: realistic, deterministic, and every rule id fires."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from caseterm.models import Appointment, Client, Note
from caseterm.rules.engine import load_rules
from caseterm.services import demo
from caseterm.services.due import due_items
from caseterm.store import session_scope


def fired(engine: Engine, day: dt.date) -> set[str]:
    with session_scope(engine) as s:
        return {i.rule for i in due_items(s, day)}


def test_is_empty_then_populated(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert demo.is_empty(s)
        demo.populate(s, dt.date(2026, 11, 2))
    with session_scope(engine) as s:
        assert not demo.is_empty(s)
        clients = s.execute(sa.select(Client)).scalars().all()
        assert 35 <= len(clients) <= 45
        assert {c.program for c in clients} == {"TANF", "SNAP E&T", "Housing First"}
        assert all(c.case_number[:3] in ("TA-", "SN-", "HF-") for c in clients)
        notes = s.execute(sa.select(Note)).scalars().all()
        assert len(notes) > 100 and all(n.uid and n.written_at >= n.contact_at for n in notes)
        today = s.execute(sa.select(Appointment).where(Appointment.start >= dt.datetime(2026, 11, 2),
                                                       Appointment.start < dt.datetime(2026, 11, 3))).scalars().all()
        assert {a.start.strftime("%H:%M") for a in today} >= {"08:30", "10:00", "13:30", "15:00"}


@pytest.mark.parametrize(
    "monday",
    [dt.date(2026, 11, 2), dt.date(2026, 11, 16), dt.date(2026, 11, 30), dt.date(2027, 3, 1), dt.date(2027, 5, 24)],
)
def test_every_rule_fires_on_a_monday(engine: Engine, monday: dt.date) -> None:
    with session_scope(engine) as s:
        demo.populate(s, monday)
    assert fired(engine, monday) == set(load_rules())


@pytest.mark.parametrize(
    ("day", "cannot"),
    [
        (dt.date(2026, 11, 4), set()),                 # midweek
        (dt.date(2026, 11, 26), set()),                # Thanksgiving
        (dt.date(2026, 9, 7), {"caseload-print"}),     # Labor Day Monday: the list is due Tuesday
        (dt.date(2027, 1, 1), {"home-visits"}),        # before the month's first business day
    ],
)
def test_rules_that_cannot_fire_on_some_days(engine: Engine, day: dt.date, cannot: set[str]) -> None:
    with session_scope(engine) as s:
        demo.populate(s, day)
    assert set(load_rules()) - fired(engine, day) == cannot


def test_demo_is_deterministic(tmp_path) -> None:
    from caseterm.store import open_store, resolve_url

    dumps = []
    for name in ("a.db", "b.db"):
        e = open_store(resolve_url(str(tmp_path / name)))
        with session_scope(e) as s:
            demo.populate(s, dt.date(2026, 11, 2))
        with session_scope(e) as s:
            dumps.append([
                (n.uid, n.contact_at, n.text) for n in s.execute(sa.select(Note).order_by(Note.id)).scalars()
            ])
    assert dumps[0] == dumps[1]


def test_the_demo_shows_the_safety_and_re_engagement_rules(engine: Engine) -> None:
    """Issue 12: a DV household's home visit to move, and a re-engagement after the letter's window."""
    with session_scope(engine) as s:
        demo.populate(s, dt.date(2026, 11, 2))
    with session_scope(engine) as s:
        items = due_items(s, dt.date(2026, 11, 2))
    titles = {i.rule: [x.title for x in items if x.rule == i.rule] for i in items}
    assert titles["dv-home-visit"] == ["Move Mohammed Rahman's home visit of Wed Nov 4 to the office"]
    assert titles["re-engagement"] == [
        "Begin re-engagement: book the staffing for Priya Patel (2 contact attempts since Wed Oct 21 unsuccessful)"
    ]
    assert not any("Mohammed Rahman" in t for t in titles.get("home-visits", []))
