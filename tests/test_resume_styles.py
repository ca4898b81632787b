"""A screen shown again skips Textual's restyle of all its widgets only when nothing
screen-wide changed (screens/resume.py, issue 25.3): a theme or width change made while
it was away still shows on it, and a skipped restyle leaves every style as a full one."""

from __future__ import annotations

import pytest
from textual.css.stylesheet import Stylesheet
from textual.widgets import Static

from caseterm.app import CasetermApp
from caseterm.screens.client import ClientScreen
from caseterm.widgets.due_today import DueToday
from test_client_screen_kept import open_file, settle, two_clients  # noqa: F401 - fixture


async def back_to_caseload(app, pilot) -> None:  # noqa: ANN001
    await pilot.press("escape")
    await settle(app, pilot)
    assert not isinstance(app.screen, ClientScreen)


def styles_of(screen) -> list[tuple[str, str]]:  # noqa: ANN001
    """Every widget's computed style rules, as text (what a restyle would recompute)."""
    return [(repr(node), repr(sorted(node.styles.get_rules().items(), key=lambda kv: kv[0])))
            for node in screen.walk_children(with_self=True)]


async def test_a_theme_changed_while_the_file_was_away_shows_when_it_comes_back(engine, two_clients) -> None:  # noqa: F811
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        first = await open_file(app, pilot, "C1")
        dark_background = first.styles.background
        title_color = first.query_one("#card-name", Static).styles.color
        await back_to_caseload(app, pilot)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await settle(app, pilot)
        second = await open_file(app, pilot, "C2")
        assert second is first
        assert second.styles.background != dark_background
        assert second.styles.background == app.screen_stack[0].styles.background  # as the caseload's
        assert second.query_one("#card-name", Static).styles.color != title_color


async def test_a_width_changed_while_the_file_was_away_shows_when_it_comes_back(engine, two_clients) -> None:  # noqa: F811
    """The app's "-compact" class (below 100 columns) styles the due list as one line."""
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        first = await open_file(app, pilot, "C1")
        assert first.query_one(DueToday).size.height > 1
        await back_to_caseload(app, pilot)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert app.has_class("-compact")
        second = await open_file(app, pilot, "C2")
        assert second is first
        assert second.query_one(DueToday).size.height == 1  # `.-compact DueToday`
        await back_to_caseload(app, pilot)
        await pilot.resize_terminal(150, 45)
        await settle(app, pilot)
        third = await open_file(app, pilot, "C1")
        assert third.query_one(DueToday).size.height > 1


def count_restyles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, how many nodes each restyle (`Stylesheet.update_nodes`) covers."""
    restyled: list[int] = []
    update_nodes = Stylesheet.update_nodes

    def counting(self, nodes, animate=False):  # noqa: ANN001, ANN202
        nodes = list(nodes)
        restyled.append(len(nodes))
        return update_nodes(self, nodes, animate)

    monkeypatch.setattr(Stylesheet, "update_nodes", counting)
    return restyled


async def test_a_file_shown_again_unchanged_is_not_restyled_and_looks_the_same(engine, two_clients, monkeypatch) -> None:  # noqa: F811
    update_nodes = Stylesheet.update_nodes
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        first = await open_file(app, pilot, "C1")
        await back_to_caseload(app, pilot)
        await open_file(app, pilot, "C2")
        styled_once = styles_of(first)
        await back_to_caseload(app, pilot)
        restyled = count_restyles(monkeypatch)
        again = await open_file(app, pilot, "C2")
        assert again is first
        widgets = len(list(first.walk_children(with_self=True)))
        assert max(restyled, default=0) < widgets / 2  # not every widget of the file
        assert styles_of(first) == styled_once
        # A full restyle now changes nothing either: nothing was left stale.
        monkeypatch.setattr(Stylesheet, "update_nodes", update_nodes)
        first.update_node_styles(animate=False)
        await settle(app, pilot)
        assert styles_of(first) == styled_once


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_a_new_note_form_is_styled_once_and_looks_as_after_a_full_restyle(engine, two_clients, monkeypatch) -> None:  # noqa: F811
    """A new screen: its widgets styled as they mount with the app's width class already
    on it, no second restyle of the whole form; the late-entry style on the status line."""
    from textual.widgets import Input

    from caseterm.screens.note import NoteScreen

    update_nodes = Stylesheet.update_nodes
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(app, pilot)
        await open_file(app, pilot, "C1")
        restyled = count_restyles(monkeypatch)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, NoteScreen)
        assert form.has_class("-wide")  # the app's breakpoint class, as Textual's resize gives it
        widgets = len(list(form.walk_children(with_self=True)))
        assert max(restyled, default=0) < widgets / 2
        monkeypatch.setattr(Stylesheet, "update_nodes", update_nodes)
        styled_once = styles_of(form)
        form.update_node_styles(animate=False)
        await settle(app, pilot)
        assert styles_of(form) == styled_once
        # Late entry: the status line turns bold in the warning colour, and back.
        status = form.query_one("#note-status", Static)
        plain = (status.styles.color, status.styles.text_style.bold)
        form.query_one("#contact-date", Input).value = "2026-10-20"
        await until_true(pilot, lambda: "LATE ENTRY" in str(status.render()))
        await settle(app, pilot)
        assert status.styles.text_style.bold and status.styles.color != plain[0]
        form.query_one("#contact-date", Input).value = "2026-11-02"
        await until_true(pilot, lambda: "LATE ENTRY" not in str(status.render()))
        await settle(app, pilot)
        assert (status.styles.color, status.styles.text_style.bold) == plain


async def until_true(pilot, condition, tries: int = 200) -> None:  # noqa: ANN001
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition not reached")
