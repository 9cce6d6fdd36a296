"""Demo research: consenting patients, an approved project with a queued export, and a
researcher application waiting for the admin.

Everything after the consent rows goes through the research services a person would use
(`apply_for_project`, `approve_project`, `parse_export_request`, `request_export`); the
export itself is built after the demo's transaction commits (`run_demo_exports`), by the
same worker code the server runs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.db import utcnow
from community.demo import DemoPerson, bulk_insert
from community.runtime import Runtime
from outcomes.research.models import ConsentRecord
from outcomes.research.services import (
    CONSENT_VERSION,
    DUA_VERSION,
    apply_for_project,
    approve_project,
    parse_export_request,
    request_export,
    take_snapshot,
)
from outcomes.research.tables import available_tables

CONSENT_SHARE = 0.45

PROJECT = {
    "full_name": "Dr Maria Lopez",
    "institution": "Northfield University, School of Public Health",
    "project_title": "Patient-reported outcomes of first-line treatments in chronic conditions",
    "purpose": "We compare how patients rate the effectiveness, side effects and burden of "
               "first-line treatments across chronic conditions, using de-identified "
               "aggregate tables only, to inform patient information leaflets.",
    "ethics_reference": "NU-REC-2026-114",
}
APPLICATION = {
    "full_name": "Dr Amal Haddad",
    "institution": "Riverside Institute for Health Research",
    "project_title": "Symptom burden and questionnaire scores in mood disorders",
    "purpose": "A descriptive study of symptom severity and PHQ-9 and GAD-7 score bands in "
               "people living with depression and bipolar disorder, by age band and sex.",
    "ethics_reference": "RIHR-2026-031",
}


async def _person(db: AsyncSession, staff: dict[str, DemoPerson], name: str) -> User | None:
    person = staff.get(name)
    return None if person is None else await db.get(User, person.id)


async def load(session: AsyncSession, *, people: Sequence[DemoPerson],
               staff: dict[str, DemoPerson], seed: int, **_: Any) -> str:
    rng = random.Random(f"research:{seed}")
    now = utcnow()
    consents = [{"user_id": p.id, "version": CONSENT_VERSION, "granted": True,
                 "at": now - timedelta(days=rng.randint(2, 300), minutes=rng.randint(0, 1439))}
                for p in people if rng.random() < CONSENT_SHARE]
    await bulk_insert(session, ConsentRecord, consents)
    admin = await _person(session, staff, "admin")
    researcher = await _person(session, staff, "researcher_demo")
    applicant = await _person(session, staff, "researcher_applicant")
    if admin is None or researcher is None:
        return f"research: {len(consents)} consenting patients"
    tables = sorted(available_tables())
    dua = {"dua_version": DUA_VERSION, "accept_dua": "1"}
    application = await apply_for_project(session, researcher, {**PROJECT, **dua}, tables)
    project = await approve_project(session, admin, application.id)
    await take_snapshot(session)
    request = parse_export_request(project, tables, [], [], None, None, None)
    await request_export(session, project, request, actor_id=researcher.id, via="web")
    if applicant is not None:
        await apply_for_project(session, applicant, {**APPLICATION, **dua},
                                ["patients", "questionnaire_bands"]
                                if {"patients", "questionnaire_bands"} <= set(tables)
                                else tables[:2])
    return (f"research: {len(consents)} consenting patients, project {project.id} approved "
            f"with an export queued, 1 application waiting")


async def run_demo_exports(runtime: Runtime) -> str:
    """Build the queued demo exports now, as the worker would (after the demo committed)."""
    from outcomes.research.worker import run_pending_jobs

    ran = await run_pending_jobs(runtime)
    return f"research: {ran} export(s) built"

