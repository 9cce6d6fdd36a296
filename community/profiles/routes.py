"""Profile pages: a person's profile, editing one's own, patients like me, avatars."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.accounts.services import FormErrors
from community.flash import HelpPanel, redirect_with_message
from community.i18n import gettext as _
from community.messages.access import has_blocked
from community.profiles import likeme, services
from community.profiles.access import visible_fields
from community.profiles.avatar import identicon_svg
from community.profiles.extras import extras_for
from community.profiles.models import AGE_BANDS, COUNTRIES, AboutStatus, Sex, Visibility
from community.scraping import record_view
from community.screening import ScreenAction
from community.web import current_user, form_data, render, require_user, runtime_of

AnyRequest = Request[Any, Any, Any]
AVATAR_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,31})\.svg$")


def _choices() -> dict[str, Any]:
    return {"sexes": list(Sex), "age_bands": AGE_BANDS, "countries": COUNTRIES,
            "visibilities": list(Visibility),
            "sex_labels": {sex.value: sex.label for sex in Sex},
            "visibility_labels": {level.value: level.label for level in Visibility},
            "age_band_options": [(band, band) for band in AGE_BANDS],
            "country_options": sorted(COUNTRIES.items(), key=lambda item: item[1])}


async def _person_as_seen(
    request: AnyRequest, db: AsyncSession, username: str
) -> tuple[User, Any, list[Any], dict[str, Any]]:
    """A person, their profile and conditions, and the fields this viewer may see; every
    look counts against the scraping budget, a miss too (guessing names finds people)."""
    await record_view(request, db, "profile")
    subject = await services.find_person(db, username)
    if subject is None:
        await db.commit()
        raise NotFoundException(detail=_("There is no member with that name."))
    profile = await services.profile_of(db, subject.id)
    rows = list(await services.conditions_of(db, subject.id))
    shown = visible_fields(current_user(request), profile, [c for c, _name, _slug in rows])
    return subject, profile, rows, shown


@get("/people/{username:str}")
async def profile_page(
    request: AnyRequest, db_session: AsyncSession, username: str
) -> Response[str]:
    viewer = current_user(request)
    subject, profile, rows, shown = await _person_as_seen(request, db_session, username)
    names = {c.community_id: (name, slug) for c, name, slug in rows}
    blocked = viewer is not None and await has_blocked(db_session, viewer.id, subject.id)
    extras = await extras_for(runtime_of(request).extensions.profile_extras, db_session,
                              viewer=viewer, subject=subject)
    return render(request, "profiles/profile.html", {
        "subject": subject, "profile": profile, "shown": shown, "community_names": names,
        "is_owner": viewer is not None and viewer.id == subject.id, "extras": extras,
        "AboutStatus": AboutStatus, "blocked": blocked, **_choices(),
    })


@get("/people/{username:str}/card")
async def person_card(
    request: AnyRequest, db_session: AsyncSession, username: str
) -> Response[str]:
    """The small card shown when hovering or focusing a person's name (an htmx fragment)."""
    viewer = current_user(request)
    subject, _profile, rows, shown = await _person_as_seen(request, db_session, username)
    names = {c.community_id: name for c, name, _slug in rows}
    facts = [value for value in (shown["age_band"], COUNTRIES.get(shown["country"] or "", ""))
             if value]
    return render(request, "profiles/_card.html", {
        "subject": subject, "facts": facts, "is_clinician": subject.has_role(Role.CLINICIAN),
        "condition_names": [names[c.community_id] for c in shown["conditions"]],
        "can_message": viewer is not None and viewer.id != subject.id,
    })


async def _edit_context(
    db: AsyncSession, user: User, form: dict[str, str] | None
) -> dict[str, Any]:
    profile = await services.profile_of(db, user.id)
    choices = await services.condition_choices(db, user)
    if form is None:
        form = {
            "sex": profile.sex or "", "age_band": profile.age_band or "",
            "country": profile.country or "", "about": profile.about,
            "sex_visibility": profile.sex_visibility,
            "age_band_visibility": profile.age_band_visibility,
            "country_visibility": profile.country_visibility,
            "about_visibility": profile.about_visibility,
            "discoverable": "members" if profile.discoverable else "only_me",
        }
        for choice in choices:
            key = choice.community_id
            form[f"condition_{key}"] = "on" if choice.listed else ""
            form[f"diagnosed_{key}"] = str(choice.diagnosed_year or "")
            form[f"symptoms_{key}"] = str(choice.first_symptoms_year or "")
            form[f"visibility_{key}"] = choice.visibility
    return {"form": form, "errors": {}, "profile": profile, "conditions": choices,
            "AboutStatus": AboutStatus, **_choices()}


@get("/account/profile", guards=[require_user])
async def edit_profile_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    user = current_user(request)
    assert user is not None
    return render(request, "profiles/edit.html", await _edit_context(db_session, user, None))


@post("/account/profile", guards=[require_user])
async def edit_profile_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    user = current_user(request)
    assert user is not None
    form = await form_data(request)
    try:
        saved = await services.save_profile(db_session, runtime_of(request), user, form)
    except FormErrors as exc:
        context = await _edit_context(db_session, user, form)
        context.update(errors=exc.errors)
        return render(request, "profiles/edit.html", context, status_code=400)
    panel = (HelpPanel.CRISIS if saved.verdict.action is ScreenAction.CRISIS_SUPPORT
             else HelpPanel.GENTLE if saved.verdict.needs_crisis_check else HelpPanel.NONE)
    return redirect_with_message(request, "/account/profile", _("Your profile was saved."),
                                 panel=panel)


@get("/people/like-me", guards=[require_user])
async def like_me_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    # A search lists many people at once, so it spends the same view budget as a profile.
    await record_view(request, db_session, "people search")
    viewer = current_user(request)
    assert viewer is not None
    params = request.query_params
    mine = await services.conditions_of(db_session, viewer.id)
    names = {c.community_id: name for c, name, _slug in mine}
    community = params.get("condition", "")
    filters = likeme.LikeMeFilters(
        sex=params.get("sex", "") if params.get("sex", "") in {s.value for s in Sex} else "",
        age_band=params.get("age_band", "") if params.get("age_band", "") in AGE_BANDS else "",
        country=params.get("country", "") if params.get("country", "") in COUNTRIES else "",
        community_id=int(community) if community.isdigit() and int(community) in names else None,
    )
    matches = await likeme.people_like_me(
        db_session, viewer, filters, community_names=names,
        signals=runtime_of(request).extensions.like_me_signals,
    )
    return render(request, "profiles/like_me.html", {
        "matches": matches, "filters": filters, "my_conditions": names, **_choices(),
    }, block="results")


@get("/avatars/{filename:str}", include_in_schema=False)
async def avatar(filename: str) -> Response[str]:
    """Anyone's identicon; it is drawn from the name alone, so it reveals nothing."""
    match = AVATAR_NAME.match(filename)
    if match is None:
        raise NotFoundException(detail=_("No such picture."))
    return Response(identicon_svg(match.group(1)), media_type="image/svg+xml",
                    headers={"cache-control": "public, max-age=86400"})


route_handlers = [profile_page, person_card, edit_profile_page, edit_profile_submit, like_me_page, avatar]
