"""Engagement letters name every missed activity of the window, in words that
follow the client's stage (issue 23.7): rendered from a real database."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from caseterm import clock, paths
from caseterm.models import Appointment, Client, Note
from caseterm.services.letters import ClientStage, LetterTemplate, render_letter, write_letter
from caseterm.store import session_scope
from caseterm.vocabulary import AppointmentKind, AppointmentStatus, ContactMethod, ContactOutcome, NoteType

TODAY = dt.date(2026, 12, 7)  # Monday
NOW = dt.datetime(2026, 12, 7, 9, 0)
DEC_1 = dt.datetime(2026, 12, 1, 10, 0)  # Tuesday: the FSSP
DEC_4 = dt.datetime(2026, 12, 4, 13, 30)  # Friday: the debriefing
MEETING = "I am looking forward to meeting you and learning more about your family and your goals."
AGAIN = "I am looking forward to seeing you again and hearing how you and your family are doing with your goals."
RECONNECT = "It has been a while since we were able to talk, and I would like to reconnect"


@pytest.fixture(autouse=True)
def settings() -> None:
    from caseterm.config import load_settings

    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('user = "jsmith"\nfull_name = "Jo Smith"\nphone = "503-555-0100"\n', encoding="utf-8")
    load_settings.cache_clear()
    clock.pin(TODAY, NOW.time())
    yield
    load_settings.cache_clear()


def _note(s, client_id: int, at: dt.datetime, type_: NoteType, method: ContactMethod, outcome: ContactOutcome | None) -> None:
    s.add(Note(uid=str(uuid.uuid4()), client_id=client_id, contact_at=at, written_at=at, type=type_, method=method,
               outcome=outcome, minutes=10, author="jsmith", text="Contact."))


def lupe(engine: Engine, *, first_interview: dt.date | None = dt.date(2026, 3, 2), reached: dt.datetime | None = None,
         attempts: bool = False) -> None:
    """Lupe: a client since March (nine months), missed Dec 1 and Dec 4."""
    with session_scope(engine) as s:
        c = Client(case_number="TA-31", legal_name="Lupe Tuilagi", program="TANF", first_interview_date=first_interview)
        s.add(c)
        s.flush()
        # an older no-show, before she was last reached: not in this letter's window
        s.add(Appointment(client_id=c.id, start=dt.datetime(2026, 11, 3, 10), kind=AppointmentKind.EA,
                          status=AppointmentStatus.NO_SHOW))
        s.add(Appointment(client_id=c.id, start=DEC_1, kind=AppointmentKind.FSSP, status=AppointmentStatus.NO_SHOW))
        s.add(Appointment(client_id=c.id, start=DEC_4, kind=AppointmentKind.DEBRIEFING, status=AppointmentStatus.NO_SHOW))
        if reached is not None:
            _note(s, c.id, reached, NoteType.CONTACT, ContactMethod.PHONE, ContactOutcome.REACHED)
        if attempts:  # two attempts since Nov 3, one in writing, both failed by today (the letter on Dec 1)
            _note(s, c.id, dt.datetime(2026, 11, 23, 10), NoteType.LETTER, ContactMethod.LETTER, None)
            _note(s, c.id, dt.datetime(2026, 12, 2, 9), NoteType.ENGAGEMENT, ContactMethod.PHONE, ContactOutcome.NO_ANSWER)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_letter_names_each_missed_activity_since_she_was_last_reached(engine: Engine, tmp_path: Path) -> None:
    lupe(engine, reached=dt.datetime(2026, 11, 10, 11))
    with session_scope(engine) as s:
        result = write_letter(s, "TA-31", LetterTemplate.ENGAGEMENT, out_dir=tmp_path)
    text = flat(result.text_path.read_text(encoding="utf-8"))
    assert ("We missed each other twice: on Tuesday, December 1, 2026, for your family plan (FSSP) meeting at the "
            "office, and on Friday, December 4, 2026, for your check-in meeting at the office.") in text
    assert "November 3" not in text  # missed before she was last reached (Nov 10)
    html = flat(result.html_path.read_text(encoding="utf-8"))
    assert "December 1, 2026" in html and "December 4, 2026" in html
    assert "missed appointments on 2026-12-01, 2026-12-04" in result.note.text


def test_one_missed_activity_reads_as_before(engine: Engine) -> None:
    lupe(engine, reached=dt.datetime(2026, 12, 2, 11))  # reached after Dec 1: only Dec 4 is left
    with session_scope(engine) as s:
        text = flat(render_letter(s, "TA-31", LetterTemplate.ENGAGEMENT).text)
    assert "We missed each other on Friday, December 4, 2026, when we were to meet at the office." in text
    assert "December 1" not in text


@pytest.mark.parametrize(
    ("lupe_kwargs", "stage", "words", "not_words"),
    [
        # nine months a client, reached in November: not "learning more about your family"
        ({"reached": dt.datetime(2026, 11, 10, 11)}, ClientStage.ONGOING, AGAIN, MEETING),
        # a first interview in March is enough to have met
        ({}, ClientStage.ONGOING, AGAIN, MEETING),
        # never met: 000's example wording
        ({"first_interview": None}, ClientStage.NEW, MEETING, AGAIN),
        # not reached since the Nov 3 no-show; two attempts (one in writing) unsuccessful: re-engagement (003)
        ({"attempts": True}, ClientStage.RE_ENGAGEMENT, RECONNECT, MEETING),
    ],
)
def test_the_words_follow_the_client_s_stage(engine: Engine, lupe_kwargs: dict, stage: ClientStage, words: str,
                                              not_words: str) -> None:
    from caseterm.services.letters import client_stage, missed_in_window
    from caseterm.services.clients import get_client

    lupe(engine, **lupe_kwargs)
    with session_scope(engine) as s:
        client = get_client(s, "TA-31")
        assert client_stage(s, client, missed_in_window(s, client, DEC_4.date()), TODAY) is stage
        text = flat(render_letter(s, "TA-31", LetterTemplate.ENGAGEMENT).text)
    assert words in text and not_words not in text


def test_an_agency_template_sees_the_stage_and_the_missed_list(engine: Engine) -> None:
    lupe(engine, reached=dt.datetime(2026, 11, 10, 11))
    folder = paths.templates_override_dir() / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "engagement.txt.j2").write_text(
        "Dear {{ client.first_name }}, stage {{ client.stage }}:"
        "{% for m in missed_all %} {{ m.start|longdate }}{% endfor %}\n", encoding="utf-8")
    with session_scope(engine) as s:
        text = flat(render_letter(s, "TA-31", LetterTemplate.ENGAGEMENT).text)
    assert "stage ongoing: Tuesday, December 1, 2026 Friday, December 4, 2026" in text

