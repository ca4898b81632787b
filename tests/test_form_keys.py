"""Keys typed into a form stay in the form (issue 23.1); one key picks a dropdown's option."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from test_app_flow import seeded, settle, until  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.screens.note import NoteScreen
from caseterm.widgets.form_fields import pick_keys
from caseterm.widgets.note_editor import NoteEditor


def test_each_option_gets_its_own_key() -> None:
    keys = pick_keys(["phone", "text", "email", "letter", "home visit", "office", "other"])
    assert keys == ["p", "t", "e", "l", "h", "o", "r"]
    assert len(set(pick_keys(["a", "a", "a", "ab"]))) == 4


async def test_typing_into_a_dropdown_never_reaches_the_app(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.open_note("TA-1001")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        await until(pilot, lambda: screen.query_one("#note-outcome") is not None)
        for field in ("#note-type", "#note-method", "#note-outcome"):
            screen.query_one(field).focus()
            await pilot.pause()
            # "1", "2", "h", "e", "w" are app and caseload keys; "?" is help.
            await pilot.press(*"Dec 10 10:00", "1", "2", "h", "e", "w", "question_mark")
            await pilot.pause()
            assert app.screen is screen, field
        # One key picks: method p(hone), outcome r(eached).
        screen.query_one("#note-method").focus()
        await pilot.press("p")
        screen.query_one("#note-outcome").focus()
        await pilot.press("r")
        await pilot.pause()
        values = screen.query_one(NoteEditor).values()
        assert (values.method, values.outcome) == ("phone", "reached")
        # Keys with a modifier still act: Ctrl+S tries to save (refused here: no minutes).
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("minutes" in n.message for n in app.notice_log)
