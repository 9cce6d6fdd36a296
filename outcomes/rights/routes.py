"""Pages for a patient's rights over their data: the archive download and account deletion."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.accounts.services import FormErrors
from community.db import utcnow
from community.web import (
    current_user,
    form_data,
    render,
    require_user,
    runtime_of,
    session_cookie_header,
)
from outcomes.rights import services

AnyRequest = Request[Any, Any, Any]
CHUNK = 64 * 1024


async def _me(request: AnyRequest, db: AsyncSession) -> User:
    viewer = current_user(request)
    assert viewer is not None
    return await db.get_one(User, viewer.id)


@get("/account/data", guards=[require_user], name="account_data")
async def data_page(request: AnyRequest) -> Response[str]:
    return render(request, "rights/data.html")


@post("/account/data/download", guards=[require_user], status_code=200)
async def data_download(request: AnyRequest, db_session: AsyncSession) -> Stream:
    # A POST with its CSRF token: a plain download link could be triggered by another site.
    archive = await services.build_personal_archive(db_session, await _me(request, db_session))
    chunks = [archive[i:i + CHUNK] for i in range(0, len(archive), CHUNK)]
    filename = services.archive_filename(utcnow())
    return Stream(
        iter(chunks), media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{filename}"',
                 "content-length": str(len(archive))},
    )


def _delete_form(request: AnyRequest, form: dict[str, str], errors: dict[str, list[str]],
                 status_code: int = 200) -> Response[str]:
    return render(request, "rights/delete.html", {"form": form, "errors": errors},
                  status_code=status_code)


@get("/account/delete", guards=[require_user], name="account_delete")
async def delete_page(request: AnyRequest) -> Response[str]:
    return _delete_form(request, {"posts": "keep"}, {})


@post("/account/delete", guards=[require_user], status_code=200)
async def delete_submit(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    form = await form_data(request)
    password = form.pop("password", "")
    try:
        keep_posts = services.parse_deletion_form(form)
    except FormErrors as exc:
        return _delete_form(request, form, exc.errors, status_code=400)
    runtime = runtime_of(request)
    try:
        await services.delete_account(db_session, runtime, await _me(request, db_session),
                                      keep_posts=keep_posts, password=password)
    except FormErrors as exc:
        # The failed attempt is counted; nothing else was changed.
        await db_session.commit()
        return _delete_form(request, form, exc.errors, status_code=400)
    return render(
        request, "rights/goodbye.html", {"current_user": None, "kept": keep_posts},
        headers={"set-cookie": session_cookie_header("", secure=runtime.settings.secure_cookies)},
    )


route_handlers = [data_page, data_download, delete_page, delete_submit]
