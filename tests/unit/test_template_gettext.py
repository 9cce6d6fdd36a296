"""Templates translate with one call per string, and still escape what they interpolate."""

from __future__ import annotations

from community.i18n import template_gettext, template_ngettext
from community.web import build_environment


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
