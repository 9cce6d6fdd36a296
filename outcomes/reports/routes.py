"""Treatment and condition reports (public pages, aggregates with small counts hidden).

What every viewer sees alike is rendered once per summary version and kept in the
process's fragment cache (`community.cache`): a repeat view reads the version with the
treatment or condition, in the one statement it needs anyway. What depends on the viewer
(their own evaluations, what is shared with their audience, the header) is never cached
under a key without the viewer's audience, and never with the viewer's own data.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial
from typing import Any

from litestar import Request, Response, get
from litestar.background_tasks import BackgroundTask
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from community.db import writing
from community.i18n import gettext as _
from community.web import (
    SHORT_READS,
    cached_fragment,
    current_user,
    render,
    render_fragment,
    runtime_of,
)
from outcomes.reports import browse, charts, cohorts, services, survival
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
    treatment, summary, cohort_version = await services.treatment_with_versions(db_session,
                                                                               slug)
    version = None if summary is None else (treatment.id, summary.version)
    fewer_than = runtime_of(request).settings.fewer_than
    # Time on treatment counts those still on it up to today: kept for a day at most.
    today = survival.today()

    async def aggregates() -> dict[str, Any]:
        report = await services.treatment_report(
            db_session, treatment, summary, await _whole(request, db_session, treatment, summary))
        curve = await services.time_on_treatment(db_session, treatment.id, today,
                                                 fewer_than=fewer_than)
        return {"report": report, "summary": charts.summary_in_words(report, fewer_than),
                "sections": charts.report_sections(
                    report, fewer_than, time_on=charts.curve_block(curve, fewer_than))}

    choices = None if summary is None else await _choices(request, db_session, treatment,
                                                          summary)
    narrowing = await _narrowing(request, db_session, choices)
    if narrowing.narrows and summary is not None and choices is not None:
        bundle = await _release(request, db_session, treatment, summary, cohort_version,
                                choices)
        report = await _narrowed_fragment(request, db_session, bundle, narrowing)
    else:
        report = await cached_fragment(request, None if version is None else (*version, today),
                                       "outcomes/_treatment_aggregates.html", aggregates)
    shared = await _shared_evaluations(request, db_session, treatment.id, version)
    response = render(request, "outcomes/treatment_report.html",
                      {"treatment": treatment, "report": report, "shared": shared,
                       "choices": choices, "choices_key": (version, fewer_than),
                       "narrowing": narrowing, "noindex": narrowing.narrows},
                      block="report")
    response.background = request.state.get(_STORE_AFTER)
    return response


_STORE_AFTER = "kindred.store_release_after"
"""In a request's state when it built a narrowed release: the write that keeps it."""


async def _choices(request: AnyRequest, db: AsyncSession, treatment: Any,
                   summary: Any) -> cohorts.Choices:
    """The filters on offer, kept per treatment version (they come from its summaries)."""
    fewer_than = runtime_of(request).settings.fewer_than
    key = ("narrowing choices", treatment.id, summary.version, fewer_than)
    cache = runtime_of(request).fragments
    choices = cache.get(key)
    if choices is None:
        choices = await cohorts.narrowing_choices(db, treatment.id, fewer_than=fewer_than)
        cache.put(key, choices)
    return choices


async def _whole(request: AnyRequest, db: AsyncSession, treatment: Any,
                 summary: Any) -> services.WholeReport | None:
    """The version's whole report and names, read once for both the whole report and the
    narrowed release's order (kept per summary version; none before the first evaluation)."""
    if summary is None:
        return None
    key = ("whole report", treatment.id, summary.version)
    cache = runtime_of(request).fragments
    whole: services.WholeReport | None = cache.get(key)
    if whole is None:
        whole = await services.whole_report(db, treatment, summary)
        cache.put(key, whole)
    return whole


