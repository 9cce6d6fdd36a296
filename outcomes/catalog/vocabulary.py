"""Curated vocabularies (conditions, treatments, symptoms, side effects) read from CSV.

The loaders are pure: they read the files in ``data/``, validate every row and return
plain frozen dataclasses keyed by slug, in file order. Nothing here touches a database;
whoever seeds or caches the vocabularies calls these once.

Side effects are symptoms plus the adverse effects listed in ``side_effects.csv``: a
patient can report any symptom as a side effect of a treatment, so ``load_side_effects``
returns every symptom (``is_symptom=True``) followed by the side-effect-only terms.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import Generic, Literal, NoReturn, Protocol, TypeVar

DATA_DIR = Path(__file__).parent / "data"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ICD10_PATTERN = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")

TreatmentKind = Literal["drug", "non_drug"]
_TREATMENT_KINDS: dict[str, TreatmentKind] = {"drug": "drug", "non_drug": "non_drug"}


class VocabularyError(ValueError):
    """A vocabulary file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Condition:
    slug: str
    icd10: str
    name: str
    synonyms: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class Treatment:
    slug: str
    name: str
    kind: TreatmentKind
    drug_class: str
    synonyms: tuple[str, ...]
    common_units: tuple[str, ...]
    conditions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Symptom:
    slug: str
    name: str
    synonyms: tuple[str, ...]
    category: str


@dataclass(frozen=True, slots=True)
class SideEffect:
    slug: str
    name: str
    synonyms: tuple[str, ...]
    is_symptom: bool


def load_conditions(data_dir: Path = DATA_DIR) -> dict[str, Condition]:
    """Conditions by slug, from ``conditions.csv``."""
    path = data_dir / "conditions.csv"
    conditions: dict[str, Condition] = {}
    for line, row in _read_rows(path, ("slug", "icd10", "name", "synonyms", "description")):
        if not ICD10_PATTERN.match(row["icd10"]):
            _fail(path, line, f"invalid ICD-10 code {row['icd10']!r}")
        conditions[row["slug"]] = Condition(
            slug=row["slug"],
            icd10=row["icd10"],
            name=row["name"],
            synonyms=_split(row["synonyms"]),
            description=row["description"],
        )
    return conditions


def load_treatments(data_dir: Path = DATA_DIR) -> dict[str, Treatment]:
    """Treatments by slug, from ``treatments.csv``; their conditions must exist."""
    known_conditions = load_conditions(data_dir)
    path = data_dir / "treatments.csv"
    columns = ("slug", "name", "kind", "drug_class", "synonyms", "common_units", "conditions")
    treatments: dict[str, Treatment] = {}
    for line, row in _read_rows(path, columns, optional=("synonyms", "common_units")):
        kind = _TREATMENT_KINDS.get(row["kind"])
        if kind is None:
            _fail(path, line, f"kind must be 'drug' or 'non_drug', not {row['kind']!r}")
        conditions = _split(row["conditions"])
        for slug in conditions:
            if slug not in known_conditions:
                _fail(path, line, f"unknown condition slug {slug!r}")
        treatments[row["slug"]] = Treatment(
            slug=row["slug"],
            name=row["name"],
            kind=kind,
            drug_class=row["drug_class"],
            synonyms=_split(row["synonyms"]),
            common_units=_split(row["common_units"]),
            conditions=conditions,
        )
    return treatments


def load_symptoms(data_dir: Path = DATA_DIR) -> dict[str, Symptom]:
    """Symptoms by slug, from ``symptoms.csv``."""
    path = data_dir / "symptoms.csv"
    return {
        row["slug"]: Symptom(row["slug"], row["name"], _split(row["synonyms"]), row["category"])
        for _, row in _read_rows(path, ("slug", "name", "synonyms", "category"))
    }


