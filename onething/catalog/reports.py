"""The bureau's catalog reports: same standard, four reductions, online availability and
consistency defects. Each returns plain data that the page, the API and the Excel export share."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from onething.catalog.models import ItemDraft, ItemVersion, Material, ServiceItem
from onething.catalog.validation import item_defects

ONLINE_TARGET = 0.98  # 望城区 2021 work plan: at least 98 % of items available online [local]
UNIT_LABELS = {"working_day": "个工作日", "calendar_day": "个自然日", "hour": "小时"}


def _district_items(user):
    district = settings.ONETHING_DISTRICT_CODE
    return ServiceItem.objects.visible_to(user).filter(
        Q(region__code=district)
        | Q(region__parent__code=district)
        | Q(region__parent__parent__code=district)
    )


def unit_group(item: ServiceItem) -> str:
    """Departments by name; town and community items each as one group."""
    if item.department_id:
        return item.department.name
    return "乡镇街道" if item.level == 5 else "村（社区）"


def _limit(days: int, unit: str) -> str:
    return f"{days}{UNIT_LABELS.get(unit, unit)}"


# --- Same standard (同标同质 / 五级N同) ---------------------------------------------------------

COMPARED = [
    ("name", "事项名称"),
    ("conditions", "受理条件"),
    ("materials", "申请材料"),
    ("statutory_limit", "法定时限"),
    ("promised_limit", "承诺时限"),
    ("fees", "收费"),
]


def _compared_values(item: ServiceItem) -> dict[str, str]:
    materials = sorted({m.name for h in item.handling_items.all() for m in h.materials.all()})
    fees = "；".join(f"{f.get('name')}：{f.get('standard')}" for f in item.fees) or "不收费"
    return {
        "name": item.name,
        "conditions": item.conditions,
        "materials": "、".join(materials),
        "statutory_limit": _limit(item.statutory_days, item.statutory_unit),
        "promised_limit": _limit(item.promised_days, item.promised_unit),
        "fees": fees,
    }


def same_standard(user) -> dict:
    """Every base code implemented by more than one unit, and each field whose value differs."""
    items = (
        ServiceItem.objects.visible_to(user)
        .select_related("region", "department")
        .prefetch_related("handling_items__materials")
        .order_by("base_code", "level", "implementation_code")
    )
    by_base: dict[str, list[ServiceItem]] = defaultdict(list)
    for item in items:
        by_base[item.base_code].append(item)
    groups = []
    for base_code, members in by_base.items():
        if len(members) < 2:
            continue
        values = [(m, _compared_values(m)) for m in members]
        differences = []
        for field, label in COMPARED:
            distinct = {v[field] for _, v in values}
            if len(distinct) > 1:
                differences.append(
                    {
                        "field": field,
                        "label": label,
                        "values": [
                            {
                                "implementer": m.implementing_unit,
                                "region": m.region.code,
                                "code": m.implementation_code,
                                "value": v[field],
                            }
                            for m, v in values
                        ],
                    }
                )
        groups.append(
            {
                "base_code": base_code,
                "name": members[0].name,
                "implementers": len(members),
                "regions": sorted({m.region.code for m in members}),
                "same": not differences,
                "differences": differences,
            }
        )
    groups.sort(key=lambda g: (g["same"], g["base_code"]))
    return {
        "groups": len(groups),
        "with_differences": sum(not g["same"] for g in groups),
        "results": groups,
    }


# --- Four reductions (四减) ---------------------------------------------------------------------

MEASURES = [
    ("steps", "环节"),
    ("materials", "材料"),
    ("promised_days", "承诺时限（天）"),
    ("fees", "收费项目"),
    ("visits", "跑动次数"),
]


def _measures(snapshot: dict) -> dict[str, int]:
    materials = {m["name"] for h in snapshot["handling_items"] for m in h["materials"]}
    return {
        "steps": len(snapshot.get("steps") or []),
        "materials": len(materials),
        "promised_days": snapshot["promised_limit"]["days"],
        "fees": len(snapshot.get("fees") or []),
        "visits": snapshot["visits"],
    }


def four_reductions(user, baseline: dt.date) -> dict:
    """Per department and overall, over items that existed at `baseline` and still exist."""
    cutoff = timezone.make_aware(dt.datetime.combine(baseline, dt.time.max))
    items = {i.pk: i for i in _district_items(user).select_related("department", "current_version")}
    versions = ItemVersion.objects.visible_to(user).filter(
        item_id__in=items, published_at__lte=cutoff
    )
    baseline_versions: dict[int, ItemVersion] = {}
    for version in versions.order_by("item_id", "number"):
        baseline_versions[version.item_id] = version  # the last one on or before the cutoff
    totals: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {m: {"before": 0, "after": 0} for m, _ in MEASURES}
    )
    counted: dict[str, int] = defaultdict(int)
    for item_id, before_version in baseline_versions.items():
        item = items[item_id]
        before, after = _measures(before_version.snapshot), _measures(item.current_version.snapshot)
        for group in (unit_group(item), "合计"):
            counted[group] += 1
            for measure, _ in MEASURES:
                totals[group][measure]["before"] += before[measure]
                totals[group][measure]["after"] += after[measure]
    rows = []
    for group in sorted(totals, key=lambda g: (g == "合计", g)):
        row = {"unit": group, "item_count": counted[group]}
        for measure, label in MEASURES:
            before, after = totals[group][measure]["before"], totals[group][measure]["after"]
            row[measure] = {
                "label": label,
                "before": before,
                "after": after,
                "reduction": before - after,
                "rate": round((before - after) / before, 4) if before else None,
            }
        rows.append(row)
    return {"baseline": baseline.isoformat(), "items": len(baseline_versions), "results": rows}


# --- Online availability (网上可办率) ----------------------------------------------------------


def online_availability(user) -> dict:
    items = _district_items(user).filter(kind__on_application=True).select_related("department")
    groups: dict[str, dict] = defaultdict(
        lambda: {"total": 0, "level3": 0, "level4": 0, "short": []}
    )
    for item in items.order_by("implementation_code"):
        for group in (unit_group(item), "合计"):
            g = groups[group]
            g["total"] += 1
            g["level3"] += item.online_depth >= 3
            g["level4"] += item.online_depth == 4
            if item.online_depth < 3 and group != "合计":
                g["short"].append(
                    {
                        "code": item.implementation_code,
                        "name": item.name,
                        "online_depth": item.online_depth,
                    }
                )
    rows = []
    for group in sorted(groups, key=lambda g: (g == "合计", g)):
        g = groups[group]
        share3 = g["level3"] / g["total"] if g["total"] else 0
        rows.append(
            {
                "unit": group,
                "total": g["total"],
                "level3": g["level3"],
                "level3_rate": round(share3, 4),
                "level4": g["level4"],
                "level4_rate": round(g["level4"] / g["total"], 4) if g["total"] else 0,
                "target": ONLINE_TARGET,
                "met": share3 >= ONLINE_TARGET,
                "short": g["short"],
            }
        )
    return {"target": ONLINE_TARGET, "results": rows}


# --- Consistency defects -------------------------------------------------------------------


def consistency(user) -> dict:
    defects = []

    def add(source, code, name, unit, field, message):
        defects.append(
            {
                "source": source,
                "code": code,
                "name": name,
                "unit": unit,
                "field": field,
                "message": message,
            }
        )

    items = _district_items(user).select_related("department")
    for item in items.filter(online_depth=4, visits__gt=0):
        add(
            "已发布",
            item.implementation_code,
            item.name,
            unit_group(item),
            "visits",
            f"网办深度Ⅳ级但仍需到现场{item.visits}次",
        )
    for item in items.exclude(promised_unit__isnull=True).order_by("implementation_code"):
        if item.promised_unit == item.statutory_unit and item.promised_days > item.statutory_days:
            add(
                "已发布",
                item.implementation_code,
                item.name,
                unit_group(item),
                "promised_limit",
                f"承诺时限{item.promised_days}天超过法定时限{item.statutory_days}天",
            )
        for fee in item.fees:
            if not fee.get("basis"):
                add(
                    "已发布",
                    item.implementation_code,
                    item.name,
                    unit_group(item),
                    "fees",
                    f"收费项目“{fee.get('name', '')}”没有收费依据",
                )
    materials = (
        Material.objects.filter(handling_item__item__in=items, legal_basis="")
        .select_related("handling_item__item__department")
        .order_by("code")
    )
    for material in materials:
        item = material.handling_item.item
        add(
            "已发布",
            item.implementation_code,
            item.name,
            unit_group(item),
            "materials",
            f"材料“{material.name}”没有设定依据",
        )
    drafts = (
        ItemDraft.objects.visible_to(user)
        .filter(status__in=[ItemDraft.Status.DRAFT, ItemDraft.Status.IN_REVIEW])
        .select_related("department", "region")
    )
    for draft in drafts:
        unit = draft.department.name if draft.department_id else draft.region.name
        for problem in item_defects(draft.data):
            add(
                "待审核草稿",
                f"草稿{draft.pk}",
                draft.data.get("name", ""),
                unit,
                problem.field,
                problem.message,
            )
    by_field = defaultdict(int)
    for defect in defects:
        by_field[defect["field"]] += 1
    return {"count": len(defects), "by_field": dict(by_field), "results": defects}
