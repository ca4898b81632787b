"""Privacy: the hide key, the idle lock and the passphrase."""

from __future__ import annotations

import hashlib

from sqlalchemy.engine import Engine
from test_app_flow import screen_text, seeded, settle, until, write_settings  # noqa: F401 - fixture

from caseterm.app import CasetermApp
from caseterm.screens.caseload import CaseloadScreen
from caseterm.config import hash_passphrase
from caseterm.screens.lock import LockScreen, passphrase_matches

SECRETS = ("Mari", "Lopez", "TA-1001", "Carter", "Bob", "Due today")


def assert_no_client_data(app: CasetermApp) -> None:
    text = screen_text(app)
    assert "caseterm" in text
    for secret in SECRETS:
        assert secret not in text, secret


class FakeClock:
    """The idle timer's clock, moved by the test: a loaded machine cannot make it lock early."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_idle_lock_after_the_policy_minutes(seeded: Engine) -> None:  # noqa: F811
    """The app's own timer locks it once the idle clock says the policy's time has passed."""
    clock = FakeClock()
    app = CasetermApp(seeded, idle_lock_seconds=600, idle_clock=clock, idle_check_seconds=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.idle_checks >= 3)
        assert isinstance(app.screen, CaseloadScreen), "locked before any idle time passed"
        clock.now += 599
        runs = app.idle_checks
        await until(pilot, lambda: app.idle_checks >= runs + 3)
        assert isinstance(app.screen, CaseloadScreen), "locked before the policy's minutes"
        clock.now += 1
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        assert isinstance(app.screen, LockScreen)
        assert app.locked
        assert_no_client_data(app)
        # The app's keys are off: the palette, help and screen switches do nothing.
        for key in ("ctrl+p", "question_mark", "2", "f12"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            if app.screen.state == "confirm":
                await pilot.press("escape")
                await pilot.pause()
        assert_no_client_data(app)
        await pilot.press("space")
        await pilot.pause()
        assert app.screen.state == "confirm"
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        assert not app.locked


async def test_keys_typed_keep_the_screen_open(seeded: Engine) -> None:  # noqa: F811
    """A key press restarts the idle time: idle just short of the limit, a key, and no lock."""
    app = CasetermApp(seeded, idle_lock_seconds=600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app._last_input -= 599  # as if the user had been away for almost the whole limit
        await pilot.press("down")
        await pilot.pause()
        app._check_idle()
        assert isinstance(app.screen, CaseloadScreen)
        app._last_input -= 600  # and now really away
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)


async def test_escape_keeps_it_hidden(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.state == "confirm"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and app.screen.state == "blank"


async def test_notifications_do_not_show_over_the_lock(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.notify("Mari Lopez TA-1001: note saved")
        await pilot.press("f12")
        await pilot.pause()
        app.notify("Mari Lopez TA-1001: note saved")
        await pilot.pause()
        assert_no_client_data(app)
        await pilot.press("space", "enter")  # unlocked: the held message shows now
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Mari Lopez TA-1001: note saved"]


async def test_passphrase_when_one_is_set(seeded: Engine) -> None:  # noqa: F811
    write_settings(f'user = "casey"\nlock_passphrase = "{hash_passphrase("blue heron")}"\n')
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.state == "confirm"
        await pilot.press(*"red fox", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert "not the passphrase" in screen_text(app)
        await pilot.press(*"blue heron", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)


def test_passphrase_matches() -> None:
    stored = hash_passphrase("ñandú")
    assert stored.startswith("scrypt$n=32768,r=8,p=1$")
    assert passphrase_matches("ñandú", stored)
    assert passphrase_matches("n\u0303andu\u0301", stored)  # the same letters, typed decomposed
    assert not passphrase_matches("nandu", stored)
    assert hash_passphrase("ñandú") != stored  # salted
    assert not passphrase_matches("ñandú", hashlib.sha256("ñandú".encode()).hexdigest())  # the old form is not a hash


async def test_ctrl_l_hides_too_even_while_typing(seeded: Engine) -> None:  # noqa: F811
    app = CasetermApp(seeded, idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"mar")  # typing in the filter box
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert_no_client_data(app)
