"""The composition root: the one place that wires every domain into a Litestar app."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyInitPlugin,
    SQLAlchemySerializationPlugin,
)
from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router
from sqlalchemy import MetaData

from community import pages
from community.accounts import admin as accounts_admin
from community.accounts import routes as accounts_routes
from community.accounts.csrf import SessionCSRFMiddleware
from community.accounts.receipts import (
    SubmissionReceiptMiddleware,
    SubmittedBefore,
    submitted_before_answer,
)
from community.background import BackgroundJob, running_jobs
from community.db import Base
from community.errors import DomainError, domain_error_page
from community.extensions import Extensions
from community.ratelimit import AnonymousRateLimitMiddleware
from community.runtime import Runtime
from community.screening import Screener
from community.settings import Settings
from community.web import (
    ALCHEMY_STATE_KEY,
    STATIC_DIR,
    LocaleMiddleware,
    RequestSessionDependency,
    SessionMiddleware,
    build_environment,
    commit_or_close_request_session,
    error_page,
    reject_out_of_range_ids,
    security_headers,
)

MAX_BODY_BYTES = 1024 * 1024


def load_all_models() -> MetaData:
    """Import every domain's models so the metadata is complete (app, migrations, checks)."""
    import community.models  # noqa: F401
    import moderation.models  # noqa: F401
    import outcomes.models  # noqa: F401

    return Base.metadata


def demo_loaders() -> list[Any]:
    """Each domain's demo loader, in dependency order: (session, people, staff, seed) -> summary."""
    from community.communities import demo as communities_demo
    from moderation import demo as moderation_demo
    from outcomes.research import demo as research_demo
    from outcomes.tracking import demo as tracking_demo
    from outcomes.treatments import demo as treatments_demo

    return [communities_demo.load, treatments_demo.load, tracking_demo.load,
            research_demo.load, moderation_demo.load]


def demo_runtime(settings: Settings) -> Runtime:
    """A runtime for `kindred demo`: real screening and review queue, as the server has."""
    runtime = Runtime.build(settings, screener=default_screener())
    plug_in(runtime)
    return runtime


async def finish_demo(runtime: Runtime) -> str:
    """What the demo does after its data committed: build the queued research exports."""
    from outcomes.research.demo import run_demo_exports

    return await run_demo_exports(runtime)


async def seed_reference_data(session: Any) -> str:
    """What a fresh install needs besides the schema: communities and vocabularies."""
    from community.communities.demo import seed_communities
    from outcomes.catalog.services import load_catalog

    communities = await seed_communities(session)
    catalog = await load_catalog(session)
    return f"communities seeded: {communities}; catalog: {catalog}"


def default_screener() -> Screener:
    from moderation.screening import PipelineScreener

    return PipelineScreener()


def build_extensions() -> Extensions:
    """Outcomes' and moderation's implementations of the core's hooks (the core never imports
    them). Every single hook is a required argument: leaving one out fails here."""
    from moderation.erasure import erase_person
    from moderation.home import HOME_BLOCKS as moderation_blocks
    from moderation.notices import notice_context
    from moderation.queue.expiry import EXPIRY_JOB
    from moderation.queue.services import (
        can_post,
        end_expired_suspension_of,
        posting_allowed,
    )
    from moderation.vetting.extras import clinician_profile_extras
    from outcomes.home import HOME_BLOCKS as outcomes_blocks
    from outcomes.reports.services import most_reported_treatments
    from outcomes.research.home import HOME_BLOCKS as research_blocks
    from outcomes.research.worker import EXPORT_WORKER
    from outcomes.treatments.likeme import shared_symptoms, shared_treatments

    return Extensions(
        can_post=can_post,
        posting_allowed=posting_allowed,
        reopen_if_suspension_over=end_expired_suspension_of,
        notice_context=notice_context,
        profile_extras=clinician_profile_extras,
        most_reported_treatments=most_reported_treatments,
        like_me_signals=(shared_treatments, shared_symptoms),
        account_deletion_hooks=(erase_person,),
        home_blocks=(*outcomes_blocks, *moderation_blocks, *research_blocks),
        background_jobs=(EXPIRY_JOB, EXPORT_WORKER),
    )


def plug_in(runtime: Runtime) -> None:
    """Install the hooks and moderation's review sink; a missing or mistyped hook stops here."""
    from moderation.queue.sink import QueueReviewSink

    runtime.install(build_extensions())
    runtime.review_sink = QueueReviewSink(runtime.mailer, runtime.settings.base_url)


def background_jobs(runtime: Runtime) -> tuple[BackgroundJob, ...]:
    """The jobs that repeat beside the app: the core's own, then those the domains installed."""
    from community.accounts.receipts import RECEIPT_PRUNE_JOB
    from community.communities.outbox import OUTBOX_JOB
    from community.notifications.digest import DIGEST_JOB

    return (DIGEST_JOB, RECEIPT_PRUNE_JOB, OUTBOX_JOB, *runtime.extensions.background_jobs)


