"""One-time submission tokens: a form sent twice (a double click, a retry on a flaky
network) is carried out once, and the repeat answers with where the first one went.

Every form carries `_submission`, a random token drawn when the page was rendered (beside
the CSRF token, in `csrf_input`). A signed-in person's unsafe request claims a receipt for
(person, token, path, fields) in the request's own transaction before its handler runs:

- SQLite: the claim is the request's first statement, so it takes the write lock; a repeat
  waits for the first to commit, then finds its receipt.
- PostgreSQL: an insert of the same key waits for the first transaction's outcome.

A handler marked `WRITE_PHASE` reads and computes first; its receipt is claimed when it
enters its write phase (`begin_writing`), as the first write of its write transaction.

The receipt is kept only when the first request succeeds (the transaction commits on 2xx
and 3xx); a failed form leaves nothing, and sending it again is a new attempt. Two
different forms of one page share the page's token but not their path and fields.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import AbstractMiddleware
from litestar.types import Message, Receive, Scope, Send
from sqlalchemy import Executable, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import FormReceipt
from community.background import BackgroundJob
from community.db import (
    intent,
    switch_to_writing,
    table_of,
    utcnow,
    write_later,
    write_rows,
)
from community.i18n import gettext as _
from community.web import WRITE_PHASE_BEGUN, has_write_phase, request_session

if TYPE_CHECKING:
    from community.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")

FIELD = "_submission"
NO_RECEIPT = {"no_receipt": True}
"""Route `opt` for a form that checks a password (its claim would be the request's first
statement and hold SQLite's write lock while argon2 runs; a repeat fails harmlessly), and for
one that may rightly be sent many times from one page with the same fields (a preview, a
draft's autosave, which would otherwise be refused as "already sent")."""
KEEP_FOR = timedelta(days=1)
PRUNE_SECONDS = 3600.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


PENDING_KEY = "kindred_receipt_pending"  # (user id, key) until the write phase claims it
CLAIMED_KEY = "kindred_receipt_claimed"


class AlreadySubmitted(ClientException):
    status_code = 409


class SubmittedBefore(Exception):
    """A form sent again found its first submission's receipt: answered with a 303 to where
    the first one went (`submitted_before_answer`)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def submitted_before_answer(_request: Request[Any, Any, Any],
                            exc: SubmittedBefore) -> Response[bytes]:
    return Response(b"", status_code=303, headers={"location": exc.location})


def _already_submitted() -> AlreadySubmitted:
    return AlreadySubmitted(detail=_(
        "This form was already sent, and it was not sent again. "
        "Reload the page to see the result."))


def receipt_key(token: str, method: str, path: str, fields: list[tuple[str, str]]) -> str:
    canonical = json.dumps([token, method, path, sorted(fields)], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _claim_statement(dialect: str) -> Executable:
    """The claim, built once per database (its compiled form then comes from the cache
    instead of being built and keyed again for every form sent)."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = bindparam("now", type_=FormReceipt.created_at.type)
    return (make(FormReceipt)
            .values(user_id=bindparam("user_id"), token_hash=bindparam("key"), created_at=now)
            .on_conflict_do_update(index_elements=["user_id", "token_hash"],
                                   set_={"created_at": now, "location": None},
                                   where=FormReceipt.created_at < bindparam(
                                       "expired_before", type_=FormReceipt.created_at.type))
            .returning(FormReceipt.user_id))


async def claim(db: AsyncSession, user_id: int, key: str) -> tuple[bool, str | None]:
    """Claim the receipt `key`: (True, None) when this is the first submission, else
    (False, where the first one went or None). A receipt older than KEEP_FOR no longer
    counts: claiming its key again takes it over (`prune_receipts` removes the rest)."""
    now = utcnow()
    # Through the driver (`write_rows`): SQLAlchemy's execution path cost more than the claim.
    claimed = await write_rows(db, _claim_statement(db.get_bind().dialect.name), {
        "user_id": user_id, "key": key, "now": now, "expired_before": now - KEEP_FOR})
    if claimed:
        return True, None
    location = await db.scalar(select(FormReceipt.location).where(
        FormReceipt.user_id == user_id, FormReceipt.token_hash == key))
    return False, location


async def begin_writing(request: Request[Any, Any, Any], db: AsyncSession,
                        recheck: Callable[[], Awaitable[T]]) -> T:
    """The write phase of a handler marked `WRITE_PHASE`: the read transaction it ran so far
    ends (it wrote nothing; the objects it loaded stay loaded), a write transaction begins
    (SQLite takes its write lock here, not at the request's first statement;
    `switch_to_writing`), and the form's receipt is claimed in it first, so a form sent
    twice still writes once. What the handler checked before may have changed meanwhile: it
    checks again what must hold with its writes, reading it in `recheck`, which is sent
    here, before the claim, so that on SQLite it goes to the database in the claim's trip
    (`community.db.read_rows_later`); what it returns is returned."""
    await switch_to_writing(db)
    rechecked = await recheck()
    scope = request.scope
    scope[WRITE_PHASE_BEGUN] = True  # type: ignore[literal-required]
    pending = scope.pop(PENDING_KEY, None)  # type: ignore[misc]
    if pending is None:
        return rechecked
    user_id, key = pending
    first, location = await claim(db, user_id, key)
    if first:
        scope[CLAIMED_KEY] = True  # type: ignore[literal-required]
        return rechecked
    if location:
        raise SubmittedBefore(location)
    raise _already_submitted()


async def prune_receipts(db: AsyncSession) -> int:
    """Remove the receipts older than KEEP_FOR; returns how many."""
    result = await db.execute(delete(FormReceipt).where(
        FormReceipt.created_at < utcnow() - KEEP_FOR))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def prune_receipts_now(runtime: Runtime) -> int:
    """One pass of RECEIPT_PRUNE_JOB, in a write transaction of its own."""
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            return await prune_receipts(db)


# Off every form's path (a claim used to delete its person's old receipts first); every
# process may run it (a pass is one DELETE; two at once remove the same rows once).
RECEIPT_PRUNE_JOB = BackgroundJob("form-receipt-pruning", "removing old form receipts",
                                  PRUNE_SECONDS, prune_receipts_now, log)


class SubmissionReceiptMiddleware(AbstractMiddleware):
    """Runs inside the CSRF middleware (a forged request claims nothing)."""

    scopes = {ScopeType.HTTP}  # noqa: RUF012 - the AbstractMiddleware class attribute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        handler = scope.get("route_handler")
        if (user is None or scope.get("method", "GET") in SAFE_METHODS
                or (handler is not None and handler.opt.get("no_receipt"))):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope, receive)
        content_type, _params = request.content_type
        if content_type not in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            await self.app(scope, receive, send)
            return
        form = await request.form()
        token = form.get(FIELD)
        if not isinstance(token, str) or not 16 <= len(token) <= 64:
            await self.app(scope, receive, send)
            return
        fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k != FIELD]
        key = receipt_key(token, request.method, scope["path"], fields)
        db = request_session(scope)
        if has_write_phase(scope):
            scope[PENDING_KEY] = (user.id, key)  # type: ignore[literal-required]
            await self.app(scope, receive, _keep_location(send, db, user.id, key, scope))
            return
        first, location = await claim(db, user.id, key)
        if first:
            await self.app(scope, receive, _keep_location(send, db, user.id, key))
            return
        if location:
            await send({"type": "http.response.start", "status": 303, "headers": [
                (b"location", location.encode("latin-1")), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        raise _already_submitted()


_RECEIPTS = table_of(FormReceipt)
_KEEP_LOCATION = update(_RECEIPTS).where(
    _RECEIPTS.c.user_id == bindparam("receipt_user"),
    _RECEIPTS.c.token_hash == bindparam("receipt_key")).values(location=bindparam("new_location"))


def _keep_location(send: Send, db: AsyncSession, user_id: int, key: str,
                   write_phase: Scope | None = None) -> Send:
    """Record where a claimed submission went (a handler with a write phase claims only
    once it enters that phase, so only then)."""
    async def wrapped(message: Message) -> None:
        if (message["type"] == "http.response.start" and 300 <= message["status"] < 400
                and (write_phase is None or write_phase.get(CLAIMED_KEY))):
            location = MutableScopeHeaders.from_message(message).get("location")
            if location and len(location) <= 500:
                # Written with the commit that follows (one trip on SQLite).
                await write_later(db, _KEEP_LOCATION, {
                    "receipt_user": user_id, "receipt_key": key, "new_location": location})
        await send(message)

    return wrapped
