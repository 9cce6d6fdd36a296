"""crisis posts: a community chooses whether a post screened as a crisis is held for a
moderator (the default) or published with a content notice and guidance for peers

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("community") as batch:
        batch.add_column(
            sa.Column("crisis_posts", sa.String(length=24), nullable=False, server_default="hold")
        )


def downgrade() -> None:
    with op.batch_alter_table("community") as batch:
        batch.drop_column("crisis_posts")
