"""a tour stop's checkable claims (JSON), none for the stops saved before

Revision ID: n0003
Revises: n0002
Create Date: 2026-12-06 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "n0003"
down_revision: str | None = "n0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tour_stops") as batch:
        batch.add_column(sa.Column("claims", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tour_stops") as batch:
        batch.drop_column("claims")
