"""Loading the demo bundles (data/*.yaml, see data/SCHEMA.md): catalog references become
handling-item codes, every rule is checked, and each bundle is published as version 1."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

from onething.catalog.models import HandlingItem
from onething.catalog.services import implementer_for_department
from onething.catalog.validation import implementation_code
from onething.core.errors import ServiceError
from onething.core.models import Department, Region

DATA_DIR = Path(__file__).parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_bundle_files(directory: Path = DATA_DIR) -> list[dict]:
    return [
        yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        for path in sorted(directory.glob("*.yaml"))
    ]


def _handling_code(ref: dict, handling_name: str, errors: list[str], where: str) -> str:
    """The code of the handling item `handling_name` of the catalog item `ref` implements."""
    implementer = ref.get("implementer", "")
    if implementer in ("towns", "communities"):
        # A town-wide item: the bundle names the item of the first town; guidance shows it.
        level = 5 if implementer == "towns" else 6
        district = settings.ONETHING_DISTRICT_CODE
        parent = {"parent__code": district} if level == 5 else {"parent__parent__code": district}
        region = Region.objects.filter(level="town" if level == 5 else "community", **parent)
        region = region.order_by("code").first()
        from onething.catalog.services import implementer_for_region

        unit = implementer_for_region(region)
    else:
        department = Department.objects.filter(code=implementer).select_related("region").first()
        if department is None:
            errors.append(f"{where}：没有部门 {implementer}")
            return ""
        unit, level = implementer_for_department(department), 4
    code = implementation_code(unit.credit_code, level, str(ref.get("base_code")))
    handling = HandlingItem.objects.filter(item__implementation_code=code, name=handling_name)
    found = handling.values_list("code", flat=True).first()
    if found is None:
        errors.append(
            f"{where}：事项目录中没有 {implementer}/{ref.get('base_code')} 的“{handling_name}”"
        )
        return ""
    return found


def resolve(data: dict) -> tuple[dict, list[str]]:
    """The stored form of one bundle file, and the references that did not resolve."""
    errors: list[str] = []
    slug = data.get("slug", "")
    members = [
        {
            "handling_code": _handling_code(
                m["item"], m["handling_item"], errors, f"{slug} members[{i}]"
            ),
            "applies_if": m.get("applies_if"),
        }
        for i, m in enumerate(data.get("members") or [])
    ]
    rules = [
        {
            "handling_code": _handling_code(
                r["item"], r["handling_item"], errors, f"{slug} material_rules[{i}]"
            ),
            "material": r["material"],
            "applies_if": r.get("applies_if"),
        }
        for i, r in enumerate(data.get("material_rules") or [])
    ]
    return {
        "slug": slug,
        "name": data.get("name", ""),
        "audience": data.get("audience", "person"),
        "life_event": data.get("life_event", ""),
        "summary": data.get("summary", ""),
        "you_need": data.get("you_need") or [],
        "definition": {
            "questions": data.get("questions") or [],
            "members": members,
            "material_rules": rules,
        },
        "examples": data.get("examples") or [],
    }, errors


def resolve_all(directory: Path = DATA_DIR) -> list[dict]:
    resolved, errors = [], []
    for data in read_bundle_files(directory):
        bundle, problems = resolve(data)
        resolved.append(bundle)
        errors += problems
    if errors:
        raise ServiceError(
            f"一件事文件有{len(errors)}处错误，未载入",
            fields={str(i + 1): e for i, e in enumerate(errors)},
        )
    return resolved
