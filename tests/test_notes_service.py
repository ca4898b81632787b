"""The notes service on a real migrated SQLite file and PostgreSQL database: append-only, amendments,
late entry, drafts, quick log and full-text search."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, Note, NoteDraft
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
from caseterm.services import notes
from caseterm.store import session_scope

NOW = dt.datetime(2026, 11, 2, 10, 0)
#: What the record standard asks of a contact note: method, outcome, minutes.
MET = dict(method=ContactMethod.OFFICE, outcome=ContactOutcome.REACHED, minutes=30)


@pytest.fixture
def engine(any_engine):
    """Every test here runs on SQLite and on PostgreSQL (tests/pg_support.py)."""
    return any_engine


@pytest.fixture
def client(engine) -> Client:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="C100", legal_name="Katherine Example", preferred_name="Kate")
        s.add(c)
        s.flush()
        return c


def test_late_entry_after_24_hours_and_out_of_order(engine, client):
    with session_scope(engine) as s:
        on_time = notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="met", contact_at=NOW - dt.timedelta(hours=2))
        late = notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="old call", contact_at=NOW - dt.timedelta(hours=30))
    assert not on_time.late_entry
    assert late.late_entry
    with session_scope(engine) as s:
        # within 24 h but before the latest contact already written: out of order
        mid = notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="x", contact_at=NOW - dt.timedelta(hours=3))
    assert mid.late_entry


def test_amend_keeps_the_original_and_links_it(engine, client):
    with session_scope(engine) as s:
        original = notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="Client said 3 kids", contact_at=NOW)
    with session_scope(engine) as s:
        amendment = notes.amend_note(s, original.id, text="Client said 2 kids", author="jdoe", reason="misheard the number")
    with session_scope(engine) as s:
        threads = notes.note_threads(s, client)
        assert len(threads) == 1
        assert threads[0].current.id == amendment.id
        assert [n.text for n in threads[0].superseded] == ["Client said 3 kids"]
        assert s.get(Note, original.id).text == "Client said 3 kids"
    with session_scope(engine) as s, pytest.raises(BadInput, match="already been amended"):
        notes.amend_note(s, original.id, text="again", reason="x")


def test_database_refuses_update_and_delete(engine, client):
    with session_scope(engine) as s:
        n = notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="keep me")
    with pytest.raises(DatabaseError), session_scope(engine) as s:
        note = s.get(Note, n.id)
        s.delete(note)
        s.flush()


def test_validation_names_the_field(engine, client):
    with session_scope(engine) as s, pytest.raises(BadInput) as err:
        notes.add_note(s, client, type=NoteType.CONTACT, text="  ", minutes=5000)
    assert any(e.startswith("text:") for e in err.value.errors)
    assert any(e.startswith("minutes:") for e in err.value.errors)


def test_engagement_filter_and_quick_log(engine, client):
    with session_scope(engine) as s:
        notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="office visit", contact_at=NOW - dt.timedelta(hours=1))
        q = notes.quick_log(s, client, ContactMethod.LETTER, ContactOutcome.LEFT_MESSAGE)
        assert q.type is NoteType.ENGAGEMENT and q.method is ContactMethod.LETTER
        assert "written" in q.text
        assert [n.id for n in notes.list_notes(s, client, engagement_only=True)] == [q.id]
        assert len(notes.note_threads(s, client, engagement_only=True)) == 1
        with pytest.raises(BadInput, match="method"):
            notes.quick_log(s, client, ContactMethod.OFFICE, ContactOutcome.REACHED)


def test_drafts_round_trip_and_empty_draft_is_removed(engine, client):
    with session_scope(engine) as s:
        notes.save_draft(s, client, text="half a thought", fields={"type": "contact"})
        notes.save_draft(s, client, text="half a thought, more", fields={"type": "contact"})
    with session_scope(engine) as s:
        d = notes.load_draft(s, client)
        assert d.text == "half a thought, more"
        # the draft knows when it was begun (what was saved since is not kept again, 23.1)
        assert notes.draft_fields(d) == {"type": "contact", "started_at": "2026-11-02T10:00:00"}
        assert len(s.exec(select(NoteDraft)).all()) == 1
        notes.save_draft(s, client, text="   ")
        assert notes.load_draft(s, client) is None


@pytest.mark.parametrize("typed", ['"', "-", "AND(", "NEAR(", "*", "housing -", 'col:"x', "OR", "^", "'"])
def test_search_never_raises(engine, client, typed):
    with session_scope(engine) as s:
        notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="Housing AND voucher - NEAR the bus")
        notes.search_notes(s, typed, limit=10)


def test_search_finds_a_word_with_snippet(engine, client):
    with session_scope(engine) as s:
        notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="Discussed the housing voucher and bus passes.")
        notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="No answer.")
    with session_scope(engine) as s:
        hits = notes.search_notes(s, "vouch", limit=10)
        assert len(hits) == 1
        assert hits[0].case_number == "C100" and hits[0].client_name == "Kate"
        assert f"{notes.HIT_START}voucher{notes.HIT_END}" in hits[0].snippet
        assert notes.search_notes(s, "voucher bus", limit=10)
        assert notes.search_notes(s, "voucher zebra", limit=10) == []
        assert notes.search_notes(s, "", limit=10) == []


def test_amendment_chain_reads_as_one_thread(engine, client):
    with session_scope(engine) as s:
        first = notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="v1", contact_at=NOW - dt.timedelta(hours=5))
        notes.add_note(s, client, type=NoteType.CONTACT, **MET, text="later note", contact_at=NOW - dt.timedelta(hours=1))
    with session_scope(engine) as s:
        second = notes.amend_note(s, first.id, text="v2", reason="typo")
    with session_scope(engine) as s:
        third = notes.amend_note(s, second.id, text="v3", type=NoteType.ENGAGEMENT, reason="wrong type")
        assert not third.late_entry  # an amendment keeps the original's flag; it is no contact out of order
    with session_scope(engine) as s:
        threads = notes.note_threads(s, client)
        assert [t.current.text for t in threads] == ["later note", "v3"]
        assert [n.text for n in threads[1].superseded] == ["v2", "v1"]
        assert threads[1].original.id == first.id and threads[1].is_engagement
        assert [t.current.text for t in notes.note_threads(s, client, engagement_only=True)] == ["v3"]
