"""Loading catalog files (the demo district's YAML, see data/SCHEMA.md) in bulk.

All or nothing: any file with a problem loads nothing, and the error names the file, the item
and the field. Items that break the one rule that blocks publishing only for data synced from
elsewhere (Ⅳ级 with a visit) come in as drafts awaiting review, so the consistency report has
them to show. Loading again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from onething.catalog import services, validation
from onething.catalog.models import (
    HandlingItem,
    ItemDraft,
    ItemKind,
    ItemVersion,
    Material,
    ServiceItem,
    Synonym,
)
from onething.core.errors import ServiceError
from onething.core.models import Department, Region
from onething.core.services import record_audit

DATA_DIR = Path(__file__).parent / "data" / "items"

# The national code table (RULES.md "Service-item catalog"); on_application = 依申请6类 + 公共服务.
ITEM_KINDS = [
    ("01", "行政许可", True),
    ("02", "行政处罚", False),
    ("03", "行政强制", False),
    ("04", "行政征收", False),
    ("05", "行政给付", True),
    ("06", "行政检查", False),
    ("07", "行政确认", True),
    ("08", "行政奖励", True),
    ("09", "行政裁决", True),
    ("10", "其他行政权力", True),
    ("20", "公共服务", True),
]
SYNONYMS = [
    ("身份证", "居民身份证"),
    ("社保卡", "社会保障卡"),
    ("社保", "社会保险"),
    ("医保", "医疗保险"),
    ("户口", "户籍"),
    ("公积金", "住房公积金"),
    ("个体户", "个体工商户"),
    ("低保", "最低生活保障"),
    ("开公司", "企业设立"),
    ("退休", "养老保险待遇"),
    ("上户口", "出生登记"),
]
_PUBLISH_ONLY_RULE = "网办深度为Ⅳ级（全程网办）的事项，到现场次数必须为0"


def ensure_code_tables() -> int:
    added = 0
    for code, name, on_application in ITEM_KINDS:
        _, created = ItemKind.objects.get_or_create(
            code=code, defaults={"name": name, "on_application": on_application}
        )
        added += created
    for term, alias in SYNONYMS:
        added += Synonym.objects.get_or_create(term=term, alias=alias)[1]
    return added


def read_files(directory: Path = DATA_DIR) -> list[tuple[str, int, dict]]:
    entries = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as error:
            raise ServiceError(f"{path.name} 不是有效的 YAML：{error}") from error
        entries.extend((path.name, index, item) for index, item in enumerate(items))
    return entries


def _implementers(spec: str, district: str) -> list[services.Implementer]:
    if spec == "towns":
        towns = Region.objects.filter(parent__code=district, level="town", valid_to__isnull=True)
        return [services.implementer_for_region(t) for t in towns.select_related("parent")]
    if spec == "communities":
        communities = Region.objects.filter(
            parent__parent__code=district, level="community"
        ).select_related("parent")
        return [services.implementer_for_region(c) for c in communities]
    if spec.startswith("region:"):
        region = Region.objects.select_related("parent").filter(code=spec[7:]).first()
        return [services.implementer_for_region(region)] if region else []
    department = Department.objects.select_related("region").filter(code=spec).first()
    return [services.implementer_for_department(department)] if department else []


@transaction.atomic
def load_catalog(directory: Path = DATA_DIR) -> dict[str, int]:
    """Publish every item of the catalog files that is not yet in the catalog."""
    added = ensure_code_tables()
    district = settings.ONETHING_DISTRICT_CODE
    existing = set(ServiceItem.objects.values_list("implementation_code", flat=True))
    drafted = {
        (d.data.get("base_code"), d.region_id) for d in ItemDraft.objects.filter(created_by=None)
    }
    to_publish, to_draft, errors = [], [], []
    for file, index, data in read_files(directory):
        where = f"{file} 第{index + 1}项（{data.get('name', '')}）"
        implementers = _implementers(str(data.get("implementer", "")), district)
        if not implementers:
            errors.append(f"{where} implementer：实施主体“{data.get('implementer')}”不存在")
            continue
        problems = validation.item_problems(data)
        blocking = [p for p in problems if p.message != _PUBLISH_ONLY_RULE]
        errors.extend(f"{where} {p.field}：{p.message}" for p in blocking)
        if blocking:
            continue
        for implementer in implementers:
            fields = services.item_fields(data, implementer)
            if problems:
                if (data["base_code"], implementer.region.pk) not in drafted:
                    to_draft.append((data, implementer))
            elif fields["implementation_code"] not in existing:
                existing.add(fields["implementation_code"])
                to_publish.append((data, fields))
    if errors:
        raise ServiceError(
            f"目录文件有{len(errors)}处错误，未载入任何事项",
            fields={str(i + 1): e for i, e in enumerate(errors)},
        )
    published = _bulk_publish(to_publish)
    for data, implementer in to_draft:
        ItemDraft.objects.create(
            department=implementer.department,
            region=implementer.region,
            data=data,
            status=ItemDraft.Status.IN_REVIEW,
            note="由目录文件导入，待修正后发布",
        )
    if published or to_draft:
        record_audit(
            actor=None,
            action="catalog.load",
            after={"published": published, "drafts": len(to_draft)},
        )
    return {"item_kinds_and_synonyms": added, "items": published, "drafts": len(to_draft)}


def _bulk_publish(entries: list[tuple[dict, dict]]) -> int:
    if not entries:
        return 0
    kinds = {k.code: k for k in ItemKind.objects.all()}
    items = ServiceItem.objects.bulk_create(
        [ServiceItem(kind=kinds[data["kind"]], **fields) for data, fields in entries],
        batch_size=500,
    )
    children = [
        services.build_children(item, data) for item, (data, _) in zip(items, entries, strict=True)
    ]
    HandlingItem.objects.bulk_create([h for hs, _ in children for h in hs], batch_size=1000)
    for _, materials in children:
        for material in materials:
            material.handling_item_id = material.handling_item.pk
    Material.objects.bulk_create([m for _, ms in children for m in ms], batch_size=1000)
    fresh = (
        ServiceItem.objects.filter(pk__in=[i.pk for i in items])
        .select_related("kind", "region", "department")
        .prefetch_related("handling_items__materials")
    )
    versions = ItemVersion.objects.bulk_create(
        [
            ItemVersion(item=item, number=1, snapshot=services.item_to_data(item), note="初始发布")
            for item in fresh
        ],
        batch_size=500,
    )
    for version in versions:
        version.item.current_version = version
    ServiceItem.objects.bulk_update([v.item for v in versions], ["current_version"], batch_size=500)
    return len(items)
