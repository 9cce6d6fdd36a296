"""Every model of the outcomes domain, imported so the metadata knows them."""

from outcomes.catalog import models as catalog_models
from outcomes.reports import models as reports_models
from outcomes.research import models as research_models
from outcomes.tracking import models as tracking_models
from outcomes.treatments import models as treatments_models

__all__ = ["catalog_models", "reports_models", "research_models", "tracking_models",
           "treatments_models"]
