"""Issue 23.8: at 80×24 (and 160×48) text that is the point wraps instead of being cut:
the case plan's goals, the client's due items under the header, the amendment's reason,
and toasts that name files (a name on its line, never broken; no stray column at the
toast's right edge). Snapshots at both sizes, and pilot checks that fail on cut text.

Update after an intended change with `pytest tests/test_snapshots_layout.py --snapshot-update`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.widgets._toast import Toast
from test_app_flow import screen_text, settle, until

from caseterm import clock, paths
from caseterm.app import CasetermApp
from caseterm.config import load_settings
from caseterm.models import Appointment, CasePlan, Client, Goal, Objective, PlanTask
from caseterm.screens.client import ClientScreen
from caseterm.screens.letter import LetterPreview
from caseterm.screens.note import NoteScreen
from caseterm.services import notes as notes_service
from caseterm.store import session_scope
from caseterm.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Responsible,
)
from caseterm.widgets.quick_log import QuickLog

NOW = dt.datetime(2026, 11, 2, 10, 0)  # a Monday
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
GOAL = "Find full-time work that pays enough to leave TANF and keep the apartment"
OBJECTIVE = "Apply to five jobs a week for the next four weeks and log each one on the timesheet"
TASK = "Update the resume with the case manager at the Tuesday job club"


@pytest.fixture
def kate(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Kate missed her FSSP (a long engagement item), has a long case-plan goal and one note."""
    monkeypatch.setenv("CASETERM_TODAY", "2026-11-02")
    monkeypatch.setenv("CASETERM_NOW", "10:00")
    clock.pin(NOW.date(), NOW.time())
    settings = paths.settings_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('user = "jdoe"\nfull_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    load_settings.cache_clear()
    with session_scope(engine) as s:
        client = Client(case_number="TA-500", legal_name="Katherine Moore", preferred_name="Kate",
                        address="1 Elm St\nSalem OR 97301", program="TANF", phone="503-555-0199")
        s.add(client)
        s.flush()
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 10, 29, 8, 30), kind=AppointmentKind.FSSP,
                          status=AppointmentStatus.NO_SHOW))
        plan = CasePlan(client_id=client.id, reviewed_on=dt.date(2026, 10, 20), signed_on=dt.date(2026, 10, 20))
        s.add(plan)
        s.flush()
        goal = Goal(plan_id=plan.id, text=GOAL)
        s.add(goal)
        s.flush()
        objective = Objective(goal_id=goal.id, text=OBJECTIVE)
        s.add(objective)
        s.flush()
        s.add(PlanTask(objective_id=objective.id, title=TASK, responsible=Responsible.CASE_MANAGER,
                       target_date=dt.date(2026, 11, 10)))
        notes_service.add_note(
            s, client, type=NoteType.CONTACT, author="jdoe", contact_at=dt.datetime(2026, 10, 27, 9, 0),
            written_at=dt.datetime(2026, 10, 27, 11, 0), method=ContactMethod.PHONE,
            outcome=ContactOutcome.REACHED, minutes=15, text="Talked about the job club and the FSSP on Thursday.",
        )
    yield engine
    load_settings.cache_clear()


async def open_file(pilot, tab: str = "notes") -> ClientScreen:  # noqa: ANN001
    await settle(pilot)
    pilot.app.open_client("TA-500", tab)
    await until(pilot, lambda: isinstance(pilot.app.screen, ClientScreen) and pilot.app.screen.client is not None)
    await settle(pilot)
    return pilot.app.screen


async def open_amendment(pilot) -> NoteScreen:  # noqa: ANN001
    await open_file(pilot)
    await pilot.press("m")
    await until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen) and pilot.app.screen.query_one("#amend-reason").is_mounted)
    await settle(pilot)
    return pilot.app.screen


