"""A note shows its author by name (issue 22, item 2): the database keeps who (the login), the
display name comes from settings.toml in solo mode and from the worker record in agency mode."""

from __future__ import annotations

import datetime as dt

from caseterm import clock, config
from caseterm.services import workers
from caseterm.services.clients import get_client
from caseterm.services.notes import add_note
from caseterm.store import session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType
from caseterm.widgets.note_card import signature


def test_a_solo_note_is_signed_with_the_settings_full_name(engine) -> None:  # noqa: ANN001
    from caseterm.models import Client

    config.save_settings({"user": "dana", "full_name": "Dana Ortiz"})
    config.load_settings.cache_clear()
    clock.pin(dt.date(2026, 11, 2), dt.time(12, 0))
    with session_scope(engine) as s:
        s.add(Client(case_number="S-1", legal_name="Solo Client"))
    with session_scope(engine) as s:
        note = add_note(s, get_client(s, "S-1"), type=NoteType.CONTACT, text="Called about rent.",
                        method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=5)
        assert note.author == "dana"  # who: the login
        assert signature(note).startswith("Dana Ortiz · written 2026-11-02")
    assert workers.display_author("someone-else") == "someone-else"
