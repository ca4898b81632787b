"""`caseterm note add` (issues 23.6, 23.1): the note form's rules from the shell, in a real
process. A collateral note names its party; with no release in force covering it the
command exits 2 naming `--release-reason` and writes nothing; with a reason it saves and
keeps it. Each bad option is named; a note saved ends the draft it became."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from test_cli import run

from caseterm.models import Client, Note, NoteDraft, Release
from caseterm.services import notes
from caseterm.store import open_store, resolve_url, session_scope

ENV = {"CASETERM_TODAY": "2026-12-07"}
CALL = ["--type", "collateral", "--method", "phone", "--outcome", "reached", "--minutes", "10"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "caseterm.db"
    engine = open_store(resolve_url(str(path)))
    with session_scope(engine) as s:
        c = Client(case_number="TA-9", legal_name="Keisha Williams", preferred_name="Keisha")
        s.add(c)
        s.flush()
        s.add(Release(client_id=c.id, party="Coordinated Entry", signed_on=dt.date(2026, 9, 1), expires_on=dt.date(2027, 9, 1)))
        notes.save_draft(s, c, text="Called the landlord about the repair.",
                         fields={"type": "collateral", "started_at": "2026-12-07T08:53:00"})
    engine.dispose()
    return path


def saved(db: Path) -> list[tuple]:
    engine = open_store(resolve_url(str(db)))
    with session_scope(engine) as s:
        rows = [(n.type.value, n.party, n.release_reason) for n in s.exec(select(Note).order_by(Note.id)).all()]
    engine.dispose()
    return rows


def drafts(db: Path) -> int:
    engine = open_store(resolve_url(str(db)))
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM notedraft")).scalar_one()
    engine.dispose()
    return count


def test_collateral_without_a_covering_release_exits_2_until_a_reason_is_given(db: Path) -> None:
    out = run("--db", str(db), "note", "add", "TA-9", *CALL, "--party", "landlord",
              "--text", "Called the landlord about the repair.", env=ENV)
    assert out.returncode == 2, out.stderr
    assert "--release-reason: no release of information in force covers 'landlord' (releases in force: Coordinated Entry)" in out.stderr
    assert "Traceback" not in out.stderr and saved(db) == [] and drafts(db) == 1
    out = run("--db", str(db), "note", "add", "TA-9", *CALL, "--party", "landlord", "--release-reason", "other",
              "--text", "Called the landlord about the repair.", env=ENV)
    assert out.returncode == 2 and "--reason-words: other needs a few words" in out.stderr
    out = run("--db", str(db), "note", "add", "TA-9", *CALL, "--party", "landlord", "--release-reason", "emergency",
              "--reason-words", "no heat, child at home", "--text", "Called the landlord about the repair.", env=ENV)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Note saved for TA-9: collateral")
    assert saved(db) == [("collateral", "landlord", "emergency: no heat, child at home")]
    assert drafts(db) == 0  # the draft it became ended with it (23.1)


def test_a_covering_release_needs_no_reason_and_bad_options_are_named(db: Path) -> None:
    out = run("--db", str(db), "note", "add", "TA-9", *CALL, "--party", "Coordinated Entry",
              "--text", "Asked CE about the housing match.", env=ENV)
    assert out.returncode == 0, out.stderr
    out = run("--db", str(db), "note", "add", "TA-9", "--type", "collateral", "--method", "fax", "--minutes", "x", env=ENV)
    assert out.returncode == 2
    for named in ("--method: 'fax' is not one of", "--minutes: 'x' is not a whole number", "--text: the note's text is required"):
        assert named in out.stderr
    out = run("--db", str(db), "note", "add", "TA-9", *CALL, "--text", "Called someone.", env=ENV)
    assert out.returncode == 2 and "--party: a collateral note names who was contacted" in out.stderr
    assert saved(db) == [("collateral", "Coordinated Entry", None)]
