"""Issue 17: ids beyond the database's integers answer 404 (or 400), never 500, wherever
a route takes them: path, query string, form field, JSON body."""

from __future__ import annotations

from tests.helpers import Visitor

HUGE = "99999999999999999999999"
JUST_OVER = str(2**63)
INT32_OVER = str(2**31)


def test_out_of_range_ids_are_not_found(visitor: Visitor) -> None:
    visitor.signup_and_login("id_prober")
    for value in (HUGE, JUST_OVER, "-" + JUST_OVER + "1", INT32_OVER):
        _out_of_range_id_is_not_found(visitor, value)


def _out_of_range_id_is_not_found(visitor: Visitor, value: str) -> None:
    answers = {
        "flag form": visitor.post("/flags", {"target_type": "post", "target_id": value,
                                             "reason": "spam", "note": "", "next": "/"}),
        "flag page": visitor.get(f"/flags/new?target_type=post&target_id={value}"),
        "questionnaire json": visitor.get(f"/my/questionnaires/responses/{value}.json"),
        "questionnaire page": visitor.get(f"/my/questionnaires/responses/{value}"),
        "thread": visitor.get(f"/threads/{value}"),
        "report message": visitor.post(f"/messages/{value}/report", {"reason": "spam"}),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert all(status in (400, 404) for status in statuses.values()), statuses
    # A cursor out of range is ignored rather than refused.
    assert visitor.get(f"/notifications?before={value}").status_code == 200
    assert "Something went wrong" not in answers["flag form"].text
