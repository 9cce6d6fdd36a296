"""time on treatment and stored narrowed releases

Time on treatment: the report summaries' days of former patients and start dates of
current ones, kept with every course write from now on (`outcomes.reports.summaries`),
counted here once for the data written before, as `kindred reports rebuild` would.

Stored narrowed releases (`report_cohort_release`): a treatment's narrowed release as last
built, so it is built once per report version rather than once per process.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per (person, treatment): the latest course for a former patient (no open course), the
# latest open course for a current one.
RANKED = """
    SELECT c.user_id, c.treatment_id, c.started_on, c.stopped_on,
           ROW_NUMBER() OVER (PARTITION BY c.user_id, c.treatment_id
                              ORDER BY c.started_on DESC, c.id DESC) AS rank,
           SUM(CASE WHEN c.stopped_on IS NULL THEN 1 ELSE 0 END)
               OVER (PARTITION BY c.user_id, c.treatment_id) AS open_courses
    FROM treatment_course c
"""
OPEN_RANKED = """
    SELECT c.treatment_id, c.started_on,
           ROW_NUMBER() OVER (PARTITION BY c.user_id, c.treatment_id
                              ORDER BY c.started_on DESC, c.id DESC) AS rank
    FROM treatment_course c WHERE c.stopped_on IS NULL
"""


def upgrade() -> None:
    op.create_table('report_cohort_release',
    sa.Column('treatment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('treatment_version', sa.BigInteger(), nullable=False),
    sa.Column('cohort_version', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('fewer_than', sa.Integer(), nullable=False),
    sa.Column('built', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['treatment_id'], ['catalog_treatment.id'], name=op.f('fk_report_cohort_release_treatment_id_catalog_treatment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('treatment_id', name=op.f('pk_report_cohort_release'))
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    days = ("GREATEST(0, stopped_on - started_on)" if postgres else
            "MAX(0, CAST(julianday(stopped_on) - julianday(started_on) AS INTEGER))")
    day_text = "to_char(started_on, 'YYYY-MM-DD')" if postgres else "date(started_on)"
    op.execute(f"""
        INSERT INTO report_treatment_answer (treatment_id, question, answer, count)
        SELECT treatment_id, 'stopped_after', CAST(days AS VARCHAR(20)), COUNT(*)
        FROM (SELECT treatment_id, {days} AS days FROM ({RANKED}) ranked
              WHERE rank = 1 AND open_courses = 0 AND stopped_on IS NOT NULL) former
        GROUP BY treatment_id, days""")
    op.execute(f"""
        INSERT INTO report_treatment_answer (treatment_id, question, answer, count)
        SELECT treatment_id, 'on_since', began, COUNT(*)
        FROM (SELECT treatment_id, {day_text} AS began FROM ({OPEN_RANKED}) ranked
              WHERE rank = 1) current_patients
        GROUP BY treatment_id, began""")


def downgrade() -> None:
    op.drop_table('report_cohort_release')
    op.execute("DELETE FROM report_treatment_answer "
               "WHERE question IN ('stopped_after', 'on_since')")
