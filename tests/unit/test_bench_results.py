"""The benchmarks' results files: a second run on the same day keeps the first one's."""

from __future__ import annotations

from pathlib import Path

from bench.harness import unused_stem


def test_a_second_run_the_same_day_writes_beside_the_first(tmp_path: Path) -> None:
    stem = tmp_path / "2026-12-07-report-scaling-interleaved-sqlite-100000"
    assert unused_stem(stem) == stem
    stem.with_suffix(".json").write_text("{}")
    second = unused_stem(stem)
    assert second.name == f"{stem.name}-2"
    second.with_suffix(".md").write_text("")
    assert unused_stem(stem).name == f"{stem.name}-3"
