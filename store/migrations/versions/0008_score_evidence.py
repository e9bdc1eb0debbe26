"""family scores keep the absolute responses they rest on, and whether each unit joins the family

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A table of its own: stores of format 0007 are still served (families rank every scored unit, and say so).
    op.create_table(
        "score_evidence",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("stimulus", sa.Float(), nullable=False),
        sa.Column("blank", sa.Float(), nullable=False),
        sa.Column("dataset_peak", sa.Float(), nullable=True),
        sa.Column("class_share", sa.Float(), nullable=True),
        sa.Column("passes", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "family"),
    )


def downgrade() -> None:
    op.drop_table("score_evidence")
