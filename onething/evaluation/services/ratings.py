"""Recording ratings (好差评, 国办发〔2019〕51号): on a concluded or refused case (online, once per
case), on a hall service (on site, once per service) and on a hotline ticket (at the return
visit). A negative rating must say why, and opens its handling with the district's limits as
they stand at that moment."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.cases.models import Case, CaseEvent
from onething.cases.workflow import State
from onething.core.district_settings import get_setting
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import Role
from onething.core.notifications import notify
from onething.core.services import record_audit

from ..models import (
    NEGATIVE_LEVELS,
    ONLINE_CHANNELS,
    ONSITE_CHANNELS,
    REASONS,
    Channel,
    Level,
    NegativeHandling,
    Rating,
    Ticket,
)
from .common import BUREAU, UNIT_STAFF, in_unit, is_bureau, now_or, region_code

RATEABLE = (State.CONCLUDED, State.REFUSED)
CASE_ALREADY_RATED = "该办件已评价"
SERVICE_ALREADY_RATED = "该次服务已评价"
TICKET_ALREADY_RATED = "该工单已评价"
NEGATIVE_NEEDS_REASON = "差评须选择原因并填写具体情况"
_PHONE = re.compile(r"^\d{7,11}$")


def clean_rating(level, reasons, text) -> tuple[int, list[str], str]:
    """The level, reason codes and text of a rating, or ServiceError listing every problem.
    A negative rating needs at least one reason and its text; others keep no reasons."""
    errors = {}
    try:
        level = int(level)
        if level not in Level.values:
            raise ValueError
    except (TypeError, ValueError):
        errors["level"] = "请选择评价等级：" + "、".join(Level.labels)
        level = 0
    if isinstance(reasons, str):
        reasons = [reasons]
    reasons = list(dict.fromkeys(str(r) for r in (reasons or [])))
    text = str(text or "").strip()
    if len(text) > 500:
        errors["text"] = "评价内容不能超过500字"
    negative = level in NEGATIVE_LEVELS
    if negative:
        unknown = [r for r in reasons if r not in REASONS]
        if unknown:
            errors["reasons"] = "差评原因应为：" + "、".join(REASONS.values())
        elif not reasons:
            errors["reasons"] = "请选择差评原因（可多选）"
        if not text:
            errors["text"] = "请填写具体情况"
    else:
        reasons = []
    if errors:
        missing = negative and ("reasons" in errors or errors.get("text") == "请填写具体情况")
        message = NEGATIVE_NEEDS_REASON if missing else f"评价有 {len(errors)} 处需要修改"
        raise ServiceError(message, fields=errors)
    return level, reasons, text


def handling_clerk(case: Case):
    """The staff member who served the applicant: who accepted or refused the case, else the
    last staff member on its timeline (e.g. the clerk of assisted service)."""
    staff = CaseEvent.objects.filter(case=case, actor__role__in=UNIT_STAFF).select_related("actor")
    event = staff.filter(action__in=("accept", "refuse")).order_by("-at", "-id").first()
    event = event or staff.order_by("-at", "-id").first()
    return event.actor if event else None


def _unit_recipients(department_id, town_id):
    """Who in a unit is told of a new negative rating: its administrators, else all its staff."""
    users = get_user_model().objects.filter(role__in=UNIT_STAFF, is_active=True)
    users = (
        users.filter(department_id=department_id)
        if department_id
        else users.filter(town_id=town_id)
    )
    admins = users.filter(role=Role.DEPARTMENT_ADMIN)
    return list(admins if admins.exists() else users)


def _create(fields: dict, *, actor, now: dt.datetime, duplicate: str, request=None) -> Rating:
    """Write the rating (and its handling when negative) in one transaction, with the audit
    record and the unit's notice. A second rating where one is allowed is Conflict."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating = Rating.objects.create(created_at=now, **fields)
        except IntegrityError:
            raise Conflict(duplicate, code="already_rated") from None
        handling = None
        if rating.is_negative:
            handling = NegativeHandling.objects.create(
                rating=rating,
                opened_on=timezone.localdate(now),
                verify_days=int(get_setting("ratings.verify_days", at=now)),
                rectify_days=int(get_setting("ratings.rectify_days", at=now)),
            )
            for user in _unit_recipients(rating.department_id, rating.town_id):
                notify(
                    user,
                    title=f"收到差评：{rating.get_level_display()}（{rating.get_channel_display()}）",
                    body=(
                        f"请于 {handling.verify_days} 个工作日内核实、{handling.rectify_days} "
                        "个工作日内整改或解释。"
                    ),
                    link=f"/ratings/{handling.pk}/",
                )
        record_audit(
            actor=actor,
            action="evaluation.rating.create",
            obj=rating,
            after={
                "subject": rating.subject,
                "level": rating.level,
                "channel": rating.channel,
                "reasons": rating.reasons,
                "real_name": rating.real_name,
                "handling": handling.pk if handling else None,
            },
            request=request,
        )
    return rating


def _unit_fields(department, town) -> dict:
    return {"department": department, "town": town, "region_code": region_code(department, town)}


