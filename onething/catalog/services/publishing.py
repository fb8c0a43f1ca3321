"""Publishing items: the published state, its immutable versions, and the data shape both use."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from onething.catalog import validation
from onething.catalog.models import (
    HandlingItem,
    ItemKind,
    ItemVersion,
    Material,
    ServiceItem,
)
from onething.catalog.search import search_columns
from onething.core.errors import Conflict, ServiceError
from onething.core.identity import credit_code_from_parts
from onething.core.models import Department, Region, User
from onething.core.services import record_audit


@dataclass(frozen=True)
class Implementer:
    """The unit that implements an item: a department, a town or community office, or a unit
    of another region (for the same-standard comparison)."""

    name: str
    credit_code: str
    region: Region
    department: Department | None = None


def town_office_credit_code(region: Region) -> str:
    """Synthetic credit code of a town or community office (demo: real codes are not offline)."""
    prefix = "T" if region.level == Region.Level.TOWN else "C"
    return credit_code_from_parts("1", "1", region.code[:6], f"{prefix}{region.code[6:]:0>7}"[-8:])


def implementer_for_department(department: Department) -> Implementer:
    return Implementer(department.full_name, department.credit_code, department.region, department)


def implementer_for_region(region: Region) -> Implementer:
    if region.level == Region.Level.TOWN:
        office = "人民政府" if region.name.endswith("镇") else "办事处"
        name = f"{region.parent.name}{region.name}{office}"
    elif region.level == Region.Level.COMMUNITY:
        name = f"{region.name}{'村民委员会' if region.name.endswith('村') else '居民委员会'}"
    else:
        name = f"{region.parent.name}{region.name}行政审批服务局"
        code = credit_code_from_parts("1", "1", region.code[:6], "00000001")
        return Implementer(name, code, region)
    return Implementer(name, town_office_credit_code(region), region)


def item_fields(data: dict, implementer: Implementer) -> dict:
    """Model field values of a ServiceItem from validated item data."""
    level = data["level"]
    statutory, promised = data["statutory_limit"], data["promised_limit"]
    cross = data.get("cross_region") or {}
    topics = [*data.get("topics_person", []), *data.get("topics_enterprise", [])]
    handling_names = [h["name"] for h in data["handling_items"]]
    return {
        "base_code": data["base_code"],
        "implementation_code": validation.implementation_code(
            implementer.credit_code, level, data["base_code"]
        ),
        "name": data["name"],
        "level": level,
        "department": implementer.department,
        "region": implementer.region,
        "implementing_unit": implementer.name,
        "implementing_credit_code": implementer.credit_code,
        "for_person": "person" in data["audience"],
        "for_enterprise": "enterprise" in data["audience"],
        "legal_basis": data["legal_basis"].strip(),
        "conditions": (data.get("conditions") or "").strip(),
        "statutory_days": statutory["days"],
        "statutory_unit": statutory["unit"],
        "statutory_note": statutory.get("note") or "",
        "promised_days": promised["days"],
        "promised_unit": promised["unit"],
        "promised_note": promised.get("note") or "",
        "case_type": data["case_type"],
        "visits": data["visits"],
        "online_depth": data["online_depth"],
        "special_procedures": data.get("special_procedures") or [],
        "fees": data.get("fees") or [],
        "steps": data.get("steps") or [],
        "place": data.get("place") or "",
        "hours": data.get("hours") or "",
        "phone": str(data.get("phone") or ""),
        "complaint_phone": str(data.get("complaint_phone") or ""),
        "online_url": data.get("online_url") or "",
        "in_hall": data.get("in_hall", True),
        "express": data.get("express", False),
        "online_payment": data.get("online_payment", False),
        "appointment": data.get("appointment", False),
        "terminal": data.get("terminal", False),
        "cross_region_mode": cross.get("mode", ""),
        "cross_region_partners": cross.get("partners", []),
        "intermediary_services": data.get("intermediary_services") or [],
        "result_type": (data.get("result") or {}).get("type", ""),
        "result_name": (data.get("result") or {}).get("name", ""),
        "result_sample": bool((data.get("result") or {}).get("sample", False)),
        "topics_person": data.get("topics_person") or [],
        "topics_enterprise": data.get("topics_enterprise") or [],
        "keywords": data.get("keywords") or [],
        "faqs": data.get("faqs") or [],
        "popularity": data.get("popularity", 0),
        "illustrative": data.get("illustrative") or [],
        **search_columns(
            name=data["name"],
            keywords=data.get("keywords") or [],
            handling_names=handling_names,
            topics=topics,
        ),
    }


MATERIAL_FIELDS = [
    "name",
    "kind",
    "form",
    "required",
    "source",
    "originals",
    "copies",
    "blank_form",
    "sample",
    "acceptance_standard",
    "legal_basis",
    "replaceable_by",
    "situation",
    "notes",
]


def build_children(item: ServiceItem, data: dict) -> tuple[list[HandlingItem], list[Material]]:
    """Unsaved handling items and materials of `item` (codes: item code + 2 / + 3 digits)."""
    handling_items, materials = [], []
    number = 0
    for h, handling in enumerate(data["handling_items"], start=1):
        row = HandlingItem(
            item=item,
            code=f"{item.implementation_code}{h:02d}",
            name=handling["name"],
            variant=handling["variant"],
            sort_order=h,
            form_fields=handling.get("form_fields") or [],
            approval_rule=handling.get("approval_rule"),
            commitment=handling.get("commitment"),
        )
        handling_items.append(row)
        for m, material in enumerate(handling.get("materials") or [], start=1):
            number += 1
            values = {name: material.get(name) for name in MATERIAL_FIELDS}
            values.update(
                {
                    k: values[k] or ""
                    for k in (
                        "kind",
                        "source",
                        "acceptance_standard",
                        "legal_basis",
                        "replaceable_by",
                        "situation",
                        "notes",
                    )
                }
            )
            values["required"] = bool(material.get("required", True))
            values["originals"] = material.get("originals") or 0
            values["copies"] = material.get("copies") or 0
            values["blank_form"] = bool(material.get("blank_form"))
            values["sample"] = bool(material.get("sample"))
            materials.append(
                Material(
                    handling_item=row,
                    code=f"{item.implementation_code}{number:03d}",
                    sort_order=m,
                    **values,
                )
            )
    return handling_items, materials


def item_to_data(item: ServiceItem) -> dict:
    """An item with its handling items and materials, in the shape of the catalog files; this
    is what a version freezes."""
    data = {
        "implementation_code": item.implementation_code,
        "implementing_unit": item.implementing_unit,
        "implementing_credit_code": item.implementing_credit_code,
        "region": item.region.code,
        "department": item.department.code if item.department_id else None,
        "base_code": item.base_code,
        "name": item.name,
        "kind": item.kind.code,
        "level": item.level,
        "audience": [
            a for a, on in (("person", item.for_person), ("enterprise", item.for_enterprise)) if on
        ],
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "statutory_limit": {
            "days": item.statutory_days,
            "unit": item.statutory_unit,
            "note": item.statutory_note,
        },
        "promised_limit": {
            "days": item.promised_days,
            "unit": item.promised_unit,
            "note": item.promised_note,
        },
        "case_type": item.case_type,
        "visits": item.visits,
        "online_depth": item.online_depth,
        "cross_region": {"mode": item.cross_region_mode, "partners": item.cross_region_partners}
        if item.cross_region_mode
        else None,
        "result": {
            "type": item.result_type,
            "name": item.result_name,
            "sample": item.result_sample,
        },
        "handling_items": [
            {
                "code": h.code,
                "name": h.name,
                "variant": h.variant,
                "form_fields": h.form_fields,
                "approval_rule": h.approval_rule,
                "commitment": h.commitment,
                "materials": [
                    {"code": m.code, **{name: getattr(m, name) for name in MATERIAL_FIELDS}}
                    for m in h.materials.all()
                ],
            }
            for h in item.handling_items.all()
        ],
    }
    for name in (
        "special_procedures",
        "fees",
        "steps",
        "place",
        "hours",
        "phone",
        "complaint_phone",
        "online_url",
        "in_hall",
        "express",
        "online_payment",
        "appointment",
        "terminal",
        "intermediary_services",
        "topics_person",
        "topics_enterprise",
        "keywords",
        "faqs",
        "popularity",
        "illustrative",
    ):
        data[name] = getattr(item, name)
    return data


def _refuse_problems(data: dict) -> None:
    problems = validation.item_problems(data)
    if problems:
        raise ServiceError(
            f"事项“{data.get('name', '')}”有{len(problems)}处需要修改，未发布",
            fields={p.field: p.message for p in problems},
        )


def publish_item(
    *,
    actor: User | None,
    data: dict,
    implementer: Implementer,
    note: str = "",
    published_at=None,
    request=None,
) -> ServiceItem:
    """Create or replace the published state of one item and freeze it as a new version.

    `published_at` is for entering a historical catalog (e.g. the 2021 baseline of the four
    reductions); it must not be earlier than the item's latest version.
    """
    _refuse_problems(data)
    fields = item_fields(data, implementer)
    with transaction.atomic():
        kind = ItemKind.objects.get(code=data["kind"])
        item = (
            ServiceItem.objects.select_for_update()
            .filter(implementation_code=fields["implementation_code"])
            .first()
        )
        before = item.current_version.number if item and item.current_version_id else None
        if item is None:
            item = ServiceItem(kind=kind, **fields)
        else:
            for name, value in fields.items():
                setattr(item, name, value)
            item.kind = kind
            item.handling_items.all().delete()
        item.full_clean(exclude=["current_version"])
        item.save()
        handling_items, materials = build_children(item, data)
        HandlingItem.objects.bulk_create(handling_items)
        Material.objects.bulk_create(materials)
        latest = item.current_version.published_at if before else None
        if published_at and latest and published_at < latest:
            raise Conflict("历史版本的发布时间不能早于现行版本")
        version = ItemVersion.objects.create(
            item=item,
            number=(before or 0) + 1,
            snapshot=item_to_data(item),
            published_by=actor if actor and actor.is_authenticated else None,
            note=note,
            published_at=published_at or timezone.now(),
        )
        item.current_version = version
        item.save(update_fields=["current_version"])
        record_audit(
            actor=actor,
            action="catalog.serviceitem.publish",
            obj=item,
            request=request,
            before={"version": before},
            after={"version": version.number, "note": note},
        )
    return item
