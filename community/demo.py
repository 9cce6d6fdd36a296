"""Deterministic synthetic people for development and benchmarks (never in production)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select, update
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


# ---- who the demo patients are ---------------------------------------------------------------
# Every demo loader reads the same plan, so a person's communities, profile, treatments,
# symptoms and posts agree. Shares are of patients; a community is one condition (its slug
# is the condition's slug). (share, women's share, typical age band index in AGE_BANDS)
CONDITION_MIX: dict[str, tuple[float, float, int]] = {
    "type-2-diabetes": (0.16, 0.48, 4),
    "major-depressive-disorder": (0.13, 0.66, 2),
    "migraine": (0.08, 0.78, 2),
    "rheumatoid-arthritis": (0.07, 0.74, 4),
    "multiple-sclerosis": (0.07, 0.72, 2),
    "fibromyalgia": (0.05, 0.86, 3),
    "epilepsy": (0.05, 0.50, 1),
    "copd": (0.05, 0.50, 5),
    "heart-failure": (0.05, 0.42, 5),
    "breast-cancer": (0.05, 0.99, 4),
    "bipolar-disorder": (0.045, 0.56, 2),
    "crohns-disease": (0.045, 0.52, 1),
    "lupus": (0.04, 0.90, 2),
    "parkinsons-disease": (0.04, 0.40, 5),
    "hiv": (0.035, 0.24, 2),
    "als": (0.03, 0.42, 4),
}
# Conditions people often live with together: a second community for about a fifth.
COMORBID: dict[str, tuple[str, ...]] = {
    "type-2-diabetes": ("heart-failure", "major-depressive-disorder", "copd"),
    "major-depressive-disorder": ("fibromyalgia", "migraine", "bipolar-disorder"),
    "migraine": ("major-depressive-disorder", "fibromyalgia"),
    "rheumatoid-arthritis": ("fibromyalgia", "major-depressive-disorder", "lupus"),
    "multiple-sclerosis": ("major-depressive-disorder", "migraine"),
    "fibromyalgia": ("major-depressive-disorder", "migraine", "rheumatoid-arthritis"),
    "copd": ("heart-failure", "type-2-diabetes"),
    "heart-failure": ("type-2-diabetes", "copd"),
    "lupus": ("rheumatoid-arthritis", "fibromyalgia"),
    "crohns-disease": ("major-depressive-disorder", "rheumatoid-arthritis"),
}
COUNTRY_WEIGHTS = {"US": 30, "GB": 14, "CA": 8, "AU": 5, "DE": 5, "IE": 2, "NZ": 2, "IN": 4,
                   "NL": 3, "ZA": 2, "FR": 2, "ES": 2, "SE": 1, "PH": 2, "NG": 1, "MX": 1}
# Russian-speaking members: most write in Russian and read the site in Russian.
RUSSIAN_SHARE = 0.14
RUSSIAN_COUNTRY_WEIGHTS = {"UA": 35, "DE": 20, "IL": 20, "US": 15, "CA": 5, "PL": 5}
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")


@dataclass(frozen=True)
class PersonPlan:
    """What the demo knows about one patient; every loader draws from it."""

    conditions: tuple[str, ...]  # community (= condition) slugs, the main one first
    russian: bool
    sex: str
    age_band: str
    country: str
    diagnosed_year: int


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


_PLANS: dict[tuple[int, int, int, int], dict[int, PersonPlan]] = {}


def plan_for(people: Sequence[DemoPerson], seed: int) -> dict[int, PersonPlan]:
    """Each patient's conditions, language and profile, deterministic for the seed and list."""
    key = (seed, len(people), people[0].id if people else 0, people[-1].id if people else 0)
    if key in _PLANS:
        return _PLANS[key]
    rng = random.Random(f"plan:{seed}")
    shares = {slug: mix[0] for slug, mix in CONDITION_MIX.items()}
    year = 2026
    plans: dict[int, PersonPlan] = {}
    for person in people:
        main = _weighted(rng, shares)
        conditions = [main]
        if rng.random() < 0.2 and main in COMORBID:
            conditions.append(rng.choice(COMORBID[main]))
        _share, women, band = CONDITION_MIX[main]
        russian = rng.random() < RUSSIAN_SHARE
        sex = "female" if rng.random() < women else "male"
        age = min(len(AGE_BANDS) - 1, max(0, round(rng.gauss(band, 1.1))))
        country = _weighted(rng, RUSSIAN_COUNTRY_WEIGHTS if russian else COUNTRY_WEIGHTS)
        plans[person.id] = PersonPlan(tuple(conditions), russian, sex, AGE_BANDS[age], country,
                                      year - min(30, int(rng.expovariate(1 / 6)) + 1))
    if len(_PLANS) > 8:
        _PLANS.clear()
    _PLANS[key] = plans
    return plans


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
    # Clinicians and researchers get their roles from vetting (the moderation and research
    # demo loaders approve them); applicants wait for the admin.
    staff: dict[str, Role | None] = {"admin": Role.ADMIN, "moderator": Role.MODERATOR, "dr_demo": None,
             "dr_review": None, "researcher_demo": None, "dr_applicant": None,
             "researcher_applicant": None}
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
        if role is not None:
            role_rows.append({"user_id": by_name[name].id, "role": role.value})
    await db.execute(insert(UserRole), role_rows)
    patients_only = [p for p in people if p.username not in staff]
    plan = plan_for(patients_only, seed)
    speakers = [p.id for p in patients_only if plan[p.id].russian]
    for start in range(0, len(speakers), 5000):
        await db.execute(update(User).where(User.id.in_(speakers[start:start + 5000]))
                         .values(locale="ru"))
    await audit.record(db, "demo.people_created", actor_id=None,
                       detail={"patients": patients, "seed": seed})
    return patients_only, {n: by_name[n] for n in staff}


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
