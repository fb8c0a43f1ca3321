"""Pages for applying, following one's applications, and handling cases. Each view parses the
request, calls one service and renders; data scoping is each model's `visible_to`."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onething.bundles import guidance
from onething.bundles.definitions import build_definition
from onething.bundles.models import Bundle, GuidanceSession
from onething.core.access import role_required
from onething.core.errors import Conflict, NotFound, ServiceError
from onething.core.models import Role

from . import selectors, services, uploads
from .models import Application, Case, CommitmentVerification, Notice, Upload
from .workflow import State

STAFF = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN, Role.SUPERVISOR, Role.SYSADMIN)
PAGE = 50


# --- Applying --------------------------------------------------------------------------------


def _bundle_answers(request, bundle: Bundle) -> dict:
    definition = build_definition(bundle.definition)
    answers = {}
    for q in definition.questions:
        if q.key in request.GET:
            try:
                answers[q.key] = guidance.parse_answer(q, request.GET.getlist(q.key))
            except guidance.AnswerInvalid:
                continue
    return answers


def _files(request, draft) -> dict[str, list[tuple[str, bytes]]]:
    files = {}
    for index, row in enumerate(draft.form.materials):
        chosen = request.FILES.getlist(f"material-{index}")
        if chosen:
            files[row.name] = [(f.name, f.read()) for f in chosen]
    return files


def _on_behalf(request) -> dict | None:
    if request.user.is_authenticated and request.user.role in (
        Role.CLERK,
        Role.REVIEWER,
        Role.DEPARTMENT_ADMIN,
    ):
        source = request.POST if request.method == "POST" else request.GET
        return {"id_number": source.get("on_behalf_id", ""), "consent": source.get("consent", "")}
    return None


def _apply(request, *, handling_code: str = "", bundle: Bundle | None = None, answers=None):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    on_behalf = _on_behalf(request)
    if on_behalf is not None and not on_behalf["id_number"]:
        # Assisted service starts by finding the person and recording their consent.
        return render(request, "cases/assist_start.html", {"errors": {}, "values": {}})
    try:
        draft = services.draft_for(
            request.user, handling_code=handling_code, bundle=bundle, answers=answers,
            on_behalf=on_behalf,
        )  # fmt: skip
    except NotFound:
        raise Http404("没有这个事项") from None
    except ServiceError as error:
        if on_behalf is not None:
            return render(
                request, "cases/assist_start.html",
                {"errors": error.fields or {"id_number": error.message}, "values": on_behalf},
            )  # fmt: skip
        return render(request, "cases/cannot_apply.html", {"message": error.message}, status=422)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        session = None
        if bundle is not None and request.user.is_applicant:
            session = (
                GuidanceSession.objects.visible_to(request.user)
                .filter(bundle=bundle, converted_at__isnull=True)
                .order_by("-id")
                .first()
            )
        submission = services.Submission(
            answers={f.key: request.POST.get(f.key) for f in draft.form.all_fields},
            files=_files(request, draft),
            commitments=request.POST.getlist("commit"),
            delivery_method=request.POST.get("delivery_method", ""),
            delivery_address=request.POST.get("delivery_address", ""),
            guidance_session_id=session.pk if session else None,
        )
        try:
            application, _ = services.submit_application(
                actor=request.user, draft=draft, submission=submission,
                idempotency_key=request.POST.get("submission_token", ""),
                consent=(on_behalf or {}).get("consent", ""), request=request,
            )  # fmt: skip
        except Conflict as error:
            messages.error(request, error.message)
        except ServiceError as error:
            errors = error.fields or {"form": error.message}
        else:
            messages.success(request, f"申请已提交，申请编号 {application.number}")
            if request.user.is_applicant:
                return redirect("cases:my_application", application.pk)
            return redirect("cases:workbench")
    context = {
        "draft": draft,
        "form": draft.form,
        "errors": errors,
        "material_errors": {
            i: errors.get(f"materials.{m.name}") for i, m in enumerate(draft.form.materials)
        },
        "error_links": _error_links(errors, draft),
        "values": values,
        "token": request.POST.get("submission_token") or uuid.uuid4().hex,
        "title": bundle.name if bundle else draft.handling_items[0].name,
        "barred": services.commitment_barred(draft.applicant) if draft.form.commitments else "",
        "on_behalf": on_behalf,
        "delivery_choices": Application.Delivery.choices,
        "accept": ".pdf,.jpg,.jpeg,.png,.ofd",
        "max_mb": uploads.max_file_bytes() // 1024 // 1024,
    }
    return render(request, "cases/apply.html", context, status=422 if errors else 200)


def _error_links(errors: dict, draft) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary: each message links to its input."""
    index = {f"materials.{m.name}": f"material-{i}" for i, m in enumerate(draft.form.materials)}
    keys = {f.key for f in draft.form.all_fields}
    links = []
    for key, message in errors.items():
        if key in index:
            links.append((index[key], message))
        elif key in keys or key in ("delivery_address",):
            links.append((key, message))
        else:
            links.append((f"f-{key}", message))
    return links


