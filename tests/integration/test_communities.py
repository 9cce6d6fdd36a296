"""Communities: the seeded list, pages, joining and leaving, admin create/edit/archive."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from community.accounts.models import Role
from community.audit import AuditEntry
from community.communities.models import Community
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor

SIXTEEN = ["ALS", "Multiple sclerosis", "Parkinson's disease", "Epilepsy", "Type 2 diabetes",
           "Major depressive disorder", "Bipolar disorder", "HIV", "Lupus",
           "Rheumatoid arthritis", "Crohn's disease", "Fibromyalgia", "Migraine", "COPD",
           "Heart failure", "Breast cancer"]


def test_seed_is_idempotent_and_list_is_readable_signed_out(visitor: Visitor) -> None:
    seed(visitor)
    seed(visitor)
    assert scalar(visitor, select(func.count()).select_from(Community)) == 16
    response = visitor.get("/communities")
    assert response.status_code == 200
    for name in SIXTEEN:
        assert name.replace("'", "&#39;") in response.text, name
    assert "G35" in response.text
    page = visitor.get("/communities/multiple-sclerosis")
    assert page.status_code == 200 and "0 members" in page.text
    assert visitor.get("/communities/no-such-thing").status_code == 404


def test_join_and_leave_maintain_member_count(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    assert visitor.post("/communities/lupus/join").status_code in (401, 403)
    alice = person(new_visitor, "alice_lupus", joins=("lupus",))
    person(new_visitor, "bob_lupus", joins=("lupus",))
    assert alice.post("/communities/lupus/join").status_code == 303, "joining twice is harmless"
    assert "2 members" in visitor.get("/communities/lupus").text
    assert alice.post("/communities/lupus/leave").status_code == 303
    count = scalar(visitor, select(Community.member_count).where(Community.slug == "lupus"))
    assert count == 1


def test_only_admins_create_edit_and_archive(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    patient = person(new_visitor, "plain_patient")
    form = {"slug": "psoriasis", "name": "Psoriasis", "icd10": "L40", "description": "Skin."}
    assert patient.get("/communities/new").status_code == 403
    assert patient.post("/communities", form).status_code == 403
    assert patient.post("/communities/lupus/edit", {"name": "X", "icd10": "M32"}).status_code == 403
    assert patient.post("/communities/lupus/archive").status_code == 403
    assert visitor.post("/communities", form).status_code in (401, 403)

    admin = person(new_visitor, "site_admin", role=Role.ADMIN)
    bad = admin.post("/communities", {**form, "icd10": "nonsense"})
    assert bad.status_code == 400 and "ICD-10" in bad.text and 'value="Psoriasis"' in bad.text
    assert admin.post("/communities", form).status_code == 303
    assert admin.post("/communities/psoriasis/edit",
                      {"name": "Psoriasis and PsA", "icd10": "L40",
                       "description": "Skin and joints."}
                      ).status_code == 303
    assert "Psoriasis and PsA" in visitor.get("/communities/psoriasis").text
    assert admin.post("/communities/psoriasis/archive", {"archived": "1"}).status_code == 303
    assert "Psoriasis" not in visitor.get("/communities").text, "archived are not listed"
    assert visitor.get("/communities/psoriasis").status_code == 200, "but stay readable"
    member = person(new_visitor, "late_joiner")
    assert member.post("/communities/psoriasis/join").status_code == 409
    for action in ("community.created", "community.updated", "community.archived"):
        assert scalar(visitor, select(func.count()).select_from(AuditEntry)
                      .where(AuditEntry.action == action)) == 1, action


def test_thread_list_is_keyset_paged_by_latest_activity(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "prolific_one", joins=("migraine",))
    ids = [start_thread(author, "migraine", title=f"Thread number {i}", audience="public")
           for i in range(23)]
    first = visitor.get("/communities/migraine")
    assert "Thread number 22" in first.text and "Thread number 2<" not in first.text
    import re

    cursor = re.search(r'href="/communities/migraine\?after=([^"]+)"', first.text)
    assert cursor
    from urllib.parse import unquote

    second = visitor.get(f"/communities/migraine?after={unquote(cursor.group(1))}", htmx=True)
    assert second.status_code == 200 and "<html" not in second.text
    assert "Thread number 2<" in second.text and "Thread number 22" not in second.text
    assert "after=" not in second.text
    # A reply bumps a thread to the top.
    from tests.communities_support import reply

    reply(author, ids[0], "Bumping this with an update.")
    top = visitor.get("/communities/migraine").text
    assert top.index("Thread number 0<") < top.index("Thread number 22")
