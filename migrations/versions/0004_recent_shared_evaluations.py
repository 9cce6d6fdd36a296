"""recent shared evaluations: the report's newest shared evaluations come from an index

The treatment report lists the newest evaluations shared with the reader. Ordered by
(treatment, visibility, evaluated_on, id), each audience's newest twenty are the first
entries of one index range, so the report costs the same at 1,000 or 1,000,000
evaluations instead of sorting every evaluation of the treatment.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('treatment_evaluation') as batch:
        batch.drop_index('ix_treatment_evaluation_treatment_visible')
        batch.create_index('ix_treatment_evaluation_treatment_recent',
                           ['treatment_id', 'visibility', 'evaluated_on', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('treatment_evaluation') as batch:
        batch.drop_index('ix_treatment_evaluation_treatment_recent')
        batch.create_index('ix_treatment_evaluation_treatment_visible',
                           ['treatment_id', 'visibility', 'tip_status'], unique=False)
