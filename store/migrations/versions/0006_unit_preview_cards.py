"""units record their link-preview card (a 1200x630 PNG asset)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Inline REFERENCES, not a batch copy of `units`: with foreign keys on, dropping the old table would
    # cascade-delete every feature visualization, example and connection of the store (as in 0002).
    op.add_column(
        "units",
        sa.Column("card_sha256", sa.String(64), sa.ForeignKey("assets.sha256"), nullable=True),
        inline_references=True,
    )


def downgrade() -> None:
    # SQLite cannot drop a column with a REFERENCES clause, so `units` is copied: run this with foreign keys off.
    with op.batch_alter_table("units", schema=None) as batch:
        batch.drop_column("card_sha256")
