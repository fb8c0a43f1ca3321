"""Indicator pages: the table of every work-plan indicator for a period, and one indicator's
drill-down (the units, items, cases or ratings behind its gap) with a CSV download.

Supervisors only, as the API (`api.py`): the drill-downs cross every unit of the district.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from onething.core.access import role_required
from onething.core.models import Role
from onething.core.views import csv_response

from . import indicators

READERS = (Role.SUPERVISOR,)


def _period(request) -> tuple[indicators.Period | None, str]:
    """The `period` asked for (default: this month), or None with the error to show."""
    text = (request.GET.get("period") or "").strip()
    if not text:
        return indicators.current_month(), ""
    try:
        return indicators.parse_period(text), ""
    except indicators.PeriodInvalid as error:
        return None, str(error)


def _choices(period: indicators.Period | None) -> list[tuple[str, str]]:
    """Quick links: this month, last month, and the year to date and year of the period."""
    this = indicators.current_month()
    last = (
        indicators.Period(indicators.MONTH, this.year - 1, 12)
        if this.month == 1
        else indicators.Period(indicators.MONTH, this.year, this.month - 1)
    )
    shown = period or this
    options = [this, last, shown.year_to_date(), indicators.Period(indicators.YEAR, shown.year, 12)]
    seen, links = set(), []
    for option in options:
        if option.text not in seen:
            seen.add(option.text)
            links.append((option.text, option.label))
    return links


@role_required(*READERS)
def indicator_table(request):
    period, error = _period(request)
    rows = []
    if period is not None:
        for result in indicators.compute_all(period):
            rows.append({"indicator": indicators.BY_CODE[result.code], "result": result})
    return render(
        request,
        "supervision/indicators.html",
        {
            "period": period,
            "error": error,
            "asked": request.GET.get("period", ""),
            "rows": rows,
            "choices": _choices(period),
            "help": indicators.PERIOD_HELP,
        },
        status=422 if error else 200,
    )


@role_required(*READERS)
def indicator_detail(request, code: str):
    indicator = indicators.BY_CODE.get(code)
    if indicator is None:
        raise Http404
    period, error = _period(request)
    if period is None:
        return render(
            request,
            "supervision/indicators_drilldown.html",
            {"indicator": indicator, "error": error, "asked": request.GET.get("period", ""),
             "help": indicators.PERIOD_HELP, "choices": _choices(None)},
            status=422,
        )  # fmt: skip
    result, rows = indicators.drilldown(code, period)
    if request.GET.get("format") == "csv":
        return _csv(indicator, result, rows)
    sections = [
        {
            "key": key,
            "heading": heading,
            "rows": [_cells(indicator, r) for r in rows if r["section"] == key],
        }
        for key, heading in indicator.sections.items()
    ]
    return render(
        request,
        "supervision/indicators_drilldown.html",
        {
            "indicator": indicator,
            "result": result,
            "period": result.period,
            "sections": sections,
            "columns": indicator.columns,
            "count": len(rows),
            "choices": _choices(period),
            "help": indicators.PERIOD_HELP,
        },
    )


def _cells(indicator, row: dict) -> list:
    return ["" if row.get(c.key) is None else row.get(c.key) for c in indicator.columns]


def _csv(indicator, result, rows) -> HttpResponse:
    """All rows, with the section's heading first."""
    filename = f"indicator-{indicator.code}-{result.period.text.replace(':', '-')}.csv"
    return csv_response(
        filename,
        ["分组", *(c.label for c in indicator.columns)],
        ([indicator.sections.get(row["section"], row["section"]), *_cells(indicator, row)]
         for row in rows),
    )  # fmt: skip
