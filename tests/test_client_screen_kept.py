"""The kept client screen (issue 25.3): the app composes one file screen and re-points it at
each client it opens; nothing of the previous client's file may show through."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import AuditEntry as Audit, Client, Note
from caseterm.screens.client import ClientScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.vocabulary import AuditAction, ContactMethod, ContactOutcome, NoteType
from caseterm.widgets.note_card import NoteTimeline

NOW = dt.datetime(2026, 11, 2, 10, 0)
SIZE = (150, 45)


@pytest.fixture
def two_clients(engine) -> None:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        for case, name, words in (("C1", "Ada One", "first client visit"), ("C2", "Bo Two", "second client call")):
            c = Client(case_number=case, legal_name=name)
            s.add(c)
            s.flush()
            for day in (1, 2):
                notes_service.add_note(
                    s, c, text=f"{words} {day}", type=NoteType.ENGAGEMENT if day == 1 else NoteType.CONTACT,
                    contact_at=NOW - dt.timedelta(days=day), method=ContactMethod.PHONE,
                    outcome=ContactOutcome.REACHED, minutes=10,
                )


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_file(app, pilot, case_number: str, tab: str | None = None) -> ClientScreen:
    app.open_client(case_number, tab)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ClientScreen)
    return screen


def texts(screen: ClientScreen) -> list[str]:
    timeline = screen.query_one(NoteTimeline)
    return [str(timeline.get_option_at_index(i).prompt) for i in range(timeline.option_count)]


async def test_a_second_open_reuses_the_screen_and_shows_only_the_new_client(engine, two_clients) -> None:
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = await open_file(app, pilot, "C1", "appointments")
        assert first.active_tab == "appointments"
        first.show_tab("notes")
        await settle(app, pilot)
        await pilot.press("f")  # engagement notes only
        await settle(app, pilot)
        assert first.engagement_only and len(texts(first)) == 1
        await pilot.press("down")
        await pilot.press("escape")
        await settle(app, pilot)

        second = await open_file(app, pilot, "C2")
        assert second is first  # kept, not composed again
        assert second.active_tab == "notes"  # the tab asked for (none: notes), not the last one shown
        assert not second.engagement_only
        shown = texts(second)
        assert len(shown) == 2 and all("second client call" in t for t in shown)
        assert not any("first client" in t for t in shown)
        assert second.query_one(NoteTimeline).highlighted == 0
        assert "Bo Two" in str(second.query_one("#card-name").render())
        assert second.sub_title.endswith("C2")
        await pilot.press("escape")
        await settle(app, pilot)

        third = await open_file(app, pilot, "C1", "appointments")
        assert third is first and third.active_tab == "appointments"
    with session_scope(engine) as s:
        opened = s.exec(select(Audit).where(Audit.action == AuditAction.CLIENT_OPENED).order_by(Audit.id)).all()
    assert [(a.case_number, a.detail) for a in opened] == [
        ("C1", "tab=appointments"), ("C2", "tab=notes"), ("C1", "tab=appointments"),
    ]


async def test_a_file_opened_over_the_kept_one_is_a_screen_of_its_own(engine, two_clients) -> None:
    """From a file, search → another client: the kept screen is on the stack, so a new one."""
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = await open_file(app, pilot, "C1")
        second = await open_file(app, pilot, "C2")
        assert second is not first
        assert all("second client call" in t for t in texts(second))
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is first
        assert all("first client visit" in t for t in texts(first))


async def test_a_long_file_shows_every_note_and_an_old_one_asked_for(engine, two_clients) -> None:
    """The entries past a screenful are added after the first frame: all of them arrive,
    in order, and a note asked for (from search) is found even if it is among them."""
    with session_scope(engine) as s:
        c = s.exec(select(Client).where(Client.case_number == "C2")).one()
        for day in range(3, 43):
            notes_service.add_note(
                s, c, text=f"older note {day}", type=NoteType.CONTACT,
                contact_at=NOW - dt.timedelta(days=day), method=ContactMethod.PHONE,
                outcome=ContactOutcome.REACHED, minutes=10,
            )
        oldest = s.exec(select(Note.id).where(Note.text == "older note 42")).one()
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_client("C2", "notes", note_id=oldest)
        await settle(app, pilot)
        screen = app.screen
        timeline = screen.query_one(NoteTimeline)
        assert timeline.option_count == 42
        assert "older note 42" in str(timeline.get_option_at_index(41).prompt)
        assert timeline.highlighted == 41
        await pilot.press("escape")
        await settle(app, pilot)
        again = await open_file(app, pilot, "C2")
        assert again.query_one(NoteTimeline).option_count == 42
        assert again.query_one(NoteTimeline).highlighted == 0


async def test_the_due_box_shows_only_this_clients_items_of_the_newest_list(engine, two_clients) -> None:
    """card.py reads a client's items through an index made once per due list
    (widgets/due_today.items_of_case): a new list, even a changed copy, is indexed again."""
    from textual.widgets import Static

    from caseterm.rules.engine import DueItem, Priority, RoutineGroup

    def item(case: str, title: str) -> DueItem:
        return DueItem(rule="contact-gap", case_number=case, title=title, why="", source="", due=NOW.date(),
                       overdue=False, priority=Priority.IMPORTANT,
                       group=list(RoutineGroup)[0], occurrence=title)

    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.due_items = [item("C2", "Call Bo"), item("C1", "Visit Ada"), item(None, "Team meeting")]
        screen = await open_file(app, pilot, "C1")
        box = str(screen.query_one("#client-due", Static).render())
        assert "Visit Ada" in box and "Call Bo" not in box and "Team meeting" not in box
        items = list(app.due_items) + [item("C1", "Write Ada's plan")]
        app.due_items = items
        await settle(app, pilot)
        box = str(screen.query_one("#client-due", Static).render())
        assert "Visit Ada" in box and "Write Ada's plan" in box
        app.due_items = [item("C2", "Call Bo")]
        await settle(app, pilot)
        assert "Nothing due for this client" in str(screen.query_one("#client-due", Static).render())
        await pilot.press("escape")
        await settle(app, pilot)
        screen = await open_file(app, pilot, "C2")
        assert "Call Bo" in str(screen.query_one("#client-due", Static).render())
