"""report versions: a rendered report is reused while its summary's version is unchanged

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report_treatment_summary') as batch:
        batch.add_column(sa.Column('version', sa.BigInteger(), server_default='0',
                                   nullable=False))
    op.create_table('report_condition_version',
    sa.Column('condition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['catalog_condition.id'], name=op.f('fk_report_condition_version_condition_id_catalog_condition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('condition_id', name=op.f('pk_report_condition_version'))
    )


def downgrade() -> None:
    op.drop_table('report_condition_version')
    with op.batch_alter_table('report_treatment_summary') as batch:
        batch.drop_column('version')
