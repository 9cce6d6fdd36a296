"""My charts: a patient records, checks in and answers PHQ-9, then sees it all as SVG + tables."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import insert, select

from community.accounts.models import User
from community.db import utcnow
from outcomes.catalog.models import Treatment
from outcomes.treatments.models import DosePeriod, TreatmentCourse
from tests.helpers import Visitor
from tests.integration.test_tracking import TODAY, seed_catalog


class Figures(HTMLParser):
    """Each chart figure: its id, how many <svg>, and the text of its table cells by row."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, dict[str, Any]] = {}
        self.current: dict[str, Any] | None = None
        self.cell: list[str] | None = None
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes or tag == "style":
            self.inline_styles += 1
        if tag == "figure":
            self.current = {"svg": 0, "tables": 0, "rows": [], "circles": 0, "rects": 0}
            self.figures[attributes["id"] or ""] = self.current
        elif self.current is not None:
            if tag == "svg":
                self.current["svg"] += 1
            elif tag == "circle":
                self.current["circles"] += 1
            elif tag == "rect" and "course" in (attributes.get("class") or ""):
                self.current["rects"] += 1
            elif tag == "table":
                self.current["tables"] += 1
            elif tag == "tr":
                self.current["rows"].append([])
            elif tag in {"td", "th"}:
                self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.current = None
        elif tag in {"td", "th"} and self.current is not None and self.cell is not None:
            self.current["rows"][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def figures_of(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


def add_course(visitor: Visitor, username: str) -> None:
    async def _add(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            user_id = await db.scalar(select(User.id).where(User.username == username))
            treatment_id = await db.scalar(insert(Treatment).returning(Treatment.id).values(
                slug="methotrexate", name="Methotrexate"))
            course_id = await db.scalar(insert(TreatmentCourse).returning(TreatmentCourse.id)
                                        .values(user_id=user_id, treatment_id=treatment_id,
                                                started_on=TODAY - timedelta(days=40)))
            await db.execute(insert(DosePeriod).values(
                course_id=course_id, started_on=TODAY - timedelta(days=40),
                amount=Decimal("7.5"), unit="mg", frequency="weekly"))

    visitor.run(_add)


def test_a_patients_tracking_appears_on_their_charts(
    visitor: Visitor, new_visitor: Any
) -> None:
    catalog = seed_catalog(visitor)
    visitor.signup_and_login("chart_maker")
    add_course(visitor, "chart_maker")
    for days_ago, severity in [(10, "1"), (3, "3"), (0, "2")]:
        assert visitor.post("/my/symptoms", {
            "symptom_id": catalog["fatigue"], "severity": severity,
            "condition_id": catalog["multiple-sclerosis"],
            "recorded_on": (TODAY - timedelta(days=days_ago)).isoformat()}).status_code == 303
    assert visitor.post("/my/check-in", {"level": "2", "note": "slow morning",
                                         "recorded_on": TODAY.isoformat()}).status_code == 303
    phq9 = {f"phq9-{i}": "LA6569-3" for i in range(1, 10)} | {"phq9-9": "LA6568-5"}
    assert visitor.post("/my/questionnaires/phq-9", phq9).status_code == 303
    # The answers are dated by the server when they arrive: its day now, not TODAY, which
    # was read when the tests were collected (a run that crosses midnight UTC differs).
    answered_on = utcnow().date().isoformat()

    page = visitor.get("/my/charts")
    assert page.status_code == 200
    parsed = figures_of(page.text)
    assert parsed.inline_styles == 0, "the CSP forbids style attributes and elements"
    figures = parsed.figures
    assert set(figures) == {"together", "treatments", f"symptom-{catalog['fatigue']}",
                            "check-ins", "questionnaire-phq-9"}
    for key, figure in figures.items():
        assert figure["svg"] == 1 and figure["tables"] == 1, key

    treatments = figures["treatments"]
    assert treatments["rects"] == 1
    assert treatments["rows"][1][:3] == ["Methotrexate",
                                         (TODAY - timedelta(days=40)).isoformat(), "ongoing"]
    assert "7.5 mg, once a week" in treatments["rows"][1][3]

    fatigue = figures[f"symptom-{catalog['fatigue']}"]
    assert fatigue["circles"] == 3
    assert [row[:2] for row in fatigue["rows"][1:]] == [
        [(TODAY - timedelta(days=10)).isoformat(), "Mild"],
        [(TODAY - timedelta(days=3)).isoformat(), "Severe"],
        [TODAY.isoformat(), "Moderate"],
    ]
    assert fatigue["rows"][1][2] == "Multiple sclerosis"

    check_ins = figures["check-ins"]
    assert check_ins["rows"][1] == [TODAY.isoformat(), "Bad", "slow morning"]

    scores = figures["questionnaire-phq-9"]
    assert scores["rows"][1] == [answered_on, "8", "Mild depression"]

    stranger = new_visitor()
    stranger.signup_and_login("empty_charts")
    empty = stranger.get("/my/charts")
    assert figures_of(empty.text).figures == {}
    assert "Nothing to chart in this period yet." in empty.text


def test_charts_range_and_htmx_fragment(visitor: Visitor) -> None:
    seed_catalog(visitor)
    visitor.signup_and_login("range_picker")
    visitor.post("/my/check-in", {"level": "4",
                                  "recorded_on": (TODAY - timedelta(days=60)).isoformat()})
    assert "check-ins" not in figures_of(visitor.get("/my/charts?days=30").text).figures
    assert "check-ins" in figures_of(visitor.get("/my/charts?days=90").text).figures
    assert "check-ins" in figures_of(visitor.get("/my/charts?days=bogus").text).figures
    fragment = visitor.get("/my/charts?days=365", htmx=True)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="charts"')
    assert "<html" not in fragment.text


def test_charts_need_sign_in(visitor: Visitor) -> None:
    response = visitor.get("/my/charts")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_charts_page_makes_the_same_number_of_queries_whatever_the_data(
    visitor: Visitor,
) -> None:
    from sqlalchemy import event

    catalog = seed_catalog(visitor)
    visitor.signup_and_login("query_counter")
    engine = visitor.app.state.runtime.engine.sync_engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    def queries_for_charts() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert visitor.get("/my/charts").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    add_course(visitor, "query_counter")
    visitor.post("/my/symptoms", {"symptom_id": catalog["fatigue"], "severity": "1",
                                  "recorded_on": TODAY.isoformat()})
    visitor.post("/my/check-in", {"level": "3", "recorded_on": TODAY.isoformat()})
    visitor.post("/my/questionnaires/phq-9", {f"phq9-{i}": "LA6568-5" for i in range(1, 10)})
    few = queries_for_charts()
    for days_ago in range(1, 4):
        day = (TODAY - timedelta(days=days_ago)).isoformat()
        for symptom in ("fatigue", "headache", "nausea"):
            visitor.post("/my/symptoms", {"symptom_id": catalog[symptom], "severity": "2",
                                          "recorded_on": day})
        visitor.post("/my/check-in", {"level": "3", "recorded_on": day})
    visitor.post("/my/questionnaires/gad-7", {f"gad7-{i}": "LA6569-3" for i in range(1, 8)})
    assert queries_for_charts() == few


def test_together_draws_every_chart_on_one_axis_with_treatment_changes(
    visitor: Visitor,
) -> None:
    catalog = seed_catalog(visitor)
    visitor.signup_and_login("together_maker")
    add_course(visitor, "together_maker")

    async def _raise_dose(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            course_id = await db.scalar(select(TreatmentCourse.id).join(
                User, User.id == TreatmentCourse.user_id).where(
                User.username == "together_maker"))
            await db.execute(insert(DosePeriod).values(
                course_id=course_id, started_on=TODAY - timedelta(days=12),
                amount=Decimal("10"), unit="mg", frequency="weekly"))

    visitor.run(_raise_dose)
    only_treatments = visitor.get("/my/charts").text
    assert 'id="together"' not in only_treatments, "one chart has nothing to be put with"
    assert visitor.post("/my/symptoms", {
        "symptom_id": catalog["fatigue"], "severity": "2",
        "condition_id": catalog["multiple-sclerosis"],
        "recorded_on": (TODAY - timedelta(days=5)).isoformat()}).status_code == 303
    page = visitor.get("/my/charts").text
    together = figures_of(page).figures["together"]
    assert together["svg"] == 1 and together["tables"] == 1
    assert together["circles"] == 1 and together["rects"] == 1, "the lines, then the courses"
    assert together["rows"][1:] == [
        ["1", (TODAY - timedelta(days=40)).isoformat(), "Started Methotrexate"],
        ["2", (TODAY - timedelta(days=12)).isoformat(),
         "Methotrexate dose changed to 10 mg once a week"],
    ]
    svg = page.split('id="together"')[1].split("</svg>")[0]
    assert svg.index("Symptom: Fatigue") < svg.index("Treatments"), "treatments drawn under"
    assert svg.count('class="change"') == 2
