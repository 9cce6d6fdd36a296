"""Shared setup for the research tests: a synthetic catalogue table, patients, projects.

The synthetic table reads only core models (a patient's category is spelled in their
username), so consent, jobs, disclosure control and the API are tested whatever outcome
models exist; the catalogue's real tables have their own tests.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User, UserRole
from community.web import SESSION_COOKIE
from outcomes.research import tables
from outcomes.research.models import ConsentRecord, DataSnapshot, ResearchProject
from outcomes.research.services import take_snapshot
from outcomes.research.tables import TableSpec
from tests.helpers import Visitor

DEMO = "demo_patients"


async def _demo_query(db: Any, consenting: Any, _snapshot: DataSnapshot) -> list[Any]:
    rows = await db.execute(select(User.id, User.username).where(User.id.in_(consenting)))
    pairs = []
    for user_id, username in rows.all():
        if username.startswith("pt-"):
            _, condition, sex, year, _n = username.split("-")
            pairs.append((user_id, (condition, sex, year)))
    return pairs


@pytest.fixture
def demo_table(monkeypatch: pytest.MonkeyPatch) -> TableSpec:
    spec = TableSpec(DEMO, "Demo patients", "Synthetic patients for tests.",
                     ("condition", "sex", "year"), _demo_query,
                     categories={"sex": ("female", "male"), "condition": ("ms", "pd", "ra")},
                     max_contributions=1)
    monkeypatch.setitem(tables.CATALOGUE, DEMO, spec)
    return spec


def seed_patients(visitor: Visitor, cells: dict[tuple[str, str, str], int],
                  *, consent: bool = True) -> dict[tuple[str, str, str], list[int]]:
    """Create patients (directly, no passwords) spread over cells; most consent."""

    async def work(runtime: Any) -> dict[tuple[str, str, str], list[int]]:
        made: dict[tuple[str, str, str], list[int]] = {}
        async with runtime.sessionmaker() as db, db.begin():
            for (condition, sex, year), count in cells.items():
                for n in range(count):
                    name = f"pt-{condition}-{sex}-{year}-{n}"
                    user = User(username=name, username_key=name, email=f"{name}@example.org",
                                password_hash="!")
                    user.roles.append(UserRole(role=Role.PATIENT))
                    db.add(user)
                    await db.flush()
                    if consent:
                        db.add(ConsentRecord(user_id=user.id, version="v1", granted=True))
                    made.setdefault((condition, sex, year), []).append(user.id)
        return made

    return visitor.run(work)


def signed_in(new_visitor: Callable[[], Visitor], name: str, *roles: Role) -> Visitor:
    """A browser signed in as a new person, without the (deliberately slow) password hash."""
    visitor = new_visitor()

    async def create(runtime: Any) -> str:
        async with runtime.sessionmaker() as db, db.begin():
            user = User(username=name, username_key=name, email=f"{name}@example.org",
                        password_hash="!")
            for role in (Role.PATIENT, *roles):
                user.roles.append(UserRole(role=role))
            db.add(user)
            await db.flush()
            user_id, version = user.id, user.privilege_version
        return await runtime.sessions.create(user_id, version, lifetime=timedelta(hours=1),
                                             client_address="test", user_agent="test")

    visitor.jar.set(SESSION_COOKIE, visitor.run(create), domain="testserver.local")
    return visitor


def make_admin(new_visitor: Callable[[], Visitor], name: str = "admin_ada") -> Visitor:
    return signed_in(new_visitor, name, Role.ADMIN)


APPLICATION = {
    "full_name": "Dr Rosalind Example", "institution": "Example University",
    "project_title": "Treatment patterns in RA", "purpose": "Describe treatment use.",
    "ethics_reference": "IRB-2026-042", "dua_version": "v1", "accept_dua": "1",
}


def apply(visitor: Visitor, tables_: list[str], **overrides: str) -> Any:
    return visitor.post("/research/apply", {**APPLICATION, **overrides, "tables": tables_})


def approved_researcher(
    new_visitor: Callable[[], Visitor], admin: Visitor, name: str, budget: str = "3.0",
    tables_: list[str] | None = None,
) -> tuple[Visitor, int]:
    """A signed-in researcher with an approved project; returns the visitor and project id."""
    researcher = signed_in(new_visitor, name)
    applied = apply(researcher, tables_ or [DEMO], project_title=f"Project of {name}")
    assert applied.status_code == 303

    async def pending(runtime: Any) -> int:
        from outcomes.research.models import ResearchApplication

        async with runtime.sessionmaker() as db:
            user = await db.scalar(select(User).where(User.username == name))
            return int(await db.scalar(select(ResearchApplication.id).where(
                ResearchApplication.applicant_id == user.id)))

    application_id = researcher.run(pending)
    response = admin.post(f"/admin/research/applications/{application_id}/approve",
                          {"budget": budget})
    assert response.status_code == 303, response.text

    async def project(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            return int(await db.scalar(select(ResearchProject.id).where(
                ResearchProject.application_id == application_id)))

    return researcher, researcher.run(project)


def new_snapshot(visitor: Visitor) -> None:
    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await take_snapshot(db)

    visitor.run(work)


def run_jobs(visitor: Visitor) -> int:
    from outcomes.research.worker import run_pending_jobs

    return visitor.run(run_pending_jobs)


def read_zip(content: bytes) -> tuple[dict[str, list[dict[str, str]]], dict[str, Any]]:
    """The archive's CSV tables (as rows of dicts) and its manifest."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    tables_: dict[str, list[dict[str, str]]] = {}
    for name in archive.namelist():
        if name.endswith(".csv"):
            tables_[name[:-4]] = list(csv.DictReader(io.StringIO(archive.read(name).decode())))
    return tables_, json.loads(archive.read("manifest.json"))


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Any:
    """The app without its background export worker: tests run jobs when they choose."""
    return make_settings(extra={"research_worker": "off"})