def load_side_effects(data_dir: Path = DATA_DIR) -> dict[str, SideEffect]:
    """Side effects by slug: every symptom, then the extra terms of ``side_effects.csv``."""
    side_effects = {
        slug: SideEffect(slug, symptom.name, symptom.synonyms, is_symptom=True)
        for slug, symptom in load_symptoms(data_dir).items()
    }
    path = data_dir / "side_effects.csv"
    for line, row in _read_rows(path, ("slug", "name", "synonyms")):
        if row["slug"] in side_effects:
            _fail(
                path,
                line,
                f"slug {row['slug']!r} is already a symptom; symptoms are side effects already",
            )
        side_effects[row["slug"]] = SideEffect(
            row["slug"], row["name"], _split(row["synonyms"]), is_symptom=False
        )
    return side_effects


# Autocomplete ---------------------------------------------------------------------------------


class Term(Protocol):
    """Anything with a canonical name and synonyms: every vocabulary dataclass above."""

    @property
    def name(self) -> str: ...

    @property
    def synonyms(self) -> tuple[str, ...]: ...


TermT = TypeVar("TermT", bound=Term)


class MatchRank(IntEnum):
    """How well a query matched a term; lower is better."""

    EXACT = 0
    NAME_PREFIX = 1
    SYNONYM_PREFIX = 2
    WORD_PREFIX = 3


@dataclass(frozen=True, slots=True)
class TermMatch(Generic[TermT]):
    term: TermT
    rank: MatchRank
    matched_synonym: str | None
    """The synonym the query matched (e.g. a brand name), or None when the name matched."""


def match_terms(query: str, terms: Iterable[TermT], limit: int = 10) -> list[TermMatch[TermT]]:
    """Autocomplete: terms whose name or synonyms match ``query``, best first.

    Matching ignores case, accents and punctuation. Ranking: exact (name or synonym) >
    prefix of the name > prefix of a synonym > prefix of any word; ties sort by name.
    """
    needle = normalize_term(query)
    if not needle or limit <= 0:
        return []
    matches: list[TermMatch[TermT]] = []
    for term in terms:
        best: tuple[MatchRank, str | None] | None = None
        for text, synonym in ((term.name, None), *((s, s) for s in term.synonyms)):
            rank = _rank(needle, normalize_term(text), is_name=synonym is None)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, synonym)
        if best is not None:
            matches.append(TermMatch(term, best[0], best[1]))
    matches.sort(key=lambda match: (match.rank, normalize_term(match.term.name)))
    return matches[:limit]


@lru_cache(maxsize=16384)
def normalize_term(text: str) -> str:
    """Fold case and accents, drop apostrophes, turn other punctuation into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = unaccented.casefold().replace("'", "").replace("\u2019", "")
    return re.sub(r"[\W_]+", " ", folded).strip()


def _rank(needle: str, text: str, *, is_name: bool) -> MatchRank | None:
    if text == needle:
        return MatchRank.EXACT
    if text.startswith(needle):
        return MatchRank.NAME_PREFIX if is_name else MatchRank.SYNONYM_PREFIX
    if f" {needle}" in f" {text}":
        return MatchRank.WORD_PREFIX
    return None


# CSV reading ----------------------------------------------------------------------------------


def _read_rows(
    path: Path, columns: Sequence[str], optional: Sequence[str] = ("synonyms",)
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, stripped row) after the checks every vocabulary shares."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != list(columns):
            _fail(
                path,
                1,
                f"expected columns {','.join(columns)}, found {','.join(reader.fieldnames or [])}",
            )
        seen: set[str] = set()
        for raw in reader:
            line = reader.line_num
            if None in raw or None in raw.values():
                _fail(path, line, f"expected {len(columns)} fields")
            row = {key: value.strip() for key, value in raw.items()}
            for column in columns:
                if column not in optional and not row[column]:
                    _fail(path, line, f"{column} is empty")
            slug = row["slug"]
            if not SLUG_PATTERN.match(slug):
                _fail(path, line, f"slug {slug!r} must be lowercase words joined by single hyphens")
            if slug in seen:
                _fail(path, line, f"duplicate slug {slug!r}")
            seen.add(slug)
            yield line, row


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def _fail(path: Path, line: int, message: str) -> NoReturn:
    raise VocabularyError(f"{path.name} line {line}: {message}")
