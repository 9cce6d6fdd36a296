"""post search vector: PostgreSQL keeps each post's tsvector instead of an expression index

Search ranked its hits with ts_rank(to_tsvector('english', body), ...), which parses every
candidate body again, and the generic plan asyncpg's prepared statements settle on walks the
visible threads and tests each of their posts the same way: 300 ms a search with 10,000
posts. A stored generated column is parsed once, at write time, and indexed with GIN.
SQLite (FTS5) is unchanged.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same statements as community.communities.models.POSTGRES_SEARCH_DDL.
UPGRADE = (
    "DROP INDEX IF EXISTS ix_post_body_tsv",
    "ALTER TABLE post ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', body)) STORED",
    "CREATE INDEX ix_post_search_vector ON post USING gin (search_vector)",
)
DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_post_search_vector",
    "ALTER TABLE post DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX ix_post_body_tsv ON post USING gin (to_tsvector('english', body))",
)


def _run(statements: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
