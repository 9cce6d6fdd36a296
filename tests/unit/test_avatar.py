"""Identicons: deterministic, symmetric, distinct, and free of anything the user typed."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from community.profiles.avatar import CELL, GRID, PADDING, identicon_svg

SVG = "{http://www.w3.org/2000/svg}"


def cells(svg: str) -> set[tuple[int, int]]:
    root = ElementTree.fromstring(svg)
    group = root.find(f"{SVG}g")
    assert group is not None
    return {((int(r.get("x", "")) - PADDING) // CELL, (int(r.get("y", "")) - PADDING) // CELL)
            for r in group.findall(f"{SVG}rect")}


def test_same_name_same_picture_regardless_of_case() -> None:
    assert identicon_svg("quiet_heron") == identicon_svg("Quiet_Heron")


def test_different_names_give_different_pictures() -> None:
    names = [f"member_{n}" for n in range(200)]
    assert len({identicon_svg(n) for n in names}) == len(names)


def test_picture_is_mirrored_left_to_right() -> None:
    for name in ("a", "brave_lark", "x" * 32):
        drawn = cells(identicon_svg(name))
        assert drawn == {(GRID - 1 - x, y) for x, y in drawn}
        assert all(0 <= x < GRID and 0 <= y < GRID for x, y in drawn)


def test_svg_is_well_formed_and_carries_no_text_or_script() -> None:
    svg = identicon_svg("<script>alert(1)</script>")
    ElementTree.fromstring(svg)
    assert "script" not in svg and "alert" not in svg
    assert re.fullmatch(r"[#0-9a-z\"=<>/ .:]+", svg.lower().replace("-", ""))
