"""Deterministic synthetic people for development and benchmarks (never in production)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import Role, User, UserRole
from community.accounts.passwords import hash_password

DEMO_PASSWORD = "kindred demo walk 2026"  # noqa: S105 - documented demo credential

ADJECTIVES = ["quiet", "brave", "sunny", "steady", "gentle", "curious", "patient", "hopeful",
              "bright", "calm", "kind", "swift", "wise", "warm", "merry", "bold"]
NOUNS = ["heron", "maple", "river", "otter", "fern", "lark", "willow", "harbor", "pine",
         "comet", "badger", "meadow", "robin", "cedar", "finch", "tide"]


@dataclass(frozen=True)
class DemoPerson:
    id: int
    username: str


def demo_username(rng: random.Random, index: int) -> str:
    return f"{rng.choice(ADJECTIVES)}_{rng.choice(NOUNS)}{index}"


async def is_empty(db: AsyncSession) -> bool:
    return not await db.scalar(select(func.count()).select_from(User))


async def create_people(
    db: AsyncSession, *, patients: int, seed: int
) -> tuple[list[DemoPerson], dict[str, DemoPerson]]:
    """Bulk-insert patients plus one person per staff role; all share the demo password."""
    rng = random.Random(seed)
    password_hash = await hash_password(DEMO_PASSWORD)
    staff = {"admin": Role.ADMIN, "moderator": Role.MODERATOR, "dr_demo": Role.CLINICIAN,
             "researcher_demo": Role.RESEARCHER}
    rows = [
        {"username": name, "username_key": name, "email": f"{name}@demo.kindred.local",
         "password_hash": password_hash}
        for name in staff
    ]
    for index in range(patients):
        name = demo_username(rng, index)
        rows.append({"username": name, "username_key": name.lower(),
                     "email": f"{name}@demo.kindred.local", "password_hash": password_hash})
    # Staff names are reserved for sign-ups; the demo may use them.
    result = await db.execute(insert(User).returning(User.id, User.username), rows)
    people = [DemoPerson(row.id, row.username) for row in result]
    role_rows = [{"user_id": p.id, "role": Role.PATIENT.value} for p in people]
    by_name = {p.username: p for p in people}
    for name, role in staff.items():
        role_rows.append({"user_id": by_name[name].id, "role": role.value})
    await db.execute(insert(UserRole), role_rows)
    await audit.record(db, "demo.people_created", actor_id=None,
                       detail={"patients": patients, "seed": seed})
    return [p for p in people if p.username not in staff], {n: by_name[n] for n in staff}
