"""Patients like me: who appears, in which order, and only with what they let others see,
including the treatments and symptoms they share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import select

from community.communities.models import Community
from tests.communities_support import build_app
from tests.conftest import BACKENDS, shared_visitor
from tests.helpers import Visitor
from tests.integration.test_treatments import TODAY, add_course, evaluate, load_vocabularies
from tests.profiles_support import (  # noqa: F401 - `app` overrides the fixture
    app,
    make_community,
    member,
    profile_form,
    query,
)


class ResultNames(HTMLParser):
    """Usernames of the result cards, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._in_results = False
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section" and ("id", "results") in attrs:
            self._in_results = True
        if self._in_results and tag == "h2":
            self._in_heading = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_heading = False
        if tag == "section":
            self._in_results = False

    def handle_data(self, data: str) -> None:
        if self._in_heading and data.strip():
            self.names.append(data.strip())


def names_in(html: str) -> list[str]:
    parser = ResultNames()
    parser.feed(html)
    return parser.names


def save(person: Visitor, conditions: dict[str, tuple[str, str]], **fields: str) -> None:
    """Save a profile; `conditions` maps community slug to (diagnosis year, visibility)."""
    form = profile_form(**fields)
    for slug, (year, visibility) in conditions.items():
        community_id = query(person, select(Community.id).where(Community.slug == slug))[0]
        form.update({f"condition_{community_id}": "on", f"diagnosed_{community_id}": year,
                     f"visibility_{community_id}": visibility})
    response = person.post("/account/profile", form)
    assert response.status_code == 303, response.text


@pytest.fixture
def people(new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    """The people, for a test that changes the site."""
    return seed_people(new_visitor)


@pytest.fixture(scope="module", params=BACKENDS)
def seen_people(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Visitor]]:
    """The same people, made once per backend for the tests that only look at them."""
    with shared_visitor(request, tmp_path_factory.mktemp("like-me"), build_app) as visitor:
        yield seed_people(lambda: Visitor(visitor.client, httpx.Cookies()))


