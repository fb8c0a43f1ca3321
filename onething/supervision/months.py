"""Months as the supervision pages and runs name them: '2026-10' is 2026-10-01 … 2026-10-31."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onething.core.errors import ServiceError


def parse_month(text: str) -> dt.date:
    """'2026-10' → 2026-10-01; a ServiceError in Chinese otherwise."""
    try:
        day = dt.date.fromisoformat(f"{(text or '').strip()}-01")
    except ValueError:
        raise ServiceError(
            f"月份“{text}”无效，格式应为 YYYY-MM，如 2026-10", fields={"month": "格式应为 YYYY-MM"}
        ) from None
    if not 2000 <= day.year <= 2100:
        raise ServiceError("月份超出范围", fields={"month": "年份应在2000至2100之间"})
    return day


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def as_of_day(month: dt.date, today: dt.date | None = None) -> dt.date:
    """The last day counted: the month's end, or today while the month runs."""
    today = today or timezone.localdate()
    if month > today:
        raise ServiceError(f"{month_label(month)}尚未开始", fields={"month": "不能是将来的月份"})
    return min(today, month_end(month))


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
