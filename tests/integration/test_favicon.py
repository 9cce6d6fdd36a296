"""Every page names its icon, and the icon is served: without one, each browser asks for
/favicon.ico on its first page and logs the 404 in the console."""

from __future__ import annotations

import re

from tests.helpers import Visitor


def test_the_page_names_an_icon_the_site_serves(visitor: Visitor) -> None:
    page = visitor.get("/")
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.text)
    assert found, "the layout names no icon"
    icon = visitor.get(found.group(1))
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
