"""Supervision API: red and yellow cards (and the work-plan indicators).

Every read goes through `visible_to`; every change through a service (`cards.py`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse
from ninja import Router, Schema

from onething.core.api_utils import keyset_page
from onething.core.errors import NotAllowed, NotFound, ServiceError
from onething.core.models import Role

from . import cards, indicators
from .models import Card
from .months import parse_month

router = Router(tags=["效能监督"])

# --- Red and yellow cards -----------------------------------------------------------------------

MAX_CARDS = 200


class CardUnitOut(Schema):
    kind: str  # department | town
    code: str
    name: str


class CardOut(Schema):
    id: int
    month: str
    unit: CardUnitOut
    color: str
    color_label: str
    rule_code: str
    rule_label: str
    count: int
    threshold: int
    evidence: list[dict]
    issued_at: dt.datetime
    response: str
    responded_at: dt.datetime | None
    responded_by: str | None


class CardPage(Schema):
    results: list[CardOut]
    next_offset: int | None


class CardResponseIn(Schema):
    response: str


def card_out(card: Card) -> dict:
    if card.department_id:
        unit = {"kind": "department", "code": card.department.code, "name": card.department.name}
    else:
        unit = {"kind": "town", "code": card.town.code, "name": card.town.name}
    return {
        "id": card.pk,
        "month": f"{card.month:%Y-%m}",
        "unit": unit,
        "color": card.color,
        "color_label": card.get_color_display(),
        "rule_code": card.rule_code,
        "rule_label": card.rule_label,
        "count": card.count,
        "threshold": card.threshold,
        "evidence": card.evidence,
        "issued_at": card.issued_at,
        "response": card.response,
        "responded_at": card.responded_at,
        "responded_by": str(card.responded_by) if card.responded_by_id else None,
    }


def _cards(user) -> QuerySet:
    return Card.objects.visible_to(user).select_related("department", "town", "responded_by")


@router.get("cards", response=CardPage)
def list_cards(request, month: str = "", limit: int = 50, offset: int = 0):
    """The issued red and yellow cards the caller may see — the bureau every unit's, a unit's
    staff their own — for `month` (YYYY-MM), or all months, newest first. Each card lists its
    evidence: the late cases or negative ratings with their due dates and how late, or the
    months of repeated yellow cards. At most 200 a page; `next_offset` is null on the last."""
    rows = _cards(request.user).order_by("-month", "color", "rule_code", "id")
    if month:
        rows = rows.filter(month=parse_month(month))
    page, next_offset = keyset_page(rows, limit=limit, offset=offset, max_page=MAX_CARDS)
    return {"results": [card_out(card) for card in page], "next_offset": next_offset}


@router.post("cards/{card_id}/respond", response=CardOut)
def respond_to_card(request, card_id: int, payload: CardResponseIn):
    """The unit's answer to one of its cards: the reasons and what it will change (at most
    2000 characters). Staff of the carded unit only; a later answer replaces the earlier one,
    and each is kept in the audit log."""
    card = cards.respond_to_card(
        card_id=card_id, actor=request.user, text=payload.response, request=request
    )
    found = _cards(request.user).filter(pk=card.pk).first()
    if found is None:  # pragma: no cover - the service just read it through the same rule
        raise NotFound("红黄牌不存在或无权查看")
    return card_out(found)


# --- Work-plan indicators -----------------------------------------------------------------------
# The bureau's supervision function: only supervisors (区行政审批服务局监督人员) read them. The
# drill-downs list case numbers, ratings and units across the whole district, which no
# department or town may see of one another, so staff get 403 rather than a filtered copy.

READERS = (Role.SUPERVISOR,)
MAX_ROWS = 500


class IndicatorOut(Schema):
    code: str
    name: str
    period: str
    period_label: str
    unit: str
    numerator: int
    denominator: int | None
    value: int | float | None
    value_text: str
    target: int | float
    comparison: str
    target_text: str
    met: bool | None
    met_text: str
    formula: str
    counts: str
    source: str
    drilldown_url: str
    page_url: str


class ColumnOut(Schema):
    key: str
    label: str


class DrilldownOut(Schema):
    indicator: IndicatorOut
    columns: list[ColumnOut]
    sections: dict[str, str]
    count: int
    results: list[dict]


def _reader(request) -> None:
    if request.user.role not in READERS:
        raise NotAllowed("指标为区行政审批服务局的监督职能，仅监督人员可查看")


def _period(text: str) -> indicators.Period:
    try:
        return indicators.parse_period(text)
    except indicators.PeriodInvalid as error:
        raise ServiceError(f"统计期有误：{error}", fields={"period": str(error)}) from None


def _indicator(code: str) -> indicators.Indicator:
    if code not in indicators.BY_CODE:
        raise NotFound(f"没有代码为“{code}”的指标；可用：" + "、".join(indicators.BY_CODE))
    return indicators.BY_CODE[code]


def indicator_out(result: indicators.Result) -> dict:
    indicator = indicators.BY_CODE[result.code]
    query = f"?period={result.period.text}"
    return {
        "code": result.code,
        "name": indicator.name,
        "period": result.period.text,
        "period_label": result.period.label,
        "unit": indicator.unit,
        "numerator": result.numerator,
        "denominator": result.denominator,
        "value": result.value,
        "value_text": result.value_text,
        "target": result.target,
        "comparison": result.op,
        "target_text": result.target_text,
        "met": result.met,
        "met_text": result.met_text,
        "formula": indicator.formula,
        "counts": indicator.counts,
        "source": indicator.source,
        "drilldown_url": reverse("api:indicator_drilldown", args=[result.code]) + query,
        "page_url": reverse("supervision:indicator", args=[result.code]) + query,
    }


@router.get("indicators", response=list[IndicatorOut], url_name="indicators")
def list_indicators(request, period: str):
    """Every indicator for `period`: `2026-10` (a month), `2026-10:ytd` (1 January to the end of
    that month) or `2026` (the year). `value` and `target` of a "%" indicator are ratios 0–1;
    `met` is null when there is nothing to judge (a denominator of 0). 年办件量 asked for a
    month is the year to date; its `period` says so."""
    _reader(request)
    return [indicator_out(r) for r in indicators.compute_all(_period(period))]


@router.get("indicators/{code}/drilldown", response=DrilldownOut, url_name="indicator_drilldown")
def indicator_drilldown(request, code: str, period: str, limit: int = 200, offset: int = 0):
    """The rows behind one indicator's gap: the units or items without cases or ratings, the
    cases or negative ratings handled late, the items not online. Each row names its
    `section` (headings in `sections`). At most 500 a page."""
    _reader(request)
    indicator = _indicator(code)
    result, rows = indicators.drilldown(indicator.code, _period(period))
    limit, offset = max(1, min(limit, MAX_ROWS)), max(0, offset)
    return {
        "indicator": indicator_out(result),
        "columns": [{"key": c.key, "label": c.label} for c in indicator.columns],
        "sections": indicator.sections,
        "count": len(rows),
        "results": [_plain(r) for r in rows[offset : offset + limit]],
    }


def _plain(row: dict) -> dict:
    """Dates as ISO text, everything else as it is."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
