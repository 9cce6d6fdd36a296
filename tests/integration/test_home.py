"""The signed-in home: blocks per role, each linking to its full page, each one cheap query."""

from __future__ import annotations

import re
from collections.abc import Callable

from community.accounts.models import Role
from tests.communities_support import (
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, statements_of
from tests.research_support import APPLICATION, apply

__all__ = ["app", "settings"]


def block(html: str, key: str) -> str:
    match = re.search(rf'<section class="card home-block" id="home-{key}".*?</section>', html,
                      re.S)
    assert match, f"no {key} block"
    return match.group(0)


def test_signed_out_visitors_get_the_welcome_page(visitor: Visitor) -> None:
    page = visitor.get("/").text
    assert "Join Kindred" in page
    assert "home-block" not in page


def test_a_patient_sees_their_communities_and_conversations(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_home", joins=("rheumatoid-arthritis",))
    bo = person(new_visitor, "bo_home", joins=("rheumatoid-arthritis",))
    thread = start_thread(ana, "rheumatoid-arthritis", title="Mornings with stiff hands")
    reply(bo, thread, "Warm water helps me.")

    page = ana.get("/").text
    communities = block(page, "communities")
    assert 'href="/communities/rheumatoid-arthritis"' in communities
    assert "1 thread active this week" in communities
    conversations = block(page, "following")
    assert f'href="/threads/{thread}"' in conversations
    assert "Mornings with stiff hands" in conversations
    assert "1 reply" in conversations
    # Patients see no staff blocks.
    for staff_block in ("queue", "research_applications", "clinician_applications",
                        "questions", "projects"):
        assert f'id="home-{staff_block}"' not in page


def test_a_new_member_is_told_what_to_do_next(new_visitor: Callable[[], Visitor]) -> None:
    page = person(new_visitor, "new_home").get("/").text
    assert "You have not joined a community yet" in block(page, "communities")
    assert 'href="/communities"' in block(page, "communities")


def test_conversations_leave_out_threads_the_person_can_no_longer_read(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_left", joins=("rheumatoid-arthritis",))
    thread = start_thread(ana, "rheumatoid-arthritis", title="Members only talk")
    assert f'href="/threads/{thread}"' in block(ana.get("/").text, "following")
    assert ana.post("/communities/rheumatoid-arthritis/leave").status_code == 303
    # Her own thread stays listed to her (authors see their threads); a reply elsewhere
    # in a community she left does not.
    bo = person(new_visitor, "bo_left", joins=("multiple-sclerosis",))
    other = start_thread(bo, "multiple-sclerosis", title="MS fatigue")
    carla = person(new_visitor, "carla_left", joins=("multiple-sclerosis",))
    reply(carla, other, "Same here.")
    assert carla.post("/communities/multiple-sclerosis/leave").status_code == 303
    assert "MS fatigue" not in carla.get("/").text


def test_a_thread_followed_by_hand_appears_until_unfollowed(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_followhome", joins=("lupus",))
    bo = person(new_visitor, "bo_followhome", joins=("lupus",))
    thread = start_thread(ana, "lupus", title="Sunscreen brands")
    assert f'href="/threads/{thread}"' not in block(bo.get("/").text, "following")
    assert bo.post(f"/threads/{thread}/follow").status_code == 303
    assert f'href="/threads/{thread}"' in block(bo.get("/").text, "following")
    assert bo.post(f"/threads/{thread}/follow", {"action": "unfollow"}).status_code == 303
    assert f'href="/threads/{thread}"' not in block(bo.get("/").text, "following")


def test_an_administrator_sees_a_waiting_research_application_one_click_from_approval(
        new_visitor: Callable[[], Visitor]) -> None:
    admin = person(new_visitor, "admin_home", role=Role.ADMIN)
    assert "No research application is waiting" in block(admin.get("/").text,
                                                        "research_applications")
    researcher = person(new_visitor, "rita_home")
    assert apply(researcher, ["patients"]).status_code == 303
    assert "waiting for a decision" in researcher.get("/research").text

    waiting = block(admin.get("/").text, "research_applications")
    link = re.search(r'href="(/admin/research#application-(\d+))"', waiting)
    assert link and APPLICATION["project_title"] in waiting
    assert "1 waiting" in waiting
    # The link leads to the application with its approve button: the second click.
    page = admin.get("/admin/research").text
    assert f'action="/admin/research/applications/{link.group(2)}/approve"' in page
    assert admin.post(f"/admin/research/applications/{link.group(2)}/approve",
                      {"budget": "3"}).status_code == 303
    assert "No research application is waiting" in block(admin.get("/").text,
                                                        "research_applications")
    # The researcher now sees the project on their own home, its state in their language.
    projects = block(researcher.get("/").text, "projects")
    assert APPLICATION["project_title"] in projects and "active" in projects
    assert researcher.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    projects = block(researcher.get("/").text, "projects")
    assert "действует" in projects and "active" not in projects
    assert "одобрено" in researcher.get("/research").text


def test_moderators_see_the_queue_and_clinicians_open_questions(
        new_visitor: Callable[[], Visitor]) -> None:
    moderator = person(new_visitor, "mo_home", role=Role.MODERATOR)
    page = moderator.get("/").text
    assert 'href="/moderation"' in block(page, "queue")
    assert 'id="home-research_applications"' not in page
    seed(new_visitor())
    ana = person(new_visitor, "ana_ask", joins=("rheumatoid-arthritis",))
    question = start_thread(ana, "rheumatoid-arthritis", title="How do biologics work?",
                            kind="ask_a_clinician")
    clinician = person(new_visitor, "dr_home", role=Role.CLINICIAN)
    # A members-only question stays out of sight of a clinician outside the community.
    assert f'href="/threads/{question}"' not in block(clinician.get("/").text, "questions")
    assert clinician.post("/communities/rheumatoid-arthritis/join").status_code == 303
    assert f'href="/threads/{question}"' in block(clinician.get("/").text, "questions")
    reply(ana, question, "Adding detail to my question.")
    # Only the asker has spoken: still waiting for a clinician.
    assert f'href="/threads/{question}"' in block(clinician.get("/").text, "questions")
    reply(clinician, question, "In general terms, they block one signal of inflammation.")
    assert f'href="/threads/{question}"' not in block(clinician.get("/").text, "questions")


def test_each_block_is_one_query(new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    admin = person(new_visitor, "admin_cost", role=Role.ADMIN, joins=("rheumatoid-arthritis",))
    selects = statements_of(admin, "/", selects_only=True)
    before = len(selects)
    for n in range(4):
        start_thread(admin, "rheumatoid-arthritis", title=f"Thread {n}")
    assert len(statements_of(admin, "/", selects_only=True)) == before
