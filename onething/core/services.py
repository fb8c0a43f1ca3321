"""State changes of the core context: the audit log, the work calendar, API tokens.

Every function that changes state runs in one transaction and writes an audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
from typing import Any

import chinese_calendar
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Count, Max
from django.forms.models import model_to_dict
from django.utils import timezone

from onething.core import workdays
from onething.core.errors import ServiceError
from onething.core.identity import mask_phone, mask_resident_id
from onething.core.models import ApiToken, AuditEntry, CalendarYear, User, WorkCalendarDay

# --- Audit ---------------------------------------------------------------------------------


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete fields as JSON-safe values, for before/after in the audit log."""
    data = model_to_dict(obj, fields=[f.name for f in obj._meta.concrete_fields])
    data.pop("password", None)
    # The audit log is read by supervisors: personal numbers stay masked there too.
    for name, mask in (("id_number", mask_resident_id), ("phone", mask_phone)):
        if data.get(name):
            data[name] = mask(data[name])
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record_audit(
    *,
    actor: User | None,
    action: str,
    kind: str = AuditEntry.Kind.CHANGE,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    purpose: str = "",
    request=None,
) -> AuditEntry:
    """Append one entry to the audit log. Call inside the transaction of the change."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=str(actor) if actor else "系统",
        actor_role=actor.role if actor else "",
        actor_unit=actor.unit_name if actor else "",
        kind=kind,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        purpose=purpose,
        ip_address=client_ip(request),
    )


def save_with_audit(*, actor: User | None, obj: models.Model, request=None) -> models.Model:
    """Validate and save an object edited as a whole (admin forms), recording before/after."""
    with transaction.atomic():
        before = None
        if obj.pk is not None:
            current = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
            before = snapshot(current) if current is not None else None
        obj.full_clean()
        obj.save()
        verb = "update" if before is not None else "create"
        record_audit(
            actor=actor,
            action=f"{obj._meta.label_lower}.{verb}",
            obj=obj,
            before=before,
            after=snapshot(obj),
            request=request,
        )
    return obj


def delete_with_audit(*, actor: User | None, obj: models.Model, request=None) -> None:
    with transaction.atomic():
        before = snapshot(obj)
        record_audit(
            actor=actor,
            action=f"{obj._meta.label_lower}.delete",
            obj=obj,
            before=before,
            request=request,
        )
        obj.delete()


# --- Work calendar -------------------------------------------------------------------------

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
PACKAGE_SOURCE = f"chinese-calendar {chinese_calendar.__version__}（国务院办公厅节假日安排通知）"

_calendar_lock = threading.Lock()
_calendar_cache: dict[str, Any] = {"signature": None, "calendar": None}


def _day_row(day: dt.date, *, holiday: str | None, adjusted: str | None) -> WorkCalendarDay:
    if adjusted:
        return WorkCalendarDay(
            date=day,
            is_working_day=True,
            kind=WorkCalendarDay.Kind.ADJUSTED_WORKDAY,
            name=f"{adjusted}调休上班",
        )
    if holiday:
        return WorkCalendarDay(
            date=day, is_working_day=False, kind=WorkCalendarDay.Kind.HOLIDAY, name=holiday
        )
    weekday = day.weekday() < 5
    kind = WorkCalendarDay.Kind.WORKDAY if weekday else WorkCalendarDay.Kind.WEEKEND
    return WorkCalendarDay(date=day, is_working_day=weekday, kind=kind)


def _days_of(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def seed_calendar_from_package(*, actor: User | None = None) -> int:
    """Load every year chinese-calendar covers that the table lacks. Returns years added."""
    first, last = 2004, max(d.year for d in chinese_calendar.holidays)
    have = set(CalendarYear.objects.values_list("year", flat=True))
    added = 0
    for year in range(first, last + 1):
        if year in have:
            continue
        rows = []
        for day in _days_of(year):
            holiday = chinese_calendar.holidays.get(day)
            adjusted = chinese_calendar.workdays.get(day) if day.weekday() >= 5 else None
            rows.append(
                _day_row(
                    day,
                    holiday=HOLIDAY_NAMES.get(holiday, holiday) if holiday else None,
                    adjusted=HOLIDAY_NAMES.get(adjusted, adjusted) if adjusted else None,
                )
            )
        with transaction.atomic():
            WorkCalendarDay.objects.bulk_create(rows)
            entry = CalendarYear.objects.create(year=year, source=PACKAGE_SOURCE)
            record_audit(
                actor=actor,
                action="core.calendaryear.create",
                obj=entry,
                after={"year": year, "days": len(rows), "source": PACKAGE_SOURCE},
            )
        added += 1
    return added


def import_schedule(*, actor: User | None, year: int, text: str, source: str) -> CalendarYear:
    """Enter (or replace) a year's official schedule from the documented text format.

    All or nothing: a schedule with any bad line raises ServiceError listing every line.
    """
    if not source.strip():
        raise ServiceError("请填写依据（通知文号）", fields={"source": "必填"})
    try:
        entries = workdays.parse_schedule(text, year)
    except workdays.ScheduleInvalid as error:
        raise ServiceError(
            f"{year}年放假安排有误，未导入任何内容",
            fields={f"line {e.line}": e.message for e in error.errors},
        ) from error
    by_day = {e.day: e for e in entries}
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = None
        if existing:
            before = {"year": year, "source": existing.source}
            WorkCalendarDay.objects.filter(date__year=year).delete()
        rows = []
        for day in _days_of(year):
            entry = by_day.get(day)
            rows.append(
                _day_row(
                    day,
                    holiday=entry.name if entry and not entry.is_working_day else None,
                    adjusted=entry.name.removesuffix("调休")
                    if entry and entry.is_working_day
                    else None,
                )
            )
        WorkCalendarDay.objects.bulk_create(rows)
        # Entries in the last days of the year before (a New Year holiday) update those dates.
        for entry in entries:
            if entry.day.year != year:
                WorkCalendarDay.objects.filter(date=entry.day).update(
                    is_working_day=entry.is_working_day,
                    kind=WorkCalendarDay.Kind.ADJUSTED_WORKDAY
                    if entry.is_working_day
                    else WorkCalendarDay.Kind.HOLIDAY,
                    name=entry.name,
                    updated_at=timezone.now(),
                )
        calendar_year, _ = CalendarYear.objects.update_or_create(
            year=year, defaults={"source": source.strip()}
        )
        record_audit(
            actor=actor,
            action="core.calendaryear.import",
            obj=calendar_year,
            before=before,
            after={
                "year": year,
                "source": calendar_year.source,
                "holidays": sum(not e.is_working_day for e in entries),
                "adjusted_workdays": sum(e.is_working_day for e in entries),
            },
        )
    return calendar_year


def load_calendar() -> workdays.WorkCalendar:
    """The calendar as the pure module needs it, rebuilt only when the tables changed."""
    days = WorkCalendarDay.objects.aggregate(n=Count("*"), at=Max("updated_at"))
    years = CalendarYear.objects.aggregate(n=Count("*"), at=Max("updated_at"))
    signature = (days["n"], days["at"], years["n"], years["at"])
    with _calendar_lock:
        if _calendar_cache["signature"] != signature:
            overrides = {
                day: working
                for day, working in WorkCalendarDay.objects.values_list("date", "is_working_day")
                if working != (day.weekday() < 5)
            }
            covered = frozenset(CalendarYear.objects.values_list("year", flat=True))
            _calendar_cache["calendar"] = workdays.WorkCalendar(overrides, covered)
            _calendar_cache["signature"] = signature
        return _calendar_cache["calendar"]


# --- API tokens ----------------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_token(*, user: User, request=None) -> tuple[ApiToken, str]:
    """Create a bearer token for `user`; the raw key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=_hash_key(key),
            prefix=key[:8],
            expires_at=timezone.now() + settings.ONETHING_API_TOKEN_LIFETIME,
        )
        record_audit(
            actor=user,
            action="core.apitoken.create",
            obj=token,
            after={"prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
            request=request,
        )
    return token, key


def user_for_api_key(key: str) -> User | None:
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        # Written at most every five minutes so reads stay reads.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_api_token(*, user: User, key: str, request=None) -> None:
    with transaction.atomic():
        token = ApiToken.objects.visible_to(user).filter(key_hash=_hash_key(key)).first()
        if token is None or token.revoked_at is not None:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(
            actor=user,
            action="core.apitoken.revoke",
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
            request=request,
        )
