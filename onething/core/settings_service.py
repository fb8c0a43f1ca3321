"""Changing a local rule (本地规则设置): validated, permitted, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.core.district_settings import SPECS
from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.core.models import DistrictSetting, User
from onething.core.models.settings import SETTING_EDITORS
from onething.core.services import record_audit

MAX_SOURCE = 300
MAX_NOTE = 1000
# A form submitted a moment after "now" was computed is still "now", not backdating.
_CLOCK_SLACK = dt.timedelta(minutes=5)


def may_change_settings(user) -> bool:
    return user is not None and user.is_authenticated and user.role in SETTING_EDITORS


def _version_out(row: DistrictSetting | None, default_source: str, default: Any) -> dict:
    if row is None:
        return {"version": 0, "value": default, "source": default_source, "valid_from": None}
    return {
        "version": row.version,
        "value": row.value,
        "source": row.source,
        "valid_from": row.valid_from.isoformat(),
    }


def change_setting(
    *,
    actor: User,
    key: str,
    value: Any,
    source: str,
    note: str = "",
    valid_from: dt.datetime | None = None,
    base_version: int | None = None,
    request=None,
) -> DistrictSetting:
    """Add a new version of the local rule `key`, in force from `valid_from` (default now).

    `source` names the document and clause the new value comes from. `base_version` is the
    version the editor saw; if someone saved another version since, Conflict is raised.
    Nothing is written unless every field is valid.
    """
    if not may_change_settings(actor):
        raise NotAllowed("只有区行政审批服务局的监督人员和系统管理员可以修改本地规则设置")
    spec = SPECS.get(key)
    if spec is None:
        raise ServiceError(f"没有设置项“{key}”", fields={"key": "未知的设置项"})
    now = timezone.now()
    fields: dict[str, str] = {}
    try:
        value = spec.parse(value)
    except ValueError as error:
        fields["value"] = str(error)
    source = (source or "").strip()
    if not source:
        fields["source"] = "请填写依据：文件名称及条款"
    elif len(source) > MAX_SOURCE:
        fields["source"] = f"依据不能超过{MAX_SOURCE}个字"
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        fields["note"] = f"说明不能超过{MAX_NOTE}个字"
    if valid_from is None:
        valid_from = now
    elif valid_from < now - _CLOCK_SLACK:
        fields["valid_from"] = "生效时间不能早于现在：已经用过的期限不能追溯修改"
    if fields:
        raise ServiceError(f"“{spec.label}”未修改，请更正后重新提交", fields=fields)

    with transaction.atomic():
        versions = DistrictSetting.objects.filter(key=key)
        latest = versions.order_by("-version").values_list("version", flat=True).first() or 0
        if base_version is not None and base_version != latest:
            raise Conflict(
                f"“{spec.label}”刚被他人修改（现为第{latest}版），请刷新页面查看后再提交",
                fields={"value": "已被他人修改"},
            )
        in_force = versions.in_force(now).first()
        try:
            with transaction.atomic():
                row = DistrictSetting.objects.create(
                    key=key,
                    version=latest + 1,
                    value=value,
                    source=source,
                    valid_from=valid_from,
                    set_by=actor,
                    note=note,
                )
        except IntegrityError as error:
            # Another editor took this version number between our read and our insert.
            raise Conflict(
                f"“{spec.label}”刚被他人修改，请刷新页面查看后再提交",
                fields={"value": "已被他人修改"},
            ) from error
        record_audit(
            actor=actor,
            action="core.districtsetting.change",
            obj=row,
            before=_version_out(in_force, spec.source, spec.default),
            after={**_version_out(row, spec.source, spec.default), "note": note},
            request=request,
        )
    return row
