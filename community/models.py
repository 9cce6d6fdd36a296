"""Every model of the core, imported so the metadata knows them."""

from community.accounts.models import EmailToken, RateCounter, Role, User, UserRole, UserSession
from community.audit import AuditEntry, AuditHead

__all__ = [
    "AuditEntry", "AuditHead", "EmailToken", "RateCounter", "Role", "User", "UserRole",
    "UserSession",
]
