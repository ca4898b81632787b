"""Letters from the client file: quick log → letter → preview → write, in the real app on a real database."""

from __future__ import annotations

import datetime as dt
import os
import stat
import tomllib
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from caseterm import clock, paths
from caseterm.app import CasetermApp
from caseterm.models import Appointment, Client, Note
from caseterm.screens.client import ClientScreen
from caseterm.screens.letter import LetterPreview
from caseterm.services.notes import add_note
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType
from caseterm.widgets.quick_log import QuickLog
from caseterm.widgets.record_form import RecordForm

NOW = dt.datetime(2026, 11, 2, 10, 0)  # a Monday
MISSED = dt.datetime(2026, 10, 29, 8, 30)  # the Thursday before: the no-show
SIZE = (160, 48)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_settings(text: str) -> Path:
    from caseterm.config import load_settings

    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_settings.cache_clear()
    return path


@pytest.fixture(autouse=True)
def pinned() -> None:
    from caseterm.config import load_settings

    clock.pin(NOW.date(), NOW.time())
    yield
    load_settings.cache_clear()


@pytest.fixture
def kate(engine: Engine) -> Engine:
    """Kate missed her FSSP on Oct 29; nobody has tried to reach her since."""
    with session_scope(engine) as s:
        client = Client(case_number="TA-500", legal_name="Katherine Moore", preferred_name="Kate",
                        address="1 Elm St\nSalem OR 97301", program="TANF")
        s.add(client)
        s.flush()
        s.add(Appointment(client_id=client.id, start=MISSED, kind=AppointmentKind.FSSP, status=AppointmentStatus.NO_SHOW))
    return engine


async def until(pilot, predicate, rounds: int = 400) -> None:  # noqa: ANN001
    """Pump the app until `predicate()` holds: each round lets messages and workers run (no clock)."""
    for _ in range(rounds):
        try:
            if predicate():
                return
        except (AttributeError, LookupError):
            pass
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    raise AssertionError("condition never held")


async def open_kate(app: CasetermApp, pilot) -> ClientScreen:  # noqa: ANN001
    await until(pilot, lambda: app.due_items is not None)
    app.open_client("TA-500")
    await until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.client is not None)
    return app.screen  # type: ignore[return-value]


async def letter_sent(app: CasetermApp, pilot) -> None:  # noqa: ANN001
    """Quick log: l, then l (letter; the outcome becomes "sent"), Enter."""
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, QuickLog))
    await pilot.press("l", "enter")


def items_for(app: CasetermApp, rule: str) -> list:
    return [i for i in app.due_items or [] if i.rule == rule and i.case_number == "TA-500"]


def notes(engine: Engine) -> list[Note]:
    with session_scope(engine) as s:
        return list(s.exec(select(Note).order_by(Note.id)).all())


def shown(screen: LetterPreview, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}").render())


async def test_letter_from_the_quick_log_is_previewed_written_logged_and_moves_the_due_item(kate: Engine) -> None:
    write_settings('user = "root"\nfull_name = "Jo Smith"\nphone = "503-555-0100"\nagency = "We Care"\n')
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kate(app, pilot)
        [before] = items_for(app, "engagement")
        assert "0 of 2" in before.title and "one in writing" in before.title
        assert items_for(app, "missed-activity")

        await letter_sent(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, LetterPreview) and app.screen.choices is not None)
        preview = app.screen
        assert isinstance(preview, LetterPreview)
        text = shown(preview, "letter-text")
        assert shown(preview, "letter-title").startswith("Engagement letter (what the case calls for)")
        assert "Dear Kate," in text and "Thursday, October 29, 2026" in " ".join(text.split())
        assert "Jo Smith" in text and "root" not in text  # signed by the person, never the login
        files = shown(preview, "letter-files")
        stem = "TA-500-engagement-20261102-100000"
        assert f"{stem}.txt" in files and f"{stem}.html" in files and str(paths.letters_dir()) in files
        assert notes(kate) == []  # nothing is written by looking

        await pilot.press("w")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: not items_for(app, "missed-activity"))
        [after] = items_for(app, "engagement")
        assert after.occurrence == before.occurrence
        assert "1 of 2" in after.title and "one in writing" not in after.title  # the written attempt is done
        assert str(screen.query_one("#notes-summary").render()).startswith("1 note, 1 engagement")

    folder = paths.letters_dir()
    assert mode(folder) == 0o700
    txt, html = folder / f"{stem}.txt", folder / f"{stem}.html"
    assert sorted(folder.iterdir()) == sorted([txt, html])
    assert mode(txt) == 0o600 and mode(html) == 0o600
    assert txt.read_text(encoding="utf-8") == text  # what was previewed is what was written
    assert "CONFIDENTIAL" in html.read_text(encoding="utf-8") and "Jo Smith" in html.read_text(encoding="utf-8")
    [note] = notes(kate)
    assert note.type == NoteType.LETTER and note.method == ContactMethod.LETTER and note.contact_at == NOW
    assert "engagement letter mailed" in note.text


