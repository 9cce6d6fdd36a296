"""Request plumbing shared by every domain: rendering, the session middleware, headers, errors."""

from __future__ import annotations

import re
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar._utils import (
    delete_aa_scope_state,
    get_aa_scope_state,
    set_aa_scope_state,
)
from advanced_alchemy.routing import reset_routing_context
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    pass_context,
    select_autoescape,
)
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.di import Provide
from litestar.enums import MediaType, RequestEncodingType
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.middleware import AbstractMiddleware
from litestar.plugins import InitPluginProtocol
from litestar.response import Redirect
from litestar.types import Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from community import i18n
from community.accounts.models import Role, User
from community.accounts.viewer import Reader
from community.cards import as_utf8, kept_html
from community.db import (
    holds_writes,
    intent,
    read_only_request,
    release_read_connection,
    utcnow,
    write_intent,
    writing,
)
from community.flash import FLASH_COOKIE, pending_message
from community.i18n import LANGUAGE_COOKIE, choose_locale, gettext, ngettext
from community.notifications import UNREAD_STATE_KEY
from community.notifications.services import unread_count_of_user
from community.runtime import Runtime
from community.sqlite_driver import inline_reads
from community.tokens import new_token

SESSION_COOKIE = "kindred_session"
ROTATED_FROM_KEY = "kindred_rotated_from"
"""Scope key: the session hash a request came with when it was rotated on the way in (a
privilege change), so a form rendered before the rotation still submits (see csrf)."""
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
HTMX_FILE = "htmx-2.0.11.min.js"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"], default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # The same functions as the extension's, in one call instead of three, following the
    # request's language; and the date and number filters (see i18n).
    i18n.install(env)
    env.globals.update(htmx_file=HTMX_FILE, Role=Role)
    env.filters["display_name"] = display_name
    env.globals["role_label"] = role_label
    env.globals["kept"] = kept
    env.globals["kept_layout"] = kept_layout
    env.globals["imported_with_context"] = imported_with_context
    return env


@pass_context
def kept(context: Context, *key: Hashable, caller: Callable[[], str]) -> Markup:
    """What the `{% call %}` block renders, kept under `key` (its first part names what is
    kept; community.cards.kept_html). The key must hold everything the block shows but the
    language (every kept entry is keyed by it) and the reader's CSRF input (put back for
    each reader)."""
    return kept_html(runtime_of(context["request"]).fragments, key, caller,
                     context.get("csrf_input", ""))


@pass_context
def kept_layout(context: Context, part: str, *shown: Hashable,
                caller: Callable[[], str]) -> Markup:
    """`part` of the base layout, kept as `kept` does per viewer (id, name, roles) and the
    `shown` values it shows besides."""
    user: Reader | None = context.get("current_user")
    viewer = None if user is None else (user.id, user.username, tuple(sorted(user.role_names)))
    return kept(context, "layout", part, viewer, *shown, caller=caller)


