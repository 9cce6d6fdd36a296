"""search index without a pending list: PostgreSQL's GIN index on post.search_vector is
updated at each write instead of collecting new entries in a pending list

GIN's default (fastupdate) appends new entries to an unsorted pending list that every
search reads in full until a vacuum merges it. After a bulk load, or between autovacuums on
a busy site, that list made one search word cost 4.4 ms instead of 0.02 ms (10,500 posts)
and turned the page's plan into a scan of every post. Posts are written far less often than
they are searched, so each write pays for its own index entry; the list is merged now.
SQLite (FTS5) is unchanged.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same setting as community.communities.models.POSTGRES_SEARCH_DDL.
UPGRADE = (
    "ALTER INDEX ix_post_search_vector SET (fastupdate = off)",
    "SELECT gin_clean_pending_list('ix_post_search_vector'::regclass)",
)
DOWNGRADE = ("ALTER INDEX ix_post_search_vector RESET (fastupdate)",)


def _run(statements: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
