"""Moderation's blocks on the signed-in home: open questions for clinicians, the queue for
moderators, clinician applications for administrators, and new education for everyone."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, UserRole
from community.accounts.viewer import Reader
from community.communities.access import readable_threads_filter
from community.communities.models import (
    Community,
    Membership,
    Post,
    PostStatus,
    Thread,
    ThreadKind,
)
from community.home import BLOCK_ROWS, HomeBlock, HomeContext, HomeItem, rows_of
from community.i18n import gettext as _
from community.profiles.models import ProfileCondition
from community.settings import Settings
from moderation.education.models import Article, ArticleCondition, ArticleVersion, VersionStatus
from moderation.queue.crisis import URGENT, response_target
from moderation.queue.models import ReviewItem, ReviewStatus
from moderation.queue.services import queue_statement, review_reason_label
from moderation.vetting.models import ApplicationStatus, ClinicianApplication, ClinicianProfile
from moderation.vetting.specialties import ALL, conditions_of_specialty


async def _specialty(db: AsyncSession, user: Reader) -> str:
    return await db.scalar(
        select(ClinicianProfile.specialty).where(ClinicianProfile.user_id == user.id)) or ""


def _question_scope(user: Reader, specialty: str) -> tuple[ColumnElement[bool], str]:
    """Which questions a clinician is shown, and the line saying so: the conditions their
    specialty covers; else the communities they joined; else every question they may read."""
    covered = conditions_of_specialty(specialty) if specialty else frozenset()
    if covered == ALL:
        return true(), _("Your specialty (%(specialty)s) covers every condition.") % {
            "specialty": specialty}
    if covered:
        return Community.condition_slug.in_(sorted(covered)), _(
            "Questions in the conditions your specialty covers (%(specialty)s).") % {
            "specialty": specialty}
    joined = select(Membership.community_id).where(Membership.user_id == user.id)
    return (or_(Thread.community_id.in_(joined),
                ~exists().where(Membership.user_id == user.id)),
            _("Questions in the communities you joined, or everywhere until you join one."))


async def open_questions(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """For clinicians: "Ask a clinician" questions in their specialty that no clinician has
    answered yet (two statements: the specialty by its unique key, then the questions)."""
    user = home.user
    if not user.has_role(Role.CLINICIAN):
        return None
    scope, hint = _question_scope(user, await _specialty(db, user))
    answered = exists().where(
        Post.thread_id == Thread.id, Post.status == PostStatus.PUBLISHED.value,
        Post.author_id == UserRole.user_id, UserRole.role == Role.CLINICIAN.value)
    rows = (await db.execute(
        select(Thread.id, Thread.title, Community.name, Thread.created_at, func.count().over())
        .join(Community, Community.id == Thread.community_id)
        .where(Thread.kind == ThreadKind.ASK_A_CLINICIAN.value, ~answered, scope,
               Thread.status == PostStatus.PUBLISHED.value, readable_threads_filter(user))
        .order_by(Thread.created_at).limit(BLOCK_ROWS)
    )).all()
    items = [HomeItem(title, f"/threads/{thread_id}", community, when=created,
                      badge=_("new") if created > home.since else "", tone="ok")
             for thread_id, title, community, created, _total in rows]
    return HomeBlock(
        "questions", _("Questions waiting for a clinician"), "/communities",
        _("All communities"), items,
        empty=_("No question in your specialty is waiting for an answer. Thank you."),
        total=rows[0][4] if rows else 0, hint=hint, order=1, icon="help")


def _overdue(settings: Settings, now: datetime) -> ColumnElement[bool]:
    """SQL twin of `crisis.is_overdue` for pending items: older than their reason's target."""
    general = ReviewItem.opened_at < now - timedelta(minutes=settings.moderation_response_minutes)
    special = settings.moderation_target_minutes
    if not special:
        return general
    return case(*((ReviewItem.reason == reason,
                   ReviewItem.opened_at < now - response_target(settings, reason))
                  for reason in special),
                else_=general)


