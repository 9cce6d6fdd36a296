"""Checking the translation catalogues against the extracted template.

`make messages` extracts every marked string into community/locale/kindred.pot, merges it
into each language's catalogue (new strings arrive untranslated, changed ones fuzzy), then
runs `python -m community.catalogues`, which lists what a translator still has to do and
exits 1 while anything is left. The tests call `problems` for the same check.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from community.i18n import DEFAULT_LOCALE, DOMAIN, LANGUAGES, LOCALE_DIR, catalogue_paths

TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
ROOT = LOCALE_DIR.parent.parent
MAPPING = ROOT / "babel.cfg"
KEYWORDS = DEFAULT_KEYWORDS


@dataclass(frozen=True)
class Problem:
    locale: str
    kind: str  # "missing", "untranslated", "fuzzy", "plural forms", "format"
    msgid: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.kind}: {self.msgid!r}"


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale, domain=DOMAIN)


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def problems(locale: str, template: Path = TEMPLATE) -> list[Problem]:
    """Every entry of the template that `locale`'s catalogue lacks, leaves empty or marks
    fuzzy, and every translation that drops or adds a %-placeholder."""
    po_path, _mo = catalogue_paths(locale)
    if not po_path.exists():
        return [Problem(locale, "missing", str(po_path))]
    source = read_catalogue(template)
    catalogue = read_catalogue(po_path, locale)
    found: list[Problem] = []
    for message in source:
        if not message.id:
            continue
        entry = catalogue.get(message.id, message.context)
        key = _key(message)
        if entry is None:
            found.append(Problem(locale, "missing", key))
            continue
        if entry.fuzzy:
            found.append(Problem(locale, "fuzzy", key))
            continue
        translated = _strings(entry.string)
        if not translated or any(not text for text in translated):
            found.append(Problem(locale, "untranslated", key))
            continue
        if message.pluralizable and len(translated) != catalogue.num_plurals:
            found.append(Problem(locale, "plural forms", key))
        for error in entry.check(catalogue):
            found.append(Problem(locale, f"format ({error})", key))
    return found


def extracted() -> Catalog:
    """Every marked string of the source tree now, as `make messages` extracts it."""
    with MAPPING.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    catalog = Catalog(domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=_source_folder,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def _source_folder(path: str) -> bool:
    relative = Path(path).relative_to(ROOT).parts
    return not relative or relative[0] in {"community", "outcomes", "moderation", "templates"}


def main(argv: list[str] | None = None) -> int:
    locales = (argv or sys.argv[1:]) or [code for code in LANGUAGES if code != DEFAULT_LOCALE]
    found = [problem for locale in locales for problem in problems(locale)]
    for problem in found:
        print(problem)
    total = sum(1 for message in read_catalogue(TEMPLATE) if message.id)
    for locale in locales:
        left = sum(1 for p in found if p.locale == locale)
        print(f"{locale}: {total - left} of {total} entries translated, {left} to do")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
