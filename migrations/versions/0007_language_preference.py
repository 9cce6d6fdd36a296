"""language preference: user_account.locale is the language the person chose, or "" to
follow their browser (Accept-Language)

Until now every account held "en", set by default and never chosen; those become "" so
that a Russian-speaking person's browser is followed until they choose in the footer or
in their account settings. The column keeps its type (no table rebuild on SQLite).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE user_account SET locale = '' WHERE locale = 'en'")


def downgrade() -> None:
    op.execute("UPDATE user_account SET locale = 'en' WHERE locale = ''")
