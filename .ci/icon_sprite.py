"""Build static/icons/sprite.svg from an unpacked lucide-static package (see
static/icons/README.md): `python .ci/icon_sprite.py PATH/TO/package`.

Each icon becomes a <symbol id="NAME"> holding the original paths unchanged; the stroke
settings sit on the symbol and in kindred.css (`.icon`)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ICONS_DIR = Path(__file__).resolve().parents[1] / "static" / "icons"
# Our name -> Lucide's name. Few, on purpose: navigation, reactions, notifications, empty states.
ICONS = {
    "users": "users", "message": "message-square", "bell": "bell", "book": "book-open",
    "help": "circle-help", "shield": "shield-check", "badge-check": "badge-check",
    "list": "list-checks", "chart": "chart-line", "heart": "heart", "thumbs-up": "thumbs-up",
    "search": "search", "menu": "menu", "inbox": "inbox", "plus": "plus", "pill": "pill",
    "check": "check",
}


def symbol(name: str, source: str) -> str:
    body = re.search(r"<svg[^>]*>(.*)</svg>", source, re.S)
    if body is None:
        raise SystemExit(f"{name}: not an SVG")
    shapes = " ".join(line.strip() for line in body.group(1).strip().splitlines())
    return f'  <symbol id="{name}" viewBox="0 0 24 24">{shapes}</symbol>'


def main(package: Path) -> None:
    version = json.loads((package / "package.json").read_text())["version"]
    symbols = [symbol(ours, (package / "icons" / f"{theirs}.svg").read_text())
               for ours, theirs in sorted(ICONS.items())]
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    (ICONS_DIR / "sprite.svg").write_text(
        f"<!-- Lucide {version} (lucide-static, ISC licence: LICENSE.txt beside this file) -->\n"
        '<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">\n'
        + "\n".join(symbols) + "\n</svg>\n")
    (ICONS_DIR / "LICENSE.txt").write_text((package / "LICENSE").read_text())
    print(f"{len(symbols)} icons from lucide-static {version}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
