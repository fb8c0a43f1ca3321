"""Loading catalog files (the demo district's YAML, see data/SCHEMA.md) in bulk.

All or nothing: any file with a problem loads nothing, and the error names the file, the item
and the field. Items that break the one rule that blocks publishing only for data synced from
elsewhere (Ⅳ级 with a visit) come in as drafts awaiting review, so the consistency report has
them to show. Loading again changes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from onething.catalog import services, validation
from onething.catalog.models import (
    Delegation,
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
BASELINE_FILE = Path(__file__).parent / "data" / "baseline-2021.yaml"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
            items = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or []
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
            code = validation.implementation_code(
                implementer.credit_code, data["level"], data["base_code"]
            )
            if problems:
                if (data["base_code"], implementer.region.pk) not in drafted:
                    to_draft.append((data, implementer))
            elif code not in existing:
                existing.add(code)
                to_publish.append((data, services.item_fields(data, implementer)))
    if errors:
        raise ServiceError(
            f"目录文件有{len(errors)}处错误，未载入任何事项",
            fields={str(i + 1): e for i, e in enumerate(errors)},
        )
    published = _bulk_publish(to_publish, baselines=read_baselines(directory))
    delegations = link_delegations() if directory == DATA_DIR else 0
    for data, implementer in to_draft:
        ItemDraft.objects.create(
            department=implementer.department,
            region=implementer.region,
            data=data,
            status=ItemDraft.Status.IN_REVIEW,
            note="由目录文件导入，待修正后发布",
        )
    if published or to_draft or delegations:
        record_audit(
            actor=None,
            action="catalog.load",
            after={"published": published, "drafts": len(to_draft), "delegations": delegations},
        )
    return {
        "item_kinds_and_synonyms": added,
        "items": published,
        "drafts": len(to_draft),
        "delegations": delegations,
    }


DEMO_DELEGATION_DAY = dt.date(2021, 12, 31)  # the work plan's deadline for 赋权 (illustrative)
DEMO_DELEGATION_DOCUMENT = "望城区人民政府赋权决定（演示数据，文号示意）"


def link_delegations() -> int:
    """Record, for the demo, that the park's and the towns' items sharing a base code with a
    department's item were delegated by that department (赋权)."""
    district = settings.ONETHING_DISTRICT_CODE
    department_items = {
        item.base_code: item
        for item in ServiceItem.objects.filter(
            region__code=district, department__kind=Department.Kind.DEPARTMENT
        )
    }
    existing = set(Delegation.objects.values_list("item_id", "to_department_id", "to_town_id"))
    receivers = ServiceItem.objects.filter(
        Q(department__kind=Department.Kind.PARK)
        | Q(level=5, region__parent__code=district, department__isnull=True)
    ).select_related("department", "region")
    created = []
    for item in receivers:
        source = department_items.get(item.base_code)
        if source is None:
            continue
        park = item.department if item.department_id else None
        town = None if park else item.region
        key = (source.pk, park.pk if park else None, town.pk if town else None)
        if key in existing:
            continue
        existing.add(key)
        created.append(
            Delegation(
                item=source,
                to_department=park,
                to_town=town,
                delegated_on=DEMO_DELEGATION_DAY,
                document=DEMO_DELEGATION_DOCUMENT,
                is_illustrative=True,
            )
        )
    Delegation.objects.bulk_create(created)
    return len(created)


def _bulk_publish(entries: list[tuple[dict, dict]], baselines: dict | None = None) -> int:
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
    versions = []
    for item in fresh:
        current = services.item_to_data(item)
        baseline = (baselines or {}).get(item.implementation_code)
        if baseline is not None:
            versions.append(
                ItemVersion(
                    item=item,
                    number=1,
                    snapshot=_baseline_snapshot(current, baseline),
                    published_at=baseline["published_at"],
                    note="改革前（示意数据）",
                )
            )
        versions.append(
            ItemVersion(
                item=item,
                number=2 if baseline else 1,
                snapshot=current,
                note="现行版本" if baseline else "初始发布",
            )
        )
    versions = ItemVersion.objects.bulk_create(versions, batch_size=500)
    latest = {}
    for version in versions:
        if version.number >= latest.get(version.item_id, (0, None))[0]:
            latest[version.item_id] = (version.number, version)
    for _, version in latest.values():
        version.item.current_version = version
    ServiceItem.objects.bulk_update(
        [v.item for _, v in latest.values()], ["current_version"], batch_size=500
    )
    return len(items)


def read_baselines(directory: Path) -> dict[str, dict]:
    """The pre-reform state of some demo items (the four-reductions baseline), by item code.

    Only for the demo catalog folder; a baseline whose item is unknown is ignored.
    """
    if directory != DATA_DIR or not BASELINE_FILE.exists():
        return {}
    entries = yaml.load(BASELINE_FILE.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or []
    baselines = {}
    for entry in entries:
        department = Department.objects.filter(code=entry["implementer"]).first()
        if department is None:
            continue
        # Baselines are district-level items of a department (level 4).
        code = validation.implementation_code(department.credit_code, 4, entry["base_code"])
        day = entry["published_on"]
        baselines[code] = {
            **entry,
            "published_at": timezone.make_aware(dt.datetime(day.year, day.month, day.day, 10)),
        }
    return baselines


def _baseline_snapshot(current: dict, baseline: dict) -> dict:
    snapshot = copy.deepcopy(current)
    snapshot["promised_limit"]["days"] = baseline["promised_days"]
    snapshot["visits"] = baseline["visits"]
    snapshot["online_depth"] = baseline["online_depth"]
    snapshot["steps"] = baseline.get("steps", snapshot["steps"])
    snapshot["fees"] = [*snapshot["fees"], *baseline.get("fees", [])]
    first = snapshot["handling_items"][0]
    for name in baseline.get("extra_materials", []):
        first["materials"].append(
            {
                "code": "",
                "name": name,
                "kind": "证明",
                "form": "paper",
                "required": True,
                "source": "申请人自备",
                "originals": 1,
                "copies": 0,
                "blank_form": False,
                "sample": False,
                "acceptance_standard": "",
                "legal_basis": "",
                "replaceable_by": "",
                "situation": "",
                "notes": "改革后取消",
            }
        )
    return snapshot
