"""`kindred screen`: JSON lines in, verdicts out in order; --evaluate prints the quality table."""

from __future__ import annotations

import json

from click.testing import CliRunner

from community.cli import main


def test_screen_writes_one_verdict_per_line_in_order() -> None:
    lines = [
        {"id": "1", "text": "has anyone had hair loss on methotrexate?", "author_role": "patient",
         "venue": "discussion"},
        {"id": "2", "text": "call me on +44 7700 900123 any time", "author_role": "patient",
         "venue": "discussion"},
        {"id": "3", "text": "I have the pills in my hand and I am going to take them all tonight",
         "author_role": "patient", "venue": "discussion"},
        {"id": "4", "text": "My A1c is 9.1 on 1000mg metformin, should I double my dose?",
         "author_role": "patient", "venue": "ask_a_clinician"},
        {"id": "5", "text": "Use code HEAL20 for 20% off my supplement shop", "author_role": "patient",
         "venue": "discussion", "extra": "ignored"},
    ]
    source = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    result = CliRunner().invoke(main, ["screen"], input=source)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out[:5]] == ["1", "2", "3", "4", "5"]
    assert out[0]["action"] == "publish" and out[0]["labels"] == []
    assert out[1]["labels"] == ["identifying"] and out[1]["action"] == "hold"
    assert "urgent" in out[2]["labels"] and out[2]["action"] == "crisis_support"
    assert "advice_request" in out[3]["labels"] and out[3]["action"] == "move_off_platform"
    assert "promotion" in out[4]["labels"] and out[4]["action"] == "hold"
    assert "line 6" in out[5]["error"]


def test_screen_evaluate_prints_the_table(tmp_path) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        json.dumps({"id": "a", "text": "email me at sam.jones@example.org", "author_role": "patient",
                    "venue": "discussion", "labels": ["identifying"]}) + "\n"
        + json.dumps({"id": "b", "text": "my TSH is 4.5 and I feel fine", "author_role": "patient",
                      "venue": "discussion", "labels": []}) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["screen", "--evaluate", "--input", str(path)])
    assert result.exit_code == 0
    assert "precision" in result.output and "recall" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith("identifying"))
    assert row.split()[1:3] == ["1.000", "1.000"]
