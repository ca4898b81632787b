"""Note search: FTS5 through the service and the screen; Enter opens the note."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from test_app_flow import until

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Client
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
from caseterm.screens.client import ClientScreen
from caseterm.screens.search import SearchResults, SearchScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope

NOW = dt.datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def engine(any_engine):
    """Every test here runs on SQLite and on PostgreSQL (tests/pg_support.py)."""
    return any_engine


@pytest.fixture
def clients(engine) -> None:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        a = Client(case_number="A1", legal_name="Ann Able")
        b = Client(case_number="B2", legal_name="Robert Baker", preferred_name="Bob")
        s.add_all([a, b])
        s.flush()
        notes_service.add_note(s, a, type=NoteType.CONTACT, method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=10, text="Talked about the bus pass.", contact_at=NOW - dt.timedelta(days=1, hours=-1))
        notes_service.add_note(s, b, type=NoteType.HOME_VISIT, method=ContactMethod.HOME_VISIT, outcome=ContactOutcome.REACHED, minutes=60, text="Landlord agreed to fix the heating; voucher inspection next week.", contact_at=NOW - dt.timedelta(hours=3))
        for i in range(5):
            notes_service.add_note(s, a, type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=5, text=f"Attempt {i}: no answer.", contact_at=NOW - dt.timedelta(hours=2 - i * 0.1))


async def settle(app, pilot) -> None:
    """Wait until the search screen shows the results of what is typed (no fixed pause)."""

    def shown() -> bool:
        screen = app.screen
        if not isinstance(screen, SearchScreen):
            return True
        return screen._query == screen.query_one("#search-input").value

    await until(pilot, shown)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_search_finds_a_note_by_a_word_and_opens_it(engine, clients):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(SearchScreen())
        await settle(app, pilot)
        await pilot.press(*"heating")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert [h.case_number for h in screen.hits] == ["B2"]
        prompt = str(screen.query_one(SearchResults).get_option_at_index(0).prompt)
        assert "Bob · B2" in prompt and "2026-11-02 07:00" in prompt and "heating" in prompt
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        client_screen = app.screen
        assert isinstance(client_screen, ClientScreen) and client_screen.case_number == "B2"
        thread = client_screen.query_one("#note-list").current_thread
        assert thread is not None and "heating" in thread.current.text


async def test_hostile_input_never_raises(engine, clients):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(SearchScreen())
        await settle(app, pilot)
        await pilot.press(*'"bus AND( -pass* NEAR(', "quotation_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)


def test_search_pages_and_is_fast(engine, clients):
    with session_scope(engine) as s:
        first = notes_service.search_notes(s, "answer", limit=3)
        rest = notes_service.search_notes(s, "answer", limit=3, offset=3)
        assert len(first) == 3 and len(rest) == 2
        assert not {h.note_id for h in first} & {h.note_id for h in rest}
        # Speed is measured in benchmarks/bench_search.py, not asserted here.
        assert len(notes_service.search_notes(s, "no answ", limit=50)) == 5


async def test_enter_highlights_an_older_note_in_its_client(engine, clients):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(SearchScreen("bus pass"))
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ClientScreen) and screen.case_number == "A1"
        timeline = screen.query_one("#note-list")
        assert timeline.highlighted == len(timeline.threads) - 1  # the oldest of six
        assert "bus pass" in timeline.current_thread.current.text


def test_a_common_word_comes_newest_first_a_rare_one_best_first(engine, clients, monkeypatch):
    """Issue 14: words in more notes than RANK_BUDGET are not ranked (bm25 would
    read every note holding them): newest first, the page read and no more.
    Below it every match is ranked, best first."""
    with session_scope(engine) as s:
        a = s.exec(select(Client).where(Client.case_number == "A1")).one()
        notes_service.add_note(s, a, type=NoteType.CONTACT, method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=5, text="Answer answer answer: she will answer the letter.", contact_at=NOW - dt.timedelta(days=3))
    with session_scope(engine) as s:
        ranked = notes_service.search_notes(s, "answer ", limit=50)
        assert len(ranked) == 6
        if s.get_bind().dialect.name == "sqlite":
            assert "letter" in ranked[0].plain_snippet  # the note saying it four times ranks first
            monkeypatch.setattr(notes_service, "RANK_BUDGET", 3)
            newest = notes_service.search_notes(s, "answer ", limit=50)
            assert [h.note_id for h in newest] == sorted((h.note_id for h in ranked), reverse=True)
            assert [h.note_id for h in notes_service.search_notes(s, "answer ", limit=2, offset=1)] == [h.note_id for h in newest[1:3]]


async def test_enter_straight_after_typing_searches_and_goes_to_the_results(engine, clients):
    """No pause after typing: Enter searches now and the next Enter opens (issue 23.9)."""
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(SearchScreen())
        await settle(app, pilot)
        screen = app.screen
        await pilot.press(*"voucher", "enter")  # before the typing pause has run any search
        await until(pilot, lambda: app.focused is screen.query_one(SearchResults))
        assert app.focused is screen.query_one(SearchResults)
        assert [h.case_number for h in screen.hits] == ["B2"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        assert isinstance(app.screen, ClientScreen) and app.screen.case_number == "B2"
