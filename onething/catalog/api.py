"""Catalog API: search, item detail, versions, and the bureau's reports."""

import datetime as dt

from django.http import Http404
from ninja import Query, Router, Schema

from onething.catalog import reports, selectors
from onething.catalog.search import SearchFilters, load_items, search_items
from onething.core.errors import NotAllowed
from onething.core.models import Role

router = Router(tags=["事项目录"])
REPORT_ROLES = (Role.SUPERVISOR, Role.SYSADMIN)


class ItemSummary(Schema):
    code: str
    base_code: str
    name: str
    department: str
    implementing_unit: str
    region: str
    kind: str
    level: int
    online_depth: int
    promised_days: int
    promised_unit: str
    statutory_days: int
    statutory_unit: str
    case_type: str
    visits: int
    popularity: int
    implementers: int


class ItemPage(Schema):
    count: int
    results: list[ItemSummary]


class ItemQuery(Schema):
    q: str = ""
    department: str = ""
    town: str = ""
    kind: str = ""
    topic: str = ""
    audience: str = ""
    online_depth: int | None = None


@router.get("items", auth=None, response=ItemPage)
def list_items(request, filters: Query[ItemQuery], limit: int = 20, offset: int = 0):
    """Search published items: Chinese text, full pinyin or initials (`csdj`), synonyms;
    filters; ranked by relevance, then popularity."""
    values = filters.dict()
    query = values.pop("q")
    hits = search_items(selectors.portal_items(request.user), query, SearchFilters(**values))
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    return {
        "count": len(hits),
        "results": [
            selectors.item_summary(hit.item, hit.implementers)
            for hit in load_items(hits[offset : offset + limit])
        ],
    }


def _item(request, code):
    item = selectors.item_detail(request.user, code)
    if item is None:
        raise Http404
    return item


@router.get("items/{code}", auth=None, response=dict)
def get_item(request, code: str):
    """Every element of the published item, with its handling items and materials."""
    from onething.catalog.services import item_to_data

    item = _item(request, code)
    return {
        **item_to_data(item),
        "version": item.current_version.number if item.current_version_id else None,
    }


class VersionOut(Schema):
    number: int
    published_at: dt.datetime
    published_by: str
    note: str


@router.get("items/{code}/versions", auth=None, response=list[VersionOut])
def list_versions(request, code: str):
    return [
        {
            "number": v.number,
            "published_at": v.published_at,
            "published_by": str(v.published_by) if v.published_by_id else "系统",
            "note": v.note,
        }
        for v in selectors.item_versions(request.user, _item(request, code))
    ]


@router.get("items/{code}/versions/{number}", auth=None, response=dict)
def get_version(request, code: str, number: int):
    """A published version exactly as it was frozen."""
    version = (
        selectors.item_versions(request.user, _item(request, code)).filter(number=number).first()
    )
    if version is None:
        raise Http404
    return {
        "number": version.number,
        "published_at": version.published_at,
        "item": version.snapshot,
    }


def _bureau(request):
    if request.user.role not in REPORT_ROLES:
        raise NotAllowed("目录报表仅供区行政审批服务局监督人员查看")


@router.get("catalog/reports/same-standard", response=dict)
def same_standard(request):
    """同标同质: items of one base code implemented by several units, with every difference."""
    _bureau(request)
    return reports.same_standard(request.user)


@router.get("catalog/reports/four-reductions", response=dict)
def four_reductions(request, baseline: dt.date = dt.date(2021, 1, 1)):
    """四减 against the catalog as published on `baseline`, per department and overall."""
    _bureau(request)
    return reports.four_reductions(request.user, baseline)


@router.get("catalog/reports/online-availability", response=dict)
def online_availability(request):
    """Share of items with online depth ≥ Ⅲ (and Ⅳ) per department against the 98 % target."""
    _bureau(request)
    return reports.online_availability(request.user)


@router.get("catalog/reports/consistency", response=dict)
def consistency(request):
    """Consistency defects of published items and of drafts awaiting review."""
    _bureau(request)
    return reports.consistency(request.user)


class DelegationOut(Schema):
    item_code: str
    item_name: str
    from_unit: str
    to: str
    delegated_on: dt.date
    document: str
    is_illustrative: bool


@router.get("delegations", auth=None, response=list[DelegationOut])
def list_delegations(request, to: str = ""):
    """赋权事项: powers delegated to the park (`to=JKQ`) or a town (`to=<town code>`)."""
    return [delegation_out(d) for d in selectors.delegations(request.user, to)]


def delegation_out(d) -> dict:
    return {
        "item_code": d.item.implementation_code,
        "item_name": d.item.name,
        "from_unit": d.item.implementing_unit,
        "to": d.to_department.name if d.to_department_id else d.to_town.name,
        "delegated_on": d.delegated_on,
        "document": d.document,
        "is_illustrative": d.is_illustrative,
    }
