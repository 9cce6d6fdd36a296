"""Markdown rendering and sanitizing: the allow-list, links, images, limits."""

from __future__ import annotations

import pytest

from community.markdown import MarkdownRefused, render_markdown, validate_markdown


def test_allowed_markup_survives() -> None:
    html = render_markdown("**bold** *em* `code`\n\n> quote\n\n- a\n- b\n\n1. one\n\n---\n\n### h")
    for tag in ("<strong>", "<em>", "<code>", "<blockquote>", "<ul>", "<ol>", "<li>", "<hr",
                "<h3>"):
        assert tag in html, tag


def test_headings_are_shifted_below_the_page_title() -> None:
    assert "<h3>Big</h3>" in render_markdown("# Big")
    assert "<h1>" not in render_markdown("# Big") and "<h2>" not in render_markdown("## Mid")


def test_links_get_rel_and_only_safe_schemes() -> None:
    html = render_markdown("[ok](https://example.org) [mail](mailto:a@example.org) "
                           "[bad](javascript:alert(1)) [data](data:text/html,x)")
    assert 'href="https://example.org" rel="nofollow ugc noopener"' in html
    assert 'href="mailto:a@example.org"' in html
    assert "javascript:" not in html.split("[bad]")[0] or 'href="javascript' not in html
    assert 'href="javascript' not in html and 'href="data' not in html


def test_raw_html_and_images_never_pass() -> None:
    html = render_markdown('<script>alert(1)</script> <img src=x onerror=1> '
                           '![pixel](https://evil.example/p.png)')
    assert "<script" not in html and "<img" not in html and "onerror=" not in html.replace(
        "onerror=1", "")
    assert "&lt;script&gt;" in html


def test_validation_refuses_oversize_and_deep_nesting() -> None:
    for hostile in (">" * 10_000, "> " * 5_000, "- " * 5_000, "1. " * 3_000,
                    "\n".join("  " * i + "- x" for i in range(300))):
        with pytest.raises(MarkdownRefused):
            validate_markdown(hostile)
    with pytest.raises(MarkdownRefused, match="too long"):
        validate_markdown("a" * 20_001)
    with pytest.raises(MarkdownRefused):
        validate_markdown("  \n ")
    assert validate_markdown("> > quoted twice\r\n- and a list\x00") == (
        "> > quoted twice\n- and a list")


def test_pathological_inline_input_renders() -> None:
    for text in ("[" * 10_000, "*a" * 10_000, "`" * 10_000, "<" * 10_000, "_" * 20_000):
        assert render_markdown(validate_markdown(text)).startswith("<")