async def _release(request: AnyRequest, db: AsyncSession, treatment: Any, summary: Any,
                   cohort_version: int, choices: cohorts.Choices) -> services.ReleaseBundle:
    """The version's narrowed release, built once per (treatment version, cohort version,
    year, threshold): everything a narrowed figure depends on."""
    settings = runtime_of(request).settings
    basis = services.ReleaseBasis(summary.version, cohort_version, cohorts.this_year(),
                                  settings.fewer_than)
    key = ("cohort release", treatment.id, basis)
    cache = runtime_of(request).fragments
    bundle = cache.get(key)
    if bundle is None:
        async def build() -> services.ReleaseBundle:
            built = await services.current_release(
                db, treatment, summary, basis, choices=choices,
                whole_read=await _whole(request, db, treatment, summary))
            built.key = key
            if built.unstored is not None:
                unstored.append(built.unstored)
                built.unstored = None
            cache.put(key, built)
            return built

        # Building takes seconds for a treatment of many thousand patients: it is stored for
        # every process, and readers here who miss it together wait for one build or read.
        unstored: list[dict[str, Any]] = []
        bundle = await runtime_of(request).builds.run(key, build)
        if unstored:
            # Written after the response, when this request's connection is back in the
            # pool: a reader never waits for a second connection while holding one.
            sessionmaker = runtime_of(request).sessionmaker
            request.state[_STORE_AFTER] = BackgroundTask(
                services.store_release, partial(writing, sessionmaker), unstored[0])
    return bundle


async def _narrowing(request: AnyRequest, db: AsyncSession,
                     choices: cohorts.Choices | None) -> cohorts.Narrowing:
    """The filters asked for, or the viewer's own values for "people like me"; values not
    on offer are ignored."""
    if choices is None:
        return cohorts.Narrowing()
    viewer = current_user(request)
    if request.query_params.get("like_me") and viewer is not None:
        return await services.viewer_narrowing(db, viewer, choices)
    params = request.query_params
    return choices.valid(cohorts.Narrowing(*(str(params.get(name) or "")
                                             for name in cohorts.DIMENSIONS)))


async def _narrowed_fragment(request: AnyRequest, db: AsyncSession,
                             bundle: services.ReleaseBundle,
                             narrowing: cohorts.Narrowing) -> Markup:
    settings = runtime_of(request).settings
    fewer_than = settings.fewer_than

    async def build() -> dict[str, Any]:
        view = services.narrowed_report(bundle, narrowing, fewer_than)
        hidden = _("hidden")
        return {
            "view": view, "choices": bundle.release.choices,
            "sections": [] if view.report is None else charts.report_sections(
                view.report, fewer_than, hidden_text=hidden, prefix="narrowed-",
                purposes=False, time_on=charts.NoteBlock(
                    "narrowed-time-on", _("How long people stay on it"),
                    _("Drawn for everyone only. A group's figures here are counts in bands, "
                      "protected so that no two groups can be subtracted to single anyone "
                      "out; a day-by-day curve of a group could be."))),
            "summary": "" if view.report is None else charts.summary_in_words(
                view.report, fewer_than, narrowed=True),
        }

    return await cached_fragment(request, (*bundle.key, narrowing.values),
                                 "outcomes/_narrowed_report.html", build)


