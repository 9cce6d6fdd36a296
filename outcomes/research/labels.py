"""What researchers and administrators read for the research domain's stored states."""

from __future__ import annotations

from typing import Any

from community.i18n import gettext as _


def research_status_label(status: str) -> str:
    """An application's, project's or export's state in the reader's language (the stored
    key when it is unknown)."""
    return {
        "pending": _("waiting for a decision"), "approved": _("approved"),
        "rejected": _("rejected"), "active": _("active"), "queued": _("queued"),
        "running": _("being built"), "done": _("ready"), "failed": _("failed"),
    }.get(status, status)


def install_template_globals(env: Any) -> None:
    env.globals["research_status_label"] = research_status_label
