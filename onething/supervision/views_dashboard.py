"""The bureau's dashboard: one screen of charts (ECharts, from a static script reading a JSON
block — the CSP allows no inline script), each followed by its data table and a CSV link;
`?mode=big` is the 1920×1080 big-screen layout."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from onething.core.access import role_required
from onething.core.errors import ServiceError
from onething.core.models import Role
from onething.core.views import csv_response

from . import dashboard as data
from .months import month_label, parse_month, previous_month


def _period(request):
    text = request.GET.get("period", "")
    today = timezone.localdate()
    if not text:
        return today.replace(day=1)
    try:
        month = parse_month(text)
    except ServiceError:
        return None
    return month if month <= today else None


@role_required(Role.SUPERVISOR)
def dashboard(request):
    month = _period(request)
    if month is None:
        messages.error(request, "统计月份无效：格式应为 YYYY-MM，且不能是将来的月份")
        return redirect(reverse("supervision:dashboard"))
    if request.GET.get("format") == "csv":
        return _csv(month, request.GET.get("chart", ""))
    board = data.build(month)
    big = request.GET.get("mode") == "big"
    period = f"{month:%Y-%m}"
    return render(
        request,
        "supervision/dashboard_big.html" if big else "supervision/dashboard.html",
        {
            "board": board,
            "period": period,
            "month_label": month_label(month),
            "previous": f"{previous_month(month):%Y-%m}",
            "big": big,
            "ranking_formula": data.RANKING_FORMULA,
            "chart_data": {
                "theme": "dark" if big else "light",
                "big": big,
                "charts": [chart.option() for chart in board.charts],
            },
        },
    )


def _csv(month, name: str) -> HttpResponse:
    chart = data.build_chart(month, name)
    if chart is None:
        raise Http404(f"没有名为“{name}”的图表，可选：{'、'.join(data.CHART_NAMES)}")
    columns, rows = chart.table()
    return csv_response(f"{name}-{month:%Y-%m}.csv", columns, rows)