async def _shared_evaluations(request: AnyRequest, db: AsyncSession, treatment_id: int,
                              version: tuple[int, int] | None) -> Markup:
    """Cards of what others shared with the viewer's audience are kept per summary version
    and audience; the viewer's own evaluations are read and rendered for each request. A
    signed-out reader's list is kept whole (it holds no reader's own cards)."""
    viewer = current_user(request)
    group = audience(viewer)
    cache = runtime_of(request).fragments
    key = None if version is None else ("evaluation cards", *version, group)
    # Signed out, the list is the audience's cards alone: kept as shown, under the same
    # version and audience as the cards themselves.
    shown_key = None if version is None or viewer is not None else (
        "evaluation list", *version, group)
    shown: str | None = cache.get(shown_key) if shown_key else None
    if shown is not None:
        return Markup(shown)  # noqa: S704 (rendered by an autoescaping template)
    others: list[services.EvaluationCard] | None = cache.get(key) if key else None
    if others is None:
        others = _cards(request, await services.audience_evaluations(db, treatment_id, group),
                        mine=False)
        if key:
            cache.put(key, others)
    own = [] if viewer is None else _cards(
        request, await services.own_evaluations(db, treatment_id, viewer), mine=True)
    cards = services.latest_cards(others, own, viewer)
    html = render_fragment(request, "outcomes/_shared_evaluations.html",
                           {"cards": [card.html for card in cards],
                            "signed_in": viewer is not None})
    if shown_key:
        cache.put(shown_key, str(html))
    return html


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


@get("/conditions/{slug:str}", opt=SHORT_READS)
async def condition_report(request: AnyRequest, db_session: AsyncSession,
                           slug: str) -> Response[str]:
    """A condition's page: its treatments and symptoms, both kept as rendered. One short read
    (the condition by its slug with its summary rows), so on SQLite it runs on the event loop
    (SHORT_READS); the treatments are read only when their version's table is not kept."""
    condition, version, counts = await services.condition_page(db_session, slug)

    async def treatments() -> dict[str, Any]:
        return {"treatments": await services.condition_treatments(db_session, condition),
                "most_common": services.most_common, "condition": condition}

    treatment_table = await cached_fragment(
        request, None if version is None else (condition.id, version),
        "outcomes/_condition_treatments.html", treatments)

    async def symptoms_context() -> dict[str, Any]:
        return {"symptoms": services.symptom_rows(counts)}

    # Keyed by the counts themselves: symptom tracking keeps no version of its summary.
    symptoms = await cached_fragment(
        request, (condition.id, counts), "outcomes/_condition_symptoms.html", symptoms_context)
    return render(request, "outcomes/condition_report.html",
                  {"condition": condition, "treatments": treatment_table, "symptoms": symptoms,
                   "noindex": False},
                  frame=condition_frame(condition, version, counts), holes=("site_header",))


def condition_frame(condition: services.ConditionShown, version: Any,
                    counts: services.SymptomCounts) -> Hashable | None:
    """The key the condition page is kept under around the layout's header (kept per
    viewer): the condition as read and what its two kept tables are keyed by, so the page is
    the same for every reader; None (rendered whole) when the treatments have no version to
    key them by (their table is then made afresh, not kept)."""
    if version is None:
        return None
    return ("condition", condition.id, condition.slug, condition.name, condition.icd10,
            tuple(condition.synonyms), condition.description, version, counts)


@get("/conditions/{slug:str}/compare")
async def compare_treatments(request: AnyRequest, db_session: AsyncSession,
                             slug: str) -> Response[str]:
    condition, _version = await services.condition_with_version(db_session, slug)
    compared = await services.compared_treatments(db_session, condition,
                                                  request.query_params.getall("t", []))
    fewer_than = runtime_of(request).settings.fewer_than
    enough = len(compared) >= 2
    comparison: Markup | str = ""
    if enough:
        async def build() -> dict[str, Any]:
            await services.fill_compared_reports(db_session, compared)
            reports = [item.report for item in compared]
            return {"compared": compared, "measures": charts.compared_measures(
                reports, f"condition:{condition.id}", fewer_than)}

        versions = tuple((item.treatment.id, item.version) for item in compared)
        key = None if any(v is None for _t, v in versions) else (condition.id, versions)
        comparison = await cached_fragment(request, key, "outcomes/_comparison.html", build)
    status = 200 if enough else 400
    response = render(request, "outcomes/compare.html",
                      {"condition": condition, "comparison": comparison, "enough": enough,
                       "noindex": True})
    response.status_code = status
    return response


route_handlers: list[Any] = [browse_treatments, treatment_report, condition_report, compare_treatments]
