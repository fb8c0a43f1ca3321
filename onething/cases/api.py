"""Cases API: uploads, applications (idempotent submission), the case queue, one case with its
timeline, and the actions of the lifecycle.

Every list and read goes through the models' `visible_to`; every change through
`onething.cases.services`. Lists page with `limit`/`offset` and answer `next_offset` (null on
the last page) instead of a total, so that a page of a million-case table never counts it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile

from onething.bundles.models import Bundle
from onething.core.api_utils import keyset_page
from onething.core.errors import NotAllowed, NotFound, ServiceError
from onething.core.models import AuditEntry, Department, Role
from onething.core.services import load_calendar, record_audit

from . import selectors, services, uploads
from .models import Application, Case, CaseMaterial, Notice, Upload
from .workflow import API_ACTIONS, State

router = Router(tags=["申请与办件"])

MAX_PAGE = 100
_UPLOADERS = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN)  # staff doing assisted service


def _page(queryset, limit: int, offset: int) -> tuple[list, int | None]:
    return keyset_page(queryset, limit=limit, offset=offset, max_page=MAX_PAGE)


# --- Uploads ---------------------------------------------------------------------------------


class UploadOut(Schema):
    id: int
    name: str
    kind: str
    size: int


@router.post("uploads", response={201: UploadOut})
def upload_file(request, file: File[UploadedFile]):
    """Upload one material before submitting (multipart, field `file`): PDF, JPEG, PNG or OFD,
    recognised by content, at most 10 MB. Refer to it by `id` in an application's `materials`
    or a resubmission's. Applicants, and window staff for assisted service."""
    user = request.user
    if not (user.is_applicant or user.role in _UPLOADERS):
        raise NotAllowed("只有申请人或帮代办的窗口工作人员可以上传材料")
    # Never read more than one byte over the limit: check_file names the limit either way.
    data = file.read(uploads.max_file_bytes() + 1)
    stored = uploads.store(file.name or "", data)
    try:
        with transaction.atomic():
            row = Upload.objects.create(
                owner=user, application=None, original_name=stored.original_name,
                stored_name=stored.stored_name, kind=stored.kind, size=stored.size,
                sha256=stored.sha256,
            )  # fmt: skip
            record_audit(
                actor=user, action="上传材料", obj=row, request=request,
                after={"name": row.original_name, "kind": row.kind, "size": row.size},
            )  # fmt: skip
    except BaseException:
        uploads.discard(stored.stored_name)
        raise
    return Status(201, upload_out(row))


def upload_out(row: Upload) -> dict:
    return {"id": row.pk, "name": row.original_name, "kind": row.kind, "size": row.size}


# --- Shapes ----------------------------------------------------------------------------------


class CaseSummary(Schema):
    id: int
    number: str
    application_id: int
    application_number: str
    handling_item: str  # the handling item's code
    handling_item_name: str
    department: str  # the handling unit: a department or a town
    state: str
    state_label: str
    statutory_due: dt.date | None
    promised_due: dt.date | None
    step_due: dt.date | None
    warning: str
    warning_label: str
    applicant: str  # masked
    submitted_at: dt.datetime
    version: int


