"""The protective headers every response leaves with (community.web.security_headers)."""

from __future__ import annotations

import asyncio
from typing import Any

from community.web import CONTENT_SECURITY_POLICY, security_headers


def sent(headers: list[tuple[bytes, bytes]], *, user: object = None,
         path: str = "/threads/1") -> dict[bytes, list[bytes]]:
    message: dict[str, Any] = {"type": "http.response.start", "status": 200,
                               "headers": headers}
    asyncio.run(security_headers(message, {"user": user, "path": path}))  # type: ignore[arg-type]
    found: dict[bytes, list[bytes]] = {}
    for name, value in message["headers"]:
        found.setdefault(name, []).append(value)
    return found


def test_the_protective_headers_replace_any_the_response_set() -> None:
    found = sent([(b"content-type", b"text/html"), (b"x-frame-options", b"SAMEORIGIN"),
                  (b"vary", b"Accept")])
    assert found[b"content-security-policy"] == [CONTENT_SECURITY_POLICY.encode()]
    assert found[b"x-frame-options"] == [b"DENY"]
    assert found[b"x-content-type-options"] == [b"nosniff"]
    assert found[b"referrer-policy"] == [b"same-origin"]
    assert found[b"cross-origin-opener-policy"] == [b"same-origin"]
    assert found[b"vary"] == [b"Cookie, HX-Request, Accept-Language"]
    assert found[b"content-type"] == [b"text/html"]


def test_cache_control_no_store_signed_in_no_cache_else_unless_chosen() -> None:
    chosen = [(b"cache-control", b"public, max-age=86400")]
    assert sent(list(chosen), user=object())[b"cache-control"] == [b"no-store"]
    assert sent(list(chosen), user=object(), path="/static/x.css")[b"cache-control"] == [
        b"no-store"]
    assert sent(list(chosen))[b"cache-control"] == [b"public, max-age=86400"]
    assert sent([])[b"cache-control"] == [b"no-cache"]
    assert b"cache-control" not in sent([], path="/static/kindred.css")
