"""Letters: rendered from a real database, written 0600, logged as a written attempt."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from caseterm import clock, paths
from caseterm.errors import BadInput
from caseterm.models import Appointment, Client, Note
from caseterm.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    ContactMethod,
    ContactOutcome,
    NoteType,
    Place,
)
from caseterm.services.letters import LetterTemplate, write_letter
from caseterm.store import session_scope

TODAY = dt.date(2026, 11, 2)  # a Monday
NOW = dt.datetime(2026, 11, 2, 9, 15)
MISSED = dt.datetime(2026, 10, 29, 8, 30)  # a Thursday, the no-show


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def settings() -> None:
    """The case manager's own details, as a letter needs them; the clock pinned."""
    from caseterm.config import load_settings

    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'user = "jsmith"\nfull_name = "Jo Smith"\nphone = "503-555-0100"\nemail = "jo.smith@example.org"\n'
        'agency = "We Care"\noffice_address = "12 Main St, Salem OR 97301"\n'
        'work_hours = "7:30 – 4:00 Monday – Friday"\n',
        encoding="utf-8",
    )
    load_settings.cache_clear()
    clock.pin(TODAY, NOW.time())
    yield
    load_settings.cache_clear()


@pytest.fixture
def caseload(engine: Engine) -> Engine:
    """Katherine (Kate) missed her FSSP on Oct 29 and has a debriefing booked; Dana is flagged DV."""
    with session_scope(engine) as s:
        kate = Client(
            case_number="TA-10432", legal_name="Katherine Moore", preferred_name="Kate",
            address="1 Elm St\nSalem OR 97301", phone="503-555-0142", remote=True,
        )
        dana = Client(case_number="TA-20001", legal_name="Dana <b>Cruz</b>", dv_in_home=True, exempt_hours=20)
        s.add_all([kate, dana])
        s.flush()
        s.add(Appointment(client_id=kate.id, start=MISSED, kind=AppointmentKind.FSSP, status=AppointmentStatus.NO_SHOW))
        s.add(Appointment(client_id=kate.id, start=dt.datetime(2026, 11, 5, 13, 30), minutes=45, kind=AppointmentKind.DEBRIEFING))
        s.add(Appointment(client_id=dana.id, start=dt.datetime(2026, 10, 30, 10, 0), kind=AppointmentKind.EA, status=AppointmentStatus.NO_SHOW))
        s.add(Appointment(client_id=dana.id, start=dt.datetime(2026, 11, 9, 10, 0), kind=AppointmentKind.EA, place=Place.PHONE))
    return engine


def notes_of(engine: Engine, case_number: str) -> list[Note]:
    with session_scope(engine) as s:
        client = s.exec(select(Client).where(Client.case_number == case_number)).one()
        return list(s.exec(select(Note).where(Note.client_id == client.id).order_by(Note.id)).all())


def test_engagement_letter_is_the_000_example_filled_from_the_database(caseload: Engine, tmp_path: Path) -> None:
    from caseterm.policy import load_policy

    out = tmp_path / "out"
    with session_scope(caseload) as s:
        result = write_letter(s, "TA-10432", LetterTemplate.ENGAGEMENT, out_dir=out)
    text = result.text_path.read_text(encoding="utf-8")
    html = result.html_path.read_text(encoding="utf-8")
    hours = f"{load_policy().participation.weekly_hours:g}"
    flat = " ".join(text.split())
    for expected in (
        "CONFIDENTIAL",
        "Dear Kate,",
        "Thursday, October 29, 2026",  # the missed office visit
        f"based on {hours} hours a week",  # required hours, from the policy
        "My work hours are 7:30 – 4:00 Monday – Friday",
        "We could meet at your home or somewhere that is close and convenient for you",
        "Please call me at 503-555-0100",
        "Katherine Moore",  # the mailing address uses the legal name
        "1 Elm St",
        "Jo Smith",
        "We Care",
    ):
        assert expected in flat, expected
        assert " ".join(expected.split()) in " ".join(html.replace("<br>", " ").split()) or expected == "Dear Kate,"
    assert "Dear Kate," in html
    assert html.count("CONFIDENTIAL") >= 2  # header and footer of the page
    assert "@page" in html and "size: letter" in html
    assert mode(result.text_path) == 0o600 and mode(result.html_path) == 0o600
    assert result.text_path.parent == out and mode(out) == 0o700

    note = result.note
    assert note.type == NoteType.LETTER and note.method == ContactMethod.LETTER
    assert note.contact_at == NOW and note.author == "jsmith"
    assert "engagement letter" in note.text and "2026-10-29" in note.text
    assert [n.id for n in notes_of(caseload, "TA-10432")] == [note.id]


