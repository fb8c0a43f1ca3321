"""What the rating and hotline services share: who belongs to which unit, the region code of
a unit, the conditional write that makes one of two concurrent changes win, and reading the
district settings as they stood at a moment."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from onething.core.access import BUREAU_ROLES, UNIT_STAFF_ROLES
from onething.core.district_settings import SPECS, get_setting
from onething.core.errors import Conflict
from onething.core.models import DistrictSetting, Region

CONFLICT_MESSAGE = "已被他人处理，请刷新后查看最新状态"
UNIT_STAFF, BUREAU = UNIT_STAFF_ROLES, BUREAU_ROLES


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def is_bureau(user) -> bool:
    return user is not None and user.is_authenticated and user.role in BUREAU


def in_unit(user, department_id, town_id) -> bool:
    """Whether `user` is staff of the unit (a department or a town) a record belongs to."""
    if user is None or not user.is_authenticated or user.role not in UNIT_STAFF:
        return False
    if user.department_id:
        return user.department_id == department_id
    return bool(user.town_id) and user.town_id == town_id


def actor_name(user) -> str:
    if user is None or not user.is_authenticated:
        return "系统"
    return f"{user}（{user.unit_name}）" if user.unit_name else str(user)


def region_code(department, town) -> str:
    """The 12-digit statistical code of the unit: its town's, or its department's region (the
    district for district departments)."""
    if town is not None:
        return town.code12
    if department is not None and department.region_id:
        return department.region.code12
    district = Region.objects.filter(code=settings.ONETHING_DISTRICT_CODE).first()
    return district.code12 if district else settings.ONETHING_DISTRICT_CODE.ljust(12, "0")


def bump(model, pk: int, version: int, **fields) -> int:
    """Write `fields` only if the row still has `version` (one conditional UPDATE); the loser
    of two concurrent changes gets Conflict. Returns the new version."""
    updated = model.objects.filter(pk=pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(CONFLICT_MESSAGE)
    return version + 1


def yellow_days() -> int:
    return int(get_setting("cases.yellow_days"))


class SettingsAt:
    """District settings as they stood at given moments, for many rows with one query (the same
    rule as `get_setting(key, at=...)`: the latest version in force at that moment)."""

    def __init__(self, keys):
        self._history: dict[str, list[tuple[dt.datetime, object]]] = {key: [] for key in keys}
        rows = (
            DistrictSetting.objects.filter(key__in=list(keys))
            .order_by("key", "-valid_from", "-version")
            .values_list("key", "valid_from", "value")
        )
        for key, valid_from, value in rows:
            self._history[key].append((valid_from, value))

    def get(self, key: str, at: dt.datetime | None):
        at = at or timezone.now()
        for valid_from, value in self._history[key]:
            if valid_from <= at:
                return value
        return SPECS[key].default
