"""Bundle API: the list, one bundle's questionnaire, and guidance for a set of answers."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from onething.bundles import guidance
from onething.bundles.models import Bundle
from onething.bundles.runner import run_guidance, where_to_go
from onething.core.errors import ServiceError

router = Router(tags=["一件事"])


class BundleOut(Schema):
    slug: str
    name: str
    audience: str
    life_event: str
    summary: str


class QuestionOut(Schema):
    key: str
    text: str
    kind: str
    help: str
    options: list[dict]
    unit: str


def question_out(q: guidance.Question) -> dict:
    return {
        "key": q.key,
        "text": q.text,
        "kind": q.kind,
        "help": q.help,
        "options": [{"value": v, "label": label} for v, label in q.options],
        "unit": q.unit,
    }


@router.get("bundles", auth=None, response=list[BundleOut])
def list_bundles(request):
    return list(Bundle.objects.visible_to(request.user))


class GuidanceIn(Schema):
    answers: dict = {}


class MemberOut(Schema):
    code: str
    name: str
    item_code: str
    department: str
    promised_days: int
    promised_unit: str
    fees: list[str]


class MaterialOut(Schema):
    name: str
    needed_by: list[str]
    replaceable_by: str
    supplied: bool


class WhereOut(Schema):
    online: bool
    places: list[str]
    nearby: bool


class GuidanceOut(Schema):
    complete: bool
    answers: dict
    next_questions: list[QuestionOut]
    items: list[MemberOut]
    undecided: list[MemberOut]
    materials: list[MaterialOut]
    exempt: list[MaterialOut]
    longest_working_days: int
    other_limits: list[str]
    expected_date: dt.date | None
    all_online: bool
    where: WhereOut


def _member(m: guidance.Member) -> dict:
    return {
        "code": m.code, "name": m.name, "item_code": m.item_code, "department": m.unit,
        "promised_days": m.promised_days, "promised_unit": m.promised_unit, "fees": list(m.fees),
    }  # fmt: skip


def _material(m: guidance.MergedMaterial) -> dict:
    return {
        "name": m.name, "needed_by": m.needed_by, "replaceable_by": m.replaceable_by,
        "supplied": m.supplied,
    }  # fmt: skip


@router.post("bundles/{slug}/guidance", auth=None, response=GuidanceOut)
def bundle_guidance(request, slug: str, payload: GuidanceIn):
    """Guidance for `answers` (question key → value: yes/no as true/false, single choice as the
    option value, multiple choice as a list, numbers, ISO dates). Returns whether the
    questionnaire is complete, the questions still worth asking, the applicable items, the
    merged materials (and those a registry or e-license supplies for a signed-in applicant),
    and the time as parallel review."""
    bundle = get_object_or_404(Bundle.objects.visible_to(request.user), slug=slug)
    questions = {q["key"]: q for q in bundle.definition["questions"]}
    fields = {f"answers.{key}": "没有这个问题" for key in payload.answers if key not in questions}
    if fields:
        raise ServiceError("回答中有未知的问题", fields=fields)
    typed = typed_answers(definition_questions(bundle), payload.answers, fields)
    if fields:
        raise ServiceError("回答有误", fields=fields)
    _, result = run_guidance(bundle, typed, request.user)
    return {
        "complete": result.complete,
        "answers": result.answers,
        "next_questions": [question_out(q) for q in result.next_questions],
        "items": [_member(m) for m in result.items],
        "undecided": [_member(m) for m in result.undecided],
        "materials": [_material(m) for m in result.materials],
        "exempt": [_material(m) for m in result.exempt],
        "longest_working_days": result.longest_working_days,
        "other_limits": result.other_limits,
        "expected_date": result.expected_date,
        "all_online": result.all_online,
        "where": where_to_go(result),
    }


def definition_questions(bundle: Bundle) -> list[guidance.Question]:
    from onething.bundles.definitions import question_from

    return [question_from(q) for q in bundle.definition["questions"]]


def typed_answers(questions, answers: dict, fields: dict) -> dict:
    """JSON answers checked against their questions; problems go into `fields`."""
    typed = {}
    for q in questions:
        if q.key not in answers:
            continue
        value = answers[q.key]
        if q.kind == "yesno" and not isinstance(value, bool):
            fields[f"answers.{q.key}"] = "应为 true 或 false"
            continue
        if q.kind == "multiple" and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            fields[f"answers.{q.key}"] = "应为选项值的列表"
            continue
        if q.kind != "multiple" and isinstance(value, (list, dict)):
            fields[f"answers.{q.key}"] = "应为单个值"
            continue
        raw = (
            guidance.answer_to_query(q, value) if q.kind in ("yesno", "multiple") else [str(value)]
        )
        try:
            typed[q.key] = guidance.parse_answer(q, raw)
        except guidance.AnswerInvalid as exc:
            fields[f"answers.{q.key}"] = str(exc)
    return typed