def test_default_folder_is_letters_under_the_data_dir_and_never_overwrites(caseload: Engine) -> None:
    with session_scope(caseload) as s:
        first = write_letter(s, "TA-10432", "engagement")
        second = write_letter(s, "TA-10432", "engagement", missed_on=dt.date(2026, 10, 29))
    assert first.text_path.parent == paths.data_dir() / "letters"
    assert mode(paths.data_dir() / "letters") == 0o700
    assert first.text_path != second.text_path and first.text_path.exists() and second.text_path.exists()
    assert len(notes_of(caseload, "TA-10432")) == 2


def test_dv_flagged_client_is_never_offered_a_home_visit_and_html_is_escaped(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        result = write_letter(s, "TA-20001", LetterTemplate.ENGAGEMENT, out_dir=tmp_path)
    text = result.text_path.read_text(encoding="utf-8")
    html = result.html_path.read_text(encoding="utf-8")
    assert "your home" not in text and "your home" not in html
    assert "based on 20 hours a week" in " ".join(text.split())  # exempt: the allowed hours
    assert "Dana &lt;b&gt;Cruz&lt;/b&gt;" in html and "<b>Cruz</b>" not in html
    assert "Dana <b>Cruz</b>" in text  # plain text is not escaped
    assert "office or a neutral place" in result.note.text


def test_appointment_letter_names_the_next_appointment_or_the_one_given(caseload: Engine, tmp_path: Path) -> None:
    with session_scope(caseload) as s:
        result = write_letter(s, "TA-10432", LetterTemplate.APPOINTMENT, out_dir=tmp_path)
        phone = write_letter(s, "TA-20001", "appointment", out_dir=tmp_path)
    flat = " ".join(result.text_path.read_text(encoding="utf-8").split())
    assert "check-in meeting with me on Thursday, November 5, 2026 at 1:30 p.m. (about 45 minutes)" in flat
    assert "We will meet at the office: 12 Main St, Salem OR 97301" in flat
    assert "2026-11-05 13:30" in result.note.text
    assert "I will call you" in phone.text_path.read_text(encoding="utf-8")

    with session_scope(caseload) as s:
        appt_id = s.exec(select(Appointment.id).where(Appointment.status == AppointmentStatus.NO_SHOW)).first()
        other = s.exec(
            select(Appointment.id).join(Client).where(Client.case_number == "TA-20001")
        ).first()
        explicit = write_letter(s, "TA-10432", "appointment", appointment_id=appt_id, out_dir=tmp_path)
        assert "Thursday, October 29, 2026 at 8:30 a.m." in " ".join(explicit.text_path.read_text().split())
        with pytest.raises(BadInput, match=r"--appointment \d+: not an appointment of case TA-10432"):
            write_letter(s, "TA-10432", "appointment", appointment_id=other, out_dir=tmp_path)


def test_re_engagement_notice_lists_attempts_and_explains_good_cause(caseload: Engine, tmp_path: Path) -> None:
    from caseterm.services.notes import add_note

    with session_scope(caseload) as s:
        kate = s.exec(select(Client).where(Client.case_number == "TA-10432")).one()
        add_note(s, kate, type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=5,
                 text="Called, no answer.", contact_at=dt.datetime(2026, 10, 30, 9, 0))
        result = write_letter(s, "TA-10432", "re-engagement", out_dir=tmp_path)
    flat = " ".join(result.text_path.read_text(encoding="utf-8").split())
    assert "- a phone call on Friday, October 30, 2026" in flat
    assert "good cause" in flat and "penalty" in flat
    assert "Thursday, October 29, 2026" in flat  # the missed appointment
    assert "November 5" not in flat  # the debriefing is not the re-engagement meeting
    assert "Please call me so that we can set a time to meet." in flat
    assert result.note.type == NoteType.LETTER

    with session_scope(caseload) as s:
        kate = s.exec(select(Client).where(Client.case_number == "TA-10432")).one()
        s.add(Appointment(client_id=kate.id, start=dt.datetime(2026, 11, 6, 10, 0),
                          kind=AppointmentKind.RE_ENGAGEMENT_STAFFING, place=Place.NEUTRAL))
    with session_scope(caseload) as s:
        staffed = write_letter(s, "TA-10432", "re-engagement", out_dir=tmp_path)
    flat = " ".join(staffed.text_path.read_text(encoding="utf-8").split())
    assert "The re-engagement meeting is on Friday, November 6, 2026 at 10:00 a.m., at a place close and convenient for you." in flat
    assert "- a letter on Monday, November 2, 2026" in flat  # the first notice is now an attempt


def test_letter_counts_as_the_written_attempt_of_the_engagement_rule(caseload: Engine, tmp_path: Path) -> None:
    """No-show + one phone attempt: the engagement item wants one in writing; the letter supplies it."""
    from caseterm.services.due import due_items
    from caseterm.services.notes import add_note

    def engagement_items() -> list:
        with session_scope(caseload) as s:
            return [i for i in due_items(s, TODAY) if i.rule == "engagement" and i.case_number == "TA-10432"]

    with session_scope(caseload) as s:
        kate = s.exec(select(Client).where(Client.case_number == "TA-10432")).one()
        add_note(s, kate, type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=5,
                 text="Called about the missed FSSP, no answer.", contact_at=dt.datetime(2026, 10, 30, 9, 0))
    before = engagement_items()
    assert len(before) == 1
    assert "1 of 2" in before[0].title and "one in writing" in before[0].title

    with session_scope(caseload) as s:
        write_letter(s, "TA-10432", LetterTemplate.ENGAGEMENT, out_dir=tmp_path)
    after = engagement_items()
    # The attempts item is cleared: two unsuccessful attempts, one in writing, one by phone.
    assert not any(i.occurrence == before[0].occurrence for i in after)
    assert all("one in writing" not in i.title for i in after)
    # A letter cannot have failed the day it is sent: nothing more is due today...
    assert after == []
    # ...and once its response window has passed with no contact, the rule moves on (003).
    with session_scope(caseload) as s:
        later = [i for i in due_items(s, dt.date(2026, 11, 10)) if i.case_number == "TA-10432"
                 and i.rule in ("engagement", "re-engagement")]
    assert [(i.rule, i.title.split(":")[0]) for i in later] == [("re-engagement", "Begin re-engagement")]


def test_letter_alone_leaves_only_the_other_format_missing(caseload: Engine, tmp_path: Path) -> None:
    from caseterm.services.due import due_items

    with session_scope(caseload) as s:
        write_letter(s, "TA-10432", "engagement", out_dir=tmp_path)
    with session_scope(caseload) as s:
        items = [i for i in due_items(s, TODAY) if i.rule == "engagement" and i.case_number == "TA-10432"]
    assert len(items) == 1 and "one in writing" not in items[0].title and "one by phone" in items[0].title


def test_agency_template_overrides_the_shipped_one(caseload: Engine, tmp_path: Path) -> None:
    override = paths.templates_override_dir() / "letters"
    override.mkdir(parents=True)
    (override / "engagement.txt.j2").write_text(
        "Hello {{ client.first_name }}, our agency's own words. Call {{ cm.phone }}.\n", encoding="utf-8"
    )
    with session_scope(caseload) as s:
        result = write_letter(s, "TA-10432", "engagement", out_dir=tmp_path)
    text = result.text_path.read_text(encoding="utf-8")
    assert "Hello Kate, our agency's own words. Call 503-555-0100." in text
    assert "CONFIDENTIAL" in text  # the shared frame still marks it
    assert "our agency&#39;s own words" in result.html_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"case_number": "TA-99999", "template": "engagement"}, "case number 'TA-99999': no such client"),
        ({"case_number": "TA-10432", "template": "thank-you"}, "unknown letter template 'thank-you'"),
        ({"case_number": "TA-10432", "template": "engagement", "missed_on": dt.date(2026, 11, 20)}, "--missed-on: 2026-11-20 is after today"),
        ({"case_number": "TA-10432", "template": "appointment", "appointment_id": 999}, "--appointment 999: no such appointment"),
    ],
)
def test_bad_input_names_it_and_changes_nothing(caseload: Engine, tmp_path: Path, kwargs: dict, message: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        with session_scope(caseload) as s:
            write_letter(s, out_dir=out, **kwargs)
    assert notes_of(caseload, "TA-10432") == []
    assert not out.exists() or not any(out.iterdir())


def test_missing_occasion_fields_are_named(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as s:
        s.add(Client(case_number="TA-1", legal_name="No History"))
    with pytest.raises(BadInput, match="--missed-on: required for the engagement letter"):
        with session_scope(engine) as s:
            write_letter(s, "TA-1", "engagement", out_dir=tmp_path)
    with pytest.raises(BadInput, match="--appointment: required for the appointment letter"):
        with session_scope(engine) as s:
            write_letter(s, "TA-1", "appointment", out_dir=tmp_path)
    assert notes_of(engine, "TA-1") == []


def test_a_letter_needs_the_case_managers_phone(caseload: Engine, tmp_path: Path) -> None:
    from caseterm.config import load_settings

    paths.settings_path().write_text('full_name = "Jo Smith"\n', encoding="utf-8")
    load_settings.cache_clear()
    with pytest.raises(BadInput, match="phone is not set"):
        with session_scope(caseload) as s:
            write_letter(s, "TA-10432", "engagement", out_dir=tmp_path)
    assert notes_of(caseload, "TA-10432") == []


def test_engagement_letter_says_where_the_missed_meeting_was_and_skips_hours_without_a_requirement(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as s:
        client = Client(case_number="HF-1", legal_name="Lou Reyes", program="Housing First")
        s.add(client)
        s.flush()
        s.add(Appointment(client_id=client.id, start=dt.datetime(2026, 10, 30, 14, 0), kind=AppointmentKind.HOME_VISIT,
                          place=Place.HOME, status=AppointmentStatus.NO_SHOW))
    with session_scope(engine) as s:
        result = write_letter(s, "HF-1", "engagement", out_dir=tmp_path)
    flat = " ".join(result.text_path.read_text(encoding="utf-8").split())
    assert "on Friday, October 30, 2026, when we were to meet at your home." in flat
    assert "hours a week" not in flat  # Housing First has no participation hours in the policy
    assert "how your plan is going" in flat


# -- the letter the case calls for, previews, the signature ---------------------------


def test_suggested_template_follows_the_engagement_rules(caseload: Engine) -> None:
    """Engagement after a missed activity; re-engagement once two attempts (one written) failed;
    the appointment letter when one is coming and nothing was missed."""
    from caseterm.services.letters import suggest_template
    from caseterm.services.notes import add_note

    with session_scope(caseload) as s:
        assert suggest_template(s, "TA-10432") is LetterTemplate.ENGAGEMENT
        kate = s.exec(select(Client).where(Client.case_number == "TA-10432")).one()
        add_note(s, kate, type=NoteType.ENGAGEMENT, method=ContactMethod.PHONE, outcome=ContactOutcome.NO_ANSWER, minutes=5,
                 text="Called, no answer.", contact_at=dt.datetime(2026, 10, 30, 9, 0))
        assert suggest_template(s, "TA-10432") is LetterTemplate.ENGAGEMENT  # one attempt, none written
        write_letter(s, "TA-10432", "engagement", out_dir=Path(os.environ["XDG_DATA_HOME"]) / "out")
        # the letter has not failed the day it was sent; a week later with no answer, it has
        assert suggest_template(s, "TA-10432") is LetterTemplate.ENGAGEMENT
        clock.pin(dt.date(2026, 11, 10), NOW.time())
        assert suggest_template(s, "TA-10432") is LetterTemplate.RE_ENGAGEMENT
        clock.pin(TODAY, NOW.time())
        # Reaching her ends the episode: the next letter confirms her coming appointment.
        add_note(s, kate, type=NoteType.CONTACT, method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED,
                 text="Reached; she will come on the 5th.", contact_at=dt.datetime(2026, 11, 2, 9, 10), minutes=5)
        assert suggest_template(s, "TA-10432") is LetterTemplate.APPOINTMENT
        s.add(Client(case_number="TA-3", legal_name="Nothing Yet"))
        s.flush()
        assert suggest_template(s, "TA-3") is LetterTemplate.ENGAGEMENT  # the fallback; the app says it cannot be written


def test_choices_render_every_template_that_fits_and_say_why_not_the_others(engine: Engine, tmp_path: Path) -> None:
    from caseterm.services.letters import letter_choices

    with session_scope(engine) as s:
        lou = Client(case_number="TA-2", legal_name="Lou Reyes")
        s.add(lou)
        s.flush()
        s.add(Appointment(client_id=lou.id, start=dt.datetime(2026, 11, 4, 10, 0), kind=AppointmentKind.EA))
    with session_scope(engine) as s:
        choices = letter_choices(s, "TA-2")
    assert choices.suggested is LetterTemplate.APPOINTMENT
    assert [r.template for r in choices.letters] == [LetterTemplate.APPOINTMENT]
    assert choices.unavailable == {
        LetterTemplate.ENGAGEMENT: "no missed appointment on file",
        LetterTemplate.RE_ENGAGEMENT: "no missed appointment on file",
    }
    assert notes_of(engine, "TA-2") == []  # rendering writes nothing


def test_what_is_rendered_is_what_is_written(caseload: Engine, tmp_path: Path) -> None:
    from caseterm.services.letters import render_letter

    with session_scope(caseload) as s:
        preview = render_letter(s, "TA-10432", LetterTemplate.RE_ENGAGEMENT)
    assert notes_of(caseload, "TA-10432") == []
    clock.pin(TODAY, (NOW + dt.timedelta(minutes=3)).time())  # the user reads for three minutes
    expected = preview.paths(tmp_path)
    with session_scope(caseload) as s:
        result = write_letter(s, "TA-10432", preview.template, missed_on=preview.missed_on,
                              appointment_id=preview.appointment_id, out_dir=tmp_path, at=preview.at)
    assert (result.text_path, result.html_path) == expected
    assert result.text_path.read_text(encoding="utf-8") == preview.text
    assert result.html_path.read_text(encoding="utf-8") == preview.html
    assert result.note.text == preview.note_text and result.note.contact_at == preview.at


@pytest.mark.parametrize(
    ("settings_text", "missing"),
    [
        ('user = "root"\nphone = "503-555-0100"\n', ["full_name"]),
        ('full_name = "Jo Smith"\nphone = "  "\n', ["phone"]),
        ('user = "root"\n', ["full_name", "phone"]),
    ],
)
def test_a_letter_is_signed_by_the_person_never_the_login(
    caseload: Engine, tmp_path: Path, settings_text: str, missing: list[str]
) -> None:
    from caseterm.config import load_settings
    from caseterm.services.letters import missing_signature

    paths.settings_path().write_text(settings_text, encoding="utf-8")
    load_settings.cache_clear()
    assert missing_signature() == missing
    with pytest.raises(BadInput) as err:
        with session_scope(caseload) as s:
            write_letter(s, "TA-10432", "engagement", out_dir=tmp_path / "out")
    assert [line.split(";")[0] for line in err.value.errors] == [
        f"{paths.settings_path()}: {key} is not set" for key in missing
    ]
    assert notes_of(caseload, "TA-10432") == [] and not (tmp_path / "out").exists()


def test_save_signature_names_each_missing_field_and_saves_both(tmp_path: Path) -> None:
    from caseterm.config import load_settings
    from caseterm.services.letters import missing_signature, save_signature

    paths.settings_path().write_text('user = "jsmith"\n', encoding="utf-8")
    load_settings.cache_clear()
    with pytest.raises(BadInput) as err:
        save_signature({"full_name": "  ", "phone": ""})
    assert [e.split(" (")[0] for e in err.value.errors] == ["full_name: required", "phone: required"]
    assert paths.settings_path().read_text(encoding="utf-8") == 'user = "jsmith"\n'
    save_signature({"full_name": " Jo   Smith ", "phone": "503-555-0100"})
    assert missing_signature() == []
    assert (load_settings().full_name, load_settings().phone, load_settings().user) == ("Jo Smith", "503-555-0100", "jsmith")
