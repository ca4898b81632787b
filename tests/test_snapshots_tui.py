"""SVG snapshots of the caseload, schedule and locked screens, at 80×24 and 160×48.

Date and time are pinned (Monday 2026-11-02, 09:00: the 08:30 interview block
is the current one) and the user is "casey", so nothing on screen comes from
the real clock or machine. Update with `pytest --snapshot-update` after a
deliberate change and look at the report before committing.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from test_app_flow import seeded, settle  # noqa: F401 - fixture

from caseterm.app import CasetermApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_caseload_snapshot(seeded: Engine, snap_compare, size) -> None:  # noqa: F811, ANN001
    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_schedule_snapshot(seeded: Engine, snap_compare, size) -> None:  # noqa: F811, ANN001
    async def to_schedule(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=size, run_before=to_schedule)


@pytest.mark.parametrize("size", SIZES)
def test_locked_snapshot(seeded: Engine, snap_compare, size) -> None:  # noqa: F811, ANN001
    async def lock(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("f12")
        await pilot.pause()

    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=size, run_before=lock)


def test_caseload_filtered_snapshot(seeded: Engine, snap_compare) -> None:  # noqa: F811, ANN001
    async def filtered(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=(80, 24), run_before=filtered)


def test_light_theme_schedule_snapshot(seeded: Engine, snap_compare) -> None:  # noqa: F811, ANN001
    async def light(pilot) -> None:  # noqa: ANN001
        pilot.app.theme = "textual-light"
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(CasetermApp(seeded, idle_lock_seconds=0), terminal_size=(160, 48), run_before=light)
