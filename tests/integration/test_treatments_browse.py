"""The treatments browse page: by condition, A to Z, most evaluated, with masked counts."""

from __future__ import annotations

import re

from tests.helpers import Visitor, statements_of
from tests.integration.test_reports import seed_patients
from tests.integration.test_treatments import load_vocabularies


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section class="card" aria-labelledby="{heading_id}">.*?</section>',
                      html, re.S)
    assert match, heading_id
    return match.group(0)


def test_by_condition_links_conditions_and_masks_small_counts(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    seed_patients(visitor, 7, treatment_slug="methotrexate")
    seed_patients(visitor, 2, treatment_slug="hydroxychloroquine", start=100)
    page = visitor.get("/treatments")
    assert page.status_code == 200
    ra = section(page.text, "condition-rheumatoid-arthritis")
    assert 'href="/conditions/rheumatoid-arthritis"' in ra
    assert 'href="/treatments/methotrexate"' in ra and "7 patients" in ra
    assert 'href="/treatments/hydroxychloroquine"' in ra
    assert "fewer than 5 patients" in ra and "2 patients" not in ra
    # The bigger count comes first; a masked one never outranks a shown one.
    assert ra.index("methotrexate") < ra.index("hydroxychloroquine")
    # A condition nobody reported on tells the visitor what to do.
    assert "No treatment reported yet" in section(page.text, "condition-migraine")


def test_a_to_z_lists_the_whole_vocabulary(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    seed_patients(visitor, 3, treatment_slug="methotrexate")
    page = visitor.get("/treatments?by=az").text
    assert '<h2 id="letter-' in page
    assert 'href="/treatments/methotrexate"' in page
    assert "fewer than 5 evaluations" in page and "3 evaluations" not in page


def test_most_evaluated_leaves_out_treatments_below_the_threshold(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    seed_patients(visitor, 6, treatment_slug="methotrexate")
    seed_patients(visitor, 4, treatment_slug="hydroxychloroquine", start=100)
    page = visitor.get("/treatments?by=evaluated").text
    assert 'href="/treatments/methotrexate"' in page
    assert 'href="/treatments/hydroxychloroquine"' not in page
    assert 'aria-current="page">Most evaluated' in page


def test_each_view_is_one_query_whatever_the_data(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    views = ("/treatments", "/treatments?by=az", "/treatments?by=evaluated")
    before = {url: len(statements_of(visitor, url, selects_only=True)) for url in views}
    seed_patients(visitor, 8, treatment_slug="methotrexate")
    seed_patients(visitor, 8, treatment_slug="hydroxychloroquine", start=100)
    after = {url: len(statements_of(visitor, url, selects_only=True)) for url in views}
    assert before == after


def test_the_header_leads_to_the_browse_page(visitor: Visitor) -> None:
    assert '<a href="/treatments">Treatments</a>' in visitor.get("/").text
    assert visitor.get("/treatments?by=nonsense").status_code == 200
