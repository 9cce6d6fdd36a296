"""A property-based fuzz over every form the site renders (issue 17).

The forms are read from the pages of every GET route, as a person signed in as an admin
(who sees the most forms) would find them. Hypothesis fills them with integers at the
database's limits, NUL characters, bytes that are not UTF-8, text over the declared
`maxlength`, and sends some twice with the same one-time token; ids in the form's address
are pushed to the limits too. Whatever it draws: never a 5xx, and a form that fails (400)
gives back what was typed in its text fields.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from community.app import seed_reference_data
from tests.forms import Field, Form, forms_of
from tests.helpers import Visitor
from tests.system.test_reads_under_writes import get_paths

EXAMPLES = 150
LIMIT_INTEGERS = ["0", "-1", str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63),
                  str(-(2**63) - 1), "9" * 30]
NUL = "\x00"
NOT_UTF8 = "%FF%FE%C3%28"  # percent-encoded bytes that decode to no UTF-8 text
# Forms that would end the prober's session or account (they have their own tests).
LEAVE_ALONE = {"/logout", "/account/delete", "/account/password", "/account/sessions/revoke"}
TYPED_BACK_KINDS = {"text", "textarea", "search", ""}


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Any:
    return make_settings(premoderate_first_posts=0, views_per_window=100_000,
                         anonymous_requests_per_minute=100_000)


def _admin(visitor: Visitor) -> None:
    async def work(runtime: Any) -> None:
        from sqlalchemy import insert, select

        from community.accounts.models import User, UserRole

        async with runtime.sessionmaker() as db, db.begin():
            await seed_reference_data(db)
            user_id = (await db.execute(
                select(User.id).where(User.username_key == "fuzz_admin"))).scalar_one()
            for role in ("admin", "moderator"):
                await db.execute(insert(UserRole).values(user_id=user_id, role=role))

    assert visitor.register("fuzz_admin").status_code == 303
    visitor.run(work)
    assert visitor.login("fuzz_admin").status_code == 303


def collect_forms(visitor: Visitor) -> list[Form]:
    assert visitor.post("/communities/lupus/join").status_code == 303
    started = visitor.post("/communities/lupus/threads", {
        "title": "Sun and flares", "body": "What do you use?", "audience": "public",
        "kind": "discussion"})
    assert started.status_code == 303, started.text[:500]
    thread_id = int(started.headers["location"].rsplit("/", 1)[1])
    course = visitor.post("/my/treatments/new", {
        "treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
        "started_on": "2026-01-10", "amount": "15", "unit": "mg", "frequency": "weekly"})
    assert course.status_code == 303, course.text[:500]
    page = visitor.get(f"/threads/{thread_id}").text
    post_id = int(re.findall(r'action="/posts/(\d+)/', page)[0])
    found: dict[tuple[str, tuple[str, ...]], Form] = {}
    for path in [*get_paths(thread_id, post_id, "fuzz_admin"), course.headers["location"]]:
        response = visitor.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get(
                "content-type", ""):
            continue
        for form in forms_of(response.text):
            if form.method != "post" or not form.action.startswith("/") \
                    or form.action in LEAVE_ALONE:
                continue
            found.setdefault((form.action, tuple(f.name for f in form.fields)), form)
    return list(found.values())


def _value(item: Field) -> st.SearchStrategy[str]:
    longest = item.maxlength or 5000
    return st.one_of(
        st.sampled_from(LIMIT_INTEGERS),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20).map(
            lambda text: f"{text}{NUL}{text}"),
        st.just("x" * (longest + 1)),
        st.sampled_from(item.options) if item.options else st.just(item.value),
    )


@st.composite
def submissions(draw: Any, forms: list[Form]) -> tuple[Form, str, dict[str, str], str | None,
                                                       bool]:
    form = draw(st.sampled_from(forms))
    values = form.values()
    for item in form.fields:
        if item.name.startswith("_") or item.kind in {"submit", "button", "file"}:
            continue
        if draw(st.booleans()):
            values[item.name] = draw(_value(item))
    action = form.action
    if re.search(r"/\d+", action) and draw(st.booleans()):
        action = re.sub(r"/\d+", "/" + draw(st.sampled_from(LIMIT_INTEGERS)), action, count=1)
    text_names = [f.name for f in form.text_fields()]
    not_utf8 = draw(st.sampled_from(text_names)) if text_names and draw(st.booleans()) \
        else None
    return form, action, values, not_utf8, draw(st.booleans())


def encode(values: dict[str, str], not_utf8: str | None) -> bytes:
    parts = []
    for name, value in values.items():
        encoded = quote(value, safe="")
        if name == not_utf8:
            encoded += NOT_UTF8
        parts.append(f"{quote(name, safe='')}={encoded}")
    return "&".join(parts).encode()


def test_every_form_survives_what_hypothesis_sends(visitor: Visitor) -> None:
    _admin(visitor)
    forms = collect_forms(visitor)
    actions = {form.action for form in forms}
    assert len(forms) > 25 and any("/replies" in a for a in actions), sorted(actions)
    failures: list[str] = []

    @given(submission=submissions(forms))
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(HealthCheck))
    def check(submission: tuple[Form, str, dict[str, str], str | None, bool]) -> None:
        form, action, values, not_utf8, twice = submission
        body = encode(values, not_utf8)
        visitor._use_jar()
        answers = [visitor.client.post(
            action, content=body, follow_redirects=False,
            headers={"content-type": "application/x-www-form-urlencoded"})
            for _ in range(2 if twice else 1)]
        label = f"POST {action} {str(values)[:300]} not_utf8={not_utf8}"
        for answer in answers:
            if answer.status_code >= 500:
                failures.append(f"{label} -> {answer.status_code}")
        first = answers[0]
        if first.status_code != 400 or "text/html" not in first.headers.get("content-type", ""):
            return
        page = html.unescape(first.text)
        for item in form.text_fields():
            typed = values.get(item.name, "").replace(NUL, "").strip()
            if item.kind in TYPED_BACK_KINDS and typed and typed not in page:
                failures.append(f"{label} -> 400 without the typed {item.name!r}")

    check()
    assert visitor.get("/account").status_code == 200, "the prober stayed signed in"
    unique = sorted(set(failures))
    assert unique == [], f"{len(unique)} failures:\n" + "\n".join(unique[:40])


def test_every_address_with_an_id_survives_ids_at_the_limits(visitor: Visitor) -> None:
    """GET pages and JSON exports (`.json`, the API) with ids at and past the limits."""
    from litestar import Router

    from community.app import route_handlers

    _admin(visitor)
    templates: set[str] = set()
    for handler in route_handlers():
        routes = handler.routes if isinstance(handler, Router) else []
        templates.update(r.path for r in routes if "GET" in r.methods)
        if not isinstance(handler, Router) and "GET" in handler.http_methods:
            templates.update(handler.paths)
    with_ids = sorted(t for t in templates if ":int}" in t or "{reference:str}" in t)
    assert "/my/questionnaires/responses/{reference:str}" in with_ids and len(with_ids) > 10
    failures: list[str] = []

    @given(template=st.sampled_from(with_ids), number=st.one_of(
        st.sampled_from(LIMIT_INTEGERS), st.integers(min_value=-(2**70), max_value=2**70)
        .map(str)), suffix=st.sampled_from(["", ".json"]))
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(HealthCheck))
    def check(template: str, number: str, suffix: str) -> None:
        path = re.sub(r"\{\w+:(int|str)\}", number, template)
        if "{reference:str}" in template:
            path += suffix
        answer = visitor.get(path)
        if answer.status_code >= 500:
            failures.append(f"GET {path} -> {answer.status_code}")

    check()
    assert sorted(set(failures)) == []
