"""home visits and article conditions

`user_account.home_seen_at` and `home_since` remember a person's last look at their home and
since when things count as new on this visit (community.home). `education_article_condition`
names the conditions (one community each) an education article is about, so the members of
those communities hear of it on their home.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    # Nullable columns: SQLite adds them without rebuilding the table.
    op.add_column("user_account", sa.Column("home_seen_at", MOMENT, nullable=True))
    op.add_column("user_account", sa.Column("home_since", MOMENT, nullable=True))
    op.create_table(
        "education_article_condition",
        sa.Column("article_id", BIG_ID, nullable=False),
        sa.Column("community_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["education_article.id"],
            name=op.f("fk_education_article_condition_article_id_education_article"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"],
            name=op.f("fk_education_article_condition_community_id_community"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "community_id",
                                name=op.f("pk_education_article_condition")),
    )
    op.create_index("ix_education_article_condition_community_id",
                    "education_article_condition", ["community_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_education_article_condition_community_id",
                  table_name="education_article_condition")
    op.drop_table("education_article_condition")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("home_since")
        batch.drop_column("home_seen_at")
