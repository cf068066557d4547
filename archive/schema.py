"""Schema management: Alembic owns the schema; this module drives it and checks it.

``healthwire init`` upgrades an archive to the head revision. Every other command opens the
archive through :func:`require_current`, which refuses an archive whose schema is behind (tell
the user to run ``healthwire init``) or ahead of this code (a newer healthwire wrote it; an
older one must not touch it).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from archive.errors import SchemaError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

#: Names of the full-text search objects (migration 0003): the FTS5 table and its shadow tables
#: on SQLite, the GIN index on PostgreSQL. The models cannot describe them, so the drift check
#: and autogenerate leave them out.
SEARCH_OBJECT_PREFIX = "article_fts"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: everything but the full-text search objects."""
    return not (name or "").startswith(SEARCH_OBJECT_PREFIX)


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the project's migrations, bound to ``engine``'s URL.

    The engine itself is handed to ``env.py`` through ``config.attributes`` so the migration
    runs on the caller's connection settings (pragmas, driver) rather than a fresh engine.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest revision this version of healthwire knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the archive is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the archive; return (revision before, revision after)."""
    before = current_revision(engine)
    if before is not None:
        _check_known(before)
    command.upgrade(alembic_config(engine), revision)
    after = current_revision(engine)
    assert after is not None
    return before, after


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the archive (used by tests and by operators rolling back a release)."""
    command.downgrade(alembic_config(engine), revision)


def _check_known(revision: str) -> None:
    """Refuse a revision this code has never heard of: a newer healthwire wrote it."""
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown or ambiguous ids
        known = False
    if not known:
        raise SchemaError(
            f"the archive's schema is at revision {revision}, which this version of healthwire "
            f"does not know (its newest is {head_revision()})",
            hint="the archive was written by a newer healthwire: upgrade healthwire, "
            "do not run an older one on it",
        )


def require_current(engine: Engine) -> str:
    """Refuse to work on an archive that is missing, behind or ahead; return its revision."""
    where = engine.url.render_as_string(hide_password=True)
    revision = current_revision(engine)
    if revision is None:
        if inspect(engine).get_table_names():
            raise SchemaError(
                f"{where} holds tables but no healthwire schema revision",
                hint="point --db at a healthwire archive, or at an empty database and run "
                "`healthwire init`",
            )
        raise SchemaError(
            f"no archive at {where}", hint="create it with `healthwire init`"
        )
    _check_known(revision)
    head = head_revision()
    if revision != head:
        raise SchemaError(
            f"the archive at {where} is at schema revision {revision}; this healthwire needs "
            f"{head}",
            hint="run `healthwire init` to upgrade it (back it up first)",
        )
    return revision
