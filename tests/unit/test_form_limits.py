"""Every text field of every form tells the browser the server's limit (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NO_LIMIT_NEEDED = {"hidden", "checkbox", "radio", "submit", "button", "date", "number",
                   "file", "month", "time", "range", "color", "image", "reset"}


def test_every_text_input_and_textarea_declares_maxlength() -> None:
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text()
        for match in re.finditer(r"<(input|textarea)\b[^>]*>", source, re.S):
            tag = match.group(0)
            kind = re.search(r'\btype="([^"]+)"', tag)
            if (kind.group(1) if kind else "text") in NO_LIMIT_NEEDED:
                continue
            if "readonly" in tag or "maxlength" in tag:
                continue
            line = source[:match.start()].count("\n") + 1
            missing.append(f"{path.relative_to(TEMPLATES)}:{line} {tag[:80]}")
    assert missing == []
