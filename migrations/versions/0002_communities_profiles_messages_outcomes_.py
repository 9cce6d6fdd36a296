"""communities, profiles, messages, outcomes, research, moderation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:06:36.307633
"""

from collections.abc import Sequence

import advanced_alchemy.types  # noqa: F401
import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Full-text search over posts (the same statements as community.communities.models).
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE posts_fts USING fts5("
    "body, content='post', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER post_fts_insert AFTER INSERT ON post BEGIN "
    "INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON post BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
)
SQLITE_SEARCH_DROP = (
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TABLE IF EXISTS posts_fts",
)
POSTGRES_SEARCH_DDL = (
    "CREATE INDEX ix_post_body_tsv ON post USING gin (to_tsvector('english', body))",
)
POSTGRES_SEARCH_DROP = ("DROP INDEX IF EXISTS ix_post_body_tsv",)


def _run(statements_by_dialect: dict[str, tuple[str, ...]]) -> None:
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def upgrade() -> None:
    op.create_table('catalog_condition',
    sa.Column('icd10', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('synonyms', sa.JSON(), nullable=False),
    sa.Column('curated', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_condition')),
    sa.UniqueConstraint('slug', name=op.f('uq_catalog_condition_slug'))
    )
    op.create_table('catalog_side_effect',
    sa.Column('is_symptom', sa.Boolean(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('synonyms', sa.JSON(), nullable=False),
    sa.Column('curated', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_side_effect')),
    sa.UniqueConstraint('slug', name=op.f('uq_catalog_side_effect_slug'))
    )
    op.create_table('catalog_symptom',
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('synonyms', sa.JSON(), nullable=False),
    sa.Column('curated', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_symptom')),
    sa.UniqueConstraint('slug', name=op.f('uq_catalog_symptom_slug'))
    )
    op.create_table('catalog_treatment',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('drug_class', sa.String(length=200), nullable=False),
    sa.Column('common_units', sa.JSON(), nullable=False),
    sa.Column('condition_slugs', sa.JSON(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('synonyms', sa.JSON(), nullable=False),
    sa.Column('curated', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_treatment')),
    sa.UniqueConstraint('slug', name=op.f('uq_catalog_treatment_slug'))
    )
    op.create_table('community',
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('icd10', sa.String(length=16), nullable=False),
    sa.Column('condition_slug', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('archived_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community')),
    sa.UniqueConstraint('slug', name=op.f('uq_community_slug'))
    )
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_condition_slug'), ['condition_slug'], unique=False)

    op.create_table('research_snapshot',
    sa.Column('taken_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_snapshot'))
    )
    with op.batch_alter_table('research_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_snapshot_taken_at'), ['taken_at'], unique=False)

    op.create_table('catalog_term_proposal',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('proposer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_catalog_term_proposal_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposer_id'], ['user_account.id'], name=op.f('fk_catalog_term_proposal_proposer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_term_proposal'))
    )
    with op.batch_alter_table('catalog_term_proposal', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_term_proposal_status', ['status'], unique=False)

    op.create_table('check_in',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_check_in_level_range')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_check_in_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in')),
    sa.UniqueConstraint('user_id', 'recorded_on', name=op.f('uq_check_in_user_id_recorded_on'))
    )
    op.create_table('clinician_application',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('real_name', sa.String(length=120), nullable=False),
    sa.Column('profession', sa.String(length=80), nullable=False),
    sa.Column('specialty', sa.String(length=120), nullable=False),
    sa.Column('licence_number', sa.String(length=64), nullable=False),
    sa.Column('jurisdiction', sa.String(length=120), nullable=False),
    sa.Column('disclosures', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_clinician_application_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_clinician_application_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_application'))
    )
    with op.batch_alter_table('clinician_application', schema=None) as batch_op:
        batch_op.create_index('ix_clinician_application_user_id', ['user_id'], unique=False)

    op.create_table('community_membership',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('joined_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_community_membership_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_community_membership_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_membership')),
    sa.UniqueConstraint('user_id', 'community_id', name='uq_community_membership_user_community')
    )
    with op.batch_alter_table('community_membership', schema=None) as batch_op:
        batch_op.create_index('ix_community_membership_community_id', ['community_id'], unique=False)

    op.create_table('education_article',
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('first_published_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_education_article_author_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_article'))
    )
    with op.batch_alter_table('education_article', schema=None) as batch_op:
        batch_op.create_index('ix_education_article_author_id', ['author_id'], unique=False)

    op.create_table('moderation_penalty',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('until', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('lifted_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_moderation_penalty_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id'], name=op.f('fk_moderation_penalty_lifted_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_moderation_penalty_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_penalty'))
    )
    with op.batch_alter_table('moderation_penalty', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_penalty_user_id', ['user_id'], unique=False)

    op.create_table('moderator_note',
    sa.Column('subject_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_moderator_note_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_user_id'], ['user_account.id'], name=op.f('fk_moderator_note_subject_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderator_note'))
    )
    with op.batch_alter_table('moderator_note', schema=None) as batch_op:
        batch_op.create_index('ix_moderator_note_subject_user_id', ['subject_user_id'], unique=False)

    op.create_table('notification',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('read_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_id_id', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_notification_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('private_message',
    sa.Column('sender_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipient_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('labels', sa.String(length=128), nullable=False),
    sa.Column('read_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('reported_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'], name=op.f('fk_private_message_recipient_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['user_account.id'], name=op.f('fk_private_message_sender_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_private_message'))
    )
    with op.batch_alter_table('private_message', schema=None) as batch_op:
        batch_op.create_index('ix_private_message_recipient_id_sender_id', ['recipient_id', 'sender_id'], unique=False)
        batch_op.create_index('ix_private_message_sender_id_recipient_id', ['sender_id', 'recipient_id'], unique=False)

    op.create_table('profile',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sex', sa.String(length=16), nullable=True),
    sa.Column('sex_visibility', sa.String(length=16), nullable=False),
    sa.Column('age_band', sa.String(length=8), nullable=True),
    sa.Column('age_band_visibility', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('country_visibility', sa.String(length=16), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('about_visibility', sa.String(length=16), nullable=False),
    sa.Column('about_status', sa.String(length=16), nullable=False),
    sa.Column('discoverable', sa.Boolean(), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_profile'))
    )
    op.create_table('profile_condition',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('diagnosed_year', sa.Integer(), nullable=True),
    sa.Column('first_symptoms_year', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_profile_condition_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_profile_condition_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_condition')),
    sa.UniqueConstraint('user_id', 'community_id', name=op.f('uq_profile_condition_user_id_community_id'))
    )
    with op.batch_alter_table('profile_condition', schema=None) as batch_op:
        batch_op.create_index('ix_profile_condition_community_id', ['community_id'], unique=False)

    op.create_table('questionnaire_answer',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_version', sa.String(length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('band_code', sa.String(length=64), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('subscales', sa.JSON(), nullable=False),
    sa.Column('authored_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_questionnaire_answer_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_answer'))
    )
    with op.batch_alter_table('questionnaire_answer', schema=None) as batch_op:
        batch_op.create_index('ix_questionnaire_answer_user_authored', ['user_id', 'authored_at'], unique=False)

    op.create_table('report_condition_treatment',
    sa.Column('condition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('treatment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.Column('evaluations', sa.Integer(), nullable=False),
    sa.Column('effect_major', sa.Integer(), nullable=False),
    sa.Column('effect_moderate', sa.Integer(), nullable=False),
    sa.Column('effect_slight', sa.Integer(), nullable=False),
    sa.Column('effect_none', sa.Integer(), nullable=False),
    sa.Column('effect_cant_tell', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['catalog_condition.id'], name=op.f('fk_report_condition_treatment_condition_id_catalog_condition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['treatment_id'], ['catalog_treatment.id'], name=op.f('fk_report_condition_treatment_treatment_id_catalog_treatment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('condition_id', 'treatment_id', name=op.f('pk_report_condition_treatment'))
    )
    with op.batch_alter_table('report_condition_treatment', schema=None) as batch_op:
        batch_op.create_index('ix_report_condition_treatment_condition', ['condition_id', 'patients'], unique=False)

    op.create_table('report_treatment_answer',
    sa.Column('treatment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('question', sa.String(length=48), nullable=False),
    sa.Column('answer', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['treatment_id'], ['catalog_treatment.id'], name=op.f('fk_report_treatment_answer_treatment_id_catalog_treatment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('treatment_id', 'question', 'answer', name=op.f('pk_report_treatment_answer'))
    )
    op.create_table('report_treatment_summary',
    sa.Column('treatment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('current_patients', sa.Integer(), nullable=False),
    sa.Column('former_patients', sa.Integer(), nullable=False),
    sa.Column('evaluations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['treatment_id'], ['catalog_treatment.id'], name=op.f('fk_report_treatment_summary_treatment_id_catalog_treatment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('treatment_id', name=op.f('pk_report_treatment_summary'))
    )
    op.create_table('research_application',
    sa.Column('applicant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('project_title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('ethics_reference', sa.String(length=120), nullable=False),
    sa.Column('tables', sa.JSON(), nullable=False),
    sa.Column('dua_version', sa.String(length=16), nullable=False),
    sa.Column('dua_accepted_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['user_account.id'], name=op.f('fk_research_application_applicant_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_research_application_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_application'))
    )
    with op.batch_alter_table('research_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_application_applicant_id'), ['applicant_id'], unique=False)

    op.create_table('research_consent',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_research_consent_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_consent'))
    )
    with op.batch_alter_table('research_consent', schema=None) as batch_op:
        batch_op.create_index('ix_research_consent_user_at', ['user_id', 'at'], unique=False)

    op.create_table('research_release',
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('snapshot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('epsilon', sa.String(length=24), nullable=False),
    sa.Column('release_json', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['research_snapshot.id'], name=op.f('fk_research_release_snapshot_id_research_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_release')),
    sa.UniqueConstraint('table_name', 'snapshot_id', 'epsilon', name='uq_research_release_table_snapshot_epsilon')
    )
    op.create_table('review_item',
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('opened_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('decided_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_review_item_author_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    sa.UniqueConstraint('target_type', 'target_id', 'reason', name=op.f('uq_review_item_target_type_target_id_reason'))
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index('ix_review_item_author_id', ['author_id'], unique=False)
        batch_op.create_index('ix_review_item_queue', ['status', 'priority', 'opened_at'], unique=False)

    op.create_table('symptom_entry',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('symptom_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('condition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('severity BETWEEN 0 AND 3', name=op.f('ck_symptom_entry_severity_range')),
    sa.ForeignKeyConstraint(['condition_id'], ['catalog_condition.id'], name=op.f('fk_symptom_entry_condition_id_catalog_condition'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['symptom_id'], ['catalog_symptom.id'], name=op.f('fk_symptom_entry_symptom_id_catalog_symptom'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_symptom_entry_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_symptom_entry'))
    )
    with op.batch_alter_table('symptom_entry', schema=None) as batch_op:
        batch_op.create_index('ix_symptom_entry_latest', ['user_id', 'condition_id', 'symptom_id', 'recorded_on'], unique=False)
        batch_op.create_index('ix_symptom_entry_user_day', ['user_id', 'recorded_on'], unique=False)

    op.create_table('symptom_summary',
    sa.Column('condition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('symptom_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['catalog_condition.id'], name=op.f('fk_symptom_summary_condition_id_catalog_condition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['symptom_id'], ['catalog_symptom.id'], name=op.f('fk_symptom_summary_symptom_id_catalog_symptom'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('condition_id', 'symptom_id', 'severity', name=op.f('pk_symptom_summary'))
    )
    op.create_table('thread',
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_activity_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('moved_off_platform_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_thread_author_id_user_account')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_thread_community_id_community'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread'))
    )
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.create_index('ix_thread_author_id', ['author_id'], unique=False)
        batch_op.create_index('ix_thread_community_activity', ['community_id', 'last_activity_at', 'id'], unique=False)

    op.create_table('treatment_course',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('treatment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('stopped_on', sa.Date(), nullable=True),
    sa.Column('stop_reason', sa.String(length=32), nullable=True),
    sa.Column('stop_reason_other', sa.String(length=300), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['treatment_id'], ['catalog_treatment.id'], name=op.f('fk_treatment_course_treatment_id_catalog_treatment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_treatment_course_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_course'))
    )
    with op.batch_alter_table('treatment_course', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_course_treatment_id', ['treatment_id'], unique=False)
        batch_op.create_index('ix_treatment_course_user_treatment', ['user_id', 'treatment_id'], unique=False)

    op.create_table('user_block',
    sa.Column('blocker_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('blocked_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['user_account.id'], name=op.f('fk_user_block_blocked_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['user_account.id'], name=op.f('fk_user_block_blocker_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_user_block'))
    )
    op.create_table('clinician_profile',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('real_name', sa.String(length=120), nullable=False),
    sa.Column('profession', sa.String(length=80), nullable=False),
    sa.Column('specialty', sa.String(length=120), nullable=False),
    sa.Column('licence_number', sa.String(length=64), nullable=False),
    sa.Column('jurisdiction', sa.String(length=120), nullable=False),
    sa.Column('disclosures', sa.Text(), nullable=False),
    sa.Column('verified_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('verified_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['clinician_application.id'], name=op.f('fk_clinician_profile_application_id_clinician_application'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_clinician_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_clinician_profile_verified_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_clinician_profile_user_id'))
    )
    op.create_table('education_article_version',
    sa.Column('article_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('references', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('screen_labels', sa.JSON(), nullable=False),
    sa.Column('submitted_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('decided_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['education_article.id'], name=op.f('fk_education_article_version_article_id_education_article'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_article_version')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_education_article_version_article_id_number'))
    )
    op.create_table('post',
    sa.Column('thread_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('screen_labels', sa.JSON(), nullable=False),
    sa.Column('screen_spans', sa.JSON(), nullable=False),
    sa.Column('edited_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('helpful_count', sa.Integer(), nullable=False),
    sa.Column('hugs_count', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_post_author_id_user_account')),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_post_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post'))
    )
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_author_id_status', ['author_id', 'status'], unique=False)
        batch_op.create_index('ix_post_thread_id_id', ['thread_id', 'id'], unique=False)

    op.create_table('research_project',
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tables', sa.JSON(), nullable=False),
    sa.Column('budget_total', sa.String(length=24), nullable=False),
    sa.Column('budget_spent', sa.String(length=24), nullable=False),
    sa.Column('dua_version', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['research_application.id'], name=op.f('fk_research_project_application_id_research_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_research_project_owner_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_project')),
    sa.UniqueConstraint('application_id', name=op.f('uq_research_project_application_id'))
    )
    with op.batch_alter_table('research_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_project_owner_id'), ['owner_id'], unique=False)

    op.create_table('review_appeal',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['review_item.id'], name=op.f('fk_review_appeal_item_id_review_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_review_appeal_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_appeal'))
    )
    with op.batch_alter_table('review_appeal', schema=None) as batch_op:
        batch_op.create_index('ix_review_appeal_item_id', ['item_id'], unique=False)

    op.create_table('review_flag',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('flagger_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flagger_id'], ['user_account.id'], name=op.f('fk_review_flag_flagger_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['review_item.id'], name=op.f('fk_review_flag_item_id_review_item'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_flag'))
    )
    with op.batch_alter_table('review_flag', schema=None) as batch_op:
        batch_op.create_index('ix_review_flag_item_id', ['item_id'], unique=False)

    op.create_table('review_history',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_review_history_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['review_item.id'], name=op.f('fk_review_history_item_id_review_item'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_history'))
    )
    with op.batch_alter_table('review_history', schema=None) as batch_op:
        batch_op.create_index('ix_review_history_item_id', ['item_id'], unique=False)

    op.create_table('treatment_course_purpose',
    sa.Column('course_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('condition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('symptom_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['catalog_condition.id'], name=op.f('fk_treatment_course_purpose_condition_id_catalog_condition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['treatment_course.id'], name=op.f('fk_treatment_course_purpose_course_id_treatment_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['symptom_id'], ['catalog_symptom.id'], name=op.f('fk_treatment_course_purpose_symptom_id_catalog_symptom'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_course_purpose')),
    sa.UniqueConstraint('course_id', 'condition_id', 'symptom_id', name=op.f('uq_treatment_course_purpose_course_id_condition_id_symptom_id'))
    )
    op.create_table('treatment_dose_period',
    sa.Column('course_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('as_needed', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['treatment_course.id'], name=op.f('fk_treatment_dose_period_course_id_treatment_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_dose_period'))
    )
    with op.batch_alter_table('treatment_dose_period', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_dose_period_course_id', ['course_id'], unique=False)

    op.create_table('treatment_evaluation',
    sa.Column('course_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('treatment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=False),
    sa.Column('side_effect_severity', sa.String(length=16), nullable=False),
    sa.Column('adherence', sa.String(length=16), nullable=False),
    sa.Column('burden', sa.String(length=16), nullable=False),
    sa.Column('cost', sa.String(length=16), nullable=False),
    sa.Column('tip', sa.Text(), nullable=False),
    sa.Column('tip_status', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['treatment_course.id'], name=op.f('fk_treatment_evaluation_course_id_treatment_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['treatment_id'], ['catalog_treatment.id'], name=op.f('fk_treatment_evaluation_treatment_id_catalog_treatment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_treatment_evaluation_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_evaluation'))
    )
    with op.batch_alter_table('treatment_evaluation', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_evaluation_course_id', ['course_id'], unique=False)
        batch_op.create_index('ix_treatment_evaluation_treatment_visible', ['treatment_id', 'visibility', 'tip_status'], unique=False)
        batch_op.create_index('ix_treatment_evaluation_user_id', ['user_id'], unique=False)

    op.create_table('education_article_review',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reviewer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('is_general', sa.Boolean(), nullable=False),
    sa.Column('has_references', sa.Boolean(), nullable=False),
    sa.Column('has_disclosures', sa.Boolean(), nullable=False),
    sa.Column('is_not_commercial', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_education_article_review_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['education_article_version.id'], name=op.f('fk_education_article_review_version_id_education_article_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_article_review'))
    )
    with op.batch_alter_table('education_article_review', schema=None) as batch_op:
        batch_op.create_index('ix_education_article_review_version_id', ['version_id'], unique=False)

    op.create_table('post_reaction',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_reaction_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_post_reaction_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_reaction')),
    sa.UniqueConstraint('post_id', 'user_id', 'kind', name='uq_post_reaction_post_user_kind')
    )
    op.create_table('post_version',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('screen_labels', sa.JSON(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_version_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_version')),
    sa.UniqueConstraint('post_id', 'version', name='uq_post_version_post_version')
    )
    op.create_table('research_budget_charge',
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('snapshot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('epsilon', sa.String(length=24), nullable=False),
    sa.Column('job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['research_project.id'], name=op.f('fk_research_budget_charge_project_id_research_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['research_snapshot.id'], name=op.f('fk_research_budget_charge_snapshot_id_research_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_budget_charge')),
    sa.UniqueConstraint('project_id', 'table_name', 'snapshot_id', 'epsilon', name='uq_research_budget_charge_release')
    )
    op.create_table('research_export_job',
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requested_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('tables', sa.JSON(), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('epsilon', sa.String(length=24), nullable=False),
    sa.Column('snapshot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('lease_until', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('archive_path', sa.String(length=255), nullable=False),
    sa.Column('download_expires_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('finished_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['research_project.id'], name=op.f('fk_research_export_job_project_id_research_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_research_export_job_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['research_snapshot.id'], name=op.f('fk_research_export_job_snapshot_id_research_snapshot'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_export_job'))
    )
    with op.batch_alter_table('research_export_job', schema=None) as batch_op:
        batch_op.create_index('ix_research_export_job_fingerprint', ['project_id', 'fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_export_job_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_research_export_job_status', ['status'], unique=False)

    op.create_table('research_project_token',
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('last_used_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_research_project_token_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['research_project.id'], name=op.f('fk_research_project_token_project_id_research_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_project_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_research_project_token_token_hash'))
    )
    with op.batch_alter_table('research_project_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_project_token_project_id'), ['project_id'], unique=False)

    op.create_table('treatment_evaluation_effect',
    sa.Column('evaluation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('effectiveness', sa.String(length=16), nullable=False),
    sa.Column('condition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('symptom_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['catalog_condition.id'], name=op.f('fk_treatment_evaluation_effect_condition_id_catalog_condition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['treatment_evaluation.id'], name=op.f('fk_treatment_evaluation_effect_evaluation_id_treatment_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['symptom_id'], ['catalog_symptom.id'], name=op.f('fk_treatment_evaluation_effect_symptom_id_catalog_symptom'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_evaluation_effect')),
    sa.UniqueConstraint('evaluation_id', 'purpose', name=op.f('uq_treatment_evaluation_effect_evaluation_id_purpose'))
    )
    op.create_table('treatment_evaluation_side_effect',
    sa.Column('evaluation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('side_effect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['treatment_evaluation.id'], name=op.f('fk_treatment_evaluation_side_effect_evaluation_id_treatment_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['side_effect_id'], ['catalog_side_effect.id'], name=op.f('fk_treatment_evaluation_side_effect_side_effect_id_catalog_side_effect'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evaluation_id', 'side_effect_id', name=op.f('pk_treatment_evaluation_side_effect'))
    )

    _run({"sqlite": SQLITE_SEARCH_DDL, "postgresql": POSTGRES_SEARCH_DDL})

def downgrade() -> None:
    _run({"sqlite": SQLITE_SEARCH_DROP, "postgresql": POSTGRES_SEARCH_DROP})
    op.drop_table('treatment_evaluation_side_effect')
    op.drop_table('treatment_evaluation_effect')
    with op.batch_alter_table('research_project_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_project_token_project_id'))

    op.drop_table('research_project_token')
    with op.batch_alter_table('research_export_job', schema=None) as batch_op:
        batch_op.drop_index('ix_research_export_job_status')
        batch_op.drop_index(batch_op.f('ix_research_export_job_project_id'))
        batch_op.drop_index('ix_research_export_job_fingerprint')

    op.drop_table('research_export_job')
    op.drop_table('research_budget_charge')
    op.drop_table('post_version')
    op.drop_table('post_reaction')
    with op.batch_alter_table('education_article_review', schema=None) as batch_op:
        batch_op.drop_index('ix_education_article_review_version_id')

    op.drop_table('education_article_review')
    with op.batch_alter_table('treatment_evaluation', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_evaluation_user_id')
        batch_op.drop_index('ix_treatment_evaluation_treatment_visible')
        batch_op.drop_index('ix_treatment_evaluation_course_id')

    op.drop_table('treatment_evaluation')
    with op.batch_alter_table('treatment_dose_period', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_dose_period_course_id')

    op.drop_table('treatment_dose_period')
    op.drop_table('treatment_course_purpose')
    with op.batch_alter_table('review_history', schema=None) as batch_op:
        batch_op.drop_index('ix_review_history_item_id')

    op.drop_table('review_history')
    with op.batch_alter_table('review_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_review_flag_item_id')

    op.drop_table('review_flag')
    with op.batch_alter_table('review_appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_review_appeal_item_id')

    op.drop_table('review_appeal')
    with op.batch_alter_table('research_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_project_owner_id'))

    op.drop_table('research_project')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index('ix_post_thread_id_id')
        batch_op.drop_index('ix_post_author_id_status')

    op.drop_table('post')
    op.drop_table('education_article_version')
    op.drop_table('clinician_profile')
    op.drop_table('user_block')
    with op.batch_alter_table('treatment_course', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_course_user_treatment')
        batch_op.drop_index('ix_treatment_course_treatment_id')

    op.drop_table('treatment_course')
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_community_activity')
        batch_op.drop_index('ix_thread_author_id')

    op.drop_table('thread')
    op.drop_table('symptom_summary')
    with op.batch_alter_table('symptom_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_symptom_entry_user_day')
        batch_op.drop_index('ix_symptom_entry_latest')

    op.drop_table('symptom_entry')
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.drop_index('ix_review_item_queue')
        batch_op.drop_index('ix_review_item_author_id')

    op.drop_table('review_item')
    op.drop_table('research_release')
    with op.batch_alter_table('research_consent', schema=None) as batch_op:
        batch_op.drop_index('ix_research_consent_user_at')

    op.drop_table('research_consent')
    with op.batch_alter_table('research_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_application_applicant_id'))

    op.drop_table('research_application')
    op.drop_table('report_treatment_summary')
    op.drop_table('report_treatment_answer')
    with op.batch_alter_table('report_condition_treatment', schema=None) as batch_op:
        batch_op.drop_index('ix_report_condition_treatment_condition')

    op.drop_table('report_condition_treatment')
    with op.batch_alter_table('questionnaire_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_questionnaire_answer_user_authored')

    op.drop_table('questionnaire_answer')
    with op.batch_alter_table('profile_condition', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_condition_community_id')

    op.drop_table('profile_condition')
    op.drop_table('profile')
    with op.batch_alter_table('private_message', schema=None) as batch_op:
        batch_op.drop_index('ix_private_message_sender_id_recipient_id')
        batch_op.drop_index('ix_private_message_recipient_id_sender_id')

    op.drop_table('private_message')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_id_read_at')
        batch_op.drop_index('ix_notification_user_id_id')

    op.drop_table('notification')
    with op.batch_alter_table('moderator_note', schema=None) as batch_op:
        batch_op.drop_index('ix_moderator_note_subject_user_id')

    op.drop_table('moderator_note')
    with op.batch_alter_table('moderation_penalty', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_penalty_user_id')

    op.drop_table('moderation_penalty')
    with op.batch_alter_table('education_article', schema=None) as batch_op:
        batch_op.drop_index('ix_education_article_author_id')

    op.drop_table('education_article')
    with op.batch_alter_table('community_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_community_membership_community_id')

    op.drop_table('community_membership')
    with op.batch_alter_table('clinician_application', schema=None) as batch_op:
        batch_op.drop_index('ix_clinician_application_user_id')

    op.drop_table('clinician_application')
    op.drop_table('check_in')
    with op.batch_alter_table('catalog_term_proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_term_proposal_status')

    op.drop_table('catalog_term_proposal')
    with op.batch_alter_table('research_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_snapshot_taken_at'))

    op.drop_table('research_snapshot')
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_condition_slug'))

    op.drop_table('community')
    op.drop_table('catalog_treatment')
    op.drop_table('catalog_symptom')
    op.drop_table('catalog_side_effect')
    op.drop_table('catalog_condition')
