"""The colour tokens of static/kindred.css meet WCAG 2.2 AA where they are used: text 4.5:1
on its background (1.4.3), control borders and the focus ring 3:1 on paper (1.4.11). The
ratios are computed from the CSS variables themselves, so changing a colour re-checks it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "kindred.css"

# (foreground, background): every pairing of tokens the stylesheet uses for text.
TEXT_PAIRS = [
    ("ink", "paper"), ("ink", "soft"), ("ink", "accent-soft"), ("ink", "highlight"),
    ("muted", "paper"), ("muted", "soft"),
    ("accent", "paper"), ("accent", "soft"), ("accent", "accent-soft"),
    ("accent-hover", "paper"), ("accent-hover", "accent-soft"),
    ("accent-ink", "accent"), ("accent-ink", "accent-hover"),
    ("paper", "bad"), ("paper", "bad-hover"),
    ("ok", "paper"), ("ok", "ok-soft"),
    ("warn", "paper"), ("warn", "warn-soft"),
    ("bad", "paper"), ("bad", "bad-soft"),
]
# Non-text contrast against the page: what shows where a control is, and where focus is.
NON_TEXT_PAIRS = [("control-border", "paper"), ("control-border", "soft"),
                  ("focus", "paper"), ("focus", "soft"), ("accent", "paper")]


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", STYLESHEET.read_text(), re.S)
    assert root, "kindred.css has no :root block"
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\b", root.group(1)))


def luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_ratio_is_computed_as_wcag_defines_it() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1)


@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS)
def test_text_colours_meet_aa(foreground: str, background: str) -> None:
    colours = tokens()
    ratio = contrast(colours[foreground], colours[background])
    assert ratio >= 4.5, f"--{foreground} on --{background}: {ratio:.2f}:1, AA needs 4.5:1"


@pytest.mark.parametrize(("foreground", "background"), NON_TEXT_PAIRS)
def test_controls_and_focus_stand_out(foreground: str, background: str) -> None:
    colours = tokens()
    ratio = contrast(colours[foreground], colours[background])
    assert ratio >= 3, f"--{foreground} on --{background}: {ratio:.2f}:1, needs 3:1"


def test_no_colour_outside_the_tokens_in_the_rules() -> None:
    """Rules use the tokens; a hexadecimal colour appears only where a token is defined."""
    sheet = STYLESHEET.read_text()
    rules = re.sub(r":root\s*{.*?}", "", sheet, count=1, flags=re.S)
    rules = re.sub(r"/\*.*?\*/", "", rules, flags=re.S)
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b", rules) == []
