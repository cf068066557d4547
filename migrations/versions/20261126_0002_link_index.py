"""link index: LSH buckets, outlet boilerplate, linker state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_key",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"],
            name=op.f("fk_link_key_article_id_article"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "article_id", name=op.f("pk_link_key")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_link_key_article_id", "link_key", ["article_id"], unique=False)
    op.create_table(
        "link_boilerplate",
        sa.Column("outlet_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outlet_id", "key", name=op.f("pk_link_boilerplate")),
    )
    op.create_table(
        "link_state",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_link_state")),
    )


def downgrade() -> None:
    op.drop_table("link_state")
    op.drop_table("link_boilerplate")
    op.drop_index("ix_link_key_article_id", table_name="link_key")
    op.drop_table("link_key")
