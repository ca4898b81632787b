"""A collateral contact needs a release that covers the party, or a reason (issue 23.6).

Keisha's only release of information is for Coordinated Entry; a call to her
landlord was saved with no warning. Now a collateral note names the party
contacted; with no release in force covering it, the save asks why (consent
given verbally, emergency, other + words) and the reason is kept with the note
and marked in the audit trail. The migration adds the two columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select
from textual.widgets import Input, Select

from caseterm import clock, migrations_dir
from caseterm.app import CasetermApp
from caseterm.errors import BadInput
from caseterm.models import AuditEntry, Client, Note, Release
from caseterm.screens.note import NoteScreen
from caseterm.services import collateral, notes
from caseterm.store import HEAD_REVISION, make_engine, open_store, resolve_url, session_scope, stored_revision
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
from caseterm.widgets.prompts import ReleaseReasonPrompt

DAY = dt.date(2026, 12, 7)
NOW = dt.datetime.combine(DAY, dt.time(11, 0))
CALL = dict(method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=10)


@pytest.fixture
def keisha(engine) -> Client:
    clock.pin(DAY, NOW.time())
    with session_scope(engine) as s:
        c = Client(case_number="TA-9", legal_name="Keisha Williams", preferred_name="Keisha")
        s.add(c)
        s.flush()
        s.add(Release(client_id=c.id, party="Coordinated Entry", signed_on=dt.date(2026, 9, 1), expires_on=dt.date(2027, 9, 1)))
        s.add(Release(client_id=c.id, party="Eastside Property Management", signed_on=dt.date(2025, 6, 1), expires_on=dt.date(2026, 6, 1)))
        return c


def rows(engine) -> list:
    with engine.connect() as conn:
        return [conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in ("note", "audit")]


def call_about(s, party: str | None, **kw) -> Note:
    client = s.exec(select(Client).where(Client.case_number == "TA-9")).one()
    return notes.add_note(s, client, type=NoteType.COLLATERAL, text="Called about the repair request.",
                          party=party, **CALL, **kw)


# -- the service ---------------------------------------------------------------


@pytest.mark.parametrize("party", ["landlord", "Eastside Property Management"])  # none; an expired release
def test_a_collateral_note_with_no_release_in_force_for_the_party_is_refused_without_a_reason(engine, keisha, party):
    before = rows(engine)
    with pytest.raises(collateral.ReleaseNeeded) as err, session_scope(engine) as s:
        call_about(s, party)
    assert err.value.errors[0].startswith(f"release: no current release of information covers {party!r}")
    assert err.value.releases == ["Coordinated Entry"]
    assert rows(engine) == before


def test_the_reason_is_kept_with_the_note_and_in_the_audit_trail(engine, keisha):
    reason = collateral.release_reason_text("verbal", "Keisha said yes on the phone at 10:50")
    with session_scope(engine) as s:
        note = call_about(s, "landlord", release_reason=reason)
        uid = note.uid
    with session_scope(engine) as s:
        note = s.exec(select(Note)).one()
        assert (note.party, note.release_reason) == ("landlord", "consent given verbally: Keisha said yes on the phone at 10:50")
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "note_saved")).one()
        assert entry.detail == f"type=collateral; note={uid}; without_release=consent given verbally"


@pytest.mark.parametrize("party", ["Coordinated Entry", "coordinated  entry", "Coordinated Entry (CoC)"])
def test_a_party_a_release_covers_needs_no_reason(engine, keisha, party):
    with session_scope(engine) as s:
        note = call_about(s, party)
        assert note.release_reason is None


def test_bad_party_and_reason_are_named(engine, keisha):
    before = rows(engine)
    with pytest.raises(BadInput, match="^party: a collateral note names who was contacted"), session_scope(engine) as s:
        call_about(s, "  ")
    with pytest.raises(BadInput, match="release reason: other needs a few words"):
        collateral.release_reason_text("other", " ")
    with pytest.raises(BadInput, match="release reason: 'maybe' is not one of verbal, emergency, other"):
        collateral.release_reason_text("maybe")
    assert collateral.release_reason_text("emergency") == "emergency"
    assert rows(engine) == before


def test_other_note_types_keep_no_party_and_an_amendment_keeps_the_original_s(engine, keisha):
    with session_scope(engine) as s:
        client = s.exec(select(Client).where(Client.case_number == "TA-9")).one()
        contact = notes.add_note(s, client, type=NoteType.CONTACT, text="Office visit.", party="landlord", **CALL)
        assert contact.party is None
        original = call_about(s, "landlord", release_reason=collateral.release_reason_text("emergency", "no heat"))
        amended = notes.amend_note(s, original, text="Called about the heating repair.", reason="wrong repair")
        assert (amended.party, amended.release_reason) == ("landlord", "emergency: no heat")


# -- the migration -------------------------------------------------------------


def test_migration_0011_adds_the_columns_and_back(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
        # a client as revision 0010 has it: every required column given a plain value
        required = [c for c in conn.execute(text("PRAGMA table_info(client)")).all() if c[3] and not c[5]]
        plain = {"INTEGER": 0, "BOOLEAN": 0, "DATE": "2026-01-01", "DATETIME": "2026-01-01 00:00:00"}
        values = {c[1]: plain.get(str(c[2]).upper(), "x") for c in required}
        values.update(case_number="TA-1", legal_name="A")
        conn.execute(text(f"INSERT INTO client ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"), values)
        conn.execute(text(
            "INSERT INTO note (uid, client_id, contact_at, written_at, type, author, text, late_entry) "
            "VALUES ('u1', 1, '2026-12-01 10:00:00', '2026-12-01 10:00:00', 'collateral', 'me', 'old call', 0)"))
    engine.dispose()
    migrated = open_store(resolve_url(str(db)))
    assert stored_revision(migrated) == HEAD_REVISION == "0011"
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'note' ORDER BY name"
    with migrated.connect() as conn:
        kept = conn.execute(text(triggers)).scalars().all()
    assert kept  # the due list's and the search words' triggers on note (0005, 0010)
    assert {"party", "release_reason"} <= {c["name"] for c in inspect(migrated).get_columns("note")}
    with migrated.connect() as conn:
        assert conn.execute(text("SELECT text, party, release_reason FROM note")).one() == ("old call", None, None)
    with migrated.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    assert "party" not in {c["name"] for c in inspect(migrated).get_columns("note")}
    with migrated.connect() as conn:
        assert conn.execute(text("SELECT text FROM note")).scalar_one() == "old call"
        # a table rebuilt by the downgrade would have lost them
        assert conn.execute(text(triggers)).scalars().all() == kept


# -- the note form -------------------------------------------------------------


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def collateral_form(app, pilot, party: str) -> NoteScreen:
    app.open_note("TA-9")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, NoteScreen)
    assert not screen.query_one("#party-row").display  # a contact note has no party
    screen.query_one("#note-type", Select).value = "collateral"
    await pilot.pause()
    assert screen.query_one("#party-row").display
    assert "releases: Coordinated Entry" in str(screen.query_one("#party-label").render())
    screen.query_one("#note-party", Input).value = party
    screen.query_one("#note-method", Select).value = "phone"
    screen.query_one("#note-outcome", Select).value = "reached"
    screen.query_one("#note-minutes", Input).value = "10"
    screen.editor.set_text("Called about the repair request.")
    await pilot.pause()
    return screen


async def test_collateral_without_a_release_asks_the_reason_and_keeps_it(engine, keisha):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        form = await collateral_form(app, pilot, "landlord")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        prompt = app.screen
        assert isinstance(prompt, ReleaseReasonPrompt)
        assert "No release of information covers landlord" in str(prompt.query_one(".prompt-title").render())
        with session_scope(engine) as s:
            assert s.exec(select(Note)).all() == []  # nothing saved while it asks
        await pilot.press("o", "enter")  # other, with no words: named, still asking
        await pilot.pause()
        assert app.screen is prompt
        assert "other needs a few words" in str(prompt.query_one("#prompt-error").render())
        await pilot.press("c", "tab", *"she agreed by phone", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, (NoteScreen, ReleaseReasonPrompt))
        assert form.closed
        # the client's notes show with whom, and why without a release
        from caseterm.widgets.note_card import NoteTimeline

        app.open_client("TA-9", "notes")
        await settle(app, pilot)
        timeline = app.screen.query_one(NoteTimeline)
        shown = timeline.entry(timeline.threads[0]).plain
        assert "Contacted: landlord · no release in force — consent given verbally: she agreed by phone" in shown
    with session_scope(engine) as s:
        note = s.exec(select(Note)).one()
        assert (note.type, note.party, note.release_reason) == (
            NoteType.COLLATERAL, "landlord", "consent given verbally: she agreed by phone")


async def test_collateral_with_a_covering_release_asks_nothing(engine, keisha):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await collateral_form(app, pilot, "Coordinated Entry")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, (NoteScreen, ReleaseReasonPrompt))
    with session_scope(engine) as s:
        note = s.exec(select(Note)).one()
        assert (note.party, note.release_reason) == ("Coordinated Entry", None)


async def test_escape_from_the_question_keeps_the_note_unsaved_on_screen(engine, keisha):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        form = await collateral_form(app, pilot, "landlord")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ReleaseReasonPrompt)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is form and form.editor.text == "Called about the repair request."
    with session_scope(engine) as s:
        assert s.exec(select(Note)).all() == []


def test_party_reason_and_draft_ending_on_both_engines(any_engine):
    """Agency mode too: the columns take the table's policies; the draft ends with its note (23.1)."""
    clock.pin(DAY, NOW.time())
    with session_scope(any_engine) as s:
        c = Client(case_number="TA-9", legal_name="Keisha Williams", preferred_name="Keisha")
        s.add(c)
        s.flush()
        s.add(Release(client_id=c.id, party="Coordinated Entry", signed_on=dt.date(2026, 9, 1)))
        notes.save_draft(s, c, text="Called about the repair request.",
                         fields={"type": "collateral", "started_at": "2026-12-07T10:00:00"})
    with pytest.raises(collateral.ReleaseNeeded), session_scope(any_engine) as s:
        call_about(s, "landlord")
    with session_scope(any_engine) as s:
        call_about(s, "landlord", release_reason=collateral.release_reason_text("verbal"))
        call_about(s, "Coordinated Entry")
    with session_scope(any_engine) as s:
        assert [(n.party, n.release_reason) for n in s.exec(select(Note).order_by(Note.id)).all()] == [
            ("landlord", "consent given verbally"), ("Coordinated Entry", None)]
        assert notes.all_drafts(s) == []
