"""Each outbox row leaves through one channel of the policy's routing (``outbox.channel``);
rows queued before routing existed went to the log.

Written by hand to match ``sevflow/adapters/db/tables.py`` (a test compares the two).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(64), nullable=False, server_default="log"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("channel")
