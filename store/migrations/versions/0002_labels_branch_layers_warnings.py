"""hand-made unit labels with their sources, branch layers' parent layer, model warnings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:05:00.000000
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
        "label_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("authors", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("license", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.add_column("models", sa.Column("warning", sa.Text(), nullable=True))
    op.add_column("layers", sa.Column("parent", sa.String(length=256), nullable=True))
    # Inline REFERENCES, not a batch copy of `units`: with foreign keys on, dropping the old table would
    # cascade-delete every feature visualization, example and connection of the store.
    op.add_column(
        "units",
        sa.Column("label_source_id", sa.Integer(), sa.ForeignKey("label_sources.id"), nullable=True),
        inline_references=True,
    )


def downgrade() -> None:
    # SQLite cannot drop a column with a REFERENCES clause, so `units` is copied: run this with foreign keys off.
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("label_source_id")
    with op.batch_alter_table("layers", schema=None) as batch_op:
        batch_op.drop_column("parent")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("warning")
    op.drop_table("label_sources")