class _ImportedLater:
    """A template's macros, imported with a render's context on the first macro call: a
    page whose parts are all kept never evaluates the template at all."""

    def __init__(self, context: Context, name: str) -> None:
        self._context = context
        self._name = name
        self._module: Any = None

    def __getattr__(self, macro: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self._module is None:
                template = self._context.environment.get_template(self._name)
                # `template.make_module`, with the globals merged as `_context_of` does
                # (Jinja's own way iterated their ChainMap key by key on every import).
                self._module = TemplateModule(template,
                                              _context_of(template, self._context.get_all()))
            return getattr(self._module, macro)(*args, **kwargs)

        return call


@pass_context
def imported_with_context(context: Context, name: str) -> _ImportedLater:
    """`{% import name with context %}`, made once per render and only when a macro of it is
    called: a page whose blocks each import the same macros (each block must, to render
    alone for htmx) evaluated the imported template once per block."""
    made: dict[str, _ImportedLater] = context.__dict__.setdefault("_kindred_imported", {})
    if name not in made:
        made[name] = _ImportedLater(context, name)
    return made[name]


def role_label(role: Role | str) -> str:
    """A role as people read it, in the request's language."""
    labels = {
        Role.PATIENT: gettext("patient"), Role.CLINICIAN: gettext("clinician"),
        Role.RESEARCHER: gettext("researcher"), Role.MODERATOR: gettext("moderator"),
        Role.ADMIN: gettext("admin"),
    }
    return labels.get(Role(role), str(role))


def display_name(user: Reader | None) -> str:
    """A person's name as others see it; a deleted account is "former member"."""
    if user is None:
        return gettext("former member")
    return shown_name(user.username, user.deleted_at)


def shown_name(username: str, deleted_at: datetime | None) -> str:
    """display_name from the account's columns alone."""
    return gettext("former member") if deleted_at is not None else username


def runtime_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Runtime:
    return connection.app.state.runtime


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    return connection.scope.get("user")


def current_reader(connection: ASGIConnection[Any, Any, Any, Any]) -> Reader | None:
    """The signed-in person as a page that only reads sees them: a `Viewer` on routes marked
    PLAIN_VIEWER, else the `User`."""
    return connection.scope.get("user")


def request_state(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The request's state (what `request.state` wraps): the scope's own dict, as
    `request.state` built a `State` object and its lock on every access, several per page."""
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    return state


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx asked (and not to restore its history): read from the raw headers, as
    building the request's header map for it cost more than the question."""
    asked = restoring = False
    for key, value in request.scope["headers"]:
        if key == b"hx-request":
            asked = value == b"true"
        elif key == b"hx-history-restore-request":
            restoring = restoring or bool(value)
    return asked and not restoring


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    client = connection.client
    return client.host if client else "unknown"


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    token = ScopeState.from_scope(connection.scope).csrf_token
    return token if isinstance(token, str) else ""


def _context_of(template: Template, values: dict[str, Any]) -> Context:
    """What `template.new_context(values)` makes, with the template's globals merged map by
    map: Jinja copies them out of their ChainMap (the environment's globals and the
    template's) key by key, twice per render, which cost more than the page's own context."""
    maps = getattr(template.globals, "maps", None)
    if maps is None:
        return template.new_context(values)
    merged: dict[str, Any] = {}
    for globals_map in reversed(maps):
        merged.update(globals_map)
    return template.environment.context_class(
        template.environment, {**merged, **values}, template.name, template.blocks,
        globals=merged)


def page_path(scope: Scope) -> str:
    """The path and query the request asked for (what `request.url` gives, without building
    the URL): the footer's language switch comes back to it."""
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


# A kept page (`render`'s `frame`): the page rendered once with these marks where each reader's
# own parts go, then split on them. Random per process, so no text a page shows (a thread's
# title) can contain one.
_FRAME_MARK = f"frame-{secrets.token_hex(16)}"
_HOLE = re.compile(rf"{_FRAME_MARK}-(\w+)-")
_TOKEN_HOLE, _INPUT_HOLE, _PATH_HOLE = (f"{_FRAME_MARK}-{name}-"
                                        for name in ("csrf_token", "csrf_input", "page_path"))


def _hole_block(name: str) -> Callable[[Context], Iterator[str]]:
    def mark(_context: Context) -> Iterator[str]:
        yield f"{_FRAME_MARK}-{name}-"

    return mark


class _Frame:
    """A page rendered with a mark where each reader's own parts go, split on the marks: its
    text between them (as UTF-8), the names of the holes in order, and the blocks that fill
    them. The text is kept encoded: a page holding one non-ASCII character (a Russian title)
    is encoded from UCS-2, at tens of times an ASCII page's cost per byte, and a kept page is
    mostly its frame."""

    __slots__ = ("blocks", "holes", "texts")

    def __init__(self, texts: list[bytes], holes: list[str],
                 blocks: dict[str, Callable[[Context], Any]]) -> None:
        self.texts = texts
        self.holes = holes
        self.blocks = blocks

    def filled(self, filling: Mapping[str, bytes]) -> bytes:
        """The page with each hole replaced by its `filling`."""
        pieces = [self.texts[0]]
        for name, text in zip(self.holes, self.texts[1:], strict=True):
            pieces += (filling[name], text)
        return b"".join(pieces)


def _framed(env: Environment, compiled: Template, values: dict[str, Any],
            holes: tuple[str, ...], marked: tuple[str, ...] = ()) -> _Frame:
    """The page as `_Frame`: its token, CSRF input, path, values `marked` and blocks `holes`
    marked."""
    framing = _context_of(compiled, {
        **values, "csrf_token": _TOKEN_HOLE,
        "csrf_input": Markup(_INPUT_HOLE),  # noqa: S704
        "page_path": Markup(_PATH_HOLE),  # noqa: S704
        **{name: Markup(f"{_FRAME_MARK}-{name}-") for name in marked},  # noqa: S704
    })
    for name in holes:
        # Before the page's own block: a layout's blocks are added after it as it renders.
        framing.blocks.setdefault(name, []).insert(0, _hole_block(name))
    parts = _HOLE.split(env.concat(compiled.root_render_func(framing)))
    # The block each hole the page shows stands for: the page's own, else its layout's.
    shown = parts[1::2]
    return _Frame([text.encode() for text in parts[::2]], shown,
                  {name: framing.blocks[name][1] for name in holes if name in shown})


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    frame: Hashable | None = None,
    holes: tuple[str, ...] = (),
    marked: tuple[str, ...] = (),
) -> Response[Any]:
    """Render a full page, or only `block` of the same template for htmx requests.

    `frame`: the page is kept around its reader's own parts under this key, which must hold
    everything the page shows outside the blocks `holes` but the language (every kept entry
    is keyed by it), the reader's CSRF token and input and the page's path (put back for each
    reader). The `holes` blocks are rendered for each reader with their context. The values
    of the context named in `marked` are put in (escaped) for each page, as the token is, so
    the key need not hold them: each must be printed only as `{{ name }}` (or through
    `| string`, or as a translation's value), never tested or taken apart. A page carrying a
    confirmation (flash) is rendered whole and not kept."""
    env: Environment = request.app.state.jinja
    token = csrf_token(request)
    whole_page = not (block and is_htmx(request))
    # A confirmation carried over a redirect shows once, on the next full page.
    has_flash = whole_page and cookie_of(request.scope, FLASH_COOKIE) is not None
    flash = pending_message(request, runtime_of(request).settings.secret_key) if has_flash else None
    csrf_input = Markup('<input type="hidden" name="_csrf_token" value="%s">'
                        '<input type="hidden" name="_submission" value="%s">'
                        ) % (token, new_token())
    full_context = {
        "request": request,
        "flash": flash,
        "current_user": current_user(request),
        "csrf_token": token,
        "csrf_input": csrf_input,
        "page_path": page_path(request.scope),
        "settings": runtime_of(request).settings,
        "now": utcnow(),
        **(context or {}),
    }
    compiled = env.get_template(template)
    context_of = _context_of(compiled, full_context)
    body: str | bytes
    if not whole_page:
        assert block is not None
        body = as_utf8(compiled.blocks[block], context_of)
    elif frame is not None and flash is None:
        fragments = runtime_of(request).fragments
        key = ("page-frame", template, frame, marked)
        kept_frame: _Frame | None = fragments.get(key)
        if kept_frame is None:
            kept_frame = _framed(env, compiled, full_context, holes, marked)
            fragments.put(key, kept_frame)
        filled = {"csrf_token": str(escape(token)).encode(), "csrf_input": csrf_input.encode(),
                  "page_path": str(escape(full_context["page_path"])).encode()}
        for name in marked:
            filled[name] = escape(full_context[name]).encode()
        for name, block_render in kept_frame.blocks.items():
            filled[name] = as_utf8(block_render, context_of)
        # The page as the bytes sent: only the reader's own parts are encoded here.
        body = kept_frame.filled(filled)
    else:
        try:
            body = as_utf8(compiled.root_render_func, context_of)
        except Exception:
            env.handle_exception()
    response = Response(
        body, media_type=MediaType.HTML, status_code=status_code, headers=dict(headers or {})
    )
    if has_flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def render_fragment(
    request: Request[Any, Any, Any], template: str, context: Mapping[str, Any]
) -> Markup:
    """A template rendered without the request's context (no user, no CSRF token, no time):
    what it shows cannot depend on who asks unless the caller passes it in."""
    env: Environment = request.app.state.jinja
    full_context = {"settings": runtime_of(request).settings, **context}
    return Markup(env.get_template(template).render(full_context))  # noqa: S704 (autoescaped)


async def cached_fragment(
    request: Request[Any, Any, Any],
    key: Hashable | None,
    template: str,
    build: Callable[[], Awaitable[Mapping[str, Any]]],
) -> Markup:
    """`template` rendered from the context `build` returns, reused while `key` is unchanged.

    `key` must hold every database version and viewer class the fragment depends on; None
    means "no version to trust", and the fragment is built afresh and not kept."""
    cache = runtime_of(request).fragments
    full_key = (template, key)
    if key is not None:
        cached = cache.get(full_key)
        if cached is not None:
            return cached
    html = render_fragment(request, template, await build())
    if key is not None:
        cache.put(full_key, html)
    return html


FORM_TOKENS = frozenset({"_csrf_token", "_submission"})
"""Fields every form carries for the site itself (see accounts.csrf, accounts.receipts)."""


def see_other(path: str) -> Redirect:
    """Redirect after a successful POST (303, so the browser follows with GET)."""
    return Redirect(path=path, status_code=303)


class UnstorableText(HTTPException):
    """A form whose text holds what no database stores faithfully: a NUL character, or bytes
    that are not UTF-8. Answered with a page that says so and gives back what was typed."""

    status_code = 400

    def __init__(self, typed: dict[str, str]) -> None:
        super().__init__(detail=gettext(
            "Nothing was saved: the text you sent contains characters that cannot be stored "
            "(a NUL character, or bytes that are not UTF-8 text, as pasting from some "
            "programs produces). Here is what you typed, without them; copy it, go back, "
            "paste it and send again."))
        self.typed = typed


def _not_utf8(body: bytes) -> dict[str, str]:
    """The fields of a URL-encoded body whose bytes are not UTF-8, decoded with
    replacement characters (the form parser would have stored those silently)."""
    found: dict[str, str] = {}
    for pair in body.split(b"&"):
        name, _eq, value = pair.partition(b"=")
        raw = unquote_to_bytes(value.replace(b"+", b" "))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
            found[key] = raw.decode("utf-8", "replace").replace("\x00", "")
    return found


async def _checked_form(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    content_type, _params = request.content_type
    garbled = (_not_utf8(await request.body())
               if content_type == RequestEncodingType.URL_ENCODED else {})
    if garbled or any(isinstance(v, str) and "\x00" in v for _k, v in form.multi_items()):
        # Everything typed comes back (not passwords), so nothing has to be typed again.
        typed = {key: value.replace("\x00", "") for key, value in form.multi_items()
                 if isinstance(value, str) and value.strip() and key not in FORM_TOKENS
                 and "password" not in key}
        raise UnstorableText({**typed, **garbled})
    return form


async def form_data(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The submitted form as plain strings (last value wins), without the site's own fields.
    Refuses text that cannot be stored (`UnstorableText`)."""
    form = await _checked_form(request)
    return {key: str(value) for key, value in form.items() if key not in FORM_TOKENS}


async def form_lists(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    form = await _checked_form(request)
    return {key: [str(v) for v in form.getall(key)] for key in form if key not in FORM_TOKENS}


# ---- guards -------------------------------------------------------------------------------


# Guards are coroutines: Litestar runs a plain function guard in its thread pool.


async def require_user(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException(detail=gettext("Sign in to continue."))


def require_role(*roles: Role) -> Any:
    """A guard admitting signed-in people holding any of `roles`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: Any) -> None:
        await require_user(connection, handler)
        user = current_user(connection)
        if user is None or not user.has_role(*roles):
            raise PermissionDeniedException(detail=gettext("You do not have access to this page."))

    return guard


INT64_MAX = 2**63 - 1


def reject_out_of_range_ids(request: Request[Any, Any, Any]) -> None:
    """No row has an id beyond the database's 64-bit integers; say 404 before a query fails."""
    for value in request.path_params.values():
        if isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise NotFoundException(detail=gettext("Nothing exists at this address."))


# ---- middleware ---------------------------------------------------------------------------


WRITES = {"writes": True}
"""Route `opt` for a GET handler that writes (a verification link, an audited download):
SQLite then takes the write lock at its first statement, as for unsafe methods."""


SHORT_READS = {"short_reads": True}
"""Route `opt` for a route whose every read is short (indexed reads of a page of rows): on
SQLite its reads run on the event loop, without a trip to the connection's thread
(community.sqlite_driver). Only for routes measured to read little: the loop waits for them.
A write-phase route (the reply) may carry it too: its reads before the switch to writing
count; once its connection writes, everything goes to the thread as before."""


PLAIN_VIEWER = {"plain_viewer": True}
"""Route `opt` for a route that takes the signed-in person as plain values
(`community.accounts.viewer.Viewer`, read without the ORM): its handler, access rules and
templates ask only what a `Viewer` answers (`current_reader`). Read pages carry it, and so
does the reply, whose checks and writes take a `Reader`."""


def account_columns(*columns: Any) -> dict[str, tuple[Any, ...]]:
    """Route `opt` for a page that needs more of the signed-in person's account than a
    `Viewer` holds: `columns` (of `User`, the same objects every time) are read with the
    session, in its statement, and the page finds them with `account_values`."""
    return {"account_columns": columns}


ACCOUNT_VALUES_KEY = "kindred_account_values"


def account_values(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[Any, ...]:
    """The values of the route's `account_columns` for the signed-in person, in order."""
    values: tuple[Any, ...] = connection.scope.get("state", {}).get(ACCOUNT_VALUES_KEY, ())
    return values


ALCHEMY_STATE_KEY = "alchemy"


KEPT_REQUEST_SESSIONS = 4
"""How many untouched request sessions a process keeps for its next requests (per maker)."""
_kept_sessions: weakref.WeakKeyDictionary[Any, list[AsyncSession]] = weakref.WeakKeyDictionary()
_UNTOUCHED_SESSION_KEY = "kindred_untouched_session"


def request_session(scope: Scope) -> AsyncSession:
    """The request's database session, the one handlers receive as `db_session` (created
    here when nothing asked for it yet, or one an earlier request left untouched: see
    `_keep_untouched`); the plugin commits and closes it with the response."""
    app = scope["app"]
    state = app.state
    config: SQLAlchemyAsyncConfig = state[ALCHEMY_STATE_KEY]
    session: AsyncSession | None = get_aa_scope_state(scope, config.session_scope_key)
    if session is not None:
        return session
    kept = _kept_sessions.get(state[config.session_maker_app_state_key])
    if not kept:
        return config.provide_session(state, scope)
    session = kept.pop()
    # What the plugin's provider does for a new session.
    reset_routing_context()
    set_aa_scope_state(scope, config.session_scope_key, session)
    return session


def _keep_untouched(scope: Scope, session: AsyncSession) -> None:
    """Keep `session` for the process's next request if it is still as its maker made it:
    no transaction, no object, its `info` as the maker gave it (the read connection given
    back). A page
    that reads plain rows beside its session (`read_rows`) leaves it so, and making a new
    `AsyncSession` per request cost more than the rest of the request's session work. Called
    when the response's last body was sent: nothing of the request runs on it after that."""
    state = scope["app"].state
    maker = state[state[ALCHEMY_STATE_KEY].session_maker_app_state_key]
    if not untouched(session) or session.info != maker.kw.get("info", {}):
        return
    kept = _kept_sessions.setdefault(maker, [])
    if len(kept) < KEPT_REQUEST_SESSIONS and session not in kept:
        kept.append(session)


_request_scope: ContextVar[Scope | None] = ContextVar("kindred_request_scope", default=None)
"""The scope of the HTTP request being answered (set by `SessionMiddleware`)."""


def provide_db_session() -> AsyncSession:
    """The `db_session` dependency: the request's session (`request_session`). It takes no
    parameter: Litestar validates a dependency's parameters through its signature model on
    every request (the plugin's own provider took the app's `state`, passed as a new `State`
    with its lock; `scope` cost a msgspec conversion), so the scope comes from the context
    `SessionMiddleware` sets."""
    scope = _request_scope.get()
    if scope is None:
        raise RuntimeError("db_session was asked for outside an HTTP request's middleware")
    return request_session(scope)


class RequestSessionDependency(InitPluginProtocol):
    """Makes `db_session` the dependency `provide_db_session`; listed after the SQLAlchemy
    plugin, which declares its own."""

    def __init__(self, config: SQLAlchemyAsyncConfig) -> None:
        self.key = config.session_dependency_key

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.dependencies[self.key] = Provide(provide_db_session, sync_to_thread=False)
        return app_config


async def release_request_session(scope: Scope) -> None:
    """Give the request's database session back if the response never started: the plugin's
    own before-send handler, told the client went away, closes it without committing (and
    does nothing when the response already closed it)."""
    config: SQLAlchemyAsyncConfig = scope["app"].state[ALCHEMY_STATE_KEY]
    handler = config.before_send_handler
    if callable(handler):
        pending = handler({"type": "http.disconnect"}, scope)
        if pending is not None:
            await pending


def commit_or_close_request_session(
    session_scope_key: str,
) -> Callable[[Message, Scope], Awaitable[None]]:
    """The request session's before-send handler: commit on 2xx and 3xx (POST-redirect-GET
    must keep its write), roll back otherwise, close at the end. A request that only reads
    and holds no change (`holds_writes`: none unflushed, none written later) skips the
    commit: it opened no transaction
    (community.db.reads_only), and SQLAlchemy's commit machinery cost more than its reads."""
    from advanced_alchemy.extensions.litestar.plugins.init.config.asyncio import (
        autocommit_handler_maker,
        default_handler_maker,
    )
    autocommit = autocommit_handler_maker(commit_on_redirect=True,
                                          session_scope_key=session_scope_key)
    close = default_handler_maker(session_scope_key=session_scope_key)

    async def handler(message: Message, scope: Scope) -> None:
        session: AsyncSession | None = get_aa_scope_state(scope, session_scope_key)
        if session is None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                left = scope.pop(_UNTOUCHED_SESSION_KEY, None)  # type: ignore[misc]
                if left is not None:
                    _keep_untouched(scope, left)
            return
        try:
            if message["type"] == "http.response.start" and not writes(scope) and (
                    not holds_writes(session)):
                if untouched(session):
                    # Nothing to close: dropped, as closing it would leave it, and kept for
                    # a later request once the response is sent (`_keep_untouched`).
                    delete_aa_scope_state(scope, session_scope_key)
                    scope[_UNTOUCHED_SESSION_KEY] = session  # type: ignore[literal-required]
                else:
                    await close(message, scope)
                return
            await autocommit(message, scope)
        finally:
            # The reads made beside the session (community.db.read_rows) end with it; their
            # connection is kept for the next read-only request when the response started.
            if get_aa_scope_state(scope, session_scope_key) is None:
                await release_read_connection(
                    session, keep=message["type"] == "http.response.start")

    return handler


def untouched(session: AsyncSession) -> bool:
    """Whether closing `session` would do nothing: it began no transaction (so holds no
    connection) and holds no object. A page that reads plain rows (`read_rows`, on a
    connection of its own) leaves its session so; closing it cost a trip through a greenlet
    and the session's bookkeeping on every such request."""
    sync = session.sync_session
    return (not sync.in_transaction() and not sync.identity_map
            and not sync.new and not sync.deleted)


WRITE_PHASE = {"write_phase": True}
"""Route `opt` for an unsafe handler that reads and computes first, in a read transaction,
and then enters its write phase itself (`community.accounts.receipts.begin_writing`): SQLite's
write lock is held for its writes and the checks that must be atomic with them, not for the
session, the screening or the Markdown before them."""
WRITE_PHASE_BEGUN = "kindred_write_phase_begun"


def has_write_phase(scope: Scope) -> bool:
    """Whether the request's route is marked WRITE_PHASE."""
    handler = scope.get("route_handler")
    return bool(handler is not None and handler.opt.get("write_phase"))


def writes(scope: Scope) -> bool:
    """Whether the request's transaction writes: from its first statement for an unsafe
    method or a route marked WRITES; for a route marked WRITE_PHASE once that phase began."""
    if has_write_phase(scope):
        return bool(scope.get(WRITE_PHASE_BEGUN))
    handler = scope.get("route_handler")
    return (scope.get("method", "GET") in UNSAFE_METHODS
            or bool(handler is not None and handler.opt.get("writes")))


@asynccontextmanager
async def side_write(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """Where a write made while reading goes (mark as read, a report on a page view): the
    request's session when the request declared it writes, else a write transaction of its
    own, committed at once. Never the reading transaction: SQLite refuses a deferred
    transaction that writes after another connection committed ("database is locked")."""
    if writes(connection.scope):
        yield request_session(connection.scope)
        return
    async with writing(runtime_of(connection).sessionmaker) as db:
        yield db


class SessionMiddleware(AbstractMiddleware):
    """Resolve the session cookie to a user, rotate it after privilege changes, and mark
    requests that intend to write so SQLite takes its write lock up front."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = None
        scope["auth"] = None
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        writing = writes(scope)
        intent = write_intent.set(writing)
        # A request with a write phase reads in a transaction it will go on writing in.
        read_only = read_only_request.set(not writing and not has_write_phase(scope))
        handler = scope.get("route_handler")
        short = inline_reads.set(not writing and handler is not None
                                 and bool(handler.opt.get("short_reads")))
        set_cookie: str | None = None
        answering = _request_scope.set(scope)
        try:
            token = cookie_of(scope, SESSION_COOKIE)
            if token:
                set_cookie = await self._resolve(scope, runtime, token, writing=writing)
            secure = runtime.settings.secure_cookies
            await self.app(scope, receive, _with_cookie(send, set_cookie, secure=secure))
        finally:
            inline_reads.reset(short)
            read_only_request.reset(read_only)
            write_intent.reset(intent)
            _request_scope.reset(answering)
            # The plugin closes the request's session when the response ends; a request cut
            # short before that still gives its connection back.
            await release_request_session(scope)

    async def _resolve(
        self, scope: Scope, runtime: Runtime, token: str, *, writing: bool
    ) -> str | None:
        settings = runtime.settings
        # One read for the session, the account with its roles and the unread badge that
        # every page shows (one statement with the database store). A read goes on in the
        # same database session (the handler's `db_session`); a write resolves on its own
        # connection, so SQLite's write lock is not held while passwords are checked.
        handler = scope.get("route_handler")
        columns: tuple[Any, ...] = (() if handler is None
                                    else handler.opt.get("account_columns", ()))
        if not writing:
            plain = handler is not None and bool(handler.opt.get("plain_viewer"))
            found = await runtime.sessions.resolve(token, request_session(scope),
                                                   unread_count_of_user(), *columns, plain=plain)
        else:
            with intent(write=False):
                async with runtime.sessionmaker() as db:
                    found = await runtime.sessions.resolve(token, db, unread_count_of_user(),
                                                           *columns)
        now = utcnow()
        idle = _minutes(settings.session_idle_minutes)
        if found is None or not found.record.is_live(now, idle):
            return ""
        record, user = found.record, found.user
        if user is None or not user.is_active or user.deleted_at is not None:
            await runtime.sessions.revoke(record.token_hash)
            return ""
        new_cookie: str | None = None
        if record.privilege_version != user.privilege_version:
            await runtime.sessions.revoke(record.token_hash)
            scope[ROTATED_FROM_KEY] = record.token_hash  # type: ignore[literal-required]
            new_cookie = await runtime.sessions.create(
                user.id, user.privilege_version,
                lifetime=record.expires_at - now,
                client_address=record.client_address, user_agent=record.user_agent,
            )
            record = await runtime.sessions.get(new_cookie) or record
        else:
            await runtime.sessions.touch(record)
        scope["user"] = user
        scope["auth"] = record
        state = scope.setdefault("state", {})
        state[UNREAD_STATE_KEY] = int(found.extra[0] or 0)
        if columns:
            state[ACCOUNT_VALUES_KEY] = found.extra[1:]
        return new_cookie


LOCALE_SCOPE_KEY = "kindred_locale"


def locale_of_scope(scope: Scope) -> str:
    """The request's language: the signed-in person's setting, else the footer switch's
    cookie, else Accept-Language, else English."""
    user = scope.get("user")
    accept = None
    for key, value in scope.get("headers", []):
        if key == b"accept-language":
            accept = value.decode("latin-1")
    return choose_locale(preference=getattr(user, "locale", None),
                         cookie=cookie_of(scope, LANGUAGE_COOKIE), accept_language=accept)


class LocaleMiddleware(AbstractMiddleware):
    """Make the request's language the current one while it is answered (after the session
    middleware, which finds the person and so their setting).

    A signed-in person's setting is also copied into the language cookie of each browser
    they use, so that what is answered before anyone is looked up (a page no route serves)
    is in their language too."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = locale_of_scope(scope)
        scope[LOCALE_SCOPE_KEY] = locale  # type: ignore[literal-required]
        preference = i18n.supported(getattr(scope.get("user"), "locale", None))
        if preference and cookie_of(scope, LANGUAGE_COOKIE) != preference:
            secure = scope["app"].state.runtime.settings.secure_cookies
            send = _with_language_cookie(send, preference, secure=secure)
        token = i18n.use_locale(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset_locale(token)


def language_cookie_header(locale: str, *, secure: bool) -> str:
    """Set-Cookie for the language (the footer switch's and the setting's): a year."""
    parts = [f"{LANGUAGE_COOKIE}={locale}", "Path=/", "Max-Age=31536000", "HttpOnly",
             "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _with_language_cookie(send: Send, locale: str, *, secure: bool) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            if not any(v.startswith(f"{LANGUAGE_COOKIE}=")
                       for v in headers.getall("set-cookie", [])):
                headers.add("set-cookie", language_cookie_header(locale, secure=secure))
        await send(message)

    return wrapped


def _minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


COOKIES_SCOPE_KEY = "kindred_cookies"


def _cookie_jars(scope: Scope) -> list[dict[str, str] | None]:
    """The request's Cookie headers parsed once (each middleware asks for its cookie): one
    dict per header, None for a header that does not parse."""
    jars: list[dict[str, str] | None] | None = scope.get(COOKIES_SCOPE_KEY)  # type: ignore[assignment]
    if jars is None:
        jars = []
        for key, value in scope.get("headers", []):
            if key == b"cookie":
                jars.append(parse_cookie_header(value.decode("latin-1")))
        scope[COOKIES_SCOPE_KEY] = jars  # type: ignore[literal-required]
    return jars


# A Cookie header of plain `name=value` pairs, as browsers send it: names and values made of
# the characters SimpleCookie takes unquoted. Anything else (quotes, attributes) is left to it.
_PLAIN_PAIR = re.compile(r"\s*([\w!#%&'*+\-.^`|~:]+)=([\w!#%&'~`><@,:/$*+\-.^|)(?}{=]*)\s*", re.ASCII)
_COOKIE_ATTRIBUTES = frozenset({"expires", "path", "comment", "domain", "max-age", "secure",
                                "httponly", "version", "samesite"})


def parse_cookie_header(header: str) -> dict[str, str] | None:
    """The cookies of one Cookie header as SimpleCookie reads them (None where it fails):
    split by hand when every pair is plain (SimpleCookie's regular expression and morsels
    cost more than the rest of the request's cookie work), else by SimpleCookie."""
    found: dict[str, str] = {}
    for pair in header.split(";"):
        match = _PLAIN_PAIR.fullmatch(pair)
        if match is None or match.group(1).lower() in _COOKIE_ATTRIBUTES:
            break
        found[match.group(1)] = match.group(2)
    else:
        return found
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:
        return None
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_of(scope: Scope, name: str) -> str | None:
    for jar in _cookie_jars(scope):
        if jar is None:
            return None
        if name in jar:
            return jar[name]
    return None


def session_cookie_header(token: str, *, secure: bool, max_age: int | None = None) -> str:
    """Set-Cookie for the session; an empty token clears it."""
    parts = [f"{SESSION_COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    if not token:
        parts.append("Max-Age=0")
    elif max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def _with_cookie(send: Send, token: str | None, *, secure: bool) -> Send:
    if token is None:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            if not any(
                v.startswith(f"{SESSION_COOKIE}=") for v in headers.getall("set-cookie", [])
            ):
                headers.add("set-cookie", session_cookie_header(token, secure=secure))
        await send(message)

    return wrapped


_SECURITY_HEADERS = tuple((name.encode(), value.encode()) for name, value in (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ("cross-origin-opener-policy", "same-origin"),
))
_VARY = (b"vary", b"Cookie, HX-Request, Accept-Language")
_SET_HERE = frozenset(name for name, _value in (*_SECURITY_HEADERS, _VARY))


async def security_headers(message: Message, scope: Scope) -> None:
    """before_send hook: the same protective headers on every response (replacing any the
    response set); `cache-control` no-store for a signed-in person, else no-cache unless the
    response chose (or it is a static file). The header list is rewritten in one pass: it
    ran on every response, and setting each header through Litestar's header map searched
    the list once per header."""
    if message["type"] != "http.response.start":
        return
    signed_in = scope.get("user") is not None
    headers = [(name, value) for name, value in message.get("headers", ())
               if name.lower() not in _SET_HERE
               and not (signed_in and name.lower() == b"cache-control")]
    headers.extend(_SECURITY_HEADERS)
    if signed_in:
        headers.append((b"cache-control", b"no-store"))
    elif not scope.get("path", "").startswith("/static/") and not any(
            name.lower() == b"cache-control" for name, _value in headers):
        headers.append((b"cache-control", b"no-cache"))
    headers.append(_VARY)
    message["headers"] = headers


# ---- errors -------------------------------------------------------------------------------


def out_of_range(exc: Exception) -> bool:
    """Whether `exc` is a number too large for the database's integer columns, whichever way
    a route parsed it (path, query, form, JSON): SQLite's driver raises OverflowError,
    asyncpg a DataError ("value out of int64 range"), PostgreSQL itself SQLSTATE 22003."""
    if isinstance(exc, OverflowError):
        return "int" in str(exc)
    if isinstance(exc, DBAPIError):
        cause = exc.orig
        if isinstance(cause, OverflowError) or getattr(cause, "sqlstate", None) == "22003":
            return True
        text = str(cause)
        return "out of int" in text and "range" in text
    return False


def unstorable_characters(exc: Exception) -> bool:
    """PostgreSQL refusing a NUL or a byte sequence that is not UTF-8 (SQLSTATE 22021),
    wherever it came from (a query string, a JSON body)."""
    return isinstance(exc, DBAPIError) and (
        getattr(exc.orig, "sqlstate", None) == "22021"
        or "invalid byte sequence" in str(exc.orig))


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if out_of_range(exc):
        # No row has such an id: the one answer for every route, not a 500.
        exc = NotFoundException(detail=gettext("Nothing exists at this address."))
    elif unstorable_characters(exc):
        exc = ClientException(detail=gettext(
            "What you sent contains characters that cannot be stored (a NUL character or "
            "bytes that are not UTF-8 text). Remove them and try again."))
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if LOCALE_SCOPE_KEY not in request.scope:
        # No route matched, so the middleware did not run: choose the language here.
        i18n.use_locale(locale_of_scope(request.scope))
    if isinstance(exc, NotAuthorizedException) and request.method == "GET":
        return see_other(f"/login?next={request.url.path}")
    if request.url.path.startswith("/api/"):
        detail = exc.detail if isinstance(exc, HTTPException) else "Internal server error"
        return Response({"status_code": status, "detail": detail}, status_code=status)
    titles = {
        400: gettext("This request could not be understood"),
        401: gettext("Please sign in"),
        403: gettext("You do not have access to this page"),
        404: gettext("Page not found"),
        405: gettext("This action is not allowed here"),
        409: gettext("Someone else changed this first"),
        413: gettext("What you sent is too large"),
        429: gettext("Too many requests"),
        500: gettext("Something went wrong on our side"),
    }
    detail = exc.detail if isinstance(exc, HTTPException) and status < 500 else ""
    if status == 413:
        detail = gettext(
            "What you sent is larger than %(size)s, the most one request may carry, and "
            "nothing was saved. Go back (your text is still in the form), shorten it or send "
            "fewer files, and try again.") % {"size": "1 MiB"}
    typed = exc.typed if isinstance(exc, UnstorableText) else {}
    if status == 500:
        request.logger.exception("unhandled error", exc_info=exc)
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    return render(
        request,
        "error.html",
        {"status": status, "title": titles.get(status, gettext("Error")), "detail": detail,
         "typed": typed},
        status_code=status,
        headers=headers,
    )


__all__ = ["ngettext"]
