"""The Cookie header is split by hand when it is plain (community.web.parse_cookie_header):
whatever a client sends, the cookies found are the ones SimpleCookie finds."""

from __future__ import annotations

from http.cookies import SimpleCookie

from hypothesis import given, settings
from hypothesis import strategies as st

from community.web import parse_cookie_header


def simple_cookie(header: str) -> dict[str, str] | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:
        return None
    return {name: morsel.value for name, morsel in jar.items()}


PIECES = st.sampled_from([
    "kindred_session", "csrftoken", "kindred_lang", "a", "Path", "max-age", "secure", "=", ";",
    "; ", " ", '"', "\\", "x y", "%20", "abc123_-.", "é", ",", "\t", "$Version", "()", "{}",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join))
def test_the_cookies_found_are_simple_cookies(header: str) -> None:
    assert parse_cookie_header(header) == simple_cookie(header)


def test_the_usual_headers() -> None:
    for header in ("kindred_session=abc; csrftoken=d-e_f", "a=b;", 'a="x y"; b=c', "a=b; path=/",
                   "a=b; c", "", "a=b=c"):
        assert parse_cookie_header(header) == simple_cookie(header), header
