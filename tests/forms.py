"""The forms of a rendered page, read as a browser would submit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    maxlength: int | None = None
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def values(self, **overrides: str) -> dict[str, str]:
        """What submitting the form unchanged sends (last value of a name wins), with
        `overrides`."""
        data: dict[str, str] = {}
        for item in self.fields:
            if item.kind in {"submit", "button", "file", "image", "reset"}:
                continue
            if item.kind in {"checkbox", "radio"} and not item.checked:
                if item.kind == "radio" and item.name not in data:
                    data[item.name] = item.value  # pick the first choice
                continue
            if item.kind == "select":
                data[item.name] = item.value or (item.options[0] if item.options else "")
                continue
            data[item.name] = item.value
        data.update(overrides)
        return data

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields
                if f.kind in {"text", "textarea", "search", "email", "url", "tel", ""}
                and not f.name.startswith("_")]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._option_selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or tag not in {"input", "textarea", "select", "option", "button"}:
            return
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input" and a.get("name"):
            self._form.fields.append(Field(a["name"], a.get("type", "text").lower(),
                                           a.get("value", ""), maxlength,
                                           checked="checked" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "", maxlength)
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            self._option_selected = "selected" in a
            if self._option is not None:
                self._add_option(self._option)

    def _add_option(self, value: str) -> None:
        assert self._select is not None
        self._select.options.append(value)
        if self._option_selected:
            self._select.value = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._select is not None and self._option is None and data.strip() \
                and self._option_selected is not None and self.lasttag == "option":
            self._option = data.strip()
            self._add_option(self._option)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
            self._option_selected = False


def forms_of(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, action: str) -> Form:
    for form in forms_of(html):
        if form.method == "post" and form.action == action:
            return form
    raise AssertionError(f"no form posting to {action}: "
                         f"{[f.action for f in forms_of(html)]}")
