"""12345 hotline API: take in, list, read and act on tickets. Reads go through
`Ticket.objects.visible_to`, changes through `onething.evaluation.services.hotline`."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status

from onething.core.errors import NotFound, ServiceError

from . import selectors
from .api import page
from .models import Ticket
from .services import hotline

router = Router(tags=["12345热线"])


# --- Hotline tickets ---------------------------------------------------------------------------


class TicketEventOut(Schema):
    at: dt.datetime
    actor_name: str
    action: str
    message: str


class TicketOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    category_label: str
    state: str
    state_label: str
    version: int
    caller: str  # masked
    text: str
    department: str | None
    town: str | None
    unit_name: str
    received_at: dt.datetime
    dispatched_at: dt.datetime | None
    signed_at: dt.datetime | None
    replied_at: dt.datetime | None
    reply: str
    visited_at: dt.datetime | None
    visit_result: str
    satisfaction: int | None
    closed_at: dt.datetime | None
    reassignments: int
    sign_due: dt.date | None
    reply_due: dt.date | None
    step: str
    step_due: dt.date | None
    warning: str
    warning_label: str
    allowed_actions: list[str]


class TicketDetail(TicketOut):
    events: list[TicketEventOut]


class TicketPage(Schema):
    results: list[TicketOut]
    next_offset: int | None


def ticket_out(ticket: Ticket, user, status) -> dict:
    found = status.deadlines
    fields = (
        "number", "channel", "category", "state", "version", "text", "unit_name",
        "received_at", "dispatched_at", "signed_at", "replied_at", "reply", "visited_at",
        "visit_result", "satisfaction", "closed_at", "reassignments",
    )  # fmt: skip
    return {
        "id": ticket.pk,
        **{name: getattr(ticket, name) for name in fields},
        "category_label": ticket.get_category_display(),
        "state_label": ticket.get_state_display(),
        "caller": ticket.masked_caller,
        "department": ticket.department.code if ticket.department_id else None,
        "town": ticket.town.code if ticket.town_id else None,
        "sign_due": found.sign_due,
        "reply_due": found.reply_due,
        "step": found.step,
        "step_due": found.step_due,
        "warning": status.warning,
        "warning_label": status.warning_label,
        "allowed_actions": [a.action for a in hotline.actions_for(ticket, user)],
    }


def ticket_detail(ticket: Ticket, user) -> dict:
    return {
        **ticket_out(ticket, user, selectors.Reader().ticket(ticket)),
        "events": [
            {"at": e.at, "actor_name": e.actor_name, "action": e.action, "message": e.message}
            for e in ticket.events.order_by("at", "id")
        ],
    }


class TicketIn(Schema):
    channel: str = "phone"
    caller_name: str = ""
    caller_phone: str
    category: str
    text: str
    department: str = ""  # dispatch at once to a department (its code) …
    town: str = ""  # … or to a town (its region code)


@router.post("tickets", response={201: TicketDetail})
def create_ticket(request, payload: TicketIn):
    """The bureau registers a call or message; with `department` or `town` it is dispatched at
    once. `category`: consultation, help, complaint or suggestion (their reply limits are
    district settings)."""
    ticket = hotline.intake_ticket(actor=request.user, request=request, **payload.dict())
    ticket = Ticket.objects.select_related("department", "town").get(pk=ticket.pk)
    return Status(201, ticket_detail(ticket, request.user))


class TicketFilters(Schema):
    state: str = ""
    category: str = ""
    warning: str = ""
    department: str = ""  # a department's code or a town's region code
    q: str = ""  # a ticket number or the caller's phone


@router.get("tickets", response=TicketPage)
def list_tickets(request, filters: Query[TicketFilters], limit: int = 20, offset: int = 0):
    """The tickets the caller may see (the bureau all, a unit those dispatched to it): open
    ones most urgent first, or with `state`=closed the closed ones newest first."""
    errors = {}
    if filters.state and filters.state not in Ticket.State.values:
        errors["state"] = "状态应为：" + "、".join(Ticket.State.values)
    if filters.category and filters.category not in Ticket.Category.values:
        errors["category"] = "类别应为：" + "、".join(Ticket.Category.values)
    if filters.warning and filters.warning not in selectors.WARNINGS:
        errors["warning"] = "预警应为：" + "、".join(selectors.WARNINGS)
    unit = None
    if filters.department:
        unit = selectors.unit_filter(filters.department)
        if unit is None:
            errors["department"] = f"没有简码或代码为“{filters.department}”的单位"
    if errors:
        raise ServiceError("筛选条件有误：" + "、".join(errors), fields=errors)
    rows = selectors.ticket_queue(
        request.user, state=filters.state, category=filters.category, warning=filters.warning,
        q=filters.q, unit=unit,
    )  # fmt: skip
    found, next_offset = page(rows, limit, offset)
    return {"results": [ticket_out(t, request.user, s) for t, s in found],
            "next_offset": next_offset}  # fmt: skip


@router.get("tickets/{ticket_id}", response=TicketDetail)
def get_ticket(request, ticket_id: int):
    ticket = (
        Ticket.objects.visible_to(request.user)
        .select_related("department", "town")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound("工单不存在或无权查看")
    return ticket_detail(ticket, request.user)


class TicketActionIn(Schema):
    version: int | None = None
    department: str = ""  # dispatch, reassign
    town: str = ""  # dispatch, reassign
    reason: str = ""  # return, reassign
    reply: str = ""  # reply
    visit_result: str = ""  # visit
    level: int | None = None  # visit: the caller's satisfaction, 1–5
    reasons: list[str] = []  # visit, when negative


@router.post("tickets/{ticket_id}/{action}", response=TicketDetail)
def act_on_ticket(request, ticket_id: int, action: str, payload: TicketActionIn):
    """The bureau: dispatch, reassign (with `reason`), visit (`visit_result`, `level`,
    `reasons` when negative — also the ticket's rating), close. The unit: sign, reply (`reply`),
    return (`reason`: not ours). `version` as seen: 409 if changed since."""
    ticket = hotline.perform(
        ticket_id=ticket_id, action=action, actor=request.user,
        data=payload.dict(exclude={"version"}), expected_version=payload.version,
        request=request,
    )  # fmt: skip
    visible = Ticket.objects.visible_to(request.user).select_related("department", "town")
    found = visible.filter(pk=ticket.pk).first()
    if found is None:  # returned to the bureau: the unit no longer sees it
        return ticket_detail(Ticket.objects.get(pk=ticket.pk), request.user)
    return ticket_detail(found, request.user)
