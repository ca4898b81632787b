"""The footer keeps its keys while they stay the same, follows them when they change, and
leaves nothing behind (issue 25.3); the start-up's heap is frozen once, and thawed at exit."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from caseterm import clock
from caseterm.app import CasetermApp
from caseterm.models import Client
from caseterm.screens.client import ClientScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

NOW = dt.datetime(2026, 11, 2, 10, 0)
CASES = ("F1", "F2", "F3")


@pytest.fixture
def three_clients(engine) -> None:
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        for case in CASES:
            c = Client(case_number=case, legal_name=f"Client {case}")
            s.add(c)
            s.flush()
            notes_service.add_note(
                s, c, text=f"visit of {case}", type=NoteType.CONTACT, contact_at=NOW - dt.timedelta(days=1),
                method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=10,
            )


async def until(pilot, condition, tries: int = 200) -> None:  # noqa: ANN001
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition not reached")


async def settle(app, pilot) -> None:  # noqa: ANN001
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def painted_keys(screen) -> list[str]:  # noqa: ANN001
    """The footer's keys as drawn: (key, description) of each FooterKey widget."""
    return [f"{k.key}:{k.description}" for k in screen.query_one(Footer).query(FooterKey)]


def shown_keys(screen) -> list[str]:  # noqa: ANN001
    """What the screen's bindings say the footer shows (as `Footer.compose` reads them: the
    first key of each action)."""
    first: dict[str, str] = {}
    for active in screen.active_bindings.values():
        if active.binding.show:
            first.setdefault(active.binding.action, f"{active.binding.key}:{active.binding.description}")
    return list(first.values())


def dead_watchers(footer: Footer) -> list[object]:
    """Watchers on the footer's reactives whose widget has been removed (each keeps it alive)."""
    return [node for entries in getattr(footer, "__watchers", {}).values() for node, _ in entries if node._closing]


async def test_opening_files_again_reuses_the_footer_keys_and_leaves_none_behind(engine, three_clients) -> None:
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        app.open_client("F1")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(app, pilot)
        screen = app.screen
        footer = screen.query_one(Footer)
        first_keys = list(footer.query(FooterKey))
        assert first_keys and painted_keys(screen)[: len(shown_keys(screen))] == shown_keys(screen)
        for case in CASES[1:] + CASES:
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ClientScreen))
            await settle(app, pilot)
            app.open_client(case)
            await until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.case_number == case)
            await settle(app, pilot)
        assert app.screen is screen
        # The same ten keys: the same widgets, not rebuilt on each open.
        assert list(footer.query(FooterKey)) == first_keys
        assert dead_watchers(footer) == []
        caseload_footer = next(s for s in app.screen_stack if s is not screen).query_one(Footer)
        assert dead_watchers(caseload_footer) == []


async def test_the_footer_follows_the_keys_when_the_focus_changes_them(engine, three_clients) -> None:
    """At 80 columns the caseload's footer shows the table's keys or the due list's (screens/caseload.py)."""
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await until(pilot, lambda: painted_keys(screen) and "o:" + screen.active_bindings["o"].binding.description in painted_keys(screen))
        on_table = painted_keys(screen)
        screen.query_one("#due-list").focus()
        await until(pilot, lambda: painted_keys(screen) != on_table)
        assert not any(k.startswith("o:") for k in painted_keys(screen))  # the table's keys made room
        screen.query_one("#caseload-table").focus()
        await until(pilot, lambda: painted_keys(screen) == on_table)
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: not app.compact)
        await until(pilot, lambda: painted_keys(screen)[: len(shown_keys(screen))] == shown_keys(screen))


async def test_the_start_up_heap_is_frozen_once_and_thawed_when_the_app_ends(engine, three_clients) -> None:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await until(pilot, lambda: app.due_items is not None)
        await until(pilot, lambda: gc.get_freeze_count() > 0)
        frozen = gc.get_freeze_count()
        app.refresh_due()  # a later due list does not freeze again
        await settle(app, pilot)
        await pilot.pause()
        assert gc.get_freeze_count() <= frozen  # (frozen objects still go when nothing refers to them)
        assert gc.get_threshold()[0] > thresholds[0]  # young objects collected less often
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


async def test_closed_note_forms_leave_nothing_watching_the_app(engine, three_clients) -> None:
    """A note form's TextArea watches the app's theme (Textual #6666): closed, it must not
    stay referenced by the app, with the note's text in it."""
    from textual.widgets import TextArea

    from caseterm.screens.note import NoteScreen

    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        app.open_client("F1")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(app, pilot)
        for _ in range(3):
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, NoteScreen))
            await settle(app, pilot)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, ClientScreen))
            await settle(app, pilot)
        watching = [node for entries in getattr(app, "__watchers", {}).values() for node, _ in entries]
        assert not [node for node in watching if isinstance(node, TextArea)]
        assert not [node for node in watching if node._closing]


async def test_a_closed_note_form_is_not_kept_by_the_keys_typed_into_it(engine, three_clients) -> None:
    """The app remembers which widgets it handed keys to (shell/key_order.py) until a
    Ctrl+S or Enter waits for them: weakly, so a note form closed after typing is let go
    of, text and all, instead of waiting in memory for the next such key."""
    import gc

    from textual.widgets import TextArea

    from caseterm.screens.note import NoteScreen

    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        app.open_client("F1")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(app, pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        await settle(app, pilot)
        app.screen.query_one(TextArea).focus()
        await pilot.press(*"zq-marker")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ClientScreen))
        await settle(app, pilot)
        gc.collect()
        kept = [o for o in gc.get_objects() if isinstance(o, TextArea) and "zq-marker" in o.text]
        assert kept == []
