"""Research's blocks on the signed-in home: a researcher's projects, the applications an
administrator has to decide."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role
from community.home import BLOCK_ROWS, HomeBlock, HomeContext, HomeItem
from community.i18n import gettext as _
from outcomes.research.labels import research_status_label
from outcomes.research.models import ApplicationStatus, ResearchApplication, ResearchProject


async def my_projects(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """A researcher's projects, newest first."""
    user = home.user
    if not user.has_role(Role.RESEARCHER):
        return None
    rows = (await db.execute(
        select(ResearchProject.id, ResearchProject.title, ResearchProject.status)
        .where(ResearchProject.owner_id == user.id)
        .order_by(ResearchProject.id.desc()).limit(BLOCK_ROWS)
    )).all()
    items = [HomeItem(title, f"/research/projects/{project_id}", research_status_label(status))
             for project_id, title, status in rows]
    return HomeBlock("projects", _("Your research projects"), "/research",
                     _("Research home"), items,
                     empty=_("You have no approved project yet. Apply from the research page."),
                     order=3, icon="chart")


async def research_applications(db: AsyncSession, home: HomeContext) -> HomeBlock | None:
    """Research applications waiting for an administrator, each one click from its decision."""
    if not home.user.has_role(Role.ADMIN):
        return None
    rows = (await db.execute(
        select(ResearchApplication.id, ResearchApplication.project_title,
               ResearchApplication.institution, ResearchApplication.created_at,
               func.count().over())
        .where(ResearchApplication.status == ApplicationStatus.PENDING)
        .order_by(ResearchApplication.id).limit(BLOCK_ROWS)
    )).all()
    items = [HomeItem(title, f"/admin/research#application-{application_id}", institution,
                      when=created)
             for application_id, title, institution, created, _total in rows]
    return HomeBlock(
        "research_applications", _("Research applications waiting"), "/admin/research",
        _("All research applications"), items,
        empty=_("No research application is waiting."),
        total=rows[0][4] if rows else 0, order=6, icon="badge-check")


HOME_BLOCKS = (my_projects, research_applications)
