"""Deterministic synthetic people for development and benchmarks (never in production)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import Role, User, UserRole
from community.accounts.passwords import hash_password

DEMO_PASSWORD = "kindred demo walk 2026"  # noqa: S105 - documented demo credential

ADJECTIVES = ["quiet", "brave", "sunny", "steady", "gentle", "curious", "patient", "hopeful",
              "bright", "calm", "kind", "swift", "wise", "warm", "merry", "bold"]
NOUNS = ["heron", "maple", "river", "otter", "fern", "lark", "willow", "harbor", "pine",
         "comet", "badger", "meadow", "robin", "cedar", "finch", "tide"]


ROWS_PER_STATEMENT = 20_000


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


async def bulk_insert(db: AsyncSession, target: Any, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert demo rows in bulk on the session's connection, in its transaction; returns the count.

    Millions of rows through the ORM (or even Core's per-row parameter handling) take
    minutes, so values go straight to the driver: through each column's own bind
    processor first (dates, UTC datetimes and JSON are stored exactly as the ORM stores
    them), with the Python-side defaults of the columns the rows leave out evaluated once
    per call. PostgreSQL takes one COPY, SQLite one executemany per chunk. Every row must
    have the keys of the first; no ids are returned (give explicit ids or read them back
    when later rows need them).
    """
    if not rows:
        return 0
    table: Table = getattr(target, "__table__", target)
    connection = await db.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.key in given or default is None or default.is_sequence:
            continue
        if default.is_callable:
            defaults[column.key] = default.arg(None)  # type: ignore[attr-defined]
        elif default.is_scalar:
            defaults[column.key] = default.arg  # type: ignore[attr-defined]
    names = [table.c[key].name for key in (*given, *defaults)]

    def processor(key: str) -> Callable[[Any], Any] | None:
        return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)

    active = [(index, convert) for index, key in enumerate(given)
              if (convert := processor(key)) is not None]
    tail = tuple(
        convert(value) if (convert := processor(key)) is not None else value
        for key, value in defaults.items()
    )
    records: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[key] for key in given]
        for index, convert in active:
            values[index] = convert(values[index])
        records.append((*values, *tail))
    if dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, columns=names, records=records, schema_name=table.schema)
        return len(records)
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "  # noqa: S608 - our own table and columns
                 f"({', '.join(quote(name) for name in names)}) "
                 f"VALUES ({', '.join('?' for _ in names)})")
    for start in range(0, len(records), ROWS_PER_STATEMENT):
        await connection.exec_driver_sql(statement, records[start:start + ROWS_PER_STATEMENT])
    return len(records)