def apply_item(request, code: str):
    return _apply(request, handling_code=code)


def apply_bundle(request, slug: str):
    bundle = get_object_or_404(Bundle.objects.visible_to(request.user), slug=slug)
    return _apply(request, bundle=bundle, answers=_bundle_answers(request, bundle))


# --- The applicant's own applications --------------------------------------------------------


@login_required
def my_applications(request):
    rows = selectors.my_applications(request.user).prefetch_related("cases")[:200]
    return render(request, "cases/my_list.html", {"applications": rows})


def _case_rows(cases, calendar=None):
    from onething.core.services import load_calendar

    calendar = calendar or load_calendar()
    limits = services.Limits.current()
    return [(case, services.status_of(case, calendar=calendar, limits=limits)) for case in cases]


@login_required
def my_application(request, pk: int):
    application = get_object_or_404(selectors.my_applications(request.user), pk=pk)
    cases = (
        application.cases.select_related("department", "town", "handling_item", "item")
        .prefetch_related("events", "notices", "materials")
        .order_by("id")
    )
    return render(
        request, "cases/my_detail.html",
        {"application": application, "rows": _case_rows(cases),
         "can_withdraw": request.user.is_applicant and any(
             c.state in services.UNDECIDED for c in cases)},
    )  # fmt: skip


@login_required
@require_POST
def withdraw(request, pk: int):
    try:
        services.withdraw_application(application_id=pk, actor=request.user, request=request)
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "申请已撤回")
    return redirect("cases:my_application", pk)


@login_required
@require_POST
def resubmit(request, pk: int):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    asked = [p["item"] for p in case.correction_items]
    files = {}
    for index, name in enumerate(asked):
        chosen = request.FILES.getlist(f"fix-{index}")
        if chosen:
            files[name] = [(f.name, f.read()) for f in chosen]
    try:
        services.perform(
            case_id=case.pk, action="resubmit", actor=request.user, files=files,
            expected_version=_version(request), request=request,
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
        for message in error.fields.values():
            messages.error(request, message)
    else:
        messages.success(request, "补正材料已提交，部门将重新预审")
    return redirect("cases:my_application", case.application_id)


# --- Staff -----------------------------------------------------------------------------------


@role_required(*STAFF)
def workbench(request):
    state = request.GET.get("state", "")
    warning = request.GET.get("warning", "")
    q = request.GET.get("q", "")
    if state not in State.values:
        state = ""
    if warning not in selectors.WARNINGS:
        warning = ""
    try:
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        offset = 0
    cases = list(selectors.queue(request.user, state=state, warning=warning, q=q)[
        offset : offset + PAGE + 1
    ])  # fmt: skip
    more = len(cases) > PAGE
    rows = _case_rows(cases[:PAGE])
    return render(
        request, "cases/workbench.html",
        {"rows": rows, "state": state, "warning": warning, "q": q, "states": State.choices,
         "warnings": selectors.WARNINGS.items(), "offset": offset,
         "next_offset": offset + PAGE if more else None,
         "prev_offset": max(offset - PAGE, 0) if offset else None,
         "verifications": CommitmentVerification.objects.visible_to(request.user)
            .filter(status="pending").select_related("case").order_by("due_on")[:20]},
    )  # fmt: skip


@role_required(*STAFF)
def case_detail(request, pk: int):
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "application", "department", "town", "handling_item", "item"
        ),
        pk=pk,
    )
    actions = services.actions_for(case, request.user)
    verification = getattr(case, "verification", None) if hasattr(case, "verification") else None
    return render(
        request, "cases/case_detail.html",
        {"case": case, "status": services.status_of(case), "actions": actions,
         "events": case.events.all(), "notices": case.notices.all(),
         "materials": case.materials.select_related("upload"),
         "fields": _form_rows(case.application),
         "procedures": services.PROCEDURES.items(),
         "delivery_choices": Application.Delivery.choices,
         "default_remedies": services.DEFAULT_REMEDIES,
         "verification": verification,
         "can_verify": verification is not None and verification.status == "pending"
            and services._may(request.user, case, services.TRANSITIONS["revoke"])},
    )  # fmt: skip


