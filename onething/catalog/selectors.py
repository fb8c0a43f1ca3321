"""Catalog queries shared by the API, the pages and the exports."""

from onething.catalog.models import ItemVersion, ServiceItem


def published_items(user):
    return ServiceItem.objects.visible_to(user).select_related("kind", "department", "region")


def portal_items(user):
    """What the district's portal searches: items of the district, its towns and communities
    (other regions' items are loaded only to compare them in the same-standard report)."""
    from django.conf import settings
    from django.db.models import Q

    district = settings.ONETHING_DISTRICT_CODE
    return published_items(user).filter(
        Q(region__code=district)
        | Q(region__parent__code=district)
        | Q(region__parent__parent__code=district)
    )


def item_detail(user, code: str) -> ServiceItem | None:
    return (
        published_items(user)
        .prefetch_related("handling_items__materials")
        .filter(implementation_code=code)
        .first()
    )


def item_versions(user, item: ServiceItem):
    return ItemVersion.objects.visible_to(user).filter(item=item).select_related("published_by")


def item_summary(item: ServiceItem, implementers: int = 1) -> dict:
    """The fields of one search result (`GET /api/v1/items`)."""
    return {
        "code": item.implementation_code,
        "base_code": item.base_code,
        "name": item.name,
        "department": item.department.name if item.department_id else item.implementing_unit,
        "implementing_unit": item.implementing_unit,
        "region": item.region.code,
        "kind": item.kind.name,
        "level": item.level,
        "online_depth": item.online_depth,
        "promised_days": item.promised_days,
        "promised_unit": item.promised_unit,
        "statutory_days": item.statutory_days,
        "statutory_unit": item.statutory_unit,
        "case_type": item.case_type,
        "visits": item.visits,
        "popularity": item.popularity,
        "implementers": implementers,
    }


def delegations(user, to: str = ""):
    from django.db.models import Q

    from onething.catalog.models import Delegation

    rows = Delegation.objects.visible_to(user).select_related("item", "to_department", "to_town")
    if to:
        rows = rows.filter(Q(to_department__code=to) | Q(to_town__code=to))
    return rows
