"""The outcomes domain's routes, composed from its sub-domains."""

from typing import Any

from outcomes.catalog import routes as catalog_routes
from outcomes.reports import routes as reports_routes
from outcomes.tracking import routes as tracking_routes
from outcomes.treatments import routes as treatments_routes

route_handlers: list[Any] = [
    *catalog_routes.route_handlers,
    *treatments_routes.route_handlers,
    *tracking_routes.route_handlers,
    *reports_routes.route_handlers,
]
