"""Who may see, write and review education articles: every rule once."""

from __future__ import annotations

from community.accounts.models import Role, User
from moderation.education.models import Article


def can_write(user: User | None, is_verified: bool) -> bool:
    return user is not None and is_verified


def can_edit(user: User | None, article: Article) -> bool:
    return user is not None and user.id == article.author_id


def can_see_working(user: User | None, article: Article) -> bool:
    """Drafts and submissions: their author, reviewers (clinicians) and staff."""
    if user is None:
        return False
    return user.id == article.author_id or user.has_role(Role.CLINICIAN, Role.MODERATOR, Role.ADMIN)


def can_review(user: User | None, article: Article, is_verified: bool) -> bool:
    """A different verified clinician, or a moderator/admin; never the author."""
    if user is None or user.id == article.author_id:
        return False
    return user.is_staff or (user.has_role(Role.CLINICIAN) and is_verified)