async def write_letter(pilot) -> None:  # noqa: ANN001
    """Quick log `l`, letter `l`, Enter, then `w` in the preview: the toast names the two files."""
    screen = await open_file(pilot)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(pilot.app.screen, QuickLog))
    await pilot.press("l", "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, LetterPreview) and pilot.app.screen.choices is not None)
    await pilot.press("w")
    await until(pilot, lambda: pilot.app.screen is screen and any("Wrote" in n.message for n in pilot.app.notice_log))
    await until(pilot, lambda: any("Wrote" in str(t.render()) for t in pilot.app.screen.query(Toast)))
    await settle(pilot)


def one_line(text: str) -> str:
    """The words of `text` in order, without the pane's border marks and line ends."""
    return " ".join(text.replace("▌", " ").split())


# -- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_plan_goals_and_due_items_wrap(kate, snap_compare, size) -> None:  # noqa: ANN001
    async def run(pilot) -> None:  # noqa: ANN001
        await open_file(pilot, "plan")

    assert snap_compare(CasetermApp(kate, idle_lock_seconds=0), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_amendment_form(kate, snap_compare, size) -> None:  # noqa: ANN001
    assert snap_compare(CasetermApp(kate, idle_lock_seconds=0), terminal_size=size, run_before=open_amendment)


@pytest.mark.parametrize("size", SIZES)
def test_toast_naming_files(kate, snap_compare, size, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)  # a relative letters folder: the same text in the toast on every machine
    app = CasetermApp(kate, idle_lock_seconds=0, letters_dir=Path("letters"))
    assert snap_compare(app, terminal_size=size, run_before=write_letter)


# -- what the snapshots show, asserted ------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_goals_and_due_items_are_whole_on_screen(kate: Engine, size: tuple[int, int]) -> None:
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=size) as pilot:
        screen = await open_file(pilot, "plan")
        table = screen.query_one("#plan-table")
        shown = one_line("\n".join(table.render_line(y).text for y in range(table.size.height)))
        for text in (GOAL, OBJECTIVE):
            assert text in shown, text  # wrapped over rows, every word there
        if size == (80, 24):
            # The task's row has its other cells beside the first line of its text.
            assert "Update the resume with the case case manager Nov 10 open manager at the Tuesday job club" in shown
        else:
            # Wrapped to the pane: the target and status in sight, not past the table's right edge.
            assert TASK.removesuffix(" club") in shown and "case manager 2026-11-10 open club" in shown
        mine = [i for i in app.due_items or [] if i.case_number == "TA-500"]
        assert mine
        box = screen.query_one("#client-due")
        header = one_line("\n".join(box.render_line(y).text for y in range(box.size.height)))
        for item in mine[:2]:
            assert one_line(item.title) in header  # not cut with "…"
        assert "…" not in header


async def test_amendment_reason_takes_the_row_at_80_columns(kate: Engine) -> None:
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_amendment(pilot)
        reason = screen.query_one("#amend-reason")
        assert reason.has_focus
        assert reason.size.width >= 70  # a third of the row (25) could not show its prompt
        assert "what was wrong in the original" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_toast_shows_each_file_name_whole_and_reaches_the_edge(kate: Engine, size: tuple[int, int]) -> None:
    """The real letters folder (a long temporary path): each name on its line, none broken."""
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=size, notifications=True) as pilot:
        await write_letter(pilot)
        stem = "TA-500-engagement-20261102-100000"
        [toast] = [t for t in app.screen.query(Toast) if "Wrote" in str(t.render())]
        lines = [toast.render_line(y).text.strip(" ▌") for y in range(toast.size.height)]
        assert f"{stem}.txt" in lines and f"{stem}.html" in lines, lines
        # The folder on the lines before the names (a temporary folder here is longer than the toast).
        first = lines.index(f"{stem}.txt")
        assert "".join(lines[lines.index("(CONFIDENTIAL):") + 1 : first]) == f"{paths.letters_dir()}/", lines
        toasts = list(app.screen.query(Toast))
        # No gutter beside the toast where the screen under it showed through (the stray "s").
        assert all(toast.region.right == size[0] for toast in toasts)
        if size == (80, 24):
            # Above the due count line and the footer, which stay readable.
            assert all(toast.region.bottom <= size[1] - 2 for toast in toasts)
