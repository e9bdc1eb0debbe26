"""tuning curves, examples across the activation range, activation statistics, activation maps over crops

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_curves",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("axes", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "name"),
    )
    op.create_table(
        "range_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("quantile", sa.Float(), nullable=True),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("activation", sa.Float(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("crop", sa.JSON(), nullable=False),
        sa.Column("asset_sha256", sa.String(length=64), nullable=False),
        sa.Column("amap", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["asset_sha256"], ["assets.sha256"]),
        sa.ForeignKeyConstraint(["image_id"], ["dataset_images.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "kind", "rank"),
    )
    op.create_table(
        "activation_stats",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("std", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.Column("quantiles", sa.JSON(), nullable=False),
        sa.Column("histogram", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    op.add_column("dataset_examples", sa.Column("amap", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_examples", schema=None) as batch_op:
        batch_op.drop_column("amap")
    op.drop_table("activation_stats")
    op.drop_table("range_examples")
    op.drop_table("unit_curves")