def route_handlers() -> Sequence[Any]:
    from community.communities import conversation as conversation_routes
    from community.communities import routes as communities_routes
    from community.messages import routes as messages_routes
    from community.notifications import routes as notifications_routes
    from community.profiles import routes as profiles_routes
    from moderation import routes as moderation_routes
    from outcomes import routes as outcomes_routes
    from outcomes.research import routes as research_routes
    from outcomes.rights import routes as rights_routes

    return [
        *pages.route_handlers,
        *accounts_routes.route_handlers,
        *accounts_admin.route_handlers,
        *communities_routes.route_handlers,
        *conversation_routes.route_handlers,
        *profiles_routes.route_handlers,
        *messages_routes.route_handlers,
        *notifications_routes.route_handlers,
        *outcomes_routes.route_handlers,
        *research_routes.route_handlers,
        *rights_routes.route_handlers,
        *moderation_routes.route_handlers,
    ]


def install_moderation_notices(jinja: Any, runtime: Runtime) -> None:
    """`moderation_notice(post, community, locale)` in templates: what screening found in a
    post, with crisis help or a referral, rendered from moderation's partials."""
    from markupsafe import Markup

    notice_context = runtime.extensions.notice_context

    def moderation_notice(
        post: Any, community: Any, locale: str = "en", country: str | None = None
    ) -> Markup:
        if not post.screen_labels:
            return Markup("")
        context = notice_context(
            {"labels": post.screen_labels, "spans": post.screen_spans or []},
            getattr(community, "slug", None), locale, text=post.body,
            icd10=getattr(community, "icd10", None), country=country,
            crisis_published=post.status == "published",
        )
        template = jinja.get_template("moderation/partials/notices.html")
        return Markup(template.render(**context))  # noqa: S704 - autoescaped template output

    jinja.globals["moderation_notice"] = moderation_notice


_startup_frozen = False


def freeze_startup_objects() -> None:
    """Keep what start-up allocated (models, templates, vocabularies) out of the cyclic
    garbage collector's full passes: each took hundreds of milliseconds, and with them a
    request's latency. Once per process (the first app), so a test run does not pin every
    app it builds."""
    global _startup_frozen
    if _startup_frozen:
        return
    _startup_frozen = True
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    *,
    screener_factory: Callable[[], Screener] = default_screener,
) -> Litestar:
    settings = settings or Settings.from_env()
    load_all_models()
    runtime = Runtime.build(settings, screener=screener_factory())
    plug_in(runtime)
    alchemy = SQLAlchemyAsyncConfig(
        engine_instance=runtime.engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        create_all=False,
        set_default_exception_handler=False,
    )
    # The config makes its session's scope key unique per app: the handler needs it.
    alchemy.before_send_handler = commit_or_close_request_session(alchemy.session_scope_key)

    async def close_runtime() -> None:
        await runtime.close()

    from community.notifications import install_template_globals, load_unread_count
    from moderation.queue.header import install_template_globals as install_moderation_header
    from moderation.queue.header import load_overdue_crisis
    from outcomes.research.labels import install_template_globals as install_research_labels

    async def before_request(request: Any) -> None:
        reject_out_of_range_ids(request)
        await load_unread_count(request)
        await load_overdue_crisis(request)

    def background(_app: Litestar) -> AbstractAsyncContextManager[None]:
        return running_jobs(runtime, background_jobs(runtime))

    def warm_screener() -> None:
        """Load the screening pipeline (its model) now, not on the first post."""
        warm_up = getattr(runtime.screener, "warm_up", None)
        if warm_up is not None:
            warm_up()

    jinja = build_environment()
    install_template_globals(jinja)
    install_moderation_header(jinja)
    install_moderation_notices(jinja, runtime)
    install_research_labels(jinja)

    return Litestar(
        route_handlers=[
            *route_handlers(),
            create_static_files_router(path="/static", directories=[STATIC_DIR],
                                       include_in_schema=False),
        ],
        # The SQLAlchemy plugin's two parts (its composite adds them after every other
        # plugin), then the request session's dependency, which replaces the first's.
        plugins=[SQLAlchemyInitPlugin(config=alchemy), SQLAlchemySerializationPlugin(),
                 RequestSessionDependency(alchemy)],
        # The rate limit runs after the session middleware: signed-in people are exempt.
        # The language follows the session (the person's setting), and precedes the rate
        # limit so that its answer is in the visitor's language. CSRF runs inside the session
        # middleware: its tokens are bound to the session.
        middleware=[DefineMiddleware(SessionMiddleware), DefineMiddleware(LocaleMiddleware),
                    DefineMiddleware(AnonymousRateLimitMiddleware),
                    DefineMiddleware(SessionCSRFMiddleware),
                    DefineMiddleware(SubmissionReceiptMiddleware)],
        before_send=[security_headers],
        exception_handlers={DomainError: domain_error_page, HTTPException: error_page,
                            SubmittedBefore: submitted_before_answer, Exception: error_page},
        state=State({"runtime": runtime, "jinja": jinja, ALCHEMY_STATE_KEY: alchemy}),
        before_request=before_request,
        lifespan=[background],
        on_startup=[warm_screener, freeze_startup_objects],
        on_shutdown=[close_runtime],
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
