"""English in messages: counts agree with their nouns, `a`/`an` with the next sound; and real messages use them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from caseterm.text import a_an, plural, plural_of


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "client", "0 clients"),
        (1, "client", "1 client"),
        (2, "client", "2 clients"),
        (1, "business day", "1 business day"),
        (5, "business day", "5 business days"),
        (3, "entry", "3 entries"),
        (2, "day", "2 days"),
        (2, "match", "2 matches"),
        (2, "box", "2 boxes"),
        (1.0, "hour", "1 hour"),
        (37.5, "hour", "37.5 hours"),
        (40.0, "hour", "40 hours"),
        (-1, "day", "-1 days"),
        (2, "child", "2 children"),
        (1, "contact attempt", "1 contact attempt"),
        (2, "work-search week", "2 work-search weeks"),
    ],
)
def test_plural(count: float, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_plural_form_given() -> None:
    assert plural(2, "hours entry", "hours entries") == "2 hours entries"
    assert plural(1, "hours entry", "hours entries") == "1 hours entry"
    assert plural_of("case plan") == "case plans"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("engagement letter", "an engagement letter"),
        ("appointment letter", "an appointment letter"),
        ("re-engagement notice", "a re-engagement notice"),
        ("e-mail", "an e-mail"),
        ("urgent call", "an urgent call"),
        ("uninitialized case", "an uninitialized case"),
        ("user", "a user"),
        ("unit", "a unit"),
        ("one-time visit", "a one-time visit"),
        ("hour", "an hour"),
        ("home visit", "a home visit"),
        ("FSSP meeting", "an FSSP meeting"),
        ("EA", "an EA"),
        ("VI-SPDAT", "a VI-SPDAT"),
        ("SNAP case", "a SNAP case"),
        ("8:30 visit", "an 8:30 visit"),
        ("11:00 meeting", "an 11:00 meeting"),
        ("10:00 meeting", "a 10:00 meeting"),
        ("Engagement letter", "an Engagement letter"),
    ],
)
def test_a_an(phrase: str, expected: str) -> None:
    assert a_an(phrase) == expected


# -- real messages ------------------------------------------------------------------


def test_caseload_print_item_counts_one_client() -> None:
    from rules_support import client, one, snap

    day = dt.date(2026, 11, 2)  # a Monday
    item = one("caseload-print", snap(client("TA-1"), day=day), day)
    assert item is not None and "(1 client)" in item.title
    item = one("caseload-print", snap(client("TA-1"), client("TA-2"), day=day), day)
    assert item is not None and "(2 clients)" in item.title


def test_import_summary_counts_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from caseterm.cli import main

    data = {
        "format": "caseterm/1",
        "clients": [{"case_number": "TA-1", "legal_name": "Lou Reyes"}],
        "notes": [
            {"case_number": "TA-1", "contact_at": "2026-10-01T10:00:00", "written_at": "2026-10-01T11:00:00",
             "type": "contact", "method": "phone", "outcome": "reached", "minutes": 5, "author": "jdoe", "text": "Called."},
        ],
    }
    source = tmp_path / "one.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    try:
        main(["--db", str(tmp_path / "c.db"), "import", str(source)])
    except SystemExit as exit_:
        assert not exit_.code, capsys.readouterr().err
    out = capsys.readouterr().out
    # the counts in words; then what followed from them (the new client's HMIS enrollment, issue 24)
    assert "1 client, 1 note added; 1 new client enrolled in the default HMIS project." in out, out


def test_engagement_why_names_one_business_day() -> None:
    from rules_support import appt, at, client, one, snap

    from caseterm.vocabulary import AppointmentStatus

    day = dt.date(2026, 11, 2)
    c = client("TA-1", appointments=(appt(at(dt.date(2026, 10, 30)), status=AppointmentStatus.NO_SHOW),))
    item = one("missed-activity", snap(c, day=day), day)
    assert item is not None and "within 1 business day (003)" in item.why