def _form_rows(application: Application) -> list[tuple[str, str, str]]:
    """(label, value, source) of the application form, for the case page."""
    labels = {
        "applicant_name": "申请人姓名",
        "applicant_id": "居民身份证号码",
        "applicant_phone": "联系电话",
        "applicant_address": "联系地址",
        "enterprise_name": "企业名称",
        "credit_code": "统一社会信用代码",
        "legal_representative": "法定代表人",
    }
    for case in application.cases.select_related("handling_item"):
        for spec in case.handling_item.form_fields or []:
            labels.setdefault(spec["key"], spec["label"])
            for value, label in [(o["value"], o["label"]) for o in spec.get("options") or []]:
                labels[f"{spec['key']}={value}"] = label
    rows = []
    for key, value in application.form_data.items():
        if value is None or value == "":
            continue
        shown = labels.get(f"{key}={value}", value)
        if value is True:
            shown = "是"
        elif value is False:
            shown = "否"
        rows.append((labels.get(key, key), shown, application.prefill_sources.get(key, "")))
    return rows


def _version(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _action_data(request, action: str) -> dict:
    data = {k: request.POST.get(k, "") for k in (
        "reasons", "remedies", "procedure", "reason", "expected_days", "method", "tracking",
        "address", "note", "finding")}  # fmt: skip
    if action == "request-correction":
        problems = []
        for line in request.POST.get("problems", "").splitlines():
            item, _, problem = line.strip().partition("：")
            if not problem:
                item, _, problem = line.strip().partition(":")
            if item.strip():
                problems.append({"item": item.strip(), "problem": problem.strip()})
        data["problems"] = problems
    return data


@role_required(*STAFF)
@require_POST
def act(request, pk: int, action: str):
    try:
        case = services.perform(
            case_id=pk, action=action, actor=request.user, data=_action_data(request, action),
            expected_version=_version(request), request=request,
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
        for field, message in error.fields.items():
            if field != "action":
                messages.error(request, message)
        return redirect("cases:case", pk)
    messages.success(
        request, f"已{services.TRANSITIONS[action].label}，办件状态：{case.get_state_display()}"
    )
    return redirect("cases:case", pk)


@role_required(*STAFF)
@require_POST
def verify(request, pk: int):
    verification = get_object_or_404(CommitmentVerification.objects.visible_to(request.user), pk=pk)
    try:
        services.verify_commitment(
            verification_id=pk, actor=request.user,
            truthful=request.POST.get("truthful") == "yes",
            finding=request.POST.get("finding", ""), request=request,
        )  # fmt: skip
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "核查结果已登记")
    return redirect("cases:case", verification.case_id)


# --- Files -----------------------------------------------------------------------------------


@login_required
def notice_download(request, pk: int):
    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("case"), pk=pk
    )
    from . import notices as notice_pdf

    pdf = notice_pdf.render_notice_pdf(notice)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = notice_pdf.notice_filename(notice)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def upload_download(request, pk: int):
    upload = get_object_or_404(Upload.objects.visible_to(request.user), pk=pk)
    try:
        handle = open(uploads.path_of(upload.stored_name), "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, ValueError):
        raise Http404("文件不存在") from None
    response = FileResponse(
        handle, content_type=uploads.CONTENT_TYPES.get(upload.kind, "application/octet-stream")
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(upload.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def apply_url_for_result(bundle: Bundle, query: str) -> str:
    return f"{reverse('cases:apply_bundle', args=[bundle.slug])}?{query}"
