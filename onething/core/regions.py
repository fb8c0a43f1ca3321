"""Loading the administrative-division tree from the reference CSV and its code changes."""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from onething.core.errors import ServiceError
from onething.core.models import Region
from onething.core.services import record_audit

CODE_CHANGES = Path(__file__).parent / "data" / "region_code_changes.csv"
REFERENCE_SOURCE = "国家统计局统计用区划代码（2022–2023年版公开汇编）"


def _read_csv(path: Path) -> list[dict]:
    if not path.exists():
        raise ServiceError(
            f"找不到区划代码文件：{path}",
            fields={"ONETHING_REGIONS_CSV": "请设置为区划代码CSV的路径"},
        )
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def load_regions(*, path: Path, actor=None) -> int:
    """Create the regions of the reference file that are missing; returns how many were added.

    Rows are processed parents first (the file lists them so); existing codes are left alone,
    so loading twice changes nothing.
    """
    rows = _read_csv(path)
    existing = {r.code: r for r in Region.objects.all()}
    added = 0
    for row in rows:
        code = row["code"].strip()
        if code in existing:
            continue
        parent_code = row["parent_code"].strip()
        if parent_code and parent_code not in existing:
            raise ServiceError(f"区划 {code} 的上级 {parent_code} 不在文件中或排在其后")
        region = Region.objects.create(
            code=code,
            name=row["name"].strip(),
            level=row["level"].strip(),
            parent=existing.get(parent_code),
            source=REFERENCE_SOURCE,
        )
        existing[code] = region
        added += 1
    added += _apply_code_changes(existing)
    if added:
        record_audit(
            actor=actor, action="core.region.load", after={"added": added, "file": path.name}
        )
    return added


def _apply_code_changes(existing: dict[str, Region]) -> int:
    """Retired codes stay readable, with their validity and the code that replaced them."""
    added = 0
    for change in _read_csv(CODE_CHANGES):
        new = existing.get(change["new_code"])
        if new is None or change["old_code"] in existing:
            continue
        changed_on = dt.date.fromisoformat(change["changed_on"])
        old = Region.objects.create(
            code=change["old_code"],
            name=change["name"],
            level=new.level,
            parent=new.parent,
            valid_to=changed_on - dt.timedelta(days=1),
            successor=new,
            source=change["source"],
        )
        new.valid_from = changed_on
        new.save(update_fields=["valid_from"])
        existing[old.code] = old
        added += 1
    return added
