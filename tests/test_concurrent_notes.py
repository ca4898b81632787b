"""Two workers saving at once never lose a write (issue 15): two processes each save
200 notes for the same client, on SQLite and on PostgreSQL; all 400 are there."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from caseterm.models import Client
from caseterm.store import open_store, session_scope

NOTES_EACH = 200

WRITER = r"""
import datetime as dt, sys
from caseterm.store import open_store, session_scope
from caseterm.services.clients import get_client
from caseterm.services.notes import add_note
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

url, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = open_store(url)
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
for i in range(count):
    with session_scope(engine) as s:
        add_note(s, get_client(s, "TA-1"), type=NoteType.CONTACT, text=f"{tag} note {i}",
                 contact_at=dt.datetime(2026, 10, 1, 9, 0) + dt.timedelta(minutes=i),
                 method=ContactMethod.PHONE, outcome=ContactOutcome.REACHED, minutes=5)
print("done", flush=True)
"""


@pytest.mark.slow
def test_two_processes_saving_notes_for_one_client_lose_nothing(store_url: str) -> None:
    engine = open_store(store_url)
    with session_scope(engine) as s:
        s.add(Client(case_number="TA-1", legal_name="Ana Reyes"))
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, store_url, tag, str(NOTES_EACH)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for tag in ("first", "second")
    ]
    try:
        for writer in writers:  # both connected and migrated before either writes
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready", writer.stderr
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        for writer in writers:
            out, err = writer.communicate(timeout=300)
            assert writer.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    with engine.connect() as conn:
        texts = conn.execute(text("SELECT text FROM note")).scalars().all()
        audited = conn.execute(text("SELECT count(*) FROM audit WHERE action = 'note_saved'")).scalar()
    assert len(texts) == 2 * NOTES_EACH
    assert set(texts) == {f"{tag} note {i}" for tag in ("first", "second") for i in range(NOTES_EACH)}
    assert audited == 2 * NOTES_EACH
    engine.dispose()
