"""The plumbing between the corpus's two labelling passes (moderation.screening.labelling)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.screening.labelling import main, read


def _item(n: int, labels: list[str], text: str | None = None) -> dict[str, object]:
    return {"id": f"b99-{n:03d}", "lang": "en", "text": text or f"text {n}",
            "author_role": "patient", "venue": "discussion", "labels": labels}


def _write(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    return path


@pytest.fixture
def passes(tmp_path: Path) -> tuple[Path, Path]:
    author = _write(tmp_path / "author.jsonl", [
        _item(1, ["urgent"]), _item(2, []), _item(3, ["promotion"]), _item(4, [])])
    # The labeller's file comes back in another order, with one disagreement (item 3).
    second = _write(tmp_path / "second.jsonl", [
        _item(4, []), _item(3, ["identifying"]), _item(2, []), _item(1, ["urgent"])])
    return author, second


def test_strip_leaves_no_label(tmp_path: Path, passes: tuple[Path, Path]) -> None:
    assert main(["strip", str(passes[0]), str(tmp_path / "texts.jsonl")]) == 0
    rows = read(tmp_path / "texts.jsonl")
    assert [row["id"] for row in rows] == ["b99-001", "b99-002", "b99-003", "b99-004"]
    assert all("labels" not in row for row in rows)


def test_compare_matches_by_id_and_counts(passes: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *map(str, passes)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["disagreements"] == 1
    assert report["agreement"]["urgent"] == {"first": 1, "second": 1, "both": 1, "kappa": 1.0}
    assert report["agreement"]["promotion"]["first"] == 1
    assert report["agreement"]["promotion"]["second"] == 0
    assert report["agreement"]["promotion"]["kappa"] == 0.0


def test_merge_needs_every_disagreement_adjudicated(
    tmp_path: Path, passes: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "final.jsonl"
    assert main(["merge", *map(str, passes), str(out)]) == 1
    assert "b99-003" in capsys.readouterr().err
    assert not out.exists()  # no half file

    decided = _write(tmp_path / "adj.jsonl", [{"id": "b99-003", "labels": ["promotion"]}])
    provenance = tmp_path / "provenance.json"
    assert main(["merge", *map(str, passes), str(out), "--adjudicated", str(decided),
                 "--provenance", str(provenance), "--key", "b99"]) == 0
    assert [row["labels"] for row in read(out)] == [["urgent"], [], ["promotion"], []]
    entry = json.loads(provenance.read_text("utf-8"))["b99"]
    assert (entry["batch"], entry["disagreements"], entry["adjudicated"],
            entry["changed_from_author"]) == ("b99", 1, 1, 0)


def test_a_changed_text_or_a_missing_item_is_refused(
    tmp_path: Path, passes: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    altered = _write(tmp_path / "altered.jsonl", [
        _item(1, ["urgent"], text="other"), _item(2, []), _item(3, []), _item(4, [])])
    assert main(["compare", str(passes[0]), str(altered)]) == 1
    assert "changed the text of ['b99-001']" in capsys.readouterr().err
    short = _write(tmp_path / "short.jsonl", [_item(1, ["urgent"])])
    assert main(["compare", str(passes[0]), str(short)]) == 1
    assert "missing" in capsys.readouterr().err