async def test_missing_phone_is_asked_once_and_saved_to_settings(kate: Engine) -> None:
    path = write_settings('# my desk\nuser = "jsmith"\nfull_name = "Jo Smith"  # signs letters\nagency = "We Care"\n')
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kate(app, pilot)
        await letter_sent(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        assert form.query_one("#field-full_name").value == "Jo Smith"  # type: ignore[attr-defined]
        await pilot.press("enter")  # no phone yet: refused, named, nothing saved
        await until(pilot, lambda: "phone: required" in str(form.query_one("#form-errors").render()))
        assert app.screen is form and "phone" not in path.read_text(encoding="utf-8")

        await pilot.press("tab", *"503-555-0100", "enter")
        await until(pilot, lambda: isinstance(app.screen, LetterPreview) and app.screen.choices is not None)
        assert "503-555-0100" in shown(app.screen, "letter-text")  # type: ignore[arg-type]
        await pilot.press("escape")  # cancel: nothing written
        await until(pilot, lambda: app.screen is screen)

        await letter_sent(app, pilot)  # asked once: the second letter goes straight to the preview
        await until(pilot, lambda: isinstance(app.screen, (LetterPreview, RecordForm)))
        assert isinstance(app.screen, LetterPreview)

    saved = path.read_text(encoding="utf-8")
    assert saved.startswith('# my desk\nuser = "jsmith"\nfull_name = "Jo Smith"  # signs letters\nagency = "We Care"\n')
    assert tomllib.loads(saved) == {
        "user": "jsmith", "full_name": "Jo Smith", "agency": "We Care", "phone": "503-555-0100",
    }
    assert mode(path) == 0o600
    assert notes(kate) == [] and not paths.letters_dir().exists()


async def test_cancelling_the_prompt_writes_nothing(kate: Engine) -> None:
    path = write_settings('phone = "503-555-0100"\n')
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kate(app, pilot)
        await letter_sent(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
    assert path.read_text(encoding="utf-8") == 'phone = "503-555-0100"\n'
    assert notes(kate) == []


async def test_t_switches_template_and_w_writes_the_one_on_show(kate: Engine) -> None:
    write_settings('full_name = "Jo Smith"\nphone = "503-555-0100"\n')
    with session_scope(kate) as s:
        client = s.exec(select(Client)).one()
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 11, 5, 13, 30), kind=AppointmentKind.DEBRIEFING))
    out = Path(os.environ["XDG_DATA_HOME"]).parent / "demo-letters"
    app = CasetermApp(kate, idle_lock_seconds=0, letters_dir=out)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kate(app, pilot)
        await letter_sent(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, LetterPreview) and app.screen.choices is not None)
        preview = app.screen
        assert shown(preview, "letter-title").startswith("Engagement letter")
        assert str(out) in shown(preview, "letter-files")
        await pilot.press("t")
        await until(pilot, lambda: shown(preview, "letter-title").startswith("Appointment letter"))
        assert "Thursday, November 5, 2026 at 1:30 p.m." in " ".join(shown(preview, "letter-text").split())
        await pilot.press("w")
        await until(pilot, lambda: app.screen is screen)
    assert sorted(p.name for p in out.iterdir()) == [
        "TA-500-appointment-20261102-100000.html", "TA-500-appointment-20261102-100000.txt",
    ]
    assert not paths.letters_dir().exists()  # the app's folder (--demo's own), never the data folder
    [note] = notes(kate)
    assert "appointment letter" in note.text


async def test_the_case_at_re_engagement_is_offered_the_re_engagement_notice(kate: Engine) -> None:
    write_settings('full_name = "Jo Smith"\nphone = "503-555-0100"\n')
    with session_scope(kate) as s:
        client = s.exec(select(Client)).one()
        add_note(s, client, type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=5,
                 text="Called, no answer.", contact_at=dt.datetime(2026, 10, 29, 15, 0))
        add_note(s, client, type=NoteType.LETTER, method=ContactMethod.LETTER, text="Engagement letter mailed.",
                 contact_at=dt.datetime(2026, 10, 30, 9, 0))
    # A letter fails only once its response window (5 business days) has passed: a week later.
    clock.pin(dt.date(2026, 11, 9), NOW.time())
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await open_kate(app, pilot)
        assert items_for(app, "re-engagement")[0].title.startswith("Begin re-engagement")
        await letter_sent(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, LetterPreview) and app.screen.choices is not None)
        assert shown(app.screen, "letter-title").startswith("Re-engagement notice (what the case calls for)")  # type: ignore[arg-type]


async def test_no_letter_fits_a_client_with_nothing_to_write_about(engine: Engine) -> None:
    write_settings('full_name = "Jo Smith"\nphone = "503-555-0100"\n')
    with session_scope(engine) as s:
        s.add(Client(case_number="TA-500", legal_name="Quiet Case"))
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kate(app, pilot)
        await letter_sent(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, LetterPreview) and app.screen.choices is not None)
        preview = app.screen
        assert shown(preview, "letter-title").startswith("No letter fits this case yet")
        reasons = shown(preview, "letter-text")
        assert "appointment letter: no appointment scheduled" in reasons
        assert "engagement letter: no missed appointment on file" in reasons
        await pilot.press("w", "t")  # nothing to write or switch to
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
    assert notes(engine) == [] and not paths.letters_dir().exists()


async def test_a_returned_letter_is_only_logged(kate: Engine) -> None:
    app = CasetermApp(kate, idle_lock_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kate(app, pilot)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, QuickLog))
        await pilot.press("l", "4", "enter")
        await until(pilot, lambda: app.screen is screen and len(notes(kate)) == 1)
    [note] = notes(kate)
    assert (note.type, note.method, note.outcome) == (NoteType.ENGAGEMENT, ContactMethod.LETTER, ContactOutcome.RETURNED_MAIL)
    assert not paths.letters_dir().exists()
