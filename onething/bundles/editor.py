"""The staff bundle editor: the definition edited as JSON with live validation and a readable
preview, a "try it" panel running guidance on chosen answers, and publishing as a new version.
For the bureau that designs bundles (区行政审批服务局) and the supervisors."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render

from onething.bundles import guidance
from onething.bundles.definitions import build_definition, check_definition
from onething.bundles.guidance_api import typed_answers
from onething.bundles.models import Bundle
from onething.bundles.publishing import FIELDS, publish_bundle
from onething.bundles.runner import conclusion_day
from onething.core.access import role_required
from onething.core.errors import ServiceError
from onething.core.models import Role
from onething.core.services import load_calendar
from onething.rules import describe

EDITOR_ROLES = (Role.SUPERVISOR, Role.SYSADMIN, Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN)


def _may_edit(user) -> None:
    """Bundles are designed by the lead bureau; supervisors and administrators may too."""
    if user.role in (Role.SUPERVISOR, Role.SYSADMIN):
        return
    if not (user.department_id and user.department.is_lead):
        raise PermissionDenied("一件事由区行政审批服务局统一设计")


@role_required(*EDITOR_ROLES)
def bundle_list(request):
    _may_edit(request.user)
    bundles = (
        Bundle.objects.visible_to(request.user)
        .annotate(
            started=Count("sessions"),
            completed=Count("sessions", filter=Q(sessions__completed_at__isnull=False)),
            converted=Count("sessions", filter=Q(sessions__converted_at__isnull=False)),
        )
        .select_related("current_version")
    )
    return render(request, "bundles/editor_list.html", {"bundles": bundles})


def _preview(definition_json: dict) -> dict:
    """Readable text of every rule, once the definition checks clean."""
    definition = build_definition(definition_json)
    catalog = definition.catalog()
    return {
        "questions": [
            (q, guidance.KIND_LABELS[q.kind], describe(q.show_if, catalog) if q.show_if else "")
            for q in definition.questions
        ],
        "members": [
            (m, describe(m.applies_if, catalog) if m.applies_if else "总是需要")
            for m in definition.members
        ],
    }


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _parse(text: str) -> tuple[dict | None, dict[str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, {"$": f"不是有效的 JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}"}
    if not isinstance(data, dict):
        return None, {"$": "应为一个 JSON 对象"}
    problems = check_definition(data)
    return data, problems


@role_required(*EDITOR_ROLES)
def edit(request, slug: str):
    _may_edit(request.user)
    bundle = get_object_or_404(Bundle.objects.visible_to(request.user), slug=slug)
    text = request.POST.get("definition") or json.dumps(
        bundle.definition, ensure_ascii=False, indent=2
    )
    answers_text = request.POST.get("answers", "{}")
    action = request.POST.get("action", "")
    data, problems = _parse(text)
    preview = _preview(data) if data is not None and not problems else None
    tried, try_error = None, ""
    if request.method == "POST" and action == "try" and preview is not None:
        try:
            answers = json.loads(answers_text or "{}")
            if not isinstance(answers, dict):
                raise ValueError
        except ValueError:
            try_error = '试填的回答应为 JSON 对象，如 {"parents_local": true}'
        else:
            definition = build_definition(data)
            fields: dict[str, str] = {}
            typed = typed_answers(list(definition.questions), answers, fields)
            if fields:
                try_error = "；".join(f"{k}：{v}" for k, v in fields.items())
            else:
                calendar = load_calendar()
                tried = guidance.guide(
                    definition, typed, today=dt.date.today(),
                    add_working_days=lambda day, n: conclusion_day(calendar, day, n),
                )  # fmt: skip
    if request.method == "POST" and action == "publish":
        fields = {name: getattr(bundle, name) for name in FIELDS}
        try:
            publish_bundle(
                base_version=_int(request.POST.get("version")),
                actor=request.user, data={**fields, "slug": bundle.slug, "definition": data or {}},
                note=request.POST.get("note", "").strip() or "修订", request=request,
            )  # fmt: skip
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已发布新版本")
            return redirect("bundles:editor", slug)
    template = "bundles/_editor_check.html" if request.htmx else "bundles/editor.html"
    return render(
        request, template,
        {"bundle": bundle, "text": text, "answers_text": answers_text, "problems": problems,
         "preview": preview, "tried": tried, "try_error": try_error,
         "versions": bundle.versions.order_by("-number")[:10]},
        # htmx swaps only successful answers; a full page with problems is a 422.
        status=422 if request.method == "POST" and problems and not request.htmx else 200,
    )  # fmt: skip
