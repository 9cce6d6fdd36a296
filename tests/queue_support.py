"""Fixtures for tests of the moderation queue: the keyword screener (so a test's words decide
what is held) with the real review queue behind it, and no pre-moderation of first posts
(which has its own tests and would otherwise hold everything).

Import `app` and `settings` from here into a test module to use them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar

from community.app import create_app
from community.settings import Settings
from tests.helpers import KeywordScreener


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings, screener_factory=KeywordScreener)