def rate_case(
    actor, case: Case, *, level, channel: str, reasons=(), text: str = "",
    anonymous: bool = False, now: dt.datetime | None = None, request=None,
) -> Rating:  # fmt: skip
    """The applicant's online rating of a concluded or refused case, once per case. `actor` is
    the signed-in applicant (channel web or app) or None for a rating link (channel sms).
    `anonymous`: the unit gets neither name nor phone and the rating needs no follow-up."""
    now = now_or(now)
    if actor is None:
        if channel != Channel.SMS:
            raise NotAllowed("未登录只能通过评价短信链接评价")
    else:
        if not actor.is_authenticated or not actor.is_applicant:
            raise NotAllowed("只有申请人本人可以评价办件")
        if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
            raise NotFound("办件不存在或无权查看")
        if channel not in (Channel.WEB, Channel.APP):
            raise ServiceError("网上评价的渠道应为政务服务网或移动端", fields={"channel": "无效"})
    if channel not in ONLINE_CHANNELS:
        raise ServiceError("办件的网上评价渠道应为政务服务网、移动端或短信")
    if case.state not in RATEABLE:
        raise ServiceError(
            f"办件当前为“{State(case.state).label}”，办结或不予受理后才能评价",
            code="not_rateable",
        )
    level, reasons, text = clean_rating(level, reasons, text)
    if case.ratings.online_case_ratings().exists():
        raise Conflict(CASE_ALREADY_RATED, code="already_rated")
    application = case.application
    if actor is not None:
        name = actor.display_name or application.applicant_name
        phone = actor.phone or application.applicant_phone
        rater_user = actor
    else:
        name, phone = application.applicant_name, application.applicant_phone
        rater_user = application.applicant_user
    fields = {
        "subject": Rating.Subject.CASE,
        "case": case,
        "item_id": case.item_id,
        "item_version_id": case.item_version_id,
        "clerk": handling_clerk(case),
        "channel": channel,
        "level": level,
        "reasons": reasons,
        "text": text,
        "rater_user": rater_user,
        "rater_name": "" if anonymous else name[:40],
        "rater_phone": "" if anonymous else (phone or "")[:11],
        "real_name": not anonymous and bool(name),
        **_unit_fields(case.department, case.town),
    }
    return _create(fields, actor=actor, now=now, duplicate=CASE_ALREADY_RATED, request=request)


def rate_hall_service(
    actor, *, service_ref: str, clerk, level, channel: str = Channel.HALL_TABLET,
    window: str = "", reasons=(), text: str = "", rater_name: str = "",
    rater_phone: str = "", case: Case | None = None, now: dt.datetime | None = None,
    request=None,
) -> Rating:  # fmt: skip
    """An on-site rating of one service at a window (hall tablet or self-service terminal),
    recorded by the staff account of the device; once per `service_ref` (the queue ticket or
    service serial number). The rated unit is the clerk's. A rater who leaves a phone number is
    real-name (and followed up when negative)."""
    now = now_or(now)
    if actor is None or not actor.is_authenticated or actor.role not in (*UNIT_STAFF, *BUREAU):
        raise NotAllowed("窗口服务评价由大厅评价设备（工作人员账号）登记")
    errors = {}
    service_ref = str(service_ref or "").strip()
    if not service_ref or len(service_ref) > 40:
        errors["service_ref"] = "请填写服务编号（取号号码或服务流水号，不超过40个字符）"
    if channel not in ONSITE_CHANNELS:
        errors["channel"] = "现场评价的渠道应为大厅评价器或自助终端"
    if clerk is None or clerk.role not in UNIT_STAFF:
        errors["clerk"] = "请指明提供服务的窗口人员"
    elif not (is_bureau(actor) or in_unit(actor, clerk.department_id, clerk.town_id)):
        raise NotAllowed("只能登记本单位窗口人员的服务评价")
    rater_phone = str(rater_phone or "").strip()
    if rater_phone and not _PHONE.match(rater_phone):
        errors["rater_phone"] = "联系电话应为7至11位数字"
    if case is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        errors["case"] = "办件不存在或无权查看"
    if errors:
        raise ServiceError(f"服务评价有 {len(errors)} 处需要修改", fields=errors)
    level, reasons, text = clean_rating(level, reasons, text)
    fields = {
        "subject": Rating.Subject.HALL,
        "case": case,
        "item_id": case.item_id if case else None,
        "item_version_id": case.item_version_id if case else None,
        "service_ref": service_ref,
        "window": str(window or "").strip()[:40],
        "clerk": clerk,
        "channel": channel,
        "level": level,
        "reasons": reasons,
        "text": text,
        "rater_name": str(rater_name or "").strip()[:40],
        "rater_phone": rater_phone,
        "real_name": bool(rater_phone),
        **_unit_fields(clerk.department, clerk.town),
    }
    return _create(fields, actor=actor, now=now, duplicate=SERVICE_ALREADY_RATED, request=request)


def rate_ticket(
    actor, ticket: Ticket, *, level, reasons=(), text: str = "", now: dt.datetime | None = None,
    request=None,
) -> Rating:  # fmt: skip
    """The caller's satisfaction with a ticket, taken by the bureau at the return visit
    (channel hotline); once per ticket; rates the unit that replied."""
    now = now_or(now)
    if not is_bureau(actor):
        raise NotAllowed("热线回访评价由区行政审批服务局登记")
    if ticket.department_id is None and ticket.town_id is None:
        raise ServiceError("工单尚未派给承办单位，不能评价")
    level, reasons, text = clean_rating(level, reasons, text)
    fields = {
        "subject": Rating.Subject.TICKET,
        "ticket": ticket,
        "channel": Channel.HOTLINE,
        "level": level,
        "reasons": reasons,
        "text": text,
        "rater_name": ticket.caller_name[:40],
        "rater_phone": ticket.caller_phone[:11],
        "real_name": bool(ticket.caller_phone),
        **_unit_fields(ticket.department, ticket.town),
    }
    return _create(fields, actor=actor, now=now, duplicate=TICKET_ALREADY_RATED, request=request)
