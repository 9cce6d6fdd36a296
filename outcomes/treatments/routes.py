"""My treatments: add a course, change its dose, stop it, evaluate it (thin handlers)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.accounts.services import FormErrors
from community.flash import HelpPanel, redirect_with_message
from community.i18n import gettext as _
from community.web import current_user, form_lists, render, require_user, runtime_of
from outcomes.treatments import access, scales, services
from outcomes.treatments.models import Evaluation, TreatmentCourse

AnyRequest = Request[Any, Any, Any]
Form = dict[str, list[str]]


def _me(request: AnyRequest) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _scales() -> dict[str, Any]:
    return {"scales": scales, "effect_field": services.effect_field}


@get("/my/treatments", guards=[require_user], name="my_treatments")
async def my_treatments(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    courses = await services.my_courses(db_session, _me(request))
    names = await services.names_for(db_session, treatments={c.treatment_id for c in courses})
    return render(request, "outcomes/my_treatments.html",
                  {"courses": courses, "names": names, **_scales()})


def _new_form(request: AnyRequest, form: Form, errors: dict[str, list[str]],
              status_code: int = 200) -> Response[str]:
    return render(request, "outcomes/course_new.html",
                  {"form": form, "errors": errors, **_scales()}, status_code=status_code)


@get("/my/treatments/new", guards=[require_user])
async def new_course_page(request: AnyRequest) -> Response[str]:
    form: Form = {"started_on": [services.today().isoformat()],
                  "treatment": [request.query_params.get("treatment", "")]}
    return _new_form(request, form, {})


@post("/my/treatments/new", guards=[require_user])
async def new_course_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_lists(request)
    try:
        course = await services.start_course(db_session, _me(request), form)
    except FormErrors as exc:
        return _new_form(request, form, exc.errors, 400)
    return redirect_with_message(request, f"/my/treatments/{course.id}", _(
        "The treatment was added. Rate it whenever you can: your ratings count in its report."))


async def _course_context(db: AsyncSession, course: TreatmentCourse) -> dict[str, Any]:
    evaluations = await services.course_evaluations(db, course)
    names = await services.names_for(
        db, treatments={course.treatment_id}, purposes={p.key for p in course.purposes},
        side_effects={s.side_effect_id for e in evaluations for s in e.side_effects},
    )
    return {"course": course, "evaluations": evaluations, "names": names,
            "treatment": names.treatments[course.treatment_id], "errors": {}, "form": {},
            "which": "", **_scales()}


@get("/my/treatments/{course_id:int}", guards=[require_user])
async def course_page(request: AnyRequest, db_session: AsyncSession,
                      course_id: int) -> Response[str]:
    course = await access.owned_course(db_session, _me(request), course_id)
    context = await _course_context(db_session, course)
    return render(request, "outcomes/course.html", context)


async def _course_form_failed(request: AnyRequest, db: AsyncSession, course: TreatmentCourse,
                              which: str, form: Form, exc: FormErrors) -> Response[str]:
    context = await _course_context(db, course)
    context.update(errors=exc.errors, form=form, which=which)
    return render(request, "outcomes/course.html", context, status_code=400)


@post("/my/treatments/{course_id:int}/dose", guards=[require_user])
async def change_dose(request: AnyRequest, db_session: AsyncSession, course_id: int) -> Any:
    course = await access.owned_course(db_session, _me(request), course_id)
    form = await form_lists(request)
    try:
        await services.change_dose(db_session, _me(request), course, form)
    except FormErrors as exc:
        return await _course_form_failed(request, db_session, course, "dose", form, exc)
    return redirect_with_message(request, f"/my/treatments/{course.id}",
                                 _("The new dose was saved."))


@post("/my/treatments/{course_id:int}/stop", guards=[require_user])
async def stop_course(request: AnyRequest, db_session: AsyncSession, course_id: int) -> Any:
    course = await access.owned_course(db_session, _me(request), course_id)
    form = await form_lists(request)
    try:
        await services.stop_course(db_session, _me(request), course, form)
    except FormErrors as exc:
        return await _course_form_failed(request, db_session, course, "stop", form, exc)
    return redirect_with_message(request, f"/my/treatments/{course.id}",
                                 _("The treatment was marked as stopped."))


@post("/my/treatments/{course_id:int}/delete", guards=[require_user])
async def delete_course(request: AnyRequest, db_session: AsyncSession, course_id: int) -> Any:
    course = await access.owned_course(db_session, _me(request), course_id)
    await services.delete_course(db_session, _me(request), course)
    return redirect_with_message(request, "/my/treatments", _("The treatment was removed."))


async def _evaluation_form(request: AnyRequest, db: AsyncSession, course: TreatmentCourse,
                           form: Form, errors: dict[str, list[str]],
                           evaluation: Evaluation | None = None,
                           status_code: int = 200) -> Response[str]:
    names = await services.names_for(db, treatments={course.treatment_id},
                                     purposes={p.key for p in course.purposes})
    return render(request, "outcomes/evaluation_form.html",
                  {"course": course, "form": form, "errors": errors, "names": names,
                   "evaluation": evaluation, "treatment": names.treatments[course.treatment_id],
                   **_scales()}, status_code=status_code)


@get("/my/treatments/{course_id:int}/evaluations/new", guards=[require_user])
async def new_evaluation_page(request: AnyRequest, db_session: AsyncSession,
                              course_id: int) -> Response[str]:
    course = await access.owned_course(db_session, _me(request), course_id)
    form: Form = {"evaluated_on": [services.today().isoformat()], "visibility": ["members"]}
    return await _evaluation_form(request, db_session, course, form, {})


def _after_evaluation(request: AnyRequest, course: TreatmentCourse, verdict: Any) -> Any:
    message = _("Thank you: your evaluation was saved and counts in the report.")
    panel = HelpPanel.NONE
    if verdict is not None and not verdict.is_visible_to_others:
        message = _("Your evaluation was saved. Your tip is waiting for a moderator and only "
                    "you can see it until then.")
    elif verdict is not None and verdict.labels:
        message = _("Your evaluation was saved. If you are in danger now, call your local "
                    "emergency number.")
    elif verdict is not None and verdict.needs_crisis_check:
        panel = HelpPanel.GENTLE
    return redirect_with_message(request, f"/my/treatments/{course.id}", message, panel=panel)


@post("/my/treatments/{course_id:int}/evaluations/new", guards=[require_user])
async def new_evaluation_submit(request: AnyRequest, db_session: AsyncSession,
                                course_id: int) -> Any:
    user = _me(request)
    course = await access.owned_course(db_session, user, course_id)
    form = await form_lists(request)
    try:
        _evaluation, verdict = await services.submit_evaluation(
            db_session, runtime_of(request), user, course, form)
    except FormErrors as exc:
        return await _evaluation_form(request, db_session, course, form, exc.errors,
                                      status_code=400)
    return _after_evaluation(request, course, verdict)


def _evaluation_as_form(evaluation: Evaluation, names: services.Names) -> Form:
    form: Form = {
        "evaluated_on": [evaluation.evaluated_on.isoformat()],
        "side_effect_severity": [evaluation.side_effect_severity],
        "adherence": [evaluation.adherence], "burden": [evaluation.burden],
        "cost": [evaluation.cost], "visibility": [evaluation.visibility],
        "tip": [evaluation.tip],
        "side_effect": [names.side_effects[s.side_effect_id].name
                        for s in evaluation.side_effects
                        if s.side_effect_id in names.side_effects],
    }
    for effect in evaluation.effects:
        form[services.effect_field(effect.purpose)] = [effect.effectiveness]
    return form


@get("/my/treatments/{course_id:int}/evaluations/{evaluation_id:int}", guards=[require_user])
async def edit_evaluation_page(request: AnyRequest, db_session: AsyncSession, course_id: int,
                               evaluation_id: int) -> Response[str]:
    user = _me(request)
    course = await access.owned_course(db_session, user, course_id)
    evaluation = await access.owned_evaluation(db_session, user, course, evaluation_id)
    names = await services.names_for(
        db_session, side_effects={s.side_effect_id for s in evaluation.side_effects})
    return await _evaluation_form(request, db_session, course,
                                  _evaluation_as_form(evaluation, names), {}, evaluation)


@post("/my/treatments/{course_id:int}/evaluations/{evaluation_id:int}", guards=[require_user])
async def edit_evaluation_submit(request: AnyRequest, db_session: AsyncSession, course_id: int,
                                 evaluation_id: int) -> Any:
    user = _me(request)
    course = await access.owned_course(db_session, user, course_id)
    evaluation = await access.owned_evaluation(db_session, user, course, evaluation_id)
    form = await form_lists(request)
    try:
        verdict = await services.edit_evaluation(db_session, runtime_of(request), user, course,
                                                 evaluation, form)
    except FormErrors as exc:
        return await _evaluation_form(request, db_session, course, form, exc.errors, evaluation,
                                      status_code=400)
    return _after_evaluation(request, course, verdict)


@post("/my/treatments/{course_id:int}/evaluations/{evaluation_id:int}/visibility",
      guards=[require_user])
async def evaluation_visibility(request: AnyRequest, db_session: AsyncSession, course_id: int,
                                evaluation_id: int) -> Any:
    user = _me(request)
    course = await access.owned_course(db_session, user, course_id)
    evaluation = await access.owned_evaluation(db_session, user, course, evaluation_id)
    form = await form_lists(request)
    try:
        await services.set_visibility(db_session, user, evaluation,
                                      services.first(form, "visibility"))
    except FormErrors as exc:
        return await _course_form_failed(request, db_session, course, "visibility", form, exc)
    return redirect_with_message(request, f"/my/treatments/{course.id}",
                                 _("Who can see the evaluation was changed."))


@post("/my/treatments/{course_id:int}/evaluations/{evaluation_id:int}/delete",
      guards=[require_user])
async def delete_evaluation(request: AnyRequest, db_session: AsyncSession, course_id: int,
                            evaluation_id: int) -> Any:
    user = _me(request)
    course = await access.owned_course(db_session, user, course_id)
    evaluation = await access.owned_evaluation(db_session, user, course, evaluation_id)
    await services.delete_evaluation(db_session, user, evaluation)
    return redirect_with_message(request, f"/my/treatments/{course.id}",
                                 _("The evaluation was deleted."))


route_handlers: list[Any] = [
    my_treatments, new_course_page, new_course_submit, course_page, change_dose, stop_course,
    delete_course, new_evaluation_page, new_evaluation_submit, edit_evaluation_page,
    edit_evaluation_submit, evaluation_visibility, delete_evaluation,
]
