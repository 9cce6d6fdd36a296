"""The moderation domain's routes, composed from its sub-domains."""

from typing import Any

from moderation.education import routes as education_routes
from moderation.queue import routes as queue_routes
from moderation.vetting import routes as vetting_routes

route_handlers: list[Any] = [
    *queue_routes.route_handlers,
    *vetting_routes.route_handlers,
    *education_routes.route_handlers,
]
