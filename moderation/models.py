"""Every model of the moderation domain, imported so the metadata knows them."""

from moderation.education import models as education_models
from moderation.queue import models as queue_models
from moderation.vetting import models as vetting_models

__all__ = ["education_models", "queue_models", "vetting_models"]
