"""reply drafts: the reply a person is writing in a thread, kept on the server

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reply_draft",
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("thread_id", BIG_ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_reply_draft_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"],
                                name=op.f("fk_reply_draft_thread_id_thread"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_reply_draft")),
    )
    op.create_index("ix_reply_draft_user_updated", "reply_draft", ["user_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_reply_draft_user_updated", table_name="reply_draft")
    op.drop_table("reply_draft")
