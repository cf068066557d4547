"""full-text search over article title and text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:00:00

SQLite: an FTS5 table ``article_fts`` with external content (the ``article`` table itself, so
no text is stored twice), kept in step by three triggers and filled from the existing rows.
PostgreSQL: a GIN expression index ``article_fts`` on the weighted tsvector of title and text.

Both are invisible to the models on purpose (``archive.schema.include_name`` hides them from
the drift check): SQLAlchemy cannot describe a virtual table or an expression index well enough
to compare them, and only ``archive.search`` reads them.

A later migration that batch-alters ``article`` on SQLite recreates the table, which drops the
triggers: it must create them again (``_SQLITE_TRIGGERS`` below) and rebuild the index.
``tests/test_search.py`` checks that they exist at head.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep in step with archive/search.py (_PG_DOCUMENT): the planner uses the index only when a
# query repeats this expression exactly. The caps keep to_tsvector below its 1 MB limit on the
# lexemes of one document (a page of unique 4-byte words needs 4 bytes a character): without
# them, ingesting one huge page would fail.
_PG_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, left(coalesce(title, ''), 2000)), 'A') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(text, ''), 200000)), 'D')"
)

_SQLITE_TRIGGERS = {
    "article_fts_insert": """
        CREATE TRIGGER article_fts_insert AFTER INSERT ON article BEGIN
            INSERT INTO article_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END""",
    "article_fts_delete": """
        CREATE TRIGGER article_fts_delete AFTER DELETE ON article BEGIN
            INSERT INTO article_fts (article_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END""",
    # Only title and text matter: the linker updates other columns of every article it links.
    "article_fts_update": """
        CREATE TRIGGER article_fts_update AFTER UPDATE OF title, text ON article BEGIN
            INSERT INTO article_fts (article_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO article_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END""",
}


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5("
            "title, text, content='article', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        for sql in _SQLITE_TRIGGERS.values():
            op.execute(sql)
        op.execute("INSERT INTO article_fts (article_fts) VALUES ('rebuild')")
    else:
        op.execute(f"CREATE INDEX article_fts ON article USING gin (({_PG_DOCUMENT}))")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS article_fts")
    else:
        op.execute("DROP INDEX IF EXISTS article_fts")
