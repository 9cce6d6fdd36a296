"""crisis posts: a community chooses whether a post screened as a crisis is held for a
moderator (the default) or published with a content notice and guidance for peers

Revision ID: 0007_h12
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_h12"
down_revision: str | Sequence[str] | None = "0006"
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