async def queue_summary(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """The first items of the review queue, most urgent first, each past its response target
    marked overdue; with how many wait and how many of them are overdue."""
    if not home.user.has_role(Role.MODERATOR, Role.ADMIN):
        return None
    overdue = _overdue(home.settings, home.now)
    rows = (await db.execute(
        queue_statement(ReviewStatus.PENDING)
        .add_columns(overdue, func.count().over(),
                     func.sum(case((overdue, 1), else_=0)).over())
        .limit(BLOCK_ROWS)
    )).all()
    items = [
        HomeItem(item.excerpt[:120] or _("(no excerpt)"), f"/moderation/items/{item.id}",
                 _("crisis") if item.reason == URGENT else review_reason_label(item.reason),
                 when=item.opened_at, badge=_("overdue") if is_overdue else "", tone="danger")
        for item, is_overdue, _total, _late in rows
    ]
    late = int(rows[0][3] or 0) if rows else 0
    return HomeBlock(
        "queue", _("Review queue"), "/moderation", _("Open the queue"), items,
        empty=_("The queue is empty: nothing needs a moderator right now."),
        total=rows[0][2] if rows else 0,
        hint=(_("%(num)d past the response target.") % {"num": late}) if late else "",
        order=2, icon="shield")


async def clinician_applications(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """Clinician applications waiting for a decision (administrators)."""
    if not home.user.has_role(Role.ADMIN):
        return None
    rows = (await db.execute(
        select(ClinicianApplication.real_name, ClinicianApplication.profession,
               ClinicianApplication.created_at, func.count().over())
        .where(ClinicianApplication.status == ApplicationStatus.PENDING)
        .order_by(ClinicianApplication.id).limit(BLOCK_ROWS)
    )).all()
    items = [HomeItem(name, "/moderation/clinicians", profession, when=created)
             for name, profession, created, _total in rows]
    return HomeBlock(
        "clinician_applications", _("Clinician applications waiting"),
        "/moderation/clinicians", _("All clinician applications"), items,
        empty=_("No clinician application is waiting."),
        total=rows[0][3] if rows else 0, order=4, icon="badge-check")


@functools.cache
def _new_education_statement() -> Executable:
    """Published articles about the person's conditions (their communities and profile)
    first published after `since`; built once, the person and the time bound."""
    user_id: BindParameter[int] = bindparam("user_id")
    mine = (select(Membership.community_id).where(Membership.user_id == user_id)
            .union(select(ProfileCondition.community_id)
                   .where(ProfileCondition.user_id == user_id)))
    about_mine = exists().where(ArticleCondition.article_id == Article.id,
                                ArticleCondition.community_id.in_(mine))
    return (
        select(Article.id, ArticleVersion.title, Article.first_published_at)
        .join(ArticleVersion, and_(ArticleVersion.article_id == Article.id,
                                   ArticleVersion.status == VersionStatus.PUBLISHED.value))
        .where(Article.first_published_at > bindparam("since"), about_mine)
        .order_by(Article.first_published_at.desc(), Article.id.desc()).limit(BLOCK_ROWS)
    )


async def new_education(db: AsyncSession, home: HomeContext) -> HomeBlock:
    """Vetted articles about the conditions of the person's communities and profile, first
    published since their last visit."""
    rows = await rows_of(db, _new_education_statement(),
                         {"user_id": home.user.id, "since": home.since})
    items = [HomeItem(title, f"/education/{article_id}", when=published,
                      badge=_("new"), tone="ok")
             for article_id, title, published in rows]
    return HomeBlock(
        "education", _("New education in your conditions"), "/education",
        _("All articles from clinicians"), items,
        empty=(_("No new article about your conditions this week.") if home.first_visit else
               _("No new article about your conditions since your last visit.")) + " " +
              _("Read what verified clinicians have written so far."),
        order=40, icon="book")


HOME_BLOCKS = (open_questions, queue_summary, clinician_applications, new_education)
