"""Search that finds words (issue 13): whole words stemmed, the word being
typed as a prefix from three letters on, the agency's synonyms, and
`caseterm search` for the shell (the same service as the app's screen)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_search import settle

from caseterm import clock, paths
from caseterm.app import CasetermApp
from caseterm.models import Client
from caseterm.policy import clear_cache
from caseterm.screens.search import SearchResults, SearchScreen
from caseterm.services import notes as notes_service
from caseterm.store import open_store, resolve_url, session_scope
from caseterm.vocabulary import ContactMethod, ContactOutcome, NoteType

NOW = dt.datetime(2026, 11, 2, 10, 0)
#: What the record standard asks of a contact note (issue 12).
CONTACT = {"method": ContactMethod.PHONE, "outcome": ContactOutcome.REACHED, "minutes": 10}

TEXTS = {
    "bus": "The bus was late again; she missed the first hour.",
    "budget": "Went over the household budget line by line.",
    "buses": "Two buses to the job site; asked about a transit pass.",
    "business": "Small business idea: catering from home.",
    "child care": "Needs child care for the evening shift.",
    "childcare": "Childcare provider confirmed for Monday.",
    "daycare": "The daycare has a waitlist.",
}


@pytest.fixture
def uids(engine) -> dict[str, str]:
    clock.pin(NOW.date(), NOW.time())
    out = {}
    with session_scope(engine) as s:
        client = Client(case_number="TA-1", legal_name="Ann Able")
        s.add(client)
        s.flush()
        for n, (key, text) in enumerate(TEXTS.items()):
            note = notes_service.add_note(s, client, type=NoteType.CONTACT, text=text, contact_at=NOW - dt.timedelta(hours=n + 1), **CONTACT)
            out[key] = note.uid
    return out


def found(engine, query: str, **kw) -> set[str]:  # noqa: ANN001
    with session_scope(engine) as s:
        hits = notes_service.search_notes(s, query, **kw)
    by_uid = {u: k for k, u in _uids(engine).items()}
    return {by_uid[h.uid] for h in hits}


def _uids(engine) -> dict[str, str]:  # noqa: ANN001
    from sqlmodel import select

    from caseterm.models import Note

    with session_scope(engine) as s:
        return {next(k for k, t in TEXTS.items() if t == n.text): n.uid for n in s.exec(select(Note)).all()}


def test_bus_finds_bus_never_budget(engine, uids):
    # "bus" is being typed (3 letters): whole words starting with it, not bu…
    assert found(engine, "bus") == {"bus", "buses", "business"}
    assert "budget" not in found(engine, "bus ")
    assert found(engine, "late bus") == {"bus"}


def test_prefix_only_for_the_last_word_and_from_three_letters(engine, uids):
    assert found(engine, "budg") == {"budget"}  # the word being typed
    assert found(engine, "budg ") == set()  # finished: a whole word now
    assert found(engine, "budg household") == set()  # not the last word: whole
    assert found(engine, "household budg") == {"budget"}
    assert "budget" not in found(engine, "bu")  # two letters: no prefix
    assert found(engine, "busi") == {"business"}


def test_synonyms_from_the_policy_fold_words_and_phrases(engine, uids):
    both = {"child care", "childcare", "daycare"}
    assert found(engine, "childcare") == both  # the shipped policy's group
    assert found(engine, "child care") == both
    assert found(engine, "evening child care") == {"child care"}
    assert found(engine, "childcare", synonyms=()) == {"childcare"}
    assert found(engine, "waitlist", synonyms=[["waitlist", "budget"]]) == {"daycare", "budget"}


def test_agency_synonyms_replace_the_shipped_list(engine, uids):
    override = paths.policy_override_path()
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text('[search]\nsynonyms = [["coach", "bus"]]\n')
    clear_cache()
    try:
        assert found(engine, "coach") == {"bus"}
        assert found(engine, "childcare") == {"childcare"}
    finally:
        override.unlink()
        clear_cache()


def test_fts_query_is_safe_and_whole_worded():
    q = notes_service.fts_query
    assert q('"bus AND( -pass* NEAR(', (), lambda p: []) == '"bus" AND "and" AND "pass" AND "near"'
    assert q("bus", (), lambda p: ["buses", "business"]) == '("bus" OR "buses" OR "business")'
    assert q("bu", (), lambda p: ["budget"]) == '"bu"'
    assert q("Child Care now ", [["childcare", "child care"]]) == '("childcare" OR "child care") AND "now"'
    assert q("  ") == ""


async def test_search_screen_bus_does_not_show_budget(engine, uids):
    app = CasetermApp(engine, idle_lock_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"bus")
        await settle(app, pilot)
        screen = app.screen
        texts = [str(screen.query_one(SearchResults).get_option_at_index(i).prompt) for i in range(len(screen.hits))]
        assert len(texts) == 3
        assert not any("budget" in t for t in texts)
        assert any("The bus was late" in t for t in texts)


# -- caseterm search -----------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caseterm", *args], capture_output=True, text=True,
                          env={**os.environ, "CASETERM_TODAY": "2026-11-02"}, timeout=120)


@pytest.fixture
def db(db_path: Path, engine, uids) -> str:  # noqa: ANN001
    engine.dispose()
    return str(db_path)


def test_cli_json(db, uids):
    result = run("--db", db, "search", "bus", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["uid"] for r in rows} == {uids["bus"], uids["buses"], uids["business"]}
    first = next(r for r in rows if r["uid"] == uids["bus"])
    assert first == {
        "case_number": "TA-1",
        "uid": uids["bus"],
        "contact_at": "2026-11-02T09:00:00",
        "type": "contact",
        "snippet": TEXTS["bus"],
    }


def test_cli_text_and_limit(db, uids):
    result = run("--db", db, "search", "child", "care", "--limit", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("CONFIDENTIAL")
    assert "2 notes with 'child care'" in out
    assert out.count("TA-1  Ann Able") == 2
    assert "[" in out and "]" in out  # the matched words are marked
    one = run("--db", db, "search", "nothing-like-this")
    assert one.returncode == 0 and "0 notes" in one.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "search: WORDS: give at least one word"),
        (("--", "-*-"), "search: WORDS: give at least one word"),
        (("bus", "--limit", "0"), "search: --limit: must be at least 1, got 0"),
        (("bus", "--limit", "ten"), "search: --limit: expected a whole number, got 'ten'"),
    ],
)
def test_cli_bad_input_exits_2_naming_it(db, args, message):
    result = run("--db", db, "search", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_migration_0005_indexes_the_notes_already_there(tmp_path: Path):
    """Notes written at revision 0003 are in the word index after the upgrade; downgrade removes it."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from caseterm import migrations_dir
    from caseterm.store import make_engine

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    clock.pin(NOW.date(), NOW.time())
    with session_scope(engine) as s:
        # Core: the model's later columns (client.worker_id, 0006) are not in a 0003 table
        row = s.connection().execute(Client.__table__.insert().values(case_number="TA-1", legal_name="Ann Able"))
        client = Client(id=row.inserted_primary_key[0], case_number="TA-1", legal_name="Ann Able")
        # A note as revision 0003 stored it, in plain SQL: the model's later columns (party, 0011)
        # and the audit chain (0008) are not there yet; the app migrates before it writes.
        s.connection().execute(text(
            "INSERT INTO note (uid, client_id, contact_at, written_at, type, method, outcome, minutes, author, text,"
            " late_entry) VALUES ('u-1', :c, :at, :at, 'contact', 'phone', 'reached', 10, 'me', :t, 0)"),
            {"c": client.id, "at": NOW, "t": TEXTS["business"]})
    engine.dispose()
    migrated = open_store(resolve_url(str(db)))
    assert found(migrated, "bus") == {"business"}
    with migrated.begin() as conn:
        assert conn.execute(text("SELECT term FROM note_words_vocab WHERE term = 'business'")).scalar() == "business"
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert not {n for n in names if n.startswith("note_words")}
