"""One person's data as a FHIR R4 Bundle (type collection), without identifying them.

The Patient carries no name, identifier, telecom, address or birth date: only the
administrative gender they chose to tell, if any. Every other resource points at it by
its `urn:uuid:` fullUrl, so the bundle is self-contained.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from outcomes.tracking.scoring import (
    InvalidAnswers,
    QuestionnaireDefinition,
    to_questionnaire_response,
)

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SEVERITY_SYSTEM = "https://kindred.example/fhir/symptom-severity"
FEELING_SYSTEM = "https://kindred.example/fhir/check-in-feeling"
CHECK_IN_CODE = "https://kindred.example/fhir/observation"

# Profile sex -> FHIR administrative gender (male | female | other | unknown).
GENDER = {"female": "female", "male": "male", "intersex": "other"}


@dataclass(frozen=True)
class CourseFacts:
    id: int
    medication: str
    started_on: date
    stopped_on: date | None
    stop_reason: str | None
    doses: Sequence[str]
    purposes: Sequence[str]


@dataclass(frozen=True)
class SymptomFacts:
    id: int
    symptom: str
    severity: int
    severity_label: str
    recorded_on: date


@dataclass(frozen=True)
class CheckInFacts:
    id: int
    level: int
    level_label: str
    note: str
    recorded_on: date


@dataclass(frozen=True)
class AnswerFacts:
    id: int
    definition: QuestionnaireDefinition | None
    answers: Mapping[str, str]
    authored_at: datetime


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    url = _urn()
    resource["id"] = url.removeprefix("urn:uuid:")
    return {"fullUrl": url, "resource": resource}


def medication_status(course: CourseFacts) -> str:
    if course.stopped_on is None:
        return "active"
    return "completed" if course.stop_reason == "finished_course" else "stopped"


def build_bundle(
    *, sex: str | None, courses: Sequence[CourseFacts], symptoms: Sequence[SymptomFacts],
    check_ins: Sequence[CheckInFacts], answers: Sequence[AnswerFacts], generated_at: datetime,
) -> dict[str, Any]:
    """The Bundle; questionnaire answers that no longer validate are left out of it."""
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if sex in GENDER:
        patient["gender"] = GENDER[sex]
    patient_entry = _entry(patient)
    subject = {"reference": patient_entry["fullUrl"]}
    entries = [patient_entry]
    for course in courses:
        period: dict[str, str] = {"start": course.started_on.isoformat()}
        if course.stopped_on is not None:
            period["end"] = course.stopped_on.isoformat()
        statement: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "status": medication_status(course),
            "medicationCodeableConcept": {"text": course.medication},
            "subject": subject,
            "effectivePeriod": period,
        }
        if course.doses:
            statement["dosage"] = [{"text": text} for text in course.doses]
        if course.purposes:
            statement["reasonCode"] = [{"text": text} for text in course.purposes]
        entries.append(_entry(statement))
    survey = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey",
                           "display": "Survey"}]}]
    for symptom in symptoms:
        entries.append(_entry({
            "resourceType": "Observation",
            "status": "final",
            "category": survey,
            "code": {"text": symptom.symptom},
            "subject": subject,
            "effectiveDateTime": symptom.recorded_on.isoformat(),
            "valueCodeableConcept": {
                "coding": [{"system": SEVERITY_SYSTEM, "code": str(symptom.severity),
                            "display": symptom.severity_label}],
                "text": symptom.severity_label,
            },
        }))
    for check_in in check_ins:
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": survey,
            "code": {"coding": [{"system": CHECK_IN_CODE, "code": "check-in",
                                 "display": "How are you today"}],
                     "text": "How are you today"},
            "subject": subject,
            "effectiveDateTime": check_in.recorded_on.isoformat(),
            "valueCodeableConcept": {
                "coding": [{"system": FEELING_SYSTEM, "code": str(check_in.level),
                            "display": check_in.level_label}],
                "text": check_in.level_label,
            },
        }
        if check_in.note:
            observation["note"] = [{"text": check_in.note}]
        entries.append(_entry(observation))
    for answer in answers:
        if answer.definition is None:
            continue
        try:
            response = to_questionnaire_response(answer.definition, answer.answers,
                                                 answer.authored_at, subject["reference"])
        except InvalidAnswers:
            continue
        entries.append(_entry(response))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": generated_at.isoformat(timespec="seconds"),
        "entry": entries,
    }
