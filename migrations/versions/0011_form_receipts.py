"""form receipts: one-time submission tokens, so a repeated submit returns the first result

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_receipt",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=False, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint("user_id", "token_hash", name=op.f("pk_form_receipt")),
    )


def downgrade() -> None:
    op.drop_table("form_receipt")
