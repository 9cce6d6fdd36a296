"""A per-minute request budget for signed-out visitors, counted per client address.

It must run after `SessionMiddleware` (which sets ``scope["user"]``): signed-in people
are exempt here, their reading pace is watched per account by `community.scraping`.
Static files, avatars and the health check are exempt; avatars because a single page
shows many of them.
"""

from __future__ import annotations

from datetime import timedelta

from litestar.enums import ScopeType
from litestar.middleware import AbstractMiddleware
from litestar.types import HTTPResponseStartEvent, Receive, Scope, Send

from community.i18n import gettext as _
from community.runtime import Runtime

EXEMPT_PREFIXES = ("/static/", "/avatars/")
EXEMPT_PATHS = frozenset({"/healthz"})
WINDOW = timedelta(minutes=1)


class AnonymousRateLimitMiddleware(AbstractMiddleware):
    scopes = {ScopeType.HTTP}  # noqa: RUF012 - the AbstractMiddleware class attribute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope.get("user") is not None or path in EXEMPT_PATHS
                or path.startswith(EXEMPT_PREFIXES)):
            await self.app(scope, receive, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        client = scope.get("client")
        address = client[0] if client else "unknown"
        count = await runtime.traffic.hit(f"anonymous:{address}", WINDOW)
        if count <= runtime.settings.anonymous_requests_per_minute:
            await self.app(scope, receive, send)
            return
        await _too_many(scope, send)


async def _too_many(scope: Scope, send: Send) -> None:
    wants_html = any(
        key == b"accept" and b"text/html" in value for key, value in scope.get("headers", [])
    )
    message = _("Too many requests from your address. Please wait a minute, or sign in.")
    if wants_html:
        title = _("Too many requests")
        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}'
                f"</title></head><body><h1>{title}</h1><p>{message}</p></body></html>")
        content_type = b"text/html; charset=utf-8"
    else:
        body, content_type = message + "\n", b"text/plain; charset=utf-8"
    payload = body.encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(payload)).encode()),
            (b"retry-after", str(int(WINDOW.total_seconds())).encode()),
            (b"cache-control", b"no-store"),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": payload, "more_body": False})