def seed_people(new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    creator = new_visitor()
    make_community(creator, "ms", "Multiple sclerosis")
    make_community(creator, "migraine", "Migraine")
    seeker = member(new_visitor, "seeker_sue", "ms", "migraine")
    save(seeker, {"ms": ("2018", "members"), "migraine": ("2010", "members")},
         sex="female", age_band="35-44", country="DE")

    twin = member(new_visitor, "twin_tia", "ms", "migraine")
    save(twin, {"ms": ("2018", "members"), "migraine": ("2011", "public")},
         sex="female", age_band="35-44", country="DE", country_visibility="public")
    cousin = member(new_visitor, "cousin_cy", "ms")
    save(cousin, {"ms": ("2017", "members")}, sex="female", age_band="35-44",
         country="FR")
    secretive = member(new_visitor, "secret_sid", "ms")
    save(secretive, {"ms": ("2018", "members")}, sex="male", sex_visibility="only_me",
         age_band="35-44", age_band_visibility="only_me", country="DE",
         country_visibility="only_me")
    hidden = member(new_visitor, "hidden_hal", "ms")
    save(hidden, {"ms": ("2018", "members")}, sex="female", age_band="35-44",
         discoverable="only_me")
    private_condition = member(new_visitor, "quiet_quinn", "ms")
    save(private_condition, {"ms": ("2018", "only_me")}, sex="female", age_band="35-44")
    stranger = member(new_visitor, "other_oz", "migraine")
    save(stranger, {}, sex="female")  # a member of the community, but lists no condition
    return {"seeker": seeker, "twin": twin, "cousin": cousin, "secret": secretive}


def test_ranked_by_similarity_and_private_people_never_appear(
    seen_people: dict[str, Visitor],
) -> None:
    page = seen_people["seeker"].get("/people/like-me")
    assert page.status_code == 200
    found = names_in(page.text)
    assert found[0] == "twin_tia", "two shared conditions, same age, sex and country"
    assert set(found) == {"twin_tia", "cousin_cy", "secret_sid"}
    assert found.index("cousin_cy") < found.index("secret_sid"), (
        "hidden fields never add to the score")
    for absent in ("hidden_hal", "quiet_quinn", "other_oz"):
        assert absent not in page.text
    assert "seeker_sue" not in found


def test_results_show_only_visible_fields(seen_people: dict[str, Visitor]) -> None:
    page = seen_people["seeker"].get("/people/like-me").text
    card = page.split("secret_sid.svg", 1)[1].split("</li>", 1)[0]
    assert "Male" not in card and "35-44" not in card and "Germany" not in card
    twin_card = page.split("twin_tia.svg", 1)[1].split("</li>", 1)[0]
    assert "Germany" in twin_card and "35-44" in twin_card and "Migraine" in twin_card


def test_filters_match_only_fields_the_viewer_may_see(seen_people: dict[str, Visitor]) -> None:
    for query_string, expected in [
        ("sex=female", {"twin_tia", "cousin_cy"}),
        ("sex=male", set()),  # secret_sid is male, but shows it to nobody
        ("country=DE", {"twin_tia"}),
        ("age_band=35-44", {"twin_tia", "cousin_cy"}),
        ("country=FR&sex=female", {"cousin_cy"}),
    ]:
        page = seen_people["seeker"].get(f"/people/like-me?{query_string}")
        assert page.status_code == 200, query_string
        assert set(names_in(page.text)) == expected, query_string


def test_condition_filter_and_htmx_partial(seen_people: dict[str, Visitor]) -> None:
    migraine = query(seen_people["seeker"],
                     select(Community.id).where(Community.slug == "migraine"))[0]
    page = seen_people["seeker"].get(f"/people/like-me?condition={migraine}", htmx=True)
    assert page.status_code == 200
    assert "<html" not in page.text and 'id="results"' in page.text
    assert set(names_in(page.text)) == {"twin_tia"}
    ignored = seen_people["seeker"].get("/people/like-me?condition=999999&sex=robot")
    assert set(names_in(ignored.text)) == {"twin_tia", "cousin_cy", "secret_sid"}


def test_like_me_needs_sign_in_and_conditions(
    visitor: Visitor, new_visitor: Callable[[], Visitor], people: dict[str, Visitor]
) -> None:
    assert visitor.get("/people/like-me").status_code == 303
    newcomer = member(new_visitor, "new_nia")
    page = newcomer.get("/people/like-me")
    assert page.status_code == 200
    assert "List your conditions" in page.text and names_in(page.text) == []


def test_leaving_the_community_removes_the_match(people: dict[str, Visitor]) -> None:
    assert people["twin"].post("/communities/ms/leave").status_code == 303
    migraine = query(people["seeker"], select(Community.id).where(Community.slug == "migraine"))[0]
    ms_only = people["seeker"].get("/people/like-me").text
    assert "twin_tia" in ms_only, "still shares migraine"
    ms = query(people["seeker"], select(Community.id).where(Community.slug == "ms"))[0]
    assert "twin_tia" not in people["seeker"].get(f"/people/like-me?condition={ms}").text
    assert migraine != ms


def test_query_count_does_not_grow_with_matches(
    new_visitor: Callable[[], Visitor], people: dict[str, Visitor]
) -> None:
    from sqlalchemy import event

    seeker = people["seeker"]
    engine = seeker.app.state.runtime.engine.sync_engine
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def queries_for_page() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert seeker.get("/people/like-me").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = queries_for_page()
    for n in range(4):
        save(member(new_visitor, f"more_{n}", "ms"), {"ms": ("2016", "members")}, sex="male")
    after = queries_for_page()
    assert len(names_in(seeker.get("/people/like-me").text)) == 7
    assert after == before


def track_symptom(person: Visitor, slug: str) -> None:
    from outcomes.catalog.models import Symptom

    symptom_id = query(person, select(Symptom.id).where(Symptom.slug == slug))[0]
    response = person.post("/my/symptoms", {"symptom_id": str(symptom_id), "severity": "2",
                                            "recorded_on": TODAY})
    assert response.status_code == 303, response.text


def card_of(page: str, username: str) -> str:
    return page.split(f"{username}.svg", 1)[1].split("</li>", 1)[0]


@pytest.fixture
def treated(people: dict[str, Visitor]) -> dict[str, Visitor]:
    """The seeker takes methotrexate and tracks fatigue; others take it too, shared or not."""
    seeker = people["seeker"]
    load_vocabularies(seeker)
    add_course(seeker, "Methotrexate", "Rheumatoid arthritis")
    track_symptom(seeker, "fatigue")
    # secret_sid hides sex, age and country, but shares an evaluation with members:
    # methotrexate, taken for fatigue.
    secret = people["secret"]
    course = add_course(secret, "Methotrexate", "fatigue")
    assert evaluate(secret, course, visibility="members").status_code == 303
    # cousin_cy takes methotrexate and tracks fatigue too, and shares none of it.
    cousin = people["cousin"]
    course = add_course(cousin, "Methotrexate", "fatigue")
    assert evaluate(cousin, course, visibility="only_me").status_code == 303
    track_symptom(cousin, "fatigue")
    add_course(cousin, "Sertraline", "fatigue")
    return people


def test_shared_treatments_and_symptoms_raise_a_match_and_say_why(
    treated: dict[str, Visitor]
) -> None:
    page = treated["seeker"].get("/people/like-me").text
    found = names_in(page)
    assert set(found) == {"twin_tia", "cousin_cy", "secret_sid"}
    assert found.index("secret_sid") < found.index("cousin_cy"), (
        "a shared treatment and symptom outweigh the fields secret_sid keeps hidden")
    secret_card = card_of(page, "secret_sid")
    assert "treatments in common: Methotrexate" in secret_card
    assert "symptoms in common: Fatigue" in secret_card


def test_treatments_and_symptoms_not_shared_with_the_viewer_never_count(
    treated: dict[str, Visitor]
) -> None:
    page = treated["seeker"].get("/people/like-me").text
    cousin_card = card_of(page, "cousin_cy")
    # An evaluation kept to oneself, a treatment list and tracked symptoms are private.
    assert "in common" not in cousin_card
    assert "Methotrexate" not in cousin_card and "Fatigue" not in cousin_card
    # Without a course of their own, the viewer has nothing in common with anyone.
    twin_page = treated["twin"].get("/people/like-me").text
    assert "in common" not in twin_page
