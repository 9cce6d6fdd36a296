"""Outcomes' blocks on the signed-in home: a patient's reminders, and the vocabulary proposals
waiting for staff.

A reminder is a task due now, linking straight to its form, and it disappears when the task is
done: today's check-in until it is made; an evaluation of a treatment the person takes, once
it has been taken `EVALUATE_AFTER` without one or its last evaluation is `REEVALUATE_AFTER`
old; a questionnaire the person answers, once its repeat interval (the instrument's recall
period, `repeat-every` in its FHIR file) has passed since the last answer.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    BindParameter,
    Date,
    String,
    bindparam,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role
from community.home import BLOCK_ROWS, HomeBlock, HomeContext, HomeItem, rows_of
from community.i18n import format_date, ngettext
from community.i18n import gettext as _
from outcomes.catalog.models import ProposalStatus, TermProposal, Treatment
from outcomes.catalog.routes import kind_labels
from outcomes.tracking.models import CheckIn, QuestionnaireAnswer
from outcomes.tracking.services import questionnaires
from outcomes.treatments.models import Evaluation, TreatmentCourse

# A treatment taken this long without an evaluation is due one (long enough to tell).
EVALUATE_AFTER = timedelta(days=14)
# An evaluation this old is due again: effects and side effects change over months.
REEVALUATE_AFTER = timedelta(days=90)
# Enough rows for a check-in, a few treatments and every questionnaire.
REMINDER_ROWS = 8


@functools.cache
def _due_statement() -> Any:
    """One statement for every kind of reminder: (kind, course id, name, last date, started
    on, last answered at); questionnaires are filtered by their own intervals afterwards.
    Built once: the person and the days are bound parameters (`_due_parameters`)."""
    user_id: BindParameter[int] = bindparam("user_id")
    no_id, no_text = null().cast(BigInteger), null().cast(String)
    no_day, no_moment = null().cast(Date), null().cast(DateTimeUTC(timezone=True))
    check_in = select(literal("check_in"), no_id, no_text, no_day, no_day, no_moment).where(
        ~exists().where(CheckIn.user_id == user_id, CheckIn.recorded_on == bindparam("today")))
    last_evaluated = (select(func.max(Evaluation.evaluated_on))
                      .where(Evaluation.course_id == TreatmentCourse.id)
                      .correlate(TreatmentCourse).scalar_subquery())
    evaluations = (
        select(literal("evaluation"), TreatmentCourse.id, Treatment.name, last_evaluated,
               TreatmentCourse.started_on, no_moment)
        .join(Treatment, Treatment.id == TreatmentCourse.treatment_id)
        .where(TreatmentCourse.user_id == user_id, TreatmentCourse.stopped_on.is_(None),
               TreatmentCourse.started_on <= bindparam("started_by"),
               or_(last_evaluated.is_(None), last_evaluated <= bindparam("evaluated_by")))
    )
    answered = (
        select(literal("questionnaire"), no_id, QuestionnaireAnswer.questionnaire_id, no_day,
               no_day, func.max(QuestionnaireAnswer.authored_at))
        .where(QuestionnaireAnswer.user_id == user_id)
        .group_by(QuestionnaireAnswer.questionnaire_id)
    )
    return union_all(check_in, evaluations, answered)


def _due_parameters(user_id: int, today: date) -> dict[str, Any]:
    """`_due_statement`'s parameters: a treatment started by `started_by` is due its first
    evaluation, one last evaluated by `evaluated_by` is due again."""
    return {"user_id": user_id, "today": today, "started_by": today - EVALUATE_AFTER,
            "evaluated_by": today - REEVALUATE_AFTER}


def _reminder(row: Any, now: datetime) -> HomeItem | None:
    kind, course_id, name, last_on, started_on, last_at = row
    if kind == "check_in":
        return HomeItem(_("Check in: how are you today?"), "/my/check-in",
                        _("Today's check-in is not done yet."), badge=_("today"), tone="warn")
    if kind == "evaluation":
        meta = (_("Last evaluated on %(day)s.") % {"day": format_date(last_on)} if last_on else
                _("Taking it since %(day)s, not evaluated yet.") % {
                    "day": format_date(started_on)})
        return HomeItem(_("Evaluate %(treatment)s") % {"treatment": name},
                        f"/my/treatments/{course_id}/evaluations/new", meta,
                        badge=_("due"), tone="warn")
    definition = questionnaires().get(name)
    if definition is None or now - last_at < timedelta(days=definition.repeat_days):
        return None
    every = ngettext("asked every %(num)d day", "asked every %(num)d days",
                     definition.repeat_days) % {"num": definition.repeat_days}
    return HomeItem(_("Answer the %(title)s again") % {"title": definition.title},
                    f"/my/questionnaires/{definition.id}",
                    _("Last answered on %(day)s; %(every)s.") % {
                        "day": format_date(last_at), "every": every},
                    badge=_("due"), tone="warn")


async def reminders(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """What a patient has to do now: each reminder links straight to its form. Staff,
    clinicians and researchers have their own work on their home instead."""
    if home.user.primary_role != Role.PATIENT:
        return None
    rows = await rows_of(db, _due_statement(), _due_parameters(home.user.id, home.now.date()))
    items = [item for row in rows if (item := _reminder(row, home.now)) is not None]
    return HomeBlock(
        "reminders", _("Your reminders"), "/my/charts", _("Your charts"),
        items[:REMINDER_ROWS],
        empty=_("Nothing is due: today's check-in is done and your treatments and "
                "questionnaires are up to date. Add a treatment you take to be reminded to "
                "evaluate it."),
        order=10, icon="bell")


async def vocabulary_proposals(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """Terms members proposed for the vocabularies, waiting for staff (administrators and the
    moderators who curate with them)."""
    if not home.user.has_role(Role.ADMIN, Role.MODERATOR):
        return None
    rows = (await db.execute(
        select(TermProposal.name, TermProposal.kind, TermProposal.created_at,
               func.count().over())
        .where(TermProposal.status == ProposalStatus.PENDING.value)
        .order_by(TermProposal.id).limit(BLOCK_ROWS)
    )).all()
    labels = kind_labels()
    items = [HomeItem(name, "/moderation/terms", labels.get(kind, kind), when=created)
             for name, kind, created, _total in rows]
    return HomeBlock(
        "vocabulary_proposals", _("Vocabulary proposals waiting"), "/moderation/terms",
        _("All vocabulary proposals"), items,
        empty=_("No proposed term is waiting. Members propose one when a treatment, symptom "
                "or condition is missing."),
        total=rows[0][3] if rows else 0, order=5, icon="list")


HOME_BLOCKS = (reminders, vocabulary_proposals)
