"""Pages for red and yellow cards and the monthly bulletin: the bureau previews, issues and
publishes; a unit reads its cards and answers them; every staff member reads the bulletins.
Each view parses the request, calls one service and renders; scoping is `visible_to`."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from onething.core.access import UNIT_STAFF_ROLES, role_required
from onething.core.district_settings import current_settings
from onething.core.errors import ServiceError
from onething.core.models import Role

from . import bulletins, cards
from .models import Bulletin, Card, CardRun
from .months import month_end, month_label, next_month, parse_month, previous_month

UNIT_STAFF = UNIT_STAFF_ROLES
ALL_STAFF = (*UNIT_STAFF, Role.SUPERVISOR, Role.SYSADMIN)


def _month_from(request):
    """The month asked for (?month=YYYY-MM), or the current one; None when invalid."""
    text = request.GET.get("month", "")
    if not text:
        return timezone.localdate().replace(day=1)
    try:
        return parse_month(text)
    except ServiceError:
        return None


def _rules_with_settings():
    in_force = {item.spec.key: item for item in current_settings()}
    return [(rule, in_force[rule.setting]) for rule in cards.RULES.values()]


@role_required(Role.SUPERVISOR)
def bureau(request):
    month = _month_from(request)
    today = timezone.localdate()
    if month is None or month > today:
        messages.error(request, "月份无效：格式应为 YYYY-MM，且不能是将来的月份")
        return redirect(reverse("supervision:cards"))
    issued = list(
        Card.objects.visible_to(request.user)
        .of_month(month)
        .select_related("department", "town", "responded_by")
    )
    issued_keys = {(cards.card_unit_key(c), c.rule_code) for c in issued}
    would_be = cards.preview(month, today=today)
    run = CardRun.objects.visible_to(request.user).filter(month=month).first()
    over = month_end(month) < today
    return render(
        request,
        "supervision/cards_bureau.html",
        {
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "month_label": month_label(month),
            "previous": f"{previous_month(month):%Y-%m}",
            "next": f"{next_month(month):%Y-%m}" if next_month(month) <= today else "",
            "issued": issued,
            "preview": [(c, (c.unit.key, c.rule.code) in issued_keys) for c in would_be],
            "not_yet_issued": sum(
                1 for c in would_be if (c.unit.key, c.rule.code) not in issued_keys
            ),
            "run": run,
            "over": over,
            "as_of": cards.as_of_day(month, today),
            "rules": _rules_with_settings(),
            "bulletin": Bulletin.objects.visible_to(request.user).filter(month=month).first(),
        },
    )


def _on_month(request, action):
    """POST `month` (YYYY-MM): run `action(month)`, show the message it returns (or the
    error), and go back to that month's cards page."""
    try:
        month = parse_month(request.POST.get("month", ""))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(reverse("supervision:cards"))
    try:
        messages.success(request, action(month))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('supervision:cards')}?month={month:%Y-%m}")


@role_required(Role.SUPERVISOR)
@require_POST
def issue(request):
    def run(month):
        result = cards.issue_month(month, actor=request.user, request=request)
        return (
            f"已签发{month_label(month)}红黄牌：新签发 {len(result.created)} 张，"
            f"已存在 {result.existing} 张"
        )

    return _on_month(request, run)


@role_required(*UNIT_STAFF)
def mine(request):
    own = (
        Card.objects.visible_to(request.user)
        .select_related("department", "town", "responded_by")
        .order_by("-month", "color", "rule_code")
    )
    return render(
        request,
        "supervision/cards_mine.html",
        {"cards": own, "rules": _rules_with_settings(), "max_length": cards.RESPONSE_MAX},
    )


@role_required(*UNIT_STAFF)
@require_POST
def respond(request, pk: int):
    try:
        cards.respond_to_card(
            card_id=pk, actor=request.user, text=request.POST.get("response", ""), request=request
        )
    except ServiceError as error:
        if error.status == 404:
            raise Http404(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(request, "回复已提交")
    return redirect(f"{reverse('supervision:cards_mine')}#card-{pk}")


# --- Bulletins ----------------------------------------------------------------------------------


@role_required(*ALL_STAFF)
def bulletin_list(request):
    return render(
        request,
        "supervision/bulletins.html",
        {"bulletins": Bulletin.objects.visible_to(request.user).select_related("published_by")},
    )


@role_required(Role.SUPERVISOR)
@require_POST
def publish(request):
    def run(month):
        bulletin = bulletins.publish_bulletin(month=month, actor=request.user, request=request)
        return f"已印发通报 {bulletin.number}"

    return _on_month(request, run)


@role_required(*ALL_STAFF)
def bulletin_pdf(request, month: str):
    try:
        day = parse_month(month)
    except ServiceError:
        raise Http404("没有这个月份的通报") from None
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), month=day)
    response = HttpResponse(bulletins.render_bulletin_pdf(bulletin), content_type="application/pdf")
    name = quote(bulletins.bulletin_filename(bulletin))
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    return response
