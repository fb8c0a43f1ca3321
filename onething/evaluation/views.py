"""Rating pages: the applicant's rating of a concluded case, the public rating link, the unit's
workbench of negative ratings with the handling page, the bureau's appeals, and sending rating
links by SMS. Each view parses the request, calls one service and renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onething.cases.models import Case
from onething.core.access import role_required
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import Role

from . import selectors
from .models import ONLINE_CHANNELS, REASONS, Channel, Level, NegativeHandling, Rating
from .services import handling as handling_services
from .services import links, ratings
from .services.common import in_unit, is_bureau

APPLICANTS = (Role.PERSON, Role.ENTERPRISE)
UNIT_AND_BUREAU = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN, Role.SUPERVISOR)
# Where each field's error links to in the error summary (radios: their first option).
ANCHORS = {
    "level": "level-5",
    "reasons": f"reason-{next(iter(REASONS))}",
    "upheld": "upheld-yes",
    "outcome": "outcome-rectified",
    "rater_satisfied": "rater_satisfied-yes",
    "uphold": "uphold-yes",
}


def error_links(errors: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(anchor, message) pairs for the error summary; each message links to its input."""
    return [
        (ANCHORS.get(field, f"{prefix}{field}"), message)
        for field, message in errors.items()
        if field != "action"
    ]


