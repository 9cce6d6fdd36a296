"""The article workflow: draft -> submitted -> reviewed -> published or returned."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.accounts.services import FormErrors
from community.communities.models import Community
from community.db import utcnow
from community.errors import Conflict, NotAllowed, NotFound
from community.i18n import gettext as _
from community.markdown import MarkdownRefused, clean_text, validate_markdown
from community.runtime import Runtime
from community.screening import Venue
from moderation.education import access
from moderation.education.models import (
    Article,
    ArticleReview,
    ArticleVersion,
    VersionStatus,
)
from moderation.queue import services as queue
from moderation.vetting.services import is_verified_clinician

MAX_TITLE = 200
MAX_BODY = 50_000
MAX_REFERENCES = 10_000
LABEL = "Educational information, not individual medical advice"


def _validated(form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    title = " ".join(clean_text(form.get("title", "")).split())
    references = clean_text(form.get("references", "")).strip()
    body = ""
    if not title:
        errors["title"] = [_("Give the article a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("Keep the title under %(max)d characters.") % {"max": MAX_TITLE}]
    try:
        body = validate_markdown(form.get("body", ""), max_chars=MAX_BODY)
    except MarkdownRefused as exc:
        errors["body"] = [str(exc)]
    if not references:
        errors["references"] = [_("List your references, one per line: they are required.")]
    elif len(references) > MAX_REFERENCES:
        errors["references"] = [
            _("Keep the references under %(max)d characters.") % {"max": MAX_REFERENCES}
        ]
    if errors:
        raise FormErrors(errors)
    return {"title": title, "body": body, "references": references}


async def article_communities(db: AsyncSession, chosen: Sequence[str]) -> list[Community]:
    """The communities (conditions) chosen on the article form, by id; anything else is an
    error the form shows."""
    # An id is a short run of digits (anything longer would overflow the database's integer).
    if not all(value.isascii() and value.isdigit() and len(value) <= 12 for value in chosen):
        raise FormErrors({"conditions": [_("Choose the conditions from the list.")]})
    ids = {int(value) for value in chosen}
    if not ids:
        return []
    found = list(await db.scalars(
        select(Community).where(Community.id.in_(ids), Community.archived_at.is_(None))))
    if len(found) != len(ids):
        raise FormErrors({"conditions": [_("Choose the conditions from the list.")]})
    return found


async def condition_choices(db: AsyncSession) -> list[Community]:
    """Every open community, for the article form's list of conditions."""
    return list(await db.scalars(
        select(Community).where(Community.archived_at.is_(None)).order_by(Community.name)))


async def get_article(db: AsyncSession, article_id: int) -> Article:
    article = await db.scalar(select(Article).where(Article.id == article_id))
    if article is None:
        raise NotFound(_("No such article."))
    return article


async def create_article(db: AsyncSession, author: User, form: dict[str, str],
                         conditions: Sequence[str] = ()) -> Article:
    """A new draft; `conditions` are the ids of the communities it is about."""
    if not await is_verified_clinician(db, author):
        raise NotAllowed(_("Only verified clinicians write articles."))
    values = _validated(form)
    communities = await article_communities(db, conditions)
    article = Article(author_id=author.id, communities=communities)
    article.versions.append(ArticleVersion(number=1, **values))
    db.add(article)
    await db.flush()
    await audit.record(
        db, "article.created", actor_id=author.id, target_type="article", target_id=article.id
    )
    return article


async def edit_article(
    db: AsyncSession, author: User, article: Article, form: dict[str, str],
    conditions: Sequence[str] = (),
) -> ArticleVersion:
    """Change the working draft; editing a published article starts a new version, and the
    published one stays visible until the new one is approved. The conditions the article is
    about change at once (they choose who hears of it, not what it says)."""
    if not access.can_edit(author, article):
        raise NotAllowed(_("Only the author edits an article."))
    working = article.working
    if working is not None and working.status == VersionStatus.SUBMITTED:
        raise Conflict(_("This version is being reviewed; wait for the outcome."))
    values = _validated(form)
    article.communities = await article_communities(db, conditions)
    if working is None:
        working = ArticleVersion(number=article.latest.number + 1, **values)
        article.versions.append(working)
    else:
        for name, value in values.items():
            setattr(working, name, value)
        working.status = VersionStatus.DRAFT
    await db.flush()
    await audit.record(
        db,
        "article.edited",
        actor_id=author.id,
        target_type="article",
        target_id=article.id,
        detail={"version": working.number},
    )
    return working


