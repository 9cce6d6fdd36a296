"""Templates translate with one call per string, and still escape what they interpolate;
every user-facing string is marked for translation, and every marked string is translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from community import catalogues, i18n
from community.i18n import LANGUAGES, template_gettext, template_ngettext
from community.web import TEMPLATE_DIR, build_environment


def test_templates_call_the_one_layer_functions() -> None:
    env = build_environment()
    assert env.globals["_"] is template_gettext
    assert env.globals["gettext"] is template_gettext
    assert env.globals["ngettext"] is template_ngettext


def test_interpolated_values_are_escaped_and_the_catalogue_text_is_not() -> None:
    env = build_environment()
    page = env.from_string('{{ _("Hello %(name)s & welcome", name=who) }}').render(
        who="<script>x</script>")
    assert page == "Hello &lt;script&gt;x&lt;/script&gt; & welcome"
    plural = env.from_string('{{ ngettext("%(num)d <b>reply</b>", "%(num)d replies", n) }}')
    assert plural.render(n=1) == "1 <b>reply</b>"
    assert plural.render(n=3) == "3 replies"
    assert env.from_string('{{ _("100%% sure, %(x)s", x=v) }}').render(v="<i>") == (
        "100% sure, &lt;i&gt;")


def test_without_autoescaping_the_text_is_left_as_it_is() -> None:
    env = build_environment()
    raw = env.from_string(
        '{% autoescape false %}{{ _("Hi %(name)s", name=who) }}{% endautoescape %}')
    assert raw.render(who="<b>") == "Hi <b>"


def test_trans_blocks_still_work() -> None:
    env = build_environment()
    page = env.from_string("{% trans name=who %}Dear {{ name }}{% endtrans %}").render(who="<b>")
    assert page == "Dear &lt;b&gt;"


# ---- every user-facing string is marked, and every marked string is translated ---------------

JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
HTML_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
READABLE_ATTRIBUTE = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"')
WORD = re.compile(r"[^\W\d_]{2,}")
# Names that are the same in every language.
NOT_WORDS = {"Kindred", "UTC"}


def unmarked_texts(source: str) -> list[str]:
    """Text a reader sees in a template that is not inside a `{{ _(...) }}` (or any other
    Jinja expression): raw words between tags, and words in readable attributes."""
    text = JINJA_CODE.sub("\0", JINJA_COMMENT.sub("", source))
    found = [m.group(1) for m in READABLE_ATTRIBUTE.finditer(text)
             if set(WORD.findall(m.group(1))) - NOT_WORDS]
    visible = re.sub(r"&\w+;", " ", HTML_TAG.sub("\0", text))
    for chunk in re.split(r"[\0\n]", visible):
        if set(WORD.findall(chunk)) - NOT_WORDS:
            found.append(chunk.strip())
    return found


def test_the_template_check_finds_unmarked_text() -> None:
    assert unmarked_texts('<p>{{ _("Marked") }}</p><a href="/x" title="{{ _(\'T\') }}">·</a>') == []
    assert unmarked_texts("<h1>Welcome back</h1>") == ["Welcome back"]
    assert unmarked_texts('<input placeholder="Search posts">') == ["Search posts"]
    assert unmarked_texts("<p>{{ name }} replied</p>") == ["replied"]
    assert unmarked_texts("{# a note to developers #}<p>{{ n }} · 3</p>") == []


def test_every_template_marks_its_text_for_translation() -> None:
    unmarked = {
        str(path.relative_to(TEMPLATE_DIR)): texts
        for path in sorted(TEMPLATE_DIR.rglob("*.html"))
        if (texts := unmarked_texts(path.read_text()))
    }
    assert unmarked == {}, "wrap these in {{ _(...) }}"


ERROR_CALLS = ("Exception", "FormErrors")


def unmarked_route_strings(source: str) -> list[str]:
    """Literal sentences a route shows a person without gettext: an exception's detail or
    message, and a rendered context's text values."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", "")
        candidates = [kw.value for kw in node.keywords if kw.arg in ("detail", "message")]
        if name.endswith(ERROR_CALLS):
            candidates += node.args[:1]
        if name in ("render", "render_fragment") and len(node.args) > 2:
            context = node.args[2]
            if isinstance(context, ast.Dict):
                candidates += list(context.values)
        for value in candidates:
            if isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and isinstance(value.value, str)
                and len(WORD.findall(value.value)) >= 2
            ):
                found.append(ast.unparse(value))
    return found


def test_the_route_check_finds_unmarked_sentences() -> None:
    assert unmarked_route_strings('raise NotFoundException(detail=_("No such post."))') == []
    assert unmarked_route_strings('raise NotFoundException(detail="No such post.")') == [
        "'No such post.'"]
    assert unmarked_route_strings('raise PermissionDeniedException(f"Not {x}")') == ["f'Not {x}'"]
    assert unmarked_route_strings('render(r, "t.html", {"error": "Wrong password"})') == [
        "'Wrong password'"]
    assert unmarked_route_strings('render(r, "t.html", {"kind": "discussion"})') == []


def test_every_route_marks_what_it_shows() -> None:
    root = TEMPLATE_DIR.parent
    routes = [*root.glob("*/**/routes.py"), root / "community" / "web.py"]
    assert len(routes) > 10
    unmarked = {str(path.relative_to(root)): texts for path in sorted(routes)
                if (texts := unmarked_route_strings(path.read_text()))}
    assert unmarked == {}, "wrap these in _(...)"


def test_every_marked_string_has_a_finished_translation() -> None:
    """Fails when a string is marked but `make messages` was not run, or when the Russian
    catalogue leaves an entry missing, empty, fuzzy or with other placeholders."""
    marked = {m.id for m in catalogues.extracted() if m.id}
    template = {m.id for m in catalogues.read_catalogue(catalogues.TEMPLATE) if m.id}
    assert marked - template == set(), "run `make messages`: these are not in kindred.pot"
    for locale in LANGUAGES:
        if locale != "en":
            assert [str(p) for p in catalogues.problems(locale)] == []


def test_the_catalogue_check_reports_missing_fuzzy_and_broken_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = tmp_path / "kindred.pot"
    template.write_text(
        'msgid "Hello"\nmsgstr ""\n\nmsgid "Bye"\nmsgstr ""\n\n'
        'msgid "%(name)s left"\nmsgstr ""\n\nmsgid "New"\nmsgstr ""\n\n'
        'msgid "%(num)d reply"\nmsgid_plural "%(num)d replies"\nmsgstr[0] ""\nmsgstr[1] ""\n')
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "kindred.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ru\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && '
        '(n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n'
        'msgid "Hello"\nmsgstr "Здравствуйте"\n\n'
        '#, fuzzy\nmsgid "Bye"\nmsgstr "Пока"\n\n'
        'msgid "%(name)s left"\nmsgstr "%(who)s ушёл"\n\n'
        'msgid "%(num)d reply"\nmsgid_plural "%(num)d replies"\n'
        'msgstr[0] "%(num)d ответ"\nmsgstr[1] "%(num)d ответа"\nmsgstr[2] ""\n',
        encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    kinds = {(p.kind.split(" ")[0], p.msgid) for p in catalogues.problems("ru", template)}
    assert kinds == {("fuzzy", "Bye"), ("format", "%(name)s left"), ("missing", "New"),
                     ("untranslated", "%(num)d reply")}
