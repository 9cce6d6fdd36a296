"""CSRF tokens bound to the session.

A signed-in person's token is an HMAC of their session (its stored hash) under the site's
secret: a token lifted from another session, or planted in a cookie from a sibling domain,
does not match. Signed-out forms (sign-in, registration) have no session to bind to; they
keep a signed double-submit token. The token travels in the `_csrf_token` form field or the
`X-CSRFToken` header (htmx, from `hx-headers` on `<body>`); the `csrftoken` cookie only
carries it to clients that read it there, it is never what the token is checked against
once someone is signed in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import AbstractMiddleware
from litestar.types import Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from community.i18n import gettext as _
from community.tokens import token_hash
from community.web import ROTATED_FROM_KEY, SESSION_COOKIE, cookie_of, error_page

COOKIE = "csrftoken"
HEADER = "x-csrftoken"
FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The bearer-token API has no cookies, so nothing to forge; an unsubscribe link's signature
# authenticates it, and mail clients post to it with no page and no cookie (RFC 8058).
EXEMPT_PREFIXES = ("/api/v1/", "/unsubscribe/")
_SESSION_COOKIE_SET = f"{SESSION_COOKIE}=".encode()


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


_session_tokens: dict[tuple[str, str], str] = {}


def session_token(secret: str, session_hash: str) -> str:
    """The token of the session whose stored hash is `session_hash` (remembered per process:
    every request of a signed-in person asks for it, and it depends on nothing else)."""
    key = (secret, session_hash)
    token = _session_tokens.get(key)
    if token is None:
        if len(_session_tokens) >= 4096:
            _session_tokens.clear()
        token = _session_tokens[key] = _mac(secret, f"csrf:session:{session_hash}")
    return token


def new_anonymous_token(secret: str) -> str:
    nonce = secrets.token_hex(16)
    return f"a{nonce}{_mac(secret, f'csrf:anonymous:{nonce}')[:32]}"


def _valid_anonymous(secret: str, token: str) -> bool:
    if len(token) != 65 or not token.startswith("a"):
        return False
    nonce, mac = token[1:33], token[33:]
    return hmac.compare_digest(mac, _mac(secret, f"csrf:anonymous:{nonce}")[:32])


class SessionCSRFMiddleware(AbstractMiddleware):
    """Check the token of every unsafe request; give every response the token of the
    session it leaves the browser with. Runs inside `SessionMiddleware` (it reads
    ``scope["auth"]``)."""

    scopes = {ScopeType.HTTP}  # noqa: RUF012 - the AbstractMiddleware class attribute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret: str = scope["app"].state.runtime.settings.secret_key
        secure: bool = scope["app"].state.runtime.settings.secure_cookies
        cookie = cookie_of(scope, COOKIE)
        auth = scope.get("auth")
        if auth is not None:
            expected = session_token(secret, auth.token_hash)
        elif cookie and _valid_anonymous(secret, cookie):
            expected = cookie
        else:
            expected = new_anonymous_token(secret)
        # Set first: an error page (a refusal below, a body too large) still renders forms.
        ScopeState.from_scope(scope).csrf_token = expected
        method = scope.get("method", "GET")
        send = _with_token(send, secret, expected, cookie, secure)
        if method not in SAFE_METHODS and not scope.get("path", "").startswith(EXEMPT_PREFIXES):
            submitted = await _submitted(scope, receive)
            if not submitted or not _accepted(secret, scope, submitted, expected, cookie):
                # Answered here, not raised: the refusal must still carry the token that
                # works now (a stale one, left by a session that ended, would refuse forever).
                request: Request[Any, Any, Any] = scope["litestar_app"].request_class(
                    scope, receive)
                refusal = error_page(request, PermissionDeniedException(
                    detail=_("This form has expired or did not come from this site. "
                             "Go back, reload the page and send it again.")))
                await refusal.to_asgi_response(None, request)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _accepted(secret: str, scope: Scope, submitted: str, expected: str,
              cookie: str | None) -> bool:
    if scope.get("auth") is not None:
        if hmac.compare_digest(submitted, expected):
            return True
        rotated_from = scope.get(ROTATED_FROM_KEY)
        return isinstance(rotated_from, str) and hmac.compare_digest(
            submitted, session_token(secret, rotated_from))
    # Signed out: the double-submit token, signed by us.
    return (cookie is not None and hmac.compare_digest(submitted, cookie)
            and _valid_anonymous(secret, submitted))


async def _submitted(scope: Scope, receive: Receive) -> str:
    request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope, receive)
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type, _params = request.content_type
    if content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _with_token(send: Send, secret: str, expected: str, cookie: str | None,
                secure: bool) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            # The raw header list, read once (Litestar's header map searched it per call).
            headers = list(message.get("headers", ()))
            token = expected
            for name, value in headers:
                if name.lower() == b"set-cookie" and value.startswith(_SESSION_COOKIE_SET):
                    # Signed in or out by this response: the token of what comes next.
                    session = value.split(b";", 1)[0].split(b"=", 1)[1].decode("latin-1")
                    token = (session_token(secret, token_hash(session)) if session
                             else new_anonymous_token(secret))
            if token != cookie:
                headers.append((b"set-cookie", Cookie(
                    key=COOKIE, value=token, path="/", secure=secure, httponly=False,
                    samesite="lax").to_header(header="").encode("latin-1")))
                message["headers"] = headers
        await send(message)

    return wrapped
