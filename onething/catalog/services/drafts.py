"""The draft → review → publish workflow and Excel import into drafts. Each state change runs in
one transaction and leaves an audit record."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from onething.catalog.models import ItemDraft, ServiceItem
from onething.catalog.services.publishing import (
    Implementer,
    _refuse_problems,
    implementer_for_department,
    implementer_for_region,
    publish_item,
)
from onething.core.errors import Conflict, NotAllowed, NotFound
from onething.core.models import Role, User
from onething.core.services import record_audit

# --- Drafts: draft → review → publish ---------------------------------------------------------

EDITOR_ROLES = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN)
PUBLISHER_ROLES = (Role.DEPARTMENT_ADMIN, Role.SUPERVISOR)


def _version_of(item: ServiceItem | None) -> int | None:
    if item is None or not item.current_version_id:
        return None
    return item.current_version.number


def _implementer_of(draft: ItemDraft) -> Implementer:
    if draft.department_id:
        return implementer_for_department(draft.department)
    return implementer_for_region(draft.region)


def save_draft(
    *, actor: User, item: ServiceItem | None, data: dict, note: str = "", request=None
) -> ItemDraft:
    """Start (or replace) a draft of `item` — or of a new item of the actor's unit."""
    if actor.role not in EDITOR_ROLES:
        raise NotAllowed("只有部门工作人员可以编辑事项")
    department = actor.department if actor.department_id else None
    region = actor.department.region if department else actor.town
    if item is not None and (
        item.department_id != (department.pk if department else None)
        or (department is None and region.pk not in (item.region_id, item.region.parent_id))
    ):
        raise NotAllowed("只能编辑本单位实施的事项")
    with transaction.atomic():
        draft = ItemDraft.objects.create(
            base_version=_version_of(item),
            item=item,
            department=department,
            region=region,
            data=data,
            created_by=actor,
            note=note,
        )
        record_audit(
            actor=actor,
            action="catalog.itemdraft.create",
            obj=draft,
            after={"item": item.pk if item else None},
            request=request,
        )
    return draft


def _transition(*, actor, draft_id, allowed_from, to, roles, action, request=None, check=None):
    if actor.role not in roles:
        raise NotAllowed("您的角色不能执行此操作")
    with transaction.atomic():
        draft = ItemDraft.objects.visible_to(actor).select_for_update().filter(pk=draft_id).first()
        if draft is None:
            raise NotFound("草稿不存在或无权查看")
        if draft.status not in allowed_from:
            raise Conflict(f"草稿当前为“{draft.get_status_display()}”，不能执行此操作")
        if check:
            check(draft)
        before = draft.status
        draft.status = to
        draft.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=actor,
            action=action,
            obj=draft,
            before={"status": before},
            after={"status": to},
            request=request,
        )
        return draft


def submit_draft(*, actor: User, draft_id: int, request=None) -> ItemDraft:
    """Send a draft for review; it must already satisfy every publishing rule."""
    return _transition(
        actor=actor,
        draft_id=draft_id,
        allowed_from={ItemDraft.Status.DRAFT, ItemDraft.Status.REJECTED},
        to=ItemDraft.Status.IN_REVIEW,
        roles=EDITOR_ROLES,
        action="catalog.itemdraft.submit",
        request=request,
        check=lambda d: _refuse_problems(d.data),
    )


def reject_draft(*, actor: User, draft_id: int, request=None) -> ItemDraft:
    return _transition(
        actor=actor,
        draft_id=draft_id,
        allowed_from={ItemDraft.Status.IN_REVIEW},
        to=ItemDraft.Status.REJECTED,
        roles=PUBLISHER_ROLES,
        action="catalog.itemdraft.reject",
        request=request,
    )


def publish_draft(*, actor: User, draft_id: int, request=None) -> ServiceItem:
    """A reviewer other than the author publishes a reviewed draft as the item's next version."""
    if actor.role not in PUBLISHER_ROLES:
        raise NotAllowed("只有部门管理员或监督人员可以发布事项")
    with transaction.atomic():
        draft = ItemDraft.objects.visible_to(actor).select_for_update().filter(pk=draft_id).first()
        if draft is None:
            raise NotFound("草稿不存在或无权查看")
        if draft.status != ItemDraft.Status.IN_REVIEW:
            raise Conflict(f"草稿当前为“{draft.get_status_display()}”，须先提交审核")
        current = _version_of(draft.item)
        if draft.base_version is not None and current != draft.base_version:
            raise Conflict(
                f"起草后事项已发布第{current}版，请在新版本基础上重新起草，以免覆盖他人修改"
            )
        if draft.created_by_id == actor.pk:
            raise NotAllowed("起草人不能发布自己的草稿，须由他人审核")
        item = publish_item(
            actor=actor,
            data=draft.data,
            implementer=_implementer_of(draft),
            note=draft.note,
            request=request,
        )
        draft.status, draft.item = ItemDraft.Status.PUBLISHED, item
        draft.save(update_fields=["status", "item", "updated_at"])
    return item


def import_drafts(*, actor: User, content: bytes, request=None) -> list[ItemDraft]:
    """Drafts from an Excel workbook of the actor's unit; all or nothing (excel.ImportInvalid)."""
    from onething.catalog import excel

    if actor.role not in EDITOR_ROLES:
        raise NotAllowed("只有部门工作人员可以导入事项")
    entries = excel.import_items(content)
    department = actor.department if actor.department_id else None
    region = department.region if department else actor.town
    own = (
        ServiceItem.objects.filter(department=department)
        if department
        # A town's own items and those of its communities, as its workbench lists them.
        else ServiceItem.objects.filter(
            Q(region=region) | Q(region__parent=region), department__isnull=True
        )
    )
    existing = {i.implementation_code: i for i in own}
    errors = [
        excel.CellError(
            "事项", 0, "实施编码", f"{data['implementation_code']} 不是本单位实施的事项"
        )
        for data in entries
        if data.get("implementation_code") and data["implementation_code"] not in existing
    ]
    if errors:
        raise excel.ImportInvalid(errors)
    with transaction.atomic():
        drafts = [
            ItemDraft.objects.create(
                item=existing.get(data.get("implementation_code") or ""),
                base_version=_version_of(existing.get(data.get("implementation_code") or "")),
                department=department,
                region=region,
                data=data,
                created_by=actor,
                note="Excel 导入",
            )
            for data in entries
        ]
        record_audit(
            actor=actor,
            action="catalog.itemdraft.import",
            request=request,
            after={"drafts": [d.pk for d in drafts]},
        )
    return drafts
