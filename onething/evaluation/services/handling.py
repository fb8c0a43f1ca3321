"""Handling a negative rating: the unit verifies it, rectifies or explains, follows up with a
real-name rater and closes it; or appeals it to the bureau as false or malicious, and the bureau
upholds the appeal (the rating is voided) or rejects it (handling resumes where it was).

Each action is one transaction with an audit record, written with a conditional UPDATE on the
handling's `version`: of two people acting at once, one wins and the other gets Conflict.
The rater's name and phone are not the unit's to see, except on the follow-up of a real-name
rating, and then the phone is masked until a member of staff reveals it to call (an audited
read with its purpose).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError, required_text
from onething.core.identity import mask_name, mask_phone
from onething.core.models import AuditEntry, Role
from onething.core.notifications import notify
from onething.core.services import record_audit

from ..models import NegativeHandling, Rating
from .common import CONFLICT_MESSAGE, bump, in_unit, is_bureau, now_or

S = NegativeHandling.State
UNIT, BUREAU = "unit", "bureau"
REAL_NAME_NEEDS_FOLLOW_UP = "实名差评须回访评价人后才能办结（实名差评100%回访）"


@dataclass(frozen=True)
class HandlingAction:
    action: str
    label: str
    sources: frozenset[str]
    actor: str  # UNIT: staff of the rated unit; BUREAU: the bureau's supervisors


def _a(action, label, sources, actor) -> HandlingAction:
    return HandlingAction(action, label, frozenset(sources), actor)


OPEN = (S.VERIFYING, S.RECTIFYING, S.FOLLOW_UP)
ACTIONS: dict[str, HandlingAction] = {
    a.action: a
    for a in [
        _a("verify", "登记核实情况", [S.VERIFYING], UNIT),
        _a("rectify", "登记整改或解释", [S.RECTIFYING], UNIT),
        _a("follow-up", "登记回访情况", [S.FOLLOW_UP], UNIT),
        _a("close", "办结", [S.FOLLOW_UP], UNIT),
        _a("appeal", "申诉（差评不实或恶意）", OPEN, UNIT),
        _a("decide-appeal", "核定申诉", [S.APPEALED], BUREAU),
    ]
}


def _guard(handling: NegativeHandling, action: str) -> str:
    """Why `action` is not possible now beyond its state, or ""."""
    rating = handling.rating
    if action == "follow-up":
        if not rating.real_name:
            return "匿名评价无法回访，整改或解释后可直接办结"
        if handling.followed_up_at is not None:
            return "已登记回访情况"
    if action == "close" and rating.real_name and handling.followed_up_at is None:
        return REAL_NAME_NEEDS_FOLLOW_UP
    if action == "appeal" and handling.appealed_at is not None:
        return "每条差评只能申诉一次"
    return ""


def _may(user, handling: NegativeHandling, spec: HandlingAction) -> bool:
    rating = handling.rating
    if spec.actor == BUREAU:
        return is_bureau(user)
    return in_unit(user, rating.department_id, rating.town_id)


def actions_for(handling: NegativeHandling, user) -> list[HandlingAction]:
    """The actions `user` may take on `handling` now (what the page and the API offer)."""
    return [
        spec
        for spec in ACTIONS.values()
        if handling.state in spec.sources
        and _may(user, handling, spec)
        and not _guard(handling, spec.action)
    ]


def rater_contact(handling: NegativeHandling, user) -> dict | None:
    """The rater as `user` may see them on the handling: the unit only on the follow-up of a
    real-name rating (masked); the bureau masked always; nobody else."""
    rating = handling.rating
    if not rating.real_name:
        return None
    contact = {"name": mask_name(rating.rater_name), "phone": mask_phone(rating.rater_phone)}
    if is_bureau(user):
        return contact
    following_up = handling.state == S.FOLLOW_UP and handling.followed_up_at is None
    if following_up and in_unit(user, rating.department_id, rating.town_id):
        return contact
    return None


def reveal_rater_phone(*, handling_id: int, actor, purpose: str, request=None) -> str:
    """The rater's full phone number for the follow-up call, recorded as an audited read."""
    handling = _visible(actor, handling_id)
    purpose = str(purpose or "").strip()
    if not purpose:
        raise ServiceError("请填写查看事由", fields={"purpose": "请填写查看事由"})
    contact = rater_contact(handling, actor)
    if contact is None or is_bureau(actor):
        raise NotAllowed("只有承办单位在回访实名评价人时可以查看联系电话")
    rating = handling.rating
    record_audit(
        actor=actor,
        action="evaluation.rating.rater_phone",
        kind=AuditEntry.Kind.READ,
        obj=rating,
        purpose=purpose[:200],
        request=request,
    )
    return rating.rater_phone


def _visible(user, handling_id: int) -> NegativeHandling:
    handling = (
        NegativeHandling.objects.visible_to(user)
        .select_related("rating__department", "rating__town", "rating__case")
        .filter(pk=handling_id)
        .first()
    )
    if handling is None:
        raise NotFound("差评记录不存在或无权查看")
    return handling


def _yes_no(data: dict, name: str, question: str, errors: dict) -> bool | None:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("yes", "true", "1", "是"):
        return True
    if text in ("no", "false", "0", "否"):
        return False
    errors[name] = f"请选择{question}"
    return None


