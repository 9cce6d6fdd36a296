"""One rule for where the site may send a person: its own paths (sign-in's next, flash
links, notification links all use it)."""

from __future__ import annotations

import pytest

from community.paths import same_site_path


@pytest.mark.parametrize("path", ["/", "/threads/7", "/moderation/items/3#history"])
def test_own_paths_are_allowed(path: str) -> None:
    assert same_site_path(path)


@pytest.mark.parametrize("path", ["", None, "//evil.example/", "/\\evil.example",
                                  "https://evil.example/", "javascript:alert(1)",
                                  "threads/7"])
def test_anything_else_is_refused(path: str | None) -> None:
    assert not same_site_path(path)