class ApplicationOut(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    channel: str
    applicant: str  # masked
    submitted_at: dt.datetime
    delivery_method: str
    cases: list[CaseSummary]


class ApplicationPage(Schema):
    results: list[ApplicationOut]
    next_offset: int | None


class CasePage(Schema):
    results: list[CaseSummary]
    next_offset: int | None


class DeadlinesOut(Schema):
    step: str
    step_due: dt.date | None
    statutory_due: dt.date | None
    promised_due: dt.date | None
    correction_deadline: dt.date | None
    paused: bool
    provisional: bool
    provisional_reason: str


class EventOut(Schema):
    at: dt.datetime
    actor_name: str
    action: str
    message: str


class MaterialOut(Schema):
    name: str
    required: bool
    status: str
    status_label: str
    upload_id: int | None
    upload_url: str | None


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    issued_at: dt.datetime
    url: str


class CaseDetail(CaseSummary):
    route: str
    route_label: str
    decision: str
    received_on: dt.date
    accepted_on: dt.date | None
    decided_on: dt.date | None
    deadlines: DeadlinesOut
    timeline: list[EventOut]
    materials: list[MaterialOut]
    notices: list[NoticeOut]
    correction_items: list[dict]
    facts_checked: list[dict]
    form_data: dict
    allowed_actions: list[str]


def case_summary(case: Case, calendar, today: dt.date, limits=None) -> dict:
    status = services.status_of(case, today=today, calendar=calendar, limits=limits)
    found = status.deadlines
    return {
        "id": case.pk,
        "number": case.number,
        "application_id": case.application_id,
        "application_number": case.application.number,
        "handling_item": case.handling_item.code,
        "handling_item_name": case.handling_item.name,
        "department": case.unit_name,
        "state": case.state,
        "state_label": case.get_state_display(),
        "statutory_due": found.statutory_due,
        "promised_due": found.promised_due,
        "step_due": found.step_due,
        "warning": status.warning,
        "warning_label": status.warning_label,
        "applicant": case.application.masked_applicant,
        "submitted_at": case.submitted_at,
        "version": case.version,
    }


def case_detail(case: Case, user) -> dict:
    calendar, today = load_calendar(), timezone.localdate()
    status = services.status_of(case, today=today, calendar=calendar)
    found = status.deadlines
    materials = CaseMaterial.objects.filter(case=case).order_by("id")
    return {
        **case_summary(case, calendar, today),
        "route": case.route,
        "route_label": case.get_route_display(),
        "decision": case.decision,
        "received_on": case.received_on,
        "accepted_on": case.accepted_on,
        "decided_on": case.decided_on,
        "deadlines": {
            "step": found.step,
            "step_due": found.step_due,
            "statutory_due": found.statutory_due,
            "promised_due": found.promised_due,
            "correction_deadline": found.correction_deadline,
            "paused": found.paused,
            "provisional": found.provisional.provisional,
            "provisional_reason": found.provisional.reason,
        },
        "timeline": [
            {"at": e.at, "actor_name": e.actor_name, "action": e.action, "message": e.message}
            for e in case.events.order_by("at", "id")
        ],
        "materials": [
            {
                "name": m.name,
                "required": m.required,
                "status": m.status,
                "status_label": m.get_status_display(),
                "upload_id": m.upload_id,
                "upload_url": f"/cases/uploads/{m.upload_id}/" if m.upload_id else None,
            }
            for m in materials
        ],
        "notices": [
            {
                "id": n.pk,
                "kind": n.kind,
                "kind_label": n.title,
                "number": n.number,
                "issued_at": n.issued_at,
                "url": f"/cases/notices/{n.pk}.pdf",
            }
            for n in Notice.objects.filter(case=case).order_by("issued_at", "id")
        ],
        "correction_items": case.correction_items,
        "facts_checked": case.facts_checked,
        "form_data": case.application.form_data,
        "allowed_actions": [t.action for t in services.actions_for(case, user)],
    }


def application_out(application: Application, cases: list[Case], calendar, today) -> dict:
    limits = services.Limits.current()
    if application.bundle_id:
        title = application.bundle.name
    else:
        title = cases[0].handling_item.name if cases else application.number
    return {
        "id": application.pk,
        "number": application.number,
        "title": title,
        "status": application.status,
        "status_label": application.get_status_display(),
        "channel": application.channel,
        "applicant": application.masked_applicant,
        "submitted_at": application.submitted_at,
        "delivery_method": application.delivery_method,
        "cases": [case_summary(c, calendar, today, limits) for c in cases],
    }


_CASE_RELATED = ("application", "handling_item", "department", "town")


def _applications(user):
    """The applications `user` may see, each with the cases `user` may see."""
    cases = Case.objects.visible_to(user).select_related(*_CASE_RELATED).order_by("id")
    return (
        Application.objects.visible_to(user)
        .select_related("bundle")
        .prefetch_related(Prefetch("cases", queryset=cases, to_attr="visible_cases"))
    )


# --- Applications ----------------------------------------------------------------------------


class DeliveryIn(Schema):
    method: Literal["electronic", "pickup", "express"] = "electronic"
    address: str = ""


class OnBehalfIn(Schema):
    id_number: str = ""
    consent: str = ""


Answer = str | bool | int | float | None


class ApplicationIn(Schema):
    handling_item: str = ""
    bundle: str = ""
    guidance_answers: dict[str, Answer | list[str]] = {}
    answers: dict[str, Answer] = {}
    materials: dict[str, list[int]] = {}
    commitments: list[str] = []
    delivery: DeliveryIn = DeliveryIn()
    on_behalf: OnBehalfIn | None = None


def _bundle_answers(bundle: Bundle, answers: dict) -> dict:
    """The guidance answers checked against the bundle's questions (as the guidance API does)."""
    from onething.bundles.guidance_api import definition_questions, typed_answers

    questions = definition_questions(bundle)
    known = {q.key for q in questions}
    problems = {f"answers.{key}": "没有这个问题" for key in answers if key not in known}
    typed = typed_answers(questions, answers, problems)
    if problems:
        fields = {f"guidance_{key}": message for key, message in problems.items()}
        raise ServiceError("导办问卷的回答有误", fields=fields)
    return typed


@router.post("applications", response={200: ApplicationOut, 201: ApplicationOut})
def create_application(
    request,
    payload: ApplicationIn,
    idempotency_key: str = Header(
        default="", alias="Idempotency-Key", description="必填：本次提交的唯一标识，重试时不变"
    ),
):
    """Submit one application: for one handling item (`handling_item`: its code) or for a
    bundle (`bundle`: its slug, with the `guidance_answers` of its questionnaire). `answers`
    fill the form; `materials` map a material's name to ids from POST /uploads; `commitments`
    list the handling items whose commitment (告知承诺) the applicant signs. A clerk submitting
    for someone (帮代办) gives `on_behalf` with their ID number and how they consented.

    The `Idempotency-Key` header is required: a retry with the same key and the same body
    answers 200 with the application first created; the same key with a different body, 409."""
    key = (idempotency_key or "").strip()
    if not key:
        raise ServiceError(
            "缺少幂等键：请在请求头 Idempotency-Key 中提供本次提交的唯一标识",
            fields={"Idempotency-Key": "必填"},
        )
    if bool(payload.handling_item) == bool(payload.bundle):
        message = "请提供 handling_item（业务办理项编码）或 bundle（一件事），且只提供其一"
        raise ServiceError(message, fields={"handling_item": message})
    bundle, guidance_answers = None, {}
    if payload.bundle:
        bundle = Bundle.objects.visible_to(request.user).filter(slug=payload.bundle).first()
        if bundle is None:
            raise NotFound(f"没有“{payload.bundle}”这个一件事")
        guidance_answers = _bundle_answers(bundle, payload.guidance_answers)
    on_behalf = payload.on_behalf.dict() if payload.on_behalf is not None else None
    draft = services.draft_for(
        request.user, handling_code=payload.handling_item, bundle=bundle,
        answers=guidance_answers, on_behalf=on_behalf,
    )  # fmt: skip
    submission = services.Submission(
        answers=payload.answers,
        upload_ids={name: list(ids) for name, ids in payload.materials.items()},
        commitments=list(payload.commitments),
        delivery_method=payload.delivery.method,
        delivery_address=payload.delivery.address,
    )
    application, created = services.submit_application(
        actor=request.user, draft=draft, submission=submission, idempotency_key=key,
        consent=(on_behalf or {}).get("consent", ""), request=request,
    )  # fmt: skip
    # The submitter sees every case the submission created, whichever unit handles it.
    cases = list(application.cases.select_related(*_CASE_RELATED).order_by("id"))
    body = application_out(application, cases, load_calendar(), timezone.localdate())
    return Status(201 if created else 200, body)


@router.get("applications", response=ApplicationPage)
def list_applications(request, limit: int = 20, offset: int = 0):
    """The applications the caller may see, newest first, each with the cases the caller may
    see (staff: those of their unit)."""
    rows, next_offset = _page(_applications(request.user).order_by("-submitted_at", "-id"),
                              limit, offset)  # fmt: skip
    calendar, today = load_calendar(), timezone.localdate()
    return {
        "results": [application_out(a, a.visible_cases, calendar, today) for a in rows],
        "next_offset": next_offset,
    }


@router.get("applications/{application_id}", response=ApplicationOut)
def get_application(request, application_id: int):
    application = _applications(request.user).filter(pk=application_id).first()
    if application is None:
        raise NotFound("申请不存在或无权查看")
    return application_out(
        application, application.visible_cases, load_calendar(), timezone.localdate()
    )


# --- Cases -----------------------------------------------------------------------------------


class CaseFilters(Schema):
    state: str = ""
    warning: str = ""
    department: str = ""
    q: str = ""


@router.get("cases", response=CasePage)
def list_cases(request, filters: Query[CaseFilters], limit: int = 20, offset: int = 0):
    """The cases the caller may see, most urgent first. `state`: a lifecycle state;
    `warning`: green, yellow, red, paused or done; `department`: a department's code; `q`: a
    case or application number, or the applicant's full ID number or credit code (shown
    masked). At most 100 a page; `next_offset` is null on the last page."""
    errors = {}
    if filters.state and filters.state not in State.values:
        errors["state"] = "状态应为：" + "、".join(State.values)
    if filters.warning and filters.warning not in selectors.WARNINGS:
        errors["warning"] = "预警应为：" + "、".join(selectors.WARNINGS)
    if filters.department and not Department.objects.filter(code=filters.department).exists():
        errors["department"] = f"没有简码为“{filters.department}”的部门"
    if errors:
        raise ServiceError("筛选条件有误：" + "、".join(errors), fields=errors)
    cases = selectors.queue(
        request.user, state=filters.state, warning=filters.warning,
        department=filters.department, q=filters.q, include_done=True,
    )  # fmt: skip
    rows, next_offset = _page(cases, limit, offset)
    calendar, today = load_calendar(), timezone.localdate()
    limits = services.Limits.current()
    return {
        "results": [case_summary(c, calendar, today, limits) for c in rows],
        "next_offset": next_offset,
    }


def _visible_case(user, case_id: int) -> Case:
    case = (
        Case.objects.visible_to(user)
        .select_related(*_CASE_RELATED, "item")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("办件不存在或无权查看")
    return case


@router.get("cases/{case_id}", response=CaseDetail)
def get_case(request, case_id: int):
    """One case: its deadlines and warning, timeline, materials, notices (PDF links), the
    form as submitted, and the actions the caller may take now. Staff reads are audited."""
    case = _visible_case(request.user, case_id)
    if not request.user.is_applicant:
        record_audit(
            actor=request.user, action="查阅办件", kind=AuditEntry.Kind.READ, obj=case,
            request=request,
        )  # fmt: skip
    return case_detail(case, request.user)


class ProblemIn(Schema):
    item: str
    problem: str = ""


class ActionIn(Schema):
    version: int | None = None
    problems: list[ProblemIn] = []
    reasons: str = ""
    remedies: str = ""
    procedure: str = ""
    reason: str = ""
    expected_days: int | None = None
    method: str = ""
    tracking: str = ""
    address: str = ""
    note: str = ""
    materials: dict[str, list[int]] = {}


@router.post("cases/{case_id}/{action}", response=CaseDetail)
def act(request, case_id: int, action: str, payload: ActionIn):
    """Take a lifecycle action: accept, request-correction (`problems`: [{item, problem}]),
    resubmit (`materials`: name → upload ids), refuse and deny (`reasons`, `remedies`),
    review, suspend (`procedure`, `reason`, `expected_days`), resume, extend (`reason`),
    approve, deliver (`method`, `tracking`, `address`), withdraw; `note` where it applies.
    `version` is the case version the caller saw: if the case changed since, 409. An action
    the case's state does not allow answers 422 listing the ones it does."""
    if action not in API_ACTIONS:
        raise NotFound(f"没有“{action}”这个办件操作；可用的操作：{'、'.join(API_ACTIONS)}")
    data = payload.dict(exclude={"version", "materials"})
    upload_ids = payload.materials if action == "resubmit" else None
    case = services.perform(
        case_id=case_id, action=action, actor=request.user, data=data,
        expected_version=payload.version, upload_ids=upload_ids, request=request,
    )  # fmt: skip
    return case_detail(_visible_case(request.user, case.pk), request.user)
