"""Education articles: the published list, writing, submitting and reviewing."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.accounts.services import FormErrors
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.markdown import render_markdown
from community.web import (
    current_user,
    form_data,
    form_lists,
    render,
    require_role,
    runtime_of,
)
from moderation.education import access, services
from moderation.education.models import Article, ArticleVersion
from moderation.queue import services as queue
from moderation.vetting.services import is_verified_clinician, profiles_of

AnyRequest = Request[Any, Any, Any]
clinicians = require_role(Role.CLINICIAN)


def as_html(version: ArticleVersion) -> Markup:
    """Sanitized by nh3 in render_markdown."""
    return Markup(render_markdown(version.body))  # noqa: S704


async def _actor(request: AnyRequest, db: AsyncSession) -> User:
    return await db.get_one(User, current_user(request).id)  # type: ignore[union-attr]


@get("/education", name="education")
async def list_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    viewer = current_user(request)
    show_submitted = (
        request.query_params.get("status") == "submitted"
        and viewer is not None
        and viewer.has_role(Role.CLINICIAN, Role.MODERATOR, Role.ADMIN)
    )
    articles = await (
        services.submitted_articles(db_session)
        if show_submitted
        else services.published_articles(db_session)
    )
    profiles = await profiles_of(db_session, {a.author_id for a in articles})
    return render(
        request,
        "moderation/education_list.html",
        {
            "articles": articles,
            "profiles": profiles,
            "submitted": show_submitted,
            "label": _(services.LABEL),
            "noindex": False,
        },
    )


async def _form_context(
    db: AsyncSession, form: dict[str, str], conditions: list[str],
    errors: dict[str, list[str]], article: Article | None,
) -> dict[str, Any]:
    return {"form": form, "errors": errors, "article": article, "chosen": set(conditions),
            "choices": await services.condition_choices(db)}


@get("/education/new", guards=[clinicians])
async def new_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return render(request, "moderation/education_form.html",
                  await _form_context(db_session, {}, [], {}, None))


@post("/education", guards=[clinicians])
async def create(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    conditions = (await form_lists(request)).get("conditions", [])
    try:
        article = await services.create_article(
            db_session, await _actor(request, db_session), form, conditions)
    except FormErrors as exc:
        return render(
            request,
            "moderation/education_form.html",
            await _form_context(db_session, form, conditions, exc.errors, None),
            status_code=400,
        )
    return redirect_with_message(
        request, f"/education/{article.id}",
        _("Your article is saved as a draft. Submit it for review when it is ready."))


async def _article_context(
    request: AnyRequest, db: AsyncSession, article: Article
) -> dict[str, Any]:
    viewer = current_user(request)
    published = article.published
    working = article.working if access.can_see_working(viewer, article) else None
    if published is None and working is None:
        raise NotFoundException(detail=_("No such article."))
    verified = viewer is not None and await is_verified_clinician(db, viewer)
    people = await queue.usernames(
        db, {article.author_id, *(r.reviewer_id for v in article.versions for r in v.reviews)}
    )
    profiles = await profiles_of(db, {article.author_id})
    return {
        "article": article,
        "published": published,
        "working": working,
        "published_html": as_html(published) if published else None,
        "working_html": as_html(working) if working else None,
        "profile": profiles.get(article.author_id),
        "author_name": people.get(article.author_id, ""),
        "people": people,
        "label": _(services.LABEL),
        "can_edit": access.can_edit(viewer, article),
        "can_review": access.can_review(viewer, article, verified),
        "checklist": checklist_labels(),
        "review_form": {},
        "errors": {},
        "noindex": published is None,
    }


def checklist_labels() -> dict[str, str]:
    return {
        "is_general": _("General education, not advice to an individual"),
        "has_references": _("Claims are supported by the listed references"),
        "has_disclosures": _("The author's conflicts of interest are disclosed"),
        "is_not_commercial": _("Not commercial: no selling, no promotion"),
    }


@get("/education/{article_id:int}")
async def article_page(
    request: AnyRequest, db_session: AsyncSession, article_id: int
) -> Response[str]:
    article = await services.get_article(db_session, article_id)
    context = await _article_context(request, db_session, article)
    return render(request, "moderation/education_article.html", context)


@get("/education/{article_id:int}/edit", guards=[clinicians])
async def edit_page(
    request: AnyRequest, db_session: AsyncSession, article_id: int
) -> Response[str]:
    article = await services.get_article(db_session, article_id)
    if not access.can_edit(current_user(request), article):
        raise NotFoundException(detail=_("No such article."))
    source = article.working or article.latest
    form = {"title": source.title, "body": source.body, "references": source.references}
    chosen = [str(community.id) for community in article.communities]
    return render(request, "moderation/education_form.html",
                  await _form_context(db_session, form, chosen, {}, article))


@post("/education/{article_id:int}/edit", guards=[clinicians])
async def edit_submit(request: AnyRequest, db_session: AsyncSession, article_id: int) -> Any:
    article = await services.get_article(db_session, article_id)
    if not access.can_edit(current_user(request), article):
        raise NotFoundException(detail=_("No such article."))
    form = await form_data(request)
    conditions = (await form_lists(request)).get("conditions", [])
    try:
        await services.edit_article(db_session, await _actor(request, db_session), article, form,
                                    conditions)
    except FormErrors as exc:
        return render(
            request,
            "moderation/education_form.html",
            await _form_context(db_session, form, conditions, exc.errors, article),
            status_code=400,
        )
    return redirect_with_message(request, f"/education/{article_id}",
                                 _("Draft saved. Submit it for review when it is ready."))


@post("/education/{article_id:int}/submit", guards=[clinicians])
async def submit(request: AnyRequest, db_session: AsyncSession, article_id: int) -> Any:
    article = await services.get_article(db_session, article_id)
    if not access.can_edit(current_user(request), article):
        raise NotFoundException(detail=_("No such article."))
    await services.submit(
        db_session, runtime_of(request), await _actor(request, db_session), article
    )
    return redirect_with_message(request, f"/education/{article_id}",
                                 _("Submitted for review."))


@post(
    "/education/{article_id:int}/review",
    guards=[require_role(Role.CLINICIAN, Role.MODERATOR, Role.ADMIN)],
)
async def review(request: AnyRequest, db_session: AsyncSession, article_id: int) -> Any:
    article = await services.get_article(db_session, article_id)
    form = await form_data(request)
    try:
        await services.review(db_session, await _actor(request, db_session), article, form)
    except FormErrors as exc:
        context = await _article_context(request, db_session, article)
        context.update(review_form=form, errors=exc.errors)
        return render(request, "moderation/education_article.html", context, status_code=400)
    return redirect_with_message(request, f"/education/{article_id}", _("Review recorded."))


route_handlers = [list_page, new_page, create, article_page, edit_page, edit_submit, submit, review]
