"""12345 hotline pages: the bureau's desk (intake and every ticket), a unit's tickets, and a
ticket with the actions allowed now."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from onething.core.access import role_required
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import Department, Region

from . import selectors
from .models import REASONS, Level, Ticket
from .services import hotline
from .services.common import is_bureau
from .views import UNIT_AND_BUREAU, error_links, posted_version

INTAKE_FIELDS = ("channel", "caller_name", "caller_phone", "category", "text", "unit")
ACTION_FIELDS = ("unit", "reason", "reply", "visit_result", "level")


def _unit_choices() -> list[tuple[str, str]]:
    """("department:CODE" or "town:CODE", name) for the unit selects."""
    departments = [(f"department:{d.code}", d.name) for d in Department.objects.all()]
    towns = Region.objects.filter(
        parent__code=settings.ONETHING_DISTRICT_CODE, level=Region.Level.TOWN,
        valid_to__isnull=True,
    ).order_by("code")  # fmt: skip
    return departments + [(f"town:{t.code}", t.name) for t in towns]


def _unit_args(value: str) -> dict:
    kind, _, code = str(value or "").partition(":")
    return {"department": code} if kind == "department" else {"town": code if code else ""}


def _desk_context(request, *, values=None, errors=None) -> dict:
    state = request.GET.get("state", "")
    category = request.GET.get("category", "")
    warning = request.GET.get("warning", "")
    q = request.GET.get("q", "").strip()
    state = state if state in Ticket.State.values else ""
    category = category if category in Ticket.Category.values else ""
    warning = warning if warning in selectors.WARNINGS else ""
    rows = selectors.ticket_queue(
        request.user, state=state, category=category, warning=warning, q=q
    )
    errors = errors or {}
    return {
        "rows": rows[:200], "state": state, "category": category, "warning": warning, "q": q,
        "states": Ticket.State.choices, "categories": Ticket.Category.choices,
        "channels": Ticket.Channel.choices, "warnings": selectors.WARNINGS.items(),
        "units": _unit_choices(), "bureau": is_bureau(request.user),
        "values": values or {}, "errors": errors,
        "error_links": error_links(errors, "intake-"),
    }  # fmt: skip


@role_required(*UNIT_AND_BUREAU)
@require_http_methods(["GET", "POST"])
def desk(request):
    """GET: the tickets the user may see, most urgent first (the bureau: with the intake
    form). POST: the bureau registers a ticket, dispatched at once when a unit is chosen."""
    if request.method == "POST":
        if not is_bureau(request.user):
            raise PermissionDenied("12345热线工单由区行政审批服务局登记")
        values = {k: request.POST.get(k, "") for k in INTAKE_FIELDS}
        try:
            ticket = hotline.intake_ticket(
                actor=request.user, channel=values["channel"],
                caller_name=values["caller_name"], caller_phone=values["caller_phone"],
                category=values["category"], text=values["text"],
                **(_unit_args(values["unit"]) if values["unit"] else {}), request=request,
            )  # fmt: skip
        except ServiceError as error:
            context = _desk_context(request, values=values, errors=error.fields)
            context["summary"] = error.message
            return render(request, "evaluation/hotline.html", context, status=422)
        messages.success(request, f"工单 {ticket.number} 已登记（{ticket.get_state_display()}）")
        return redirect("evaluation:ticket", ticket.pk)
    return render(request, "evaluation/hotline.html", _desk_context(request))


def _ticket_or_404(user, pk: int) -> Ticket:
    ticket = Ticket.objects.visible_to(user).select_related("department", "town").filter(pk=pk)
    found = ticket.first()
    if found is None:
        raise Http404("工单不存在或无权查看")
    return found


def _render_ticket(request, ticket, *, errors=None, failed="", values=None, phone="",
                   status=200):  # fmt: skip
    errors = errors or {}
    bureau = is_bureau(request.user)
    return render(
        request, "evaluation/ticket.html",
        {"ticket": ticket, "status": selectors.Reader().ticket(ticket),
         "actions": {a.action: a for a in hotline.actions_for(ticket, request.user)},
         "events": ticket.events.all(), "units": _unit_choices() if bureau else [],
         "levels": Level.choices, "reasons": REASONS.items(), "bureau": bureau,
         "can_call": hotline.may_call(ticket, request.user), "phone": phone,
         "rating": ticket.ratings.first(),
         "errors": errors, "failed": failed, "values": values or {},
         "error_links": error_links(errors, f"{failed}-")},
        status=status,
    )  # fmt: skip


@role_required(*UNIT_AND_BUREAU)
def ticket_detail(request, pk: int):
    return _render_ticket(request, _ticket_or_404(request.user, pk))


@role_required(*UNIT_AND_BUREAU)
@require_POST
def ticket_act(request, pk: int, action: str):
    ticket = _ticket_or_404(request.user, pk)
    values = {k: request.POST.get(k, "") for k in ACTION_FIELDS}
    data = {
        **values, **(_unit_args(values["unit"]) if values["unit"] else {}),
        "reasons": request.POST.getlist("reasons"),
    }  # fmt: skip
    version = posted_version(request)
    try:
        ticket = hotline.perform(
            ticket_id=pk, action=action, actor=request.user, data=data,
            expected_version=version, request=request,
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except Conflict as error:
        messages.error(request, error.message)
    except ServiceError as error:
        if error.fields and set(error.fields) != {"action"}:
            return _render_ticket(
                request, ticket, errors=error.fields, failed=action, values=data, status=422
            )
        messages.error(request, error.message)
    else:
        messages.success(request, f"已{hotline.ACTIONS[action].label}：{ticket.number}")
        if not Ticket.objects.visible_to(request.user).filter(pk=pk).exists():
            return redirect("evaluation:hotline")  # returned to the bureau: no longer ours
    return redirect("evaluation:ticket", pk)


@role_required(*UNIT_AND_BUREAU)
@require_POST
def ticket_call(request, pk: int):
    ticket = _ticket_or_404(request.user, pk)
    try:
        phone = hotline.reveal_caller_phone(
            ticket_id=pk, actor=request.user, purpose=request.POST.get("purpose", ""),
            request=request,
        )  # fmt: skip
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("evaluation:ticket", pk)
    return _render_ticket(request, ticket, phone=phone)
