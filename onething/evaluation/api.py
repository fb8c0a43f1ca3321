"""Ratings API (好差评): record a rating, list and read ratings, act on a negative rating's
handling. The 12345 tickets are in hotline_api.py.

Every read goes through the models' `visible_to`; every change through
`onething.evaluation.services`. Lists page with `limit`/`offset` and answer `next_offset`. The
rater's name and phone never appear to the rated unit, except masked on the follow-up step of a
real-name rating (`rater_contact`).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from ninja import Query, Router, Schema, Status

from onething.cases.models import Case
from onething.core.api_utils import keyset_page
from onething.core.errors import NotFound, ServiceError

from . import selectors
from .models import REASONS, NegativeHandling, Rating
from .services import handling as handling_services
from .services import ratings
from .services.common import UNIT_STAFF, is_bureau

router = Router(tags=["好差评"])
MAX_PAGE = 100


def page(rows, limit: int, offset: int) -> tuple[list, int | None]:
    return keyset_page(rows, limit=limit, offset=offset, max_page=MAX_PAGE)


# --- Shapes ------------------------------------------------------------------------------------


class ContactOut(Schema):
    name: str
    phone: str


class HandlingOut(Schema):
    id: int
    rating_id: int
    state: str
    state_label: str
    version: int
    opened_on: dt.date
    verify_days: int
    rectify_days: int
    verify_due: dt.date
    rectify_due: dt.date
    step: str
    step_due: dt.date | None
    warning: str
    warning_label: str
    upheld: bool | None
    verification: str
    verified_at: dt.datetime | None
    outcome: str
    rectification: str
    rectified_at: dt.datetime | None
    follow_up: str
    followed_up_at: dt.datetime | None
    rater_satisfied: bool | None
    closed_at: dt.datetime | None
    appeal_reason: str
    appealed_at: dt.datetime | None
    appeal_upheld: bool | None
    appeal_decision: str
    appeal_decided_at: dt.datetime | None
    rater_contact: ContactOut | None  # the unit: masked, only while following up a real name
    allowed_actions: list[str]


class RatingOut(Schema):
    id: int
    subject: str
    level: int
    level_label: str
    negative: bool
    channel: str
    channel_label: str
    reasons: list[str]
    reason_labels: list[str]
    text: str
    status: str
    created_at: dt.datetime
    case_id: int | None
    case_number: str | None
    ticket_number: str | None
    service_ref: str
    window: str
    item_code: str | None  # the implementation code
    item_version: int | None
    department: str | None  # a department's code
    town: str | None  # a town's region code
    unit_name: str
    region_code: str
    clerk: str | None
    real_name: bool
    rater: str | None  # masked; only for the bureau and the rater
    handling: HandlingOut | None


class RatingPage(Schema):
    results: list[RatingOut]
    next_offset: int | None


def handling_out(handling: NegativeHandling, user, reader=None) -> dict:
    reader = reader or selectors.Reader()
    status = reader.handling(handling)
    found = status.deadlines
    contact = handling_services.rater_contact(handling, user)
    fields = (
        "state", "version", "opened_on", "verify_days", "rectify_days", "upheld",
        "verification", "verified_at", "outcome", "rectification", "rectified_at",
        "follow_up", "followed_up_at", "rater_satisfied", "closed_at", "appeal_reason",
        "appealed_at", "appeal_upheld", "appeal_decision", "appeal_decided_at",
    )  # fmt: skip
    return {
        "id": handling.pk,
        "rating_id": handling.rating_id,
        **{name: getattr(handling, name) for name in fields},
        "state_label": handling.get_state_display(),
        "verify_due": found.verify_due,
        "rectify_due": found.rectify_due,
        "step": found.step,
        "step_due": found.step_due,
        "warning": status.warning,
        "warning_label": status.warning_label,
        "rater_contact": contact,
        "allowed_actions": [a.action for a in handling_services.actions_for(handling, user)],
    }


def rating_out(rating: Rating, user, reader=None) -> dict:
    own = rating.rater_user_id is not None and rating.rater_user_id == user.pk
    handling = getattr(rating, "handling", None) if rating.is_negative else None
    return {
        "id": rating.pk,
        "subject": rating.subject,
        "level": rating.level,
        "level_label": rating.get_level_display(),
        "negative": rating.is_negative,
        "channel": rating.channel,
        "channel_label": rating.get_channel_display(),
        "reasons": rating.reasons,
        "reason_labels": [REASONS.get(r, r) for r in rating.reasons],
        "text": rating.text,
        "status": rating.status,
        "created_at": rating.created_at,
        "case_id": rating.case_id,
        "case_number": rating.case.number if rating.case_id else None,
        "ticket_number": rating.ticket.number if rating.ticket_id else None,
        "service_ref": rating.service_ref,
        "window": rating.window,
        "item_code": rating.item.implementation_code if rating.item_id else None,
        "item_version": rating.item_version.number if rating.item_version_id else None,
        "department": rating.department.code if rating.department_id else None,
        "town": rating.town.code if rating.town_id else None,
        "unit_name": rating.unit_name,
        "region_code": rating.region_code,
        "clerk": str(rating.clerk) if rating.clerk_id else None,
        "real_name": rating.real_name,
        "rater": rating.masked_rater if (own or is_bureau(user)) else None,
        "handling": handling_out(handling, user, reader) if handling is not None else None,
    }  # fmt: skip


_RATING_RELATED = ("department", "town", "item", "item_version", "case", "ticket", "clerk")


# --- Ratings -----------------------------------------------------------------------------------


class RatingIn(Schema):
    level: int
    reasons: list[str] = []
    text: str = ""
    channel: str = "web"
    case_id: int | None = None
    anonymous: bool = False
    service_ref: str = ""
    window: str = ""
    clerk: str = ""  # the window clerk's username; default: the caller
    rater_name: str = ""
    rater_phone: str = ""


@router.post("ratings", response={201: RatingOut})
def create_rating(request, payload: RatingIn):
    """A signed-in applicant rates their concluded or refused case (`case_id`, channel web or
    app; once per case: 409 `already_rated`). Staff record an on-site rating of a window service
    (`service_ref`, `window`, `clerk`, channel hall_tablet or terminal; once per service).
    A negative level (1 非常不满意, 2 不满意) needs `reasons` (from: attitude, efficiency,
    repeated, guide, online, fees, overdue, other) and `text`."""
    user = request.user
    common = {"level": payload.level, "reasons": payload.reasons, "text": payload.text}
    if user.is_applicant:
        case = Case.objects.visible_to(user).filter(pk=payload.case_id or 0).first()
        if case is None:
            raise NotFound("办件不存在或无权查看", fields={"case_id": "无效"})
        rating = ratings.rate_case(
            user, case, channel=payload.channel, anonymous=payload.anonymous, request=request,
            **common,
        )  # fmt: skip
    else:
        clerk = user if not payload.clerk else (
            get_user_model().objects.filter(username=payload.clerk, role__in=UNIT_STAFF).first()
        )  # fmt: skip
        if clerk is None:
            raise ServiceError("没有这个窗口人员", fields={"clerk": "无效"})
        case = None
        if payload.case_id:
            case = Case.objects.visible_to(user).filter(pk=payload.case_id).first()
        rating = ratings.rate_hall_service(
            user, service_ref=payload.service_ref, clerk=clerk, channel=payload.channel,
            window=payload.window, rater_name=payload.rater_name,
            rater_phone=payload.rater_phone, case=case, request=request, **common,
        )  # fmt: skip
    rating = Rating.objects.select_related(*_RATING_RELATED).get(pk=rating.pk)
    return Status(201, rating_out(rating, user))


class RatingFilters(Schema):
    negative: bool | None = None
    department: str = ""  # a department's code or a town's region code
    month: str = ""  # YYYY-MM


@router.get("ratings", response=RatingPage)
def list_ratings(request, filters: Query[RatingFilters], limit: int = 20, offset: int = 0):
    """The ratings the caller may see, newest first: the bureau all, a unit its own, a rater
    their own. `negative`: true or false; `department`: a department's code or a town's code;
    `month`: YYYY-MM."""
    errors = {}
    unit = None
    if filters.department:
        unit = selectors.unit_filter(filters.department)
        if unit is None:
            errors["department"] = f"没有简码或代码为“{filters.department}”的单位"
    if filters.month:
        try:
            selectors.month_bounds(filters.month)
        except ValueError:
            errors["month"] = "月份格式应为 YYYY-MM"
    if errors:
        raise ServiceError("筛选条件有误：" + "、".join(errors), fields=errors)
    rows = selectors.ratings(
        request.user, negative=filters.negative, unit=unit, month=filters.month
    ).select_related(*_RATING_RELATED)
    found, next_offset = page(rows, limit, offset)
    reader = selectors.Reader()
    return {"results": [rating_out(r, request.user, reader) for r in found],
            "next_offset": next_offset}  # fmt: skip


@router.get("ratings/{rating_id}", response=RatingOut)
def get_rating(request, rating_id: int):
    rating = (
        Rating.objects.visible_to(request.user)
        .select_related(*_RATING_RELATED, "handling")
        .filter(pk=rating_id)
        .first()
    )
    if rating is None:
        raise NotFound("评价不存在或无权查看")
    return rating_out(rating, request.user)


class HandlingActionIn(Schema):
    version: int | None = None
    upheld: bool | None = None  # verify
    verification: str = ""  # verify
    outcome: str = ""  # rectify: rectified or explained
    rectification: str = ""  # rectify
    follow_up: str = ""  # follow-up
    rater_satisfied: bool | None = None  # follow-up
    reason: str = ""  # appeal
    uphold: bool | None = None  # decide-appeal
    decision: str = ""  # decide-appeal


@router.post("negative-handlings/{handling_id}/{action}", response=HandlingOut)
def act_on_handling(request, handling_id: int, action: str, payload: HandlingActionIn):
    """The unit: verify (`upheld`, `verification`), rectify (`outcome`, `rectification`),
    follow-up (`follow_up`, `rater_satisfied`; real-name ratings only), close (a real-name
    rating only after its follow-up), appeal (`reason`). The bureau: decide-appeal (`uphold`,
    `decision`). `version` as seen: 409 if changed since; 422 lists what is possible now."""
    data = payload.dict(exclude={"version"})
    handling = handling_services.perform(
        handling_id=handling_id, action=action, actor=request.user,
        data={k: v for k, v in data.items() if v is not None},
        expected_version=payload.version, request=request,
    )  # fmt: skip
    handling = NegativeHandling.objects.select_related("rating").get(pk=handling.pk)
    return handling_out(handling, request.user)
