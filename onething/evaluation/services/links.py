"""Rating links (短信评价): a signed, single-use, expiring link to rate one concluded case
without signing in.

The token is `django.core.signing` over the case id and a random nonce, with its own salt; only
the nonce's SHA-256 is stored (RatingLink), so the database alone cannot rebuild a link. A
link lives LINK_LIFETIME — a fixed platform constant, not a district setting — and is used up
atomically: one conditional UPDATE on `used_at IS NULL` decides which of two submissions wins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse

from onething.cases.models import Case
from onething.cases.workflow import State
from onething.core.errors import NotAllowed, NotFound, ServiceError
from onething.core.models import Role
from onething.core.notifications import notify
from onething.core.services import record_audit

from ..models import Channel, Rating, RatingLink
from .common import in_unit, is_bureau, now_or
from .ratings import CASE_ALREADY_RATED, RATEABLE, rate_case

LINK_SALT = "onething.evaluation.rating-link"
LINK_LIFETIME = dt.timedelta(days=30)
LINK_USED = "该评价链接已使用"
LINK_EXPIRED = "该评价链接已过期"


class LinkGone(ServiceError):
    """A genuine link that can no longer be used (used or expired): HTTP 410."""

    status = 410
    code = "gone"


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue_rating_link(case: Case, *, now: dt.datetime | None = None) -> str:
    """Create a rating link for a concluded or refused case; returns its path on this site
    (/rate/<token>/). Call inside the caller's transaction; the token is not stored."""
    if case.state not in RATEABLE:
        raise ServiceError("办结或不予受理的办件才能发送评价链接", code="not_rateable")
    now = now_or(now)
    nonce = secrets.token_urlsafe(18)
    RatingLink.objects.create(
        case=case, nonce_hash=_hash(nonce), expires_at=now + LINK_LIFETIME, created_at=now
    )
    token = signing.dumps({"c": case.pk, "n": nonce}, salt=LINK_SALT)
    return reverse("evaluation:rate_link", args=[token])


def link_for(token: str) -> RatingLink:
    """The link a token names; NotFound for a tampered or unknown token."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
        case_id, nonce = int(data["c"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("评价链接无效") from None
    link = (
        RatingLink.objects.select_related("case__item", "case__department", "case__town")
        .filter(nonce_hash=_hash(nonce), case_id=case_id)
        .first()
    )
    if link is None:
        raise NotFound("评价链接无效")
    return link


def check_usable(link: RatingLink, now: dt.datetime | None = None) -> None:
    """LinkGone when the link was used or has expired."""
    if link.used_at is not None:
        raise LinkGone(LINK_USED, code="link_used")
    if link.expires_at <= now_or(now):
        raise LinkGone(LINK_EXPIRED, code="link_expired")


def rate_by_link(
    token: str, *, level, reasons=(), text: str = "", anonymous: bool = False,
    now: dt.datetime | None = None, request=None,
) -> Rating:  # fmt: skip
    """Rate the link's case (channel sms) and use the link up, in one transaction: if the
    rating is refused the link stays usable; of two submissions at once, one wins."""
    now = now_or(now)
    link = link_for(token)
    check_usable(link, now)
    with transaction.atomic():
        claimed = RatingLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not claimed:
            link.refresh_from_db()
            check_usable(link, now)
            raise LinkGone(LINK_USED, code="link_used")
        return rate_case(
            None, link.case, level=level, channel=Channel.SMS, reasons=reasons, text=text,
            anonymous=anonymous, now=now, request=request,
        )  # fmt: skip


def applicant_account(case: Case):
    """The applicant's account to send the link to: the applying user, else a person account
    with the applicant's ID number; None when there is none."""
    application = case.application
    if application.applicant_user_id:
        return application.applicant_user
    if application.applicant_kind == "person":
        return (
            get_user_model()
            .objects.filter(role=Role.PERSON, id_number=application.applicant_code)
            .first()
        )
    return None


def send_rating_sms(*, case_id: int, actor, now: dt.datetime | None = None, request=None):
    """发送评价短信: staff of the case's unit, or the bureau, issue a rating link for a concluded
    case and queue it to the applicant by SMS (and inbox). Returns the recipient."""
    now = now_or(now)
    case = (
        Case.objects.visible_to(actor)
        .select_related("application__applicant_user", "item")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("办件不存在或无权查看")
    if not (is_bureau(actor) or in_unit(actor, case.department_id, case.town_id)):
        raise NotAllowed("只有办理单位或区行政审批服务局可以发送评价短信")
    if case.ratings.online_case_ratings().exists():
        raise ServiceError(f"{CASE_ALREADY_RATED}，无需再发送评价短信", code="already_rated")
    recipient = applicant_account(case)
    if recipient is None:
        raise ServiceError("申请人没有平台账号，无法发送评价短信；可请其在窗口评价器上评价")
    with transaction.atomic():
        _send_link(case, recipient, now=now, actor=actor, request=request)
    return recipient


def invite_on_end(sender, *, case: Case, now: dt.datetime, **kwargs) -> None:
    """Receiver of cases' `case_ended`: the platform sends the rating SMS itself when a case is
    concluded or refused (好差评 "一事一评": every case is offered its rating), to the
    applicant's account, in the transaction that ended the case. Nothing is sent when the
    applicant has no account (they can rate on the hall's tablet) or already rated online."""
    recipient = applicant_account(case)
    if recipient is None:
        return
    if case.ratings.online_case_ratings().exists():
        return
    _send_link(case, recipient, now=now, actor=None)


def _send_link(case: Case, recipient, *, now: dt.datetime, actor, request=None) -> None:
    """Issue a link and queue it to `recipient` by SMS and inbox; audited."""
    path = issue_rating_link(case, now=now)
    site = getattr(settings, "ONETHING_PUBLIC_URL", "")
    days = LINK_LIFETIME.days
    ended = "已办结" if case.state == State.CONCLUDED else "已办理完毕（不予受理）"
    notify(
        recipient,
        title=f"请评价办件 {case.number}",
        body=(
            f"您办理的“{case.item.name}”{ended}，请点击链接评价（无需登录，{days}日内有效，"
            f"仅可使用一次）：{site}{path}"
        ),
        link=path,
    )
    record_audit(
        actor=actor,
        action="evaluation.ratinglink.send",
        obj=case,
        after={"recipient": recipient.pk, "expires_in_days": days,
               "sent_by": "staff" if actor is not None else "system"},
        request=request,
    )  # fmt: skip
