"""Catalog actions: load the shipped vocabularies, find terms, and curate proposals."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.accounts.services import FormErrors
from community.db import utcnow
from community.i18n import gettext as _
from outcomes.catalog import vocabulary
from outcomes.catalog.models import (
    TERM_MODELS,
    Condition,
    ProposalStatus,
    SideEffect,
    Symptom,
    TermKind,
    TermProposal,
    Treatment,
)
from outcomes.reports.summaries import invalidate_reports

AnyTerm = Condition | Treatment | Symptom | SideEffect
MAX_TERM_LENGTH = 120


async def load_catalog(db: AsyncSession) -> dict[str, int]:
    """Upsert every shipped vocabulary by slug; running it twice changes nothing."""
    rows: dict[TermKind, list[dict[str, Any]]] = {
        TermKind.CONDITION: [
            {"slug": c.slug, "name": c.name, "synonyms": list(c.synonyms), "icd10": c.icd10,
             "description": c.description}
            for c in vocabulary.load_conditions().values()
        ],
        TermKind.TREATMENT: [
            {"slug": t.slug, "name": t.name, "synonyms": list(t.synonyms), "kind": t.kind,
             "drug_class": t.drug_class, "common_units": list(t.common_units),
             "condition_slugs": list(t.conditions)}
            for t in vocabulary.load_treatments().values()
        ],
        TermKind.SYMPTOM: [
            {"slug": s.slug, "name": s.name, "synonyms": list(s.synonyms),
             "category": s.category}
            for s in vocabulary.load_symptoms().values()
        ],
        TermKind.SIDE_EFFECT: [
            {"slug": s.slug, "name": s.name, "synonyms": list(s.synonyms),
             "is_symptom": s.is_symptom}
            for s in vocabulary.load_side_effects().values()
        ],
    }
    changed: dict[str, int] = {}
    renamed = False
    for kind, items in rows.items():
        model: Any = TERM_MODELS[kind]
        existing = {t.slug: t for t in (await db.scalars(select(model))).all()}
        new_rows = [{**item, "curated": True} for item in items if item["slug"] not in existing]
        if new_rows:
            await db.execute(insert(model), new_rows)
        count = len(new_rows)
        for item in items:
            term = existing.get(item["slug"])
            if term is None:
                continue
            if any(getattr(term, key) != value for key, value in item.items()):
                for key, value in item.items():
                    setattr(term, key, value)
                count += 1
                renamed = True
        changed[kind.value] = count
    await db.flush()
    if renamed:
        # Rendered reports show vocabulary names their summaries' versions do not cover.
        await invalidate_reports(db)
    return changed


async def terms_of(db: AsyncSession, kind: TermKind) -> Sequence[AnyTerm]:
    model: Any = TERM_MODELS[kind]
    return (await db.scalars(select(model).order_by(model.name))).all()


async def search(db: AsyncSession, kind: TermKind, query: str, limit: int = 10) -> list[AnyTerm]:
    """Autocomplete: the best matches by name or synonym (brand names included)."""
    if not vocabulary.normalize_term(query):
        return []
    terms: Sequence[Any] = await terms_of(db, kind)
    return [m.term for m in vocabulary.match_terms(query, terms, limit=limit)]


async def resolve(db: AsyncSession, kind: TermKind, text: str) -> AnyTerm | None:
    """The term whose slug, name or synonym is exactly `text` (ignoring case and accents)."""
    needle = vocabulary.normalize_term(text)
    if not needle:
        return None
    model: Any = TERM_MODELS[kind]
    by_slug = await db.scalar(select(model).where(model.slug == text.strip().lower()))
    if by_slug is not None:
        return by_slug
    terms: Sequence[Any] = await terms_of(db, kind)
    matches = vocabulary.match_terms(text, terms, limit=1)
    if matches and matches[0].rank == vocabulary.MatchRank.EXACT:
        return matches[0].term
    return None


def slugify(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = decomposed.encode("ascii", "ignore").decode().lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:100] or "term"


async def propose_term(
    db: AsyncSession, proposer: User, *, kind: str, name: str, note: str = ""
) -> TermProposal:
    """Record a missing term for curation; refuses names the catalog already has."""
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    if kind not in {k.value for k in TermKind}:
        errors["kind"] = [_("Choose what kind of term this is.")]
    if not name:
        errors["name"] = [_("Enter the name of the term.")]
    elif len(name) > MAX_TERM_LENGTH:
        errors["name"] = [_("Use at most %(n)d characters.") % {"n": MAX_TERM_LENGTH}]
    elif "kind" not in errors and await resolve(db, TermKind(kind), name) is not None:
        errors["name"] = [_("This term is already in the catalog: choose it from the list.")]
    if len(note) > 500:
        errors["note"] = [_("Use at most %(n)d characters.") % {"n": 500}]
    if errors:
        raise FormErrors(errors)
    proposal = TermProposal(kind=kind, name=name, note=note.strip(), proposer_id=proposer.id)
    db.add(proposal)
    await db.flush()
    await audit.record(db, "catalog.term_proposed", actor_id=proposer.id,
                       target_type="term_proposal", target_id=proposal.id,
                       detail={"kind": kind, "name": name})
    return proposal


async def pending_proposals(db: AsyncSession) -> Sequence[TermProposal]:
    return (
        await db.scalars(
            select(TermProposal)
            .where(TermProposal.status == ProposalStatus.PENDING.value)
            .order_by(TermProposal.created_at, TermProposal.id)
        )
    ).all()


async def decide_proposal(
    db: AsyncSession, moderator: User, proposal: TermProposal, *, action: str,
    merge_into: str = "", reason: str = "",
) -> AnyTerm | None:
    """Approve (a new term), merge (the name becomes a synonym of a term) or reject."""
    if proposal.status != ProposalStatus.PENDING.value:
        raise FormErrors({"action": [_("This proposal was already decided.")]})
    kind = TermKind(proposal.kind)
    model: Any = TERM_MODELS[kind]
    term: AnyTerm | None = None
    if action == "approve":
        slug = slugify(proposal.name)
        if await db.scalar(select(model.id).where(model.slug == slug)) is not None:
            raise FormErrors({"action": [_("A term with this name exists: merge instead.")]})
        term = model(slug=slug, name=proposal.name, synonyms=[], curated=False)
        db.add(term)
        await db.flush()
        status = ProposalStatus.APPROVED
    elif action == "merge":
        term = await resolve(db, kind, merge_into)
        if term is None:
            raise FormErrors({"merge_into": [_("Choose an existing term to merge into.")]})
        if vocabulary.normalize_term(proposal.name) not in {
            vocabulary.normalize_term(s) for s in [term.name, *term.synonyms]
        }:
            term.synonyms = [*term.synonyms, proposal.name]
        status = ProposalStatus.MERGED
    elif action == "reject":
        if not reason.strip():
            raise FormErrors({"reason": [_("Say why the proposal is rejected.")]})
        status = ProposalStatus.REJECTED
    else:
        raise FormErrors({"action": [_("Choose approve, merge or reject.")]})
    proposal.status = status.value
    proposal.merged_into_id = term.id if term is not None else None
    proposal.decided_by_id = moderator.id
    proposal.decided_at = utcnow()
    proposal.reason = reason.strip()[:500]
    await audit.record(db, f"catalog.term_{status.value}", actor_id=moderator.id,
                       target_type="term_proposal", target_id=proposal.id,
                       detail={"kind": kind.value, "name": proposal.name,
                               "term_id": proposal.merged_into_id})
    return term
