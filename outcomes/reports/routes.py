"""Treatment and condition reports (public pages, aggregates with small counts hidden).

What every viewer sees alike is rendered once per summary version and kept in the
process's fragment cache (`community.cache`): a repeat view reads the version with the
treatment or condition, in the one statement it needs anyway. What depends on the viewer
(their own evaluations, what is shared with their audience, the header) is never cached
under a key without the viewer's audience, and never with the viewer's own data.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from community.web import cached_fragment, current_user, render, render_fragment, runtime_of
from outcomes.reports import browse, services
from outcomes.treatments import scales
from outcomes.treatments.access import audience

AnyRequest = Request[Any, Any, Any]


@get("/treatments")
async def browse_treatments(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    """Treatments by condition, A to Z, or most evaluated."""
    raw = request.query_params.get("by", browse.BrowseBy.CONDITION)
    by = raw if raw in {b.value for b in browse.BrowseBy} else browse.BrowseBy.CONDITION
    fewer_than = runtime_of(request).settings.fewer_than
    context: dict[str, Any] = {"by": by, "noindex": False}
    if by == browse.BrowseBy.A_Z:
        context["letters"] = await browse.a_to_z(db_session)
    elif by == browse.BrowseBy.EVALUATED:
        context["ranked"] = await browse.most_evaluated(db_session, fewer_than)
    else:
        context["groups"] = await browse.by_condition(db_session, fewer_than)
    return render(request, "outcomes/treatments_browse.html", context)


@get("/treatments/{slug:str}")
async def treatment_report(request: AnyRequest, db_session: AsyncSession,
                           slug: str) -> Response[str]:
    treatment, summary = await services.treatment_with_summary(db_session, slug)
    version = None if summary is None else (treatment.id, summary.version)

    async def aggregates() -> dict[str, Any]:
        return {"report": await services.treatment_report(db_session, treatment, summary)}

    report = await cached_fragment(request, version, "outcomes/_treatment_aggregates.html",
                                   aggregates)
    shared = await _shared_evaluations(request, db_session, treatment.id, version)
    return render(request, "outcomes/treatment_report.html",
                  {"treatment": treatment, "report": report, "shared": shared,
                   "noindex": False})


async def _shared_evaluations(request: AnyRequest, db: AsyncSession, treatment_id: int,
                              version: tuple[int, int] | None) -> Markup:
    """Cards of what others shared with the viewer's audience are kept per summary version
    and audience; the viewer's own evaluations are read and rendered for each request."""
    viewer = current_user(request)
    group = audience(viewer)
    cache = runtime_of(request).fragments
    key = None if version is None else ("evaluation cards", *version, group)
    others: list[services.EvaluationCard] | None = cache.get(key) if key else None
    if others is None:
        others = _cards(request, await services.audience_evaluations(db, treatment_id, group),
                        mine=False)
        if key:
            cache.put(key, others)
    own = [] if viewer is None else _cards(
        request, await services.own_evaluations(db, treatment_id, viewer), mine=True)
    cards = services.latest_cards(others, own, viewer)
    return render_fragment(request, "outcomes/_shared_evaluations.html",
                           {"cards": [card.html for card in cards],
                            "signed_in": viewer is not None})


def _cards(request: AnyRequest, shared: services.SharedEvaluations,
           *, mine: bool) -> list[services.EvaluationCard]:
    return [
        services.EvaluationCard(
            item.evaluation.evaluated_on, item.evaluation.id, item.evaluation.user_id,
            render_fragment(request, "outcomes/_evaluation_card.html",
                            {"item": item, "names": shared.names, "mine": mine,
                             "scales": scales}))
        for item in shared.items
    ]


@get("/conditions/{slug:str}")
async def condition_report(request: AnyRequest, db_session: AsyncSession,
                           slug: str) -> Response[str]:
    condition, version = await services.condition_with_version(db_session, slug)

    async def treatments() -> dict[str, Any]:
        return {"treatments": await services.condition_treatments(db_session, condition),
                "most_common": services.most_common}

    treatment_table = await cached_fragment(
        request, None if version is None else (condition.id, version),
        "outcomes/_condition_treatments.html", treatments)
    counts = await services.condition_symptom_counts(db_session, condition)

    async def symptoms_context() -> dict[str, Any]:
        return {"symptoms": services.symptom_rows(counts or ())}

    # Keyed by the counts themselves: symptom tracking keeps no version of its summary.
    symptoms = "" if counts is None else await cached_fragment(
        request, (condition.id, counts), "outcomes/_condition_symptoms.html", symptoms_context)
    return render(request, "outcomes/condition_report.html",
                  {"condition": condition, "treatments": treatment_table, "symptoms": symptoms,
                   "noindex": False})


route_handlers: list[Any] = [browse_treatments, treatment_report, condition_report]
