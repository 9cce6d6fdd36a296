"""Research actions: consent, researcher vetting, project tokens and export requests."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import Role, User
from community.accounts.services import FormErrors, set_role
from community.db import utcnow
from community.errors import NotFound
from community.i18n import gettext as _
from community.settings import Settings
from community.tokens import new_token, token_hash
from outcomes.research.models import (
    ApplicationStatus,
    BudgetCharge,
    ConsentRecord,
    DataSnapshot,
    ExportJob,
    JobStatus,
    ProjectToken,
    ResearchApplication,
    ResearchProject,
)
from outcomes.research.privacy import BudgetExceeded, PrivacyBudget
from outcomes.research.tables import (
    FILTER_DIMENSIONS,
    NotReleased,
    available_tables,
    epsilon_key,
    published_table,
    stored_release,
)

HERE = Path(__file__).resolve().parent
CONSENT_VERSION = "v1"
DUA_VERSION = "v1"
DEFAULT_BUDGET = Decimal("3.0")
SNAPSHOT_MAX_AGE = timedelta(hours=24)
DOWNLOAD_LINK_LIFETIME = timedelta(minutes=30)
ARCHIVE_LIFETIME = timedelta(days=7)
MAX_EPSILON = Decimal("1.0")
# Below this the noise swamps every count (its scale grows as 1/epsilon) and the release is
# useless; a documented floor also keeps "1E-9999" from reaching the noise library.
MIN_EPSILON = Decimal("0.01")


@lru_cache
def consent_text(version: str = CONSENT_VERSION) -> str:
    return (HERE / "consent" / f"{version}.md").read_text()


@lru_cache
def dua_text(version: str = DUA_VERSION) -> str:
    return (HERE / "dua" / f"{version}.md").read_text()


def document_html(text: str) -> Markup:
    """One of our own shipped documents (consent, agreement) as HTML; never user text."""
    return Markup(nh3.clean(MarkdownIt("commonmark").render(text)))  # noqa: S704 - sanitised


# ---- consent ---------------------------------------------------------------------------------


async def consent_history(db: AsyncSession, user: User) -> list[ConsentRecord]:
    """Every grant and withdrawal of a person, newest first."""
    return list(await db.scalars(
        select(ConsentRecord).where(ConsentRecord.user_id == user.id)
        .order_by(ConsentRecord.id.desc())
    ))


async def consent_in_force(db: AsyncSession, user: User) -> ConsentRecord | None:
    """The grant currently in force, or None."""
    history = await consent_history(db, user)
    return history[0] if history and history[0].granted else None


async def grant_consent(db: AsyncSession, user: User, version: str) -> ConsentRecord:
    """Record consent to the shown text version; only the current version can be granted."""
    if version != CONSENT_VERSION:
        raise FormErrors({"version": [_("The consent text changed; read the current one.")]})
    record = ConsentRecord(user_id=user.id, version=version, granted=True, at=utcnow())
    db.add(record)
    await db.flush()
    await audit.record(db, "research.consent_granted", actor_id=user.id, target_type="user",
                       target_id=user.id, detail={"version": version})
    return record


async def withdraw_consent(db: AsyncSession, user: User) -> ConsentRecord | None:
    """Withdraw consent; every later snapshot leaves the person out."""
    current = await consent_in_force(db, user)
    if current is None:
        return None
    record = ConsentRecord(user_id=user.id, version=current.version, granted=False, at=utcnow())
    db.add(record)
    await db.flush()
    await audit.record(db, "research.consent_withdrawn", actor_id=user.id, target_type="user",
                       target_id=user.id, detail={"version": current.version})
    return record


# ---- applications and projects ---------------------------------------------------------------

APPLICATION_FIELDS = {
    "full_name": 120, "institution": 200, "project_title": 200, "purpose": 4000,
    "ethics_reference": 120,
}


async def apply_for_project(
    db: AsyncSession, user: User, form: dict[str, str], tables: list[str]
) -> ResearchApplication:
    """File an application; raises FormErrors naming every problem at once."""
    errors: dict[str, list[str]] = {}
    values = {name: form.get(name, "").strip() for name in APPLICATION_FIELDS}
    for name, limit in APPLICATION_FIELDS.items():
        if not values[name]:
            errors[name] = [_("This is required.")]
        elif len(values[name]) > limit:
            errors[name] = [_("Keep this under %(limit)d characters.") % {"limit": limit}]
    catalogue = available_tables()
    chosen = sorted(set(tables))
    if not chosen:
        errors["tables"] = [_("Choose at least one table.")]
    elif any(t not in catalogue for t in chosen):
        errors["tables"] = [_("Choose tables from the catalogue.")]
    if form.get("dua_version") != DUA_VERSION or form.get("accept_dua") != "1":
        errors["accept_dua"] = [_("Accept the current data-use agreement to apply.")]
    if errors:
        raise FormErrors(errors)
    application = ResearchApplication(applicant_id=user.id, tables=chosen,
                                      dua_version=DUA_VERSION, **values)
    db.add(application)
    await db.flush()
    await audit.record(db, "research.applied", actor_id=user.id,
                       target_type="research_application", target_id=application.id,
                       detail={"tables": chosen, "dua_version": DUA_VERSION})
    return application


async def pending_application(db: AsyncSession, application_id: int) -> ResearchApplication:
    application = await db.get(ResearchApplication, application_id)
    if application is None or application.status != ApplicationStatus.PENDING:
        raise LookupError(application_id)
    return application


def parse_budget(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip() or str(DEFAULT_BUDGET))
    except InvalidOperation as exc:
        raise FormErrors({"budget": [_("Enter a number, like 3.0.")]}) from exc
    if not value.is_finite() or value < 0 or value > 100:
        raise FormErrors({"budget": [_("Choose an epsilon budget from 0 to 100.")]})
    return value


async def approve_project(
    db: AsyncSession, actor: User, application_id: int, budget: Decimal = DEFAULT_BUDGET
) -> ResearchProject:
    """Approve an application: create its project and make the applicant a researcher."""
    application = await pending_application(db, application_id)
    application.status = ApplicationStatus.APPROVED
    application.decided_by_id, application.decided_at = actor.id, utcnow()
    project = ResearchProject(
        owner_id=application.applicant_id, application_id=application.id,
        title=application.project_title, tables=list(application.tables),
        budget_total=str(budget), budget_spent="0", dua_version=application.dua_version,
    )
    db.add(project)
    await db.flush()
    applicant = await db.get_one(User, application.applicant_id)
    await set_role(db, actor=actor, user=applicant, role=Role.RESEARCHER, granted=True)
    await audit.record(db, "research.project_approved", actor_id=actor.id,
                       target_type="research_project", target_id=project.id,
                       detail={"application": application.id, "budget": str(budget),
                               "tables": project.tables})
    return project


async def reject_project(
    db: AsyncSession, actor: User, application_id: int, reason: str
) -> ResearchApplication:
    reason = reason.strip()
    if not reason:
        raise FormErrors({"reason": [_("Give the applicant a reason.")]})
    application = await pending_application(db, application_id)
    application.status = ApplicationStatus.REJECTED
    application.decided_by_id, application.decided_at = actor.id, utcnow()
    application.decision_reason = reason[:2000]
    await audit.record(db, "research.application_rejected", actor_id=actor.id,
                       target_type="research_application", target_id=application.id,
                       detail={"reason": application.decision_reason})
    return application


async def project_of(db: AsyncSession, user: User | None, project_id: int) -> ResearchProject:
    """The project if this person owns it; anyone else is told it does not exist (404)."""
    project = await db.get(ResearchProject, project_id)
    if user is None or project is None or project.owner_id != user.id:
        raise NotFound(_("No such project."))
    return project


async def export_of(
    db: AsyncSession, user: User | None, job_id: int
) -> tuple[ExportJob, ResearchProject]:
    """An export of a project this person owns, or 404."""
    job = await db.get(ExportJob, job_id)
    if job is None:
        raise NotFound(_("No such export."))
    return job, await project_of(db, user, job.project_id)


def budget_of(project: ResearchProject) -> PrivacyBudget:
    return PrivacyBudget(project.budget_total, project.budget_spent)


# ---- tokens ----------------------------------------------------------------------------------


async def create_token(
    db: AsyncSession, actor: User, project: ResearchProject, label: str
) -> str:
    """A new API token for the project; the plain value is shown once and never stored."""
    plain = "kdr_" + new_token()
    row = ProjectToken(project_id=project.id, token_hash=token_hash(plain),
                       label=label.strip()[:80], created_by_id=actor.id)
    db.add(row)
    await db.flush()
    await audit.record(db, "research.token_created", actor_id=actor.id,
                       target_type="research_project", target_id=project.id,
                       detail={"token": row.id, "label": row.label})
    return plain


async def revoke_token(
    db: AsyncSession, actor: User, project: ResearchProject, token_id: int
) -> None:
    row = await db.get(ProjectToken, token_id)
    if row is None or row.project_id != project.id:
        raise LookupError(token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await audit.record(db, "research.token_revoked", actor_id=actor.id,
                           target_type="research_project", target_id=project.id,
                           detail={"token": row.id})


async def project_for_token(db: AsyncSession, plain: str) -> ResearchProject | None:
    """The active project a live token belongs to, or None."""
    row = await db.scalar(select(ProjectToken).where(ProjectToken.token_hash == token_hash(plain)))
    if row is None or row.revoked_at is not None:
        return None
    project = await db.get(ResearchProject, row.project_id)
    if project is None or project.status != "active":
        return None
    return project


# ---- snapshots and exports -------------------------------------------------------------------


async def take_snapshot(db: AsyncSession) -> DataSnapshot:
    """Start a new data snapshot: later exports compute their tables afresh."""
    snapshot = DataSnapshot(taken_at=utcnow())
    db.add(snapshot)
    await db.flush()
    await audit.record(db, "research.snapshot_taken", actor_id=None,
                       target_type="research_snapshot", target_id=snapshot.id)
    return snapshot


async def current_snapshot(db: AsyncSession) -> DataSnapshot:
    """The newest snapshot, or a new one when it is older than a day."""
    latest = await db.scalar(select(DataSnapshot).order_by(DataSnapshot.id.desc()).limit(1))
    if latest is None or utcnow() - latest.taken_at > SNAPSHOT_MAX_AGE:
        return await take_snapshot(db)
    return latest


@dataclass(frozen=True)
class ExportRequest:
    tables: list[str]
    filters: dict[str, Any]
    epsilon: Decimal | None


FilterChoices = dict[str, list[str]]


async def filter_choices(db: AsyncSession, project: ResearchProject) -> FilterChoices:
    """The categories a researcher may filter on: every condition and treatment of the
    vocabularies (and of the fixed category lists of the project's tables).

    The lists come from the vocabularies, not from the data, so offering a category says
    nothing about how many patients it has.
    """
    from outcomes.catalog.models import Condition, Treatment

    choices: FilterChoices = {
        "condition": list(await db.scalars(select(Condition.slug).order_by(Condition.slug))),
        "treatment": list(await db.scalars(select(Treatment.slug).order_by(Treatment.slug))),
    }
    catalogue = available_tables()
    for name in project.tables:
        spec = catalogue.get(name)
        for dimension in FILTER_DIMENSIONS:
            fixed = spec.categories.get(dimension, ()) if spec else ()
            choices[dimension] = sorted({*choices[dimension], *fixed})
    return choices


def parse_export_request(
    project: ResearchProject, tables: list[str], conditions: list[str], treatments: list[str],
    year_from: str | int | None, year_to: str | int | None, epsilon: str | None,
    choices: FilterChoices | None = None,
) -> ExportRequest:
    """Validate what a researcher asked for against the project's tables and the rules.

    With `choices`, filter categories must come from those lists; the message never says
    more than that (nothing about how many patients a category has).
    """
    errors: dict[str, list[str]] = {}
    chosen = sorted(set(tables))
    if not chosen:
        errors["tables"] = [_("Choose at least one table.")]
    elif any(t not in project.tables or t not in available_tables() for t in chosen):
        errors["tables"] = [_("This project may export only the tables it was approved for.")]
    years: dict[str, int | None] = {}
    for name, raw in (("year_from", year_from), ("year_to", year_to)):
        text = str(raw).strip() if raw not in (None, "") else ""
        if text and not (text.isdigit() and 1900 <= int(text) <= 2100):
            errors[name] = [_("Enter a year like 2024.")]
        years[name] = int(text) if text.isdigit() else None
    if years["year_from"] and years["year_to"] and years["year_from"] > years["year_to"]:
        errors["year_to"] = [_("The last year comes after the first.")]
    noise: Decimal | None = None
    if epsilon not in (None, ""):
        try:
            noise = Decimal(str(epsilon).strip())
        except InvalidOperation:
            noise = Decimal(-1)
        if not noise.is_finite() or noise < MIN_EPSILON or noise > MAX_EPSILON:
            noise = None
            errors["epsilon"] = [_("Epsilon is a number from %(min)s to %(max)s.")
                                 % {"min": MIN_EPSILON, "max": MAX_EPSILON}]
    # The form sends comma-separated slugs, the API lists; both may mix.
    clean = [sorted({c.strip() for value in values for c in value.split(",") if c.strip()})[:50]
             for values in (conditions, treatments)]
    if choices is not None:
        for name, categories in zip(FILTER_DIMENSIONS, clean, strict=True):
            if any(c not in choices.get(name, ()) for c in categories):
                errors[name] = [_("Choose from the list.")]
    if errors:
        raise FormErrors(errors)
    filters = {"condition": clean[0], "treatment": clean[1], **years}
    return ExportRequest(chosen, filters, noise)


def _fingerprint(project_id: int, request: ExportRequest, snapshot_id: int) -> str:
    payload = json.dumps([project_id, request.tables, request.filters,
                          epsilon_key(request.epsilon), snapshot_id], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class NothingToRelease(Exception):
    """No table of a request can be released; each table's reason (public information)."""

    def __init__(self, reasons: dict[str, str]) -> None:
        super().__init__("; ".join(f"{t}: {r}" for t, r in reasons.items()))
        self.reasons = reasons


async def unreleasable_tables(db: AsyncSession, request: ExportRequest,
                              snapshot_id: int) -> dict[str, str]:
    """Tables of a request that would be left out, for those whose release is already
    recorded (the others are computed by the worker, and its manifest says)."""
    import asyncio

    catalogue = available_tables()
    reasons: dict[str, str] = {}
    for name in request.tables:
        release = await stored_release(db, catalogue[name], snapshot_id, request.epsilon)
        if release is None:
            continue
        try:
            await asyncio.to_thread(published_table, release, catalogue[name], request.filters)
        except NotReleased as left:
            reasons[name] = left.reason
    return reasons


async def request_export(
    db: AsyncSession, project: ResearchProject, request: ExportRequest, *,
    actor_id: int | None, via: str,
) -> tuple[ExportJob, bool]:
    """Queue an export, charging its noise to the budget; the same request is the same job.

    Returns the job and whether it is new. Raises BudgetExceeded, charging nothing, and
    NothingToRelease when every table is known to have nothing to release.
    """
    snapshot = await current_snapshot(db)
    left_out = await unreleasable_tables(db, request, snapshot.id)
    if len(left_out) == len(request.tables):
        raise NothingToRelease(left_out)
    fingerprint = _fingerprint(project.id, request, snapshot.id)
    existing = await db.scalar(
        select(ExportJob).where(ExportJob.project_id == project.id,
                                ExportJob.fingerprint == fingerprint,
                                ExportJob.status != JobStatus.FAILED)
        .order_by(ExportJob.id.desc()).limit(1)
    )
    # A finished export whose archive expired is built again, from the same stored releases.
    if existing is not None and (existing.status != JobStatus.DONE or downloadable(existing)):
        return existing, False
    job = ExportJob(project_id=project.id, requested_by_id=actor_id, via=via,
                    tables=request.tables, filters=request.filters,
                    epsilon=epsilon_key(request.epsilon), snapshot_id=snapshot.id,
                    fingerprint=fingerprint)
    db.add(job)
    await db.flush()
    if request.epsilon is not None:
        await _charge(db, project, job, request, snapshot.id)
    await audit.record(db, "export.requested", actor_id=actor_id,
                       target_type="research_export", target_id=job.id,
                       detail={"project": project.id, "tables": job.tables,
                               "filters": job.filters, "epsilon": job.epsilon, "via": via})
    return job, True


async def _charge(db: AsyncSession, project: ResearchProject, job: ExportJob,
                  request: ExportRequest, snapshot_id: int) -> None:
    """Charge epsilon once per noised table release the project has not paid for yet."""
    assert request.epsilon is not None
    key = epsilon_key(request.epsilon)
    paid = set(await db.scalars(
        select(BudgetCharge.table_name).where(
            BudgetCharge.project_id == project.id, BudgetCharge.snapshot_id == snapshot_id,
            BudgetCharge.epsilon == key)
    ))
    unpaid = [t for t in request.tables if t not in paid]
    if not unpaid:
        return
    # Lock the project row: two concurrent charges must not both read the same spent total.
    await db.refresh(project, with_for_update=True)
    budget = budget_of(project)
    budget.charge(request.epsilon * len(unpaid))  # raises BudgetExceeded, spending nothing
    project.budget_spent = str(budget.spent)
    for table in unpaid:
        db.add(BudgetCharge(project_id=project.id, table_name=table, snapshot_id=snapshot_id,
                            epsilon=key, job_id=job.id))
    await audit.record(db, "research.budget_charged", actor_id=job.requested_by_id,
                       target_type="research_project", target_id=project.id,
                       detail={"job": job.id, "epsilon": str(request.epsilon * len(unpaid)),
                               "left": str(budget.remaining)})


async def refund_failed_export(db: AsyncSession, job: ExportJob) -> Decimal:
    """Give back the epsilon a job was charged when it failed before releasing anything.

    Nothing left the platform, so nothing was spent; a later export of the same release pays
    for it again. Returns the epsilon refunded.
    """
    charges = list(await db.scalars(select(BudgetCharge).where(BudgetCharge.job_id == job.id)))
    if not charges:
        return Decimal(0)
    project = await db.get_one(ResearchProject, job.project_id, with_for_update=True)
    refund = sum((Decimal(c.epsilon) for c in charges), Decimal(0))
    spent = max(Decimal(project.budget_spent) - refund, Decimal(0))
    project.budget_spent = str(PrivacyBudget(project.budget_total, spent).spent)
    for charge in charges:
        await db.delete(charge)
    await audit.record(db, "research.budget_refunded", actor_id=None,
                       target_type="research_project", target_id=project.id,
                       detail={"job": job.id, "epsilon": str(refund)})
    return refund


# ---- downloads -------------------------------------------------------------------------------


def _signature(settings: Settings, job_id: int, expires: int) -> str:
    message = f"research-export:{job_id}:{expires}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def download_link(settings: Settings, job: ExportJob, *, prefix: str = "/research") -> str:
    """A signed link to the job's archive that stops working after a short while."""
    expires = int((utcnow() + DOWNLOAD_LINK_LIFETIME).timestamp())
    if job.download_expires_at is not None:
        expires = min(expires, int(job.download_expires_at.timestamp()))
    return (f"{prefix}/exports/{job.id}/download?expires={expires}"
            f"&signature={_signature(settings, job.id, expires)}")


def valid_download(settings: Settings, job: ExportJob, expires: str, signature: str) -> bool:
    if not expires.isdigit() or int(expires) < int(utcnow().timestamp()):
        return False
    return hmac.compare_digest(_signature(settings, job.id, int(expires)), signature)


def downloadable(job: ExportJob) -> bool:
    """Done, its archive kept, and not past its expiry."""
    return (job.status == JobStatus.DONE and bool(job.archive_path)
            and (job.download_expires_at is None or job.download_expires_at > utcnow()))


async def download_export(
    db: AsyncSession, job: ExportJob, *, actor_id: int | None, via: str
) -> Path | None:
    """The archive of a finished, unexpired export (audit-logged), or None."""
    if not downloadable(job):
        return None
    path = Path(job.archive_path)
    if not path.is_file():  # noqa: ASYNC240 - one stat of a local file
        return None
    await audit.record(db, "export.downloaded", actor_id=actor_id,
                       target_type="research_export", target_id=job.id,
                       detail={"project": job.project_id, "via": via})
    return path


def archive_name(job: ExportJob) -> str:
    return f"kindred-export-{job.project_id}-{job.id}.zip"


def remaining_budget(project: ResearchProject) -> Decimal:
    return budget_of(project).remaining


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


__all__ = ["BudgetExceeded", "FormErrors"]
