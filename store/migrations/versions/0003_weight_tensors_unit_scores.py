"""full weight tensors per layer pair with their SVD; measured per-unit scores

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weight_tensors",
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("shape", sa.JSON(), nullable=False),
        sa.Column("dtype", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("asset_sha256", sa.String(length=64), nullable=False),
        sa.Column("max_abs", sa.Float(), nullable=False),
        sa.Column("svd", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["asset_sha256"], ["assets.sha256"]),
        sa.ForeignKeyConstraint(["layer_id"], ["layers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["layers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("layer_id"),
    )
    op.create_table(
        "unit_scores",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "score"),
    )


def downgrade() -> None:
    op.drop_table("unit_scores")
    op.drop_table("weight_tensors")
