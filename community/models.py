"""Every model of the core, imported so the metadata knows them."""

from community.accounts.models import EmailToken, RateCounter, Role, User, UserRole, UserSession
from community.audit import AuditEntry, AuditHead
from community.communities import models as communities_models
from community.messages import models as messages_models
from community.notifications import models as notifications_models
from community.profiles import models as profiles_models

__all__ = [
    "AuditEntry", "AuditHead", "EmailToken", "RateCounter", "Role", "User", "UserRole",
    "UserSession", "communities_models", "messages_models", "notifications_models",
    "profiles_models",
]
