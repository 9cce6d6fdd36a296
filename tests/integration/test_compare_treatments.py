"""Comparing two to four treatments of a condition side by side."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import Visitor, statements_of
from tests.integration.test_treatments import load_vocabularies
from tests.report_population import seed_population

T2D = {"metformin": 6.0, "semaglutide": 3.0, "empagliflozin": 2.0, "sitagliptin": 0.3}


def populate(visitor: Visitor, patients: int, seed: int = 5) -> None:
    async def _seed(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            await seed_population(db, patients=patients, seed=seed, treatments=T2D)
            await db.commit()

    visitor.run(_seed)


def test_the_condition_page_offers_a_comparison(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, 200)
    page = visitor.get("/conditions/type-2-diabetes").text
    assert 'action="/conditions/type-2-diabetes/compare"' in page
    assert 'name="t" value="metformin"' in page and 'name="t" value="semaglutide"' in page


def test_three_treatments_side_by_side_with_masking_per_cell(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, 200)
    response = visitor.get("/conditions/type-2-diabetes/compare?t=metformin&t=semaglutide"
                           "&t=sitagliptin")
    assert response.status_code == 200
    page = response.text
    for name in ("Metformin", "Semaglutide", "Sitagliptin"):
        assert f">{name}</a></th>" in page
    # Every measure has one chart and one table per treatment, on the same answers.
    for measure in ("effectiveness", "severity", "adherence", "burden", "cost", "stop-reasons"):
        charts = re.findall(rf'<figure class="chart-block bar-figure" id="compare-{measure}-\d">',
                            page)
        assert len(charts) == 3, measure
    adherence = [page.split(f'id="compare-adherence-{i}"')[1].split("</figure>")[0]
                 for i in (1, 2, 3)]
    labels = [re.findall(r'<th scope="row">([^<]+)</th>', chart) for chart in adherence]
    assert labels[0] == labels[1] and labels[0][0] == "Always taken as prescribed"
    assert not re.search(r"<td>[1-4]</td>", page), "no small count in any cell"
    assert "fewer than 5" in page, "the rare treatment's small cells are masked"


def test_a_comparison_needs_two_treatments_of_the_condition(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, 60)
    one = visitor.get("/conditions/type-2-diabetes/compare?t=metformin")
    assert one.status_code == 400 and "Choose two to four" in one.text
    foreign = visitor.get("/conditions/type-2-diabetes/compare?t=metformin&t=methotrexate")
    assert foreign.status_code == 400, "a treatment nobody takes for it is left out"
    assert visitor.get("/conditions/no-such/compare?t=a&t=b").status_code == 404


def test_at_most_four_are_compared(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, 120)
    page = visitor.get("/conditions/type-2-diabetes/compare?t=metformin&t=semaglutide"
                       "&t=empagliflozin&t=sitagliptin&t=metformin").text
    assert len(re.findall(r'id="compare-adherence-\d"', page)) == 4


def test_the_comparison_reads_a_constant_number_of_queries(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, 40, seed=6)
    url = "/conditions/type-2-diabetes/compare?t=metformin&t=semaglutide&t=empagliflozin"
    visitor.get(url)
    populate(visitor, 40, seed=7)
    small = len(statements_of(visitor, url))
    populate(visitor, 160, seed=8)
    assert len(statements_of(visitor, url)) == small
