"""12345 hotline tickets (国办发〔2020〕53号): the bureau takes a call or message in and
dispatches it to a department or town; the unit signs for it and replies; the bureau calls the
citizen back (the return visit, which is also a rating of the unit) and closes the ticket.

A unit may return a ticket to the bureau before replying, and the bureau may reassign it to
another unit; either way, with a reason, the count of reassignments grows and the next dispatch
restarts the sign-for and reply clocks. Limits are district settings (hotline.*), in force at
the dispatch; deadlines are derived when read (deadlines.ticket_deadlines).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from onething.cases.services import next_in_sequence
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError, required_text
from onething.core.models import AuditEntry, Department, Region
from onething.core.services import record_audit

from ..models import Ticket, TicketEvent
from .common import CONFLICT_MESSAGE, actor_name, bump, in_unit, is_bureau, now_or
from .ratings import rate_ticket

T = Ticket.State
UNIT, BUREAU = "unit", "bureau"
_PHONE = re.compile(r"^\d{7,11}$")
REPLY_SETTINGS = {
    Ticket.Category.CONSULTATION: "hotline.reply_consultation_days",
    Ticket.Category.HELP: "hotline.reply_help_days",
    Ticket.Category.COMPLAINT: "hotline.reply_complaint_days",
    Ticket.Category.SUGGESTION: "hotline.reply_suggestion_days",
}
SIGN_SETTING = "hotline.sign_days"


@dataclass(frozen=True)
class TicketAction:
    action: str
    label: str
    sources: frozenset[str]
    actor: str


def _a(action, label, sources, actor) -> TicketAction:
    return TicketAction(action, label, frozenset(sources), actor)


ACTIONS: dict[str, TicketAction] = {
    a.action: a
    for a in [
        _a("dispatch", "派单", [T.RECEIVED], BUREAU),
        _a("sign", "签收", [T.DISPATCHED], UNIT),
        _a("reply", "答复", [T.SIGNED], UNIT),
        _a("return", "退回（非本单位职责）", [T.DISPATCHED, T.SIGNED], UNIT),
        _a("reassign", "改派", [T.DISPATCHED, T.SIGNED], BUREAU),
        _a("visit", "回访", [T.REPLIED], BUREAU),
        _a("close", "办结", [T.VISITED], BUREAU),
    ]
}


def _may(user, ticket: Ticket, spec: TicketAction) -> bool:
    if spec.actor == BUREAU:
        return is_bureau(user)
    return in_unit(user, ticket.department_id, ticket.town_id)


def actions_for(ticket: Ticket, user) -> list[TicketAction]:
    return [s for s in ACTIONS.values() if ticket.state in s.sources and _may(user, ticket, s)]


def resolve_unit(department: str = "", town: str = "") -> tuple[Department | None, Region | None]:
    """The unit a ticket goes to, from a department's code or a town's region code; exactly one.
    ServiceError otherwise."""
    department, town = str(department or "").strip(), str(town or "").strip()
    if bool(department) == bool(town):
        raise ServiceError(
            "请选择一个承办单位（部门或乡镇街道）", fields={"unit": "请选择一个承办单位"}
        )
    if department:
        found = Department.objects.filter(code=department).first()
        if found is None:
            raise ServiceError(f"没有简码为“{department}”的部门", fields={"unit": "无效"})
        return found, None
    found = Region.objects.filter(code=town, level=Region.Level.TOWN, valid_to__isnull=True).first()
    if found is None:
        raise ServiceError(f"没有代码为“{town}”的乡镇街道", fields={"unit": "无效"})
    return None, found


def _event(ticket, actor, action, message, at):
    return TicketEvent.objects.create(
        ticket=ticket, at=at, actor=actor if actor is not None else None,
        actor_name=actor_name(actor), action=action, message=message[:500],
    )  # fmt: skip


def intake_ticket(
    *, actor, channel: str, caller_phone: str, category: str, text: str,
    caller_name: str = "", department: str = "", town: str = "",
    now: dt.datetime | None = None, request=None,
) -> Ticket:  # fmt: skip
    """Register a call or message (the bureau's hotline desk); with a unit (a department code
    or a town code) it is dispatched at once."""
    if not is_bureau(actor):
        raise NotAllowed("12345热线工单由区行政审批服务局登记和派单")
    now = now_or(now)
    errors = {}
    if channel not in Ticket.Channel.values:
        errors["channel"] = "来源渠道应为：" + "、".join(Ticket.Channel.labels)
    caller_phone = str(caller_phone or "").strip()
    if not _PHONE.match(caller_phone):
        errors["caller_phone"] = "联系电话应为7至11位数字"
    caller_name = str(caller_name or "").strip()
    if len(caller_name) > 40:
        errors["caller_name"] = "来电人姓名不能超过40字"
    if category not in Ticket.Category.values:
        errors["category"] = "类别应为：" + "、".join(Ticket.Category.labels)
    text = str(text or "").strip()
    if not text:
        errors["text"] = "请填写诉求内容"
    elif len(text) > 4000:
        errors["text"] = "诉求内容不能超过4000字"
    unit = None
    if department or town:
        try:
            unit = resolve_unit(department, town)
        except ServiceError as error:
            errors.update(error.fields)
    if errors:
        raise ServiceError(f"工单有 {len(errors)} 处需要填写或修改", fields=errors)
    with transaction.atomic():
        year = timezone.localdate(now).year
        ticket = Ticket.objects.create(
            number=f"RX{year}-{next_in_sequence(f'ticket:{year}'):07d}",
            channel=channel, caller_name=caller_name, caller_phone=caller_phone,
            category=category, text=text, received_at=now,
        )  # fmt: skip
        _event(ticket, actor, "intake", f"登记{ticket.get_category_display()}工单", now)
        record_audit(
            actor=actor, action="evaluation.ticket.create", obj=ticket, request=request,
            after={"number": ticket.number, "category": category, "channel": channel},
        )  # fmt: skip
        if unit is not None:
            ticket = _transition(ticket, "dispatch", actor, {"unit": unit}, now, request)
    return ticket


def _clean(ticket: Ticket, action: str, data: dict) -> dict:
    errors: dict[str, str] = {}
    clean: dict = {}

    def text(name, label, limit=500):
        clean[name] = required_text(data, name, label, errors, limit)

    if action in ("dispatch", "reassign"):
        if "unit" in data:
            clean["unit"] = data["unit"]
        else:
            try:
                clean["unit"] = resolve_unit(data.get("department", ""), data.get("town", ""))
            except ServiceError as error:
                errors.update(error.fields)
        current = (ticket.department_id, ticket.town_id)
        unit = clean.get("unit")
        if (
            action == "reassign"
            and unit
            and (getattr(unit[0], "pk", None), getattr(unit[1], "pk", None)) == current
        ):
            errors["unit"] = "改派须派给另一个单位"
    if action in ("reassign", "return"):
        text("reason", "改派或退回的理由")
    if action == "reply":
        text("reply", "答复内容", 4000)
    if action == "visit":
        text("visit_result", "回访情况")
        clean["level"] = data.get("level")
        clean["reasons"] = data.get("reasons") or []
    if errors:
        raise ServiceError(f"{ACTIONS[action].label}：有 {len(errors)} 处需要填写或修改",
                           fields=errors)  # fmt: skip
    return clean


def perform(
    *, ticket_id: int, action: str, actor, data: dict | None = None,
    expected_version: int | None = None, now: dt.datetime | None = None, request=None,
) -> Ticket:  # fmt: skip
    """Take `action` on a ticket: dispatch (`department` or `town`), sign, reply (`reply`),
    return (`reason`), reassign (`department` or `town`, `reason`), visit (`visit_result`,
    `level`, `reasons` when negative), close. Errors as in cases: NotFound, NotAllowed,
    ServiceError (listing what is possible now), Conflict."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound(f"没有“{action}”这个工单操作；可用的操作：{'、'.join(ACTIONS)}")
    ticket = (
        Ticket.objects.visible_to(actor)
        .select_related("department", "town")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound("工单不存在或无权查看")
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(CONFLICT_MESSAGE)
    return _transition(ticket, action, actor, dict(data or {}), now_or(now), request)


def _transition(ticket: Ticket, action: str, actor, data: dict, now, request) -> Ticket:
    spec = ACTIONS[action]
    if not _may(actor, ticket, spec):
        who = "区行政审批服务局" if spec.actor == BUREAU else "承办单位"
        raise NotAllowed(f"工单“{spec.label}”由{who}办理")
    if ticket.state not in spec.sources:
        allowed = "、".join(a.label for a in actions_for(ticket, actor)) or "无"
        raise ServiceError(
            f"工单当前为“{ticket.get_state_display()}”，不能“{spec.label}”；"
            f"当前可进行的操作：{allowed}",
            code="action_not_allowed",
            fields={"action": f"当前可进行的操作：{allowed}"},
        )
    clean = _clean(ticket, action, data)
    fields, message = _fields(ticket, action, clean, now)
    with transaction.atomic():
        Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
        before = {"state": ticket.state, "version": ticket.version, "unit": ticket.unit_name}
        bump(Ticket, ticket.pk, ticket.version, **fields)
        ticket = Ticket.objects.select_related("department", "town").get(pk=ticket.pk)
        if action == "visit":
            rating = rate_ticket(
                actor, ticket, level=clean["level"], reasons=clean["reasons"],
                text=clean["visit_result"], now=now, request=request,
            )  # fmt: skip
            message += f"，满意度：{rating.get_level_display()}"
        _event(ticket, actor, action, message, now)
        record_audit(
            actor=actor, action=f"evaluation.ticket.{action}", obj=ticket, before=before,
            after={"state": ticket.state, "version": ticket.version, "unit": ticket.unit_name,
                   "reassignments": ticket.reassignments},
            request=request,
        )  # fmt: skip
    return ticket


def _fields(ticket: Ticket, action: str, clean: dict, now) -> tuple[dict, str]:
    """The fields `action` writes and the line of the ticket's record."""
    if action in ("dispatch", "reassign"):
        department, town = clean["unit"]
        name = department.name if department else town.name
        fields = {
            "state": T.DISPATCHED, "department": department, "town": town,
            "dispatched_at": now, "signed_at": None,
        }  # fmt: skip
        if action == "reassign":
            fields["reassignments"] = ticket.reassignments + 1
            return fields, f"由{ticket.unit_name}改派至{name}：{clean['reason']}"
        return fields, f"派至{name}"
    if action == "sign":
        return {"state": T.SIGNED, "signed_at": now}, "承办单位已签收"
    if action == "reply":
        return {"state": T.REPLIED, "replied_at": now, "reply": clean["reply"]}, "承办单位已答复"
    if action == "return":
        fields = {
            "state": T.RECEIVED, "department": None, "town": None, "dispatched_at": None,
            "signed_at": None, "reassignments": ticket.reassignments + 1,
        }  # fmt: skip
        return fields, f"{ticket.unit_name}退回：{clean['reason']}"
    if action == "visit":
        return (
            {"state": T.VISITED, "visited_at": now, "visit_result": clean["visit_result"],
             "satisfaction": int(clean["level"]) if str(clean["level"]).isdigit() else None},
            f"回访：{clean['visit_result']}",
        )  # fmt: skip
    return {"state": T.CLOSED, "closed_at": now}, "工单办结"


def may_call(ticket: Ticket, user) -> bool:
    """The caller's full phone is for the bureau (intake, return visit) and for the unit while
    it works on its reply; each reveal is an audited read."""
    if is_bureau(user):
        return True
    return ticket.state == T.SIGNED and in_unit(user, ticket.department_id, ticket.town_id)


def reveal_caller_phone(*, ticket_id: int, actor, purpose: str, request=None) -> str:
    ticket = Ticket.objects.visible_to(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound("工单不存在或无权查看")
    purpose = str(purpose or "").strip()
    if not purpose:
        raise ServiceError("请填写查看事由", fields={"purpose": "请填写查看事由"})
    if not may_call(ticket, actor):
        raise NotAllowed("承办单位签收后、答复前可以查看来电人电话")
    record_audit(
        actor=actor, action="evaluation.ticket.caller_phone", kind=AuditEntry.Kind.READ,
        obj=ticket, purpose=purpose[:200], request=request,
    )  # fmt: skip
    return ticket.caller_phone
