"""The one family of errors services raise; `domain_error_page` turns them into HTTP at the
edge, so a service never speaks HTTP and a CLI or a worker can call it as well."""

from __future__ import annotations

from typing import Any, ClassVar

from litestar import Request, Response
from litestar.exceptions import HTTPException


class DomainError(Exception):
    """A rule refused the action; `detail` is shown to the person (already translated)."""

    status_code: ClassVar[int] = 400

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class FormErrors(DomainError):
    """Field name -> messages; the form is shown again with what was typed."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


class NotAllowed(DomainError):
    """The person may not do this (here, now, to this object)."""

    status_code = 403


class NotFound(DomainError):
    """No such object, or none this person may know of."""

    status_code = 404


class Conflict(DomainError):
    """Someone else changed the object first, or it is in the wrong state for this."""

    status_code = 409


def domain_error_page(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """The edge's mapping: a domain error answers the error page with its status and detail."""
    from community.web import error_page

    return error_page(request, HTTPException(status_code=exc.status_code, detail=exc.detail))