async def submit(
    db: AsyncSession, runtime: Runtime, author: User, article: Article
) -> ArticleVersion:
    """Send the working draft to review; screening's findings go with it (and to the queue)."""
    if not access.can_edit(author, article):
        raise NotAllowed(_("Only the author submits an article."))
    working = article.working
    if working is None or working.status == VersionStatus.SUBMITTED:
        raise Conflict(_("There is no draft to submit."))
    verdict = runtime.screener.screen(
        f"{working.title}\n\n{working.body}",
        author_role=author.primary_role.value,
        venue=Venue.EDUCATION.value,
    )
    working.screen_labels = [label.value for label in verdict.labels]
    working.status, working.submitted_at = VersionStatus.SUBMITTED, utcnow()
    # Reviewers see the labels on the version; moderators see them in the queue too.
    for label in verdict.labels:
        await queue.open_review(
            db,
            target_type="article",
            target_id=article.id,
            reason=label.value,
            author_id=author.id,
            excerpt=working.title + "\n\n" + working.body[:500],
        )
    await db.flush()
    await audit.record(
        db,
        "article.submitted",
        actor_id=author.id,
        target_type="article",
        target_id=article.id,
        detail={"version": working.number, "labels": working.screen_labels},
    )
    return working


async def review(
    db: AsyncSession, reviewer: User, article: Article, form: dict[str, str]
) -> ArticleReview:
    """Check the submitted version against the checklist; publish or return with comments."""
    verified = await is_verified_clinician(db, reviewer)
    if not access.can_review(reviewer, article, verified):
        raise NotAllowed(_("A different verified clinician or a moderator reviews this article.")
        )
    working = article.working
    if working is None or working.status != VersionStatus.SUBMITTED:
        raise Conflict(_("Nothing is waiting for review on this article."))
    checks = {name: form.get(name) == "1" for name in ArticleReview.CHECKLIST}
    outcome = form.get("outcome", "")
    comments = form.get("comments", "").strip()[:5000]
    errors: dict[str, list[str]] = {}
    if outcome == "publish" and not all(checks.values()):
        errors["checklist"] = [_("Every item of the checklist must hold before publishing.")]
    elif outcome == "return" and not comments:
        errors["comments"] = [_("Tell the author what to change.")]
    elif outcome not in {"publish", "return"}:
        errors["outcome"] = [_("Choose to publish or to return the article.")]
    if errors:
        raise FormErrors(errors)
    now = utcnow()
    result = ArticleReview(
        version_id=working.id, reviewer_id=reviewer.id, outcome=outcome, comments=comments, **checks
    )
    db.add(result)
    working.decided_at = now
    if outcome == "publish":
        previous = article.published
        if previous is not None:
            previous.status = VersionStatus.SUPERSEDED
        working.status = VersionStatus.PUBLISHED
        article.first_published_at = article.first_published_at or now
    else:
        working.status = VersionStatus.RETURNED
    await db.flush()
    await db.refresh(working, ["reviews"])
    await audit.record(
        db,
        "article.published" if outcome == "publish" else "article.returned",
        actor_id=reviewer.id,
        target_type="article",
        target_id=article.id,
        detail={"version": working.number, "review_id": result.id},
    )
    return result


async def published_articles(db: AsyncSession, limit: int = 100) -> list[Article]:
    return list(
        await db.scalars(
            select(Article)
            .where(Article.versions.any(ArticleVersion.status == VersionStatus.PUBLISHED))
            .order_by(Article.first_published_at.desc(), Article.id.desc())
            .limit(limit)
        )
    )


async def submitted_articles(db: AsyncSession, limit: int = 100) -> list[Article]:
    return list(
        await db.scalars(
            select(Article)
            .where(Article.versions.any(ArticleVersion.status == VersionStatus.SUBMITTED))
            .order_by(Article.updated_at, Article.id)
            .limit(limit)
        )
    )


async def published_by(db: AsyncSession, author_id: int) -> list[Article]:
    return list(
        await db.scalars(
            select(Article)
            .where(
                Article.author_id == author_id,
                Article.versions.any(ArticleVersion.status == VersionStatus.PUBLISHED),
            )
            .order_by(Article.id.desc())
        )
    )


async def articles_by(db: AsyncSession, author_id: int) -> list[Article]:
    return list(
        await db.scalars(
            select(Article).where(Article.author_id == author_id).order_by(Article.id.desc())
        )
    )
