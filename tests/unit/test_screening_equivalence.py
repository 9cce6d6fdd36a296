"""Screening and Markdown give exactly what they gave before they were made cheaper.

Every corpus text the team may read (`regression.jsonl`, `tune.jsonl`, the `corpus/b*.jsonl`
batches; never the frozen sets, `holdout.jsonl` nor `fresh*.jsonl`) and a set of generated
edge cases go through the screening pipeline and through the Markdown renderer. The result
of each (the verdict with its spans, the model's probabilities to the last bit; the sanitised
HTML byte for byte) is compared with what was recorded in
`tests/data/screening/equivalence/` before the optimisation: the first 40 bits of a SHA-256
digest per corpus text (`*.tsv`: a changed text slips through one time in 10**12), the
whole record per generated case (`*-edge.jsonl`, readable in review).

A rule, a threshold or the model changed on purpose changes these records too: record them
again, and say so in the commit, with
`python -m tests.unit.test_screening_equivalence --record`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from community.markdown import render_markdown
from moderation.screening import screen
from moderation.screening.model import load_model

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
EXPECTED = DATA / "equivalence"
SCREENING = "screening"
MARKDOWN = "markdown"
DIGEST_HEX = 10
# The training and regression texts only: the evaluation sets are never read.
CORPUS_FILES = (DATA / "regression.jsonl", DATA / "tune.jsonl",
                *sorted((DATA / "corpus").glob("b*.jsonl")))
ROLES_AND_VENUES = (("patient", "discussion"), ("clinician", "education"),
                    ("patient", "profile"), ("caregiver", "message"))

Case = tuple[str, str, str, str]  # (id, text, author role, venue)


def _corpus() -> Iterator[dict[str, str]]:
    """The corpus items, each with `case`: its file and id (the regression set repeats ids)."""
    for path in CORPUS_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                item["case"] = f"{path.stem}:{item['id']}"
                yield item


def _edge_texts() -> dict[str, str]:
    """Texts the corpus lacks: empty and blank, odd Unicode, very long, Markdown."""
    sentences = [item["text"] for item in _corpus()][:400]
    long_text = "\n".join(sentences)
    return {
        "empty": "",
        "blank": " \n\t \u00a0",
        "one-letter": "a",
        "punctuation": "!!! ??? ... ---",
        "emoji": "😭😭 🙌🏽 help 🆘 🏳️‍🌈",
        "combining": "e\u0301 a\u0308 ñ vs n\u0303, Zürich, Ǆ ǅ ǆ",
        "dotted-capital-i": "İstanbul İLAÇ ilaç KİŞİ",
        "sharp-s-and-ligatures": "STRASSE Straße ﬁne ﬂu ǈ",
        "zero-width": "kill\u200bmyself sui\u200dcide call\u200c911",
        "odd-spaces": "i\u2028want\u2029to\x1cdie\x1d\x1e\x1f now\u3000please\u205f",
        "tabs-and-crlf": "my son\tis 4\r\nshould i\r\ngive him 500mg tylenol?\r\n",
        "mixed-scripts": "мой сын has fever 39.5, что делать? should I go to ER?",
        "right-to-left": "أريد أن أموت עזרה please help",
        "cjk": "我想死 助けて 도와주세요",
        "control": "\x00\x01\x02hello\x03\x7f",
        "digits": "call me 555 123 4567 or +44 20 7946 0958, MRN 12345678, dob 01/02/1990",
        "email-obfuscated": "write to jane dot doe at gmail dot com or j.doe(at)mail.ru",
        "promotion": "use code SAVE20 for 20% off at https://example.shop/?ref=me 💊",
        "long-word": "a" * 3000,
        "long-repeat": "help " * 2000,
        "long-corpus": long_text[:20_000],
        "markdown": "# Title\n\n> quoted **bold** [link](https://example.org)\n\n- a\n  - b\n"
                    "\n```\ncode block\n```\n\n<script>alert(1)</script>",
    }


def screening_cases() -> list[Case]:
    """Each corpus text as written, every fifth again as a clinician's article, and every
    edge case in four roles and venues."""
    cases: list[Case] = []
    for n, item in enumerate(_corpus()):
        cases.append((item["case"], item["text"], item["author_role"], item["venue"]))
        if n % 5 == 0:
            cases.append((f"{item['case']}:clinician", item["text"], "clinician", "education"))
    for name, text in _edge_texts().items():
        for role, venue in ROLES_AND_VENUES:
            cases.append((f"edge:{name}:{role}:{venue}", text, role, venue))
    return cases


def screening_record(text: str, role: str, venue: str) -> str:
    """Everything the pipeline decides for one text, floats to the bit (hex)."""
    verdict = screen(text, author_role=role, venue=venue)
    model = load_model()
    probabilities = ({} if model is None or not text.strip()
                     else model.probabilities(text, role, venue))
    return json.dumps({
        "labels": [label.value for label in verdict.labels],
        "action": verdict.action.value,
        "also": verdict.also.value if verdict.also else None,
        "urgent_possible": verdict.urgent_possible,
        "spans": [[span.start, span.end, span.kind] for span in verdict.spans],
        "probabilities": {label: p.hex() for label, p in probabilities.items()},
    }, ensure_ascii=False, sort_keys=True)


def markdown_edge_texts() -> dict[str, str]:
    """Markdown the corpus lacks: every construct, the refused ones and hostile input."""
    return {
        "empty": "",
        "paragraphs": "one\ntwo\n\nthree  \nfour\\\nfive",
        "emphasis": "*a* _b_ **c** __d__ ***e*** *nested **strong** in em* ~~strike~~ a*b*c",
        "headings": "# h1\n## h2\n### h3\n#### h4\n##### h5\n###### h6\n####### seven\n"
                    "Setext one\n===\nSetext two\n---",
        "links": "[a](https://example.org) [b](http://x.y/path?q=1&r=2 \"title\") "
                 "[c](mailto:a@b.org) [d](javascript:alert(1)) [e](data:text/html,x) "
                 "[f](//evil.example) [g](ftp://x.org) [h](/relative) [i](#frag) "
                 "<https://auto.example> <mail@example.org> https://bare.example",
        "reference-links": "[one][1] [two] [three][]\n\n[1]: https://one.example\n"
                           "[two]: https://two.example 'Two'\n[three]: javascript:x",
        "images": "![alt](https://evil.example/p.png) ![](x.png \"t\") [![img](a.png)](b)",
        "raw-html": "<script>alert(1)</script>\n\n<div onclick=x>div</div> <b>b</b> "
                    "<img src=x onerror=alert(1)> <!-- comment --> <a href=\"x\">a</a>",
        "entities": "&amp; &lt; &gt; &quot; &#39; &copy; &#x1F600; &bogus; & < > \" '",
        "nested-lists": "- a\n  - b\n    - c\n      1. d\n      2. e\n- f\n\n"
                        "1) one\n2) two\n\n* star\n+ plus\n\n3. starts at three",
        "loose-list": "- a\n\n- b\n\n  continued\n\n- c",
        "quotes": "> one\n>> two\n> > > three\n\n> - list in quote\n> ```\n> code\n> ```",
        "code": "`inline` ``double `tick` `` \n\n```python\nprint('<b>')\n```\n\n"
                "    indented code\n    <script>\n\n~~~\ntilde fence\n~~~",
        "rules": "---\n***\n___\n- - -",
        "escapes": r"\*not em\* \[not link\](x) \# not heading \\ backslash \`",
        "tables": "| a | b |\n|---|---|\n| 1 | 2 |",
        "hard-breaks": "line one  \nline two\\\nline three",
        "control-and-crlf": "a\r\nb\rc\x00d\x07e\x1bf\u2028g",
        "unicode": "Привет, мир! 😭 é\u0301 İ ß ﬁ مرحبا עברית 中文",
        "deep-nesting": "> " * 20 + "deep\n\n" + "\n".join("  " * i + "- x" for i in range(15)),
        "many-emphasis": "*a **b *c **d *e* d** c* b** a*" * 20,
        "unclosed": "**bold [link](http://x *em `code",
        "long": ("word " * 4000).strip(),
        "html-in-link": "[<b>x</b>](https://x.example) [x](https://x.example/\"onmouseover=\"1)",
        "autolink-edge": "<javascript:alert(1)> <http://a.b/c?d=<e>> <a@b>",
    }


def markdown_cases() -> list[tuple[str, str]]:
    cases = [(item["case"], item["text"]) for item in _corpus()]
    cases += [(f"edge:{name}", text) for name, text in markdown_edge_texts().items()]
    return cases


def _digest(record: str) -> str:
    return hashlib.sha256(record.encode("utf-8")).hexdigest()[:DIGEST_HEX]


def _write(name: str, records: list[tuple[str, str]]) -> None:
    """Digests of the corpus cases, whole records of the generated ones."""
    digests = "".join(f"{case}\t{_digest(record)}\n" for case, record in records
                      if not case.startswith("edge:"))
    edges = "".join(json.dumps({"case": case, "record": record}, ensure_ascii=False) + "\n"
                    for case, record in records if case.startswith("edge:"))
    (EXPECTED / f"{name}.tsv").write_text(digests, encoding="utf-8")
    (EXPECTED / f"{name}-edge.jsonl").write_text(edges, encoding="utf-8")


def _expected(name: str) -> dict[str, dict[str, str]]:
    """Per case, {"sha256": first hex digits} or {"record": the whole record}."""
    expected: dict[str, dict[str, str]] = {}
    for line in (EXPECTED / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        case, digest = line.split("\t")
        expected[case] = {"sha256": digest}
    # Records may hold U+2028 and the like, which splitlines() would cut at: "\n" only.
    for line in (EXPECTED / f"{name}-edge.jsonl").read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        row = json.loads(line)
        expected[row["case"]] = {"record": row["record"]}
    return expected


def _mismatches(expected: dict[str, dict[str, str]],
                actual: list[tuple[str, str]]) -> list[str]:
    """The cases (with what they give now) whose record differs from the expected one."""
    wrong = []
    for case, record in actual:
        row = expected.get(case, {})
        same = (row["record"] == record if "record" in row
                else row.get("sha256") == _digest(record))
        if not same:
            wrong.append(f"{case}: {record}")
    return wrong


def _screened() -> list[tuple[str, str]]:
    return [(case, screening_record(text, role, venue))
            for case, text, role, venue in screening_cases()]


def _rendered() -> list[tuple[str, str]]:
    return [(case, render_markdown(text)) for case, text in markdown_cases()]


@pytest.mark.long
def test_screening_gives_the_recorded_verdicts_and_probabilities() -> None:
    expected = _expected(SCREENING)
    actual = _screened()
    assert len(actual) == len(expected) > 15_000
    wrong = _mismatches(expected, actual)
    assert not wrong, f"{len(wrong)} texts screen differently, e.g.\n" + "\n".join(wrong[:5])


@pytest.mark.long
def test_markdown_gives_the_recorded_html() -> None:
    expected = _expected(MARKDOWN)
    actual = _rendered()
    assert len(actual) == len(expected) > 13_000
    wrong = _mismatches(expected, actual)
    assert not wrong, f"{len(wrong)} texts render differently, e.g.\n" + "\n".join(wrong[:5])


def test_a_changed_record_is_caught() -> None:
    # The comparison itself: a digest or a whole record that differs is reported.
    expected = {"b01:b01-001": {"sha256": _digest("a")}, "edge:x": {"record": "b"}}
    assert _mismatches(expected, [("b01:b01-001", "a"), ("edge:x", "b")]) == []
    assert len(_mismatches(expected, [("b01:b01-001", "a!"), ("edge:x", "b!"),
                                      ("unknown", "c")])) == 3


def record() -> None:
    """Write the expected records from this tree (run it on the code before a change)."""
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for name, records in ((SCREENING, _screened()), (MARKDOWN, _rendered())):
        _write(name, records)
        print(f"{name}: {len(records)} cases")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.unit.test_screening_equivalence --record")
    record()
