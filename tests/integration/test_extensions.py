"""The seams between the core and its domains fail closed: a hook that is missing, or whose
parameters were renamed, stops the app at start-up; a runtime without hooks refuses posting."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import app as app_module
from community.accounts.models import User
from community.app import build_extensions, create_app
from community.communities.demo import seed_communities
from community.extensions import ExtensionError, Extensions
from community.posting import ensure_can_post
from community.runtime import Runtime
from community.settings import Settings
from tests.helpers import Visitor


def test_every_hook_is_wired_and_checked() -> None:
    app_module.load_all_models()
    extensions = build_extensions()
    runtime = Runtime.build(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    runtime.install(extensions)
    assert runtime.extensions.can_post is not None
    asyncio.run(runtime.close())


@pytest.fixture
def startup_settings(tmp_path: Path) -> Settings:
    """Settings for an app that must refuse to start: the check comes before any database
    is opened, so one backend is enough."""
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}",
                    secret_key="test-secret-key-0123456789abcdef0123456789",
                    var_dir=tmp_path / "var", base_url="http://testserver.local")


def test_a_missing_hook_stops_start_up(
    startup_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for hook in ["can_post", "posting_allowed", "reopen_if_suspension_over", "notice_context",
                 "profile_extras", "most_reported_treatments"]:
        with monkeypatch.context() as patch:
            patch.setattr(app_module, "build_extensions",
                          lambda hook=hook: replace(build_extensions(), **{hook: None}))
            with pytest.raises(ExtensionError, match=hook):
                create_app(startup_settings)


def test_a_hook_whose_parameters_were_renamed_stops_start_up(
    startup_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def can_post(db: AsyncSession, person_id: int) -> bool:
        return True

    monkeypatch.setattr(app_module, "build_extensions",
                        lambda: replace(build_extensions(), can_post=can_post))
    with pytest.raises(ExtensionError, match="user_id"):
        create_app(startup_settings)


def test_a_signal_needing_an_argument_the_core_never_passes_stops_start_up(
    startup_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def signal(db: Any, *, viewer: Any, candidate_ids: list[int], weight: float) -> Any:
        return {}

    monkeypatch.setattr(app_module, "build_extensions",
                        lambda: replace(build_extensions(), like_me_signals=(signal,)))
    with pytest.raises(ExtensionError, match="weight"):
        create_app(startup_settings)


def test_a_background_job_that_is_a_bare_function_stops_start_up(
    startup_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outcomes.research.worker import worker_pass

    monkeypatch.setattr(app_module, "build_extensions",
                        lambda: replace(build_extensions(), background_jobs=(worker_pass,)))
    with pytest.raises(ExtensionError, match="not a BackgroundJob"):
        create_app(startup_settings)


def test_a_renamed_hook_name_is_refused_rather_than_ignored() -> None:
    hooks: dict[str, Any] = {
        "can_post_v2": object(), "posting_allowed": object(),
        "reopen_if_suspension_over": object(),
        "notice_context": object(), "profile_extras": object(),
        "most_reported_treatments": object(),
    }
    with pytest.raises(TypeError):
        Extensions(**hooks)


def test_without_the_penalty_hook_nobody_posts(visitor: Visitor) -> None:
    """The old dict seam allowed posting when "can_post" was absent: now it refuses."""
    visitor.signup_and_login("hookless_hana")

    async def _try(runtime: Runtime) -> str:
        bare = Runtime.build(runtime.settings)
        try:
            async with runtime.sessionmaker() as db:
                author = await db.scalar(select(User).where(User.username == "hookless_hana"))
                assert author is not None
                try:
                    await ensure_can_post(db, bare, author)
                except ExtensionError:
                    return "refused"
                return "allowed"
        finally:
            await bare.close()

    assert visitor.run(_try) == "refused"
    async def _seed(runtime: Runtime) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await seed_communities(db)

    visitor.run(_seed)
    # The app as built has the hook: the same person posts.
    visitor.post("/communities/migraine/join")
    started = visitor.post("/communities/migraine/threads",
                           {"title": "Cold packs", "body": "Do cold packs help?",
                            "audience": "members", "kind": "discussion"})
    assert started.status_code == 303, started.text[:300]
