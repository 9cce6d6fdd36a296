"""Which addresses the site may send a person to: its own paths, never another site."""

from __future__ import annotations


def same_site_path(path: str | None) -> bool:
    """A path on this site: "/threads/7", not "//evil.example", "/\\evil.example" (which
    browsers read as another host) or "https://…"."""
    if not path:
        return False
    return path.startswith("/") and not path.startswith("//") and "\\" not in path
