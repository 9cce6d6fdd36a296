"""One confirmation message carried across a redirect: "saved", "approved", "sent".

A save answers with a 303 to the changed page; the message rides in a short-lived cookie
signed with the site's secret (so nobody can make the site say something it did not), is
shown once in the page's status region, and is cleared by that page's response. A save whose
text was screened as a crisis also carries a help panel: the crisis panel when a crisis is
likely, the gentle one when it is possible.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from litestar import Request
from litestar.response import Redirect

from community.paths import same_site_path

FLASH_COOKIE = "kindred_flash"
MAX_TEXT = 300


class HelpPanel(StrEnum):
    """What a message may carry besides its text (base.html shows the matching panel)."""

    NONE = "ok"
    CRISIS = "crisis"  # a crisis is likely: help now, moderators told
    GENTLE = "gentle"  # a crisis is possible: gentle help, someone may check in


@dataclass(frozen=True)
class Flash:
    """A confirmation to show once, with its help panel and a link onward if any."""

    text: str
    panel: HelpPanel = HelpPanel.NONE
    link: str = ""  # a path on this site ("/moderation/items/7"), or none
    link_text: str = ""


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), b"flash:" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def _local(path: str) -> str:
    """`path` when it is a path on this site, else nothing (a message never links away)."""
    return path if same_site_path(path) else ""


def encode(secret: str, text: str, panel: HelpPanel = HelpPanel.NONE, *, link: str = "",
           link_text: str = "") -> str:
    fields = [panel.value, text[:MAX_TEXT], _local(link), link_text[:MAX_TEXT] if link else ""]
    payload = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()
    return f"{payload}.{_signature(secret, payload)}"


def decode(secret: str, value: str) -> Flash | None:
    payload, _sep, signature = value.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    if (not isinstance(fields, list) or len(fields) != 4
            or not all(isinstance(field, str) for field in fields)):
        return None
    kind, text, link, link_text = fields
    if kind not in {panel.value for panel in HelpPanel}:
        return None
    link = _local(link)
    return Flash(text[:MAX_TEXT], HelpPanel(kind), link, link_text[:MAX_TEXT] if link else "")


def redirect_with_message(request: Request[Any, Any, Any], path: str, text: str, *,
                          panel: HelpPanel = HelpPanel.NONE, link: str = "",
                          link_text: str = "") -> Redirect:
    """A 303 to `path` that shows `text` there as a confirmation (with a help panel when the
    saved text was screened as a crisis, and a link onward when given one)."""
    from community.web import runtime_of, see_other

    settings = runtime_of(request).settings
    response = see_other(path)
    value = encode(settings.secret_key, text, panel, link=link, link_text=link_text)
    response.set_cookie(FLASH_COOKIE, value, path="/", max_age=60, httponly=True, samesite="lax",
                        secure=settings.secure_cookies)
    return response


def pending_message(request: Request[Any, Any, Any], secret: str) -> Flash | None:
    """The confirmation waiting for this page, if any (the caller clears the cookie)."""
    value = request.cookies.get(FLASH_COOKIE)
    return decode(secret, value) if value else None
