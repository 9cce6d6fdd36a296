"""Switching: what people who stopped a treatment started next, masked like every count."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from community.accounts.models import User
from outcomes.catalog.models import Treatment
from outcomes.reports.summaries import rebuild_summaries
from outcomes.treatments.models import TreatmentCourse
from tests.helpers import Visitor
from tests.integration.test_treatments import load_vocabularies


def seed_switches(visitor: Visitor, moves: dict[str, int]) -> None:
    """People who took metformin, stopped it, then started another treatment."""
    async def _seed(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            ids = dict((await db.execute(select(Treatment.slug, Treatment.id))).tuples().all())
            index = 0
            for slug, people in moves.items():
                for _n in range(people):
                    index += 1
                    user_id = (await db.execute(insert(User).returning(User.id), [{
                        "username": f"switcher{index}", "username_key": f"switcher{index}",
                        "email": f"switcher{index}@example.org",
                        "password_hash": "!"}])).scalar_one()
                    await db.execute(insert(TreatmentCourse), [
                        {"user_id": user_id, "treatment_id": ids["metformin"],
                         "started_on": date(2024, 1, 1), "stopped_on": date(2024, 6, 1),
                         "stop_reason": "side_effects"},
                        {"user_id": user_id, "treatment_id": ids[slug],
                         "started_on": date(2024, 6, 10)}])
            await rebuild_summaries(db)
            await db.commit()

    visitor.run(_seed)


def test_the_report_says_what_people_moved_to(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    seed_switches(visitor, {"semaglutide": 6, "empagliflozin": 2})
    page = visitor.get("/treatments/metformin").text
    figure = page.split('id="switched-to"')[1].split("</figure>")[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td>', figure)
    assert rows == [("Semaglutide", "6"), ("Empagliflozin", "fewer than 5")]
    assert "People who stopped it most often moved to Semaglutide." in page
    # The treatment they moved to does not list its own earlier patients as switching away.
    assert 'id="switched-to"' not in visitor.get("/treatments/semaglutide").text
