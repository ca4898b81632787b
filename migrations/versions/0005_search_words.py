"""Whole-word search: an unstemmed word index next to the stemmed one.

`note_fts` is stemmed (porter), and FTS5 stems a prefix query too, so the
typed `bus*` became `bu*` and found "budget". `note_words` indexes the same
note text unstemmed (unicode61, `detail=none`: rowids only, no positions, so
it stays small); its vocabulary (`note_words_vocab`, fts5vocab) is where the
word being typed is expanded to the whole words that start with it, which the
stemmed index then matches (caseterm.services.notes.fts_query).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_STATEMENTS = [
    """CREATE VIRTUAL TABLE note_words USING fts5(
        text, content='note', content_rowid='id', tokenize='unicode61', detail='none')""",
    "CREATE VIRTUAL TABLE note_words_vocab USING fts5vocab(note_words, 'row')",
    """CREATE TRIGGER note_words_insert AFTER INSERT ON note BEGIN
        INSERT INTO note_words(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO note_words(note_words) VALUES('rebuild')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS note_words_insert")
    op.execute("DROP TABLE IF EXISTS note_words_vocab")
    op.execute("DROP TABLE IF EXISTS note_words")
