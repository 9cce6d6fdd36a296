"""Routes of this domain; app.py composes them."""

from typing import Any

route_handlers: list[Any] = []
