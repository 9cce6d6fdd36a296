"""A patient's own tracking pages: symptoms, check-ins, questionnaires and charts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.db import utcnow
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.web import current_user, form_data, render, require_user
from outcomes.catalog.models import Condition, Symptom
from outcomes.tracking import services
from outcomes.tracking.access import own_record, own_records
from outcomes.tracking.models import CheckIn, Feeling, QuestionnaireAnswer, Severity, SymptomEntry
from outcomes.tracking.scoring import QuestionnaireDefinition
from outcomes.tracking.services import FormErrors

AnyRequest = Request[Any, Any, Any]
RECENT = 100


def _person(request: AnyRequest) -> User:
    person = current_user(request)
    assert person is not None  # the require_user guard ran
    return person


def _today() -> date:
    return utcnow().date()


# Symptoms --------------------------------------------------------------------------------------


async def _symptom_choices(db: AsyncSession, person: User) -> dict[str, Any]:
    symptoms = (
        await db.execute(select(Symptom.id, Symptom.name, Symptom.category)
                         .order_by(Symptom.category, Symptom.name))
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for symptom_id, name, category in symptoms:
        groups.setdefault(category or _("other"), []).append((symptom_id, name))
    conditions = (await db.execute(select(Condition.id, Condition.name)
                                   .order_by(Condition.name))).all()
    used = set(await db.scalars(
        select(SymptomEntry.condition_id).distinct()
        .where(own_records(SymptomEntry, person), SymptomEntry.condition_id.is_not(None))
    ))
    return {
        "symptom_groups": groups,
        "own_conditions": [(i, n) for i, n in conditions if i in used],
        "conditions": conditions,
        "severities": list(Severity),
    }


async def _symptoms_page(
    request: AnyRequest, db: AsyncSession, form: dict[str, str], errors: dict[str, list[str]],
    status_code: int = 200,
) -> Response[str]:
    person = _person(request)
    entries = (
        await db.execute(
            select(SymptomEntry, Symptom.name, Condition.name)
            .join(Symptom, Symptom.id == SymptomEntry.symptom_id)
            .outerjoin(Condition, Condition.id == SymptomEntry.condition_id)
            .where(own_records(SymptomEntry, person))
            .order_by(SymptomEntry.recorded_on.desc(), SymptomEntry.id.desc())
            .limit(RECENT)
        )
    ).all()
    context = {
        "entries": entries, "form": form, "errors": errors, "today": _today(),
        **await _symptom_choices(db, person),
    }
    return render(request, "outcomes/tracking/symptoms.html", context,
                  status_code=status_code)


@get("/my/symptoms", guards=[require_user], name="my_symptoms")
async def symptoms_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return await _symptoms_page(request, db_session, {"recorded_on": _today().isoformat()}, {})


@post("/my/symptoms", guards=[require_user])
async def record_symptom(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    try:
        report = await services.parse_symptom_form(db_session, form, _today())
    except FormErrors as exc:
        return await _symptoms_page(request, db_session, form, exc.errors, status_code=400)
    await services.record_symptom(db_session, _person(request), report)
    return redirect_with_message(request, "/my/symptoms", _("Your symptom was recorded."))


def _entry_form(entry: SymptomEntry) -> dict[str, str]:
    return {"symptom_id": str(entry.symptom_id), "condition_id": str(entry.condition_id or ""),
            "severity": str(entry.severity), "recorded_on": entry.recorded_on.isoformat()}


async def _edit_page(
    request: AnyRequest, db: AsyncSession, entry: SymptomEntry, form: dict[str, str],
    errors: dict[str, list[str]], status_code: int = 200,
) -> Response[str]:
    context = {"entry": entry, "form": form, "errors": errors, "today": _today(),
               **await _symptom_choices(db, _person(request))}
    return render(request, "outcomes/tracking/symptom_edit.html", context,
                  status_code=status_code)


@get("/my/symptoms/{entry_id:int}/edit", guards=[require_user])
async def edit_symptom_page(
    request: AnyRequest, db_session: AsyncSession, entry_id: int
) -> Response[str]:
    entry = await own_record(db_session, SymptomEntry, _person(request), entry_id)
    return await _edit_page(request, db_session, entry, _entry_form(entry), {})


@post("/my/symptoms/{entry_id:int}/edit", guards=[require_user])
async def edit_symptom(request: AnyRequest, db_session: AsyncSession, entry_id: int) -> Any:
    entry = await own_record(db_session, SymptomEntry, _person(request), entry_id)
    form = await form_data(request)
    try:
        report = await services.parse_symptom_form(db_session, form, _today())
    except FormErrors as exc:
        return await _edit_page(request, db_session, entry, form, exc.errors, status_code=400)
    await services.update_symptom(db_session, entry, report)
    return redirect_with_message(request, "/my/symptoms",
                                 _("Your symptom report was changed."))


@post("/my/symptoms/{entry_id:int}/delete", guards=[require_user])
async def delete_symptom(request: AnyRequest, db_session: AsyncSession, entry_id: int) -> Any:
    entry = await own_record(db_session, SymptomEntry, _person(request), entry_id)
    await services.delete_symptom(db_session, entry)
    return redirect_with_message(request, "/my/symptoms",
                                 _("Your symptom report was deleted."))


# Check-ins -------------------------------------------------------------------------------------


async def _check_in_page(
    request: AnyRequest, db: AsyncSession, form: dict[str, str] | None,
    errors: dict[str, list[str]], status_code: int = 200,
) -> Response[str]:
    person = _person(request)
    recent = (
        await db.scalars(select(CheckIn).where(own_records(CheckIn, person))
                         .order_by(CheckIn.recorded_on.desc()).limit(30))
    ).all()
    if form is None:
        today = next((c for c in recent if c.recorded_on == _today()), None)
        form = {"recorded_on": _today().isoformat(),
                "level": str(today.level) if today else "", "note": today.note if today else ""}
    context = {"recent": recent, "form": form, "errors": errors, "feelings": list(Feeling),
               "today": _today(), "note_max": services.NOTE_MAX}
    return render(request, "outcomes/tracking/check_in.html", context,
                  status_code=status_code)


@get("/my/check-in", guards=[require_user], name="my_check_in")
async def check_in_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return await _check_in_page(request, db_session, None, {})


@post("/my/check-in", guards=[require_user])
async def check_in(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    try:
        report = services.parse_check_in_form(form, _today())
    except FormErrors as exc:
        return await _check_in_page(request, db_session, form, exc.errors, status_code=400)
    await services.check_in(db_session, _person(request), report)
    return redirect_with_message(request, "/my/check-in", _("Your check-in was saved."))


# Questionnaires --------------------------------------------------------------------------------


@get("/my/questionnaires", guards=[require_user], name="my_questionnaires")
async def questionnaires_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    answers = (
        await db_session.scalars(
            select(QuestionnaireAnswer)
            .where(own_records(QuestionnaireAnswer, _person(request)))
            .order_by(QuestionnaireAnswer.authored_at.desc()).limit(RECENT)
        )
    ).all()
    return render(request, "outcomes/tracking/questionnaires.html", {
        "definitions": services.questionnaires(), "answers": answers,
        "band_label": services.band_label,
    })


def _definition(questionnaire_id: str) -> QuestionnaireDefinition:
    definition = services.questionnaire_or_none(questionnaire_id)
    if definition is None:
        raise NotFoundException(detail=_("There is no such questionnaire."))
    return definition


def _questionnaire_form(
    request: AnyRequest, definition: QuestionnaireDefinition, form: dict[str, str],
    errors: dict[str, list[str]], status_code: int = 200,
) -> Response[str]:
    return render(request, "outcomes/tracking/questionnaire.html",
                  {"definition": definition, "form": form, "errors": errors},
                  status_code=status_code)


@get("/my/questionnaires/{questionnaire_id:str}", guards=[require_user])
async def questionnaire_page(request: AnyRequest, questionnaire_id: str) -> Response[str]:
    return _questionnaire_form(request, _definition(questionnaire_id), {}, {})


@post("/my/questionnaires/{questionnaire_id:str}", guards=[require_user])
async def submit_questionnaire(
    request: AnyRequest, db_session: AsyncSession, questionnaire_id: str
) -> Any:
    definition = _definition(questionnaire_id)
    form = await form_data(request)
    try:
        answer = await services.submit_questionnaire(db_session, _person(request), definition,
                                                     form)
    except FormErrors as exc:
        return _questionnaire_form(request, definition, form, exc.errors, status_code=400)
    return redirect_with_message(request, f"/my/questionnaires/responses/{answer.id}",
                                 _("Your answers are saved."))


@get("/my/questionnaires/responses/{reference:str}", guards=[require_user])
async def questionnaire_response(
    request: AnyRequest, db_session: AsyncSession, reference: str
) -> Response[Any]:
    """The result page of a completed questionnaire, or its FHIR export when it ends in .json."""
    number, _dot, extension = reference.partition(".")
    if not number.isascii() or not number.isdigit() or extension not in {"", "json"}:
        raise NotFoundException(detail=_("There is no such record among yours."))
    person = _person(request)
    answer = await own_record(db_session, QuestionnaireAnswer, person, int(number))
    definition = _definition(answer.questionnaire_id)
    if extension == "json":
        resource = await services.export_response(db_session, person, answer)
        return Response(resource, media_type="application/fhir+json", headers={
            "content-disposition":
                f'attachment; filename="questionnaire-response-{answer.id}.json"',
        })
    return render(request, "outcomes/tracking/questionnaire_result.html", {
        "answer": answer, "definition": definition,
        "band_label": services.band_label(definition, answer.band_code),
        "crisis": services.needs_crisis_resources(answer),
        "crisis_lines": services.crisis_lines(),
        "total": services.score_text(answer.total),
    })


# Charts ----------------------------------------------------------------------------------------


@get("/my/charts", guards=[require_user], name="my_charts")
async def charts_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    days = request.query_params.get("days", "90")
    span = int(days) if days in {str(d) for d in services.CHART_RANGES} else 90
    end = _today()
    start = end - timedelta(days=span)
    blocks = await services.my_charts(db_session, _person(request), start=start, end=end)
    together = await services.together(db_session, _person(request), blocks, start=start,
                                       end=end)
    return render(request, "outcomes/tracking/charts.html", {
        "blocks": blocks, "together": together, "span": span, "ranges": services.CHART_RANGES,
        "start": start, "end": end,
    }, block="charts")


route_handlers: list[Any] = [
    symptoms_page, record_symptom, edit_symptom_page, edit_symptom, delete_symptom,
    check_in_page, check_in, questionnaires_page, questionnaire_page, submit_questionnaire,
    questionnaire_response, charts_page,
]
