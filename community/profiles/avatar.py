"""Identicons: a deterministic picture per username, so nobody uploads a photo of themselves."""

from __future__ import annotations

import colorsys
import hashlib

GRID = 5
CELL = 10
PADDING = 5


def identicon_svg(username: str) -> str:
    """A symmetric 5x5 SVG identicon; the same username (any case) always gives the same picture."""
    digest = hashlib.sha256(username.strip().lower().encode()).digest()
    hue = digest[0] / 255
    red, green, blue = colorsys.hls_to_rgb(hue, 0.45, 0.55)
    colour = f"#{int(red * 255):02x}{int(green * 255):02x}{int(blue * 255):02x}"
    size = GRID * CELL + 2 * PADDING
    cells = []
    half = (GRID + 1) // 2
    for row in range(GRID):
        for column in range(half):
            if digest[1 + row * half + column] % 2 == 0:
                continue
            for x in sorted({column, GRID - 1 - column}):
                cells.append(
                    f'<rect x="{PADDING + x * CELL}" y="{PADDING + row * CELL}" '
                    f'width="{CELL}" height="{CELL}"/>'
                )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img">'
        f'<rect width="{size}" height="{size}" fill="#f3f1ec"/>'
        f'<g fill="{colour}">{"".join(cells)}</g></svg>'
    )
