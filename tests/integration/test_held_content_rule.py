"""The one decision rule for held content, walked as a matrix: every held target type x
every pair of open reasons x the order of approvals and rejections. A target becomes
visible to others only when every reason on it was resolved in favour; rejecting any one
keeps it hidden; nothing moderated is deleted.

All the cases share one app and database per backend. Targets are made through
their domain's write path (screening, then the review sink opens one item per reason) and
decided through the queue's `perform` (which settles the target by the combined rule);
for each target type and each combination of decisions one case goes all the way through
HTTP instead (the form that makes the target, a moderator's approve/reject in the queue).
Another member looks for the targets on the pages they read, a chunk of cases per look:
held at first, still hidden after the first decision, and visible after the second only
when both were approvals."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from litestar import Litestar

from community.accounts.models import Role
from community.settings import Settings
from tests.held_content_support import (
    KINDS,
    Kind,
    PairScreener,
    decide_in_process,
    decide_over_http,
    items_of,
    user_id,
)
from tests.helpers import Visitor, queue_wired_app
from tests.profiles_support import member

REASONS = ["urgent", "advice_request", "identifying", "clinician_advice", "promotion"]
PAIRS = list(itertools.combinations(REASONS, 2))
# (which reason is decided first, first decision, second decision)
SEQUENCES = [
    (first, d1, d2)
    for first in (0, 1)
    for d1, d2 in (("approve", "approve"), ("approve", "reject"), ("reject", "approve"))
]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    application = queue_wired_app(settings)
    application.state.runtime.screener = PairScreener()
    return application


def test_the_matrix_covers_every_pair_and_order() -> None:
    assert len(PAIRS) == 10 and len(SEQUENCES) == 6
    assert {(d1, d2) for _first, d1, d2 in SEQUENCES} == {
        ("approve", "approve"), ("approve", "reject"), ("reject", "approve")}


@pytest.mark.long
def test_a_target_held_for_two_reasons_is_visible_only_when_both_are_approved(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    moderator = member(new_visitor, "matrix_mod", roles=(Role.MODERATOR,))
    moderator_id = user_id(moderator, "matrix_mod")
    walked = {kind: _walk(KINDS[kind](new_visitor), kind, visitor, moderator, moderator_id)
              for kind in KINDS}
    assert walked == dict.fromkeys(KINDS, len(PAIRS) * len(SEQUENCES))


def _walk(targets: Kind, kind: str, visitor: Visitor, moderator: Visitor,
          moderator_id: int) -> int:
    """Every pair of reasons x every order of decisions on targets of one type; returns
    how many cases were walked."""
    made = targets.total(visitor)
    cases = 0
    # One chunk per order of decisions, holding every pair of reasons. While the first
    # reason is decided first, the chunk's first pair is made and decided over HTTP: one
    # full-HTTP case per combination of decisions and target type.
    for sequence_number, (first, d1, d2) in enumerate(SEQUENCES):
        orders = {}
        for pair_number, (a, b) in enumerate(PAIRS):
            text = f"{kind} case {sequence_number}.{pair_number} REASONS[{a}+{b}] details"
            orders[text] = ((a, b) if first == 0 else (b, a), first == 0 and pair_number == 0)
        made_ids = targets.make([(text, http) for text, (_order, http) in orders.items()])
        chunk = {text: (target_id, *orders[text])
                 for text, target_id in zip(orders, made_ids, strict=True)}
        made += len(chunk)
        cases += len(chunk)
        ids = {text: target_id for text, (target_id, _order, _http) in chunk.items()}
        items = items_of(visitor, targets.target_type, list(ids.values()))
        for text, (target_id, order, _http) in chunk.items():
            assert set(items[target_id]) == set(order), (kind, text, items[target_id])
        assert targets.visible(ids) == set(), (kind, "held at first")

        for step, action in ((0, d1), (1, d2)):
            in_process = []
            for _text, (target_id, order, http) in chunk.items():
                item_id = items[target_id][order[step]].id
                if http:
                    decide_over_http(moderator, item_id, action)
                else:
                    in_process.append((item_id, action))
            decide_in_process(visitor, moderator_id, in_process)
            if step == 0:
                assert targets.visible(ids) == set(), (
                    kind, f"{d1} of one reason alone must not publish while another is open")
        expected = set(ids) if d1 == d2 == "approve" else set()
        assert targets.visible(ids) == expected, (kind, first, d1, d2)
    assert targets.total(visitor) == made, (kind, "nothing moderated is deleted")
    return cases
