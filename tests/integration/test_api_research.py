"""The research JSON API: project tokens, exports, downloads and budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from community.audit import AuditEntry
from outcomes.research.models import ProjectToken
from tests.helpers import Visitor
from tests.research_support import (
    DEMO,
    approved_researcher,
    demo_table,
    make_admin,
    read_zip,
    run_jobs,
    seed_patients,
    settings,
)

__all__ = ["demo_table", "settings"]

CELLS = {("ra", "female", "2024"): 30, ("ra", "male", "2024"): 4,
         ("ms", "female", "2024"): 15, ("ms", "male", "2024"): 20}


def create_token(researcher: Visitor, project_id: int, label: str = "laptop") -> str:
    page = researcher.post(f"/research/projects/{project_id}/tokens", {"label": label})
    assert page.status_code == 200
    found = re.search(r'<code id="new-token">([^<]+)</code>', page.text)
    assert found
    return found.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_export_lifecycle_with_a_project_token(
    new_visitor: Callable[[], Visitor], demo_table: Any
) -> None:
    admin = make_admin(new_visitor)
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_api", budget="1")
    token = create_token(researcher, project_id)
    client = researcher.client
    assert token not in researcher.get(f"/research/projects/{project_id}").text, "shown once"
    (stored,) = researcher.run(lambda rt: _token_hashes(rt))
    assert stored != token and len(stored) == 64, "only the hash is stored"

    created = client.post("/api/v1/research/exports", json={"tables": [DEMO], "epsilon": "0.5"},
                          headers=bearer(token))
    assert created.status_code == 202, created.text
    body = created.json()
    assert body["status"] == "queued" and body["download_url"] is None
    again = client.post("/api/v1/research/exports", json={"tables": [DEMO], "epsilon": "0.5"},
                        headers=bearer(token))
    assert again.json()["id"] == body["id"], "the same request is the same export"

    run_jobs(researcher)
    status = client.get(f"/api/v1/research/exports/{body['id']}", headers=bearer(token)).json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["manifest"]["budget"]["left"] == "0.5"
    archive = client.get(status["download_url"], headers=bearer(token))
    assert archive.status_code == 200
    tables, manifest = read_zip(archive.content)
    assert all(r["patients"] == "" or not 1 <= int(r["patients"]) <= 10 for r in tables[DEMO])
    assert manifest["tables"][DEMO]["noise"]["epsilon"] == "0.5"

    budget = client.get("/api/v1/research/budget", headers=bearer(token)).json()
    assert budget == {"project_id": project_id, "total": "1", "spent": "0.5",
                      "remaining": "0.5"}
    refused = client.post("/api/v1/research/exports", json={"tables": [DEMO], "epsilon": "0.75"},
                          headers=bearer(token))
    assert refused.status_code == 409 and "0.5 epsilon left" in refused.json()["detail"]
    actions = [a for (a,) in researcher.run(_actions)]
    assert actions.count("export.downloaded") == 1 and "research.token_created" in actions


def test_api_refuses_missing_bad_and_revoked_tokens(
    new_visitor: Callable[[], Visitor], demo_table: Any
) -> None:
    admin = make_admin(new_visitor)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_token")
    token = create_token(researcher, project_id)
    client = researcher.client
    for headers in ({}, bearer("kdr_not-a-token"), {"Authorization": f"Basic {token}"}):
        response = client.get("/api/v1/research/budget", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["status_code"] == 401
    assert client.get("/api/v1/research/budget", headers=bearer(token)).status_code == 200

    (token_id,) = researcher.run(lambda rt: _token_ids(rt))
    assert researcher.post(
        f"/research/projects/{project_id}/tokens/{token_id}/revoke").status_code == 303
    assert client.get("/api/v1/research/budget", headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/research/exports", json={"tables": [DEMO]},
                       headers=bearer(token)).status_code == 401
    assert "revoked" in researcher.get(f"/research/projects/{project_id}").text


def test_a_token_reaches_only_its_own_project(
    new_visitor: Callable[[], Visitor], demo_table: Any
) -> None:
    admin = make_admin(new_visitor)
    seed_patients(admin, CELLS)
    alice, alice_project = approved_researcher(new_visitor, admin, "dr_ann")
    bob, bob_project = approved_researcher(new_visitor, admin, "dr_ben")
    alice_token, bob_token = create_token(alice, alice_project), create_token(bob, bob_project)
    client = alice.client
    job = client.post("/api/v1/research/exports", json={"tables": [DEMO]},
                      headers=bearer(alice_token)).json()
    run_jobs(alice)
    for path in (f"/api/v1/research/exports/{job['id']}",
                 f"/api/v1/research/exports/{job['id']}/download"):
        assert client.get(path, headers=bearer(bob_token)).status_code == 404
        assert client.get(path, headers=bearer(alice_token)).status_code == 200
    # Bob's session cannot revoke Alice's token either.
    (alice_token_id, _bob_token_id) = alice.run(lambda rt: _token_ids(rt))
    assert bob.post(f"/research/projects/{alice_project}/tokens/{alice_token_id}/revoke"
                    ).status_code == 404


def test_api_validates_requests(new_visitor: Callable[[], Visitor], demo_table: Any) -> None:
    admin = make_admin(new_visitor)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_valid")
    token = create_token(researcher, project_id)
    client = researcher.client
    payloads: list[dict[str, Any]] = [
        {"tables": []}, {"tables": ["patients"]}, {"tables": [DEMO], "epsilon": "x"},
        {"tables": [DEMO], "sql": "select *"}, {"tables": [DEMO], "year_from": 1},
        *({"tables": [DEMO], "epsilon": e}
          for e in ("1E-9999", "0", "-0.5", "NaN", "Infinity", "-inf", "0.009", "2")),
        {"tables": [DEMO], "conditions": ["ra", "no-such-condition"]},
        {"tables": [DEMO], "treatments": ["made-up"]},
    ]
    for payload in payloads:
        response = client.post("/api/v1/research/exports", json=payload, headers=bearer(token))
        assert response.status_code == 400, payload
        assert "rare" not in response.text.lower()
    epsilon = client.post("/api/v1/research/exports", json={"tables": [DEMO], "epsilon": "1E-9999"},
                          headers=bearer(token))
    assert "epsilon: Epsilon is a number from 0.01 to 1.0." in epsilon.json()["detail"]
    budget = client.get("/api/v1/research/budget", headers=bearer(token)).json()
    assert budget["spent"] == "0", "nothing charged for refused requests"


def test_openapi_documents_the_research_api(visitor: Visitor) -> None:
    schema = visitor.get("/schema/openapi.json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/research/exports"]
    assert "get" in paths["/api/v1/research/exports/{job_id}"]
    assert "get" in paths["/api/v1/research/exports/{job_id}/download"]
    assert "get" in paths["/api/v1/research/budget"]
    assert "/research/projects/{project_id}" not in paths, "HTML pages stay out of the API docs"
    schemas = schema["components"]["schemas"]
    assert {"ExportCreate", "ExportStatus", "Budget"} <= set(schemas)
    assert "tables" in schemas["ExportCreate"]["properties"]


async def _token_hashes(runtime: Any) -> list[str]:
    async with runtime.sessionmaker() as db:
        return list(await db.scalars(select(ProjectToken.token_hash)))


async def _token_ids(runtime: Any) -> list[int]:
    async with runtime.sessionmaker() as db:
        return list(await db.scalars(select(ProjectToken.id).order_by(ProjectToken.id)))


async def _actions(runtime: Any) -> list[tuple[str]]:
    async with runtime.sessionmaker() as db:
        return [(a,) for a in await db.scalars(select(AuditEntry.action))]
