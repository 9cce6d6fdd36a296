"""One confirmation message carried across a redirect: "saved", "approved", "sent".

A save answers with a 303 to the changed page; the message rides in a short-lived cookie
signed with the site's secret (so nobody can make the site say something it did not), is
shown once in the page's status region, and is cleared by that page's response.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from litestar import Request
from litestar.response import Redirect

FLASH_COOKIE = "kindred_flash"
MAX_TEXT = 300


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), b"flash:" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def encode(secret: str, text: str) -> str:
    payload = base64.urlsafe_b64encode(text[:MAX_TEXT].encode()).decode()
    return f"{payload}.{_signature(secret, payload)}"


def decode(secret: str, value: str) -> str | None:
    payload, _sep, signature = value.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    try:
        return base64.urlsafe_b64decode(payload.encode()).decode()[:MAX_TEXT]
    except ValueError:
        return None


def redirect_with_message(request: Request[Any, Any, Any], path: str, text: str) -> Redirect:
    """A 303 to `path` that shows `text` there as a confirmation."""
    from community.web import runtime_of, see_other

    settings = runtime_of(request).settings
    response = see_other(path)
    response.set_cookie(FLASH_COOKIE, encode(settings.secret_key, text), path="/",
                        max_age=60, httponly=True, samesite="lax",
                        secure=settings.secure_cookies)
    return response


def pending_message(request: Request[Any, Any, Any], secret: str) -> str | None:
    """The confirmation waiting for this page, if any (the caller clears the cookie)."""
    value = request.cookies.get(FLASH_COOKIE)
    return decode(secret, value) if value else None