def posted_version(request) -> int | None:
    """The record version the page showed (a stale page gets a conflict), if posted."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _rating_form_context(values=None, errors=None) -> dict:
    errors = errors or {}
    return {
        "levels": Level.choices,
        "reasons": REASONS.items(),
        "values": values or {},
        "chosen_reasons": (values or {}).get("reasons", []),
        "errors": errors,
        "error_links": error_links(errors),
    }


def _rating_values(request) -> dict:
    return {
        "level": request.POST.get("level", ""),
        "reasons": request.POST.getlist("reasons"),
        "text": request.POST.get("text", ""),
        "anonymous": request.POST.get("anonymous") == "1",
    }


# --- The applicant ---------------------------------------------------------------------------


@role_required(*APPLICANTS)
def rate_my_case(request, pk: int):
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("item", "department", "town"), pk=pk
    )
    existing = case.ratings.online_case_ratings().first()
    context = {"case": case, "existing": existing, **_rating_form_context()}
    if existing is None and case.state not in ratings.RATEABLE:
        context["not_yet"] = True
        return render(request, "evaluation/rate_case.html", context, status=422)
    if request.method == "POST" and existing is None:
        values = _rating_values(request)
        try:
            ratings.rate_case(
                request.user, case, level=values["level"], channel=Channel.WEB,
                reasons=values["reasons"], text=values["text"],
                anonymous=values["anonymous"], request=request,
            )  # fmt: skip
        except Conflict as error:
            messages.error(request, error.message)
        except ServiceError as error:
            context.update(_rating_form_context(values, error.fields or {"level": error.message}))
            context["summary"] = error.message
            return render(request, "evaluation/rate_case.html", context, status=422)
        else:
            messages.success(request, "感谢您的评价！")
        return redirect("cases:my_application", case.application_id)
    return render(request, "evaluation/rate_case.html", context)


# --- The public rating link --------------------------------------------------------------------


def rate_link(request, token: str):
    """No sign-in: whoever holds the link (sent to the applicant by SMS) rates the case once."""
    try:
        link = links.link_for(token)
        links.check_usable(link)
    except NotFound:
        raise Http404("评价链接无效") from None
    except links.LinkGone as error:
        return render(request, "evaluation/rate_gone.html", {"message": error.message}, status=410)
    case = link.case
    if case.ratings.online_case_ratings().exists():
        return render(
            request, "evaluation/rate_gone.html", {"message": ratings.CASE_ALREADY_RATED},
            status=409,
        )  # fmt: skip
    context = {"case": case, **_rating_form_context()}
    if request.method == "POST":
        values = _rating_values(request)
        try:
            rating = links.rate_by_link(
                token, level=values["level"], reasons=values["reasons"], text=values["text"],
                anonymous=values["anonymous"], request=request,
            )  # fmt: skip
        except links.LinkGone as error:
            return render(
                request, "evaluation/rate_gone.html", {"message": error.message}, status=410
            )
        except Conflict as error:
            return render(
                request, "evaluation/rate_gone.html", {"message": error.message}, status=409
            )
        except ServiceError as error:
            context.update(_rating_form_context(values, error.fields or {"level": error.message}))
            context["summary"] = error.message
            return render(request, "evaluation/rate_link.html", context, status=422)
        return render(request, "evaluation/rate_thanks.html", {"rating": rating, "case": case})
    return render(request, "evaluation/rate_link.html", context)


# --- The unit's workbench ----------------------------------------------------------------------


@role_required(*UNIT_AND_BUREAU)
def workbench(request):
    warning = request.GET.get("warning", "")
    if warning not in selectors.WARNINGS:
        warning = ""
    include_done = request.GET.get("all") == "1"
    rows = selectors.handling_queue(request.user, include_done=include_done, warning=warning)
    return render(
        request, "evaluation/workbench.html",
        {"rows": rows[:200], "warning": warning, "warnings": selectors.WARNINGS.items(),
         "include_done": include_done, "bureau": is_bureau(request.user)},
    )  # fmt: skip


def _handling_or_404(user, pk: int) -> NegativeHandling:
    handling = (
        NegativeHandling.objects.visible_to(user)
        .select_related(
            "rating__department",
            "rating__town",
            "rating__case",
            "rating__item",
            "rating__clerk",
            "rating__ticket",
            "verified_by",
            "appealed_by",
            "appeal_decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    if handling is None:
        raise Http404("差评记录不存在或无权查看")
    return handling


def _render_handling(request, handling, *, errors=None, failed="", values=None, phone="",
                     status=200):  # fmt: skip
    rating = handling.rating
    errors = errors or {}
    return render(
        request, "evaluation/handling.html",
        {"handling": handling, "rating": rating,
         "reason_labels": [REASONS.get(r, r) for r in rating.reasons],
         "status": selectors.Reader().handling(handling),
         "actions": {a.action: a for a in handling_services.actions_for(handling, request.user)},
         "contact": handling_services.rater_contact(handling, request.user),
         "can_call": handling_services.rater_contact(handling, request.user) is not None
            and in_unit(request.user, rating.department_id, rating.town_id),
         "phone": phone, "errors": errors, "failed": failed, "values": values or {},
         "error_links": error_links(errors, f"{failed}-")},
        status=status,
    )  # fmt: skip


@role_required(*UNIT_AND_BUREAU)
def handling_detail(request, pk: int):
    return _render_handling(request, _handling_or_404(request.user, pk))


@role_required(*UNIT_AND_BUREAU)
@require_POST
def handling_act(request, pk: int, action: str):
    handling = _handling_or_404(request.user, pk)
    data = {k: request.POST.get(k, "") for k in (
        "upheld", "verification", "outcome", "rectification", "follow_up", "rater_satisfied",
        "reason", "uphold", "decision")}  # fmt: skip
    version = posted_version(request)
    try:
        handling_services.perform(
            handling_id=pk, action=action, actor=request.user, data=data,
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
            return _render_handling(
                request, handling, errors=error.fields, failed=action, values=data, status=422
            )
        messages.error(request, error.message)
    else:
        label = handling_services.ACTIONS[action].label
        messages.success(request, f"已{label}")
    if action == "decide-appeal" and is_bureau(request.user):
        return redirect("evaluation:appeals")
    return redirect("evaluation:handling", pk)


@role_required(*UNIT_AND_BUREAU)
@require_POST
def handling_call(request, pk: int):
    """拨打: show the real-name rater's full phone for the follow-up call (an audited read)."""
    handling = _handling_or_404(request.user, pk)
    try:
        phone = handling_services.reveal_rater_phone(
            handling_id=pk, actor=request.user, purpose=request.POST.get("purpose", ""),
            request=request,
        )  # fmt: skip
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("evaluation:handling", pk)
    return _render_handling(request, handling, phone=phone)


@role_required(Role.SUPERVISOR)
def appeals(request):
    rows = selectors.appeals(request.user)[:200]
    return render(request, "evaluation/appeals.html", {"rows": rows})


# --- Rating links by SMS -----------------------------------------------------------------------

RATEABLE_STATES = tuple(ratings.RATEABLE)


@role_required(*UNIT_AND_BUREAU)
def invite(request):
    """Concluded or refused cases without an online rating, to send a rating link to."""
    q = request.GET.get("q", "").strip()
    cases = (
        Case.objects.visible_to(request.user)
        .filter(state__in=RATEABLE_STATES)
        .exclude(ratings__subject=Rating.Subject.CASE, ratings__channel__in=ONLINE_CHANNELS)
        .select_related("handling_item", "department", "town", "application")
        .order_by("-concluded_at", "-id")
    )
    if q:
        cases = cases.filter(number=q)
    return render(request, "evaluation/invite.html", {"cases": cases[:50], "q": q})


@role_required(*UNIT_AND_BUREAU)
@require_POST
def invite_send(request, case_id: int):
    try:
        links.send_rating_sms(case_id=case_id, actor=request.user, request=request)
    except NotFound:
        raise Http404 from None
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "评价短信已发送给申请人")
    return redirect("evaluation:invite")
