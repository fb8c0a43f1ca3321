"""The indicator summary that the dashboard and the bulletin show, read from `indicators.py`
(the formulas live there only)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, Q, Sum, When
from django.urls import reverse

from . import indicators
from .lateness import unit_of


def indicator_summary(month: dt.date, *, today: dt.date | None = None) -> list[dict]:
    """One row per work-plan indicator for the month: name, value and target as text, whether
    it is met, the numbers the chart draws, and the drill-down link. JSON-safe (the bulletin
    stores it). An indicator the plan sets for the year is shown for the year to date."""
    period = indicators.Period(indicators.MONTH, month.year, month.month)
    rows = []
    for result in indicators.compute_all(period, today=today):
        indicator = indicators.BY_CODE[result.code]
        name = indicator.name
        if result.period != period:
            name = f"{name}（{result.period.label}）"
        percent = result.unit == "%"
        rows.append(
            {
                "code": result.code,
                "name": name,
                "value": result.value_text,
                "target": result.target_text,
                "met": result.met_text,
                "met_bool": result.met,
                "percent": percent,
                "value_number": _number(result.value, percent),
                "target_number": _number(result.target, percent),
                "numerator": result.numerator,
                "denominator": result.denominator,
                "link": reverse("supervision:indicator", args=[result.code])
                + f"?period={result.period.text}",
            }
        )
    return rows


def _number(value, percent: bool):
    if value is None:
        return None
    return round(value * 100, 2) if percent else value


def on_time_by_unit(month: dt.date, *, today: dt.date | None = None) -> dict[tuple, tuple]:
    """按时办结率 per unit — (on time, concluded) by ("department"|"town", id) — counted exactly
    as the indicator counts the district: its own SQL verdict per case (`on_time_code`) and
    its Python judgement for the cases SQL does not compute, grouped by the case's unit. The
    sums over units are the indicator's numerator and denominator (a test checks it)."""
    period = indicators.Period(indicators.MONTH, month.year, month.month)
    context = indicators.Context(period, today=today)
    judged = Q(state__in=indicators.CONCLUDED) & ~Q(decided_on__lte=context._start())
    in_python = Case(When(judged & context._judged_in_python(), then=F("id")))
    rows = (
        context.concluded()
        .order_by()
        .values("department_id", "town_id")
        .annotate(on_time=Sum(context.on_time_code()), others=indicators._IdList(in_python))
    )
    found = {}
    for row in rows:
        key = unit_of(row["department_id"], row["town_id"])
        on_time, concluded = indicators._split(row["on_time"])
        for case in context._python_judged(row["others"]):
            concluded += 1
            on_time += case["on_time"]
        if key is not None and concluded:
            found[key] = (on_time, concluded)
    return found