def _changes(handling: NegativeHandling, action: str, data: dict, actor, now) -> dict:
    """The fields `action` writes, from its cleaned inputs; ServiceError lists every problem."""
    errors: dict[str, str] = {}
    fields: dict = {}
    if action == "verify":
        upheld = _yes_no(data, "upheld", "差评是否属实", errors)
        fields = {
            "upheld": upheld,
            "verification": required_text(data, "verification", "核实情况", errors),
            "verified_at": now,
            "verified_by": actor,
            "state": S.RECTIFYING,
        }
    elif action == "rectify":
        outcome = str(data.get("outcome") or "")
        if outcome not in NegativeHandling.Outcome.values:
            errors["outcome"] = "请选择处置方式：已整改或已解释说明"
        elif handling.upheld is False and outcome != NegativeHandling.Outcome.EXPLAINED:
            errors["outcome"] = "差评经核实不属实的，应向评价人解释说明"
        fields = {
            "outcome": outcome,
            "rectification": required_text(data, "rectification", "整改或解释内容", errors, 1000),
            "rectified_at": now,
            "state": S.FOLLOW_UP,
        }
    elif action == "follow-up":
        fields = {
            "follow_up": required_text(data, "follow_up", "回访情况", errors),
            "rater_satisfied": _yes_no(data, "rater_satisfied", "评价人是否满意", errors),
            "followed_up_at": now,
        }
    elif action == "close":
        fields = {"state": S.CLOSED, "closed_at": now}
    elif action == "appeal":
        fields = {
            "appeal_reason": required_text(data, "reason", "申诉理由", errors),
            "appealed_at": now,
            "appealed_by": actor,
            "appeal_state_before": handling.state,
            "state": S.APPEALED,
        }
    elif action == "decide-appeal":
        uphold = _yes_no(data, "uphold", "申诉是否成立", errors)
        fields = {
            "appeal_upheld": uphold,
            "appeal_decision": required_text(data, "decision", "核定意见", errors),
            "appeal_decided_at": now,
            "appeal_decided_by": actor,
            "state": S.VOIDED if uphold else handling.appeal_state_before or S.VERIFYING,
        }
        if uphold:
            fields["closed_at"] = now
    if errors:
        label = ACTIONS[action].label
        raise ServiceError(f"{label}：有 {len(errors)} 处需要填写或修改", fields=errors)
    return fields


def perform(
    *, handling_id: int, action: str, actor, data: dict | None = None,
    expected_version: int | None = None, now: dt.datetime | None = None, request=None,
) -> NegativeHandling:  # fmt: skip
    """Take `action` (verify, rectify, follow-up, close, appeal, decide-appeal) on a negative
    rating's handling. NotFound: not visible; NotAllowed: not this user's to take; ServiceError:
    not possible now (the message says what is) or bad input; Conflict: changed meanwhile."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound(f"没有“{action}”这个差评处理操作；可用的操作：{'、'.join(ACTIONS)}")
    now = now_or(now)
    data = dict(data or {})
    handling = _visible(actor, handling_id)
    if expected_version is not None and expected_version != handling.version:
        raise Conflict(CONFLICT_MESSAGE)
    if not _may(actor, handling, spec):
        who = "区行政审批服务局" if spec.actor == BUREAU else "被评价单位"
        raise NotAllowed(f"“{spec.label}”由{who}办理")
    if handling.state not in spec.sources or _guard(handling, action):
        allowed = "、".join(a.label for a in actions_for(handling, actor)) or "无"
        why = _guard(handling, action) if handling.state in spec.sources else ""
        raise ServiceError(
            why
            or f"差评处理当前为“{handling.get_state_display()}”，不能“{spec.label}”；"
            f"当前可进行的操作：{allowed}",
            code="action_not_allowed",
            fields={"action": f"当前可进行的操作：{allowed}"},
        )
    fields = _changes(handling, action, data, actor, now)
    with transaction.atomic():
        locked = NegativeHandling.objects.select_for_update().filter(pk=handling.pk).first()
        before = {"state": locked.state, "version": locked.version}
        bump(NegativeHandling, handling.pk, handling.version, **fields)
        if action == "decide-appeal" and fields["appeal_upheld"]:
            Rating.objects.filter(pk=handling.rating_id).update(status=Rating.Status.VOIDED)
        handling.refresh_from_db()
        record_audit(
            actor=actor,
            action=f"evaluation.negativehandling.{action}",
            obj=handling,
            before=before,
            after={"state": handling.state, "version": handling.version, **_summary(fields)},
            request=request,
        )
        _notify_after(handling, action)
    return handling


def _summary(fields: dict) -> dict:
    """The audit's after-values: the written fields, people as ids, times as text."""
    out = {}
    for key, value in fields.items():
        if hasattr(value, "pk"):
            out[key] = value.pk
        elif isinstance(value, dt.datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _notify_after(handling: NegativeHandling, action: str) -> None:
    rating = handling.rating
    link = f"/ratings/{handling.pk}/"
    if action == "rectify" and rating.rater_user_id:
        # The result goes back to the rater (国办发〔2019〕51号: 结果反馈评价人).
        notify(
            rating.rater_user,
            title="您的评价已处理",
            body=f"您{rating.created_at:%Y年%m月%d日}的评价（{rating.get_level_display()}）"
            f"处理结果：{handling.rectification}",
        )
    elif action == "appeal":
        for user in get_user_model().objects.filter(role=Role.SUPERVISOR, is_active=True):
            notify(
                user,
                title="差评申诉待核定",
                body=f"{rating.department or rating.town or ''}申诉：{handling.appeal_reason}",
                link="/ratings/appeals/",
            )
    elif action == "decide-appeal" and handling.appealed_by_id:
        result = "成立，该差评已作废" if handling.appeal_upheld else "不成立，请继续办理"
        notify(
            handling.appealed_by,
            title=f"差评申诉{'成立' if handling.appeal_upheld else '不成立'}",
            body=f"申诉{result}。核定意见：{handling.appeal_decision}",
            link=link,
        )
