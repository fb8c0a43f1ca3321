"""Labels for the codes inside an item's data (a version snapshot)."""

from django import template

from onething.catalog import excel
from onething.catalog.models import ItemKind, ServiceItem

register = template.Library()
DEPTHS = dict(ServiceItem.OnlineDepth.choices)
LEVELS = dict(ServiceItem.Level.choices)


@register.filter
def limit_label(limit: dict) -> str:
    if not limit:
        return ""
    days, unit = limit.get("days"), limit.get("unit")
    if days == 0:
        return "即时办结"
    return f"{days}个{excel.UNITS.get(unit, unit)}" if unit != "hour" else f"{days}小时"


@register.filter
def case_type_label(code: str) -> str:
    return excel.CASE_TYPES.get(code, code)


@register.filter
def depth_label(depth: int) -> str:
    return DEPTHS.get(depth, "")


@register.filter
def level_label(level: int) -> str:
    return LEVELS.get(level, "")


@register.filter
def kind_label(code: str) -> str:
    kind = ItemKind.objects.filter(code=code).first()
    return kind.name if kind else code


@register.filter
def form_label(code: str) -> str:
    return excel.FORMS.get(code, code)


@register.filter
def replacement_label(code: str) -> str:
    return {"license": "可用电子证照免交", "shared_data": "部门共享获取，免交"}.get(code or "", "")


@register.filter
def audience_label(codes: list) -> str:
    return "、".join(excel.AUDIENCE.get(c, c) for c in codes or [])


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def region_names(codes: list) -> str:
    from onething.core.models import Region

    names = dict(Region.objects.filter(code__in=codes or []).values_list("code", "name"))
    return "、".join(names.get(code, code) for code in codes or [])
