"""Issue 13 "80×24 must work": the note editor, the client file (notes, case
plan, hours) and the caseload with its due list shown, at 80×24 (the app's
"-compact" reflow) and 160×48. Date, time and user pinned (see
test_snapshots_client.py and test_snapshots_tui.py).

Update after an intended change with `pytest tests/test_snapshots_days.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from test_app_flow import seeded, settle  # noqa: F401 - fixture
from test_snapshots_client import _settle, file  # noqa: F401 - fixture

from caseterm.app import CasetermApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_note_editor(file, snap_compare, size) -> None:  # noqa: F811, ANN001
    async def open_note(pilot) -> None:  # noqa: ANN001
        await _settle(pilot)
        pilot.app.open_note("K77")
        await _settle(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=size, run_before=open_note)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("tab", ["notes", "plan", "hours"])
def test_client_file_tab(file, snap_compare, size, tab) -> None:  # noqa: F811, ANN001
    async def open_file(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pilot.app.open_client("K77", tab)
        await settle(pilot)

    assert snap_compare(CasetermApp(file, idle_lock_seconds=0), terminal_size=size, run_before=open_file)


@pytest.mark.parametrize("size", SIZES)
def test_caseload_with_the_due_list_open(seeded, snap_compare, size) -> None:  # noqa: F811, ANN001
    async def due_list(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("tab")  # into the due list: at 80 columns it opens from its count line
        await settle(pilot)

    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=size, run_before=due_list)
