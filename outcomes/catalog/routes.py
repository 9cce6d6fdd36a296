"""Catalog pages: autocomplete, proposing a missing term, and the curation list."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.accounts.services import FormErrors
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.web import current_user, form_data, render, require_role, require_user
from outcomes.catalog import services
from outcomes.catalog.models import TermKind, TermProposal

AnyRequest = Request[Any, Any, Any]
# "purpose" searches conditions then symptoms: a treatment is taken for either.
SEARCH_KINDS = {
    "treatment": (TermKind.TREATMENT,),
    "condition": (TermKind.CONDITION,),
    "symptom": (TermKind.SYMPTOM,),
    "side_effect": (TermKind.SIDE_EFFECT,),
    "purpose": (TermKind.CONDITION, TermKind.SYMPTOM),
}
FIELDS = frozenset({"treatment", "purpose", "side_effect", "condition", "symptom", "q"})


def kind_labels() -> dict[str, str]:
    return {"treatment": _("Treatment"), "condition": _("Condition"), "symptom": _("Symptom"),
            "side_effect": _("Side effect")}


@get("/catalog/autocomplete")
async def autocomplete(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    """htmx: a datalist of matches; without htmx: a search page that lists them."""
    params = request.query_params
    kind = params.get("kind", "treatment")
    if kind not in SEARCH_KINDS:
        kind = "treatment"
    field = params.get("field", "q")
    field = field if field in FIELDS else "q"
    query = (params.get("q") or params.get(field) or "")[:120]
    results: list[tuple[str, Any]] = []
    for term_kind in SEARCH_KINDS[kind]:
        results.extend((term_kind.value, term)
                       for term in await services.search(db_session, term_kind, query, limit=10))
    return render(request, "outcomes/catalog_search.html",
                  {"kind": kind, "field": field, "query": query, "results": results[:12],
                   "kinds": list(SEARCH_KINDS), "kind_labels": kind_labels()},
                  block="options")


@get("/catalog/propose", guards=[require_user])
async def propose_page(request: AnyRequest) -> Response[str]:
    params = request.query_params
    form = {"kind": params.get("kind", ""), "name": params.get("name", "")}
    return render(request, "outcomes/catalog_propose.html",
                  {"form": form, "errors": {}, "kind_labels": kind_labels()})


@post("/catalog/propose", guards=[require_user])
async def propose_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    user = current_user(request)
    assert user is not None
    try:
        await services.propose_term(db_session, user, kind=form.get("kind", ""),
                                    name=form.get("name", ""), note=form.get("note", ""))
    except FormErrors as exc:
        return render(request, "outcomes/catalog_propose.html",
                      {"form": form, "errors": exc.errors, "kind_labels": kind_labels()},
                      status_code=400)
    return redirect_with_message(request, "/catalog/propose", _(
        "Thank you. A moderator will review your proposal; once approved you can choose it."))


staff_only = require_role(Role.MODERATOR, Role.ADMIN)


async def _curation(request: AnyRequest, db: AsyncSession, errors: dict[str, list[str]],
                    failed_id: int | None = None, status_code: int = 200) -> Response[str]:
    proposals = await services.pending_proposals(db)
    return render(request, "outcomes/moderation_terms.html",
                  {"proposals": proposals, "errors": errors, "failed_id": failed_id,
                   "kind_labels": kind_labels()},
                  status_code=status_code)


@get("/moderation/terms", guards=[staff_only])
async def curation_list(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return await _curation(request, db_session, {})


@post("/moderation/terms/{proposal_id:int}", guards=[staff_only])
async def curation_decide(request: AnyRequest, db_session: AsyncSession,
                          proposal_id: int) -> Any:
    form = await form_data(request)
    proposal = await db_session.get(TermProposal, proposal_id)
    if proposal is None:
        raise NotFoundException(detail=_("This proposal does not exist."))
    moderator: User | None = current_user(request)
    assert moderator is not None
    try:
        await services.decide_proposal(db_session, moderator, proposal,
                                       action=form.get("action", ""),
                                       merge_into=form.get("merge_into", ""),
                                       reason=form.get("reason", ""))
    except FormErrors as exc:
        return await _curation(request, db_session, exc.errors, proposal_id, 400)
    return redirect_with_message(request, "/moderation/terms", _("Decision recorded."))


route_handlers: list[Any] = [autocomplete, propose_page, propose_submit, curation_list,
                             curation_decide]
