"""follows, notification preferences and digest claims

People follow threads (automatically when they post in one) and communities; each kind of
notification has a delivery (in site, e-mail at once, daily or weekly digest, off); a digest
is claimed per person and period before it is sent, so it is never sent twice. Everyone who
already posted in a thread follows it, so replies keep reaching its author as before.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MOMENT = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table('follow',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', BIG_ID, nullable=False),
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('created_at', MOMENT, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('user_id', 'target_type', 'target_id', name=op.f('uq_follow_user_id_target_type_target_id'))
    )
    op.create_index('ix_follow_target', 'follow', ['target_type', 'target_id'], unique=False)
    op.create_table('notification_preference',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preference'))
    )
    op.create_table('digest_claim',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('claimed_at', MOMENT, nullable=False),
    sa.Column('sent_at', MOMENT, nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_digest_claim_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'period', name=op.f('pk_digest_claim'))
    )
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('actor_id', BIG_ID, nullable=True))
        batch.create_foreign_key(op.f('fk_notification_actor_id_user_account'), 'user_account',
                                 ['actor_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "INSERT INTO follow (user_id, target_type, target_id, created_at) "
        "SELECT DISTINCT post.author_id, 'thread', post.thread_id, CURRENT_TIMESTAMP FROM post"
    )


def downgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.drop_constraint(op.f('fk_notification_actor_id_user_account'), type_='foreignkey')
        batch.drop_column('actor_id')
    op.drop_table('digest_claim')
    op.drop_table('notification_preference')
    op.drop_index('ix_follow_target', table_name='follow')
    op.drop_table('follow')
