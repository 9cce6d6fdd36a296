"""Account pages: register, sign in and out, settings, sessions, password reset, e-mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException, ValidationException
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts import services
from community.accounts.models import User
from community.accounts.receipts import NO_RECEIPT
from community.flash import redirect_with_message
from community.i18n import LANGUAGE_COOKIE, choose_locale, locale_of, supported
from community.i18n import gettext as _
from community.paths import same_site_path
from community.web import (
    WRITES,
    client_address,
    current_user,
    form_data,
    render,
    require_user,
    runtime_of,
    see_other,
    session_cookie_header,
)

AnyRequest = Request[Any, Any, Any]


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes home."""
    if target and same_site_path(target):
        return target
    return "/"


@get("/register", name="register")
async def register_page(request: AnyRequest) -> Response[str]:
    return render(request, "accounts/register.html", {"form": {}, "errors": {}})


@post("/register")
async def register_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    runtime = runtime_of(request)
    try:
        user = await services.register(
            db_session, username=form.get("username", ""), email=form.get("email", ""),
            password=form.get("password", ""), client_address=client_address(request),
        )
    except services.FormErrors as exc:
        form.pop("password", None)
        return render(request, "accounts/register.html", {"form": form, "errors": exc.errors},
                      status_code=400)
    except services.EmailAlreadyRegistered as exc:
        await services.warn_existing_owner(runtime, str(exc))
        return see_other("/register/done")
    await services.send_verification(db_session, runtime, user)
    return see_other("/register/done")


@get("/register/done")
async def register_done(request: AnyRequest) -> Response[str]:
    return render(request, "accounts/register_done.html")


@get("/login", name="login")
async def login_page(request: AnyRequest) -> Response[str]:
    next_path = safe_next(request.query_params.get("next"))
    return render(request, "accounts/login.html", {"form": {"next": next_path}, "error": ""})


@post("/login")
async def login_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    runtime = runtime_of(request)
    outcome = await services.sign_in(
        db_session, runtime, identifier=form.get("identifier", ""),
        password=form.get("password", ""), client_address=client_address(request),
    )
    if outcome.user is None:
        error = (
            _("Too many failed attempts. Wait %(minutes)d minutes, or reset your password.")
            % {"minutes": runtime.settings.login_lockout_minutes}
            if outcome.locked
            else _("That username or e-mail and password do not match.")
        )
        form.pop("password", None)
        # The failure must be counted and audited although the answer is an error.
        await db_session.commit()
        return render(request, "accounts/login.html", {"form": form, "error": error},
                      status_code=429 if outcome.locked else 400)
    previous = request.scope.get("auth")
    if previous is not None:
        await runtime.sessions.revoke(previous.token_hash, db=db_session)
    token = await start_session(request, outcome.user, db_session)
    response = see_other(safe_next(form.get("next")))
    response.headers["set-cookie"] = session_cookie_header(
        token, secure=runtime.settings.secure_cookies
    )
    return response


async def start_session(request: AnyRequest, user: User, db: AsyncSession) -> str:
    runtime = runtime_of(request)
    return await runtime.sessions.create(
        user.id, user.privilege_version,
        lifetime=timedelta(hours=runtime.settings.session_absolute_hours),
        client_address=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
        db=db,
    )


@post("/logout")
async def logout(request: AnyRequest, db_session: AsyncSession) -> Any:
    from community import audit

    runtime = runtime_of(request)
    record = request.scope.get("auth")
    user = current_user(request)
    if record is not None:
        await runtime.sessions.revoke(record.token_hash, db=db_session)
    if user is not None:
        await audit.record(db_session, "account.sign_out", actor_id=user.id, target_type="user",
                           target_id=user.id)
    response = see_other("/")
    response.headers["set-cookie"] = session_cookie_header(
        "", secure=runtime.settings.secure_cookies
    )
    return response


async def _account_context(request: AnyRequest, db: AsyncSession) -> dict[str, Any]:
    user = current_user(request)
    assert user is not None
    record = request.scope.get("auth")
    sessions = await runtime_of(request).sessions.list_for_user(user.id, db=db)
    return {
        "user": user,
        "sessions": sessions,
        "this_session": record.token_hash if record else "",
        "errors": {},
    }


@get("/account", guards=[require_user], name="account")
async def account_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return render(request, "accounts/account.html", await _account_context(request, db_session))


@post("/account/password", guards=[require_user], opt=NO_RECEIPT)
async def change_password(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    user = current_user(request)
    assert user is not None
    record = request.scope["auth"]
    try:
        await services.change_password(
            db_session, runtime_of(request), user, current=form.get("current_password", ""),
            new=form.get("new_password", ""), keep_session=record.token_hash,
        )
    except services.FormErrors as exc:
        context = await _account_context(request, db_session)
        context["errors"] = exc.errors
        return render(request, "accounts/account.html", context, status_code=400)
    return redirect_with_message(
        request, "/account", _("Your password was changed. Every other session was signed out."))


@post("/account/sessions/revoke", guards=[require_user])
async def revoke_session(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    user = current_user(request)
    assert user is not None
    runtime = runtime_of(request)
    target = form.get("session", "")
    owned = {s.token_hash for s in await runtime.sessions.list_for_user(user.id)}
    if target not in owned:
        raise NotFoundException(detail=_("That session does not exist."))
    await runtime.sessions.revoke(target, db=db_session)
    return redirect_with_message(request, "/account", _("That session was signed out."))


@post("/account/verify-email", guards=[require_user])
async def resend_verification(request: AnyRequest, db_session: AsyncSession) -> Any:
    user = current_user(request)
    assert user is not None
    await services.send_verification(db_session, runtime_of(request), user)
    return redirect_with_message(request, "/account",
                                 _("We sent you a new confirmation link."))


@get("/verify-email/{token:str}", opt=WRITES)
async def verify_email(request: AnyRequest, db_session: AsyncSession, token: str) -> Response[str]:
    user = await services.verify_email(db_session, token)
    return render(request, "accounts/verified.html", {"ok": user is not None},
                  status_code=200 if user else 400)


@get("/password-reset", name="password_reset")
async def reset_request_page(request: AnyRequest) -> Response[str]:
    return render(request, "accounts/reset_request.html", {"sent": False, "form": {}})


@post("/password-reset")
async def reset_request_submit(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    form = await form_data(request)
    await services.request_password_reset(db_session, runtime_of(request), form.get("email", ""))
    return render(request, "accounts/reset_request.html", {"sent": True, "form": form})


@get("/password-reset/{token:str}")
async def reset_page(request: AnyRequest, db_session: AsyncSession, token: str) -> Response[str]:
    valid = await services.valid_email_token(db_session, token, "reset") is not None
    return render(request, "accounts/reset.html", {"token": token, "valid": valid, "errors": {}},
                  status_code=200 if valid else 400)


@post("/password-reset/{token:str}")
async def reset_submit(request: AnyRequest, db_session: AsyncSession, token: str) -> Any:
    form = await form_data(request)
    try:
        await services.reset_password(db_session, runtime_of(request), token,
                                      form.get("new_password", ""))
    except services.FormErrors as exc:
        valid = "token" not in exc.errors
        return render(request, "accounts/reset.html",
                      {"token": token, "valid": valid, "errors": exc.errors}, status_code=400)
    return redirect_with_message(request, "/login?next=/account",
                                 _("Your new password is saved: sign in with it."))


def _with_language_cookie(request: AnyRequest, path: str, locale: str,
                          redirect: Redirect | None = None) -> Redirect:
    cookie = Cookie(key=LANGUAGE_COOKIE, value=locale, path="/", max_age=365 * 24 * 3600,
                    samesite="lax", httponly=True,
                    secure=runtime_of(request).settings.secure_cookies)
    if redirect is None:
        return Redirect(path=path, status_code=303, cookies=[cookie])
    redirect.cookies.append(cookie)
    return redirect


@post("/language")
async def choose_language(request: AnyRequest, db_session: AsyncSession) -> Any:
    """The footer's switch: a cookie for everyone, and the account's setting when signed in."""
    form = await form_data(request)
    locale = supported(form.get("language"))
    if locale is None:
        raise ValidationException(detail=_("Choose one of the languages offered."))
    user = current_user(request)
    if user is not None:
        await services.set_language(db_session, user, locale)
    return _with_language_cookie(request, safe_next(form.get("next")), locale)


@post("/account/language", guards=[require_user])
async def account_language(request: AnyRequest, db_session: AsyncSession) -> Any:
    """The account's language setting; empty follows the browser."""
    form = await form_data(request)
    choice = form.get("language", "")
    locale = supported(choice)
    if choice and locale is None:
        raise ValidationException(detail=_("Choose one of the languages offered."))
    user = current_user(request)
    assert user is not None
    await services.set_language(db_session, user, locale)
    # Said in the language the next page will be in.
    with locale_of(locale or choose_locale(
            preference=None, cookie=None,
            accept_language=request.headers.get("accept-language"))):
        confirmed = redirect_with_message(request, "/account",
                                          _("Your language setting was saved."))
    if locale is None:
        confirmed.cookies.append(Cookie(key=LANGUAGE_COOKIE, value="", path="/", max_age=0))
        return confirmed
    return _with_language_cookie(request, "/account", locale, confirmed)


route_handlers = [
    register_page, register_submit, register_done, login_page, login_submit, logout,
    account_page, change_password, revoke_session, resend_verification, verify_email,
    reset_request_page, reset_request_submit, reset_page, reset_submit, choose_language,
    account_language,
]
